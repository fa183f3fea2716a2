// The `kubelite` command: parses arguments and wires components together, nothing else.
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { up } from './up.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

function fail(err: unknown): never {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`kubelite: error: ${message}\n`);
  process.exit(1);
}

const program = new Command('kubelite')
  .description('The whole Kubernetes stack in one process.')
  .version(pkg.version, '-v, --version')
  .showHelpAfterError()
  .exitOverride();

program
  .command('up')
  .description('start the cluster and keep it running until interrupted (Ctrl-C)')
  .option('--data-dir <dir>', 'where the cluster keeps its state', '~/.kubelite')
  .option('--memory', 'keep everything in memory; nothing survives the process', false)
  .option('--host <address>', 'address the API server listens on', '127.0.0.1')
  .option('--port <port>', 'port of the API server (0: any free port)', '6443')
  .option('--token-auth-file <file>', 'static bearer tokens: CSV lines token,user,uid,"group1,group2"')
  .option('--encryption-provider-config <file>', 'an EncryptionConfiguration: which resources are encrypted at rest, and how')
  .option('--audit-policy-file <file>', 'an audit Policy: which requests are logged, at which level')
  .option('--audit-log-path <file>', "where audit events go, one JSON object a line ('-': standard output)")
  .action(
    async (opts: {
      dataDir: string;
      memory: boolean;
      host: string;
      port: string;
      tokenAuthFile?: string;
      encryptionProviderConfig?: string;
      auditPolicyFile?: string;
      auditLogPath?: string;
    }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${opts.port} is not a port number`);
      if (opts.auditLogPath && !opts.auditPolicyFile) throw new Error('--audit-log-path needs --audit-policy-file (without a policy nothing is logged)');
      await up({
        dataDir: opts.dataDir,
        memory: opts.memory,
        host: opts.host,
        port,
        server: {
          ...(opts.tokenAuthFile ? { tokenAuthFile: opts.tokenAuthFile } : {}),
          ...(opts.encryptionProviderConfig ? { encryptionProviderConfig: opts.encryptionProviderConfig } : {}),
          ...(opts.auditPolicyFile ? { auditPolicyFile: opts.auditPolicyFile, auditLogPath: opts.auditLogPath ?? '-' } : {}),
        },
      });
    },
  );

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  fail(err);
}
