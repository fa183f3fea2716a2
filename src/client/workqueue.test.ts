import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../util/clock.ts';
import { BucketRateLimiter, ItemExponentialFailureRateLimiter, MaxOfRateLimiter, TokenBucket, defaultControllerRateLimiter } from './ratelimit.ts';
import { RateLimitingQueue } from './workqueue.ts';

const tick = () => new Promise((r) => setImmediate(r));

/** Resolves the promise's value, or 'pending' if it has not settled after the microtasks run. */
async function peek<T>(p: Promise<T>): Promise<T | 'pending'> {
  return Promise.race([p, tick().then(() => 'pending' as const)]);
}

test('duplicates waiting in the queue collapse into one', async () => {
  const q = new RateLimitingQueue({ clock: new ManualClock() });
  q.add('a');
  q.add('b');
  q.add('a');
  assert.equal(q.len(), 2);
  assert.equal(await q.get(), 'a');
  assert.equal(await q.get(), 'b');
  assert.equal(q.len(), 0);
});

test('an item added while it is processed is dirty: no second worker gets it until done', async () => {
  const q = new RateLimitingQueue({ clock: new ManualClock() });
  q.add('a');
  const first = await q.get();
  assert.equal(first, 'a');
  q.add('a');
  q.add('a');
  assert.equal(q.len(), 0, 'not queued while processing');
  const second = q.get();
  assert.equal(await peek(second), 'pending');
  q.done('a');
  assert.equal(await peek(second), 'a', 'requeued once, after done');
  q.done('a');
  assert.equal(q.len(), 0);
  // Done without a re-add: nothing comes back.
  assert.equal(await peek(q.get()), 'pending');
  q.shutdown();
});

test('two workers hammering one key never hold it at the same time', async () => {
  const q = new RateLimitingQueue<string>({ clock: new ManualClock() });
  const holding = new Set<string>();
  let overlaps = 0;
  let handled = 0;
  const worker = async () => {
    for (let k = await q.get(); k !== undefined; k = await q.get()) {
      if (holding.has(k)) overlaps++;
      holding.add(k);
      await tick();
      if (handled++ < 20) q.add(k);
      holding.delete(k);
      q.done(k);
    }
  };
  q.add('k');
  const workers = [worker(), worker()];
  while (handled < 21) await tick();
  await q.shutDownWithDrain();
  await Promise.all(workers);
  assert.equal(overlaps, 0);
  assert.equal(handled, 21);
});

test('the per-item limiter doubles from 5 ms and caps at 1000 s; forget resets it', () => {
  const l = new ItemExponentialFailureRateLimiter<string>(5, 1_000_000);
  assert.deepEqual([l.when('x'), l.when('x'), l.when('x'), l.when('x')], [5, 10, 20, 40]);
  assert.equal(l.when('y'), 5, 'items are counted apart');
  assert.equal(l.numRequeues('x'), 4);
  l.forget('x');
  assert.equal(l.numRequeues('x'), 0);
  assert.equal(l.when('x'), 5);
  for (let i = 0; i < 40; i++) l.when('z');
  assert.equal(l.when('z'), 1_000_000);
});

test('the default limiter is the max of per-item backoff and a 10 qps bucket with burst 100', () => {
  const clock = new ManualClock(1_000_000);
  const l = defaultControllerRateLimiter<string>(clock);
  for (let i = 0; i < 100; i++) assert.equal(l.when(`item-${i}`), 5, `burst item ${i}`);
  assert.equal(l.when('item-100'), 100, 'the 101st token is 100 ms away');
  assert.equal(l.when('item-101'), 200);
  clock.advance(1000);
  // Ten tokens came back; two were owed.
  assert.equal(l.when('item-102'), 5);
  assert.equal(l.numRequeues('item-0'), 1);
  l.forget('item-0');
  assert.equal(l.numRequeues('item-0'), 0);

  const bucket = new BucketRateLimiter<string>(1, 1, clock);
  const exp = new ItemExponentialFailureRateLimiter<string>(1, 1000);
  const max = new MaxOfRateLimiter(exp, bucket);
  assert.equal(max.when('a'), 1);
  assert.equal(max.when('a'), 1000, 'the bucket is empty: one token a second');

  const tb = new TokenBucket(2, 2, clock);
  assert.equal(tb.tryAccept(), true);
  assert.equal(tb.tryAccept(), true);
  assert.equal(tb.tryAccept(), false);
  clock.advance(500);
  assert.equal(tb.tryAccept(), true);
});

test('addRateLimited waits the limiter time on the clock; forget resets the backoff', async () => {
  const clock = new ManualClock();
  const q = new RateLimitingQueue({ clock });
  q.addRateLimited('x');
  assert.equal(q.len(), 0);
  clock.advance(4);
  assert.equal(q.len(), 0);
  clock.advance(1);
  assert.equal(q.len(), 1);
  assert.equal(await q.get(), 'x');
  q.done('x');
  q.addRateLimited('x');
  clock.advance(9);
  assert.equal(q.len(), 0, 'second failure waits 10 ms');
  clock.advance(1);
  assert.equal(q.len(), 1);
  assert.equal(q.numRequeues('x'), 2);
  q.forget('x');
  assert.equal(q.numRequeues('x'), 0);
});

test('addAfter releases items in due order; the earliest pending time for an item wins', async () => {
  const clock = new ManualClock();
  const q = new RateLimitingQueue({ clock });
  q.addAfter('c', 30);
  q.addAfter('a', 10);
  q.addAfter('b', 20);
  q.addAfter('a', 50); // later: ignored
  q.addAfter('c', 5); // earlier: wins
  q.addAfter('now', 0);
  assert.equal(q.len(), 1);
  assert.equal(await q.get(), 'now');
  clock.advance(5);
  assert.equal(q.len(), 1);
  clock.advance(100);
  const order = [await q.get(), await q.get(), await q.get()];
  assert.deepEqual(order, ['c', 'a', 'b']);
  assert.equal(q.len(), 0);
  clock.advance(100);
  assert.equal(q.len(), 0, 'the superseded entries do not come back');
});

test('shutdown wakes idle workers with undefined, drops new and delayed items, still hands out what was queued', async () => {
  const clock = new ManualClock();
  const q = new RateLimitingQueue({ clock });
  const idle = new RateLimitingQueue({ clock });
  const waiting = idle.get();
  idle.shutdown();
  assert.equal(await waiting, undefined);

  q.add('a');
  q.add('b');
  q.addAfter('later', 10);
  q.shutdown();
  assert.equal(q.shuttingDown(), true);
  q.add('c');
  q.addAfter('d', 1);
  clock.advance(100);
  assert.equal(await q.get(), 'a');
  assert.equal(await q.get(), 'b');
  assert.equal(await q.get(), undefined);
});

test('shutDownWithDrain waits for items being processed to be done', async () => {
  const q = new RateLimitingQueue({ clock: new ManualClock() });
  q.add('a');
  const item = await q.get();
  let drained = false;
  const drain = q.shutDownWithDrain().then(() => (drained = true));
  await tick();
  assert.equal(drained, false);
  q.done(item!);
  await drain;
  assert.equal(drained, true);
  assert.equal(await q.get(), undefined);
});
