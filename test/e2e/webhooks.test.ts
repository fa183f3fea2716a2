// Admission webhooks served by the test over HTTPS, configured and exercised with the real
// kubectl: a mutating webhook changes objects, a validating one rejects them and warns, and
// failurePolicy Fail/Ignore decide what a down or slow webhook means.
import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { generatePki } from '../../src/apiserver/index.ts';
import { missingClient, startCluster, type TestCluster } from './harness.ts';

type Review = { request: { uid: string; object?: Record<string, any>; operation: string } };

describe('admission webhooks', { skip: missingClient('v35') }, () => {
  let c: TestCluster;
  let hooks: https.Server;
  let caBundle: string;
  let port: number;
  let closedPort: number;
  const calls: string[] = [];

  before(async () => {
    c = await startCluster();
    const pki = await generatePki();
    caBundle = Buffer.from(pki.ca.cert).toString('base64');
    hooks = https.createServer({ key: pki.server.key, cert: pki.server.cert }, (req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d));
      req.on('end', () => {
        const review = JSON.parse(body) as Review;
        const path = (req.url ?? '').split('?')[0]!;
        calls.push(`${path} ${review.request.operation} ${review.request.object?.metadata?.name ?? ''}`);
        const answer = (response: Record<string, unknown>) => {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: review.request.uid, ...response } }));
        };
        if (path === '/mutate') {
          const labels = review.request.object?.metadata?.labels;
          const patch = labels ? [{ op: 'add', path: '/metadata/labels/mutated-by', value: 'webhook' }] : [{ op: 'add', path: '/metadata/labels', value: { 'mutated-by': 'webhook' } }];
          return answer({ allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') });
        }
        if (path === '/validate') {
          if (review.request.object?.data?.forbidden !== undefined) return answer({ allowed: false, status: { code: 403, message: 'the key "forbidden" is not allowed' } });
          return answer({ allowed: true, warnings: ['checked by the validating webhook'] });
        }
        if (path === '/slow') {
          setTimeout(() => answer({ allowed: true }), 2500).unref();
          return;
        }
        res.writeHead(404).end();
      });
    });
    await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
    port = (hooks.address() as AddressInfo).port;
    // A port with nothing listening: bind one, note it, close it.
    const probe = https.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const webhook = (name: string, path: string, ns: string, extra = '') => `
- name: ${name}
  clientConfig: {url: "https://127.0.0.1:${path === '/down' ? closedPort : port}${path}", caBundle: ${caBundle}}
  rules: [{operations: [CREATE, UPDATE], apiGroups: [""], apiVersions: [v1], resources: [configmaps]}]
  namespaceSelector: {matchLabels: {hooks: ${ns}}}
  sideEffects: None
  admissionReviewVersions: [v1]
${extra}`;
    for (const ns of ['mutate', 'validate', 'down-fail', 'down-ignore', 'slow-fail', 'slow-ignore', 'none']) {
      await c.k('create', 'namespace', ns);
      await c.k('label', 'namespace', ns, `hooks=${ns}`);
    }
    const configs = `apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: kubelite-test-mutating}
webhooks:${webhook('label.kubelite.test', '/mutate', 'mutate')}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: kubelite-test-validating}
webhooks:${webhook('deny.kubelite.test', '/validate', 'validate')}${webhook('down-fail.kubelite.test', '/down', 'down-fail', '  failurePolicy: Fail\n')}${webhook('down-ignore.kubelite.test', '/down', 'down-ignore', '  failurePolicy: Ignore\n')}${webhook('slow-fail.kubelite.test', '/slow', 'slow-fail', '  failurePolicy: Fail\n  timeoutSeconds: 1\n')}${webhook('slow-ignore.kubelite.test', '/slow', 'slow-ignore', '  failurePolicy: Ignore\n  timeoutSeconds: 1\n')}`;
    const r = await c.kubectl(['apply', '-f', '-'], { stdin: configs });
    assert.equal(r.code, 0, r.stderr);
  });

  after(async () => {
    hooks?.closeAllConnections();
    await new Promise<void>((resolve) => (hooks ? hooks.close(() => resolve()) : resolve()));
    await c?.stop();
  });

  it('a mutating webhook labels the objects of the namespaces it selects, and no others', async () => {
    await c.k('create', 'configmap', 'a', '-n', 'mutate', '--from-literal=k=v');
    assert.equal(await c.k('get', 'cm', 'a', '-n', 'mutate', '-o', 'jsonpath={.metadata.labels.mutated-by}'), 'webhook');
    assert.ok(calls.includes('/mutate CREATE a'));
    // An update goes through it too: a label removed by the client comes back.
    await c.k('label', 'cm', 'a', '-n', 'mutate', 'mutated-by-');
    assert.equal(await c.k('get', 'cm', 'a', '-n', 'mutate', '-o', 'jsonpath={.metadata.labels.mutated-by}'), 'webhook');
    await c.k('create', 'configmap', 'b', '-n', 'none');
    assert.equal(await c.k('get', 'cm', 'b', '-n', 'none', '-o', 'jsonpath={.metadata.labels}'), '');
    assert.ok(!calls.some((x) => x.endsWith(' b')), 'not sent to any webhook');
  });

  it('a validating webhook rejects with its message and code, and its warnings reach kubectl', async () => {
    const denied = await c.kubectl(['create', 'configmap', 'bad', '-n', 'validate', '--from-literal=forbidden=1']);
    assert.equal(denied.code, 1);
    assert.equal(denied.stderr, 'error: failed to create configmap: admission webhook "deny.kubelite.test" denied the request: the key "forbidden" is not allowed\n');
    assert.equal((await c.kubectl(['get', 'cm', 'bad', '-n', 'validate'])).code, 1, 'nothing was stored');
    const allowed = await c.kubectl(['create', 'configmap', 'good', '-n', 'validate', '--from-literal=fine=1']);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.equal(allowed.stderr, 'Warning: checked by the validating webhook\n');
  });

  it('failurePolicy Fail refuses while the webhook is down; Ignore lets the request through', async () => {
    const fail = await c.kubectl(['create', 'configmap', 'x', '-n', 'down-fail']);
    assert.equal(fail.code, 1);
    assert.equal(
      fail.stderr,
      `error: failed to create configmap: Internal error occurred: failed calling webhook "down-fail.kubelite.test": failed to call webhook: Post "https://127.0.0.1:${closedPort}/down?timeout=10s": dial tcp 127.0.0.1:${closedPort}: connect: connection refused\n`,
    );
    const ignore = await c.kubectl(['create', 'configmap', 'x', '-n', 'down-ignore']);
    assert.equal(ignore.code, 0, ignore.stderr);
  });

  it('a webhook slower than its timeout fails the request under Fail and is skipped under Ignore', async () => {
    const started = Date.now();
    const fail = await c.kubectl(['create', 'configmap', 'x', '-n', 'slow-fail']);
    assert.equal(fail.code, 1);
    assert.match(fail.stderr, /failed calling webhook "slow-fail\.kubelite\.test": failed to call webhook: Post "https:\/\/127\.0\.0\.1:\d+\/slow\?timeout=1s": context deadline exceeded/);
    const ignore = await c.kubectl(['create', 'configmap', 'x', '-n', 'slow-ignore']);
    assert.equal(ignore.code, 0, ignore.stderr);
    assert.ok(Date.now() - started < 2400 * 2, 'the timeout cut both calls short of the webhook\'s 2.5 s');
  });
});
