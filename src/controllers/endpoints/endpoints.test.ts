import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SharedInformerFactory, resources, type Client } from '../../client/index.ts';
import { startEnv, type TestEnv } from '../../client/test-env.ts';
import { ManualClock } from '../../util/clock.ts';
import { eventually } from '../testing.ts';
import { EndpointSliceController, MANAGED_BY_LABEL, SERVICE_NAME_LABEL } from '../endpointslice/index.ts';
import { EndpointsController, HEADLESS_LABEL } from './index.ts';

type Obj = Record<string, any>;

const pod = (name: string, labels: Obj, ports: Obj[] = [{ name: 'http', containerPort: 8080 }]) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels },
  spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'nginx', ports }] },
});
const svc = (name: string, spec: Obj) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec });
const setStatus = (c: Client, name: string, ip: string, ready: boolean) =>
  c.patch(resources.pods, 'default', name, 'merge', { status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } }, { subresource: 'status' });
const tryGet = async (c: Client, res: any, name: string) => {
  try {
    return await c.get(res, 'default', name);
  } catch {
    return undefined;
  }
};
const slicesOf = async (c: Client, name: string) => (await c.list(resources.endpointslices, 'default', { labelSelector: `${SERVICE_NAME_LABEL}=${name}` })).items;

describe('Endpoints and EndpointSlice controllers against an API server', () => {
  let env: TestEnv;
  let c: Client;
  let factory: SharedInformerFactory;
  const ac = new AbortController();
  const errors: unknown[] = [];
  let runs: Promise<void>[] = [];
  before(async () => {
    env = await startEnv();
    c = env.client;
    const clock = new ManualClock(Date.now());
    factory = new SharedInformerFactory(env.newClient('cm'), { clock });
    const onError = (_k: string, e: unknown) => errors.push(e);
    const ep = new EndpointsController({ client: env.newClient('ep'), factory, clock, onError });
    const eps = new EndpointSliceController({ client: env.newClient('eps'), factory, clock, onError });
    await c.create(resources.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels: { 'topology.kubernetes.io/zone': 'zone-a' } } });
    factory.start();
    assert.ok(await factory.waitForCacheSync(ac.signal));
    runs = [ep.run(2, ac.signal), eps.run(2, ac.signal)];
  });
  after(async () => {
    ac.abort();
    await Promise.all(runs);
    await factory?.shutdown();
    await env?.close();
  });

  it('lists 3 ready pods, moves a not-ready one aside, and deletes Endpoints with the Service', async () => {
    for (const [i, n] of ['a', 'b', 'c'].entries()) {
      await c.create(resources.pods, 'default', pod(`web-${n}`, { app: 'web' }));
      await setStatus(c, `web-${n}`, `10.0.0.${i + 1}`, true);
    }
    await c.create(resources.pods, 'default', pod('other', { app: 'other' }));
    await setStatus(c, 'other', '10.0.0.9', true);
    await c.create(resources.services, 'default', svc('web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] }));
    const ep = await eventually('3 addresses', async () => {
      const e = await tryGet(c, resources.endpoints, 'web');
      return e?.subsets?.[0]?.addresses?.length === 3 && e;
    });
    assert.equal(ep.subsets.length, 1);
    assert.deepEqual(ep.subsets[0].addresses.map((a: Obj) => a.ip), ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    assert.deepEqual(ep.subsets[0].ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    assert.equal(ep.subsets[0].addresses[0].targetRef.kind, 'Pod');
    assert.equal(ep.subsets[0].addresses[0].nodeName, 'n1');
    assert.equal(ep.metadata.labels?.[HEADLESS_LABEL], undefined);

    const slice = await eventually('slice with 3', async () => {
      const s = await slicesOf(c, 'web');
      return s.length === 1 && s[0]!.endpoints?.length === 3 && s[0];
    });
    assert.match(slice.metadata.name, /^web-.+/);
    assert.equal(slice.metadata.labels[MANAGED_BY_LABEL], 'endpointslice-controller.k8s.io');
    assert.equal(slice.addressType, 'IPv4');
    assert.deepEqual(slice.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    assert.equal(slice.metadata.ownerReferences[0].kind, 'Service');
    for (const e of slice.endpoints) {
      assert.deepEqual(e.conditions, { ready: true, serving: true, terminating: false });
      assert.equal(e.zone, 'zone-a');
      assert.equal(e.nodeName, 'n1');
    }

    await setStatus(c, 'web-b', '10.0.0.2', false);
    const ep2 = await eventually('b not ready', async () => {
      const e = await tryGet(c, resources.endpoints, 'web');
      return e?.subsets?.[0]?.notReadyAddresses?.length === 1 && e;
    });
    assert.deepEqual(ep2.subsets[0].addresses.map((a: Obj) => a.ip), ['10.0.0.1', '10.0.0.3']);
    assert.equal(ep2.subsets[0].notReadyAddresses[0].targetRef.name, 'web-b');
    await eventually('slice b not ready', async () => {
      const s = await slicesOf(c, 'web');
      const b = s[0]?.endpoints?.find((e: Obj) => e.targetRef.name === 'web-b');
      return b?.conditions.ready === false && b.conditions.serving === false && s.length === 1;
    });

    await c.delete(resources.services, 'default', 'web');
    await eventually('endpoints gone', async () => !(await tryGet(c, resources.endpoints, 'web')));
  });

  it('resolves a named targetPort per pod into separate subsets and slices', async () => {
    await c.create(resources.pods, 'default', pod('api-1', { app: 'api' }, [{ name: 'srv', containerPort: 8001 }]));
    await c.create(resources.pods, 'default', pod('api-2', { app: 'api' }, [{ name: 'srv', containerPort: 8002 }]));
    // No IP yet: not listed.
    await c.create(resources.pods, 'default', pod('api-3', { app: 'api' }, [{ name: 'srv', containerPort: 8003 }]));
    await setStatus(c, 'api-1', '10.1.0.1', true);
    await setStatus(c, 'api-2', '10.1.0.2', true);
    await c.create(resources.services, 'default', svc('api', { selector: { app: 'api' }, ports: [{ port: 80, targetPort: 'srv' }] }));
    const ep = await eventually('2 subsets', async () => {
      const e = await tryGet(c, resources.endpoints, 'api');
      return e?.subsets?.length === 2 && e;
    });
    const byPort = new Map(ep.subsets.map((s: Obj) => [s.ports[0].port, s.addresses.map((a: Obj) => a.ip)]));
    assert.deepEqual(byPort, new Map([[8001, ['10.1.0.1']], [8002, ['10.1.0.2']]]));
    const slices = await eventually('2 slices', async () => {
      const s = await slicesOf(c, 'api');
      return s.length === 2 && s;
    });
    assert.deepEqual(slices.map((s: Obj) => s.ports[0].port).sort(), [8001, 8002]);
  });

  it('lists a headless service without ports, and publishes not-ready addresses when asked', async () => {
    await c.create(resources.pods, 'default', pod('db-0', { app: 'db' }, []));
    await setStatus(c, 'db-0', '10.2.0.1', false);
    await c.create(resources.services, 'default', svc('db', { clusterIP: 'None', selector: { app: 'db' } }));
    const ep = await eventually('not ready address', async () => {
      const e = await tryGet(c, resources.endpoints, 'db');
      return e?.subsets?.[0]?.notReadyAddresses?.length === 1 && e;
    });
    assert.equal(ep.subsets[0].ports, undefined);
    assert.equal(ep.metadata.labels[HEADLESS_LABEL], '');
    const s = await c.get(resources.services, 'default', 'db');
    s.spec.publishNotReadyAddresses = true;
    await c.update(resources.services, 'default', s);
    await eventually('published', async () => (await tryGet(c, resources.endpoints, 'db'))?.subsets?.[0]?.addresses?.[0]?.ip === '10.2.0.1');
    await eventually('slice ready', async () => (await slicesOf(c, 'db'))[0]?.endpoints?.[0]?.conditions?.ready === true);
  });

  it('leaves services without selectors alone', async () => {
    await c.create(resources.services, 'default', svc('manual', { ports: [{ port: 80 }] }));
    await c.create(resources.services, 'default', svc('marker', { selector: { app: 'none' }, ports: [{ port: 80 }] }));
    await eventually('marker endpoints', async () => !!(await tryGet(c, resources.endpoints, 'marker')));
    assert.equal(await tryGet(c, resources.endpoints, 'manual'), undefined);
    assert.equal((await slicesOf(c, 'manual')).length, 0);
    const placeholder = await eventually('placeholder slice', async () => (await slicesOf(c, 'marker'))[0]);
    assert.deepEqual(placeholder.endpoints ?? [], []);
  });

  it('reported no unexpected errors', () => {
    assert.deepEqual(errors.filter((e) => !/conflict|modified/i.test(String(e))), []);
  });
});
