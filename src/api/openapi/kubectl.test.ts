// The real kubectl against the OpenAPI documents, served with just enough of an API server
// (legacy discovery, /version, a map of objects) from a local HTTP server on 127.0.0.1.
// Skipped when the kubectl binary is not there (KUBECTL, or the 1.35 client unpacked as
// DESIGN.md describes under /tmp/clients/v35).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ResourceRegistry, groupVersion } from '../registry.ts';
import { OpenAPIService, type OpenAPIOptions } from './index.ts';

const KUBECTL = process.env.KUBECTL ?? '/tmp/clients/v35/kubectl/kubectl';
const skip = existsSync(KUBECTL) ? false : `kubectl not found at ${KUBECTL}`;

interface Seen {
  method: string;
  url: string;
  type: string;
  body: string;
}

interface Fake {
  url: string;
  seen: Seen[];
  objects: Map<string, Record<string, unknown>>;
  close(): Promise<void>;
}

function statusNotFound(res: ServerResponse, what: string): void {
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `${what} not found`, reason: 'NotFound', code: 404 });
  res.writeHead(404, { 'Content-Type': 'application/json' }).end(body);
}

async function fakeServer(opts: OpenAPIOptions): Promise<Fake> {
  const registry = new ResourceRegistry();
  const openapi = new OpenAPIService(registry, opts);
  const seen: Seen[] = [];
  const objects = new Map<string, Record<string, unknown>>();
  const json = (res: ServerResponse, code: number, body: unknown) => res.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const path = url.pathname;
        const body = Buffer.concat(chunks).toString('utf8');
        seen.push({ method: req.method ?? '', url: req.url ?? '', type: String(req.headers['content-type'] ?? ''), body });
        const o = await openapi.handle(req, path, url);
        if (o) {
          const headers: Record<string, string> = { 'Content-Type': o.type };
          if (o.etag) headers.ETag = `"${o.etag}"`;
          if (o.location) headers.Location = o.location;
          if (o.cacheControl) headers['Cache-Control'] = o.cacheControl;
          res.writeHead(o.status ?? 200, headers).end(o.body);
          return;
        }
        if (path === '/version') return json(res, 200, { major: '1', minor: '35', gitVersion: 'v1.35.0-kubelite', platform: 'linux/amd64' });
        if (path === '/api') return json(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] });
        if (path === '/apis') {
          const groups = registry
            .groups()
            .filter((g) => g.group !== '')
            .map((g) => ({
              name: g.group,
              versions: g.versions.map((v) => ({ groupVersion: `${g.group}/${v}`, version: v })),
              preferredVersion: { groupVersion: `${g.group}/${g.versions[0]}`, version: g.versions[0] },
            }));
          return json(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups });
        }
        const gv = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path);
        if (gv) {
          const group = gv[2] ?? '';
          const version = gv[1] ?? gv[3]!;
          const resources = registry.resources(group, version).flatMap((r) => [
            { name: r.resource, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs, shortNames: r.shortNames, categories: r.categories },
            ...r.subresources.map((s) => ({ name: `${r.resource}/${s}`, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: ['get', 'patch', 'update'] })),
          ]);
          if (resources.length === 0) return statusNotFound(res, path);
          return json(res, 200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion({ group, version }), resources });
        }
        // Objects: GET returns what is stored; a dry-run POST echoes; PATCH answers with the stored object.
        const key = path.replace(/^\/api\/v1\//, '');
        if (req.method === 'GET') {
          const obj = objects.get(key);
          return obj ? json(res, 200, obj) : statusNotFound(res, key);
        }
        if (req.method === 'POST') {
          const obj = JSON.parse(body) as { metadata: Record<string, unknown> };
          obj.metadata.uid = '00000000-0000-0000-0000-000000000001';
          obj.metadata.creationTimestamp = '2026-01-01T00:00:00Z';
          return json(res, 201, obj);
        }
        if (req.method === 'PATCH') {
          const obj = objects.get(key);
          return obj ? json(res, 200, obj) : statusNotFound(res, key);
        }
        statusNotFound(res, path);
      })().catch((err: unknown) => {
        res.writeHead(500).end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    objects,
    close: () =>
      new Promise<void>((resolve) => {
        openapi.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'kubelite-openapi-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function kubectl(server: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      KUBECTL,
      [...args, '--server', server, '--cache-dir', join(dir, 'cache', String(Math.random()).slice(2)), '--request-timeout', '30s'],
      { env: { PATH: process.env.PATH ?? '', HOME: dir, KUBECONFIG: join(dir, 'no-kubeconfig') }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: default
spec:
  containers:
  - name: web
    image: nginx:1.27
    ports:
    - containerPort: 80
    resources:
      limits:
        cpu: 500m
        memory: 128Mi
  - name: sidecar
    image: busybox
`;

describe('kubectl 1.35 against the documents (fieldValidation advertised, as upstream)', { skip }, () => {
  let fake: Fake;
  before(async () => {
    fake = await fakeServer({});
  });
  after(async () => {
    await fake?.close();
  });

  test('explain pods.spec.containers (OpenAPI v3)', async () => {
    const r = await kubectl(fake.url, ['explain', 'pods.spec.containers']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^KIND:\s+Pod$/m);
    assert.match(r.stdout, /^VERSION:\s+v1$/m);
    assert.match(r.stdout, /^FIELD: containers <\[\]Container>$/m);
    assert.match(r.stdout, /List of containers belonging to the pod/);
    assert.match(r.stdout, /^ {2}name\t<string> -required-$/m);
    assert.match(r.stdout, /^ {2}resources\t<ResourceRequirements>$/m);
    assert.ok(fake.seen.some((s) => s.url.split('?')[0] === '/openapi/v3'));
    assert.ok(fake.seen.some((s) => s.url.startsWith('/openapi/v3/api/v1?hash=')));
  });

  test('explain deployments.spec.strategy.rollingUpdate and a cluster-scoped kind', async () => {
    const r = await kubectl(fake.url, ['explain', 'deployments.spec.strategy.rollingUpdate']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^GROUP:\s+apps$/m);
    assert.match(r.stdout, /maxSurge\t<IntOrString>/);
    const cr = await kubectl(fake.url, ['explain', 'clusterroles.rules', '--recursive']);
    assert.equal(cr.code, 0, cr.stderr);
    assert.match(cr.stdout, /verbs\t<\[\]string> -required-/);
  });

  test('explain --output=plaintext-openapiv2 (OpenAPI v2 protobuf)', async () => {
    const r = await kubectl(fake.url, ['explain', 'pods.spec.containers.ports', '--output=plaintext-openapiv2']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /RESOURCE: ports <\[\]Object>/);
    assert.match(r.stdout, /containerPort\t<integer> -required-/);
    const v2 = fake.seen.filter((s) => s.url.split('?')[0] === '/openapi/v2');
    assert.ok(v2.length > 0);
  });

  test('apply --dry-run=client --validate=strict', async () => {
    const r = await kubectl(fake.url, ['apply', '--dry-run=client', '--validate=strict', '-f', file('pod.yaml', POD)]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'pod/web created (dry run)');
  });

  test('apply: kubectl sees fieldValidation in /openapi/v3 and leaves strict validation to the server', async () => {
    fake.seen.length = 0;
    const r = await kubectl(fake.url, ['apply', '-f', file('pod.yaml', POD)]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'pod/web created');
    const post = fake.seen.find((s) => s.method === 'POST');
    assert.ok(post, 'created with a POST');
    assert.match(post.url, /fieldValidation=Strict/);
    assert.ok(!fake.seen.some((s) => s.url.startsWith('/openapi/v2')), 'no client-side validation against v2');
  });

  test('diff: a new object (server-side dry-run create), then a changed one (strategic merge patch)', async () => {
    fake.seen.length = 0;
    const created = await kubectl(fake.url, ['diff', '-f', file('pod.yaml', POD)]);
    assert.equal(created.code, 1, created.stderr); // 1: differences found
    assert.match(created.stdout, /\+  name: web/);
    const post = fake.seen.find((s) => s.method === 'POST');
    assert.ok(post && /dryRun=All/.test(post.url), post?.url);

    // The live object, as `kubectl apply` would have left it.
    const live = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: 'default', uid: 'u1', resourceVersion: '5', annotations: {} as Record<string, string> },
      spec: {
        containers: [
          { name: 'web', image: 'nginx:1.26', ports: [{ containerPort: 80 }] },
          { name: 'sidecar', image: 'busybox' },
        ],
      },
    };
    live.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'] = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: 'default' },
      spec: live.spec,
    });
    fake.objects.set('namespaces/default/pods/web', live);
    const changed = await kubectl(fake.url, ['diff', '-f', file('pod.yaml', POD)]);
    assert.ok(changed.code === 0 || changed.code === 1, changed.stderr);
    assert.doesNotMatch(changed.stderr, /warning|error/i);
    const patch = fake.seen.find((s) => s.method === 'PATCH');
    assert.ok(patch, 'kubectl diff sent a dry-run patch');
    assert.match(patch.url, /dryRun=All/);
    assert.equal(patch.type, 'application/strategic-merge-patch+json');
    // Containers merge by name: only the changed one is sent, with the order of all.
    const body = JSON.parse(patch.body) as { spec: Record<string, unknown> };
    assert.deepEqual(body.spec['$setElementOrder/containers'], [{ name: 'web' }, { name: 'sidecar' }]);
    const containers = body.spec.containers as { name: string; image?: string }[];
    assert.deepEqual(
      containers.map((c) => c.name),
      ['web'],
    );
    assert.equal(containers[0]!.image, 'nginx:1.27');
  });
});

describe('kubectl 1.35 validating client-side (no fieldValidation: reads /openapi/v2 protobuf)', { skip }, () => {
  let fake: Fake;
  before(async () => {
    fake = await fakeServer({ fieldValidation: false });
  });
  after(async () => {
    await fake?.close();
  });

  test('a valid pod passes', async () => {
    const r = await kubectl(fake.url, ['apply', '--dry-run=client', '--validate=strict', '-f', file('pod.yaml', POD)]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'pod/web created (dry run)');
    const v2 = fake.seen.find((s) => s.url.split('?')[0] === '/openapi/v2');
    assert.ok(v2, 'kubectl fetched /openapi/v2');
  });

  test('unknown fields, wrong types and missing required fields are refused', async () => {
    const bad = POD.replace('    image: nginx:1.27', '    imagee: nginx:1.27').replace('containerPort: 80', 'containerPort: eighty').replace('  - name: sidecar\n', '  - \n');
    const r = await kubectl(fake.url, ['apply', '--dry-run=client', '--validate=strict', '-f', file('bad.yaml', bad)]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /unknown field "imagee"/);
    assert.match(r.stderr, /containerPort/);
    assert.match(r.stderr, /missing required field "name"/);
  });

  test('a deployment with an int-or-string and quantities passes; a misspelt one is refused', async () => {
    const deploy = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  strategy:
    rollingUpdate: {maxSurge: 25%, maxUnavailable: 1}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx
        resources: {requests: {cpu: 100m, memory: 1Gi}}
`;
    const ok = await kubectl(fake.url, ['apply', '--dry-run=client', '-f', file('deploy.yaml', deploy)]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), 'deployment.apps/web created (dry run)');
    const bad = await kubectl(fake.url, ['apply', '--dry-run=client', '-f', file('deploy-bad.yaml', deploy.replace('replicas: 2', 'replica: 2'))]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /unknown field "replica"/);
  });
});
