// CertificateSigningRequests through kubectl: a user asks for a client certificate, an admin
// approves (or denies) it with `kubectl certificate`, the cluster CA signs it, and the
// certificate then authenticates its holder.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeCsr } from '../../src/auth/csr/index.ts';
import { kubectlPath, missingClient, run, startCluster, waitFor, type TestCluster } from './harness.ts';

const csrYaml = (name: string, request: string, signer: string, usages: string[]) => `apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata: {name: ${name}}
spec:
  request: ${request}
  signerName: ${signer}
  expirationSeconds: 86400
  usages: [${usages.join(', ')}]
`;

describe('CertificateSigningRequest', { skip: missingClient('v35') }, () => {
  let c: TestCluster;
  before(async () => {
    c = await startCluster();
  });
  after(async () => {
    await c?.stop();
  });

  it('an approved request is signed, and the certificate authenticates its holder', async () => {
    const { request, keyPem } = await makeCsr('jane', ['devs']);
    const created = await c.kubectl(['apply', '-f', '-'], { stdin: csrYaml('jane', request, 'kubernetes.io/kube-apiserver-client', ['client auth']) });
    assert.equal(created.code, 0, created.stderr);
    assert.match(await c.k('get', 'csr', 'jane'), /jane\s+\S+\s+kubernetes\.io\/kube-apiserver-client\s+kubernetes-admin\s+24h\s+Pending/);
    assert.equal(await c.k('certificate', 'approve', 'jane'), 'certificatesigningrequest.certificates.k8s.io/jane approved\n');
    const cert = await waitFor('the certificate', async () => (await c.k('get', 'csr', 'jane', '-o', 'jsonpath={.status.certificate}')) || undefined);
    assert.match(await c.k('get', 'csr', 'jane'), /Approved,Issued/);
    const pem = Buffer.from(cert, 'base64').toString();
    assert.match(pem, /^-----BEGIN CERTIFICATE-----/);
    // A kubeconfig with only the new certificate: jane is who the API server sees.
    const ca = /certificate-authority-data: (\S+)/.exec(readFileSync(c.kubeconfigPath, 'utf8'))![1]!;
    const path = join(c.dir, 'jane.kubeconfig');
    writeFileSync(
      path,
      `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "${c.api.url}", certificate-authority-data: ${ca}}}]\nusers: [{name: jane, user: {client-certificate-data: ${cert}, client-key-data: ${Buffer.from(keyPem).toString('base64')}}}]\ncontexts: [{name: c, context: {cluster: c, user: jane}}]\ncurrent-context: c\n`,
    );
    const who = await run(kubectlPath(), ['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username} {.status.userInfo.groups}'], { env: { KUBECONFIG: path, HOME: c.dir } });
    assert.equal(who.code, 0, who.stderr);
    assert.equal(who.stdout, 'jane ["devs","system:authenticated"]');
  });

  it('a denied request gets no certificate', async () => {
    const { request } = await makeCsr('joe');
    await c.kubectl(['apply', '-f', '-'], { stdin: csrYaml('joe', request, 'kubernetes.io/kube-apiserver-client', ['client auth']) });
    assert.equal(await c.k('certificate', 'deny', 'joe'), 'certificatesigningrequest.certificates.k8s.io/joe denied\n');
    assert.match(await c.k('get', 'csr', 'joe'), /\bDenied\b/);
    assert.equal(await c.k('get', 'csr', 'joe', '-o', 'jsonpath={.status.certificate}'), '');
  });

  it('the kubelet client signer refuses a subject that is not a node, with a Failed condition', async () => {
    const { request } = await makeCsr('not-a-node');
    await c.kubectl(['apply', '-f', '-'], { stdin: csrYaml('odd', request, 'kubernetes.io/kube-apiserver-client-kubelet', ['digital signature', 'client auth']) });
    await c.k('certificate', 'approve', 'odd');
    const reason = await waitFor('the Failed condition', async () => (await c.k('get', 'csr', 'odd', '-o', 'jsonpath={.status.conditions[?(@.type=="Failed")].reason}')) || undefined);
    assert.equal(reason, 'SignerValidationFailure');
    assert.equal(await c.k('get', 'csr', 'odd', '-o', 'jsonpath={.status.certificate}'), '');
  });

  it('system:masters cannot be requested through the client signer; a bad request is invalid', async () => {
    const { request } = await makeCsr('root', ['system:masters']);
    const r = await c.kubectl(['apply', '-f', '-'], { stdin: csrYaml('root', request, 'kubernetes.io/kube-apiserver-client', ['client auth']) });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /certificatesigningrequests\.certificates\.k8s\.io "root" is forbidden: use of kubernetes\.io\/kube-apiserver-client signer with system:masters group is not allowed/);
    const bad = await c.kubectl(['apply', '-f', '-'], { stdin: csrYaml('bad', Buffer.from('not a request').toString('base64'), 'kubernetes.io/kube-apiserver-client', ['client auth']) });
    assert.equal(bad.code, 1);
    assert.equal(
      bad.stderr,
      'The CertificateSigningRequest "bad" is invalid: spec.request: Invalid value: []byte{0x6e, 0x6f, 0x74, 0x20, 0x61, 0x20, 0x72, 0x65, 0x71, 0x75, 0x65, 0x73, 0x74}: PEM block type must be CERTIFICATE REQUEST\n',
    );
  });
});
