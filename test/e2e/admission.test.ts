// Admission plugins through kubectl: NamespaceLifecycle and Priority.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { missingClient, startCluster, type TestCluster } from './harness.ts';

const pod = (name: string, extra = '') => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
${extra}  containers: [{name: c, image: busybox}]
`;

describe('admission', { skip: missingClient('v35') }, () => {
  let c: TestCluster;
  before(async () => {
    c = await startCluster();
  });
  after(async () => {
    await c?.stop();
  });

  it('NamespaceLifecycle: system namespaces cannot be deleted; missing namespaces get nothing', async () => {
    const r = await c.kubectl(['delete', 'namespace', 'kube-system']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'Error from server (Forbidden): namespaces "kube-system" is forbidden: this namespace may not be deleted\n');
    const missing = await c.kubectl(['create', 'configmap', 'x', '-n', 'nowhere']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /namespaces "nowhere" not found/);
  });

  it('Priority: the class sets the value; an unknown class or a hand-set value is refused', async () => {
    assert.match(await c.k('get', 'priorityclasses'), /system-cluster-critical\s+2000000000\s+false/);
    const created = await c.kubectl(['apply', '-f', '-'], { stdin: pod('critical', '  priorityClassName: system-node-critical\n') });
    assert.equal(created.code, 0, created.stderr);
    assert.equal(await c.k('get', 'pod', 'critical', '-o', 'jsonpath={.spec.priority} {.spec.preemptionPolicy}'), '2000001000 PreemptLowerPriority');
    const plain = await c.kubectl(['apply', '-f', '-'], { stdin: pod('plain') });
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(await c.k('get', 'pod', 'plain', '-o', 'jsonpath={.spec.priority}'), '0');
    const unknown = await c.kubectl(['apply', '-f', '-'], { stdin: pod('lost', '  priorityClassName: gold\n') });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /pods "lost" is forbidden: no PriorityClass with name gold was found/);
    const handSet = await c.kubectl(['apply', '-f', '-'], { stdin: pod('cheat', '  priority: 5\n') });
    assert.equal(handSet.code, 1);
    assert.match(handSet.stderr, /the integer value of priority \(5\) must not be provided in pod spec; priority admission controller computed 0 from the given PriorityClass name/);
  });
});

describe('DefaultStorageClass', { skip: missingClient('v35') }, () => {
  let c: TestCluster;
  before(async () => {
    c = await startCluster();
  });
  after(async () => {
    await c?.stop();
  });

  it('a claim without a class gets the default one; an explicit "" stays', async () => {
    const claim = (name: string, cls = '') => `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: ${name}}\nspec:\n${cls}  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n`;
    await c.kubectl(['apply', '-f', '-'], { stdin: claim('before-default') });
    assert.equal(await c.k('get', 'pvc', 'before-default', '-o', 'jsonpath={.spec.storageClassName}'), '');
    const sc = await c.kubectl(['apply', '-f', '-'], {
      stdin: 'apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: local\n  annotations: {storageclass.kubernetes.io/is-default-class: "true"}\nprovisioner: kubelite.io/hostpath\n',
    });
    assert.equal(sc.code, 0, sc.stderr);
    await c.kubectl(['apply', '-f', '-'], { stdin: claim('data') });
    assert.equal(await c.k('get', 'pvc', 'data', '-o', 'jsonpath={.spec.storageClassName}'), 'local');
    await c.kubectl(['apply', '-f', '-'], { stdin: claim('none', '  storageClassName: ""\n') });
    assert.equal(await c.k('get', 'pvc', 'none', '-o', 'jsonpath={.spec.storageClassName}'), '');
  });
});
