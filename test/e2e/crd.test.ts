// CustomResourceDefinitions through the real kubectl: served once established, custom
// resources with printer columns, status and scale subresources, several versions, deletion.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { missingClient, startCluster, writeTemp, type TestCluster } from './harness.ts';

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crontabs.stable.example.com
spec:
  group: stable.example.com
  scope: Namespaced
  names: {plural: crontabs, singular: crontab, kind: CronTab, shortNames: [ct]}
  versions:
  - name: v1beta1
    served: true
    storage: false
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              cronSpec: {type: string}
              image: {type: string}
              replicas: {type: integer}
          status:
            type: object
            properties:
              replicas: {type: integer}
    subresources:
      status: {}
      scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas}
    additionalPrinterColumns:
    - {name: Spec, type: string, jsonPath: .spec.cronSpec}
    - {name: Replicas, type: integer, jsonPath: .spec.replicas}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
`;

const CR = `apiVersion: stable.example.com/v1
kind: CronTab
metadata: {name: my-cron}
spec: {cronSpec: "* * * * */5", image: my-image, replicas: 2}
`;

describe('CustomResourceDefinitions with kubectl 1.35', { skip: missingClient('v35') }, () => {
  let c: TestCluster;
  before(async () => {
    c = await startCluster();
  });
  after(async () => {
    await c?.stop();
  });

  it('is established and served at once', async () => {
    assert.equal(await c.k('apply', '-f', writeTemp(c, 'crd.yaml', CRD)), 'customresourcedefinition.apiextensions.k8s.io/crontabs.stable.example.com created\n');
    const crd = JSON.parse(await c.k('get', 'crd', 'crontabs.stable.example.com', '-o', 'json'));
    const established = crd.status.conditions.find((x: { type: string }) => x.type === 'Established');
    assert.equal(established.status, 'True');
    assert.deepEqual(crd.status.storedVersions, ['v1']);
    await c.k('wait', '--for', 'condition=established', 'crd/crontabs.stable.example.com', '--timeout=10s');
    const res = await c.k('api-resources', '--api-group', 'stable.example.com');
    assert.match(res, /^crontabs\s+ct\s+stable\.example\.com\/v1\s+true\s+CronTab$/m);
  });

  it('creates and lists custom resources with the printer columns', async () => {
    assert.equal(await c.k('apply', '-f', writeTemp(c, 'cr.yaml', CR)), 'crontab.stable.example.com/my-cron created\n');
    const table = await c.k('get', 'ct');
    assert.match(table, /^NAME\s+SPEC\s+REPLICAS\s+AGE\nmy-cron\s+\* \* \* \* \*\/5\s+2\s+\d+s\n$/);
    // Served in both versions from one storage (None conversion relabels apiVersion).
    const beta = JSON.parse(await c.k('get', 'crontabs.v1beta1.stable.example.com', 'my-cron', '-o', 'json'));
    assert.equal(beta.apiVersion, 'stable.example.com/v1beta1');
    assert.equal(beta.spec.image, 'my-image');
  });

  it('scales through the scale subresource and keeps status apart', async () => {
    assert.equal(await c.k('scale', 'ct', 'my-cron', '--replicas=5'), 'crontab.stable.example.com/my-cron scaled\n');
    assert.equal(await c.k('get', 'ct', 'my-cron', '-o', 'jsonpath={.spec.replicas}'), '5');
    await c.k('patch', 'ct', 'my-cron', '--subresource=status', '--type=merge', '-p', '{"status":{"replicas":5}}');
    assert.equal(await c.k('get', 'ct', 'my-cron', '-o', 'jsonpath={.status.replicas}'), '5');
    // Status written through the main resource is ignored.
    await c.k('patch', 'ct', 'my-cron', '--type=merge', '-p', '{"status":{"replicas":9},"spec":{"image":"v2"}}');
    assert.equal(await c.k('get', 'ct', 'my-cron', '-o', 'jsonpath={.status.replicas} {.spec.image}'), '5 v2');
  });

  it('validates, prunes and defaults custom resources by their schema', async () => {
    const bad = writeTemp(c, 'bad-cr.yaml', CR.replace('name: my-cron', 'name: bad-cron').replace('replicas: 2', 'replicas: "two"'));
    const r = await c.kubectl(['apply', '-f', bad]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /The CronTab "bad-cron" is invalid: \n\* spec\.replicas: Invalid value: "string": spec\.replicas in body must be of type integer: "string"\n/);
    const typo = writeTemp(c, 'typo-cr.yaml', CR.replace('name: my-cron', 'name: typo-cron').replace('replicas: 2', 'replicas: 2, colour: red'));
    const t = await c.kubectl(['apply', '-f', typo]);
    assert.equal(t.code, 1);
    assert.match(t.stderr, /unknown field "spec\.colour"/);
    // With validation off on the client and Ignore on the server, the field is pruned silently.
    await c.k('apply', '--validate=false', '-f', typo);
    assert.equal(await c.k('get', 'ct', 'typo-cron', '-o', 'jsonpath={.spec.colour}|{.spec.image}'), '|my-image');
  });

  it('explains the custom resource from its schema', async () => {
    const out = await c.k('explain', 'crontab.spec');
    assert.match(out, /KIND:\s+CronTab/);
    assert.match(out, /cronSpec\s+<string>/);
    assert.match(out, /replicas\s+<integer>/);
  });

  it('deleting the CRD deletes its resources and stops serving them', async () => {
    await c.k('delete', 'crd', 'crontabs.stable.example.com');
    assert.equal((await c.k('get', 'crd', '-o', 'name')).trim(), '');
    const raw = await c.kubectl(['get', '--raw', '/apis/stable.example.com/v1/namespaces/default/crontabs']);
    assert.notEqual(raw.code, 0);
    assert.equal(await c.store.range('/registry/stable.example.com/', { prefix: true, countOnly: true }).then((r) => r.count), 0);
  });
});
