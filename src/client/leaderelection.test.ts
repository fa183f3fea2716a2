import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../util/clock.ts';
import { Client } from './client.ts';
import { LeaderElector, runLeaderElected, type LeaderElectorOptions } from './leaderelection.ts';
import { resources as R } from './resources.ts';
import { startEnv, type TestEnv } from './test-env.ts';

/** A client whose writes and reads can be made to fail, as a leader cut off from the server. */
class CuttableClient extends Client {
  cut = false;
  override request(...args: Parameters<Client['request']>): Promise<unknown> {
    if (this.cut) return Promise.reject(new Error('connect ECONNREFUSED'));
    return super.request(...args);
  }
}

interface Candidate {
  elector: LeaderElector;
  client: CuttableClient;
  log: string[];
  leading: AbortSignal | undefined;
  done: Promise<void>;
}

describe('LeaderElector', () => {
  let env: TestEnv;
  let clock: ManualClock;
  const clients: Client[] = [];
  before(async () => {
    env = await startEnv();
  });
  after(async () => {
    for (const c of clients) c.close();
    await env.close();
  });

  const candidate = (identity: string, name: string, o: Partial<LeaderElectorOptions> = {}): Candidate => {
    const client = new CuttableClient({ server: env.api.url, ca: env.pki.ca.cert, cert: env.pki.admin.cert, key: env.pki.admin.key });
    clients.push(client);
    const c: Candidate = { client, log: [], leading: undefined, done: Promise.resolve(), elector: undefined as never };
    c.elector = new LeaderElector({
      client,
      namespace: 'kube-system',
      name,
      identity,
      clock,
      random: () => 0,
      callbacks: {
        onStartedLeading: (signal) => {
          c.leading = signal;
          c.log.push('started');
        },
        onStoppedLeading: () => c.log.push('stopped'),
        onNewLeader: (id) => c.log.push(`leader ${id}`),
      },
      ...o,
    });
    return c;
  };

  /** Lets requests the clock set off reach the server and come back. */
  const settle = async () => {
    for (let quiet = 0; quiet < 2; ) {
      await new Promise((r) => setTimeout(r, 2));
      quiet = clients.every((c) => c.inFlight === 0) ? quiet + 1 : 0;
    }
  };
  const advance = async (ms: number, step = 500) => {
    for (let t = 0; t < ms; t += step) {
      clock.advance(Math.min(step, ms - t));
      await settle();
    }
  };
  const lease = (name: string) => env.client.get(R.leases, 'kube-system', name);

  test('one leads; the other takes over once the lease expires unrenewed; release on stop frees it at once', async () => {
    clock = new ManualClock(Date.parse('2025-01-01T00:00:00Z'));
    const a = candidate('a', 'lock1', { releaseOnCancel: false });
    const b = candidate('b', 'lock1');
    a.done = a.elector.run();
    await settle();
    b.done = b.elector.run();
    await settle();
    assert.equal(a.elector.isLeader(), true);
    assert.equal(b.elector.isLeader(), false);
    assert.equal(b.elector.getLeader(), 'a');
    assert.deepEqual(a.log, ['leader a', 'started']);
    assert.deepEqual(b.log, ['leader a']);

    let l = await lease('lock1');
    assert.equal(l.spec.holderIdentity, 'a');
    assert.equal(l.spec.leaseDurationSeconds, 15);
    assert.equal(l.spec.leaseTransitions, 0);
    assert.equal(l.spec.acquireTime, '2025-01-01T00:00:00.000000Z');
    assert.equal(l.spec.renewTime, l.spec.acquireTime);

    await advance(6000);
    l = await lease('lock1');
    assert.equal(l.spec.renewTime, '2025-01-01T00:00:06.000000Z', 'renewed every retryPeriod');
    assert.equal(l.spec.acquireTime, '2025-01-01T00:00:00.000000Z');
    assert.equal(b.elector.isLeader(), false);

    // a stops renewing (and, with releaseOnCancel off, leaves the lease as it is).
    await a.elector.stop();
    await a.done;
    assert.equal(a.leading?.aborted, true);
    assert.deepEqual(a.log, ['leader a', 'started', 'stopped']);
    assert.equal((await lease('lock1')).spec.holderIdentity, 'a');

    await advance(13_000);
    assert.equal(b.elector.isLeader(), false, 'the lease has not expired on b\'s clock yet');
    await advance(8000);
    assert.equal(b.elector.isLeader(), true);
    assert.deepEqual(b.log, ['leader a', 'leader b', 'started']);
    l = await lease('lock1');
    assert.equal(l.spec.holderIdentity, 'b');
    assert.equal(l.spec.leaseTransitions, 1);
    // 15 s after b last saw the record change (a's last renewal at 6 s, seen at 6 s or 8 s),
    // on b's next retry.
    const acquired = Date.parse(l.spec.acquireTime) - Date.parse('2025-01-01T00:00:00Z');
    assert.ok(acquired === 22_000 || acquired === 24_000, `acquired at ${acquired} ms`);
    assert.ok(Date.parse(l.spec.renewTime) > Date.parse(l.spec.acquireTime), 'renewed since, acquireTime kept');

    // b gives the lease up on stop: no holder, a one-second duration, transitions kept.
    await b.elector.stop();
    await b.done;
    assert.deepEqual(b.log, ['leader a', 'leader b', 'started', 'stopped']);
    l = await lease('lock1');
    assert.equal(l.spec.holderIdentity, '');
    assert.equal(l.spec.leaseDurationSeconds, 1);
    assert.equal(l.spec.leaseTransitions, 1);

    // A newcomer need not wait out the old duration.
    const c = candidate('c', 'lock1');
    c.done = c.elector.run();
    await settle();
    assert.equal(c.elector.isLeader(), true);
    assert.equal((await lease('lock1')).spec.leaseTransitions, 2);
    await c.elector.stop();
    await c.done;
  });

  test('a leader that cannot renew within renewDeadline stops leading', async () => {
    clock = new ManualClock(Date.parse('2025-02-01T00:00:00Z'));
    const a = candidate('a', 'lock2');
    a.done = a.elector.run();
    await settle();
    assert.equal(a.elector.isLeader(), true);
    a.client.cut = true;
    await advance(10_000);
    assert.equal(a.leading?.aborted, false, 'still within renewDeadline');
    await advance(3000);
    assert.equal(a.leading?.aborted, true);
    await a.done;
    assert.deepEqual(a.log, ['leader a', 'started', 'stopped']);
  });

  test('stop while campaigning ends run() with onStoppedLeading, never having led', async () => {
    clock = new ManualClock(Date.parse('2025-03-01T00:00:00Z'));
    const a = candidate('a', 'lock3');
    const b = candidate('b', 'lock3');
    a.done = a.elector.run();
    await settle();
    b.done = b.elector.run();
    await settle();
    await b.elector.stop();
    await b.done;
    assert.deepEqual(b.log, ['leader a', 'stopped']);
    assert.equal((await lease('lock3')).spec.holderIdentity, 'a', 'a non-leader releases nothing');
    await a.elector.stop();
    await a.done;
  });

  test('settings are checked as client-go checks them', () => {
    const base = { client: env.client, namespace: 'kube-system', name: 'x', identity: 'i', callbacks: { onStartedLeading: () => {} } };
    assert.throws(() => new LeaderElector({ ...base, leaseDurationSeconds: 10 }), /leaseDuration must be greater than renewDeadline/);
    assert.throws(() => new LeaderElector({ ...base, retryPeriodMs: 9000 }), /renewDeadline must be greater than retryPeriod\*JitterFactor/);
    assert.throws(() => new LeaderElector({ ...base, identity: '' }), /Lock identity is empty/);
  });

  test('runLeaderElected runs one copy of a component at a time, and hands over when the leader stops', async () => {
    let running = 0;
    let most = 0;
    const started: string[] = [];
    const runner = (id: string) =>
      runLeaderElected({
        client: env.client,
        namespace: 'kube-system',
        name: 'handover',
        identity: id,
        leaseDurationSeconds: 1,
        renewDeadlineMs: 800,
        retryPeriodMs: 100,
        start: async () => {
          running++;
          most = Math.max(most, running);
          started.push(id);
          return { stop: async () => void running-- };
        },
      });
    const a = runner('a');
    const deadline = Date.now() + 5000;
    while (started.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const b = runner('b');
    await new Promise((r) => setTimeout(r, 400));
    assert.deepEqual(started, ['a'], 'b waits while a leads');
    await a.stop();
    assert.equal(running, 0, 'a stopped its component');
    while (started.length < 2 && Date.now() < deadline + 3000) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(started, ['a', 'b'], 'b takes over once a released the lease');
    assert.ok(b.isLeader());
    await b.stop();
    assert.equal(running, 0);
    assert.equal(most, 1, 'never two copies at once');
  });
});
