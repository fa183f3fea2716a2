import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { resources } from '../../client/index.ts';
import { eventually } from '../testing.ts';
import { startHarness, type Harness } from '../serviceaccount/harness.ts';
import { DESCRIPTION, DESCRIPTION_ANNOTATION, ROOT_CA_CONFIGMAP, RootCACertPublisher } from './index.ts';

describe('root CA certificate publisher', () => {
  let h: Harness<RootCACertPublisher>;
  let ca: string;
  before(async () => {
    h = await startHarness(
      (c) => {
        ca = c.env.pki.ca.cert;
        return new RootCACertPublisher({ ...c, rootCA: ca });
      },
      { account: 'root-ca-cert-publisher' },
    );
  });
  after(async () => {
    await h?.close();
  });

  const get = (ns: string) => h.client.get(resources.configmaps, ns, ROOT_CA_CONFIGMAP);

  it('publishes ca.crt with the description annotation in existing and new namespaces', async () => {
    await h.client.create(resources.namespaces, undefined, { metadata: { name: 'pub-a' } });
    for (const ns of ['default', 'kube-system', 'pub-a']) {
      const cm = await eventually(`configmap in ${ns}`, () => get(ns).catch(() => undefined));
      assert.deepEqual(cm.data, { 'ca.crt': ca });
      assert.equal(cm.metadata.annotations[DESCRIPTION_ANNOTATION], DESCRIPTION);
    }
    assert.match(DESCRIPTION, /^Contains a CA bundle that can be used to verify the kube-apiserver/);
  });

  it('restores the ConfigMap when deleted, and its data and annotation when changed', async () => {
    const first = await eventually('configmap', () => get('default').catch(() => undefined));
    await h.client.delete(resources.configmaps, 'default', ROOT_CA_CONFIGMAP);
    await eventually('recreated', async () => {
      const cm = await get('default').catch(() => undefined);
      return cm && cm.metadata.uid !== first.metadata.uid && cm.data?.['ca.crt'] === ca;
    });
    await h.client.patch(resources.configmaps, 'default', ROOT_CA_CONFIGMAP, 'merge', { data: { 'ca.crt': 'tampered', extra: 'x' }, metadata: { annotations: { [DESCRIPTION_ANNOTATION]: null, mine: 'kept' } } });
    const fixed = await eventually('restored', async () => {
      const cm = await get('default');
      return cm.data?.['ca.crt'] === ca && cm.metadata.annotations?.[DESCRIPTION_ANNOTATION] && cm;
    });
    assert.deepEqual(fixed.data, { 'ca.crt': ca });
    assert.equal(fixed.metadata.annotations[DESCRIPTION_ANNOTATION], DESCRIPTION);
    assert.equal(fixed.metadata.annotations.mine, 'kept');
    assert.deepEqual(h.errors, []);
  });

  it('leaves unrelated ConfigMaps alone', async () => {
    await h.client.create(resources.configmaps, 'default', { metadata: { name: 'other' }, data: { 'ca.crt': 'not ours' } });
    await h.client.patch(resources.configmaps, 'default', 'other', 'merge', { data: { more: '1' } });
    await new Promise((r) => setTimeout(r, 150));
    assert.deepEqual((await h.client.get(resources.configmaps, 'default', 'other')).data, { 'ca.crt': 'not ours', more: '1' });
  });
});
