// Runs the store conformance suite against the embedded engine, memory-only and durable.

import { after } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../util/clock.ts';
import { storeConformance } from './conformance.ts';
import { openStore } from './index.ts';
import type { EngineOptions } from './index.ts';
import type { Store } from './types.ts';

const MAX_WATCHER_LAG = 64;
const START = 1_700_000_000_000;

{
  const clock = new ManualClock(START);
  storeConformance('engine (memory)', {
    open: () => openStore({ clock, maxWatcherLag: MAX_WATCHER_LAG }),
    clock,
    maxWatcherLag: MAX_WATCHER_LAG,
  });
}

/** A durable engine per test in a fresh directory, with close-and-reopen of the same data. */
function durable(name: string, extra: EngineOptions = {}): void {
  const clock = new ManualClock(START);
  const root = mkdtempSync(join(tmpdir(), 'kubelite-conformance-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  let current: { store: Store; options: EngineOptions } | undefined;
  storeConformance(name, {
    async open() {
      const options: EngineOptions = {
        dir: join(root, String(++n)),
        clock,
        maxWatcherLag: MAX_WATCHER_LAG,
        fsync: false,
        ...extra,
      };
      current = { store: await openStore(options), options };
      return current.store;
    },
    async reopen() {
      if (!current) throw new Error('reopen before open');
      await current.store.close();
      current = { store: await openStore(current.options), options: current.options };
      return current.store;
    },
    clock,
    maxWatcherLag: MAX_WATCHER_LAG,
  });
}

durable('engine (durable)');
// Tiny log segments and frequent snapshots: the same contract must hold while the engine
// rolls segments and snapshots under every test.
durable('engine (durable, tiny segments and snapshots)', { segmentBytes: 512, snapshotEveryBytes: 2048 });
