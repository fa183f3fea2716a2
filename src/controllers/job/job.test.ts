import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import { SharedInformerFactory, resources, type Client } from '../../client/index.ts';
import { startEnv, type TestEnv } from '../../client/test-env.ts';
import { ManualClock } from '../../util/clock.ts';
import { eventually, sleep } from '../testing.ts';
import { JOB_COMPLETION_INDEX, JOB_TRACKING_FINALIZER, JobController, formatIndexes, parseIndexes } from './index.ts';
import { TTLAfterFinishedController } from './ttl.ts';

type Obj = Record<string, any>;

const job = (name: string, spec: Obj) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace: 'default' },
  spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } }, ...spec },
});

const podsOf = async (c: Client, name: string) => (await c.list(resources.pods, 'default', { labelSelector: `batch.kubernetes.io/job-name=${name}` })).items;
const running = async (c: Client, name: string) => (await podsOf(c, name)).filter((p) => !p.metadata.deletionTimestamp && !['Succeeded', 'Failed'].includes(p.status?.phase));
const setPhase = (c: Client, p: Obj, phase: string) => c.patch(resources.pods, 'default', p.metadata.name, 'merge', { status: { phase } }, { subresource: 'status' });
const getJob = (c: Client, name: string) => c.get(resources.jobs, 'default', name);
const cond = (j: Obj, type: string) => (j.status?.conditions ?? []).find((c: Obj) => c.type === type);

test('completed index sets print and parse as intervals', () => {
  assert.equal(formatIndexes(new Set([0, 1, 2, 4, 6, 7])), '0-2,4,6-7');
  assert.deepEqual([...parseIndexes('0-2,4,9', 5)].sort(), [0, 1, 2, 4]);
});

describe('Job controller against an API server', () => {
  let env: TestEnv;
  let clock: ManualClock;
  let c: Client;
  const ac = new AbortController();
  const errors: unknown[] = [];
  let factory: SharedInformerFactory;
  let runs: Promise<void>[] = [];
  before(async () => {
    env = await startEnv();
    c = env.client;
    clock = new ManualClock(Date.now());
    factory = new SharedInformerFactory(env.newClient('cm'), { clock });
    const onError = (_k: string, e: unknown) => errors.push(e);
    const jc = new JobController({ client: env.newClient('job'), factory, clock, onError });
    const ttl = new TTLAfterFinishedController({ client: env.newClient('ttl'), factory, clock, onError });
    factory.start();
    assert.ok(await factory.waitForCacheSync(ac.signal));
    runs = [jc.run(2, ac.signal), ttl.run(1, ac.signal)];
  });
  after(async () => {
    ac.abort();
    await Promise.all(runs);
    await factory?.shutdown();
    await env?.close();
  });

  it('runs completions 3 with parallelism 2 and completes when pods succeed', async () => {
    await c.create(resources.jobs, 'default', job('three', { completions: 3, parallelism: 2 }));
    const first = await eventually('2 pods', async () => {
      const p = await running(c, 'three');
      return p.length === 2 && p;
    });
    for (const p of first) {
      assert.ok(p.metadata.finalizers.includes(JOB_TRACKING_FINALIZER));
      assert.equal(p.metadata.ownerReferences[0].kind, 'Job');
    }
    await eventually('active 2', async () => (await getJob(c, 'three')).status?.active === 2);
    await setPhase(c, first[0]!, 'Succeeded');
    await eventually('1 succeeded, finalizer released', async () => {
      const j = await getJob(c, 'three');
      const p = await c.get(resources.pods, 'default', first[0]!.metadata.name);
      return j.status?.succeeded === 1 && !(p.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);
    });
    // One more is needed and only one more is started: never more than completions - succeeded.
    const rest = await eventually('2 running again', async () => {
      const p = await running(c, 'three');
      return p.length === 2 && p;
    });
    await sleep(150);
    assert.equal((await podsOf(c, 'three')).length, 3);
    for (const p of rest) await setPhase(c, p, 'Succeeded');
    const done = await eventually('Complete', async () => {
      const j = await getJob(c, 'three');
      return cond(j, 'Complete')?.status === 'True' && j;
    });
    assert.equal(done.status.succeeded, 3);
    assert.equal(done.status.active, 0);
    assert.equal(done.status.failed, 0);
    assert.equal(cond(done, 'Complete').reason, 'CompletionsReached');
    assert.equal(cond(done, 'SuccessCriteriaMet').message, 'Reached expected number of succeeded pods');
    assert.ok(done.status.completionTime && done.status.startTime);
    assert.deepEqual(done.status.uncountedTerminatedPods, {});
  });

  it('fails with BackoffLimitExceeded after backoffLimit + 1 failures, backing off between pods', async () => {
    await c.create(resources.jobs, 'default', job('flaky', { backoffLimit: 1 }));
    const p1 = await eventually('pod', async () => (await running(c, 'flaky'))[0]);
    await setPhase(c, p1, 'Failed');
    await eventually('failed 1', async () => (await getJob(c, 'flaky')).status?.failed === 1);
    await sleep(150);
    assert.equal((await running(c, 'flaky')).length, 0, 'the replacement waits for the backoff');
    clock.advance(10_001);
    const p2 = await eventually('replacement', async () => (await running(c, 'flaky'))[0]);
    await setPhase(c, p2, 'Failed');
    const j = await eventually('Failed', async () => {
      const j = await getJob(c, 'flaky');
      return cond(j, 'Failed')?.status === 'True' && j;
    });
    assert.equal(j.status.failed, 2);
    assert.equal(cond(j, 'Failed').reason, 'BackoffLimitExceeded');
    assert.equal(cond(j, 'FailureTarget').message, 'Job has reached the specified backoff limit');
    assert.equal(j.status.completionTime, undefined);
  });

  it('fails with DeadlineExceeded once activeDeadlineSeconds pass, deleting its pods', async () => {
    await c.create(resources.jobs, 'default', job('slow', { activeDeadlineSeconds: 60, parallelism: 2, completions: 2 }));
    await eventually('2 pods', async () => (await running(c, 'slow')).length === 2);
    clock.advance(61_000);
    const j = await eventually('Failed', async () => {
      const j = await getJob(c, 'slow');
      return cond(j, 'Failed')?.status === 'True' && j;
    });
    assert.equal(cond(j, 'Failed').reason, 'DeadlineExceeded');
    assert.equal(cond(j, 'Failed').message, 'Job was active longer than specified deadline');
    assert.equal(j.status.active, 0);
    await eventually('pods gone', async () => (await podsOf(c, 'slow')).length === 0);
  });

  it('runs an Indexed job one pod per index with the index annotation, label and hostname', async () => {
    await c.create(resources.jobs, 'default', job('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }));
    const pods = await eventually('3 pods', async () => {
      const p = await running(c, 'idx');
      return p.length === 3 && p;
    });
    const byIndex = new Map(pods.map((p) => [p.metadata.annotations[JOB_COMPLETION_INDEX], p]));
    assert.deepEqual([...byIndex.keys()].sort(), ['0', '1', '2']);
    for (const [i, p] of byIndex) {
      assert.equal(p.metadata.labels[JOB_COMPLETION_INDEX], i);
      assert.equal(p.spec.hostname, `idx-${i}`);
      assert.match(p.metadata.name, new RegExp(`^idx-${i}-`));
      assert.equal(p.spec.containers[0].env.find((e: Obj) => e.name === 'JOB_COMPLETION_INDEX')?.valueFrom?.fieldRef?.fieldPath, `metadata.annotations['${JOB_COMPLETION_INDEX}']`);
    }
    await setPhase(c, byIndex.get('1')!, 'Succeeded');
    await eventually('index 1 done', async () => (await getJob(c, 'idx')).status?.completedIndexes === '1');
    // A failed index is retried with the same index.
    await setPhase(c, byIndex.get('0')!, 'Failed');
    await eventually('failure counted', async () => (await getJob(c, 'idx')).status?.failed === 1);
    clock.advance(10_001);
    const again = await eventually('index 0 again', async () => (await running(c, 'idx')).find((p) => p.metadata.annotations[JOB_COMPLETION_INDEX] === '0' && p.metadata.uid !== byIndex.get('0')!.metadata.uid));
    await setPhase(c, again, 'Succeeded');
    await setPhase(c, byIndex.get('2')!, 'Succeeded');
    const j = await eventually('Complete', async () => {
      const j = await getJob(c, 'idx');
      return cond(j, 'Complete')?.status === 'True' && j;
    });
    assert.equal(j.status.completedIndexes, '0-2');
    assert.equal(j.status.succeeded, 3);
    assert.equal(j.status.failed, 1);
  });

  it('deletes a finished job after ttlSecondsAfterFinished', async () => {
    await c.create(resources.jobs, 'default', job('ttl', { ttlSecondsAfterFinished: 100 }));
    const p = await eventually('pod', async () => (await running(c, 'ttl'))[0]);
    await setPhase(c, p, 'Succeeded');
    await eventually('Complete', async () => cond(await getJob(c, 'ttl'), 'Complete')?.status === 'True');
    clock.advance(50_000);
    await sleep(150);
    assert.ok(await getJob(c, 'ttl'));
    clock.advance(51_000);
    await eventually('deleted', async () => {
      try {
        await getJob(c, 'ttl');
        return false;
      } catch {
        return true;
      }
    });
  });

  it('reported no unexpected errors', () => {
    assert.deepEqual(errors.filter((e) => !/conflict|modified/i.test(String(e))), []);
  });
});
