// Per-cycle data shared by the plugins of one scheduling attempt (upstream's CycleState).
// Preemption clones it to run "what if these pods were gone" filters without touching the
// real cycle, so every value must know how to clone itself.

export interface StateData {
  /** A copy that can be mutated independently; immutable data may return itself. */
  clone(): StateData;
}

export class CycleState {
  private readonly data = new Map<string, StateData>();
  /** Filter plugins whose PreFilter returned Skip in this cycle. */
  skipFilterPlugins: ReadonlySet<string> = EMPTY;
  /** Score plugins whose PreScore returned Skip in this cycle. */
  skipScorePlugins: ReadonlySet<string> = EMPTY;

  read<T extends StateData>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }

  write(key: string, value: StateData): void {
    this.data.set(key, value);
  }

  delete(key: string): void {
    this.data.delete(key);
  }

  has(key: string): boolean {
    return this.data.has(key);
  }

  clone(): CycleState {
    const c = new CycleState();
    for (const [k, v] of this.data) c.data.set(k, v.clone());
    c.skipFilterPlugins = this.skipFilterPlugins;
    c.skipScorePlugins = this.skipScorePlugins;
    return c;
  }
}

const EMPTY: ReadonlySet<string> = new Set();
