// Scale run (not in CI: minutes long): upstream's scalability limits, 5,000 nodes and 150,000
// pods, held by one process on simulated nodes. The API server, the scheduler and the
// simulator (which runs every pod through its stages: bound → Running) all talk HTTPS through
// the client. Pods are created through the API (64 concurrent clients) while the scheduler
// places them. Reported: scheduling rate, API latency (p50/p99 of the creates and of a probe
// of GETs during the run), and the process's memory at the end.
//
//   KUBELITE_BENCH_SCALE_NODES (5000), KUBELITE_BENCH_SCALE_PODS (150000)
import https from 'node:https';
import { generatePki, issueClientCertificate, startApiServer } from '../src/apiserver/index.ts';
import { Client, resources } from '../src/client/index.ts';
import { startScheduler } from '../src/scheduler/run.ts';
import { SimNodes } from '../src/sim/nodes.ts';
import { openStore } from '../src/storage/index.ts';
import { GiB, MiB, Samples, followPods, now, procRss, runConcurrent, sleep, summarize, type Metrics } from './lib.ts';

const NODES = Number(process.env.KUBELITE_BENCH_SCALE_NODES ?? 5000);
const PODS = Number(process.env.KUBELITE_BENCH_SCALE_PODS ?? 150_000);

function log(msg: string): void {
  process.stderr.write(`[scale ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

export default async function run(): Promise<Metrics> {
  const store = await openStore({});
  const pki = await generatePki();
  const api = await startApiServer({ store, pki, port: 0 });
  const admin = () => new Client({ server: api.url, ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key, maxSockets: 64 });
  const simClient = admin();
  const sim = new SimNodes({ client: simClient, config: { nodes: [{ prefix: 'node', count: NODES, capacity: { cpu: '32', memory: '256Gi', pods: '110' } }], heartbeatSeconds: 10 } });
  let t = now();
  await sim.start();
  log(`${NODES} simulated nodes up in ${((now() - t) / 1000).toFixed(1)} s`);
  const schedClient = new Client({ server: api.url, ca: pki.ca.cert, ...(await issueClientCertificate(pki.ca, 'CN=system:kube-scheduler')) });
  const sched = startScheduler({ client: schedClient, onError: () => undefined });
  await sched.started;

  // A probe: one GET of a node every 100 ms, timed, while everything else runs.
  const probe = new Samples();
  let probing = true;
  const agent = new https.Agent({ keepAlive: true, ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key });
  const probeLoop = (async () => {
    while (probing) {
      const s = now();
      await new Promise<void>((resolve) => {
        https.get(`${api.url}/api/v1/nodes/node-0`, { agent }, (res) => res.resume().on('end', () => resolve())).on('error', () => resolve());
      });
      probe.push(now() - s);
      await sleep(100);
    }
  })();

  const creator = admin();
  const createLatency = new Samples();
  let bound = 0;
  const nsCount = Math.ceil(PODS / 5000);
  for (let n = 0; n < nsCount; n++) await creator.create(resources.namespaces, undefined, { metadata: { name: `load-${n}` } });
  const follower = followPods(store, { onBound: () => void bound++ });
  t = now();
  await runConcurrent(PODS, 64, async (i) => {
    const s = now();
    await creator.create(resources.pods, `load-${i % nsCount}`, {
      metadata: { name: `p-${i}`, labels: { app: `app-${i % 100}` } },
      spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
    });
    createLatency.push(now() - s);
    if (i % 10_000 === 0) log(`created ${i}, bound ${bound}, rss ${((procRss(process.pid)?.rss ?? 0) / MiB).toFixed(0)} MiB`);
  });
  const createdMs = now() - t;
  while (bound < PODS) await sleep(100);
  const boundMs = now() - t;
  // Let the simulator bring the last pods to Running.
  await sleep(3000);
  probing = false;
  await probeLoop;
  const rss = procRss(process.pid);
  const creates = summarize(createLatency.values());
  const gets = summarize(probe.values());
  log(`created ${PODS} pods in ${(createdMs / 1000).toFixed(1)} s; all bound after ${(boundMs / 1000).toFixed(1)} s`);
  log(`create latency p50 ${creates.p50.toFixed(1)} ms p99 ${creates.p99.toFixed(1)} ms; probe GET p50 ${gets.p50.toFixed(1)} ms p99 ${gets.p99.toFixed(1)} ms`);
  log(`resident memory ${((rss?.rss ?? 0) / MiB).toFixed(0)} MiB (peak ${((rss?.peak ?? 0) / MiB).toFixed(0)} MiB)`);
  // Tearing down a 13 GiB heap can take minutes; the figures are in, so it gets 30 s.
  await Promise.race([
    (async () => {
      await follower.stop();
      await sched.stop();
      await sim.stop();
      for (const c of [schedClient, simClient, creator]) c.close();
      agent.destroy();
      await api.close();
      await store.close();
    })(),
    sleep(30_000).then(() => log('teardown still running after 30 s; leaving it')),
  ]);
  return {
    [`scheduling_rate.${NODES}_nodes_${PODS}_pods`]: { value: (PODS * 1000) / boundMs, unit: 'pods/s', better: 'higher' },
    'create_latency.p99': { value: creates.p99, unit: 'ms', better: 'lower' },
    'get_latency_during_run.p99': { value: gets.p99, unit: 'ms', better: 'lower' },
    'peak_rss': { value: (rss?.peak ?? 0) / MiB, unit: 'MiB', target: (24 * GiB) / MiB, better: 'lower' },
  };
}
