// Upstream runs Filter and Score over nodes with 16 goroutines in chunks of about sqrt(n). A
// JavaScript cycle has one thread, so this keeps the same API and chunking but walks pieces in
// index order: results equal a parallel run's, in a deterministic order, and `until` stops as
// soon as a piece asks to (where upstream cancels its context).

/** Upstream chunkSizeFor: sqrt(n), capped at n/parallelism+1, at least 1. */
export function chunkSizeFor(n: number, parallelism: number): number {
  let s = Math.trunc(Math.sqrt(n));
  const r = Math.trunc(n / parallelism) + 1;
  if (s > r) s = r;
  return s < 1 ? 1 : s;
}

export class Parallelizer {
  constructor(readonly parallelism = 16) {}

  /** Calls piece(i) for i in [0, n), chunk by chunk; a piece returning true stops the run. */
  until(n: number, piece: (i: number) => boolean | void): void {
    const chunk = chunkSizeFor(n, this.parallelism);
    for (let start = 0; start < n; start += chunk) {
      const end = Math.min(n, start + chunk);
      for (let i = start; i < end; i++) if (piece(i) === true) return;
    }
  }
}
