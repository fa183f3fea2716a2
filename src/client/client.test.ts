import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client, type WatchEvent } from './client.ts';
import { ApiError, isAlreadyExists, isConflict, isGone, isNotFound } from './errors.ts';
import { JsonObjectStream } from './json-stream.ts';
import { resources as R } from './resources.ts';
import { startEnv, type TestEnv } from './test-env.ts';

const cm = (name: string, data: Record<string, string> = {}, labels?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...(labels ? { labels } : {}) },
  data,
});

async function rejects(p: Promise<unknown>, check: (e: ApiError) => void): Promise<void> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApiError, `expected an ApiError, got ${err}`);
    check(err);
    return;
  }
  assert.fail('expected the request to fail');
}

describe('Client against the API server', () => {
  let env: TestEnv;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubelite-client-'));
    const tokens = join(dir, 'tokens.csv');
    writeFileSync(tokens, 'jane-token,jane,1001,"devs"\n');
    env = await startEnv({ bookmarkEveryMs: 50, tokenAuthFile: tokens });
  });
  after(async () => {
    await env.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('create, get, list, update, patch and delete a ConfigMap', async () => {
    const c = env.client;
    const created = await c.create(R.configmaps, 'default', cm('crud', { a: '1' }, { app: 'crud' }));
    assert.equal(created.metadata.namespace, 'default');
    assert.ok(created.metadata.uid);

    const got = await c.get(R.configmaps, 'default', 'crud');
    assert.deepEqual(got.data, { a: '1' });

    const listed = await c.list(R.configmaps, 'default', { labelSelector: 'app=crud' });
    assert.deepEqual(listed.items.map((i) => i.metadata.name), ['crud']);
    // Items come back with their type, which the wire format leaves out.
    assert.equal(listed.items[0]!.kind, 'ConfigMap');
    assert.equal(listed.items[0]!.apiVersion, 'v1');
    assert.match(listed.metadata.resourceVersion, /^\d+$/);

    got.data = { ...got.data, b: '2' };
    const updated = await c.update(R.configmaps, 'default', got);
    assert.deepEqual(updated.data, { a: '1', b: '2' });
    assert.notEqual(updated.metadata.resourceVersion, got.metadata.resourceVersion);

    const merged = await c.patch(R.configmaps, 'default', 'crud', 'merge', { data: { a: null, c: '3' } });
    assert.deepEqual(merged.data, { b: '2', c: '3' });
    const jsonPatched = await c.patch(R.configmaps, 'default', 'crud', 'json', [{ op: 'replace', path: '/data/b', value: 'two' }]);
    assert.equal(jsonPatched.data.b, 'two');
    const strategic = await c.patch(R.configmaps, 'default', 'crud', 'strategic', { metadata: { labels: { tier: 'x' } } });
    assert.deepEqual(strategic.metadata.labels, { app: 'crud', tier: 'x' });

    const applied = await c.patch(R.configmaps, 'default', 'crud', 'apply', cm('crud', { d: 'applied' }), { fieldManager: 'client-test' });
    assert.equal(applied.data.d, 'applied');
    assert.ok(applied.metadata.managedFields.some((f: { manager: string; operation: string }) => f.manager === 'client-test' && f.operation === 'Apply'));
    // Another manager's apply of a field client-test owns conflicts unless forced.
    await rejects(c.patch(R.configmaps, 'default', 'crud', 'apply', cm('crud', { d: 'other' }), { fieldManager: 'other' }), (e) => {
      assert.equal(e.code, 409);
      assert.ok(isConflict(e));
    });
    const forced = await c.patch(R.configmaps, 'default', 'crud', 'apply', cm('crud', { d: 'other' }), { fieldManager: 'other', force: true });
    assert.equal(forced.data.d, 'other');

    const status = await c.delete(R.configmaps, 'default', 'crud');
    assert.equal(status.kind, 'Status');
    await rejects(c.get(R.configmaps, 'default', 'crud'), (e) => {
      assert.ok(isNotFound(e));
      assert.equal(e.reason, 'NotFound');
      assert.equal(e.message, 'configmaps "crud" not found');
      assert.equal(e.status.details?.name, 'crud');
    });
  });

  test('errors carry the Status: AlreadyExists, Conflict, failed preconditions, Invalid', async () => {
    const c = env.client;
    const first = await c.create(R.configmaps, 'default', cm('errs'));
    await rejects(c.create(R.configmaps, 'default', cm('errs')), (e) => {
      assert.ok(isAlreadyExists(e));
      assert.ok(!isConflict(e));
      assert.equal(e.code, 409);
      assert.equal(e.message, 'configmaps "errs" already exists');
    });
    await c.update(R.configmaps, 'default', { ...first, data: { v: 'new' } });
    // The first version is stale now.
    await rejects(c.update(R.configmaps, 'default', { ...first, data: { v: 'stale' } }), (e) => {
      assert.ok(isConflict(e));
      assert.equal(e.reason, 'Conflict');
    });
    await rejects(c.delete(R.configmaps, 'default', 'errs', { preconditions: { uid: 'not-the-uid' } }), (e) => assert.ok(isConflict(e)));
    await rejects(c.create(R.configmaps, 'default', cm('Not_Valid')), (e) => {
      assert.equal(e.code, 422);
      assert.equal(e.reason, 'Invalid');
    });
    assert.ok(!isNotFound(new Error('plain')));
    await c.delete(R.configmaps, 'default', 'errs', { preconditions: { uid: first.metadata.uid }, gracePeriodSeconds: 0, propagationPolicy: 'Background' });
    await rejects(c.get(R.configmaps, 'default', 'errs'), (e) => assert.ok(isNotFound(e)));
  });

  test('lists page with limit and continue; listAll reads every page', async () => {
    const c = env.client;
    await c.create(R.namespaces, undefined, { metadata: { name: 'paged' } });
    for (let i = 0; i < 5; i++) await c.create(R.configmaps, 'paged', cm(`p${i}`, {}, { paged: 'yes' }));
    const page = await c.list(R.configmaps, 'paged', { limit: 2, labelSelector: 'paged=yes' });
    assert.equal(page.items.length, 2);
    assert.ok(page.metadata.continue);
    const next = await c.list(R.configmaps, 'paged', { limit: 2, labelSelector: 'paged=yes', continue: page.metadata.continue });
    assert.deepEqual(next.items.map((i) => i.metadata.name), ['p2', 'p3']);
    const all = await c.listAll(R.configmaps, 'paged', { limit: 2, labelSelector: 'paged=yes' });
    assert.deepEqual(all.items.map((i) => i.metadata.name), ['p0', 'p1', 'p2', 'p3', 'p4']);
    assert.equal(all.metadata.continue, undefined);
    const byField = await c.list(R.configmaps, undefined, { fieldSelector: 'metadata.name=p4' });
    assert.deepEqual(byField.items.map((i) => `${i.metadata.namespace}/${i.metadata.name}`), ['paged/p4']);
  });

  test('status and scale subresources', async () => {
    const c = env.client;
    const dep = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
      },
    };
    const created = await c.create(R.deployments, 'default', dep);
    const withStatus = await c.updateStatus(R.deployments, 'default', { ...created, status: { replicas: 1, observedGeneration: 1 } });
    assert.equal(withStatus.status.observedGeneration, 1);
    const scale = await c.getScale(R.deployments, 'default', 'web');
    assert.equal(scale.kind, 'Scale');
    assert.equal(scale.spec.replicas, 1);
    await c.scale(R.deployments, 'default', 'web', 3);
    assert.equal((await c.get(R.deployments, 'default', 'web')).spec.replicas, 3);
  });

  test('a bearer token authenticates like any client and passes through authorization', async () => {
    const jane = new Client({ server: env.api.url, ca: env.pki.ca.cert, token: 'jane-token' });
    const stranger = new Client({ server: env.api.url, ca: env.pki.ca.cert, token: 'unknown' });
    try {
      await rejects(jane.list(R.configmaps, 'default'), (e) => {
        assert.equal(e.code, 403);
        assert.equal(e.message, 'configmaps is forbidden: User "jane" cannot list resource "configmaps" in API group "" in the namespace "default"');
      });
      await rejects(stranger.list(R.configmaps, 'default'), (e) => assert.equal(e.code, 401));
    } finally {
      jane.close();
      stranger.close();
    }
  });

  test('watch streams ADDED, MODIFIED, DELETED and BOOKMARK events, and stops on abort', async () => {
    const c = env.client;
    await c.create(R.namespaces, undefined, { metadata: { name: 'watched' } });
    const start = (await c.list(R.configmaps, 'watched')).metadata.resourceVersion;
    const ac = new AbortController();
    const seen: WatchEvent[] = [];
    const done = (async () => {
      for await (const e of c.watch(R.configmaps, 'watched', { resourceVersion: start, allowWatchBookmarks: true }, ac.signal)) {
        seen.push(e);
        if (e.type === 'BOOKMARK' && seen.some((s) => s.type === 'DELETED')) ac.abort();
      }
    })();
    const w = await c.create(R.configmaps, 'watched', cm('w1', { v: '1' }));
    await c.update(R.configmaps, 'watched', { ...w, data: { v: '2' } });
    await c.delete(R.configmaps, 'watched', 'w1');
    await done;
    const changes = seen.filter((e) => e.type !== 'BOOKMARK');
    assert.deepEqual(changes.map((e) => [e.type, e.object.metadata?.name]), [
      ['ADDED', 'w1'],
      ['MODIFIED', 'w1'],
      ['DELETED', 'w1'],
    ]);
    assert.equal(changes[1]!.type !== 'ERROR' && changes[1]!.object.data.v, '2');
    const bookmark = seen.at(-1)!;
    assert.equal(bookmark.type, 'BOOKMARK');
    assert.equal(bookmark.object.kind, 'ConfigMap');
    assert.ok(Number(bookmark.object.metadata.resourceVersion) >= Number(changes[2]!.object.metadata.resourceVersion));
  });

  test('a watch from a compacted resourceVersion ends with a 410 ERROR event', async () => {
    const c = env.client;
    const old = (await c.list(R.configmaps, 'default')).metadata.resourceVersion;
    await c.create(R.configmaps, 'default', cm('compact-me'));
    await c.delete(R.configmaps, 'default', 'compact-me');
    await env.store.compact((await env.store.status()).revision);
    const events: WatchEvent[] = [];
    for await (const e of c.watch(R.configmaps, 'default', { resourceVersion: old })) events.push(e);
    assert.equal(events.length, 1);
    const e = events[0]!;
    assert.equal(e.type, 'ERROR');
    assert.ok(e.type === 'ERROR' && isGone(new ApiError(e.object)));
    assert.match(String(e.object.message), /^too old resource version: \d+ \(\d+\)$/);
  });

  test('fromKubeconfig reads a file, with the context\'s namespace and a token user', async () => {
    const path = join(dir, 'kubeconfig');
    writeFileSync(path, env.kubeconfig);
    const admin = Client.fromKubeconfig(path);
    assert.equal(admin.namespace, 'default');
    assert.equal((await admin.get(R.namespaces, undefined, 'kube-system')).metadata.name, 'kube-system');
    admin.close();
    writeFileSync(join(dir, 'ca.crt'), env.pki.ca.cert);
    writeFileSync(join(dir, 'token'), 'jane-token\n');
    const jane = Client.fromKubeconfig(
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: c, cluster: {server: "' + env.api.url + '", certificate-authority: ' + join(dir, 'ca.crt') + '}}]',
        'users: [{name: j, user: {tokenFile: ' + join(dir, 'token') + '}}, {name: other, user: {token: nope}}]',
        'contexts: [{name: x, context: {cluster: c, user: j, namespace: team}}, {name: y, context: {cluster: c, user: other}}]',
        'current-context: x',
      ].join('\n'),
    );
    assert.equal(jane.namespace, 'team');
    await rejects(jane.list(R.configmaps, 'team'), (e) => assert.equal(e.code, 403, 'authenticated as jane, then not authorized'));
    jane.close();
    assert.throws(() => Client.fromKubeconfig('current-context: missing\ncontexts: []\n'), /context "missing" not found/);
  });

  test('the client counts requests in flight and refuses a namespaced call without a namespace', async () => {
    const c = env.newClient();
    assert.equal(c.inFlight, 0);
    const p = Promise.all([c.get(R.namespaces, undefined, 'default'), c.get(R.namespaces, undefined, 'kube-system')]);
    assert.equal(c.inFlight, 2);
    await p;
    assert.equal(c.inFlight, 0);
    await assert.rejects(c.get(R.configmaps, undefined, 'x'), /namespaced: a namespace is required/);
  });
});

describe('Client against a scripted HTTPS server', () => {
  let env: TestEnv;
  let server: https.Server;
  let url: string;
  const requests: Array<{ method: string; url: string; headers: Record<string, unknown>; body: string; port: number }> = [];
  let respond: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void = () => {};
  before(async () => {
    env = await startEnv();
    server = https.createServer({ key: env.pki.server.key, cert: env.pki.server.cert }, (req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        requests.push({ method: req.method!, url: req.url!, headers: req.headers, body, port: req.socket.remotePort ?? 0 });
        respond(req, res);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await env.close();
  });

  test('bind, evict and delete options go where client-go sends them', async () => {
    const c = new Client({ server: url, ca: env.pki.ca.cert, token: 't0k', userAgent: 'kube-scheduler/test' });
    respond = (_req, res) => res.writeHead(201, { 'Content-Type': 'application/json' }).end('{"kind":"Status","apiVersion":"v1","status":"Success","code":201}');
    requests.length = 0;
    await c.bind('ns1', 'pod-a', 'node-1', { uid: 'u1' });
    await c.evict('ns1', 'pod-a', { gracePeriodSeconds: 5 });
    await c.delete(R.pods, 'ns1', 'pod-b', { gracePeriodSeconds: 0, propagationPolicy: 'Foreground', preconditions: { resourceVersion: '7' } });
    await c.create(R.pods, 'ns1', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'pod-c' }, target: { kind: 'Node', name: 'n' } }, { subresource: 'binding' });
    c.close();
    assert.deepEqual(requests.map((r) => `${r.method} ${r.url}`), [
      'POST /api/v1/namespaces/ns1/pods/pod-a/binding',
      'POST /api/v1/namespaces/ns1/pods/pod-a/eviction',
      'DELETE /api/v1/namespaces/ns1/pods/pod-b',
      'POST /api/v1/namespaces/ns1/pods/pod-c/binding',
    ]);
    assert.deepEqual(JSON.parse(requests[0]!.body), {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: 'pod-a', namespace: 'ns1', uid: 'u1' },
      target: { apiVersion: 'v1', kind: 'Node', name: 'node-1' },
    });
    assert.deepEqual(JSON.parse(requests[1]!.body), { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'pod-a', namespace: 'ns1' }, deleteOptions: { gracePeriodSeconds: 5 } });
    assert.deepEqual(JSON.parse(requests[2]!.body), {
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      propagationPolicy: 'Foreground',
      gracePeriodSeconds: 0,
      preconditions: { resourceVersion: '7' },
    });
    assert.equal(requests[0]!.headers.authorization, 'Bearer t0k');
    assert.equal(requests[0]!.headers['user-agent'], 'kube-scheduler/test');
    assert.equal(requests[0]!.headers['content-type'], 'application/json');
  });

  test('patch content types and apply query parameters', async () => {
    const c = new Client({ server: url, ca: env.pki.ca.cert });
    respond = (_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    requests.length = 0;
    await c.patch(R.nodes, undefined, 'n1', 'strategic', { spec: {} });
    await c.patch(R.nodes, undefined, 'n1', 'json', []);
    await c.patch(R.nodes, undefined, 'n1', 'merge', {});
    await c.patch(R.deployments, 'd', 'web', 'apply', { metadata: { name: 'web' } }, { fieldManager: 'mgr', force: true });
    await c.patch(R.nodes, undefined, 'n1', 'merge', {}, { subresource: 'status', dryRun: true });
    c.close();
    assert.deepEqual(requests.map((r) => [r.url, r.headers['content-type']]), [
      ['/api/v1/nodes/n1', 'application/strategic-merge-patch+json'],
      ['/api/v1/nodes/n1', 'application/json-patch+json'],
      ['/api/v1/nodes/n1', 'application/merge-patch+json'],
      ['/apis/apps/v1/namespaces/d/deployments/web?fieldManager=mgr&force=true', 'application/apply-patch+yaml'],
      ['/api/v1/nodes/n1/status?dryRun=All', 'application/merge-patch+json'],
    ]);
    await assert.rejects(c.patch(R.nodes, undefined, 'n1', 'apply', {}), /fieldManager/);
    // Sequential requests share one kept-alive connection.
    assert.equal(new Set(requests.map((r) => r.port)).size, 1);
  });

  test('an error body that is not a Status still becomes an ApiError with the reason of its code', async () => {
    const c = new Client({ server: url, ca: env.pki.ca.cert });
    respond = (_req, res) => res.writeHead(404, { 'Content-Type': 'text/plain' }).end('404 page not found\n');
    await rejects(c.get(R.nodes, undefined, 'n1'), (e) => {
      assert.ok(isNotFound(e));
      assert.equal(e.message, '404 page not found');
    });
    respond = (_req, res) => res.writeHead(503).end();
    await rejects(c.get(R.nodes, undefined, 'n1'), (e) => {
      assert.equal(e.reason, 'ServiceUnavailable');
      assert.equal(e.message, 'the server responded with the status code 503 but did not return more information');
    });
    c.close();
  });

  test('a watch reassembles events cut anywhere in the chunked stream, and reports a refused watch', async () => {
    const c = new Client({ server: url, ca: env.pki.ca.cert });
    const events = [
      { type: 'ADDED', object: { metadata: { name: 'ä-1', resourceVersion: '5' }, data: { brace: '}{"', esc: 'a\\"}' } } },
      { type: 'BOOKMARK', object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: '9' } } },
      { type: 'DELETED', object: { metadata: { name: 'z', resourceVersion: '10' } } },
    ];
    const bytes = Buffer.from(events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    respond = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      // Cut every 7 bytes: through keys, strings, escapes and the two bytes of "ä".
      let i = 0;
      const tick = () => {
        if (i >= bytes.length) return void res.end();
        res.write(bytes.subarray(i, i + 7));
        i += 7;
        setImmediate(tick);
      };
      tick();
    };
    requests.length = 0;
    const got: WatchEvent[] = [];
    for await (const e of c.watch(R.configmaps, 'default', { resourceVersion: '4', allowWatchBookmarks: true, timeoutSeconds: 30 })) got.push(e);
    assert.equal(requests[0]!.url, '/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=4&allowWatchBookmarks=true&timeoutSeconds=30');
    assert.deepEqual(got.map((e) => e.type), ['ADDED', 'BOOKMARK', 'DELETED']);
    assert.deepEqual(got[0]!.object, { ...events[0]!.object, apiVersion: 'v1', kind: 'ConfigMap' });

    respond = (_req, res) =>
      res
        .writeHead(403, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Forbidden', code: 403, message: 'no' }));
    await rejects(
      (async () => {
        for await (const _ of c.watch(R.configmaps, 'default')) void _;
      })(),
      (e) => assert.equal(e.reason, 'Forbidden'),
    );
    c.close();
  });
});

test('JsonObjectStream splits concatenated objects and refuses garbage', () => {
  const s = new JsonObjectStream();
  assert.deepEqual(s.push('{"a":1}{"b":'), [{ a: 1 }]);
  assert.equal(s.idle, false);
  assert.deepEqual(s.push('[1,{"c":"}"}]}\n {"d":"\\\\"}'), [{ b: [1, { c: '}' }] }, { d: '\\' }]);
  assert.equal(s.idle, true);
  assert.throws(() => new JsonObjectStream().push('nope'), SyntaxError);
});
