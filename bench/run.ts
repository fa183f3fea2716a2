// Benchmark runner: `npm run bench [area ...]`.
// Runs every bench/<area>.bench.ts (or only the areas named), each exporting
// `default async function run(): Promise<Record<string, Metric>>`, writes
// bench/results/<area>.json and prints a summary table. Exits 1 when a bench throws (missed
// targets are reported, not failed on: absolute figures drift between runs on these machines).
import { readdirSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BENCH_DIR, formatTable, verdict, writeResults, type Metrics } from './lib.ts';

const SUFFIX = '.bench.ts';

async function main(): Promise<number> {
  const available = readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith(SUFFIX))
    .map((f) => f.slice(0, -SUFFIX.length))
    .sort();
  const wanted = process.argv.slice(2).map((a) => a.replace(/^bench\//, '').replace(/\.bench\.ts$/, ''));
  const unknown = wanted.filter((w) => !available.includes(w));
  if (unknown.length) {
    console.error(`bench: unknown area(s) ${unknown.join(', ')}; available: ${available.join(', ')}`);
    return 2;
  }
  const areas = wanted.length ? available.filter((a) => wanted.includes(a)) : available;

  // Other work on the machine skews every figure; say how busy it was, before and after.
  const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
  const loadBefore = load();
  const tables: string[] = [];
  const failures: string[] = [];
  let missed = 0;
  for (const area of areas) {
    const started = Date.now();
    console.error(`bench: ${area} ...`);
    try {
      const mod = (await import(pathToFileURL(join(BENCH_DIR, area + SUFFIX)).href)) as {
        default?: () => Promise<Metrics>;
      };
      if (typeof mod.default !== 'function') throw new Error(`${area}${SUFFIX} has no default export function`);
      const metrics = await mod.default();
      const file = writeResults(area, metrics);
      missed += Object.values(metrics).filter((m) => verdict(m) === 'fail').length;
      tables.push(formatTable(area, metrics));
      console.error(`bench: ${area} done in ${((Date.now() - started) / 1000).toFixed(1)} s -> ${file}`);
    } catch (err) {
      failures.push(area);
      console.error(`bench: ${area} FAILED:`, err);
    }
  }

  console.log('');
  for (const t of tables) console.log(t + '\n');
  console.log(
    `bench: ${areas.length - failures.length}/${areas.length} area(s) ran` +
      (failures.length ? `; failed: ${failures.join(', ')}` : '') +
      `; ${missed} target(s) missed`,
  );
  console.log(`bench: load average ${loadBefore} before, ${load()} after (${availableParallelism()} cores)`);
  return failures.length ? 1 : 0;
}

// Exit explicitly: clients (gRPC) or stray timers in a bench must not keep the runner alive.
main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
