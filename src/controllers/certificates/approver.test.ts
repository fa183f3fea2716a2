import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeCsr } from '../../auth/csr/index.ts';
import type { Client, Resource } from '../../client/index.ts';
import { eventually, sleep } from '../testing.ts';
import { clientAs, startHarness, type Harness } from '../serviceaccount/harness.ts';
import { CsrApprovingController, IgnorableError } from './approver.ts';
import { CSR_RESOURCE, conditionOf } from './signer.ts';

const CRB: Resource = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false };
const KUBELET_USAGES = ['digital signature', 'client auth'];

describe('CSR approving controller', () => {
  let h: Harness<CsrApprovingController>;
  let node: Client;
  let bootstrapper: Client;
  let stranger: Client;
  before(async () => {
    h = await startHarness((c) => new CsrApprovingController(c), { account: 'certificate-controller' });
    // As kubeadm sets up: bootstrap tokens may ask for any node's certificate, nodes renew their own.
    const bind = (name: string, role: string, group: string) =>
      h.client.create(CRB, undefined, {
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group }],
      });
    await bind('bootstrap-create', 'system:node-bootstrapper', 'system:bootstrappers');
    await bind('bootstrap-approve', 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', 'system:bootstrappers');
    await bind('node-renew', 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', 'system:nodes');
    await bind('node-create', 'system:node-bootstrapper', 'system:nodes');
    await bind('stranger-create', 'system:node-bootstrapper', 'strangers');
    node = await clientAs(h.env, 'CN=system:node:n1, O=system:nodes');
    bootstrapper = await clientAs(h.env, 'CN=system:bootstrap:abcdef, O=system:bootstrappers');
    stranger = await clientAs(h.env, 'CN=someone, O=strangers');
  });
  after(async () => {
    node?.close();
    bootstrapper?.close();
    stranger?.close();
    await h?.close();
  });

  const request = async (as: Client, name: string, cn: string, o: { signerName?: string; usages?: string[] } = {}) => {
    const { request } = await makeCsr(cn, ['system:nodes']);
    await as.create(CSR_RESOURCE, undefined, {
      metadata: { name },
      spec: { request, signerName: o.signerName ?? 'kubernetes.io/kube-apiserver-client-kubelet', usages: o.usages ?? KUBELET_USAGES },
    });
  };
  const approval = (name: string) => eventually(`${name} approved`, async () => conditionOf(await h.client.get(CSR_RESOURCE, undefined, name), 'Approved'));

  it("approves a node renewing its own client certificate", async () => {
    await request(node, 'renew', 'system:node:n1');
    const c = await approval('renew');
    assert.equal(c.status, 'True');
    assert.equal(c.reason, 'AutoApproved');
    assert.equal(c.message, 'Auto approving self kubelet client certificate after SubjectAccessReview.');
  });

  it('approves a bootstrap token asking for a node client certificate', async () => {
    await request(bootstrapper, 'join', 'system:node:n2');
    const c = await approval('join');
    assert.equal(c.message, 'Auto approving kubelet client certificate after SubjectAccessReview.');
  });

  it('leaves requests pending when the review refuses or the request is not a kubelet client one', async () => {
    await request(node, 'other-node', 'system:node:n9');
    await request(stranger, 'stranger', 'system:node:n3');
    await request(bootstrapper, 'serving', 'system:node:n2', { usages: ['digital signature', 'server auth'], signerName: 'kubernetes.io/kube-apiserver-client' });
    await eventually('refusals retried', async () => h.errors.filter((e) => e instanceof IgnorableError).length >= 2);
    await sleep(100);
    for (const n of ['other-node', 'stranger', 'serving']) {
      const csr = await h.client.get(CSR_RESOURCE, undefined, n);
      assert.equal(conditionOf(csr, 'Approved'), undefined, n);
    }
    const messages = h.errors.map((e) => (e as Error).message);
    assert.ok(messages.includes('recognized csr "stranger" as [nodeclient] but subject access review was not approved'), messages.join('\n'));
    assert.ok(messages.includes('recognized csr "other-node" as [nodeclient] but subject access review was not approved'), messages.join('\n'));
  });
});
