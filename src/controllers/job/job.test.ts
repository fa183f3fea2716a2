import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import { SharedInformerFactory, resources, type Client } from '../../client/index.ts';
import { startEnv, type TestEnv } from '../../client/test-env.ts';
import { ManualClock } from '../../util/clock.ts';
import { eventually, sleep } from '../testing.ts';
import { rfc3339 } from '../../client/timing.ts';
import {
  JOB_COMPLETION_INDEX,
  JOB_INDEX_FAILURE_COUNT,
  JOB_TRACKING_FINALIZER,
  JobController,
  formatIntervals,
  matchPodFailurePolicy,
  matchSuccessPolicy,
  parseIndexes,
} from './index.ts';
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
  assert.equal(formatIntervals(new Set([0, 1, 2, 4, 6, 7])), '0-2,4,6,7');
  assert.deepEqual([...parseIndexes('0-2,4,9', 5)].sort(), [0, 1, 2, 4]);
});

test('upstream interval format keeps pairs as a list', () => {
  assert.equal(formatIntervals(new Set([1, 3, 4, 5])), '1,3-5');
  assert.equal(formatIntervals(new Set([0, 1, 2, 4, 6, 7])), '0-2,4,6,7');
  assert.equal(formatIntervals(new Set()), '');
});

test('pod failure policy rules match in order like upstream', () => {
  const pod = (status: Obj) => ({ metadata: { namespace: 'default', name: 'x' }, status: { phase: 'Failed', ...status } });
  const exited = (name: string, exitCode: number) => ({ name, state: { terminated: { exitCode } } });
  const failJob = { rules: [{ action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } }] };
  assert.deepEqual(matchPodFailurePolicy(failJob, pod({ containerStatuses: [exited('main', 42)] })), {
    message: 'Container main for pod default/x failed with exit code 42 matching FailJob rule at index 0',
    countFailed: true,
    action: 'FailJob',
  });
  // Another container's code, or exit code 0, never matches.
  assert.deepEqual(matchPodFailurePolicy(failJob, pod({ containerStatuses: [exited('side', 42)] })), { countFailed: true });
  const notIn = { rules: [{ action: 'Count', onExitCodes: { operator: 'NotIn', values: [5] } }, { action: 'Ignore', onExitCodes: { operator: 'NotIn', values: [9] } }] };
  assert.deepEqual(matchPodFailurePolicy(notIn, pod({ containerStatuses: [exited('a', 0)] })), { countFailed: true });
  assert.equal(matchPodFailurePolicy(notIn, pod({ containerStatuses: [exited('a', 7)] })).action, 'Count');
  assert.deepEqual(matchPodFailurePolicy(notIn, pod({ initContainerStatuses: [exited('init', 5)] })), { countFailed: false, action: 'Ignore' });
  const conds = { rules: [{ action: 'Unknown', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }, { action: 'FailJob', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] };
  assert.equal(matchPodFailurePolicy(conds, pod({ conditions: [{ type: 'DisruptionTarget', status: 'True' }] })).message, 'Pod default/x has condition DisruptionTarget matching FailJob rule at index 1');
  assert.deepEqual(matchPodFailurePolicy(conds, pod({ conditions: [{ type: 'DisruptionTarget', status: 'False' }] })), { countFailed: true });
});

test('success policy rules: indexes, count within indexes, count alone', () => {
  const policy = { rules: [{ succeededIndexes: '0-2' }, { succeededIndexes: '3-5', succeededCount: 2 }, { succeededCount: 4 }] };
  assert.equal(matchSuccessPolicy(policy, 10, new Set([0, 1])), undefined);
  assert.equal(matchSuccessPolicy(policy, 10, new Set([0, 1, 2])), 'Matched rules at index 0');
  assert.equal(matchSuccessPolicy(policy, 10, new Set([3, 5])), 'Matched rules at index 1');
  assert.equal(matchSuccessPolicy(policy, 10, new Set([1, 6, 7, 8])), 'Matched rules at index 2');
  assert.equal(matchSuccessPolicy(undefined, 10, new Set([0])), undefined);
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

  const withMain = { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } };
  const finish = (p: Obj, phase: string, extra: Obj = {}) => c.patch(resources.pods, 'default', p.metadata.name, 'merge', { status: { phase, ...extra } }, { subresource: 'status' });
  const exitCode = (code: number) => ({
    containerStatuses: [{ name: 'main', image: 'busybox', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: code, reason: 'Error', finishedAt: rfc3339(clock.now()) } } }],
  });
  const byIdx = async (name: string) => new Map((await running(c, name)).map((p) => [p.metadata.annotations[JOB_COMPLETION_INDEX] as string, p]));
  const finished = (name: string, type: string) =>
    eventually(type, async () => {
      const j = await getJob(c, name);
      return cond(j, type)?.status === 'True' && j;
    });

  it('podFailurePolicy FailJob: FailureTarget then Failed with reason PodFailurePolicy, other pods terminated', async () => {
    const podFailurePolicy = { rules: [{ action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } }] };
    await c.create(resources.jobs, 'default', job('pfp-fail', { completions: 2, parallelism: 2, template: withMain, podFailurePolicy }));
    const pods = await eventually('2 pods', async () => {
      const p = await running(c, 'pfp-fail');
      return p.length === 2 && p;
    });
    await finish(pods[0]!, 'Failed', exitCode(42));
    const j = await finished('pfp-fail', 'Failed');
    const want = `Container main for pod default/${pods[0]!.metadata.name} failed with exit code 42 matching FailJob rule at index 0`;
    assert.equal(cond(j, 'FailureTarget').reason, 'PodFailurePolicy');
    assert.equal(cond(j, 'FailureTarget').message, want);
    assert.equal(cond(j, 'Failed').reason, 'PodFailurePolicy');
    assert.equal(cond(j, 'Failed').message, want);
    // The failed pod and the terminated one both count, as upstream counts every unfinished pod of a failed Job.
    assert.equal(j.status.failed, 2);
    assert.equal(j.status.active, 0);
    // The running pod is deleted; the failed one stays (pod GC's business) but without our finalizer.
    await eventually('only the failed pod left, released', async () => {
      const left = await podsOf(c, 'pfp-fail');
      return left.length === 1 && left[0]!.metadata.uid === pods[0]!.metadata.uid && !(left[0]!.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);
    });
  });

  it('podFailurePolicy Ignore on DisruptionTarget: terminating pods wait for a phase, ignored failures do not count', async () => {
    const podFailurePolicy = { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] };
    await c.create(resources.jobs, 'default', job('pfp-ignore', { backoffLimit: 0, template: withMain, podFailurePolicy }));
    const p1 = await eventually('pod', async () => (await running(c, 'pfp-ignore'))[0]);
    await c.delete(resources.pods, 'default', p1.metadata.name);
    await eventually('terminating 1', async () => (await getJob(c, 'pfp-ignore')).status?.terminating === 1);
    clock.advance(10_001);
    await sleep(150);
    assert.equal((await podsOf(c, 'pfp-ignore')).length, 1, 'a terminating pod is not replaced before it fails');
    await finish(p1, 'Failed', { conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastTransitionTime: rfc3339(clock.now()) }] });
    await eventually('evicted pod released', async () => (await podsOf(c, 'pfp-ignore')).every((p) => p.metadata.uid !== p1.metadata.uid));
    let j = await getJob(c, 'pfp-ignore');
    assert.equal(j.status.failed, 0);
    assert.equal(cond(j, 'FailureTarget'), undefined);
    clock.advance(10_001);
    const p2 = await eventually('replacement', async () => (await running(c, 'pfp-ignore'))[0]);
    // A failure no rule matches counts against backoffLimit 0.
    await finish(p2, 'Failed', exitCode(1));
    j = await finished('pfp-ignore', 'Failed');
    assert.equal(cond(j, 'Failed').reason, 'BackoffLimitExceeded');
    assert.equal(j.status.failed, 1);
  });

  it('successPolicy: SuccessCriteriaMet with reason SuccessPolicy, remaining pods terminated, then Complete', async () => {
    const successPolicy = { rules: [{ succeededIndexes: '0-2' }, { succeededIndexes: '3', succeededCount: 1 }] };
    await c.create(resources.jobs, 'default', job('sp', { completionMode: 'Indexed', completions: 4, parallelism: 4, successPolicy }));
    const pods = await eventually('4 pods', async () => {
      const m = await byIdx('sp');
      return m.size === 4 && m;
    });
    await finish(pods.get('0')!, 'Succeeded');
    await eventually('index 0 done', async () => (await getJob(c, 'sp')).status?.completedIndexes === '0');
    assert.equal(cond(await getJob(c, 'sp'), 'SuccessCriteriaMet'), undefined);
    await finish(pods.get('3')!, 'Succeeded');
    const j = await finished('sp', 'Complete');
    for (const type of ['SuccessCriteriaMet', 'Complete']) {
      assert.equal(cond(j, type).reason, 'SuccessPolicy');
      assert.equal(cond(j, type).message, 'Matched rules at index 1');
    }
    assert.equal(j.status.completedIndexes, '0,3');
    assert.equal(j.status.succeeded, 2);
    assert.equal(j.status.failed, 0, 'pods stopped by the success policy are not failures');
    assert.ok(j.status.completionTime);
    await eventually('lingering pods gone', async () => (await podsOf(c, 'sp')).every((p) => p.status?.phase === 'Succeeded'));
  });

  it('backoffLimitPerIndex: failure count annotation, per-index backoff, failedIndexes, then FailedIndexes', async () => {
    await c.create(resources.jobs, 'default', job('bpi', { completionMode: 'Indexed', completions: 3, parallelism: 3, backoffLimitPerIndex: 1 }));
    const pods = await eventually('3 pods', async () => {
      const m = await byIdx('bpi');
      return m.size === 3 && m;
    });
    for (const p of pods.values()) assert.equal(p.metadata.annotations[JOB_INDEX_FAILURE_COUNT], '0');
    const first = pods.get('0')!;
    await finish(first, 'Failed', exitCode(1));
    await eventually('failed pod seen', async () => (await getJob(c, 'bpi')).status?.active === 2);
    await sleep(150);
    // The failed pod keeps its finalizer until its replacement exists, and the index backs off 10s.
    assert.ok((await c.get(resources.pods, 'default', first.metadata.name)).metadata.finalizers.includes(JOB_TRACKING_FINALIZER));
    assert.equal((await byIdx('bpi')).has('0'), false);
    assert.equal((await getJob(c, 'bpi')).status.failed, 0);
    clock.advance(10_001);
    const second = await eventually('index 0 retried', async () => (await byIdx('bpi')).get('0'));
    assert.equal(second.metadata.annotations[JOB_INDEX_FAILURE_COUNT], '1');
    await eventually('first failure counted', async () => {
      const j = await getJob(c, 'bpi');
      const p = await c.get(resources.pods, 'default', first.metadata.name);
      return j.status.failed === 1 && !(p.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);
    });
    assert.equal((await getJob(c, 'bpi')).status.failedIndexes, '');
    await finish(second, 'Failed', exitCode(1));
    await eventually('index 0 failed', async () => (await getJob(c, 'bpi')).status?.failedIndexes === '0');
    clock.advance(60_000);
    await sleep(150);
    assert.equal((await byIdx('bpi')).has('0'), false, 'a failed index is not retried');
    await finish(pods.get('1')!, 'Succeeded');
    await finish(pods.get('2')!, 'Succeeded');
    const j = await finished('bpi', 'Failed');
    assert.equal(cond(j, 'FailureTarget').reason, 'FailedIndexes');
    assert.equal(cond(j, 'Failed').reason, 'FailedIndexes');
    assert.equal(cond(j, 'Failed').message, 'Job has failed indexes');
    assert.equal(j.status.failedIndexes, '0');
    assert.equal(j.status.succeeded, 2);
    assert.equal(j.status.failed, 2);
  });

  it('maxFailedIndexes with FailIndex rules: the Job fails with MaxFailedIndexesExceeded', async () => {
    const podFailurePolicy = { rules: [{ action: 'FailIndex', onExitCodes: { operator: 'In', values: [3] } }] };
    await c.create(resources.jobs, 'default', job('mfi', { completionMode: 'Indexed', completions: 4, parallelism: 4, backoffLimitPerIndex: 2, maxFailedIndexes: 1, template: withMain, podFailurePolicy }));
    const pods = await eventually('4 pods', async () => {
      const m = await byIdx('mfi');
      return m.size === 4 && m;
    });
    await finish(pods.get('1')!, 'Failed', exitCode(3));
    await eventually('index 1 failed at once', async () => (await getJob(c, 'mfi')).status?.failedIndexes === '1');
    assert.equal(cond(await getJob(c, 'mfi'), 'FailureTarget'), undefined);
    await finish(pods.get('2')!, 'Failed', exitCode(3));
    const j = await finished('mfi', 'Failed');
    assert.equal(j.status.failedIndexes, '1,2');
    assert.equal(cond(j, 'FailureTarget').reason, 'MaxFailedIndexesExceeded');
    assert.equal(cond(j, 'Failed').reason, 'MaxFailedIndexesExceeded');
    assert.equal(cond(j, 'Failed').message, 'Job has exceeded the specified maximal number of failed indexes');
    assert.equal(j.status.failed, 4);
    await eventually('running pods deleted, failed ones released', async () => {
      const left = await podsOf(c, 'mfi');
      return left.length === 2 && left.every((p) => p.status?.phase === 'Failed' && !(p.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER));
    });
  });

  it('reported no unexpected errors', () => {
    assert.deepEqual(errors.filter((e) => !/conflict|modified/i.test(String(e))), []);
  });
});
