// ValidatingAdmissionPolicy with the real kubectl: the kubernetes.io example (deployments with
// more than 5 replicas refused in namespaces labeled environment=test), a Warn binding whose
// failures reach kubectl as `Warning:` lines, and a policy whose limit comes from a ConfigMap
// param.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { missingClient, startCluster, type TestCluster } from './harness.ts';

const DOCS_EXAMPLE = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: "demo-policy.example.com"
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups:   ["apps"]
      apiVersions: ["v1"]
      operations:  ["CREATE", "UPDATE"]
      resources:   ["deployments"]
  validations:
    - expression: "object.spec.replicas <= 5"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: "demo-binding-test.example.com"
spec:
  policyName: "demo-policy.example.com"
  validationActions: [Deny]
  matchResources:
    namespaceSelector:
      matchLabels:
        environment: test
`;

const WARN_POLICY = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: team-label.example.com
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: ["v1"]
      operations: ["CREATE", "UPDATE"]
      resources: ["configmaps"]
  validations:
  - expression: "has(object.metadata.labels) && 'team' in object.metadata.labels"
    messageExpression: "'configmap ' + object.metadata.name + ' has no team label'"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: team-label-warn.example.com
spec:
  policyName: team-label.example.com
  validationActions: [Warn]
  matchResources:
    namespaceSelector:
      matchLabels:
        environment: warn
`;

const PARAM_POLICY = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: replica-limit.example.com
spec:
  paramKind:
    apiVersion: v1
    kind: ConfigMap
  matchConstraints:
    resourceRules:
    - apiGroups: ["apps"]
      apiVersions: ["v1"]
      operations: ["CREATE", "UPDATE"]
      resources: ["deployments"]
  validations:
  - expression: "object.spec.replicas <= int(params.data.maxReplicas)"
    messageExpression: "'object.spec.replicas must be no greater than ' + params.data.maxReplicas"
    reason: Forbidden
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: replica-limit-binding.example.com
spec:
  policyName: replica-limit.example.com
  validationActions: [Deny]
  paramRef:
    name: replica-limit
    parameterNotFoundAction: Deny
  matchResources:
    namespaceSelector:
      matchLabels:
        environment: params
`;

function deploymentYaml(name: string, namespace: string, replicas: number): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: c, image: nginx}]}
`;
}

describe('ValidatingAdmissionPolicy', { skip: missingClient('v35') }, () => {
  let c: TestCluster;

  before(async () => {
    c = await startCluster();
    for (const [ns, env] of [
      ['vap-test', 'test'],
      ['vap-prod', 'prod'],
      ['vap-warn', 'warn'],
      ['vap-params', 'params'],
    ]) {
      await c.k('create', 'namespace', ns!);
      await c.k('label', 'namespace', ns!, `environment=${env}`);
    }
    for (const manifest of [DOCS_EXAMPLE, WARN_POLICY, PARAM_POLICY]) {
      const r = await c.kubectl(['apply', '-f', '-'], { stdin: manifest });
      assert.equal(r.code, 0, r.stderr);
    }
  });

  after(async () => {
    await c?.stop();
  });

  it('refuses the docs example’s deployment with more than 5 replicas, in the namespaces its binding selects', async () => {
    const denied = await c.kubectl(['create', 'deployment', 'nginx', '--image=nginx', '--replicas=6', '-n', 'vap-test']);
    assert.equal(denied.code, 1);
    assert.equal(
      denied.stderr,
      `error: failed to create deployment: deployments.apps "nginx" is forbidden: ValidatingAdmissionPolicy 'demo-policy.example.com' with binding 'demo-binding-test.example.com' denied request: failed expression: object.spec.replicas <= 5\n`,
    );
    assert.equal((await c.kubectl(['get', 'deployment', 'nginx', '-n', 'vap-test'])).code, 1, 'nothing was stored');

    assert.equal(await c.k('create', 'deployment', 'nginx', '--image=nginx', '--replicas=5', '-n', 'vap-test'), 'deployment.apps/nginx created\n');
    assert.equal(await c.k('create', 'deployment', 'nginx', '--image=nginx', '--replicas=6', '-n', 'vap-prod'), 'deployment.apps/nginx created\n');
  });

  it('refuses an apply or an update as Invalid (422), the way kubectl prints it', async () => {
    const applied = await c.kubectl(['apply', '-f', '-'], { stdin: deploymentYaml('big', 'vap-test', 7) });
    assert.equal(applied.code, 1);
    assert.equal(
      applied.stderr,
      `The deployments "big" is invalid: : ValidatingAdmissionPolicy 'demo-policy.example.com' with binding 'demo-binding-test.example.com' denied request: failed expression: object.spec.replicas <= 5\n`,
    );
    const patched = await c.kubectl(['patch', 'deployment', 'nginx', '-n', 'vap-test', '-p', '{"spec":{"replicas":9}}']);
    assert.equal(patched.code, 1);
    assert.equal(
      patched.stderr,
      `The deployments "nginx" is invalid: : ValidatingAdmissionPolicy 'demo-policy.example.com' with binding 'demo-binding-test.example.com' denied request: failed expression: object.spec.replicas <= 5\n`,
    );
    assert.equal(await c.k('get', 'deployment', 'nginx', '-n', 'vap-test', '-o', 'jsonpath={.spec.replicas}'), '5');
  });

  it('a Warn binding lets the request through with a Warning: line', async () => {
    const warned = await c.kubectl(['create', 'configmap', 'loose', '-n', 'vap-warn']);
    assert.equal(warned.code, 0, warned.stderr);
    assert.equal(warned.stdout, 'configmap/loose created\n');
    assert.equal(warned.stderr, "Warning: Validation failed for ValidatingAdmissionPolicy 'team-label.example.com' with binding 'team-label-warn.example.com': configmap loose has no team label\n");

    const labeled = await c.kubectl(['create', '-f', '-'], { stdin: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: tidy, namespace: vap-warn, labels: {team: a}}\n' });
    assert.equal(labeled.code, 0, labeled.stderr);
    assert.equal(labeled.stderr, '');
    const elsewhere = await c.kubectl(['create', 'configmap', 'loose', '-n', 'vap-prod']);
    assert.equal(elsewhere.stderr, '', 'the binding selects only environment=warn');
  });

  it('a ConfigMap param sets the limit, is required (parameterNotFoundAction Deny) and is read as it changes', async () => {
    const prefix =
      'error: failed to create deployment: deployments.apps "web" is forbidden: ' +
      "ValidatingAdmissionPolicy 'replica-limit.example.com' with binding 'replica-limit-binding.example.com' denied request: ";
    const missing = await c.kubectl(['create', 'deployment', 'web', '--image=nginx', '--replicas=1', '-n', 'vap-params']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, `${prefix}failed to configure binding: no params found for policy binding with \`Deny\` parameterNotFoundAction\n`);

    await c.k('create', 'configmap', 'replica-limit', '--from-literal=maxReplicas=3', '-n', 'vap-params');
    const over = await c.kubectl(['create', 'deployment', 'web', '--image=nginx', '--replicas=5', '-n', 'vap-params']);
    assert.equal(over.code, 1);
    assert.equal(over.stderr, `${prefix}object.spec.replicas must be no greater than 3\n`);

    await c.k('patch', 'configmap', 'replica-limit', '-n', 'vap-params', '-p', '{"data":{"maxReplicas":"10"}}');
    assert.equal(await c.k('create', 'deployment', 'web', '--image=nginx', '--replicas=5', '-n', 'vap-params'), 'deployment.apps/web created\n');
  });

  it('a policy stops applying once its binding is deleted', async () => {
    await c.k('delete', 'validatingadmissionpolicybinding', 'demo-binding-test.example.com');
    assert.equal(await c.k('create', 'deployment', 'free', '--image=nginx', '--replicas=8', '-n', 'vap-test'), 'deployment.apps/free created\n');
  });
});
