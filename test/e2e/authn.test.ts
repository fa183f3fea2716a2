// Authentication: client certificates of the cluster CA identify the user; anonymous requests
// reach only health and discovery.
import assert from 'node:assert/strict';
import https from 'node:https';
import { after, before, describe, it } from 'node:test';
import { generatePki, type Pki } from '../../src/apiserver/index.ts';
import { missingClient, startCluster, writeTemp, type TestCluster } from './harness.ts';

function get(url: string, ca: string, client?: { cert: string; key: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, ...(client ?? {}), agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

describe('authentication', () => {
  let c: TestCluster;
  let pki: Pki;
  let ca: string;
  before(async () => {
    c = await startCluster();
    ca = Buffer.from(/certificate-authority-data: (\S+)/.exec(await import('node:fs').then((fs) => fs.readFileSync(c.kubeconfigPath, 'utf8')))![1]!, 'base64').toString();
    pki = await generatePki(); // a different CA: its certificates mean nothing here
  });
  after(async () => {
    await c?.stop();
  });

  it('anonymous requests get health and discovery, and 401 for everything else', async () => {
    for (const path of ['/healthz', '/readyz', '/version', '/api', '/apis', '/api/v1', '/apis/apps/v1']) {
      assert.equal((await get(`${c.api.url}${path}`, ca)).status, 200, path);
    }
    const r = await get(`${c.api.url}/api/v1/namespaces`, ca);
    assert.equal(r.status, 401);
    const status = JSON.parse(r.body);
    assert.equal(status.kind, 'Status');
    assert.equal(status.reason, 'Unauthorized');
    assert.equal(status.message, 'Unauthorized');
  });

  it('a certificate from another CA is anonymous', async () => {
    const r = await get(`${c.api.url}/api/v1/namespaces`, ca, pki.admin);
    assert.equal(r.status, 401);
  });

  it('kubectl auth whoami shows the certificate user and groups', { skip: missingClient('v35') }, async () => {
    const out = await c.k('auth', 'whoami');
    assert.match(out, /^ATTRIBUTE\s+VALUE\nUsername\s+kubernetes-admin\nGroups\s+\[system:masters system:authenticated\]\n$/);
    const json = JSON.parse(await c.k('auth', 'whoami', '-o', 'json'));
    assert.equal(json.kind, 'SelfSubjectReview');
    assert.equal(json.status.userInfo.username, 'kubernetes-admin');
  });
});

describe('RBAC', { skip: missingClient('v35') }, () => {
  let c: TestCluster;
  before(async () => {
    c = await startCluster();
  });
  after(async () => {
    await c?.stop();
  });

  it('the admin may do anything; access reviews are answered, not stored', async () => {
    assert.equal(await c.k('auth', 'can-i', 'create', 'pods'), 'yes\n');
    const list = await c.k('auth', 'can-i', '--list');
    assert.match(list, /^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs\n\*\.\*\s+\[\]\s+\[\]\s+\[\*\]\n/);
    const stored = await c.store.range('/registry/authorization.k8s.io/', { prefix: true, countOnly: true });
    assert.equal(stored.count, 0);
  });

  it('a user with no bindings is forbidden, with upstream\'s message', async () => {
    assert.equal((await c.kubectl(['auth', 'can-i', 'list', 'configmaps', '--as=jane'])).stdout, 'no\n');
    const r = await c.kubectl(['create', 'configmap', 'x', '--as=jane']);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      'error: failed to create configmap: configmaps is forbidden: User "jane" cannot create resource "configmaps" in API group "" in the namespace "default"\n',
    );
  });

  it('view allows reading but not writing, and not secrets', async () => {
    assert.equal(await c.k('create', 'rolebinding', 'jane-view', '--clusterrole=view', '--user=jane'), 'rolebinding.rbac.authorization.k8s.io/jane-view created\n');
    assert.equal((await c.kubectl(['get', 'configmaps', '--as=jane'])).code, 0);
    assert.equal((await c.kubectl(['auth', 'can-i', 'get', 'secrets', '--as=jane'])).stdout, 'no\n');
    const r = await c.kubectl(['delete', 'configmap', 'kube-root-ca.crt', '--as=jane']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /configmaps "kube-root-ca\.crt" is forbidden: User "jane" cannot delete resource "configmaps" in API group "" in the namespace "default"/);
    const other = await c.kubectl(['get', 'configmaps', '-n', 'kube-system', '--as=jane']);
    assert.match(other.stderr, /User "jane" cannot list resource "configmaps" in API group "" in the namespace "kube-system"/);
    const rules = await c.kubectl(['auth', 'can-i', '--list', '--as=jane']);
    assert.match(rules.stdout, /^pods\s+\[\]\s+\[\]\s+\[get list watch\]$/m);
  });

  it('a user cannot grant permissions they do not hold', async () => {
    // edit may not write roles at all; admin may, but only with rules it holds itself.
    const denied = await c.kubectl(['create', 'role', 'reader', '--verb=get', '--resource=pods', '--as=jane']);
    assert.match(denied.stderr, /User "jane" cannot create resource "roles" in API group "rbac\.authorization\.k8s\.io"/);
    await c.k('create', 'rolebinding', 'jane-admin', '--clusterrole=admin', '--user=jane');
    assert.equal(await c.k('create', 'role', 'reader', '--verb=get', '--resource=pods', '--as=jane'), 'role.rbac.authorization.k8s.io/reader created\n');
    const r = await c.kubectl(['create', 'role', 'secret-admin', '--verb=*', '--resource=secrets', '--as=jane']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /is attempting to grant RBAC permissions not currently held/);
    // Patching or applying a role up to more than one holds is refused the same way.
    const patched = await c.kubectl(['patch', 'role', 'reader', '--type=json', '-p', '[{"op":"replace","path":"/rules/0/verbs","value":["*"]}]', '--as=jane']);
    assert.equal(patched.code, 1);
    assert.match(patched.stderr, /is attempting to grant RBAC permissions not currently held/);
    const applied = await c.kubectl(
      ['apply', '--server-side', '--force-conflicts', '-f', '-', '--as=jane'],
      { stdin: 'apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: reader, namespace: default}\nrules: [{apiGroups: [""], resources: [nodes], verbs: [get]}]\n' },
    );
    assert.equal(applied.code, 1);
    assert.match(applied.stderr, /is attempting to grant RBAC permissions not currently held/);
  });
});

describe('ServiceAccount tokens', { skip: missingClient('v35') }, () => {
  let c: TestCluster;
  let ca: string;
  before(async () => {
    c = await startCluster();
    ca = Buffer.from(/certificate-authority-data: (\S+)/.exec(await import('node:fs').then((fs) => fs.readFileSync(c.kubeconfigPath, 'utf8')))![1]!, 'base64').toString();
  });
  after(async () => {
    await c?.stop();
  });

  const whoami = (token: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = https.request(
        `${c.api.url}/apis/authentication.k8s.io/v1/selfsubjectreviews`,
        { method: 'POST', ca, agent: false, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }));
    });

  it('kubectl create token issues a token that authenticates as the account until it is deleted', async () => {
    await c.k('create', 'serviceaccount', 'robot');
    const token = (await c.k('create', 'token', 'robot')).trim();
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const ok = await whoami(token);
    assert.equal(ok.status, 201, ok.body);
    const info = JSON.parse(ok.body).status.userInfo;
    assert.equal(info.username, 'system:serviceaccount:default:robot');
    assert.deepEqual(info.groups, ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated']);
    const forged = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    assert.equal((await whoami(forged)).status, 401);
    await c.k('delete', 'serviceaccount', 'robot');
    assert.equal((await whoami(token)).status, 401, 'the token dies with its account');
    // A new account of the same name has a new uid: the old token stays dead.
    await c.k('create', 'serviceaccount', 'robot');
    assert.equal((await whoami(token)).status, 401);
  });
});

describe('impersonation', { skip: missingClient('v35') }, () => {
  let c: TestCluster;
  before(async () => {
    c = await startCluster();
  });
  after(async () => {
    await c?.stop();
  });

  it('the admin may act as another user, with groups', async () => {
    const out = await c.k('auth', 'whoami', '--as=jane', '--as-group=devs', '--as-group=qa');
    assert.match(out, /^ATTRIBUTE\s+VALUE\nUsername\s+jane\nGroups\s+\[devs qa system:authenticated\]\n$/);
    const sa = JSON.parse(await c.k('auth', 'whoami', '--as=system:serviceaccount:kube-system:builder', '-o', 'json'));
    assert.deepEqual(sa.status.userInfo.groups, ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated']);
  });

  it('others may not (until RBAC grants impersonate)', async () => {
    await c.k('create', 'serviceaccount', 'robot');
    const token = (await c.k('create', 'token', 'robot')).trim();
    // A kubeconfig without the client certificate, so the token is the credential.
    const fs = await import('node:fs');
    const admin = fs.readFileSync(c.kubeconfigPath, 'utf8');
    const server = /server: (\S+)/.exec(admin)![1]!;
    const caData = /certificate-authority-data: (\S+)/.exec(admin)![1]!;
    const tokenOnly = writeTemp(
      c,
      'token-only',
      `apiVersion: v1\nkind: Config\nclusters: [{name: k, cluster: {server: "${server}", certificate-authority-data: ${caData}}}]\nusers: [{name: robot, user: {token: "${token}"}}]\ncontexts: [{name: k, context: {cluster: k, user: robot}}]\ncurrent-context: k\n`,
    );
    const self = await c.kubectl(['auth', 'whoami'], { env: { KUBECONFIG: tokenOnly } });
    assert.match(self.stdout, /Username\s+system:serviceaccount:default:robot/);
    const r = await c.kubectl(['get', 'ns', '--as=jane'], { env: { KUBECONFIG: tokenOnly } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Error from server \(Forbidden\)/);
    // The server's own words (kubectl's discovery client only shows "Forbidden").
    const ca = Buffer.from(caData, 'base64').toString();
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      https
        .get(`${server}/api/v1/namespaces`, { ca, agent: false, headers: { Authorization: `Bearer ${token}`, 'Impersonate-User': 'jane' } }, (resp) => {
          let body = '';
          resp.setEncoding('utf8');
          resp.on('data', (d: string) => (body += d));
          resp.on('end', () => resolve({ status: resp.statusCode ?? 0, body }));
        })
        .on('error', reject);
    });
    assert.equal(res.status, 403);
    assert.equal(
      JSON.parse(res.body).message,
      'users "jane" is forbidden: User "system:serviceaccount:default:robot" cannot impersonate resource "users" in API group "" at the cluster scope',
    );
  });
});
