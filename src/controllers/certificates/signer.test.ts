import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { X509Certificate } from 'node:crypto';
import { makeCsr } from '../../auth/csr/index.ts';
import { eventually, sleep } from '../testing.ts';
import { startHarness, type Harness } from '../serviceaccount/harness.ts';
import { CSR_RESOURCE, CsrSigningController, conditionOf } from './signer.ts';

type Obj = Record<string, any>;

describe('CSR signing controller', () => {
  let h: Harness<CsrSigningController>;
  before(async () => {
    h = await startHarness((c) => new CsrSigningController({ ...c, ca: c.env.pki.ca }), { account: 'certificate-controller' });
  });
  after(async () => {
    await h?.close();
  });

  const create = async (name: string, signerName: string, usages: string[], cn: string, orgs: string[] = []) => {
    const { request } = await makeCsr(cn, orgs);
    return h.client.create(CSR_RESOURCE, undefined, { metadata: { name }, spec: { request, signerName, usages, expirationSeconds: 3600 } });
  };
  const decide = async (name: string, type: 'Approved' | 'Denied') => {
    const csr = await h.client.get(CSR_RESOURCE, undefined, name);
    csr.status = { conditions: [{ type, status: 'True', reason: 'Test', message: 'by the test' }] };
    await h.client.update(CSR_RESOURCE, undefined, csr, { subresource: 'approval' });
  };
  const get = (name: string) => h.client.get(CSR_RESOURCE, undefined, name);

  it('signs an approved request for a built-in signer with the cluster CA', async () => {
    await create('jane', 'kubernetes.io/kube-apiserver-client', ['client auth', 'digital signature'], 'jane', ['devs']);
    await sleep(100);
    assert.equal((await get('jane')).status?.certificate, undefined, 'not signed before approval');
    await decide('jane', 'Approved');
    const csr = await eventually('signed', async () => {
      const c = await get('jane');
      return c.status?.certificate && c;
    });
    const cert = new X509Certificate(Buffer.from(csr.status.certificate, 'base64'));
    assert.match(cert.subject, /CN=jane/);
    assert.match(cert.subject, /O=devs/);
    assert.ok(cert.verify(new X509Certificate(h.env.pki.ca.cert).publicKey), 'issued by the cluster CA');
    assert.equal(conditionOf(csr, 'Failed'), undefined);
    assert.deepEqual(h.errors, []);
  });

  it('marks a request the signer refuses Failed with SignerValidationFailure', async () => {
    await create('bad-kubelet', 'kubernetes.io/kube-apiserver-client-kubelet', ['client auth', 'digital signature'], 'jane', ['system:nodes']);
    await decide('bad-kubelet', 'Approved');
    const failed = await eventually('failed', async () => conditionOf(await get('bad-kubelet'), 'Failed'));
    assert.equal(failed.status, 'True');
    assert.equal(failed.reason, 'SignerValidationFailure');
    assert.equal(failed.message, 'subject common name does not begin with system:node:');
    assert.equal((await get('bad-kubelet')).status?.certificate, undefined);
  });

  it('leaves denied requests and other signers alone', async () => {
    await create('denied', 'kubernetes.io/kube-apiserver-client', ['client auth'], 'bob');
    await decide('denied', 'Denied');
    await create('custom', 'example.com/signer', ['client auth'], 'carol');
    await decide('custom', 'Approved');
    await sleep(200);
    for (const n of ['denied', 'custom']) {
      const c: Obj = await get(n);
      assert.equal(c.status?.certificate, undefined, n);
      assert.equal(conditionOf(c, 'Failed'), undefined, n);
    }
  });
});
