// LimitRanger and ResourceQuota through kubectl: defaults filled in, limits refused with
// upstream's messages, usage charged on create and given back on delete.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { missingClient, startCluster, waitFor, type TestCluster } from './harness.ts';

describe('LimitRanger', { skip: missingClient('v35') }, () => {
  let c: TestCluster;
  before(async () => {
    c = await startCluster();
    await c.k('create', 'namespace', 'limited');
    const r = await c.kubectl(['apply', '-n', 'limited', '-f', '-'], {
      stdin: `apiVersion: v1
kind: LimitRange
metadata: {name: limits}
spec:
  limits:
  - type: Container
    default: {cpu: 500m, memory: 256Mi}
    defaultRequest: {cpu: 100m, memory: 128Mi}
    max: {cpu: "1", memory: 1Gi}
    min: {cpu: 50m}
`,
    });
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await c?.stop();
  });

  it('fills in defaults and says so in an annotation', async () => {
    await c.k('run', 'web', '-n', 'limited', '--image=nginx');
    const pod = JSON.parse(await c.k('get', 'pod', 'web', '-n', 'limited', '-o', 'json'));
    assert.deepEqual(pod.spec.containers[0].resources, { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '128Mi' } });
    assert.equal(pod.metadata.annotations['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: cpu, memory request for container web; cpu, memory limit for container web');
  });

  it('refuses a container above max or below min', async () => {
    const big = await c.kubectl(['run', 'big', '-n', 'limited', '--image=nginx', '--overrides={"spec":{"containers":[{"name":"big","image":"nginx","resources":{"limits":{"cpu":"2"}}}]}}']);
    assert.equal(big.code, 1);
    assert.equal(big.stderr, 'Error from server (Forbidden): pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2\n');
    const small = await c.kubectl(['run', 'small', '-n', 'limited', '--image=nginx', '--overrides={"spec":{"containers":[{"name":"small","image":"nginx","resources":{"requests":{"cpu":"10m"}}}]}}']);
    assert.equal(small.code, 1);
    assert.equal(small.stderr, 'Error from server (Forbidden): pods "small" is forbidden: minimum cpu usage per Container is 50m, but request is 10m\n');
  });
});

describe('ResourceQuota', { skip: missingClient('v35') }, () => {
  let c: TestCluster;
  before(async () => {
    c = await startCluster();
    await c.k('create', 'namespace', 'team');
    await c.k('create', 'quota', 'q', '-n', 'team', '--hard=pods=2,configmaps=3,requests.cpu=1');
    await waitFor('the quota to be counted', async () => ((await c.k('get', 'quota', 'q', '-n', 'team', '-o', 'jsonpath={.status.used.pods}')) === '0') || undefined);
  });
  after(async () => {
    await c?.stop();
  });

  it('counts what is there, including the namespace\'s own ConfigMap', async () => {
    assert.equal(await c.k('get', 'quota', 'q', '-n', 'team', '-o', 'jsonpath={.status.used.configmaps}'), '1', 'kube-root-ca.crt');
    assert.equal(await c.k('get', 'quota', 'q', '-n', 'team', '-o', 'jsonpath={.status.hard.pods}'), '2');
  });

  it('requires requests for the compute resources it limits', async () => {
    const r = await c.kubectl(['run', 'bare', '-n', 'team', '--image=nginx']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'Error from server (Forbidden): pods "bare" is forbidden: failed quota: q: must specify requests.cpu for: bare\n');
  });

  it('refuses past the hard limit and admits again once usage goes down', async () => {
    const pod = (name: string) => c.kubectl(['run', name, '-n', 'team', '--image=nginx', '--overrides', JSON.stringify({ spec: { containers: [{ name, image: 'nginx', resources: { requests: { cpu: '200m' } } }] } })]);
    assert.equal((await pod('p1')).code, 0);
    assert.equal((await pod('p2')).code, 0);
    assert.equal(await c.k('get', 'quota', 'q', '-n', 'team', '-o', 'jsonpath={.status.used.pods} {.status.used.requests\\.cpu}'), '2 400m');
    const third = await pod('p3');
    assert.equal(third.code, 1);
    assert.equal(third.stderr, 'Error from server (Forbidden): pods "p3" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2\n');
    await c.k('delete', 'pod', 'p1', '-n', 'team', '--grace-period=0', '--force');
    await waitFor('usage to go down', async () => ((await c.k('get', 'quota', 'q', '-n', 'team', '-o', 'jsonpath={.status.used.pods}')) === '1') || undefined);
    assert.equal((await pod('p3')).code, 0);
    assert.match(await c.k('describe', 'quota', 'q', '-n', 'team'), /pods\s+2\s+2/);
  });

  it('counts objects of other kinds', async () => {
    await c.k('create', 'configmap', 'a', '-n', 'team');
    await c.k('create', 'configmap', 'b', '-n', 'team');
    const r = await c.kubectl(['create', 'configmap', 'c', '-n', 'team']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'error: failed to create configmap: configmaps "c" is forbidden: exceeded quota: q, requested: configmaps=1, used: configmaps=3, limited: configmaps=3\n');
  });
});
