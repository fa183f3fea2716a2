// The controller manager's acceptance checks with the real kubectl on simulated nodes: a rolling
// update watched event by event against maxSurge and maxUnavailable, pause and resume, deleting
// a Deployment with each propagation policy, a namespace full of objects deleting fully, and a
// CronJob whose Job completes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { resources } from '../../src/client/index.ts';
import { missingClient, startCluster, waitFor, type TestCluster } from './harness.ts';

type Obj = Record<string, any>;

describe('workload controllers end to end', { skip: missingClient('v35') }, () => {
  let c: TestCluster;
  before(async () => {
    c = await startCluster({ components: true, sim: { nodes: [{ prefix: 'w', count: 4, capacity: { cpu: '32', memory: '64Gi', pods: '110' } }], podReadyMs: 150 } });
  });
  after(async () => {
    await c?.stop();
  });

  const deployment = (name: string, replicas: number, extra = '') =>
    `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 3, maxUnavailable: 2}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: app, image: "nginx:1.26"}]}
${extra}`;

  it('a rolling update never has fewer than replicas-maxUnavailable available nor more than replicas+maxSurge pods, at any event', async () => {
    const r = await c.kubectl(['apply', '-f', '-'], { stdin: deployment('roll', 10) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await c.kubectl(['rollout', 'status', 'deployment/roll', '--timeout=60s'])).code, 0);

    // The watcher: every pod event, in the server's order, from the state after the first rollout.
    const list = await c.client.list(resources.pods, 'default', { labelSelector: 'app=roll' });
    const pods = new Map<string, Obj>(list.items.map((p: Obj) => [p.metadata.name, p]));
    const ac = new AbortController();
    const seen = { events: 0, minAvailable: Infinity, maxTotal: 0 };
    const live = (p: Obj) => !p.metadata.deletionTimestamp && !['Succeeded', 'Failed'].includes(p.status?.phase);
    const ready = (p: Obj) => live(p) && (p.status?.conditions ?? []).some((x: Obj) => x.type === 'Ready' && x.status === 'True');
    const watching = (async () => {
      for await (const ev of c.client.watch(resources.pods, 'default', { labelSelector: 'app=roll', resourceVersion: list.metadata.resourceVersion }, ac.signal)) {
        if (ev.type === 'BOOKMARK' || ev.type === 'ERROR') continue;
        if (ev.type === 'DELETED') pods.delete(ev.object.metadata.name);
        else pods.set(ev.object.metadata.name, ev.object);
        const all = [...pods.values()];
        seen.events++;
        seen.minAvailable = Math.min(seen.minAvailable, all.filter(ready).length);
        seen.maxTotal = Math.max(seen.maxTotal, all.filter(live).length);
      }
    })().catch((err: unknown) => {
      if (!ac.signal.aborted) throw err;
    });

    await c.k('set', 'image', 'deployment/roll', 'app=nginx:1.27');
    const status = await c.kubectl(['rollout', 'status', 'deployment/roll', '--timeout=90s']);
    assert.equal(status.code, 0, status.stderr);
    await waitFor('only new pods left', async () => {
      const images = (await c.k('get', 'pods', '-l', 'app=roll', '-o', 'jsonpath={.items[*].spec.containers[0].image}')).split(' ');
      return images.length === 10 && images.every((i) => i === 'nginx:1.27') ? true : undefined;
    }, 30_000);
    ac.abort();
    await watching;
    assert.ok(seen.events >= 40, `the watcher saw the rollout (${seen.events} events)`);
    assert.ok(seen.minAvailable >= 8, `available never below 10-2 (lowest ${seen.minAvailable})`);
    assert.ok(seen.maxTotal <= 13, `pods never above 10+3 (highest ${seen.maxTotal})`);
    assert.equal(seen.maxTotal, 13, 'the surge was used');
  });

  it('a paused Deployment does not roll out until resumed', async () => {
    await c.k('rollout', 'pause', 'deployment/roll');
    await c.k('set', 'image', 'deployment/roll', 'app=nginx:1.28');
    await waitFor('the change observed', async () => {
      const d = await c.client.get(resources.deployments, 'default', 'roll');
      return d.status?.observedGeneration === d.metadata.generation ? true : undefined;
    }, 20_000);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await c.k('get', 'rs', '-l', 'app=roll', '--no-headers')).trim().split('\n').length, 2, 'no new ReplicaSet while paused');
    assert.doesNotMatch(await c.k('get', 'pods', '-l', 'app=roll', '-o', 'jsonpath={.items[*].spec.containers[0].image}'), /1\.28/);
    const cond = await c.k('get', 'deployment', 'roll', '-o', 'jsonpath={.status.conditions[?(@.type=="Progressing")].reason}');
    assert.equal(cond, 'DeploymentPaused');
    await c.k('rollout', 'resume', 'deployment/roll');
    assert.equal((await c.kubectl(['rollout', 'status', 'deployment/roll', '--timeout=90s'])).code, 0);
    await waitFor('the new image everywhere', async () => {
      const images = (await c.k('get', 'pods', '-l', 'app=roll', '-o', 'jsonpath={.items[*].spec.containers[0].image}')).split(' ');
      return images.length === 10 && images.every((i) => i === 'nginx:1.28') ? true : undefined;
    }, 30_000);
  });

  const makeAndRoll = async (name: string) => {
    assert.equal((await c.kubectl(['apply', '-f', '-'], { stdin: deployment(name, 2) })).code, 0);
    assert.equal((await c.kubectl(['rollout', 'status', `deployment/${name}`, '--timeout=60s'])).code, 0);
  };
  const count = async (kind: string, app: string) => (await c.k('get', kind, '-l', `app=${app}`, '-o', 'name')).split('\n').filter(Boolean).length;

  it('kubectl delete --cascade=background removes the Deployment at once and its ReplicaSet and pods after', async () => {
    await makeAndRoll('bg');
    await c.k('delete', 'deployment', 'bg', '--cascade=background');
    assert.equal((await c.kubectl(['get', 'deployment', 'bg'])).code, 1, 'the owner is gone at once');
    await waitFor('dependents collected', async () => ((await count('rs', 'bg')) === 0 && (await count('pods', 'bg')) === 0 ? true : undefined), 30_000);
  });

  it('kubectl delete --cascade=foreground removes the Deployment only after its ReplicaSet and pods', async () => {
    await makeAndRoll('fg');
    // Deletions are ordered by the revisions the store gave them (a DELETED event carries it).
    const from = (await c.client.get(resources.deployments, 'default', 'fg')).metadata.resourceVersion;
    const deleted = new Map<string, number>();
    const ac = new AbortController();
    const watchers = [resources.deployments, resources.replicasets, resources.pods].map((res) =>
      (async () => {
        for await (const ev of c.client.watch(res, 'default', { resourceVersion: from }, ac.signal)) {
          if (ev.type === 'DELETED' && ev.object.metadata.name.startsWith('fg')) deleted.set(`${res.resource}/${ev.object.metadata.name}`, Number(ev.object.metadata.resourceVersion));
        }
      })().catch((err: unknown) => {
        if (!ac.signal.aborted) throw err;
      }),
    );
    // kubectl waits until the Deployment is gone; by then its dependents must be gone too.
    await c.k('delete', 'deployment', 'fg', '--cascade=foreground');
    assert.equal(await count('rs', 'fg'), 0, 'no ReplicaSet outlives the owner');
    assert.equal(await count('pods', 'fg'), 0, 'no pod outlives the owner');
    await waitFor('every deletion seen', async () => (deleted.size === 4 ? true : undefined), 10_000);
    ac.abort();
    await Promise.all(watchers);
    const owner = deleted.get('deployments/fg')!;
    for (const [what, rv] of deleted) if (what !== 'deployments/fg') assert.ok(rv < owner, `${what} went before the Deployment`);
  });

  it('kubectl delete --cascade=orphan leaves the ReplicaSet and pods without the owner reference', async () => {
    await makeAndRoll('orph');
    await c.k('delete', 'deployment', 'orph', '--cascade=orphan');
    assert.equal((await c.kubectl(['get', 'deployment', 'orph'])).code, 1);
    const rs = await waitFor('the ReplicaSet orphaned', async () => {
      const items = (await c.client.list(resources.replicasets, 'default', { labelSelector: 'app=orph' })).items;
      return items.length === 1 && !items[0]!.metadata.ownerReferences ? items[0] : undefined;
    }, 20_000);
    assert.equal(rs!.spec.replicas, 2);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await count('pods', 'orph'), 2, 'the pods stay, still owned by the ReplicaSet');
  });

  it('a namespace with objects in it deletes fully', async () => {
    await c.k('create', 'namespace', 'doomed');
    await waitFor('the namespace ready for pods', async () => (await c.client.get(resources.serviceaccounts, 'doomed', 'default').catch(() => undefined)) ?? undefined, 20_000);
    assert.equal((await c.kubectl(['apply', '-n', 'doomed', '-f', '-'], { stdin: deployment('inside', 3) })).code, 0);
    await c.k('-n', 'doomed', 'create', 'configmap', 'cfg', '--from-literal=a=b');
    await c.k('-n', 'doomed', 'create', 'secret', 'generic', 'sec', '--from-literal=a=b');
    await c.k('-n', 'doomed', 'expose', 'deployment', 'inside', '--port=80');
    await c.k('-n', 'doomed', 'create', 'job', 'once', '--image=busybox');
    assert.equal((await c.kubectl(['rollout', 'status', '-n', 'doomed', 'deployment/inside', '--timeout=60s'])).code, 0);
    const del = await c.kubectl(['delete', 'namespace', 'doomed', '--timeout=60s']);
    assert.equal(del.code, 0, del.stderr);
    const get = await c.kubectl(['get', 'namespace', 'doomed']);
    assert.equal(get.code, 1);
    assert.match(get.stderr, /namespaces "doomed" not found/);
    for (const kind of ['pods', 'replicasets', 'deployments', 'configmaps', 'secrets', 'services', 'endpoints', 'endpointslices', 'jobs', 'serviceaccounts']) {
      assert.equal((await c.k('get', kind, '-n', 'doomed', '-o', 'name')).trim(), '', `no ${kind} left`);
    }
  });

  it('a CronJob makes a Job on its schedule and the Job completes', async () => {
    await c.k('create', 'cronjob', 'tick', '--image=busybox', '--schedule=* * * * *');
    const job = await waitFor('a Job from the CronJob', async () => {
      const jobs = (await c.client.list(resources.jobs, 'default')).items.filter((j: Obj) => j.metadata.ownerReferences?.[0]?.name === 'tick');
      return jobs[0];
    }, 75_000);
    const done = await c.kubectl(['wait', '--for=condition=complete', `job/${job.metadata.name}`, '--timeout=60s']);
    assert.equal(done.code, 0, done.stderr);
    await waitFor('the CronJob records it', async () => ((await c.k('get', 'cronjob', 'tick', '-o', 'jsonpath={.status.lastSuccessfulTime}')) ? true : undefined), 20_000);
  });

  it('a StatefulSet with volumeClaimTemplates gets claims bound to hostPath volumes of the default StorageClass', async () => {
    const r = await c.kubectl(['apply', '-f', '-'], {
      stdin: `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 2
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres, volumeMounts: [{name: data, mountPath: /data}]}]}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`,
    });
    assert.equal(r.code, 0, r.stderr);
    const status = await c.kubectl(['rollout', 'status', 'statefulset/db', '--timeout=60s']);
    assert.equal(status.code, 0, status.stderr);
    const claims = await c.k('get', 'pvc', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.status.phase} {.spec.storageClassName} {.spec.volumeName}{"\\n"}{end}');
    const lines = claims.trim().split('\n').sort();
    assert.equal(lines.length, 2, claims);
    for (const [i, line] of lines.entries()) assert.match(line, new RegExp(`^data-db-${i} Bound standard pvc-[0-9a-f-]{36}$`));
    // Each volume is pinned to the node its pod runs on, as the provisioner made it there.
    for (let i = 0; i < 2; i++) {
      const pod = await c.client.get(resources.pods, 'default', `db-${i}`);
      const claim = await c.client.get(resources.persistentvolumeclaims, 'default', `data-db-${i}`);
      assert.equal(claim.metadata.annotations['volume.kubernetes.io/selected-node'], pod.spec.nodeName);
      const pv = await c.client.get(resources.persistentvolumes, undefined, claim.spec.volumeName);
      assert.equal(pv.spec.claimRef.name, `data-db-${i}`);
      assert.deepEqual(pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values, [pod.spec.nodeName]);
      assert.ok(pv.spec.hostPath.path.endsWith(`default_data-db-${i}_${pv.metadata.name}`));
    }
  });
});
