// An ordered map from string keys, kept as a list of sorted chunks: a B+tree of height two.
// Inserting into a flat sorted array costs a memmove of the whole array (about a millisecond at
// a million keys); here it moves at most one chunk, and the chunk directory is a thousand times
// smaller than the key space. Keys compare by UTF-16 code units, which for the ASCII keys
// Kubernetes writes is the same as etcd's byte order.

const MAX_CHUNK = 512;

interface Chunk<V> {
  keys: string[];
  values: V[];
}

function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class SortedMap<V> {
  private chunks: Chunk<V>[] = [];
  /** First key of each chunk, for the binary search that picks a chunk. */
  private firsts: string[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Index of the chunk that holds `key` or would receive it. */
  private chunkFor(key: string): number {
    const i = lowerBound(this.firsts, key);
    if (i < this.firsts.length && this.firsts[i] === key) return i;
    return Math.max(0, i - 1);
  }

  get(key: string): V | undefined {
    if (this.count === 0) return undefined;
    const chunk = this.chunks[this.chunkFor(key)]!;
    const j = lowerBound(chunk.keys, key);
    return chunk.keys[j] === key ? chunk.values[j] : undefined;
  }

  set(key: string, value: V): void {
    if (this.chunks.length === 0) {
      this.chunks.push({ keys: [key], values: [value] });
      this.firsts.push(key);
      this.count = 1;
      return;
    }
    const ci = this.chunkFor(key);
    const chunk = this.chunks[ci]!;
    const j = lowerBound(chunk.keys, key);
    if (chunk.keys[j] === key) {
      chunk.values[j] = value;
      return;
    }
    chunk.keys.splice(j, 0, key);
    chunk.values.splice(j, 0, value);
    this.count++;
    if (j === 0) this.firsts[ci] = key;
    if (chunk.keys.length > MAX_CHUNK) {
      const half = chunk.keys.length >>> 1;
      const right: Chunk<V> = { keys: chunk.keys.splice(half), values: chunk.values.splice(half) };
      this.chunks.splice(ci + 1, 0, right);
      this.firsts.splice(ci + 1, 0, right.keys[0]!);
    }
  }

  /** The largest key, if any. */
  lastKey(): string | undefined {
    const chunk = this.chunks[this.chunks.length - 1];
    return chunk?.keys[chunk.keys.length - 1];
  }

  /**
   * Adds a key greater than every key present (bulk loading from a sorted source): chunks are
   * filled completely instead of being split in half.
   */
  append(key: string, value: V): void {
    const last = this.lastKey();
    if (last !== undefined && key <= last) throw new Error(`sorted-map: append of ${key} after ${last}`);
    const chunk = this.chunks[this.chunks.length - 1];
    if (!chunk || chunk.keys.length >= MAX_CHUNK) {
      this.chunks.push({ keys: [key], values: [value] });
      this.firsts.push(key);
    } else {
      chunk.keys.push(key);
      chunk.values.push(value);
    }
    this.count++;
  }

  delete(key: string): boolean {
    if (this.count === 0) return false;
    const ci = this.chunkFor(key);
    const chunk = this.chunks[ci]!;
    const j = lowerBound(chunk.keys, key);
    if (chunk.keys[j] !== key) return false;
    chunk.keys.splice(j, 1);
    chunk.values.splice(j, 1);
    this.count--;
    if (chunk.keys.length === 0) {
      this.chunks.splice(ci, 1);
      this.firsts.splice(ci, 1);
    } else if (j === 0) {
      this.firsts[ci] = chunk.keys[0]!;
    }
    return true;
  }

  /**
   * Entries in key order starting at `from` (inclusive, or exclusive when `exclusive`). The
   * map may change between steps: each batch resumes after the last key it returned.
   */
  *entries(from = '', exclusive = false): Generator<[string, V]> {
    const out: [string, V][] = [];
    let last = from;
    let excl = exclusive;
    for (;;) {
      out.length = 0;
      this.scan(last, excl, (k, v) => out.push([k, v]) < 256);
      if (out.length === 0) return;
      yield* out;
      last = out[out.length - 1]![0];
      excl = true;
    }
  }

  /**
   * Calls `fn` for each entry in key order from `from` (inclusive, or exclusive when
   * `exclusive`) until it returns false. The map must not be modified during the scan.
   */
  scan(from: string, exclusive: boolean, fn: (key: string, value: V) => boolean): void {
    if (this.count === 0) return;
    let ci = this.chunkFor(from);
    let j = lowerBound(this.chunks[ci]!.keys, from);
    if (exclusive && this.chunks[ci]!.keys[j] === from) j++;
    for (; ci < this.chunks.length; ci++, j = 0) {
      const chunk = this.chunks[ci]!;
      for (; j < chunk.keys.length; j++) if (!fn(chunk.keys[j]!, chunk.values[j]!)) return;
    }
  }
}
