// Server-side apply through kubectl: managedFields, conflicts with another manager, forcing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { missingClient, startCluster, writeTemp, type TestCluster } from './harness.ts';

const DEPLOY = (replicas: number, image = 'nginx:1.27') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: nginx, image: "${image}"}
`;

describe('kubectl apply --server-side', { skip: missingClient('v35') }, () => {
  let c: TestCluster;
  before(async () => {
    c = await startCluster();
  });
  after(async () => {
    await c?.stop();
  });

  it('creates with an Apply entry in managedFields', async () => {
    assert.equal(await c.k('apply', '--server-side', '-f', writeTemp(c, 'd1.yaml', DEPLOY(2))), 'deployment.apps/web serverside-applied\n');
    const d = JSON.parse(await c.k('get', 'deploy', 'web', '-o', 'json', '--show-managed-fields'));
    const entry = d.metadata.managedFields.find((m: { manager: string }) => m.manager === 'kubectl');
    assert.equal(entry.operation, 'Apply');
    assert.equal(entry.apiVersion, 'apps/v1');
    assert.equal(entry.fieldsType, 'FieldsV1');
    assert.ok(entry.fieldsV1['f:spec']['f:replicas'], 'owns spec.replicas');
    assert.ok(entry.fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"nginx"}']['f:image']);
  });

  it('conflicts with another manager that changed a field, and --force-conflicts takes it over', async () => {
    await c.k('patch', 'deploy', 'web', '--type=merge', '-p', '{"spec":{"replicas":5}}');
    const r = await c.kubectl(['apply', '--server-side', '-f', writeTemp(c, 'd2.yaml', DEPLOY(3))]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Apply failed with 1 conflict: conflict with "kubectl-patch" using apps\/v1: \.spec\.replicas/);
    assert.equal(await c.k('get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}'), '5', 'nothing written on conflict');
    assert.equal(await c.k('apply', '--server-side', '--force-conflicts', '-f', writeTemp(c, 'd3.yaml', DEPLOY(3))), 'deployment.apps/web serverside-applied\n');
    const d = JSON.parse(await c.k('get', 'deploy', 'web', '-o', 'json', '--show-managed-fields'));
    assert.equal(d.spec.replicas, 3);
    const patcher = d.metadata.managedFields.find((m: { manager: string }) => m.manager === 'kubectl-patch');
    assert.ok(!patcher || !patcher.fieldsV1?.['f:spec']?.['f:replicas'], 'ownership moved to the applier');
  });

  it('a field the applier stops applying is removed', async () => {
    const withLabel = DEPLOY(3).replace('labels: {app: web}}', 'labels: {app: web, extra: "yes"}}');
    await c.k('apply', '--server-side', '-f', writeTemp(c, 'd4.yaml', withLabel));
    assert.equal(await c.k('get', 'deploy', 'web', '-o', 'jsonpath={.metadata.labels.extra}'), 'yes');
    await c.k('apply', '--server-side', '-f', writeTemp(c, 'd5.yaml', DEPLOY(3)));
    assert.equal(await c.k('get', 'deploy', 'web', '-o', 'jsonpath={.metadata.labels.extra}'), '');
  });

  it('dry-run=server does not write', async () => {
    const out = await c.k('apply', '--server-side', '--dry-run=server', '-f', writeTemp(c, 'd6.yaml', DEPLOY(3, 'nginx:2')));
    assert.equal(out, 'deployment.apps/web serverside-applied (server dry run)\n');
    assert.equal(await c.k('get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'), 'nginx:1.27');
  });
});
