import 'reflect-metadata';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import * as x509 from '@peculiar/x509';
import { generatePki, type KeyPair, type Pki } from '../pki.ts';
import type { Attributes as AuthorizationAttributes } from '../../auth/rbac/authorizer.ts';
import type { Obj } from '../rest.ts';
import {
  ruleMatches,
  WebhookDispatcher,
  WebhookStatusError,
  type WebhookAttributes,
  type WebhookOptions,
  type WebhookSource,
} from './webhooks.ts';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

// --- certificates ---------------------------------------------------------------------------

/** A serving certificate for `dns` signed by `ca` (generatePki only makes one for localhost). */
async function issueServer(ca: KeyPair, dns: string[]): Promise<KeyPair> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const caKey = await webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decode(ca.key)[0]!, alg, true, ['sign']);
  const caCert = new x509.X509Certificate(ca.cert);
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '01',
    subject: `CN=${dns[0]}`,
    issuer: caCert.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3600_000),
    signingAlgorithm: alg,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(dns.map((value) => ({ type: 'dns' as const, value }))),
    ],
  });
  const der = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { cert: cert.toString('pem'), key: x509.PemConverter.encode(der, 'PRIVATE KEY') };
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

// --- the webhook servers --------------------------------------------------------------------

interface Received {
  path: string;
  url: string;
  headers: IncomingHttpHeaders;
  review: Obj;
}

interface Reply {
  status?: number;
  contentType?: string;
  body: unknown;
}

type Route = (review: Obj) => Reply | Promise<Reply>;

const received: Received[] = [];
const routes = new Map<string, Route>();
const pendingTimers = new Set<NodeJS.Timeout>();
let barrier: (() => void)[] = [];

function answer(review: Obj, response: Obj): Reply {
  return {
    body: { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: review.request?.uid, ...response } },
  };
}

function jsonPatch(ops: unknown[]): Obj {
  return { patch: b64(JSON.stringify(ops)), patchType: 'JSONPatch' };
}

/** Adds label `key` when missing; answers with no patch once it is there. */
function addLabel(key: string): Route {
  return (r) => {
    const labels = r.request.object?.metadata?.labels ?? {};
    if (key in labels) return answer(r, { allowed: true });
    return answer(r, { allowed: true, ...jsonPatch([{ op: 'add', path: `/metadata/labels/${key}`, value: 'yes' }]) });
  };
}

routes.set('/allow', (r) => answer(r, { allowed: true }));
routes.set('/add-label', addLabel('added'));
routes.set('/label-a', addLabel('a'));
routes.set('/label-b', addLabel('b'));
routes.set('/deny-422', (r) => answer(r, { allowed: false, status: { code: 422, reason: 'Invalid', message: 'no way' } }));
routes.set('/deny-plain', (r) => answer(r, { allowed: false, status: { message: 'nope' } }));
routes.set('/deny-bare', (r) => answer(r, { allowed: false }));
routes.set('/sleep', () => new Promise((resolve) => {
  const t = setTimeout(() => resolve({ body: {} }), 5000);
  pendingTimers.add(t);
}));
routes.set('/wrong-uid', (r) => answer(r, { allowed: true, uid: 'not-the-uid' }));
routes.set('/warn', (r) => answer(r, { allowed: true, warnings: ['first', 'second', 'first'], auditAnnotations: { k: 'v' } }));
routes.set('/warn-deny', (r) => answer(r, { allowed: false, warnings: ['careful'], status: { message: 'stop' } }));
routes.set('/many-warnings', (r) =>
  answer(r, { allowed: true, warnings: Array.from({ length: 20 }, (_, i) => `${String(i).padStart(2, '0')}${'x'.repeat(298)}`) }),
);
routes.set('/validating-patch', (r) => answer(r, { allowed: true, ...jsonPatch([{ op: 'add', path: '/x', value: 1 }]) }));
routes.set('/patch-no-type', (r) => answer(r, { allowed: true, patch: b64('[]') }));
routes.set('/change-kind', (r) => answer(r, { allowed: true, ...jsonPatch([{ op: 'replace', path: '/kind', value: 'Service' }]) }));
routes.set('/bad-patch', (r) => answer(r, { allowed: true, ...jsonPatch([{ op: 'remove', path: '/spec/missing' }]) }));
routes.set('/text-500', () => ({ status: 500, contentType: 'text/plain', body: 'boom\n' }));
routes.set('/json-404', () => ({ status: 404, contentType: 'application/json', body: { error: 'nope' } }));
routes.set('/no-kind', (r) => ({ body: { response: { uid: r.request.uid, allowed: true } } }));
routes.set('/barrier', (r) => new Promise((resolve) => {
  barrier.push(() => resolve(answer(r, { allowed: true })));
  if (barrier.length === 2) {
    for (const release of barrier) release();
    barrier = [];
  }
}));

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const url = req.url ?? '/';
  const path = url.split('?')[0]!;
  const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Obj;
  received.push({ path, url, headers: req.headers, review });
  const route = routes.get(path.startsWith('/allow') ? '/allow' : path);
  const reply = route ? await route(review) : { status: 404, body: 'no route' };
  if (res.destroyed) return;
  const body = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  res.writeHead(reply.status ?? 200, { 'Content-Type': reply.contentType ?? 'application/json' });
  res.end(body);
}

function listen(pair: KeyPair): Promise<{ server: https.Server; port: number }> {
  const server = https.createServer({ key: pair.key, cert: pair.cert }, (req, res) => void handle(req, res));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as net.AddressInfo).port })));
}

let pki: Pki;
let otherPki: Pki;
let main: { server: https.Server; port: number };
let svc: { server: https.Server; port: number };
let deadPort: number;

before(async () => {
  [pki, otherPki] = await Promise.all([generatePki(), generatePki()]);
  main = await listen(pki.server);
  svc = await listen(await issueServer(pki.ca, ['hook.webhooks.svc']));
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  deadPort = (probe.address() as net.AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
});

after(async () => {
  for (const t of pendingTimers) clearTimeout(t);
  for (const s of [main.server, svc.server]) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

// --- fixtures -------------------------------------------------------------------------------

function hook(name: string, path: string, extra: Obj = {}): Obj {
  return {
    name,
    clientConfig: { url: `https://127.0.0.1:${main.port}${path}`, caBundle: b64(pki.ca.cert) },
    rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*/*'], scope: '*' }],
    failurePolicy: 'Fail',
    matchPolicy: 'Equivalent',
    namespaceSelector: {},
    objectSelector: {},
    sideEffects: 'None',
    timeoutSeconds: 10,
    admissionReviewVersions: ['v1'],
    ...extra,
  };
}

function config(name: string, webhooks: Obj[]): Obj {
  return { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name }, webhooks };
}

function dispatcher(
  cfg: { mutating?: Obj[]; validating?: Obj[]; namespaces?: Record<string, Record<string, string>> },
  opts?: WebhookOptions,
): WebhookDispatcher {
  const source: WebhookSource = {
    mutating: async () => cfg.mutating ?? [],
    validating: async () => cfg.validating ?? [],
    namespaceLabels: async (name) => (cfg.namespaces ?? { default: {} })[name],
  };
  return new WebhookDispatcher(source, opts);
}

function pod(labels: Record<string, string> = { app: 'web' }): Obj {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default', labels }, spec: { containers: [] } };
}

function podAttrs(extra: Partial<WebhookAttributes> = {}): WebhookAttributes {
  return {
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    name: 'web',
    namespace: 'default',
    operation: 'CREATE',
    userInfo: { username: 'alice', groups: ['devs', 'system:authenticated'] },
    object: pod(),
    dryRun: false,
    options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' },
    namespaced: true,
    ...extra,
  };
}

function calls(path: string): Received[] {
  return received.filter((r) => r.path === path);
}

async function rejection(p: Promise<unknown>): Promise<WebhookStatusError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof WebhookStatusError, `expected a WebhookStatusError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the request to be refused');
}

// --- tests ----------------------------------------------------------------------------------

describe('mutating webhooks', () => {
  test('a JSON patch adds a label to the caller\'s object; the review carries the request', async () => {
    received.length = 0;
    const d = dispatcher({ mutating: [config('c1', [hook('add.example.com', '/add-label')])] });
    const a = podAttrs();
    const obj = a.object!;
    const res = await d.mutate(a);
    assert.equal(obj.metadata.labels.added, 'yes');
    assert.equal(a.object, obj);
    assert.deepEqual(res.annotations, {
      'mutation.webhook.admission.k8s.io/round_0_index_0': '{"configuration":"c1","webhook":"add.example.com","mutated":true}',
    });
    const [call] = calls('/add-label');
    assert.ok(call);
    assert.equal(call.url, '/add-label?timeout=10s');
    assert.equal(call.headers['content-type'], 'application/json');
    const { request, ...envelope } = call.review;
    assert.deepEqual(envelope, { kind: 'AdmissionReview', apiVersion: 'admission.k8s.io/v1' });
    assert.match(request.uid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.deepEqual(
      { ...request, uid: 'x' },
      {
        uid: 'x',
        kind: { group: '', version: 'v1', kind: 'Pod' },
        resource: { group: '', version: 'v1', resource: 'pods' },
        requestKind: { group: '', version: 'v1', kind: 'Pod' },
        requestResource: { group: '', version: 'v1', resource: 'pods' },
        name: 'web',
        namespace: 'default',
        operation: 'CREATE',
        userInfo: { username: 'alice', groups: ['devs', 'system:authenticated'] },
        object: pod(),
        oldObject: null,
        dryRun: false,
        options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' },
      },
    );
  });

  test('configurations run sorted by name, webhooks in listed order', async () => {
    received.length = 0;
    const d = dispatcher({
      mutating: [config('b-conf', [hook('b1', '/allow/b1')]), config('a-conf', [hook('a1', '/allow/a1'), hook('a2', '/allow/a2')])],
    });
    await d.mutate(podAttrs());
    assert.deepEqual(received.map((r) => r.path), ['/allow/a1', '/allow/a2', '/allow/b1']);
  });

  test('IfNeeded webhooks are called again once when a later webhook changed the object', async () => {
    received.length = 0;
    const d = dispatcher({
      mutating: [
        config('1', [hook('a', '/label-a', { reinvocationPolicy: 'IfNeeded' })]),
        config('2', [hook('b', '/label-b', { reinvocationPolicy: 'Never' })]),
      ],
    });
    const a = podAttrs();
    const res = await d.mutate(a);
    assert.deepEqual(a.object!.metadata.labels, { app: 'web', a: 'yes', b: 'yes' });
    assert.equal(calls('/label-a').length, 2);
    assert.equal(calls('/label-b').length, 1);
    // The second call of "a" sees what "b" added.
    assert.equal(calls('/label-a')[1]!.review.request.object.metadata.labels.b, 'yes');
    assert.equal(
      res.annotations['mutation.webhook.admission.k8s.io/round_1_index_0'],
      '{"configuration":"1","webhook":"a","mutated":false}',
    );
  });

  test('no reinvocation when nothing after an IfNeeded webhook changed the object, nor for Never', async () => {
    received.length = 0;
    const d = dispatcher({
      mutating: [
        config('1', [hook('a', '/label-a', { reinvocationPolicy: 'IfNeeded' })]),
        config('2', [hook('b', '/label-b', { reinvocationPolicy: 'IfNeeded' })]),
      ],
    });
    await d.mutate(podAttrs({ object: pod({ b: 'already' }) }));
    assert.equal(calls('/label-a').length, 1);
    assert.equal(calls('/label-b').length, 1);

    received.length = 0;
    const never = dispatcher({
      mutating: [config('1', [hook('a', '/label-a', { reinvocationPolicy: 'Never' })]), config('2', [hook('b', '/label-b')])],
    });
    await never.mutate(podAttrs());
    assert.equal(calls('/label-a').length, 1);
  });

  test('a denial is a StatusError with the webhook name, and keeps the warnings sent with it', async () => {
    const d = dispatcher({ mutating: [config('c', [hook('deny.example.com', '/warn-deny')])] });
    const err = await rejection(d.mutate(podAttrs()));
    assert.equal(err.code, 400);
    assert.equal(err.message, 'admission webhook "deny.example.com" denied the request: stop');
    assert.deepEqual(err.warnings, ['careful']);
    assert.equal(
      err.annotations['mutation.webhook.admission.k8s.io/round_0_index_0'],
      '{"configuration":"c","webhook":"deny.example.com","mutated":false}',
    );
  });

  test('timeout under failurePolicy Ignore is skipped with a failed-open annotation', async () => {
    const d = dispatcher({ mutating: [config('c', [hook('slow.example.com', '/sleep', { timeoutSeconds: 1, failurePolicy: 'Ignore' })])] });
    const a = podAttrs();
    const started = Date.now();
    const res = await d.mutate(a);
    assert.ok(Date.now() - started < 3000);
    assert.deepEqual(a.object, pod());
    assert.equal(res.annotations['failed-open.mutation.webhook.admission.k8s.io/round_0_index_0'], 'slow.example.com');
  });

  test('a patch without patchType is an invalid response', async () => {
    const d = dispatcher({ mutating: [config('c', [hook('p.example.com', '/patch-no-type')])] });
    const err = await rejection(d.mutate(podAttrs()));
    assert.equal(
      err.message,
      'Internal error occurred: failed calling webhook "p.example.com": received invalid webhook response: webhook returned response.patch but not response.patchType',
    );
  });

  test('a patch must leave an object of the same kind; a patch that does not apply is a 500 even under Ignore', async () => {
    const kind = dispatcher({ mutating: [config('c', [hook('k.example.com', '/change-kind')])] });
    const err = await rejection(kind.mutate(podAttrs()));
    assert.equal(err.code, 500);
    assert.match(err.message, /changed the object's type from \/v1, Kind=Pod to \/v1, Kind=Service/);

    const bad = dispatcher({ mutating: [config('c', [hook('bad.example.com', '/bad-patch', { failurePolicy: 'Ignore' })])] });
    const err2 = await rejection(bad.mutate(podAttrs()));
    assert.equal(err2.code, 500);
    assert.equal(err2.reason, 'InternalError');
    assert.match(err2.message, /^Internal error occurred: .*missing/);
  });

  test('a patch on DELETE (no object) is refused', async () => {
    const d = dispatcher({ mutating: [config('c', [hook('del.example.com', '/add-label')])] });
    const err = await rejection(d.mutate(podAttrs({ operation: 'DELETE', object: undefined, oldObject: pod() })));
    assert.equal(
      err.message,
      'Internal error occurred: admission webhook "del.example.com" attempted to modify the object, which is not supported for this operation',
    );
  });
});

describe('validating webhooks', () => {
  test('denials carry the message, code and reason the webhook sent (400 and no reason by default)', async () => {
    const with422 = dispatcher({ validating: [config('c', [hook('deny.example.com', '/deny-422')])] });
    const e1 = await rejection(with422.validate(podAttrs()));
    assert.equal(e1.code, 422);
    assert.equal(e1.reason, 'Invalid');
    assert.equal(e1.message, 'admission webhook "deny.example.com" denied the request: no way');

    const plain = dispatcher({ validating: [config('c', [hook('deny.example.com', '/deny-plain')])] });
    const e2 = await rejection(plain.validate(podAttrs()));
    assert.equal(e2.code, 400);
    assert.deepEqual(e2.toStatus(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'admission webhook "deny.example.com" denied the request: nope',
      code: 400,
    });

    const bare = dispatcher({ validating: [config('c', [hook('deny.example.com', '/deny-bare')])] });
    const e3 = await rejection(bare.validate(podAttrs()));
    assert.equal(e3.message, 'admission webhook "deny.example.com" denied the request without explanation');
  });

  test('timeout under failurePolicy Fail: context deadline exceeded', async () => {
    const d = dispatcher({ validating: [config('c', [hook('slow.example.com', '/sleep', { timeoutSeconds: 1 })])] });
    const started = Date.now();
    const err = await rejection(d.validate(podAttrs()));
    const took = Date.now() - started;
    assert.ok(took >= 900 && took < 3000, `took ${took}ms`);
    assert.equal(err.code, 500);
    assert.equal(
      err.message,
      `Internal error occurred: failed calling webhook "slow.example.com": failed to call webhook: Post "https://127.0.0.1:${main.port}/sleep?timeout=1s": context deadline exceeded`,
    );
  });

  test('a webhook that is down fails the request under Fail and is skipped under Ignore', async () => {
    const url = `https://127.0.0.1:${deadPort}/validate`;
    const down = (policy: string): Obj => ({ ...hook('down.example.com', ''), clientConfig: { url, caBundle: b64(pki.ca.cert) }, failurePolicy: policy });
    const err = await rejection(dispatcher({ validating: [config('c', [down('Fail')])] }).validate(podAttrs()));
    const reason = `failed calling webhook "down.example.com": failed to call webhook: Post "${url}?timeout=10s": dial tcp 127.0.0.1:${deadPort}: connect: connection refused`;
    assert.equal(err.code, 500);
    assert.equal(err.reason, 'InternalError');
    assert.equal(err.message, `Internal error occurred: ${reason}`);
    assert.deepEqual(err.details, { causes: [{ message: reason }] });

    const res = await dispatcher({ validating: [config('c', [down('Ignore')])] }).validate(podAttrs());
    assert.deepEqual(res.annotations, { 'failed-open.validating.webhook.admission.k8s.io/round_0_index_0': 'down.example.com' });
  });

  test('a response with another uid is refused', async () => {
    const d = dispatcher({ validating: [config('c', [hook('uid.example.com', '/wrong-uid')])] });
    const err = await rejection(d.validate(podAttrs()));
    assert.match(
      err.message,
      /^Internal error occurred: failed calling webhook "uid.example.com": received invalid webhook response: expected response\.uid="[0-9a-f-]{36}", got "not-the-uid"$/,
    );
  });

  test('a response without apiVersion and kind is refused', async () => {
    const d = dispatcher({ validating: [config('c', [hook('nokind.example.com', '/no-kind')])] });
    const err = await rejection(d.validate(podAttrs()));
    assert.match(err.message, /received invalid webhook response: expected webhook response of admission\.k8s\.io\/v1, Kind=AdmissionReview, got \/, Kind=$/);
  });

  test('warnings are collected once each; audit annotations are keyed by webhook name', async () => {
    const d = dispatcher({ validating: [config('c', [hook('warn.example.com', '/warn'), hook('warn2.example.com', '/warn')])] });
    const res = await d.validate(podAttrs());
    assert.deepEqual([...res.warnings].sort(), ['first', 'second']);
    assert.deepEqual(res.annotations, { 'warn.example.com/k': 'v', 'warn2.example.com/k': 'v' });
  });

  test('past 4096 characters of warnings each is cut to 256 and the rest dropped', async () => {
    const d = dispatcher({ validating: [config('c', [hook('many.example.com', '/many-warnings')])] });
    const res = await d.validate(podAttrs());
    assert.equal(res.warnings.length, 16);
    assert.ok(res.warnings.every((w) => w.length === 256));
    assert.deepEqual(res.warnings.map((w) => w.slice(0, 2)), Array.from({ length: 16 }, (_, i) => String(i).padStart(2, '0')));
  });

  test('a validating webhook may not return a patch', async () => {
    const d = dispatcher({ validating: [config('c', [hook('vp.example.com', '/validating-patch')])] });
    const err = await rejection(d.validate(podAttrs()));
    assert.equal(
      err.message,
      'Internal error occurred: failed calling webhook "vp.example.com": received invalid webhook response: validating webhook may not return response.patch',
    );
  });

  test('webhooks are called in parallel', async () => {
    // Each /barrier call waits for the other: called one after the other, the first would time out.
    const d = dispatcher({
      validating: [config('c', [hook('p1', '/barrier', { timeoutSeconds: 3 }), hook('p2', '/barrier', { timeoutSeconds: 3 })])],
    });
    await d.validate(podAttrs());
  });

  test('non-2xx answers become client-go\'s generic messages', async () => {
    const text = dispatcher({ validating: [config('c', [hook('t.example.com', '/text-500')])] });
    const e1 = await rejection(text.validate(podAttrs()));
    assert.equal(
      e1.message,
      'Internal error occurred: failed calling webhook "t.example.com": failed to call webhook: an error on the server ("boom") has prevented the request from succeeding',
    );
    const json = dispatcher({ validating: [config('c', [hook('j.example.com', '/json-404')])] });
    const e2 = await rejection(json.validate(podAttrs()));
    assert.match(e2.message, /failed to call webhook: the server could not find the requested resource$/);
  });
});

describe('which webhooks are called', () => {
  const rule = (r: Obj): Obj => ({ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'], ...r });
  const req = (resource: string, sub?: string, namespace?: string, group = '', operation: WebhookAttributes['operation'] = 'CREATE') => ({
    operation,
    resource: { group, version: 'v1', resource },
    ...(sub ? { subResource: sub } : {}),
    ...(namespace ? { namespace } : {}),
  });
  const table: [string, Obj, ReturnType<typeof req>, boolean][] = [
    ['operation listed', rule({ operations: ['CREATE'] }), req('pods', undefined, 'ns'), true],
    ['operation not listed', rule({ operations: ['UPDATE'] }), req('pods', undefined, 'ns'), false],
    ['group not listed', rule({ apiGroups: ['apps'] }), req('pods', undefined, 'ns'), false],
    ['group listed', rule({ apiGroups: ['apps'] }), req('deployments', undefined, 'ns', 'apps'), true],
    ['version not listed', rule({ apiVersions: ['v2'] }), req('pods', undefined, 'ns'), false],
    ['* does not match a subresource', rule({ resources: ['*'] }), req('pods', 'status', 'ns'), false],
    ['*/* matches a resource', rule({ resources: ['*/*'] }), req('pods', undefined, 'ns'), true],
    ['*/* matches a subresource', rule({ resources: ['*/*'] }), req('pods', 'status', 'ns'), true],
    ['pods does not match pods/status', rule({ resources: ['pods'] }), req('pods', 'status', 'ns'), false],
    ['pods/status', rule({ resources: ['pods/status'] }), req('pods', 'status', 'ns'), true],
    ['pods/status does not match pods', rule({ resources: ['pods/status'] }), req('pods', undefined, 'ns'), false],
    ['*/scale', rule({ resources: ['*/scale'] }), req('deployments', 'scale', 'ns', 'apps'), true],
    ['*/scale does not match the resource', rule({ resources: ['*/scale'] }), req('deployments', undefined, 'ns', 'apps'), false],
    ['Namespaced matches a namespaced object', rule({ scope: 'Namespaced' }), req('pods', undefined, 'ns'), true],
    ['Namespaced does not match a cluster object', rule({ scope: 'Namespaced' }), req('nodes'), false],
    ['Namespaced does not match a Namespace', rule({ scope: 'Namespaced' }), req('namespaces', undefined, 'ns'), false],
    ['Cluster matches a Namespace', rule({ scope: 'Cluster' }), req('namespaces', undefined, 'ns'), true],
    ['Cluster matches a cluster object', rule({ scope: 'Cluster' }), req('nodes'), true],
    ['Cluster does not match a namespaced object', rule({ scope: 'Cluster' }), req('pods', undefined, 'ns'), false],
    ['* scope', rule({ scope: '*' }), req('pods', undefined, 'ns'), true],
    ['CONNECT', rule({ operations: ['CONNECT'], resources: ['pods/exec'] }), req('pods', 'exec', 'ns', '', 'CONNECT'), true],
  ];
  for (const [name, r, a, want] of table) {
    test(`rule: ${name}`, () => assert.equal(ruleMatches(r, a), want));
  }

  test('a webhook whose rules do not match is not called', async () => {
    received.length = 0;
    const only = hook('deploy.example.com', '/allow/rules', { rules: [rule({ apiGroups: ['apps'], resources: ['deployments'] })] });
    await dispatcher({ validating: [config('c', [only])] }).validate(podAttrs());
    assert.equal(calls('/allow/rules').length, 0);
  });

  test('namespaceSelector: the namespace\'s labels, a Namespace\'s own, cluster objects always', async () => {
    const sel = hook('ns.example.com', '/allow/ns', { namespaceSelector: { matchLabels: { team: 'a' } } });
    const d = dispatcher({ validating: [config('c', [sel])], namespaces: { default: { team: 'a' }, other: { team: 'b' }, old: { team: 'a' } } });
    const count = async (a: WebhookAttributes): Promise<number> => {
      received.length = 0;
      await d.validate(a);
      return calls('/allow/ns').length;
    };
    assert.equal(await count(podAttrs()), 1);
    assert.equal(await count(podAttrs({ namespace: 'other' })), 0);
    const clusterRole: Partial<WebhookAttributes> = {
      kind: { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole' },
      resource: { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles' },
      namespace: undefined,
      namespaced: false,
      object: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'web' } },
    };
    assert.equal(await count(podAttrs(clusterRole)), 1);
    const ns = (operation: WebhookAttributes['operation'], name: string, labels?: Record<string, string>): WebhookAttributes =>
      podAttrs({
        kind: { group: '', version: 'v1', kind: 'Namespace' },
        resource: { group: '', version: 'v1', resource: 'namespaces' },
        name,
        namespace: operation === 'CREATE' ? undefined : name,
        namespaced: false,
        operation,
        object: labels ? { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } } : undefined,
      });
    // A new namespace is not stored yet: its own labels decide.
    assert.equal(await count(ns('CREATE', 'fresh', { team: 'a' })), 1);
    assert.equal(await count(ns('CREATE', 'fresh', { team: 'b' })), 0);
    assert.equal(await count(ns('DELETE', 'old')), 1);

    const err = await rejection(d.validate(podAttrs({ namespace: 'missing' })));
    assert.equal(err.code, 404);
    assert.equal(err.message, 'namespaces "missing" not found');
  });

  test('objectSelector: the labels of the object or of the old object', async () => {
    const sel = hook('obj.example.com', '/allow/obj', {
      objectSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] },
    });
    const d = dispatcher({ validating: [config('c', [sel])] });
    const count = async (a: WebhookAttributes): Promise<number> => {
      received.length = 0;
      await d.validate(a);
      return calls('/allow/obj').length;
    };
    assert.equal(await count(podAttrs()), 1);
    assert.equal(await count(podAttrs({ object: pod({ app: 'db' }) })), 0);
    assert.equal(await count(podAttrs({ operation: 'DELETE', object: undefined, oldObject: pod() })), 1);
    assert.equal(await count(podAttrs({ operation: 'UPDATE', object: pod({ app: 'db' }), oldObject: pod() })), 1);
  });

  test('admission configuration objects never go to webhooks', async () => {
    const dead = { ...hook('down.example.com', ''), clientConfig: { url: `https://127.0.0.1:${deadPort}/` } };
    const d = dispatcher({ validating: [config('c', [dead])], mutating: [config('c', [dead])] });
    for (const kind of ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'ValidatingAdmissionPolicyBinding']) {
      const a = podAttrs({
        kind: { group: 'admissionregistration.k8s.io', version: 'v1', kind },
        resource: { group: 'admissionregistration.k8s.io', version: 'v1', resource: `${kind.toLowerCase()}s` },
        namespace: undefined,
      });
      await d.validate(a);
      await d.mutate(a);
    }
    await assert.rejects(d.validate(podAttrs()), /connection refused/);
  });

  test('active() tells whether any configuration exists', async () => {
    assert.equal(await dispatcher({}).active(), false);
    assert.equal(await dispatcher({ validating: [config('c', [])] }).active(), true);
  });
});

describe('matchConditions', () => {
  const withConditions = (path: string, conditions: [string, string][], extra: Obj = {}): Obj =>
    hook('mc.example.com', path, { matchConditions: conditions.map(([name, expression]) => ({ name, expression })), ...extra });
  const count = async (d: WebhookDispatcher, path: string, a: WebhookAttributes = podAttrs()): Promise<number> => {
    received.length = 0;
    await d.validate(a);
    return calls(path).length;
  };

  test('a true condition calls the webhook, a false one skips it', async () => {
    const yes = dispatcher({ validating: [config('c', [withConditions('/allow/mc-true', [['web', "object.metadata.name == 'web'"]])])] });
    assert.equal(await count(yes, '/allow/mc-true'), 1);
    const no = dispatcher({ validating: [config('c', [withConditions('/allow/mc-false', [['db', "object.metadata.name == 'db'"]])])] });
    assert.equal(await count(no, '/allow/mc-false'), 0);
  });

  test('conditions are looked at only for webhooks whose rules match', async () => {
    const failing = withConditions('/allow/mc-rules', [['broken', '1/0 == 1']], {
      rules: [{ operations: ['*'], apiGroups: ['apps'], apiVersions: ['*'], resources: ['*'] }],
    });
    assert.equal(await count(dispatcher({ validating: [config('c', [failing])] }), '/allow/mc-rules'), 0);
  });

  test('an error under Fail refuses the request with 403 and upstream\'s text; under Ignore the webhook is skipped', async () => {
    const broken: [string, string][] = [['missing', "object.metadata.nope == 'x'"]];
    const fail = dispatcher({ validating: [config('c', [withConditions('/allow/mc-err', broken)])] });
    const err = await rejection(fail.validate(podAttrs()));
    assert.equal(err.code, 403);
    assert.equal(err.reason, 'Forbidden');
    assert.equal(err.message, `pods "web" is forbidden: expression 'object.metadata.nope == 'x'' resulted in error: no such key: nope`);
    assert.deepEqual(err.details, { name: 'web', kind: 'pods' });
    assert.equal(calls('/allow/mc-err').length, 0);

    const ignore = dispatcher({ validating: [config('c', [withConditions('/allow/mc-err', broken, { failurePolicy: 'Ignore' })])] });
    assert.equal(await count(ignore, '/allow/mc-err'), 0);
  });

  test('a false condition skips the webhook even when another errs; several errors are listed', async () => {
    const skip = dispatcher({
      validating: [config('c', [withConditions('/allow/mc-mixed', [['broken', '1/0 == 1'], ['db', "object.metadata.name == 'db'"]])])],
    });
    assert.equal(await count(skip, '/allow/mc-mixed'), 0);

    const two = dispatcher({
      validating: [config('c', [withConditions('/allow/mc-mixed', [['a', '1/0 == 1'], ['ok', 'true'], ['b', "object.nope == 'x'"]])])],
    });
    const err = await rejection(two.validate(podAttrs()));
    assert.equal(
      err.message,
      `pods "web" is forbidden: [expression '1/0 == 1' resulted in error: division by zero, expression 'object.nope == 'x'' resulted in error: no such key: nope]`,
    );
  });

  test('an expression that does not compile is a compilation error, decided by failurePolicy', async () => {
    const d = dispatcher({ validating: [config('c', [withConditions('/allow/mc-syntax', [['bad', 'object.metadata.name ==']])])] });
    const err = await rejection(d.validate(podAttrs()));
    assert.match(err.message, /^pods "web" is forbidden: compilation error: compilation failed: ERROR: <input>:1:24: Syntax error: /);
  });

  test('request is the AdmissionRequest: request.userInfo.username and request.operation', async () => {
    const d = dispatcher({
      validating: [config('c', [withConditions('/allow/mc-user', [['alice', "request.userInfo.username == 'alice' && request.operation == 'CREATE'"]])])],
    });
    assert.equal(await count(d, '/allow/mc-user'), 1);
    assert.equal(await count(d, '/allow/mc-user', podAttrs({ userInfo: { username: 'bob', groups: [] } })), 0);
    assert.equal(await count(d, '/allow/mc-user', podAttrs({ operation: 'UPDATE', oldObject: pod() })), 0);
  });

  test('oldObject on UPDATE: only a change of the app label calls the webhook; it is null on CREATE', async () => {
    const d = dispatcher({
      validating: [
        config('c', [
          withConditions('/allow/mc-old', [['relabelled', 'oldObject != null && oldObject.metadata.labels.app != object.metadata.labels.app']]),
        ]),
      ],
    });
    const update = (before: string, after: string) => podAttrs({ operation: 'UPDATE', object: pod({ app: after }), oldObject: pod({ app: before }) });
    assert.equal(await count(d, '/allow/mc-old', update('web', 'db')), 1);
    assert.equal(await count(d, '/allow/mc-old', update('web', 'web')), 0);
    assert.equal(await count(d, '/allow/mc-old'), 0);
  });

  test('mutating: a skipped webhook does not patch; conditions see the object as earlier webhooks left it', async () => {
    const cond = (expression: string): Obj => ({ matchConditions: [{ name: 'x', expression }] });
    const d = dispatcher({
      mutating: [
        config('c', [
          hook('a.example.com', '/label-a', cond("object.metadata.name == 'web'")),
          hook('b.example.com', '/label-b', cond("object.metadata.name == 'db'")),
          hook('added.example.com', '/add-label', cond("'a' in object.metadata.labels")),
        ]),
      ],
    });
    received.length = 0;
    const a = podAttrs();
    await d.mutate(a);
    assert.deepEqual(a.object?.metadata?.labels, { app: 'web', a: 'yes', added: 'yes' });
    assert.equal(calls('/label-b').length, 0);
  });

  test('authorizer asks the authorize function as the requesting user; without it authorizer is unbound', async () => {
    const asked: AuthorizationAttributes[] = [];
    const opts: WebhookOptions = {
      authorize: async (attrs) => {
        asked.push(attrs);
        return { allowed: attrs.user.username === 'alice', reason: '' };
      },
    };
    const cond: [string, string][] = [['may-delete', "authorizer.group('').resource('pods').namespace('default').check('delete').allowed()"]];
    const cfg = { validating: [config('c', [withConditions('/allow/mc-authz', cond)])] };
    const d = dispatcher(cfg, opts);
    assert.equal(await count(d, '/allow/mc-authz'), 1);
    assert.deepEqual([...asked], [
      { user: { username: 'alice', groups: ['devs', 'system:authenticated'] }, verb: 'delete', resourceRequest: true, apiGroup: '', resource: 'pods', namespace: 'default' },
    ]);
    assert.equal(await count(d, '/allow/mc-authz', podAttrs({ userInfo: { username: 'bob', groups: [] } })), 0);

    const own = dispatcher({ validating: [config('c', [withConditions('/allow/mc-authz', [['own', "authorizer.requestResource.check('create').allowed()"]])])] }, opts);
    asked.length = 0;
    assert.equal(await count(own, '/allow/mc-authz'), 1);
    assert.equal(asked[0]?.verb, 'create');
    assert.equal(asked[0]?.name, 'web');

    const err = await rejection(dispatcher(cfg).validate(podAttrs()));
    assert.match(err.message, /resulted in error: no such attribute\(s\): authorizer$/);
  });

  test('conditions are compiled once per configuration version', async () => {
    const versioned = (rv: string, expression: string): Obj => ({
      ...config('c', [hook('mc.example.com', '/allow/mc-cache', { matchConditions: [{ name: 'x', expression }] })]),
      metadata: { name: 'c', uid: 'u1', resourceVersion: rv },
    });
    const cfg = { validating: [versioned('1', 'true')] };
    const d = dispatcher(cfg);
    assert.equal(await count(d, '/allow/mc-cache'), 1);
    // The same version is never recompiled, even if what the source hands back differs.
    cfg.validating = [versioned('1', 'false')];
    assert.equal(await count(d, '/allow/mc-cache'), 1);
    cfg.validating = [versioned('2', 'false')];
    assert.equal(await count(d, '/allow/mc-cache'), 0);
  });
});

describe('client configuration', () => {
  test('dryRun: sideEffects Some refuses the request with 400 even under Ignore; None gets dryRun true', async () => {
    received.length = 0;
    const some = dispatcher({ mutating: [config('c', [hook('se.example.com', '/allow/se', { sideEffects: 'Some', failurePolicy: 'Ignore' })])] });
    const err = await rejection(some.mutate(podAttrs({ dryRun: true })));
    assert.equal(err.code, 400);
    assert.equal(err.reason, 'BadRequest');
    assert.equal(err.message, 'admission webhook "se.example.com" does not support dry run');
    const v = dispatcher({ validating: [config('c', [hook('se.example.com', '/allow/se', { sideEffects: 'Unknown' })])] });
    assert.equal((await rejection(v.validate(podAttrs({ dryRun: true })))).code, 400);
    assert.equal(calls('/allow/se').length, 0);

    const none = dispatcher({ validating: [config('c', [hook('none.example.com', '/allow/none', { sideEffects: 'NoneOnDryRun' })])] });
    await none.validate(podAttrs({ dryRun: true }));
    assert.equal(calls('/allow/none')[0]?.review.request.dryRun, true);
  });

  test('the caBundle is the only trusted CA: a server certificate from another CA fails', async () => {
    const other = hook('ca.example.com', '/allow/ca', { clientConfig: { url: `https://127.0.0.1:${main.port}/allow/ca`, caBundle: b64(otherPki.ca.cert) } });
    const err = await rejection(dispatcher({ validating: [config('c', [other])] }).validate(podAttrs()));
    assert.equal(
      err.message,
      `Internal error occurred: failed calling webhook "ca.example.com": failed to call webhook: Post "https://127.0.0.1:${main.port}/allow/ca?timeout=10s": tls: failed to verify certificate: x509: certificate signed by unknown authority`,
    );
    // Without a caBundle the system roots are used, which do not know the test CA either.
    const system = hook('ca.example.com', '/allow/ca', { clientConfig: { url: `https://127.0.0.1:${main.port}/allow/ca` } });
    await assert.rejects(dispatcher({ validating: [config('c', [system])] }).validate(podAttrs()), /certificate signed by unknown authority/);
  });

  test('a service reference is resolved and verified against NAME.NAMESPACE.svc', async () => {
    received.length = 0;
    const ref = (path: string): Obj =>
      hook('svc.example.com', '', { clientConfig: { service: { namespace: 'webhooks', name: 'hook', path, port: 8443 }, caBundle: b64(pki.ca.cert) } });
    const resolveTo = (port: number): WebhookOptions => ({
      resolveService: (namespace, name, p) => (namespace === 'webhooks' && name === 'hook' && p === 8443 ? { host: '127.0.0.1', port } : undefined),
    });
    await dispatcher({ validating: [config('c', [ref('/allow/svc')])] }, resolveTo(svc.port)).validate(podAttrs());
    const [call] = calls('/allow/svc');
    assert.equal(call?.headers.host, 'hook.webhooks.svc:8443');
    assert.equal(call?.url, '/allow/svc?timeout=10s');

    // The main server's certificate is for localhost, not for the service name.
    const wrongHost = await rejection(dispatcher({ validating: [config('c', [ref('/allow/svc')])] }, resolveTo(main.port)).validate(podAttrs()));
    assert.match(
      wrongHost.message,
      /Post "https:\/\/hook\.webhooks\.svc:8443\/allow\/svc\?timeout=10s": tls: failed to verify certificate: x509: certificate is valid for localhost, kubernetes, kubernetes\.default, kubernetes\.default\.svc, kubernetes\.default\.svc\.cluster\.local, not hook\.webhooks\.svc$/,
    );

    const unresolved = await rejection(dispatcher({ validating: [config('c', [ref('allow/svc/')])] }).validate(podAttrs()));
    assert.equal(
      unresolved.message,
      'Internal error occurred: failed calling webhook "svc.example.com": failed to call webhook: Post "https://hook.webhooks.svc:8443/allow/svc?timeout=10s": no endpoints available for service "hook"',
    );
  });

  test('admissionReviewVersions without v1 is a call failure', async () => {
    const old = hook('old.example.com', '/allow/old', { admissionReviewVersions: ['v1beta1'] });
    const err = await rejection(dispatcher({ validating: [config('c', [old])] }).validate(podAttrs()));
    assert.equal(
      err.message,
      'Internal error occurred: failed calling webhook "old.example.com": could not create admission objects: webhook does not accept known AdmissionReview versions (v1)',
    );
    const ignored = { ...old, failurePolicy: 'Ignore' };
    await dispatcher({ validating: [config('c', [ignored])] }).validate(podAttrs());
  });
});
