// API server benchmarks, over HTTPS with the admin's client certificate, as kubectl and
// informers talk to it:
//
//   create/get     throughput (64 concurrent clients) and latency
//   paced writes   p99 latency of creates at a steady 1,000 writes/s (target < 25 ms)
//   list           list of 10,000 pods as JSON (target < 300 ms)
//   watch          100 watchers, every one receives every event
//   cold start     `kubelite up` to ready, empty and with 10,000 objects (target < 2 s)
//   idle memory    resident memory of an idle `kubelite up` (target < 150 MB)
import { spawn } from 'node:child_process';
import https from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatePki, startApiServer, type Pki } from '../src/apiserver/index.ts';
import { openStore } from '../src/storage/index.ts';
import { Samples, freePort, now, procRss, runConcurrent, sleep, summarize, tempDir, type Metrics, MiB } from './lib.ts';

const BIN = fileURLToPath(new URL('../bin/kubelite.mjs', import.meta.url));
const PODS = Number(process.env.KUBELITE_BENCH_PODS ?? 10_000);

function log(msg: string): void {
  process.stderr.write(`[apiserver ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

function pod(name: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'bench', tier: name.length % 2 ? 'a' : 'b' } },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'registry.example/app:1.0',
          ports: [{ containerPort: 8080 }],
          resources: { requests: { cpu: '100m', memory: '64Mi' } },
          env: [{ name: 'MODE', value: 'bench' }],
        },
      ],
    },
  };
}

class Client {
  private agent: https.Agent;
  private watchAgent: https.Agent;
  constructor(
    private base: string,
    pki: Pki,
  ) {
    this.agent = new https.Agent({ keepAlive: true, maxSockets: 64, ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key });
    // Watches hold their connection for good: they get their own agent with no socket limit.
    this.watchAgent = new https.Agent({ ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key });
  }

  request(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = https.request(
        `${this.base}${path}`,
        { method, agent: this.agent, headers: { Accept: 'application/json', ...(data ? { 'Content-Type': 'application/json' } : {}) } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.end(data);
    });
  }

  /** A watch stream: calls `onEvent` per line until `stop` is called. */
  watch(path: string, onEvent: (e: { type: string; object: { metadata: { name: string } } }) => void): { ready: Promise<void>; stop(): void } {
    let stop = () => {};
    const ready = new Promise<void>((resolve, reject) => {
      const req = https.request(`${this.base}${path}`, { agent: this.watchAgent }, (res) => {
        resolve();
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          buf += d;
          let i;
          while ((i = buf.indexOf('\n')) >= 0) {
            onEvent(JSON.parse(buf.slice(0, i)));
            buf = buf.slice(i + 1);
          }
        });
      });
      req.on('error', (err) => (err.message === 'aborted' ? undefined : reject(err)));
      req.end();
      stop = () => req.destroy();
    });
    return { ready, stop: () => stop() };
  }

  close(): void {
    this.agent.destroy();
    this.watchAgent.destroy();
  }
}

async function inProcess(metrics: Metrics): Promise<void> {
  const store = await openStore({ dir: tempDir('apiserver-store').path });
  const pki = await generatePki();
  const api = await startApiServer({ store, pki, port: 0 });
  const c = new Client(api.url, pki);
  try {
    // Throughput and latency of creates and gets with 64 concurrent clients.
    const createLat = new Samples();
    let t0 = now();
    await runConcurrent(PODS, 64, async (i) => {
      const s = now();
      const r = await c.request('POST', '/api/v1/namespaces/default/pods', pod(`p-${i}`));
      if (r.status !== 201) throw new Error(`create failed: ${r.status} ${r.text.slice(0, 200)}`);
      createLat.push(now() - s);
    });
    const createRate = (PODS / (now() - t0)) * 1000;
    const cs = summarize(createLat.values());
    metrics['create.throughput'] = { value: createRate, unit: 'ops/s' };
    metrics['create.p50'] = { value: cs.p50, unit: 'ms' };
    metrics['create.p99'] = { value: cs.p99, unit: 'ms' };
    log(`create: ${Math.round(createRate)}/s p50 ${cs.p50.toFixed(2)} p99 ${cs.p99.toFixed(2)} ms`);

    const getLat = new Samples();
    t0 = now();
    await runConcurrent(PODS, 64, async (i) => {
      const s = now();
      const r = await c.request('GET', `/api/v1/namespaces/default/pods/p-${i}`);
      if (r.status !== 200) throw new Error(`get failed: ${r.status}`);
      getLat.push(now() - s);
    });
    const gs = summarize(getLat.values());
    metrics['get.throughput'] = { value: (PODS / (now() - t0)) * 1000, unit: 'ops/s' };
    metrics['get.p50'] = { value: gs.p50, unit: 'ms' };
    metrics['get.p99'] = { value: gs.p99, unit: 'ms' };

    // List of all pods, as JSON.
    const listLat = new Samples();
    for (let i = 0; i < 10; i++) {
      const s = now();
      const r = await c.request('GET', '/api/v1/namespaces/default/pods');
      const items = (JSON.parse(r.text) as { items: unknown[] }).items.length;
      if (items !== PODS) throw new Error(`list returned ${items} pods`);
      listLat.push(now() - s);
    }
    const ls = summarize(listLat.values());
    metrics[`list.${PODS}_pods.p50`] = { value: ls.p50, unit: 'ms', target: 300 };
    log(`list of ${PODS} pods: p50 ${ls.p50.toFixed(0)} ms, max ${ls.max.toFixed(0)} ms`);

    // 100 watchers; every event must reach every watcher.
    const WATCHERS = 100;
    const EVENTS = 200;
    const got = new Array<number>(WATCHERS).fill(0);
    const watchLat = new Samples();
    const sentAt = new Map<string, number>();
    const watches = Array.from({ length: WATCHERS }, (_, w) =>
      c.watch('/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=' + 0, (e) => {
        // The namespace's own kube-root-ca.crt arrives too (resourceVersion 0 lists first).
        if (e.type !== 'ADDED' || !e.object.metadata.name.startsWith('w-')) return;
        got[w]!++;
        const at = sentAt.get(e.object.metadata.name);
        if (at !== undefined) watchLat.push(now() - at);
      }),
    );
    await Promise.all(watches.map((w) => w.ready));
    for (let i = 0; i < EVENTS; i++) {
      const name = `w-${i}`;
      sentAt.set(name, now());
      await c.request('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name }, data: { i: String(i) } });
      await sleep(2);
    }
    const until = now() + 10_000;
    while (got.some((n) => n < EVENTS) && now() < until) await sleep(20);
    for (const w of watches) w.stop();
    const complete = got.filter((n) => n === EVENTS).length;
    const ws = summarize(watchLat.values());
    metrics['watch.100_watchers.complete'] = { value: complete, unit: 'watchers', target: WATCHERS, better: 'higher' };
    metrics['watch.100_watchers.p50'] = { value: ws.p50, unit: 'ms' };
    metrics['watch.100_watchers.p99'] = { value: ws.p99, unit: 'ms' };
    log(`watch: ${complete}/${WATCHERS} watchers got all ${EVENTS} events; p50 ${ws.p50.toFixed(2)} p99 ${ws.p99.toFixed(2)} ms`);

    // Creates paced at 1,000/s for 10 s: every one's latency counts.
    const RATE = 1000;
    const SECONDS = 10;
    const paced = new Samples();
    const start = now();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < RATE * SECONDS; i++) {
      const due = start + (i * 1000) / RATE;
      const wait = due - now();
      if (wait > 1) await sleep(wait);
      pending.push(
        (async () => {
          const s = now();
          const r = await c.request('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: `paced-${i}` }, data: { v: 'x'.repeat(200) } });
          if (r.status !== 201) throw new Error(`paced create failed: ${r.status}`);
          paced.push(now() - s);
        })(),
      );
    }
    await Promise.all(pending);
    const achieved = ((RATE * SECONDS) / (now() - start)) * 1000;
    const ps = summarize(paced.values());
    metrics['write_1000_per_s.p50'] = { value: ps.p50, unit: 'ms' };
    metrics['write_1000_per_s.p99'] = { value: ps.p99, unit: 'ms', target: 25, better: 'lower' };
    metrics['write_1000_per_s.achieved'] = { value: achieved, unit: 'ops/s' };
    log(`paced writes: ${Math.round(achieved)}/s achieved, p50 ${ps.p50.toFixed(2)} p99 ${ps.p99.toFixed(2)} ms`);
  } finally {
    c.close();
    await api.close();
    await store.close();
  }
}

/** Starts `kubelite up` as a user would and waits for its ready line. */
function up(dataDir: string, port: number): Promise<{ ms: number; pid: number; stop(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const t0 = now();
    const child = spawn(process.execPath, [BIN, 'up', '--data-dir', dataDir, '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('API server ready')) {
        resolve({
          ms: now() - t0,
          pid: child.pid!,
          stop: async () => {
            child.kill('SIGINT');
            await exited;
          },
        });
      }
    });
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => reject(new Error(`kubelite up exited (${code}) before ready: ${out}`)));
  });
}

async function coldStart(metrics: Metrics): Promise<void> {
  const dir = tempDir('apiserver-up');
  try {
    const port = await freePort();
    const first = await up(dir.path, port);
    metrics['cold_start.empty'] = { value: first.ms, unit: 'ms', target: 2000, better: 'lower' };
    log(`cold start (empty data dir): ${first.ms.toFixed(0)} ms`);
    // Idle memory: settle, then read the process's resident set.
    await sleep(3000);
    const rss = procRss(first.pid);
    if (rss) metrics['idle_rss'] = { value: rss.rss / MiB, unit: 'MiB', target: 150, better: 'lower' };
    log(`idle resident memory: ${((rss?.rss ?? 0) / MiB).toFixed(0)} MiB`);

    // Fill it with objects through the API, then restart.
    const pki = {
      ca: { cert: await readText(join(dir.path, 'pki', 'ca.crt')), key: '' },
      admin: { cert: await readText(join(dir.path, 'pki', 'admin.crt')), key: await readText(join(dir.path, 'pki', 'admin.key')) },
      server: { cert: '', key: '' },
      serviceAccountKey: '',
    };
    const c = new Client(`https://127.0.0.1:${port}`, pki);
    await runConcurrent(PODS, 64, async (i) => {
      const r = await c.request('POST', '/api/v1/namespaces/default/pods', pod(`p-${i}`));
      if (r.status !== 201) throw new Error(`create failed: ${r.status}`);
    });
    c.close();
    await first.stop();
    const second = await up(dir.path, port);
    metrics[`cold_start.${PODS}_objects`] = { value: second.ms, unit: 'ms', target: 2000, better: 'lower' };
    log(`cold start with ${PODS} objects: ${second.ms.toFixed(0)} ms`);
    await second.stop();
  } finally {
    dir.remove();
  }
}

async function readText(p: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  return readFile(p, 'utf8');
}

export default async function run(): Promise<Metrics> {
  const metrics: Metrics = {};
  await inProcess(metrics);
  await coldStart(metrics);
  return metrics;
}
