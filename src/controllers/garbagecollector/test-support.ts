// Test support shared by the garbage collector's and the namespace controller's tests: an API
// server that does no background work itself, a ManualClock that moves on its own (faster than
// real time, so rate-limited retries and discovery resyncs happen), and a CRD.
import { eventually, sleep } from '../testing.ts';
import { SharedInformerFactory, type Client, type Resource } from '../../client/index.ts';
import { startEnv, type TestEnv } from '../../client/test-env.ts';
import { ManualClock } from '../../util/clock.ts';

type Obj = Record<string, any>;

export interface Env {
  env: TestEnv;
  client: Client;
  clock: ManualClock;
  factory: SharedInformerFactory;
  errors: unknown[];
  /** Stops the clock pump, the factory and the server. */
  close(): Promise<void>;
}

export async function startGcEnv(pump = { everyMs: 10, stepMs: 100 }): Promise<Env> {
  const env = await startEnv({ builtinControllers: false });
  const clock = new ManualClock(Date.now());
  const client = env.newClient('controller-manager');
  const factory = new SharedInformerFactory(client, { clock });
  // No serviceaccounts controller here: pods need the default account to be admitted.
  await env.client.create({ group: '', version: 'v1', resource: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true }, 'default', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
  const timer = setInterval(() => clock.advance(pump.stepMs), pump.everyMs);
  return {
    env,
    client: env.client,
    clock,
    factory,
    errors: [],
    async close() {
      clearInterval(timer);
      await factory.shutdown();
      await env.close();
    },
  };
}

export const widgets: Resource = { group: 'example.com', version: 'v1', resource: 'widgets', kind: 'Widget', namespaced: true };
const crds: Resource = { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false };

/** Creates the Widget CRD and waits until its resource is served. */
export async function createWidgetCrd(client: Client): Promise<void> {
  await client.create(crds, undefined, {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  });
  await eventually('widgets served', async () => {
    await client.list(widgets, 'default');
    return true;
  });
}

export { eventually, sleep };

export const ownerRef = (o: Obj, extra: Obj = {}) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, uid: o.metadata.uid, ...extra });
