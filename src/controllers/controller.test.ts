import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../util/clock.ts';
import { KeyedController, TerminalError } from './controller.ts';
import { startControllerManager } from './manager.ts';
import { Client } from '../client/index.ts';

const tick = () => new Promise((r) => setImmediate(r));

class Probe extends KeyedController {
  calls: string[] = [];
  running = new Set<string>();
  overlap = false;
  fail = new Map<string, unknown>();
  gate: Promise<void> = Promise.resolve();

  async reconcile(key: string): Promise<void> {
    if (this.running.has(key)) this.overlap = true;
    this.running.add(key);
    this.calls.push(key);
    await this.gate;
    this.running.delete(key);
    const err = this.fail.get(key);
    if (err) throw err;
  }
}

test('one key is never reconciled by two workers at once; a change meanwhile runs once more', async () => {
  const clock = new ManualClock(0);
  const c = new Probe({ name: 'probe', informers: [], clock });
  let open!: () => void;
  c.gate = new Promise((r) => (open = r));
  const ac = new AbortController();
  const run = c.run(4, ac.signal);
  c.queue.add('ns/a');
  await tick();
  c.queue.add('ns/a');
  c.queue.add('ns/a');
  await tick();
  assert.deepEqual(c.calls, ['ns/a']);
  open();
  for (let i = 0; i < 5; i++) await tick();
  assert.deepEqual(c.calls, ['ns/a', 'ns/a'], 'the adds while busy collapse into one more pass');
  assert.equal(c.overlap, false);
  ac.abort();
  await run;
});

test('errors requeue with growing backoff on the clock; success forgets it; terminal errors stop', async () => {
  const clock = new ManualClock(0);
  const errors: string[] = [];
  const c = new Probe({ name: 'probe', informers: [], clock, onError: (k) => errors.push(k) });
  const ac = new AbortController();
  const run = c.run(1, ac.signal);
  c.fail.set('ns/a', new Error('boom'));
  c.queue.add('ns/a');
  for (let i = 0; i < 3; i++) await tick();
  assert.equal(c.calls.length, 1);
  assert.equal(c.queue.numRequeues('ns/a'), 1);
  clock.advance(4);
  await tick();
  assert.equal(c.calls.length, 1, 'not before the 5 ms backoff');
  clock.advance(1);
  for (let i = 0; i < 3; i++) await tick();
  assert.equal(c.calls.length, 2);
  assert.equal(c.queue.numRequeues('ns/a'), 2);
  c.fail.delete('ns/a');
  clock.advance(10);
  for (let i = 0; i < 3; i++) await tick();
  assert.equal(c.calls.length, 3);
  assert.equal(c.queue.numRequeues('ns/a'), 0, 'forgotten after success');

  c.fail.set('ns/b', new TerminalError('bad spec'));
  c.queue.add('ns/b');
  for (let i = 0; i < 3; i++) await tick();
  clock.advance(10_000);
  for (let i = 0; i < 3; i++) await tick();
  assert.equal(c.calls.filter((k) => k === 'ns/b').length, 1);
  assert.deepEqual(errors, ['ns/a', 'ns/a', 'ns/b']);
  ac.abort();
  await run;
});

test('the manager refuses controller names it does not know', async () => {
  const client = new Client({ server: 'https://127.0.0.1:1' });
  await assert.rejects(startControllerManager({ client, controllers: ['replicaset', 'nope'] }), /unknown controller "nope"/);
  client.close();
});
