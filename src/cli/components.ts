// The components `kubelite up` runs next to the API server, each as the client its upstream
// counterpart is: the scheduler as system:kube-scheduler; the controller manager reading as
// system:kube-controller-manager and writing as each controller's ServiceAccount (upstream's
// --use-service-account-credentials; certificates from the cluster CA stand in for tokens).
import { issueClientCertificate, type Pki } from '../apiserver/index.ts';
import { Client, isConflict } from '../client/index.ts';
import { startControllerManager } from '../controllers/manager.ts';
import { startScheduler } from '../scheduler/run.ts';

const VERSION = 'v1.35.0-kubelite';

export interface Components {
  stop(): Promise<void>;
}

export async function startComponents(o: { url: string; pki: Pki; schedulerConfig?: string; log: (line: string) => void }): Promise<Components> {
  const clients: Client[] = [];
  const clientAs = async (subject: string, userAgent: string) => {
    const c = new Client({ server: o.url, ca: o.pki.ca.cert, ...(await issueClientCertificate(o.pki.ca, subject)), userAgent });
    clients.push(c);
    return c;
  };
  const scheduler = startScheduler({
    client: await clientAs('CN=system:kube-scheduler', `kube-scheduler/${VERSION}`),
    ...(o.schedulerConfig !== undefined ? { config: o.schedulerConfig } : {}),
    onError: (err, context) => o.log(`kubelite: scheduler: ${context}: ${(err as Error).message}`),
  });
  const controllers = await startControllerManager({
    client: await clientAs('CN=system:kube-controller-manager', `kube-controller-manager/${VERSION}`),
    clientFor: (account) =>
      clientAs(`CN=system:serviceaccount:kube-system:${account}, O=system:serviceaccounts, O=system:serviceaccounts:kube-system`, `kube-controller-manager/${VERSION}/${account}`),
    // Conflicts are the normal price of optimistic concurrency: the key is retried.
    onError: (key, err) => {
      if (!isConflict(err)) o.log(`kubelite: controller: ${key}: ${(err as Error).message}`);
    },
  });
  return {
    async stop() {
      await controllers.stop();
      await scheduler.stop();
      for (const c of clients) c.close();
    },
  };
}
