// The shape every controller of the controller manager takes: level-triggered, fed keys only
// (`namespace/name`), never events (see STYLE.md, controller-runtime / client-go).
import { RateLimitingQueue, keyOf, objectOf, type Informer, type RateLimiter, type Tombstone } from '../client/index.ts';
import { realClock, type Clock } from '../util/clock.ts';

type Obj = Record<string, any>;

export interface Controller {
  readonly name: string;
  /** The informers whose caches must have synced before workers start. */
  readonly informers: readonly Informer<Obj>[];
  /** Runs `workers` workers until `signal` aborts; resolves once they have all stopped. */
  run(workers: number, signal: AbortSignal): Promise<void>;
}

/** An error that retrying cannot fix (a broken spec): logged, not requeued. */
export class TerminalError extends Error {
  override name = 'TerminalError';
}

export interface KeyedControllerOptions {
  name: string;
  informers: readonly Informer<Obj>[];
  clock?: Clock;
  rateLimiter?: RateLimiter<string>;
  /** Reconcile errors (after which the key is requeued unless terminal). */
  onError?: (key: string, err: unknown) => void;
}

/**
 * Owns a RateLimitingQueue and hands its keys to `reconcile`. The queue never gives one key to
 * two workers at once; an error requeues the key with backoff, success forgets its backoff.
 */
export abstract class KeyedController implements Controller {
  readonly name: string;
  readonly informers: readonly Informer<Obj>[];
  readonly queue: RateLimitingQueue<string>;
  protected readonly clock: Clock;
  private readonly onError: ((key: string, err: unknown) => void) | undefined;

  constructor(o: KeyedControllerOptions) {
    this.name = o.name;
    this.informers = o.informers;
    this.clock = o.clock ?? realClock;
    this.onError = o.onError;
    this.queue = new RateLimitingQueue<string>({ name: o.name, clock: this.clock, ...(o.rateLimiter ? { rateLimiter: o.rateLimiter } : {}) });
  }

  /** Brings the world in line with the object named by `key`; idempotent. */
  abstract reconcile(key: string): Promise<void>;

  enqueue(obj: Obj | Tombstone<Obj>): void {
    this.queue.add(keyOf(objectOf(obj)));
  }

  enqueueAfter(key: string, ms: number): void {
    this.queue.addAfter(key, ms);
  }

  async run(workers: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const loops = Array.from({ length: Math.max(1, workers) }, () => this.worker());
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    await this.queue.shutDownWithDrain();
    await Promise.all(loops);
  }

  /** Processes one key; false once the queue has shut down. */
  async processNext(): Promise<boolean> {
    const key = await this.queue.get();
    if (key === undefined) return false;
    try {
      await this.reconcile(key);
      this.queue.forget(key);
    } catch (err) {
      this.onError?.(key, err);
      if (err instanceof TerminalError) this.queue.forget(key);
      else this.queue.addRateLimited(key);
    } finally {
      this.queue.done(key);
    }
    return true;
  }

  private async worker(): Promise<void> {
    while (await this.processNext());
  }
}
