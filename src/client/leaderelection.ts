// Leader election on a coordination.k8s.io/v1 Lease, with client-go's algorithm: a candidate
// takes the lease when its holder has not renewed it for leaseDurationSeconds as measured on
// the candidate's own clock (from when it last saw the record change); the leader renews every
// retryPeriod and gives up when it could not renew within renewDeadline.
import type { Obj } from '../apiserver/rest.ts';
import { realClock, type Clock } from '../util/clock.ts';
import type { Client } from './client.ts';
import { isNotFound } from './errors.ts';
import type { EventRecorder } from './events.ts';
import { resources } from './resources.ts';
import { deadline, rfc3339, rfc3339Micro, sleep } from './timing.ts';

/** client-go's JitterFactor: acquisition retries wait retryPeriod plus up to 1.2 × retryPeriod. */
const JITTER_FACTOR = 1.2;

export interface LeaderCallbacks {
  /** Leadership won; `signal` aborts when it is lost or the elector stops. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called once when run() ends, whether or not this elector ever led. */
  onStoppedLeading?(): void;
  /** The observed holder changed (including the first one seen, and this elector). */
  onNewLeader?(identity: string): void;
}

export interface LeaderElectorOptions {
  client: Client;
  /** Namespace and name of the Lease. */
  namespace: string;
  name: string;
  identity: string;
  callbacks: LeaderCallbacks;
  leaseDurationSeconds?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Give the lease up when stopped (default true). */
  releaseOnCancel?: boolean;
  clock?: Clock;
  random?: () => number;
  /** Records "<identity> became leader" / "stopped leading" on the Lease, as client-go does. */
  eventRecorder?: EventRecorder;
  onError?: (err: unknown) => void;
}

interface Record_ {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: number;
  renewTime: number;
  leaseTransitions: number;
}

export class LeaderElector {
  private readonly o: Required<Omit<LeaderElectorOptions, 'eventRecorder' | 'onError'>> & Pick<LeaderElectorOptions, 'eventRecorder' | 'onError'>;
  private observed: Record_ | undefined;
  private observedRaw = '';
  private observedTime = 0;
  private reportedLeader = '';
  private lease: Obj | undefined;
  private readonly stopAc = new AbortController();
  private running: Promise<void> | undefined;

  constructor(o: LeaderElectorOptions) {
    this.o = {
      leaseDurationSeconds: 15,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      releaseOnCancel: true,
      clock: realClock,
      random: Math.random,
      ...o,
    };
    const { leaseDurationSeconds, renewDeadlineMs, retryPeriodMs } = this.o;
    if (leaseDurationSeconds * 1000 <= renewDeadlineMs) throw new Error('leaseDuration must be greater than renewDeadline');
    if (renewDeadlineMs <= JITTER_FACTOR * retryPeriodMs) throw new Error('renewDeadline must be greater than retryPeriod*JitterFactor');
    if (leaseDurationSeconds < 1) throw new Error('leaseDuration must be greater than zero');
    if (retryPeriodMs < 1) throw new Error('retryPeriod must be greater than zero');
    if (!o.identity) throw new Error('Lock identity is empty');
  }

  /** The identity of the last observed holder ('' when none). */
  getLeader(): string {
    return this.observed?.holderIdentity ?? '';
  }

  isLeader(): boolean {
    return this.getLeader() === this.o.identity;
  }

  /** Campaigns, leads until it loses the lease or stop() is called; resolves then. */
  run(): Promise<void> {
    this.running ??= this.campaign();
    return this.running;
  }

  /** Stops campaigning or leading (releasing the lease if held) and waits for run() to end. */
  async stop(): Promise<void> {
    this.stopAc.abort();
    await this.running;
  }

  private async campaign(): Promise<void> {
    const stop = this.stopAc.signal;
    try {
      if (!(await this.acquire(stop))) return;
      const leading = new AbortController();
      stop.addEventListener('abort', () => leading.abort(), { once: true });
      this.recordEvent('became leader');
      Promise.resolve()
        .then(() => this.o.callbacks.onStartedLeading(leading.signal))
        .catch((err: unknown) => this.o.onError?.(err));
      await this.renew(stop);
      leading.abort();
      this.recordEvent('stopped leading');
      if (this.o.releaseOnCancel) await this.release();
    } finally {
      this.safe(() => this.o.callbacks.onStoppedLeading?.());
    }
  }

  private async acquire(stop: AbortSignal): Promise<boolean> {
    while (!stop.aborted) {
      const ok = await this.tryAcquireOrRenew(stop);
      this.maybeReportTransition();
      if (ok) return true;
      const period = this.o.retryPeriodMs;
      await sleep(this.o.clock, period + this.o.random() * JITTER_FACTOR * period, stop);
    }
    return false;
  }

  private async renew(stop: AbortSignal): Promise<void> {
    while (!stop.aborted) {
      const d = deadline(this.o.clock, this.o.renewDeadlineMs, stop);
      let ok = false;
      try {
        for (;;) {
          ok = await this.tryAcquireOrRenew(d.signal);
          if (ok || d.signal.aborted) break;
          await sleep(this.o.clock, this.o.retryPeriodMs, d.signal);
          if (d.signal.aborted) break;
        }
      } finally {
        d.done();
      }
      this.maybeReportTransition();
      if (!ok || stop.aborted) return;
      await sleep(this.o.clock, this.o.retryPeriodMs, stop);
    }
  }

  private async tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return false;
    const now = this.o.clock.now();
    const desired: Record_ = {
      holderIdentity: this.o.identity,
      leaseDurationSeconds: this.o.leaseDurationSeconds,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: 0,
    };
    // Fast path: the leader writes over the lease it last wrote, without reading it first.
    if (this.isLeader() && this.leaseValid(now) && this.lease) {
      desired.acquireTime = this.observed!.acquireTime;
      desired.leaseTransitions = this.observed!.leaseTransitions;
      try {
        await this.update(desired, signal);
        this.setObserved(desired);
        return true;
      } catch (err) {
        this.o.onError?.(err);
        if (signal.aborted) return false;
      }
    }
    let current: Record_;
    try {
      this.lease = await this.o.client.get(resources.leases, this.o.namespace, this.o.name, { signal });
      current = recordOf(this.lease);
    } catch (err) {
      if (!isNotFound(err)) {
        this.o.onError?.(err);
        return false;
      }
      try {
        this.lease = await this.o.client.create(
          resources.leases,
          this.o.namespace,
          { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.o.name, namespace: this.o.namespace }, spec: specOf(desired) },
          { signal },
        );
      } catch (createErr) {
        this.o.onError?.(createErr);
        return false;
      }
      this.setObserved(desired);
      return true;
    }
    const raw = rawOf(current);
    if (raw !== this.observedRaw) {
      this.setObserved(current);
      this.observedRaw = raw;
    }
    if (current.holderIdentity && this.leaseValid(now) && !this.isLeader()) return false;
    if (this.isLeader()) {
      desired.acquireTime = current.acquireTime;
      desired.leaseTransitions = current.leaseTransitions;
    } else {
      desired.leaseTransitions = current.leaseTransitions + 1;
    }
    try {
      await this.update(desired, signal);
    } catch (err) {
      this.o.onError?.(err);
      return false;
    }
    this.setObserved(desired);
    return true;
  }

  private async release(): Promise<void> {
    if (!this.isLeader() || !this.lease) return;
    const now = this.o.clock.now();
    const record: Record_ = {
      holderIdentity: '',
      leaseDurationSeconds: 1,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: this.observed!.leaseTransitions,
    };
    const d = deadline(this.o.clock, this.o.renewDeadlineMs);
    try {
      await this.update(record, d.signal);
      this.setObserved(record);
    } catch (err) {
      this.o.onError?.(err);
    } finally {
      d.done();
    }
  }

  private async update(record: Record_, signal: AbortSignal): Promise<void> {
    const lease = { ...this.lease!, spec: specOf(record) };
    this.lease = await this.o.client.update(resources.leases, this.o.namespace, lease, { signal });
  }

  private leaseValid(now: number): boolean {
    return this.observedTime + (this.observed?.leaseDurationSeconds ?? 0) * 1000 > now;
  }

  private setObserved(r: Record_): void {
    this.observed = r;
    this.observedTime = this.o.clock.now();
  }

  private maybeReportTransition(): void {
    const holder = this.getLeader();
    if (holder === this.reportedLeader) return;
    this.reportedLeader = holder;
    this.safe(() => this.o.callbacks.onNewLeader?.(holder));
  }

  private recordEvent(what: string): void {
    if (!this.o.eventRecorder || !this.lease) return;
    const subject = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: this.lease.metadata };
    this.o.eventRecorder.event(subject, 'Normal', 'LeaderElection', `${this.o.identity} ${what}`);
  }

  private safe(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.o.onError?.(err);
    }
  }
}

function specOf(r: Record_): Obj {
  return {
    holderIdentity: r.holderIdentity,
    leaseDurationSeconds: r.leaseDurationSeconds,
    acquireTime: rfc3339Micro(r.acquireTime),
    renewTime: rfc3339Micro(r.renewTime),
    leaseTransitions: r.leaseTransitions,
  };
}

function recordOf(lease: Obj): Record_ {
  const s = lease.spec ?? {};
  const time = (v: unknown) => (typeof v === 'string' ? Date.parse(v) || 0 : 0);
  return {
    holderIdentity: s.holderIdentity ?? '',
    leaseDurationSeconds: s.leaseDurationSeconds ?? 0,
    acquireTime: time(s.acquireTime),
    renewTime: time(s.renewTime),
    leaseTransitions: s.leaseTransitions ?? 0,
  };
}

/** What client-go compares to notice a change: the record with times in whole seconds. */
function rawOf(r: Record_): string {
  return JSON.stringify([r.holderIdentity, r.leaseDurationSeconds, rfc3339(r.acquireTime), rfc3339(r.renewTime), r.leaseTransitions]);
}

export interface LeaderElectedOptions extends Omit<LeaderElectorOptions, 'callbacks'> {
  /** Starts the component once leadership is won; what it returns stops it. */
  start(): Promise<{ stop(): Promise<void> }>;
  onNewLeader?(identity: string): void;
}

/**
 * Runs a component only while it holds the lease. Upstream's components exit when they lose
 * it and are restarted by their supervisor; in one process the elector campaigns again
 * instead, after stopping the component, so two copies never run at once.
 */
export function runLeaderElected(o: LeaderElectedOptions): { stop(): Promise<void>; isLeader(): boolean } {
  const { start, onNewLeader, ...electorOptions } = o;
  const stopAc = new AbortController();
  let elector: LeaderElector | undefined;
  const loop = (async () => {
    while (!stopAc.signal.aborted) {
      // Stopped as soon as leadership ends, before the lease is released to the next leader.
      let stopping: Promise<void> | undefined;
      let component: Promise<{ stop(): Promise<void> } | undefined> = Promise.resolve(undefined);
      const stopComponent = () => (stopping ??= component.then((c) => c?.stop()));
      elector = new LeaderElector({
        ...electorOptions,
        callbacks: {
          onStartedLeading: async (signal) => {
            component = start().catch((err: unknown) => {
              o.onError?.(err);
              return undefined;
            });
            signal.addEventListener('abort', () => void stopComponent(), { once: true });
            await component;
          },
          ...(onNewLeader ? { onNewLeader } : {}),
        },
      });
      await elector.run();
      await stopComponent();
      await sleep(o.clock ?? realClock, o.retryPeriodMs ?? 2_000, stopAc.signal);
    }
  })();
  return {
    isLeader: () => elector?.isLeader() ?? false,
    async stop() {
      stopAc.abort();
      await elector?.stop();
      await loop;
    },
  };
}
