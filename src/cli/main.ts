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
  .action(async (opts: { dataDir: string; memory: boolean }) => {
    await up({ dataDir: opts.dataDir, memory: opts.memory });
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  fail(err);
}
