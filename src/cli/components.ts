// The components `kubelite up` runs next to the API server, each as the client its upstream
// counterpart is: the scheduler as system:kube-scheduler; the controller manager reading as
// system:kube-controller-manager and writing as each controller's ServiceAccount (upstream's
// --use-service-account-credentials; certificates from the cluster CA stand in for tokens).
// Both take part in leader election on their upstream Leases, so a second copy started with
// `kubelite controller-manager` waits as a standby, as a second kube-controller-manager would.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { issueClientCertificate, type Pki } from '../apiserver/index.ts';
import { Client, isAlreadyExists, resources, runLeaderElected } from '../client/index.ts';
import { defaultStorageClass } from '../controllers/volume/index.ts';
import { logControllerErrors, startControllerManager, type ControllerManagerConfig } from '../controllers/manager.ts';
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
  const admin = new Client({ server: o.url, ca: o.pki.ca.cert, cert: o.pki.admin.cert, key: o.pki.admin.key, userAgent: `kubelite-addons/${VERSION}` });
  if (o.controllerManager !== false) {
    // The default StorageClass, as kind and k3s ship one (as an addon, with the admin's
    // rights): claims get hostPath volumes from the persistentvolume-binder.
    await admin.create(resources.storageclasses, undefined, defaultStorageClass()).catch((err: unknown) => {
      if (!isAlreadyExists(err)) o.log(`kubelite: default StorageClass: ${(err as Error).message}`);
    });
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
            keys: { rootCA: o.pki.ca.cert, signing: o.pki.ca, serviceAccountKey: o.pki.serviceAccountKey },
            onSkip: (name, why) => o.log(`kubelite: controller manager: not starting ${name}: ${why}`),
            ...(o.controllerConfig ? { config: o.controllerConfig } : {}),
            onError: logControllerErrors(o.log, 'kubelite: controller'),
          }),
        onError: (err) => o.log(`kubelite: controller manager: ${(err as Error).message}`),
      }),
    );
  }
  if (o.controllerManager !== false) {
    // Ready means pods can be made: the default namespace's ServiceAccount, which the
    // serviceaccount controller makes, must exist first (kind waits for it too).
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      const sa = await admin.get(resources.serviceaccounts, 'default', 'default').catch(() => undefined);
      if (sa) break;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  admin.close();
  return {
    async stop() {
      for (const r of running.reverse()) await r.stop();
      for (const c of clients) c.close();
    },
  };
}
