// The components `kubelite up` runs next to the API server, each as the client its upstream
// counterpart is: the scheduler as system:kube-scheduler; the controller manager reading as
// system:kube-controller-manager and writing as each controller's ServiceAccount (upstream's
// --use-service-account-credentials; certificates from the cluster CA stand in for tokens).
// Both take part in leader election on their upstream Leases, so a second copy started with
// `kubelite controller-manager` waits as a standby, as a second kube-controller-manager would.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { issueClientCertificate, type Pki } from '../apiserver/index.ts';
import { Client, isConflict, runLeaderElected } from '../client/index.ts';
import { startControllerManager, type ControllerManagerConfig } from '../controllers/manager.ts';
import { startScheduler } from '../scheduler/run.ts';

export const VERSION = 'v1.35.0-kubelite';

export interface Components {
  stop(): Promise<void>;
}

export interface ComponentsOptions {
  url: string;
  pki: Pki;
  schedulerConfig?: string;
  /** Leave these out (`kubelite up --disable-scheduler`, `--disable-controller-manager`). */
  scheduler?: boolean;
  controllerManager?: boolean;
  /** Controller names in --controllers syntax; every default one when absent. */
  controllers?: string[];
  controllerConfig?: Partial<ControllerManagerConfig>;
  log: (line: string) => void;
}

/** A unique holder identity, as upstream's `<hostname>_<uuid>`. */
export const leaderIdentity = () => `${hostname()}_${randomUUID()}`;

export async function startComponents(o: ComponentsOptions): Promise<Components> {
  const clients: Client[] = [];
  const clientAs = async (subject: string, userAgent: string) => {
    const c = new Client({ server: o.url, ca: o.pki.ca.cert, ...(await issueClientCertificate(o.pki.ca, subject)), userAgent });
    clients.push(c);
    return c;
  };
  const running: { stop(): Promise<void> }[] = [];
  if (o.scheduler !== false) {
    const client = await clientAs('CN=system:kube-scheduler', `kube-scheduler/${VERSION}`);
    running.push(
      runLeaderElected({
        client,
        namespace: 'kube-system',
        name: 'kube-scheduler',
        identity: leaderIdentity(),
        start: async () =>
          startScheduler({
            client,
            ...(o.schedulerConfig !== undefined ? { config: o.schedulerConfig } : {}),
            onError: (err, context) => o.log(`kubelite: scheduler: ${context}: ${(err as Error).message}`),
          }),
        onError: (err) => o.log(`kubelite: scheduler: ${(err as Error).message}`),
      }),
    );
  }
  if (o.controllerManager !== false) {
    const client = await clientAs('CN=system:kube-controller-manager', `kube-controller-manager/${VERSION}`);
    running.push(
      runLeaderElected({
        client,
        namespace: 'kube-system',
        name: 'kube-controller-manager',
        identity: leaderIdentity(),
        start: () =>
          startControllerManager({
            client,
            clientFor: (account) =>
              clientAs(`CN=system:serviceaccount:kube-system:${account}, O=system:serviceaccounts, O=system:serviceaccounts:kube-system`, `kube-controller-manager/${VERSION}/${account}`),
            ...(o.controllers ? { controllers: o.controllers } : {}),
            ...(o.controllerConfig ? { config: o.controllerConfig } : {}),
            // Conflicts are the normal price of optimistic concurrency: the key is retried.
            onError: (key, err) => {
              if (!isConflict(err)) o.log(`kubelite: controller: ${key}: ${(err as Error).message}`);
            },
          }),
        onError: (err) => o.log(`kubelite: controller manager: ${(err as Error).message}`),
      }),
    );
  }
  return {
    async stop() {
      for (const r of running.reverse()) await r.stop();
      for (const c of clients) c.close();
    },
  };
}
