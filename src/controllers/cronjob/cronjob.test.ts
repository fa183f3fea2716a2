import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import { SharedInformerFactory, resources, type Client } from '../../client/index.ts';
import { startEnv, type TestEnv } from '../../client/test-env.ts';
import { ManualClock } from '../../util/clock.ts';
import { eventually, sleep } from '../testing.ts';
import { CronJobController, SCHEDULED_TIMESTAMP_ANNOTATION } from './index.ts';
import { matches, mostRecent, next, parseSchedule, rfc3339In } from './schedule.ts';

type Obj = Record<string, any>;

test('cron schedules: fields, names, descriptors, day-of-month OR day-of-week, time zones', () => {
  const at = (s: string) => Date.parse(s);
  assert.ok(matches(parseSchedule('@hourly'), at('2024-03-05T07:00:00Z')));
  assert.ok(!matches(parseSchedule('@hourly'), at('2024-03-05T07:01:00Z')));
  assert.ok(matches(parseSchedule('*/15 9-17 * JAN-MAR mon-fri'), at('2024-03-05T09:45:00Z')));
  assert.ok(!matches(parseSchedule('*/15 9-17 * * mon-fri'), at('2024-03-09T09:45:00Z')), 'a Saturday');
  // Both restricted: either matches (the 1st, or any Sunday).
  assert.ok(matches(parseSchedule('0 0 1 * 0'), at('2024-03-10T00:00:00Z')));
  assert.ok(matches(parseSchedule('0 0 * * 7'), at('2024-03-10T00:00:00Z')));
  assert.ok(matches(parseSchedule('0 9 * * *'), at('2024-07-01T07:00:00Z'), 'Europe/Berlin'));
  assert.throws(() => parseSchedule('61 * * * *'));
  assert.throws(() => parseSchedule('* * * *'));
  assert.deepEqual(mostRecent(parseSchedule('*/10 * * * *'), at('2024-01-01T00:00:00Z'), at('2024-01-01T00:35:10Z')), { time: at('2024-01-01T00:30:00Z'), missed: 3 });
  assert.equal(next(parseSchedule('@daily'), at('2024-01-01T00:35:10Z')), at('2024-01-02T00:00:00Z'));
  assert.equal(rfc3339In(at('2024-07-01T07:00:00Z'), 'Europe/Berlin'), '2024-07-01T09:00:00+02:00');
  assert.equal(rfc3339In(at('2024-07-01T07:00:00Z')), '2024-07-01T07:00:00Z');
});

describe('CronJob controller against an API server', () => {
  let env: TestEnv;
  let clock: ManualClock;
  let c: Client;
  const ac = new AbortController();
  const errors: unknown[] = [];
  let factory: SharedInformerFactory;
  let run: Promise<void>;
  before(async () => {
    env = await startEnv();
    c = env.client;
    clock = new ManualClock(Date.now());
    factory = new SharedInformerFactory(env.newClient('cm'), { clock });
    const cc = new CronJobController({ client: env.newClient('cronjob'), factory, clock, onError: (_k, e) => errors.push(e) });
    factory.start();
    assert.ok(await factory.waitForCacheSync(ac.signal));
    run = cc.run(1, ac.signal);
  });
  after(async () => {
    ac.abort();
    await run;
    await factory?.shutdown();
    await env?.close();
  });

  const cronJob = (name: string, spec: Obj) => ({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: 'default' },
    spec: { schedule: '*/5 * * * *', jobTemplate: { metadata: { labels: { cron: name } }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } }, ...spec },
  });
  const jobsOf = async (name: string) => (await c.list(resources.jobs, 'default', { labelSelector: `cron=${name}` })).items;
  const finish = (j: Obj, type: 'Complete' | 'Failed', at: number) => {
    const t = new Date(at).toISOString();
    const conditions = type === 'Complete'
      ? [{ type: 'SuccessCriteriaMet', status: 'True' }, { type: 'Complete', status: 'True' }]
      : [{ type: 'FailureTarget', status: 'True' }, { type: 'Failed', status: 'True' }];
    return c.updateStatus(resources.jobs, 'default', { ...j, status: { ...(j.status ?? {}), startTime: t, ...(type === 'Complete' ? { completionTime: t } : {}), conditions } });
  };
  /** Moves the clock to 1s past the next 5-minute boundary; returns that boundary. */
  const toNextSlot = () => {
    const slot = (Math.floor(clock.now() / 300_000) + 1) * 300_000;
    clock.advance(slot + 1000 - clock.now());
    return slot;
  };

  it('creates a Job at the scheduled minute; Forbid skips while it runs; then records success', async () => {
    await c.create(resources.cronjobs, 'default', cronJob('tick', { concurrencyPolicy: 'Forbid' }));
    await sleep(200);
    assert.equal((await jobsOf('tick')).length, 0, 'nothing before the first scheduled time');
    const slot = toNextSlot();
    const [j] = await eventually('a job', async () => {
      const js = await jobsOf('tick');
      return js.length === 1 && js;
    });
    assert.equal(j!.metadata.name, `tick-${slot / 60_000}`);
    assert.equal(j!.metadata.annotations[SCHEDULED_TIMESTAMP_ANNOTATION], new Date(slot).toISOString().replace('.000Z', 'Z'));
    assert.equal(j!.metadata.ownerReferences[0].kind, 'CronJob');
    const cj = await eventually('status', async () => {
      const cj = await c.get(resources.cronjobs, 'default', 'tick');
      return cj.status?.active?.length === 1 && cj;
    });
    assert.equal(Date.parse(cj.status.lastScheduleTime), slot);
    assert.equal(cj.status.active[0].name, j!.metadata.name);

    const slot2 = toNextSlot();
    await sleep(300);
    assert.equal((await jobsOf('tick')).length, 1, 'Forbid: no second job while the first runs');

    await finish(j!, 'Complete', clock.now());
    const done = await eventually('success recorded', async () => {
      const cj = await c.get(resources.cronjobs, 'default', 'tick');
      return cj.status?.lastSuccessfulTime && cj;
    });
    assert.equal(Date.parse(done.status.lastSuccessfulTime), Math.floor(clock.now() / 1000) * 1000);
    // The run Forbid held back starts late once the first finishes (no startingDeadlineSeconds).
    await eventually('the skipped run', async () => {
      const cj = await c.get(resources.cronjobs, 'default', 'tick');
      return cj.status?.active?.length === 1 && cj.status.active[0].name === `tick-${slot2 / 60_000}` && Date.parse(cj.status.lastScheduleTime) === slot2;
    });
    assert.equal((await jobsOf('tick')).length, 2);
  });

  it('prunes finished jobs beyond the history limits, oldest first', async () => {
    await c.create(resources.cronjobs, 'default', cronJob('hist', { successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 0 }));
    const names: string[] = [];
    for (let i = 0; i < 3; i++) {
      const slot = toNextSlot();
      const name = `hist-${slot / 60_000}`;
      const j = await eventually(`job ${i}`, async () => (await jobsOf('hist')).find((x) => x.metadata.name === name));
      names.push(name);
      await finish(j, i === 1 ? 'Failed' : 'Complete', slot);
    }
    await eventually('only the newest success kept', async () => {
      const left = (await jobsOf('hist')).filter((j) => !j.metadata.deletionTimestamp).map((j) => j.metadata.name);
      return left.length === 1 && left[0] === names[2];
    });
  });

  it('reported no unexpected errors', () => {
    assert.deepEqual(errors.filter((e) => !/conflict|modified/i.test(String(e))), []);
  });
});
