// Fuzz of what authentication reads: client certificates (other CAs, self-signed, expired,
// odd subjects), bearer tokens (garbage, forged and mutated JWTs, bootstrap-shaped, huge) and
// impersonation headers (odd names, bad percent-encoding in extra keys, many groups), sent
// over real TLS to a full API server. No answer may be a 500 or a non-Status error, and the
// server must keep serving its admin afterwards.
import assert from 'node:assert/strict';
import https from 'node:https';
import { after, before, test } from 'node:test';
import { generatePki, issueClientCertificate, startApiServer, type ApiServer, type Pki } from '../src/apiserver/index.ts';
import { openStore, type EmbeddedStore } from '../src/storage/index.ts';
import { seededRandom } from '../src/util/random.ts';

const REQUESTS = Number(process.env.AUTH_FUZZ_REQUESTS ?? 2000);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);

let store: EmbeddedStore;
let api: ApiServer;
let pki: Pki;
const identities: { name: string; cert?: string; key?: string }[] = [];

before(async () => {
  store = await openStore({});
  pki = await generatePki();
  api = await startApiServer({ store, pki, port: 0 });
  const other = await generatePki();
  const year = 365 * 24 * 3600 * 1000;
  identities.push(
    { name: 'none' },
    { name: 'admin', ...pki.admin },
    { name: 'other CA', ...other.admin },
    { name: 'self-signed CA cert', ...other.ca },
    { name: 'no CN', ...(await issueClientCertificate(pki.ca, 'O=devs')) },
    { name: 'empty subject pieces', ...(await issueClientCertificate(pki.ca, 'CN=, O=')) },
    { name: 'two CNs', ...(await issueClientCertificate(pki.ca, 'CN=a+CN=b, O=x')) },
    { name: 'many groups', ...(await issueClientCertificate(pki.ca, `CN=u, ${Array.from({ length: 40 }, (_, i) => `O=g${i}`).join(', ')}`)) },
    { name: 'unicode', ...(await issueClientCertificate(pki.ca, 'CN=ユーザー, O=système:masters')) },
    { name: 'long CN', ...(await issueClientCertificate(pki.ca, `CN=${'x'.repeat(2000)}`)) },
    { name: 'system:masters lookalike', ...(await issueClientCertificate(pki.ca, 'CN=mallory, O=system:masters ')) },
    { name: 'expired', ...(await issueClientCertificate(pki.ca, 'CN=old', { notBefore: new Date(Date.now() - 2 * year), notAfter: new Date(Date.now() - year) })) },
    { name: 'not yet valid', ...(await issueClientCertificate(pki.ca, 'CN=future', { notBefore: new Date(Date.now() + year), notAfter: new Date(Date.now() + 2 * year) })) },
  );
});

after(async () => {
  await api?.close();
  await store?.close();
});

const b64url = (s: string) => Buffer.from(s).toString('base64url');
const ascii = (rand: () => number, n: number) => Array.from({ length: n }, () => String.fromCharCode(33 + Math.floor(rand() * 94))).join('');

function token(rand: () => number, real: string): string {
  const pick = Math.floor(rand() * 9);
  switch (pick) {
    case 0:
      return ascii(rand, 1 + Math.floor(rand() * 60));
    case 1:
      return `${b64url(JSON.stringify({ alg: ['none', 'ES256', 'RS256', 'HS256', 42][Math.floor(rand() * 5)] }))}.${b64url(JSON.stringify({ iss: 'https://kubernetes.default.svc.cluster.local', sub: 'system:serviceaccount:default:default', exp: 9e9, aud: ['https://kubernetes.default.svc.cluster.local'], 'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'default', uid: 'x' } } }))}.${ascii(rand, 10).replace(/[^A-Za-z0-9]/g, 'a')}`;
    case 2: {
      // A real token with one character changed, dropped or duplicated.
      const i = Math.floor(rand() * real.length);
      const op = Math.floor(rand() * 3);
      return op === 0 ? real.slice(0, i) + (real[i] === 'A' ? 'B' : 'A') + real.slice(i + 1) : op === 1 ? real.slice(0, i) + real.slice(i + 1) : real.slice(0, i) + real[i] + real.slice(i);
    }
    case 3:
      return `${ascii(rand, 6).toLowerCase().replace(/[^a-z0-9]/g, 'a')}.${ascii(rand, 16).toLowerCase().replace(/[^a-z0-9]/g, 'b')}`;
    case 4:
      return 'x'.repeat(1000 + Math.floor(rand() * 6000));
    case 5:
      return `${b64url('{')}.${b64url('[]')}.${b64url('')}`;
    case 6:
      return `${b64url(JSON.stringify({ alg: 'ES256' }))}.${b64url(JSON.stringify({ iss: 'kubernetes/serviceaccount', 'kubernetes.io/serviceaccount/namespace': 'default' }))}.AAAA`;
    case 7:
      return real;
    default:
      return '..';
  }
}

function headers(rand: () => number, real: string): Record<string, string | string[]> {
  const h: Record<string, string | string[]> = {};
  const r = rand();
  if (r < 0.5) h['Authorization'] = `Bearer ${token(rand, real)}`;
  else if (r < 0.6) h['Authorization'] = ['Bearer', 'Basic dXNlcjpwYXNz', 'Bearer  ', 'bearer x y', `Token ${real}`][Math.floor(rand() * 5)]!;
  if (rand() < 0.4) {
    h['Impersonate-User'] = [
      'system:serviceaccount:',
      'system:serviceaccount:a:b:c',
      'system:serviceaccount:default:default',
      'system:anonymous',
      'system:node:n1',
      '',
      ascii(rand, 12),
    ][Math.floor(rand() * 7)]!;
  }
  if (rand() < 0.3) h['Impersonate-Group'] = Array.from({ length: 1 + Math.floor(rand() * 30) }, () => ['system:masters', 'system:nodes', ',', ' ', ascii(rand, 5)][Math.floor(rand() * 5)]!);
  if (rand() < 0.2) h['Impersonate-Uid'] = ascii(rand, 8);
  if (rand() < 0.2) h[`Impersonate-Extra-${['%zz', 'scopes', '%E2%82', 'a%2Fb', '%'][Math.floor(rand() * 5)]}`] = ascii(rand, 6);
  return h;
}

const PATHS: [string, string, string?][] = [
  ['GET', '/version'],
  ['GET', '/healthz'],
  ['GET', '/api/v1/namespaces/default/pods'],
  ['GET', '/api/v1/namespaces/kube-system/secrets'],
  ['POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}'],
  ['POST', '/api/v1/namespaces/default/configmaps', '{"metadata":{"generateName":"fuzz-"}}'],
  ['POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', '{"spec":{"namespace":"default"}}'],
];

function send(id: (typeof identities)[number], method: string, path: string, h: Record<string, string | string[]>, body?: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = https.request(
      `${api.url}${path}`,
      { method, ca: pki.ca.cert, ...(id.cert ? { cert: id.cert, key: id.key } : {}), agent: false, headers: { ...h, ...(body ? { 'Content-Type': 'application/json' } : {}) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

test(`malformed credentials never crash the server (${REQUESTS} requests, seed ${SEED})`, { timeout: 600_000 }, async () => {
  const rand = seededRandom(SEED);
  const sa = api.registry.get('', 'v1', 'serviceaccounts')!;
  await api.rest.create(sa, 'default', { metadata: { name: 'fuzzer' } }).catch(() => undefined);
  const real = (await send(identities[1]!, 'POST', '/api/v1/namespaces/default/serviceaccounts/fuzzer/token', {}, '{"spec":{}}')).body;
  const realToken = JSON.parse(real).status.token as string;
  const codes = new Map<number, number>();
  for (let i = 0; i < REQUESTS; i++) {
    const id = identities[Math.floor(rand() * identities.length)]!;
    const [method, path, body] = PATHS[Math.floor(rand() * PATHS.length)]!;
    const h = headers(rand, realToken);
    let r: { status: number; body: string };
    try {
      r = await send(id, method, path, h, body);
    } catch (err) {
      // Node refuses to send some header values itself; that is the client, not the server.
      if ((err as NodeJS.ErrnoException).code === 'ERR_INVALID_CHAR' || (err as NodeJS.ErrnoException).code === 'ERR_HTTP_INVALID_HEADER_VALUE') continue;
      throw new Error(`request ${i} (${id.name} ${method} ${path} ${JSON.stringify(h).slice(0, 300)}) failed: ${(err as Error).message}`);
    }
    codes.set(r.status, (codes.get(r.status) ?? 0) + 1);
    const where = `request ${i} (${id.name} ${method} ${path} ${JSON.stringify(h).slice(0, 300)})`;
    assert.ok(r.status < 500, `${where}: ${r.status} ${r.body.slice(0, 300)}`);
    if (r.status >= 400 && r.status !== 404) {
      const s = JSON.parse(r.body) as { kind?: string; code?: number; message?: string };
      assert.equal(s.kind, 'Status', where);
      assert.equal(s.code, r.status, where);
    }
  }
  // Every kind of outcome happened, and the admin is still served.
  for (const code of [200, 201, 400, 401, 403]) assert.ok((codes.get(code) ?? 0) > 0, `some ${code}s in ${JSON.stringify([...codes])}`);
  assert.equal((await send(identities[1]!, 'GET', '/api/v1/namespaces', {})).status, 200);
});
