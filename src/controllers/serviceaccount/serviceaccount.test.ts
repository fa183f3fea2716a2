import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, resources } from '../../client/index.ts';
import { TokenIssuer } from '../../apiserver/tokens.ts';
import { eventually, sleep } from '../testing.ts';
import { startHarness, type Harness } from './harness.ts';
import { ServiceAccountsController } from './index.ts';
import { SA_NAME_ANNOTATION, SA_TOKEN_TYPE, SA_UID_ANNOTATION, TokensController } from './tokens.ts';

type Obj = Record<string, any>;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');
const exists = async (p: Promise<unknown>) => p.then(() => true, () => false);

describe('ServiceAccounts controller', () => {
  let h: Harness<ServiceAccountsController>;
  before(async () => {
    h = await startHarness((c) => new ServiceAccountsController(c), { account: 'service-account-controller' });
  });
  after(async () => {
    await h?.close();
  });

  it('creates `default` in the namespaces there already were and in new ones', async () => {
    for (const ns of ['default', 'kube-system', 'kube-public']) {
      await eventually(`default SA in ${ns}`, () => exists(h.client.get(resources.serviceaccounts, ns, 'default')));
    }
    await h.client.create(resources.namespaces, undefined, { metadata: { name: 'team-a' } });
    const sa = await eventually('default SA in team-a', () => h.client.get(resources.serviceaccounts, 'team-a', 'default'));
    assert.equal(sa.metadata.name, 'default');
    assert.deepEqual(h.errors, []);
  });

  it('recreates `default` when it is deleted, and leaves other accounts alone', async () => {
    await h.client.create(resources.namespaces, undefined, { metadata: { name: 'team-b' } });
    const first = await eventually('default SA', () => h.client.get(resources.serviceaccounts, 'team-b', 'default'));
    await h.client.create(resources.serviceaccounts, 'team-b', { metadata: { name: 'other' } });
    await h.client.delete(resources.serviceaccounts, 'team-b', 'other');
    await h.client.delete(resources.serviceaccounts, 'team-b', 'default');
    const second = await eventually('recreated', async () => {
      const sa = await h.client.get(resources.serviceaccounts, 'team-b', 'default').catch(() => undefined);
      return sa && sa.metadata.uid !== first.metadata.uid && sa;
    });
    assert.notEqual(second.metadata.uid, first.metadata.uid);
    await sleep(100);
    assert.equal(await exists(h.client.get(resources.serviceaccounts, 'team-b', 'other')), false);
  });

  it('does not create accounts in a terminating namespace', async () => {
    await h.client.create(resources.namespaces, undefined, { metadata: { name: 'team-c', finalizers: [] }, spec: { finalizers: ['kubernetes'] } });
    await eventually('default SA', () => exists(h.client.get(resources.serviceaccounts, 'team-c', 'default')));
    await h.client.delete(resources.namespaces, undefined, 'team-c');
    // Without a namespace controller the namespace stays Terminating with its content.
    await eventually('terminating', async () => (await h.client.get(resources.namespaces, undefined, 'team-c')).status?.phase === 'Terminating');
    await h.client.delete(resources.serviceaccounts, 'team-c', 'default');
    await sleep(200);
    assert.equal(await exists(h.client.get(resources.serviceaccounts, 'team-c', 'default')), false);
    assert.deepEqual(h.errors, []);
  });
});

describe('Tokens controller', () => {
  let h: Harness<TokensController>;
  let issuer: TokenIssuer;
  before(async () => {
    h = await startHarness((c) => {
      issuer = new TokenIssuer(c.env.pki.serviceAccountKey);
      return new TokensController({
        ...c,
        rootCA: c.env.pki.ca.cert,
        generateLegacyToken: (sa, secret) =>
          issuer.issueLegacy({ namespace: sa.metadata.namespace, secretName: secret.metadata.name, serviceAccountName: sa.metadata.name, serviceAccountUid: sa.metadata.uid }),
      });
    });
  });
  after(async () => {
    await h?.close();
  });

  const tokenSecret = (name: string, sa: string, extra: Obj = {}) => ({
    metadata: { name, annotations: { [SA_NAME_ANNOTATION]: sa, ...(extra.annotations ?? {}) } },
    type: SA_TOKEN_TYPE,
  });

  it('fills a token Secret with a legacy token, ca.crt and namespace, and the account uid', async () => {
    const sa = await h.client.create(resources.serviceaccounts, 'default', { metadata: { name: 'builder' } });
    await h.client.create(resources.secrets, 'default', tokenSecret('builder-token', 'builder'));
    const s = await eventually('filled', async () => {
      const x = await h.client.get(resources.secrets, 'default', 'builder-token');
      return x.data?.token && x;
    });
    assert.equal(unb64(s.data['ca.crt']), h.env.pki.ca.cert);
    assert.equal(unb64(s.data.namespace), 'default');
    assert.equal(s.metadata.annotations[SA_UID_ANNOTATION], sa.metadata.uid);
    assert.deepEqual(issuer.verifyLegacy(unb64(s.data.token)), { namespace: 'default', secretName: 'builder-token', serviceAccountName: 'builder', serviceAccountUid: sa.metadata.uid });
    // The API server authenticates the token as the account (which RBAC then refuses).
    const asSa = new Client({ server: h.env.api.url, ca: h.env.pki.ca.cert, token: unb64(s.data.token) });
    try {
      await assert.rejects(h.client.get(resources.secrets, 'default', 'builder-token').then(() => asSa.get(resources.secrets, 'default', 'builder-token')), (err: Obj) => {
        assert.equal(err.code, 403);
        assert.match(err.message, /"system:serviceaccount:default:builder" cannot get resource "secrets"/);
        return true;
      });
    } finally {
      asSa.close();
    }
  });

  it('keeps an existing token and fills only what is missing', async () => {
    await h.client.create(resources.serviceaccounts, 'default', { metadata: { name: 'keeper' } });
    await h.client.create(resources.secrets, 'default', { ...tokenSecret('keeper-token', 'keeper'), data: { token: b64('mine') } });
    const s = await eventually('filled', async () => {
      const x = await h.client.get(resources.secrets, 'default', 'keeper-token');
      return x.data?.namespace && x;
    });
    assert.equal(unb64(s.data.token), 'mine');
    assert.equal(unb64(s.data['ca.crt']), h.env.pki.ca.cert);
  });

  it('deletes token Secrets whose account is missing, has another uid, or is deleted', async () => {
    await h.client.create(resources.secrets, 'default', tokenSecret('orphan-token', 'nobody'));
    const sa = await h.client.create(resources.serviceaccounts, 'default', { metadata: { name: 'uidcheck' } });
    await h.client.create(resources.secrets, 'default', tokenSecret('stale-token', 'uidcheck', { annotations: { [SA_UID_ANNOTATION]: 'not-' + sa.metadata.uid } }));
    await h.client.create(resources.serviceaccounts, 'default', { metadata: { name: 'leaving' } });
    await h.client.create(resources.secrets, 'default', tokenSecret('leaving-token', 'leaving'));
    // An ordinary Secret naming the account is not the controller's business.
    await h.client.create(resources.secrets, 'default', { metadata: { name: 'plain', annotations: { [SA_NAME_ANNOTATION]: 'leaving' } }, data: { a: b64('b') } });
    for (const n of ['orphan-token', 'stale-token']) {
      await eventually(`${n} deleted`, async () => !(await exists(h.client.get(resources.secrets, 'default', n))));
    }
    await eventually('leaving-token filled', async () => (await h.client.get(resources.secrets, 'default', 'leaving-token')).data?.token);
    await h.client.delete(resources.serviceaccounts, 'default', 'leaving');
    await eventually('leaving-token deleted', async () => !(await exists(h.client.get(resources.secrets, 'default', 'leaving-token'))));
    assert.equal(await exists(h.client.get(resources.secrets, 'default', 'plain')), true);
    assert.equal(await exists(h.client.get(resources.serviceaccounts, 'default', 'uidcheck')), true);
  });
});
