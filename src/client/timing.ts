// Waiting on an injected clock, and the two timestamp formats the API uses.
import { rfc3339 } from '../util/time.ts';
import type { Clock } from '../util/clock.ts';

/** Resolves after `ms` on `clock`, or at once when `signal` aborts. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      timer.cancel();
      resolve();
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** An AbortSignal that aborts when `parent` does or after `ms` on `clock`; call `done` to free it. */
export function deadline(clock: Clock, ms: number, parent?: AbortSignal): { signal: AbortSignal; done(): void } {
  const ac = new AbortController();
  const onAbort = () => ac.abort();
  if (parent?.aborted) ac.abort();
  parent?.addEventListener('abort', onAbort, { once: true });
  const timer = clock.setTimeout(() => ac.abort(), ms);
  return {
    signal: ac.signal,
    done() {
      timer.cancel();
      parent?.removeEventListener('abort', onAbort);
    },
  };
}

export { rfc3339 };

/** metav1.MicroTime: RFC 3339 with six fractional digits, UTC. */
export function rfc3339Micro(ms: number): string {
  return new Date(Math.floor(ms)).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
