// The audit log and encryption at rest, configured as kube-apiserver's flags configure them,
// checked through kubectl and by reading what the store really holds.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generatePki, startApiServer } from '../../src/apiserver/index.ts';
import { missingClient, startCluster, type TestCluster } from './harness.ts';

const key1 = Buffer.alloc(32, 1).toString('base64');
const key2 = Buffer.alloc(32, 2).toString('base64');
const encryptionConfig = (providers: string) => `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
${providers}`;

describe('encryption at rest', { skip: missingClient('v35') }, () => {
  let c: TestCluster;
  let dir: string;
  before(async () => {
    dir = (await import('node:fs')).mkdtempSync(join((await import('node:os')).tmpdir(), 'kubelite-enc-'));
    const file = join(dir, 'enc.yaml');
    writeFileSync(file, encryptionConfig(`  - aescbc: {keys: [{name: key1, secret: ${key1}}]}\n  - identity: {}\n`));
    c = await startCluster({ encryptionProviderConfig: file });
  });
  after(async () => {
    await c?.stop();
  });

  const raw = async (key: string) => Buffer.from((await c.store.range(key)).kvs[0]!.value);

  it('a Secret is stored encrypted and read back in clear; other kinds stay plain', async () => {
    await c.k('create', 'secret', 'generic', 'db', '--from-literal=password=hunter2-hunter2');
    const stored = await raw('/registry/secrets/default/db');
    assert.equal(stored.subarray(0, 23).toString(), 'k8s:enc:aescbc:v1:key1:');
    assert.ok(!stored.includes('hunter2'), 'no clear text');
    assert.ok(!stored.includes(Buffer.from('hunter2-hunter2').toString('base64')), 'no base64 of it either');
    assert.equal(Buffer.from(await c.k('get', 'secret', 'db', '-o', 'jsonpath={.data.password}'), 'base64').toString(), 'hunter2-hunter2');
    assert.match(await c.k('get', 'secrets'), /db\s+Opaque\s+1/);
    await c.k('create', 'configmap', 'plain', '--from-literal=a=b');
    assert.equal((await raw('/registry/configmaps/default/plain')).subarray(0, 1).toString(), '{');
  });

  it('rotation: with a new first key, old data still reads and a rewrite re-encrypts it', async () => {
    const file = join(dir, 'rotated.yaml');
    writeFileSync(file, encryptionConfig(`  - aescbc: {keys: [{name: key2, secret: ${key2}}, {name: key1, secret: ${key1}}]}\n`));
    await c.api.close();
    const api = await startApiServer({ store: c.store, pki: await generatePki(), port: 0, encryptionProviderConfig: file });
    try {
      const secrets = api.registry.get('', 'v1', 'secrets')!;
      const s = await api.rest.get(secrets, 'default', 'db');
      assert.equal(Buffer.from(s.data.password, 'base64').toString(), 'hunter2-hunter2');
      // The same object written back (what `kubectl get -o json | kubectl replace -f -` does).
      await api.rest.update(secrets, 'default', 'db', s);
      assert.equal((await raw('/registry/secrets/default/db')).subarray(0, 23).toString(), 'k8s:enc:aescbc:v1:key2:');
    } finally {
      await api.close();
    }
  });

  it('a bad configuration is refused with the field that is wrong', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, encryptionConfig(`  - aesgcm: {keys: [{name: k, secret: ${Buffer.alloc(7).toString('base64')}}]}\n`));
    await assert.rejects(startApiServer({ store: c.store, pki: await generatePki(), port: 0, encryptionProviderConfig: file }), /resources\[0\]\.providers\[0\]\.aesgcm\.keys\[0\]\.secret/);
  });
});

describe('audit log', { skip: missingClient('v35') }, () => {
  let c: TestCluster;
  let log: string;
  before(async () => {
    const dir = (await import('node:fs')).mkdtempSync(join((await import('node:os')).tmpdir(), 'kubelite-audit-'));
    const policy = join(dir, 'policy.yaml');
    log = join(dir, 'audit.log');
    writeFileSync(
      policy,
      `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: RequestResponse
  resources: [{group: "", resources: [configmaps]}]
- level: Metadata
  resources: [{group: "", resources: [secrets]}]
- level: None
  nonResourceURLs: ["/api*", "/version", "/openapi*"]
- level: Metadata
`,
    );
    c = await startCluster({ auditPolicyFile: policy, auditLogPath: log });
  });
  after(async () => {
    await c?.stop();
  });

  const events = () =>
    readFileSync(log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, any>);

  it('writes one JSON line per event, at the level the first matching rule says', async () => {
    await c.k('create', 'configmap', 'audited', '--from-literal=color=blue');
    await c.k('create', 'secret', 'generic', 'hidden', '--from-literal=pw=s3cret');
    await c.k('get', 'pods');
    await new Promise((r) => setTimeout(r, 50));
    const all = events();
    const cm = all.find((e) => e.verb === 'create' && e.objectRef?.resource === 'configmaps');
    assert.ok(cm, 'the configmap create');
    assert.equal(cm.kind, 'Event');
    assert.equal(cm.apiVersion, 'audit.k8s.io/v1');
    assert.equal(cm.level, 'RequestResponse');
    assert.equal(cm.stage, 'ResponseComplete');
    assert.equal(cm.user.username, 'kubernetes-admin');
    assert.deepEqual(cm.objectRef, { resource: 'configmaps', namespace: 'default', name: 'audited', apiVersion: 'v1' });
    assert.equal(cm.responseStatus.code, 201);
    assert.equal(cm.requestObject.data.color, 'blue');
    assert.equal(cm.responseObject.metadata.name, 'audited');
    assert.match(cm.auditID, /^[0-9a-f-]{36}$/);
    assert.match(cm.requestReceivedTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const secret = all.find((e) => e.verb === 'create' && e.objectRef?.resource === 'secrets');
    assert.ok(secret, 'the secret create');
    assert.equal(secret.level, 'Metadata');
    assert.equal(secret.requestObject, undefined, 'Metadata level keeps no bodies');
    assert.ok(!readFileSync(log, 'utf8').includes('s3cret') && !readFileSync(log, 'utf8').includes(Buffer.from('s3cret').toString('base64')));
    const list = all.find((e) => e.verb === 'list' && e.objectRef?.resource === 'pods');
    assert.equal(list?.level, 'Metadata');
    assert.ok(!all.some((e) => e.requestURI === '/api' || e.requestURI?.startsWith('/openapi')), 'discovery is at level None');
    assert.ok(!all.some((e) => e.stage === 'RequestReceived'), 'the omitted stage');
  });

  it('refused requests are logged with their status', async () => {
    const r = await c.kubectl(['get', 'secrets', '--as', 'mallory']);
    assert.equal(r.code, 1);
    await new Promise((r) => setTimeout(r, 50));
    const denied = events().find((e) => e.impersonatedUser?.username === 'mallory' && e.objectRef?.resource === 'secrets');
    assert.ok(denied, 'the forbidden list');
    assert.equal(denied.user.username, 'kubernetes-admin');
    assert.equal(denied.responseStatus.code, 403);
    assert.equal(denied.responseStatus.reason, 'Forbidden');
  });
});
