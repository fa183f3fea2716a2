// The event recorder (client-go's tools/record): core/v1 Events written in the background,
// with upstream's correlation: a repeat of an event already written PATCHes its count and
// lastTimestamp; more than 10 different messages for the same object and reason within 10
// minutes collapse into one "(combined from similar events)" event; and a source may burst 25
// events about one object, then one every 5 minutes.
import type { Obj } from '../apiserver/rest.ts';
import { realClock, type Clock } from '../util/clock.ts';
import type { Client } from './client.ts';
import { ApiError, isNotFound } from './errors.ts';
import { TokenBucket } from './ratelimit.ts';
import { resources } from './resources.ts';
import { rfc3339, sleep } from './timing.ts';

export type EventType = 'Normal' | 'Warning';

export interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

export interface EventRecorderOptions {
  /** source.component and reportingComponent, e.g. `default-scheduler`. */
  component: string;
  /** source.host and reportingInstance, e.g. the node name. */
  host?: string;
  clock?: Clock;
  random?: () => number;
  /** Wait between attempts when the server cannot be reached (10 s; the first is randomised). */
  retrySleepMs?: number;
  onError?: (err: unknown) => void;
}

const MAX_TRIES = 12;
const MAX_QUEUED = 1000;
const LRU_SIZE = 4096;
const AGGREGATE_MAX_EVENTS = 10;
const AGGREGATE_INTERVAL_MS = 600_000;
const SPAM_BURST = 25;
const SPAM_QPS = 1 / 300;

class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, v: V): void {
    this.map.delete(key);
    this.map.set(key, v);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
}

interface Observation {
  count: number;
  firstTimestamp: string;
  name: string;
  resourceVersion: string;
}

// Keys are the fields joined with nothing between them, as upstream's.
const ref = (e: Obj): ObjectReference => e.involvedObject ?? {};
const eventKey = (e: Obj) =>
  [e.source?.component, e.source?.host, ref(e).kind, ref(e).namespace, ref(e).name, ref(e).fieldPath, ref(e).uid, ref(e).apiVersion, e.type, e.reason, e.message].map((s) => s ?? '').join('');
const spamKey = (e: Obj) => [e.source?.component, e.source?.host, ref(e).kind, ref(e).namespace, ref(e).name, ref(e).uid, ref(e).apiVersion].map((s) => s ?? '').join('');
const aggregateKey = (e: Obj) =>
  [e.source?.component, e.source?.host, ref(e).kind, ref(e).namespace, ref(e).name, ref(e).uid, ref(e).apiVersion, e.type, e.reason, e.reportingComponent, e.reportingInstance]
    .map((s) => s ?? '')
    .join('');

export class EventRecorder {
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly queue: Obj[] = [];
  private pumping = false;
  private idleWaiters: Array<() => void> = [];
  private closed = false;
  private readonly stopAc = new AbortController();
  private lastNanos = 0n;
  private readonly aggregates = new Lru<{ localKeys: Set<string>; last: number }>(LRU_SIZE);
  private readonly observations = new Lru<Observation>(LRU_SIZE);
  private readonly spam = new Lru<TokenBucket>(LRU_SIZE);

  constructor(
    private readonly client: Client,
    private readonly o: EventRecorderOptions,
  ) {
    this.clock = o.clock ?? realClock;
    this.random = o.random ?? Math.random;
  }

  /**
   * Queues an Event about `object` (an object with apiVersion, kind and metadata, or an
   * ObjectReference). Never blocks and never throws: an event that cannot be made or written
   * is reported to onError and dropped.
   */
  event(object: Obj | ObjectReference, type: EventType, reason: string, message: string, annotations?: Record<string, string>): void {
    if (this.closed) return;
    if (type !== 'Normal' && type !== 'Warning') {
      this.o.onError?.(new Error(`Unsupported event type: '${type}'`));
      return;
    }
    let involved: ObjectReference;
    try {
      involved = referenceOf(object);
    } catch (err) {
      this.o.onError?.(err);
      return;
    }
    if (this.queue.length >= MAX_QUEUED) {
      this.o.onError?.(new Error('Unable to record event: too many queued events, dropped event'));
      return;
    }
    const now = this.clock.now();
    const t = rfc3339(now);
    const metadata: Obj = { name: `${involved.name}.${this.nanos(now).toString(16)}`, namespace: involved.namespace || 'default' };
    if (annotations) metadata.annotations = { ...annotations };
    const source: Obj = { component: this.o.component };
    if (this.o.host) source.host = this.o.host;
    this.queue.push({
      apiVersion: 'v1',
      kind: 'Event',
      metadata,
      involvedObject: involved,
      reason,
      message,
      source,
      firstTimestamp: t,
      lastTimestamp: t,
      count: 1,
      type,
      eventTime: null,
      reportingComponent: this.o.component,
      reportingInstance: this.o.host ?? '',
    });
    if (!this.pumping) void this.pump();
  }

  /** Resolves once every queued event has been written (or given up on). */
  flush(): Promise<void> {
    if (!this.pumping && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops taking events; what is queued is still tried once, without waiting to retry. */
  async shutdown(): Promise<void> {
    this.closed = true;
    this.stopAc.abort();
    await this.flush();
  }

  private nanos(ms: number): bigint {
    // Names come from the time in nanoseconds; the clock gives milliseconds, so events in the
    // same millisecond take the next free nanosecond to keep names unique.
    let n = BigInt(Math.floor(ms)) * 1_000_000n;
    if (n <= this.lastNanos) n = this.lastNanos + 1n;
    this.lastNanos = n;
    return n;
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      for (let e = this.queue.shift(); e; e = this.queue.shift()) {
        try {
          await this.recordToSink(e);
        } catch (err) {
          this.o.onError?.(err);
        }
      }
    } finally {
      this.pumping = false;
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const fn of w) fn();
    }
  }

  private async recordToSink(incoming: Obj): Promise<void> {
    const result = this.correlate(incoming);
    if (!result) return;
    const { event, patch } = result;
    for (let tries = 1; ; tries++) {
      if (await this.write(event, patch)) return;
      if (tries >= MAX_TRIES || this.stopAc.signal.aborted) {
        this.o.onError?.(new Error(`Unable to write event '${event.metadata.namespace}/${event.metadata.name}' (retry limit exceeded!)`));
        return;
      }
      const base = this.o.retrySleepMs ?? 10_000;
      // The first wait is random so that clients cut off together do not come back together.
      await sleep(this.clock, tries === 1 ? base * this.random() : base, this.stopAc.signal);
    }
  }

  /** Aggregation, then de-duplication, then the spam filter; undefined when filtered out. */
  private correlate(incoming: Obj): { event: Obj; patch: Obj | undefined } | undefined {
    const now = this.clock.now();
    let event = incoming;
    let key = eventKey(incoming);
    const aggKey = aggregateKey(incoming);
    let record = this.aggregates.get(aggKey);
    if (!record || now - record.last > AGGREGATE_INTERVAL_MS) record = { localKeys: new Set(), last: 0 };
    record.localKeys.add(incoming.message ?? '');
    record.last = now;
    this.aggregates.set(aggKey, record);
    if (record.localKeys.size >= AGGREGATE_MAX_EVENTS) {
      record.localKeys.delete(record.localKeys.values().next().value!);
      const t = rfc3339(now);
      event = {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `${ref(incoming).name}.${this.nanos(now).toString(16)}`, namespace: incoming.metadata.namespace },
        count: 1,
        firstTimestamp: t,
        involvedObject: incoming.involvedObject,
        lastTimestamp: t,
        message: `(combined from similar events): ${incoming.message}`,
        type: incoming.type,
        reason: incoming.reason,
        source: incoming.source,
      };
      key = aggKey;
    }

    event = structuredClone(event);
    let patch: Obj | undefined;
    const last = this.observations.get(key);
    if (last && last.count > 0) {
      event.metadata.name = last.name;
      event.metadata.resourceVersion = last.resourceVersion;
      event.firstTimestamp = last.firstTimestamp;
      event.count = last.count + 1;
      patch = { count: event.count, lastTimestamp: event.lastTimestamp, message: event.message };
    }
    this.observations.set(key, { count: event.count, firstTimestamp: event.firstTimestamp, name: event.metadata.name, resourceVersion: event.metadata.resourceVersion ?? '' });

    const sk = spamKey(event);
    let bucket = this.spam.get(sk);
    if (!bucket) bucket = new TokenBucket(SPAM_QPS, SPAM_BURST, this.clock);
    const allowed = bucket.tryAccept();
    this.spam.set(sk, bucket);
    return allowed ? { event, patch } : undefined;
  }

  /** True when done with the event (written, or refused for good); false to try again. */
  private async write(event: Obj, patch: Obj | undefined): Promise<boolean> {
    const ns = event.metadata.namespace;
    let written: Obj | undefined;
    try {
      if (event.count > 1 && patch) {
        try {
          written = await this.client.patch(resources.events, ns, event.metadata.name, 'strategic', patch);
        } catch (err) {
          // The event may be gone (events expire); write it anew.
          if (!isNotFound(err)) throw err;
        }
      }
      if (!written) {
        const fresh = structuredClone(event);
        delete fresh.metadata.resourceVersion;
        written = await this.client.create(resources.events, ns, fresh);
      }
    } catch (err) {
      if (err instanceof ApiError) {
        // A rejected event would be rejected again.
        if (err.reason !== 'AlreadyExists') this.o.onError?.(err);
        return true;
      }
      this.o.onError?.(err);
      return false;
    }
    this.observations.set(eventKey(written), {
      count: written.count ?? 1,
      firstTimestamp: written.firstTimestamp,
      name: written.metadata.name,
      resourceVersion: written.metadata.resourceVersion ?? '',
    });
    return true;
  }
}

/** client-go's reference.GetReference for an object that carries its apiVersion and kind. */
export function referenceOf(object: Obj | ObjectReference): ObjectReference {
  const o = object as Obj;
  if (!o || typeof o !== 'object') throw new Error('Could not construct reference: not an object');
  if (!o.metadata) {
    // Already a reference.
    if (!o.kind || !o.name) throw new Error('Could not construct reference: the reference has no kind or name');
    return { ...(o as ObjectReference) };
  }
  if (!o.kind || !o.apiVersion) throw new Error(`Could not construct reference to ${JSON.stringify(o.metadata?.name)}: the object has no apiVersion or kind`);
  const r: ObjectReference = { kind: o.kind };
  if (o.metadata.namespace) r.namespace = o.metadata.namespace;
  r.name = o.metadata.name;
  if (o.metadata.uid) r.uid = o.metadata.uid;
  r.apiVersion = o.apiVersion;
  if (o.metadata.resourceVersion) r.resourceVersion = o.metadata.resourceVersion;
  return r;
}
