// The Node authorizer and NodeRestriction through kubectl, acting as a kubelet by
// impersonation (system:node:<name> in system:nodes): a node reads only what its pods use and
// writes only its own Node and pods.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { after, before, describe, it } from 'node:test';
import { missingClient, startCluster, type TestCluster } from './harness.ts';

describe('Node authorizer and NodeRestriction', { skip: missingClient('v35') }, () => {
  let c: TestCluster;
  const asNode = (node: string, args: string[], stdin?: string) =>
    c.kubectl([...args, '--as', `system:node:${node}`, '--as-group', 'system:nodes'], stdin !== undefined ? { stdin } : {});
  /** A merge patch of pods/status as the kubelet sends it (kubectl would GET pods/status first, which nodes may not). */
  const patchStatus = (node: string, pod: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const cfg = readFileSync(c.kubeconfigPath, 'utf8');
      const field = (k: string) => Buffer.from(new RegExp(`${k}: (\\S+)`).exec(cfg)![1]!, 'base64').toString();
      const req = https.request(
        `${c.api.url}/api/v1/namespaces/default/pods/${pod}/status`,
        {
          method: 'PATCH',
          ca: field('certificate-authority-data'),
          cert: field('client-certificate-data'),
          key: field('client-key-data'),
          agent: false,
          headers: { 'Content-Type': 'application/merge-patch+json', 'Impersonate-User': `system:node:${node}`, 'Impersonate-Group': 'system:nodes' },
        },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ status: { phase: 'Running' } }));
    });
  before(async () => {
    c = await startCluster();
    const r = await c.kubectl(['apply', '-f', '-'], {
      stdin: `apiVersion: v1
kind: Node
metadata: {name: n1}
---
apiVersion: v1
kind: Node
metadata: {name: n2}
---
apiVersion: v1
kind: Secret
metadata: {name: s1}
stringData: {k: v}
---
apiVersion: v1
kind: Secret
metadata: {name: s2}
stringData: {k: v}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: env1}
data: {k: v}
---
apiVersion: v1
kind: Pod
metadata: {name: p1}
spec:
  nodeName: n1
  volumes: [{name: s, secret: {secretName: s1}}]
  containers: [{name: c, image: busybox, envFrom: [{configMapRef: {name: env1}}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: p2}
spec:
  nodeName: n2
  volumes: [{name: s, secret: {secretName: s2}}]
  containers: [{name: c, image: busybox}]
`,
    });
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await c?.stop();
  });

  it('a node reads the Secrets and ConfigMaps its pods use, and no others', async () => {
    assert.equal((await asNode('n1', ['get', 'secret', 's1', '-o', 'name'])).stdout, 'secret/s1\n');
    assert.equal((await asNode('n1', ['get', 'configmap', 'env1', '-o', 'name'])).stdout, 'configmap/env1\n');
    const other = await asNode('n1', ['get', 'secret', 's2']);
    assert.equal(other.code, 1);
    assert.equal(
      other.stderr,
      'Error from server (Forbidden): secrets "s2" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node \'n1\' and this object\n',
    );
    const list = await asNode('n1', ['get', 'secrets']);
    assert.equal(list.code, 1);
    assert.match(list.stderr, /cannot list resource "secrets" in API group "" in the namespace "default": can only read individual resources of this type/);
    assert.equal((await asNode('n2', ['get', 'secret', 's2', '-o', 'name'])).stdout, 'secret/s2\n');
    assert.equal((await asNode('n1', ['auth', 'can-i', 'get', 'secret/s1'])).stdout, 'yes\n');
    assert.equal((await asNode('n1', ['auth', 'can-i', 'get', 'secret/s2'])).stdout, "no - no relationship found between node 'n1' and this object\n");
  });

  it('a node sees nodes and pods, but changes only its own Node', async () => {
    assert.equal((await asNode('n1', ['get', 'nodes', '-o', 'name'])).stdout, 'node/n1\nnode/n2\n');
    assert.equal((await asNode('n1', ['get', 'pods', '-o', 'name'])).stdout, 'pod/p1\npod/p2\n');
    const own = await asNode('n1', ['label', 'node', 'n1', 'disk=ssd']);
    assert.equal(own.code, 0, own.stderr);
    const other = await asNode('n1', ['label', 'node', 'n2', 'disk=ssd']);
    assert.equal(other.code, 1);
    assert.equal(other.stderr, 'Error from server (Forbidden): nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"\n');
    const restricted = await asNode('n1', ['label', 'node', 'n1', 'node-restriction.kubernetes.io/pool=a']);
    assert.equal(restricted.code, 1);
    assert.match(restricted.stderr, /is not allowed to modify labels: node-restriction\.kubernetes\.io\/pool/);
  });

  it('a node deletes and updates the status of only its own pods, and creates only mirror pods', async () => {
    const status = await patchStatus('n1', 'p1');
    assert.equal(status.status, 200, status.body);
    assert.equal(await c.k('get', 'pod', 'p1', '-o', 'jsonpath={.status.phase}'), 'Running');
    const foreignStatus = await patchStatus('n1', 'p2');
    assert.equal(foreignStatus.status, 403);
    assert.equal(JSON.parse(foreignStatus.body).message, 'pods "p2" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself');
    const del = await asNode('n1', ['delete', 'pod', 'p2']);
    assert.equal(del.code, 1);
    assert.equal(del.stderr, 'Error from server (Forbidden): pods "p2" is forbidden: node "n1" can only delete pods with spec.nodeName set to itself\n');
    const create = await asNode('n1', ['run', 'sneaky', '--image=busybox', '--overrides={"spec":{"nodeName":"n1"}}']);
    assert.equal(create.code, 1);
    assert.match(create.stderr, /pod does not have "kubernetes.io\/config.mirror" annotation, node "n1" can only create mirror pods/);
  });

  it('a node touches only its own Lease', async () => {
    const lease = (name: string) => `apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata: {name: ${name}, namespace: kube-node-lease}\nspec: {holderIdentity: ${name}, leaseDurationSeconds: 40}\n`;
    const own = await asNode('n1', ['create', '-f', '-'], lease('n1'));
    assert.equal(own.code, 0, own.stderr);
    const r = await c.kubectl(['create', '-f', '-'], { stdin: lease('n2') });
    assert.equal(r.code, 0, r.stderr);
    const other = await asNode('n1', ['delete', 'lease', 'n2', '-n', 'kube-node-lease']);
    assert.equal(other.code, 1);
    assert.match(other.stderr, /can only access node lease with the same name as the requesting node/);
  });
});
