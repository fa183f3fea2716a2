// The revision log: which version each revision wrote. Kept in fixed-size chunks so that
// compaction drops whole chunks from the front instead of moving the remaining millions of
// slots (an array slice would hold the event loop for milliseconds at that size).

const CHUNK = 4096;

export class RevLog<T> {
  private chunks: (T | undefined)[][] = [];
  /** Revision held by slot 0 of chunk 0. */
  private base: number;
  /** The first revision still held; slots of chunk 0 below it are cleared. */
  private start: number;
  /** One past the last revision held. */
  private end: number;

  constructor(first: number) {
    this.base = first;
    this.start = first;
    this.end = first;
  }

  /** The first revision still held (earlier ones were dropped). */
  get first(): number {
    return this.start;
  }

  push(rev: number, value: T | undefined): void {
    if (rev !== this.end) throw new Error(`revlog: push of revision ${rev}, expected ${this.end}`);
    const off = rev - this.base;
    const ci = Math.floor(off / CHUNK);
    if (ci === this.chunks.length) this.chunks.push(new Array<T | undefined>(CHUNK));
    this.chunks[ci]![off % CHUNK] = value;
    this.end++;
  }

  /** Removes the last revision (a failed commit unwinding). */
  pop(): void {
    if (this.end === this.start) return;
    this.end--;
    const off = this.end - this.base;
    this.chunks[Math.floor(off / CHUNK)]![off % CHUNK] = undefined;
  }

  get(rev: number): T | undefined {
    if (rev < this.start || rev >= this.end) return undefined;
    const off = rev - this.base;
    return this.chunks[Math.floor(off / CHUNK)]![off % CHUNK];
  }

  /** Values at revisions [from, to], skipping holes. */
  between(from: number, to: number): T[] {
    const out: T[] = [];
    const hi = Math.min(to, this.end - 1);
    for (let rev = Math.max(from, this.start); rev <= hi; rev++) {
      const off = rev - this.base;
      const v = this.chunks[Math.floor(off / CHUNK)]![off % CHUNK];
      if (v !== undefined) out.push(v);
    }
    return out;
  }

  /** Forgets every revision below `rev`. */
  dropBefore(rev: number): void {
    if (rev <= this.start) return;
    if (rev >= this.end) {
      this.chunks = [];
      this.base = this.start = this.end = rev;
      return;
    }
    const whole = Math.floor((rev - this.base) / CHUNK);
    if (whole > 0) {
      this.chunks.splice(0, whole);
      this.base += whole * CHUNK;
    }
    const first = this.chunks[0];
    if (first) for (let i = Math.max(0, this.start - this.base); i < rev - this.base; i++) first[i] = undefined;
    this.start = rev;
  }
}
