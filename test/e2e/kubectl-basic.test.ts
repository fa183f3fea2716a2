// The real kubectl against kubelite: discovery, create/get/list/label/delete and watch.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { missingClient, startCluster, writeTemp, type TestCluster } from './harness.ts';

const skip = missingClient('v35');

describe('kubectl 1.35 basics', { skip }, () => {
  let c: TestCluster;
  before(async () => {
    c = await startCluster();
  });
  after(async () => {
    await c?.stop();
  });

  it('reports the server version', async () => {
    const out = await c.k('version', '-o', 'json');
    const v = JSON.parse(out);
    assert.equal(v.serverVersion.gitVersion, 'v1.35.0-kubelite');
    assert.equal(v.serverVersion.minor, '35');
  });

  it('lists the system namespaces with NAME and AGE columns', async () => {
    const out = await c.k('get', 'namespaces');
    const lines = out.trim().split('\n');
    assert.match(lines[0]!, /^NAME\s+(STATUS\s+)?AGE$/);
    assert.deepEqual(
      lines.slice(1).map((l) => l.split(/\s+/)[0]),
      ['default', 'kube-node-lease', 'kube-public', 'kube-system'],
    );
  });

  it('api-resources and api-versions come from discovery', async () => {
    const res = await c.k('api-resources', '-o', 'wide');
    assert.match(res, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment\s+create,delete,deletecollection,get,list,patch,update,watch\s+all$/m);
    assert.match(res, /^namespaces\s+ns\s+v1\s+false\s+Namespace/m);
    const versions = (await c.k('api-versions')).trim().split('\n');
    for (const gv of ['v1', 'apps/v1', 'batch/v1', 'autoscaling/v2', 'rbac.authorization.k8s.io/v1', 'apiextensions.k8s.io/v1']) {
      assert.ok(versions.includes(gv), `${gv} in ${versions.join(' ')}`);
    }
    const raw = JSON.parse(await c.k('get', '--raw', '/apis/apps/v1'));
    assert.equal(raw.kind, 'APIResourceList');
    assert.ok(raw.resources.some((r: { name: string }) => r.name === 'deployments/scale'));
  });

  it('creates objects from multi-document YAML and reads them back in every output format', async () => {
    const file = writeTemp(
      c,
      'objs.yaml',
      `apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
  labels: {tier: web, env: prod}
data:
  color: blue
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: other
  namespace: shop
  labels: {tier: db}
data:
  size: "3"
`,
    );
    const out = await c.k('create', '-f', file, '--validate=false');
    assert.equal(out, 'namespace/shop created\nconfigmap/settings created\nconfigmap/other created\n');
    // apply of the same multi-document file, validated against the OpenAPI documents.
    assert.equal(
      await c.k('apply', '-f', file),
      'namespace/shop configured\nconfigmap/settings configured\nconfigmap/other configured\n',
    );
    assert.equal(await c.k('apply', '-f', file), 'namespace/shop unchanged\nconfigmap/settings unchanged\nconfigmap/other unchanged\n');
    const y = await c.k('get', 'configmap', 'settings', '-n', 'shop', '-o', 'yaml');
    assert.match(y, /^apiVersion: v1\n/);
    assert.match(y, /\n {2}color: blue\n/);
    assert.match(y, /\n {2}uid: [0-9a-f-]{36}\n/);
    assert.match(y, /\n {2}resourceVersion: "\d+"\n/);
    const j = JSON.parse(await c.k('get', 'cm', 'settings', '-n', 'shop', '-o', 'json'));
    assert.equal(j.data.color, 'blue');
    // Every namespace also gets the cluster CA's ConfigMap, as upstream's root-ca publisher makes it.
    assert.equal(await c.k('get', 'cm', '-n', 'shop', '-o', 'jsonpath={.items[*].metadata.name}'), 'kube-root-ca.crt other settings');
    assert.equal(await c.k('get', 'cm', '-n', 'shop', '-l', 'tier=web', '-o', 'name'), 'configmap/settings\n');
    assert.equal(await c.k('get', 'cm', '-n', 'shop', '-l', 'tier in (web,db),env!=prod', '-o', 'name'), 'configmap/other\n');
    assert.equal(await c.k('get', 'cm', '-n', 'shop', '--field-selector', 'metadata.name=other', '-o', 'name'), 'configmap/other\n');
    const all = await c.k('get', 'cm', '-A', '--sort-by', '.metadata.name');
    // Sorted by name: every namespace's kube-root-ca.crt, then the test's two.
    assert.match(all, /^NAMESPACE\s+NAME\s+DATA\s+AGE\n(\S+\s+kube-root-ca\.crt\s+1\s+\S+\n){5}shop\s+other\s+1\s+\S+\nshop\s+settings\s+1\s+\S+\n$/);
  });

  it('labels, annotates and deletes', async () => {
    assert.equal(await c.k('create', 'namespace', 'scratch'), 'namespace/scratch created\n');
    const created = JSON.parse(await c.k('get', 'ns', 'scratch', '-o', 'json'));
    assert.equal(created.status.phase, 'Active');
    assert.equal(await c.k('label', 'ns', 'scratch', 'team=blue'), 'namespace/scratch labeled\n');
    assert.equal(await c.k('annotate', 'ns', 'scratch', 'note=hello'), 'namespace/scratch annotated\n');
    const ns = JSON.parse(await c.k('get', 'ns', 'scratch', '-o', 'json'));
    assert.equal(ns.metadata.labels.team, 'blue');
    assert.equal(ns.metadata.annotations.note, 'hello');
    assert.equal(await c.k('label', 'ns', 'scratch', 'team-'), 'namespace/scratch unlabeled\n');
    const r = await c.kubectl(['get', 'ns', 'nope']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'Error from server (NotFound): namespaces "nope" not found\n');
  });

  it('reports AlreadyExists and Conflict as upstream does', async () => {
    const file = writeTemp(c, 'cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dup, namespace: default}\ndata: {a: "1"}\n');
    await c.k('create', '-f', file, '--validate=false');
    const again = await c.kubectl(['create', '-f', file, '--validate=false']);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, 'Error from server (AlreadyExists): error when creating "' + file + '": configmaps "dup" already exists\n');
    const stale = writeTemp(c, 'stale.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dup, namespace: default, resourceVersion: "1"}\ndata: {a: "2"}\n');
    const conflict = await c.kubectl(['replace', '-f', stale, '--validate=false']);
    assert.equal(conflict.code, 1);
    assert.match(conflict.stderr, /Error from server \(Conflict\): error when replacing ".*stale.yaml": Operation cannot be fulfilled on configmaps "dup": the object has been modified; please apply your changes to the latest version and try again/);
  });
});

describe('namespace deletion', { skip }, () => {
  let c: TestCluster;
  before(async () => {
    c = await startCluster();
  });
  after(async () => {
    await c?.stop();
  });

  it('deletes everything in the namespace, then the namespace; creating into it meanwhile is refused', async () => {
    const file = writeTemp(
      c,
      'ns.yaml',
      `apiVersion: v1
kind: Namespace
metadata: {name: doomed}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: a, namespace: doomed, finalizers: [example.com/hold]}
---
apiVersion: v1
kind: Secret
metadata: {name: b, namespace: doomed}
stringData: {k: v}
`,
    );
    await c.k('create', '-f', file, '--validate=false');
    assert.equal(await c.k('delete', 'ns', 'doomed', '--wait=false'), 'namespace "doomed" deleted\n');
    const ns = JSON.parse(await c.k('get', 'ns', 'doomed', '-o', 'json'));
    assert.equal(ns.status.phase, 'Terminating');
    assert.ok(ns.metadata.deletionTimestamp);
    const refused = await c.kubectl(['create', '-f', writeTemp(c, 'late.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: late, namespace: doomed}\n'), '--validate=false']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Error from server \(Forbidden\): error when creating ".*late.yaml": configmaps "late" is forbidden: unable to create new content in namespace doomed because it is being terminated\n|unable to create new content in namespace doomed because it is being terminated/);
    // The secret goes at once; the configmap waits for its finalizer.
    await waitFor(async () => (await c.kubectl(['get', 'secret', 'b', '-n', 'doomed'])).code === 1);
    assert.equal((await c.kubectl(['get', 'ns', 'doomed'])).code, 0, 'namespace stays while content is left');
    await c.k('patch', 'cm', 'a', '-n', 'doomed', '--type=merge', '-p', '{"metadata":{"finalizers":null}}');
    await waitFor(async () => (await c.kubectl(['get', 'ns', 'doomed'])).code === 1);
    const gone = await c.kubectl(['get', 'ns', 'doomed']);
    assert.equal(gone.stderr, 'Error from server (NotFound): namespaces "doomed" not found\n');
  });
});

async function waitFor(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not met in time');
}
