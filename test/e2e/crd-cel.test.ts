// x-kubernetes-validations CEL rules through the real kubectl: a custom resource breaking a
// rule is rejected with the rule's message at the rule's path.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { missingClient, startCluster, writeTemp, type TestCluster } from './harness.ts';

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.cel.example.com
spec:
  group: cel.example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-validations:
            - rule: self.minReplicas <= self.replicas
              message: minReplicas must not exceed replicas
            properties:
              minReplicas: {type: integer}
              replicas: {type: integer}
`;

const widget = (name: string, min: number, replicas: number) => `apiVersion: cel.example.com/v1
kind: Widget
metadata: {name: ${name}}
spec: {minReplicas: ${min}, replicas: ${replicas}}
`;

describe('CRD validation rules with kubectl 1.35', { skip: missingClient('v35') }, () => {
  let c: TestCluster;
  before(async () => {
    c = await startCluster();
  });
  after(async () => {
    await c?.stop();
  });

  it('rejects a custom resource that breaks a rule, with the rule message', async () => {
    await c.k('apply', '-f', writeTemp(c, 'crd.yaml', CRD));
    await c.k('wait', '--for', 'condition=established', 'crd/widgets.cel.example.com', '--timeout=10s');
    assert.equal(await c.k('apply', '-f', writeTemp(c, 'ok.yaml', widget('ok', 1, 3))), 'widget.cel.example.com/ok created\n');
    const r = await c.kubectl(['apply', '-f', writeTemp(c, 'bad.yaml', widget('bad', 5, 3))]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /The Widget "bad" is invalid: spec: Invalid value: "object": minReplicas must not exceed replicas\n/);
  });
});
