// Bearer tokens through the real kubectl: a static token file, bootstrap tokens (Secrets in
// kube-system) and legacy ServiceAccount token Secrets filled in by the tokens controller; and
// the ServiceAccount admission plugin that gives pods their account and token volume.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { kubectlPath, missingClient, run, startCluster, waitFor, type TestCluster } from './harness.ts';

/** kubectl as the bearer of `token` (a kubeconfig with no client certificate). */
async function asToken(c: TestCluster, token: string, args: string[]) {
  const ca = /certificate-authority-data: (\S+)/.exec(readFileSync(c.kubeconfigPath, 'utf8'))![1]!;
  const path = join(c.dir, `token-${Buffer.from(token).toString('hex').slice(0, 16)}.kubeconfig`);
  writeFileSync(
    path,
    `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "${c.api.url}", certificate-authority-data: ${ca}}}]\nusers: [{name: u, user: {token: "${token}"}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n`,
    { mode: 0o600 },
  );
  return run(kubectlPath(), args, { env: { KUBECONFIG: path, HOME: c.dir, KUBECACHEDIR: join(c.dir, 'cache') } });
}

async function whoami(c: TestCluster, token: string): Promise<{ username: string; groups: string[] } | string> {
  const r = await asToken(c, token, ['auth', 'whoami', '-o', 'json']);
  if (r.code !== 0) return r.stderr.trim();
  return JSON.parse(r.stdout).status.userInfo;
}

const UNAUTHORIZED = 'error: You must be logged in to the server (Unauthorized)';

describe('bearer tokens', { skip: missingClient('v35') }, () => {
  let c: TestCluster;
  before(async () => {
    const dir = (await import('node:fs')).mkdtempSync(join((await import('node:os')).tmpdir(), 'kubelite-tokens-'));
    const file = join(dir, 'tokens.csv');
    writeFileSync(file, 'static-token-31415,alice,uid-alice,"devs,qa"\nstatic-token-27182,bob,uid-bob\n');
    c = await startCluster({ tokenAuthFile: file });
  });
  after(async () => {
    await c?.stop();
  });

  it('a static token file names users, uids and groups', async () => {
    assert.deepEqual(await whoami(c, 'static-token-31415'), { username: 'alice', uid: 'uid-alice', groups: ['devs', 'qa', 'system:authenticated'] });
    assert.deepEqual(await whoami(c, 'static-token-27182'), { username: 'bob', uid: 'uid-bob', groups: ['system:authenticated'] });
    assert.equal(await whoami(c, 'static-token-00000'), UNAUTHORIZED);
    // Authenticated, not authorized: alice has no bindings yet.
    const r = await asToken(c, 'static-token-31415', ['get', 'pods']);
    assert.equal(r.stderr, 'Error from server (Forbidden): pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"\n');
  });

  it('a bootstrap token works while its Secret says so and has not expired', async () => {
    const secret = (id: string, secretPart: string, extra: string) => `apiVersion: v1
kind: Secret
metadata: {name: bootstrap-token-${id}, namespace: kube-system}
type: bootstrap.kubernetes.io/token
stringData:
  token-id: ${id}
  token-secret: ${secretPart}
  usage-bootstrap-authentication: "true"
  auth-extra-groups: system:bootstrappers:kubeadm:default-node-token
${extra}`;
    const applied = await c.kubectl(['apply', '-f', '-'], { stdin: secret('abcdef', '0123456789abcdef', '') });
    assert.equal(applied.code, 0, applied.stderr);
    assert.deepEqual(await whoami(c, 'abcdef.0123456789abcdef'), {
      username: 'system:bootstrap:abcdef',
      groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token', 'system:authenticated'],
    });
    assert.equal(await whoami(c, 'abcdef.0123456789abcdee'), UNAUTHORIZED, 'wrong secret part');
    assert.equal(await whoami(c, 'zzzzzz.0123456789abcdef'), UNAUTHORIZED, 'no such token');
    const expired = await c.kubectl(['apply', '-f', '-'], { stdin: secret('ghijkl', 'fedcba9876543210', '  expiration: "2020-01-01T00:00:00Z"\n') });
    assert.equal(expired.code, 0, expired.stderr);
    assert.equal(await whoami(c, 'ghijkl.fedcba9876543210'), UNAUTHORIZED, 'expired');
    await c.k('delete', 'secret', '-n', 'kube-system', 'bootstrap-token-abcdef');
    assert.equal(await whoami(c, 'abcdef.0123456789abcdef'), UNAUTHORIZED, 'the Secret is gone');
  });

  it('a legacy ServiceAccount token Secret is filled in and works until the Secret is deleted', async () => {
    await c.k('create', 'serviceaccount', 'legacy');
    const made = await c.kubectl(['apply', '-f', '-'], {
      stdin: `apiVersion: v1\nkind: Secret\nmetadata: {name: legacy-token, annotations: {kubernetes.io/service-account.name: legacy}}\ntype: kubernetes.io/service-account-token\n`,
    });
    assert.equal(made.code, 0, made.stderr);
    const token = await waitFor('the token', async () => {
      const t = await c.k('get', 'secret', 'legacy-token', '-o', 'jsonpath={.data.token}');
      return t ? Buffer.from(t, 'base64').toString() : undefined;
    });
    const uid = await c.k('get', 'sa', 'legacy', '-o', 'jsonpath={.metadata.uid}');
    assert.equal(await c.k('get', 'secret', 'legacy-token', '-o', 'jsonpath={.metadata.annotations.kubernetes\\.io/service-account\\.uid}'), uid);
    assert.equal(Buffer.from(await c.k('get', 'secret', 'legacy-token', '-o', 'jsonpath={.data.namespace}'), 'base64').toString(), 'default');
    assert.match(Buffer.from(await c.k('get', 'secret', 'legacy-token', '-o', 'jsonpath={.data.ca\\.crt}'), 'base64').toString(), /BEGIN CERTIFICATE/);
    assert.deepEqual(await whoami(c, token), {
      username: 'system:serviceaccount:default:legacy',
      uid,
      groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
    });
    await c.k('delete', 'secret', 'legacy-token');
    assert.equal(await whoami(c, token), UNAUTHORIZED);
  });

  it('a token Secret for an account that does not exist is removed', async () => {
    await c.kubectl(['apply', '-f', '-'], {
      stdin: `apiVersion: v1\nkind: Secret\nmetadata: {name: orphan-token, annotations: {kubernetes.io/service-account.name: nobody}}\ntype: kubernetes.io/service-account-token\n`,
    });
    await waitFor('the orphan token to go', async () => ((await c.kubectl(['get', 'secret', 'orphan-token'])).code === 1 ? true : undefined));
  });
});

describe('ServiceAccount admission', { skip: missingClient('v35') }, () => {
  let c: TestCluster;
  before(async () => {
    c = await startCluster();
  });
  after(async () => {
    await c?.stop();
  });

  it('every namespace gets a default account and the cluster CA ConfigMap, recreated when deleted', async () => {
    await c.k('create', 'namespace', 'team');
    assert.equal(await c.k('get', 'sa', '-n', 'team', '-o', 'name'), 'serviceaccount/default\n');
    assert.match(await c.k('get', 'cm', 'kube-root-ca.crt', '-n', 'team', '-o', 'jsonpath={.data.ca\\.crt}'), /^-----BEGIN CERTIFICATE-----/);
    await c.k('delete', 'sa', 'default', '-n', 'team');
    await waitFor('the default account to come back', async () => ((await c.kubectl(['get', 'sa', 'default', '-n', 'team'])).code === 0 ? true : undefined));
  });

  it('a pod runs as default with the projected token volume mounted in every container', async () => {
    const r = await c.kubectl(['apply', '-f', '-'], {
      stdin: 'apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  initContainers: [{name: init, image: busybox}]\n  containers: [{name: app, image: nginx}, {name: side, image: busybox}]\n',
    });
    assert.equal(r.code, 0, r.stderr);
    const pod = JSON.parse(await c.k('get', 'pod', 'web', '-o', 'json'));
    assert.equal(pod.spec.serviceAccountName, 'default');
    assert.equal(pod.spec.serviceAccount, 'default');
    const vol = pod.spec.volumes.find((v: { name: string }) => v.name.startsWith('kube-api-access-'));
    assert.match(vol.name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.deepEqual(vol.projected, {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    });
    for (const ctr of [...pod.spec.initContainers, ...pod.spec.containers]) {
      assert.deepEqual(ctr.volumeMounts, [{ name: vol.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }], ctr.name);
    }
  });

  it('automountServiceAccountToken: false on the account or the pod leaves the token out', async () => {
    await c.kubectl(['apply', '-f', '-'], { stdin: 'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: quiet}\nautomountServiceAccountToken: false\n' });
    await c.kubectl(['apply', '-f', '-'], { stdin: 'apiVersion: v1\nkind: Pod\nmetadata: {name: q1}\nspec:\n  serviceAccountName: quiet\n  containers: [{name: app, image: nginx}]\n' });
    await c.kubectl(['apply', '-f', '-'], { stdin: 'apiVersion: v1\nkind: Pod\nmetadata: {name: q2}\nspec:\n  automountServiceAccountToken: false\n  containers: [{name: app, image: nginx}]\n' });
    for (const name of ['q1', 'q2']) assert.equal(await c.k('get', 'pod', name, '-o', 'jsonpath={.spec.volumes}'), '', name);
  });

  it('a pod naming a missing account is refused with upstream\'s message', async () => {
    const r = await c.kubectl(['run', 'lost', '--image=nginx', '--overrides={"spec":{"serviceAccountName":"ghost"}}']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'Error from server (Forbidden): pods "lost" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found\n');
  });
});
