// Fuzz: tens of thousands of random and mutated requests against the API server's handler.
// The server must stay up, and every answer must be a well-formed Status (whose code matches
// the HTTP status), an object, a list, a table, or upstream's plain-text 404 for unknown paths.
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { ResourceRegistry } from '../src/api/registry.ts';
import { NamespaceLifecycle } from '../src/apiserver/namespaces.ts';
import { tablePresenter } from '../src/apiserver/present.ts';
import { ResourceStore } from '../src/apiserver/rest.ts';
import { patcher } from '../src/apiserver/patch.ts';
import { answerClientErrors, createApiHandler } from '../src/apiserver/server.ts';
import { openStore, type EmbeddedStore } from '../src/storage/index.ts';
import { realClock } from '../src/util/clock.ts';
import { seededRandom } from '../src/util/random.ts';

const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 20_000);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);

let server: http.Server;
let store: EmbeddedStore;
let port = 0;
let lifecycle: NamespaceLifecycle;

before(async () => {
  store = await openStore({ maxWatcherLag: 1000 });
  const registry = new ResourceRegistry();
  const rest = new ResourceStore(store, realClock);
  lifecycle = new NamespaceLifecycle(rest, registry);
  for (const name of ['default', 'kube-system']) await rest.create(registry.get('', 'v1', 'namespaces')!, undefined, { metadata: { name } });
  server = http.createServer(
    createApiHandler({
      registry,
      rest,
      presenter: tablePresenter(),
      patcher,
      serverAddress: '127.0.0.1:0',
      ready: () => true,
      onNamespaceTerminating: (n) => lifecycle.start(n),
    }),
  );
  answerClientErrors(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  await lifecycle.stop();
  await new Promise<void>((r) => server.close(() => r()));
  server.closeAllConnections();
  await store.close();
});

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

function request(method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent, timeout: 5000 }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        data += d;
        // Watches stream until their timeout: the first lines are enough.
        if (data.length > 64 * 1024 || (path.includes('watch') && data.includes('\n'))) req.destroy();
      });
      const done = () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: data });
      res.on('end', done);
      res.on('close', done);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${path}`)));
    req.on('error', (err) => {
      // Streams we cut short, and the connection the server closes after refusing a request
      // its HTTP parser could not take (an unknown method), end the exchange without a reply.
      const cutByUs = req.destroyed && !(err as Error).message.startsWith('timeout');
      // So does a body the server refused (413) before reading it all.
      const refusedBody = (body?.length ?? 0) > 3 * 1024 * 1024;
      if (cutByUs || method === 'BREW' || refusedBody) resolve({ status: -1, type: '', body: '' });
      else reject(new Error(`${method} ${path}: ${(err as Error).message}`));
    });
    req.end(body);
  });
}

const RESOURCES = ['/api/v1/namespaces/default/configmaps', '/api/v1/namespaces', '/api/v1/namespaces/default/pods', '/apis/apps/v1/namespaces/default/deployments', '/api/v1/nodes', '/apis/apps/v1/namespaces/default/deployments/web/scale', '/api/v1/namespaces/default/pods/p/status', '/apis/batch/v1/jobs', '/api/v1/namespaces/kube-system/secrets'];
const SEGMENTS = ['', '..', '%00', '%ff', '%C3%A9', 'a'.repeat(300), 'UPPER', 'a%20b', '-', '.', 'watch', 'namespaces', 'v1', 'status', 'scale', 'x/y', '%2F'];
const VALID: unknown[] = [
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', labels: { a: 'b' } }, data: { k: 'v' } },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fz' } },
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
];
const ODD: unknown[] = [null, true, 0, -1, 1e308, '', 'x', [], [1], {}, { '': '' }, { __proto__: { a: 1 } }, 'a'.repeat(10_000)];

function mutate(rand: () => number, v: unknown, depth = 0): unknown {
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
  if (rand() < 0.15 || depth > 6) return pick(ODD);
  if (Array.isArray(v)) return v.map((x) => mutate(rand, x, depth + 1));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (rand() < 0.1) continue;
      out[rand() < 0.05 ? pick(['metadata', 'spec', 'status', 'kind', 'apiVersion', 'x']) : k] = rand() < 0.7 ? mutate(rand, x, depth + 1) : x;
    }
    return out;
  }
  return rand() < 0.5 ? v : pick(ODD);
}

function randomRequest(rand: () => number): { method: string; path: string; headers: Record<string, string>; body?: Buffer } {
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const method = pick(['GET', 'GET', 'GET', 'POST', 'POST', 'PUT', 'PATCH', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'BREW']);
  let path = pick(RESOURCES);
  if (rand() < 0.5) path += '/' + pick(['cm', 'web', 'p', 'fz', 'default', ...SEGMENTS]);
  if (rand() < 0.2) path = path.split('/').map((s) => (rand() < 0.15 ? pick(SEGMENTS) : s)).join('/');
  if (!path.startsWith('/')) path = `/${path}`;
  const q = new URLSearchParams();
  const params: [string, string[]][] = [
    ['labelSelector', ['a=b', 'a in (b,c)', '!a', 'a==', '(((', 'a notin ()', 'x'.repeat(400)]],
    ['fieldSelector', ['metadata.name=cm', 'spec.nodeName=n', 'bogus=1', '=', 'a!=b']],
    ['limit', ['1', '0', '-5', 'abc', '99999999999999999999']],
    ['continue', ['abc', 'eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MSwic3RhcnQiOiJ4In0=', '']],
    ['resourceVersion', ['0', '1', 'abc', '-1', '99999999']],
    ['resourceVersionMatch', ['Exact', 'NotOlderThan', 'Nope']],
    ['watch', ['true', '1', 'false']],
    ['timeoutSeconds', ['1']],
    ['dryRun', ['All', 'None']],
    ['propagationPolicy', ['Foreground', 'Background', 'Orphan', 'Sideways']],
    ['gracePeriodSeconds', ['0', '-1', 'x']],
    ['sendInitialEvents', ['true', 'false']],
    ['allowWatchBookmarks', ['true']],
  ];
  for (const [name, values] of params) if (rand() < 0.12) q.set(name, pick(values));
  if (q.get('watch') === 'true' || q.get('watch') === '1') q.set('timeoutSeconds', '1');
  const qs = q.toString();
  const headers: Record<string, string> = {};
  headers['Accept'] = pick([
    'application/json',
    'application/json;as=Table;v=v1;g=meta.k8s.io',
    'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io',
    'application/yaml',
    'application/vnd.kubernetes.protobuf',
    '*/*',
    'text/html',
    '',
  ]);
  let body: Buffer | undefined;
  if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) {
    headers['Content-Type'] = pick([
      'application/json',
      'application/yaml',
      'application/merge-patch+json',
      'application/strategic-merge-patch+json',
      'application/json-patch+json',
      'application/apply-patch+yaml',
      'text/plain',
      'application/vnd.kubernetes.protobuf',
    ]);
    const r = rand();
    if (r < 0.6) body = Buffer.from(JSON.stringify(mutate(rand, pick(VALID))));
    else if (r < 0.75) body = Buffer.from(JSON.stringify(pick(VALID)).slice(0, Math.floor(rand() * 80)));
    else if (r < 0.85) body = Buffer.from(Array.from({ length: Math.floor(rand() * 200) }, () => Math.floor(rand() * 256)));
    else if (r < 0.9) body = Buffer.from('a: &a [*a]\nb: !!binary x\n---\n- [[[[');
    else if (r < 0.93) body = Buffer.alloc(3 * 1024 * 1024 + 10, 0x20);
    else body = Buffer.from('['.repeat(5000) + ']'.repeat(5000));
  }
  if (!headers['Accept']) delete headers['Accept'];
  return { method, path: path + (qs ? `?${qs}` : ''), headers, ...(body ? { body } : {}) };
}

function checkResponse(req: { method: string; path: string }, res: { status: number; type: string; body: string }): void {
  const where = `${req.method} ${req.path} -> ${res.status} ${res.body.slice(0, 300)}`;
  if (res.status === -1) return; // we cut a stream short ourselves
  assert.ok(res.status >= 200 && res.status < 600, where);
  assert.ok(res.status !== 500, `no internal errors: ${where}`);
  if (req.method === 'HEAD' || res.status === 304) return;
  if (res.type.startsWith('text/plain')) {
    assert.ok([200, 404, 503].includes(res.status), where);
    return;
  }
  if (res.type.startsWith('application/yaml')) return;
  const lines = req.path.includes('watch') && res.status === 200 ? res.body.split('\n').filter(Boolean) : [res.body];
  for (const line of lines) {
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(line) as Record<string, unknown>;
    } catch {
      if (lines.length > 1) continue; // a watch line cut short by us
      throw new assert.AssertionError({ message: `not JSON: ${where}` });
    }
    assert.equal(typeof doc, 'object', where);
    if (doc.kind === 'Status' && doc.status === 'Failure') {
      assert.equal(doc.code, res.status, `Status code matches HTTP status: ${where}`);
      assert.equal(typeof doc.message, 'string', where);
      assert.equal(typeof doc.reason, 'string', where);
    } else if (lines.length > 1 || 'type' in doc) {
      assert.ok(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR'].includes(doc.type as string), where);
    } else {
      assert.ok(typeof doc.kind === 'string', `objects carry a kind: ${where}`);
    }
  }
}

test(`${REQUESTS} random and mutated requests never crash the server or answer malformed (seed ${SEED})`, async () => {
  const rand = seededRandom(SEED);
  const reqs = Array.from({ length: REQUESTS }, () => randomRequest(rand));
  let i = 0;
  await Promise.all(
    Array.from({ length: process.env.FUZZ_SERIAL ? 1 : 16 }, async () => {
      while (i < reqs.length) {
        const r = reqs[i++]!;
        if (process.env.FUZZ_LOG) appendFileSync(process.env.FUZZ_LOG, `${r.method} ${r.path} ${JSON.stringify(r.headers)} ${r.body?.subarray(0, 2000).toString('utf8') ?? ''}\n`);
        const started = performance.now();
        const res = await request(r.method, r.path, r.headers, r.body);
        const took = performance.now() - started;
        if (process.env.FUZZ_LOG && took > 500) appendFileSync(process.env.FUZZ_LOG, `SLOW ${took.toFixed(0)} ms: ${r.method} ${r.path} ${r.body?.subarray(0, 300).toString('utf8') ?? ''}\n`);
        checkResponse(r, res);
      }
    }),
  );
  const health = await request('GET', '/healthz', {});
  assert.equal(health.status, 200);
  const created = await request('POST', '/api/v1/namespaces/default/configmaps', { 'Content-Type': 'application/json' }, Buffer.from(JSON.stringify({ metadata: { name: `after-fuzz` }, data: { ok: 'yes' } })));
  assert.equal(created.status, 201, created.body);
});
