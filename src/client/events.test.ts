import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Obj } from '../apiserver/rest.ts';
import { ManualClock } from '../util/clock.ts';
import { EventRecorder } from './events.ts';
import { resources as R } from './resources.ts';
import { startEnv, type TestEnv } from './test-env.ts';

describe('EventRecorder', () => {
  let env: TestEnv;
  let pod: Obj;
  before(async () => {
    env = await startEnv();
    pod = await env.client.create(R.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
    pod.apiVersion ??= 'v1';
    pod.kind ??= 'Pod';
  });
  after(async () => {
    await env.close();
  });

  const eventsAbout = async (name: string, ns = 'default') =>
    (await env.client.list(R.events, ns, { fieldSelector: `involvedObject.name=${name}` })).items.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));

  test('writes a core/v1 Event in the background; an identical repeat bumps count instead of creating', async () => {
    const clock = new ManualClock(Date.parse('2025-04-01T10:00:00.250Z'));
    const rec = new EventRecorder(env.client, { component: 'default-scheduler', clock });
    const before = env.client.inFlight;
    assert.equal(rec.event(pod, 'Normal', 'Scheduled', 'Successfully assigned default/web-1 to node-1'), undefined);
    assert.equal(env.client.inFlight, before + 1, 'the write is under way, not awaited');
    await rec.flush();
    let events = await eventsAbout('web-1');
    assert.equal(events.length, 1);
    const e = events[0]!;
    assert.match(e.metadata.name, /^web-1\.[0-9a-f]+$/);
    assert.equal(e.metadata.name, `web-1.${(BigInt(Date.parse('2025-04-01T10:00:00.250Z')) * 1_000_000n).toString(16)}`);
    assert.equal(e.metadata.namespace, 'default');
    assert.deepEqual(e.involvedObject, {
      kind: 'Pod',
      namespace: 'default',
      name: 'web-1',
      uid: pod.metadata.uid,
      apiVersion: 'v1',
      resourceVersion: pod.metadata.resourceVersion,
    });
    assert.equal(e.type, 'Normal');
    assert.equal(e.reason, 'Scheduled');
    assert.equal(e.message, 'Successfully assigned default/web-1 to node-1');
    assert.deepEqual(e.source, { component: 'default-scheduler' });
    assert.equal(e.reportingComponent, 'default-scheduler');
    assert.equal(e.count, 1);
    assert.equal(e.firstTimestamp, '2025-04-01T10:00:00Z');
    assert.equal(e.lastTimestamp, '2025-04-01T10:00:00Z');

    clock.advance(5000);
    rec.event(pod, 'Normal', 'Scheduled', 'Successfully assigned default/web-1 to node-1');
    await rec.flush();
    events = await eventsAbout('web-1');
    assert.equal(events.length, 1, 'no new Event object');
    assert.equal(events[0]!.metadata.name, e.metadata.name);
    assert.equal(events[0]!.count, 2);
    assert.equal(events[0]!.firstTimestamp, '2025-04-01T10:00:00Z');
    assert.equal(events[0]!.lastTimestamp, '2025-04-01T10:00:05Z');

    // A different message is a different event.
    rec.event(pod, 'Warning', 'Scheduled', 'something else');
    await rec.flush();
    assert.equal((await eventsAbout('web-1')).length, 2);
    await env.client.delete(R.events, 'default', events[0]!.metadata.name);
    await env.client.delete(R.events, 'default', (await eventsAbout('web-1'))[0]!.metadata.name);
  });

  test('a repeat of an event that has expired from the server is created again', async () => {
    const clock = new ManualClock(Date.parse('2025-04-02T00:00:00Z'));
    const rec = new EventRecorder(env.client, { component: 'kubelet', host: 'node-1', clock });
    const ref = { kind: 'Node', name: 'node-1', uid: 'node-1', apiVersion: 'v1' };
    rec.event(ref, 'Normal', 'Starting', 'Starting kubelet.');
    await rec.flush();
    const [first] = await eventsAbout('node-1');
    assert.equal(first!.metadata.namespace, 'default', 'cluster-scoped objects have their events in default');
    assert.deepEqual(first!.source, { component: 'kubelet', host: 'node-1' });
    assert.equal(first!.reportingInstance, 'node-1');
    await env.client.delete(R.events, 'default', first!.metadata.name);
    clock.advance(1000);
    rec.event(ref, 'Normal', 'Starting', 'Starting kubelet.');
    await rec.flush();
    const again = await eventsAbout('node-1');
    assert.equal(again.length, 1);
    assert.equal(again[0]!.metadata.name, first!.metadata.name);
    assert.equal(again[0]!.count, 2);
  });

  test('more than ten messages for one object and reason within ten minutes are combined', async () => {
    const clock = new ManualClock(Date.parse('2025-04-03T00:00:00Z'));
    const rec = new EventRecorder(env.client, { component: 'replicaset-controller', clock });
    const rs = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs-1', namespace: 'default', uid: 'rs-uid' } };
    for (let i = 1; i <= 11; i++) {
      rec.event(rs, 'Warning', 'FailedCreate', `Error creating: attempt ${i}`);
      // Correlation runs when the event is written, on the clock of that moment.
      await rec.flush();
      clock.advance(1000);
    }
    const events = await eventsAbout('rs-1');
    const combined = events.filter((e) => e.message.startsWith('(combined from similar events): '));
    assert.equal(events.length - combined.length, 9, 'the first nine messages are written as they are');
    assert.equal(combined.length, 1);
    assert.equal(combined[0]!.message, '(combined from similar events): Error creating: attempt 11');
    assert.equal(combined[0]!.count, 2);
    assert.equal(combined[0]!.reason, 'FailedCreate');
    assert.equal(combined[0]!.firstTimestamp, '2025-04-03T00:00:09Z');
    assert.equal(combined[0]!.lastTimestamp, '2025-04-03T00:00:10Z');
  });

  test('a source may burst 25 events about one object, then one per five minutes', async () => {
    const clock = new ManualClock(Date.parse('2025-04-04T00:00:00Z'));
    const rec = new EventRecorder(env.client, { component: 'spammy', clock });
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'noisy', namespace: 'default', uid: 'cm-uid' } };
    for (let i = 0; i < 30; i++) rec.event(cm, 'Normal', 'Tick', 'tick');
    await rec.flush();
    assert.equal((await eventsAbout('noisy'))[0]!.count, 25);
    clock.advance(300_000);
    rec.event(cm, 'Normal', 'Tick', 'tick');
    rec.event(cm, 'Normal', 'Tick', 'tick');
    await rec.flush();
    // As upstream, the filtered repeats were still counted: the one let through says 31.
    assert.equal((await eventsAbout('noisy'))[0]!.count, 31);
    assert.equal((await eventsAbout('noisy')).length, 1);
  });

  test('events that cannot be made are reported and dropped, never thrown', async () => {
    const errors: unknown[] = [];
    const rec = new EventRecorder(env.client, { component: 'x', onError: (e) => errors.push(e) });
    rec.event({ metadata: { name: 'typeless', namespace: 'default' } }, 'Normal', 'R', 'm');
    rec.event(pod, 'Bogus' as 'Normal', 'R', 'm');
    await rec.flush();
    assert.equal(errors.length, 2);
    assert.match(String(errors[0]), /no apiVersion or kind/);
    assert.match(String(errors[1]), /Unsupported event type: 'Bogus'/);
    assert.deepEqual(await eventsAbout('typeless'), []);
    await rec.shutdown();
    rec.event(pod, 'Normal', 'After', 'shutdown');
    await rec.flush();
    assert.equal((await eventsAbout('web-1')).filter((e) => e.reason === 'After').length, 0);
  });
});
