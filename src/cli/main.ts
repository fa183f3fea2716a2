// The `kubelite` command: parses arguments and wires components together, nothing else.
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { up } from './up.ts';
import { explainPod, simNodes } from './sim.ts';
import { addControllerManagerFlags, controllerConfigFromFlags, controllerManagerCommand } from './controller-manager.ts';
import { selectControllers } from '../controllers/manager.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

function fail(err: unknown): never {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`kubelite: error: ${message}\n`);
  process.exit(1);
}

/** A whole number of seconds from a flag, as `{ [key]: n }`, or nothing when not given. */
function seconds<K extends string>(flag: string, v: string | undefined, key: K): { [k in K]?: number } {
  if (v === undefined) return {};
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`invalid argument "${v}" for "${flag}" flag`);
  return { [key]: n } as { [k in K]?: number };
}

const program = new Command('kubelite')
  .description('The whole Kubernetes stack in one process.')
  .version(pkg.version, '-v, --version')
  .showHelpAfterError()
  .exitOverride();

addControllerManagerFlags(
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
    .option('--scheduler-config <file>', 'a KubeSchedulerConfiguration for the scheduler (profiles, plugins, weights)')
    .option('--default-not-ready-toleration-seconds <n>', 'tolerationSeconds of the not-ready:NoExecute toleration every pod gets (300)')
    .option('--default-unreachable-toleration-seconds <n>', 'tolerationSeconds of the unreachable:NoExecute toleration every pod gets (300)')
    .option('--disable-scheduler', 'do not run the scheduler', false)
    .option('--disable-controller-manager', 'do not run the controller manager (run `kubelite controller-manager` instead, or none)', false),
)
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
      schedulerConfig?: string;
      disableScheduler: boolean;
      defaultNotReadyTolerationSeconds?: string;
      defaultUnreachableTolerationSeconds?: string;
      disableControllerManager: boolean;
      controllers: string;
      [flag: string]: unknown;
    }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${opts.port} is not a port number`);
      if (opts.auditLogPath && !opts.auditPolicyFile) throw new Error('--audit-log-path needs --audit-policy-file (without a policy nothing is logged)');
      await up({
        dataDir: opts.dataDir,
        memory: opts.memory,
        host: opts.host,
        port,
        ...(opts.schedulerConfig ? { schedulerConfig: opts.schedulerConfig } : {}),
        components: {
          scheduler: !opts.disableScheduler,
          controllerManager: !opts.disableControllerManager,
          controllers: selectControllers(opts.controllers.split(',')),
          controllerConfig: controllerConfigFromFlags(opts as Record<string, string | undefined>),
        },
        server: {
          ...seconds('--default-not-ready-toleration-seconds', opts.defaultNotReadyTolerationSeconds, 'defaultNotReadyTolerationSeconds'),
          ...seconds('--default-unreachable-toleration-seconds', opts.defaultUnreachableTolerationSeconds, 'defaultUnreachableTolerationSeconds'),
          ...(opts.tokenAuthFile ? { tokenAuthFile: opts.tokenAuthFile } : {}),
          ...(opts.encryptionProviderConfig ? { encryptionProviderConfig: opts.encryptionProviderConfig } : {}),
          ...(opts.auditPolicyFile ? { auditPolicyFile: opts.auditPolicyFile, auditLogPath: opts.auditLogPath ?? '-' } : {}),
        },
      });
    },
  );

addControllerManagerFlags(
  program
    .command('controller-manager')
    .description('run the controller manager alone against a cluster, until interrupted (Ctrl-C)')
    .option('--kubeconfig <file>', 'the cluster (default: $KUBECONFIG, then ~/.kubelite/kubeconfig)')
    .option('--leader-elect <bool>', 'take part in leader election before starting (true or false)', 'true')
    .option('--use-service-account-credentials', "each controller acts as its own ServiceAccount (kube-system/<name>-controller)", false)
    .option('--root-ca-file <file>', 'CA bundle for kube-root-ca.crt and token Secrets')
    .option('--cluster-signing-cert-file <file>', 'CA certificate the built-in CSR signers sign with')
    .option('--cluster-signing-key-file <file>', 'its private key')
    .option('--service-account-private-key-file <file>', 'key that signs legacy ServiceAccount tokens'),
).action(async (opts: {
  kubeconfig?: string;
  leaderElect: string;
  useServiceAccountCredentials: boolean;
  controllers: string;
  rootCaFile?: string;
  clusterSigningCertFile?: string;
  clusterSigningKeyFile?: string;
  serviceAccountPrivateKeyFile?: string;
  [flag: string]: unknown;
}) => {
  if (!['true', 'false'].includes(opts.leaderElect)) throw new Error(`invalid argument "${opts.leaderElect}" for "--leader-elect" flag: want true or false`);
  await controllerManagerCommand({
    ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}),
    controllers: opts.controllers,
    leaderElect: opts.leaderElect === 'true',
    useServiceAccountCredentials: opts.useServiceAccountCredentials,
    ...(opts.rootCaFile ? { rootCAFile: opts.rootCaFile } : {}),
    ...(opts.clusterSigningCertFile ? { clusterSigningCertFile: opts.clusterSigningCertFile } : {}),
    ...(opts.clusterSigningKeyFile ? { clusterSigningKeyFile: opts.clusterSigningKeyFile } : {}),
    ...(opts.serviceAccountPrivateKeyFile ? { serviceAccountPrivateKeyFile: opts.serviceAccountPrivateKeyFile } : {}),
    config: controllerConfigFromFlags(opts as Record<string, string | undefined>),
    until: new Promise((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    }),
  });
});

const collect = (v: string, prev: string[]) => [...prev, v];

program
  .command('sim')
  .description('simulated nodes, KWOK-style')
  .command('nodes')
  .description('run simulated nodes against the cluster until interrupted (Ctrl-C removes them)')
  .option('--count <n>', 'how many nodes', '1')
  .option('--prefix <name>', 'nodes are named <prefix>-0, <prefix>-1, ...', 'sim-node')
  .option('--cpu <quantity>', 'cpu capacity of each node', '32')
  .option('--memory <quantity>', 'memory capacity of each node', '256Gi')
  .option('--pods <n>', 'pod capacity of each node', '110')
  .option('--label <key=value>', 'a label for every node (repeatable)', collect, [])
  .option('--taint <key=value:Effect>', 'a taint for every node (repeatable)', collect, [])
  .option('--pod-ready-ms <ms>', 'delay (and as much jitter again) before a pod runs')
  .option('--config <file>', 'node groups, capacities, labels, taints and stages as YAML (instead of the flags above)')
  .option('--kubeconfig <file>', 'the cluster to join (default: $KUBECONFIG, then ~/.kubelite/kubeconfig)')
  .action(async (opts: { count: string; prefix: string; cpu: string; memory: string; pods: string; label: string[]; taint: string[]; podReadyMs?: string; config?: string; kubeconfig?: string }) => {
    const count = Number(opts.count);
    if (!Number.isInteger(count) || count < 0) throw new Error(`--count ${opts.count} is not a whole number`);
    await simNodes({
      count,
      prefix: opts.prefix,
      capacity: { cpu: opts.cpu, memory: opts.memory, pods: opts.pods },
      labels: opts.label,
      taints: opts.taint,
      ...(opts.podReadyMs !== undefined ? { podReadyMs: Number(opts.podReadyMs) } : {}),
      ...(opts.config ? { config: opts.config } : {}),
      ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}),
    });
  });

program
  .command('explain')
  .description("why the scheduler put a pod where it did (or nowhere): every filter's verdict on every node, every score")
  .argument('<kind>', 'pod')
  .argument('<name>', 'the pod')
  .option('-n, --namespace <ns>', 'the pod\'s namespace (default: the kubeconfig\'s, then default)')
  .option('-o, --output <format>', 'text or json', 'text')
  .option('--kubeconfig <file>', 'the cluster (default: $KUBECONFIG, then ~/.kubelite/kubeconfig)')
  .action(async (kind: string, name: string, opts: { namespace?: string; output: string; kubeconfig?: string }) => {
    if (!['pod', 'pods', 'po'].includes(kind)) throw new Error(`explain knows pods only, not ${JSON.stringify(kind)}`);
    if (!['text', 'json'].includes(opts.output)) throw new Error(`--output ${opts.output}: want text or json`);
    process.stdout.write(
      await explainPod(name, { json: opts.output === 'json', ...(opts.namespace ? { namespace: opts.namespace } : {}), ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}) }),
    );
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  fail(err);
}
