// PodSecurity admission through kubectl: the three levels set by namespace labels, enforce
// versus warn, workloads warned about but not refused, and bad labels refused.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { missingClient, startCluster, type TestCluster } from './harness.ts';

const privilegedPod = (name: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  containers: [{name: c, image: nginx, securityContext: {privileged: true}}]
`;
const plainPod = (name: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  containers: [{name: nginx, image: nginx}]
`;
const restrictedPod = (name: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: nginx
    image: nginx
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
`;

const RESTRICTED_NGINX =
  'allowPrivilegeEscalation != false (container "nginx" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "nginx" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "nginx" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "nginx" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")';

describe('PodSecurity', { skip: missingClient('v35') }, () => {
  let c: TestCluster;
  const apply = (ns: string, yaml: string) => c.kubectl(['apply', '-n', ns, '-f', '-'], { stdin: yaml });
  before(async () => {
    c = await startCluster();
    for (const [ns, level] of [
      ['open', 'privileged'],
      ['base', 'baseline'],
      ['strict', 'restricted'],
    ] as const) {
      await c.k('create', 'namespace', ns);
      await c.k('label', 'namespace', ns, `pod-security.kubernetes.io/enforce=${level}`);
    }
  });
  after(async () => {
    await c?.stop();
  });

  it('privileged allows everything', async () => {
    const r = await apply('open', privilegedPod('p'));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
  });

  it('baseline refuses a privileged container and allows a plain one', async () => {
    const r = await apply('base', privilegedPod('p'));
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      'Error from server (Forbidden): error when creating "STDIN": pods "p" is forbidden: violates PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)\n',
    );
    const plain = await apply('base', plainPod('plain'));
    assert.equal(plain.code, 0, plain.stderr);
  });

  it('restricted refuses a plain pod with every reason and allows a hardened one', async () => {
    const r = await apply('strict', plainPod('plain'));
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `Error from server (Forbidden): error when creating "STDIN": pods "plain" is forbidden: violates PodSecurity "restricted:latest": ${RESTRICTED_NGINX}\n`);
    const ok = await apply('strict', restrictedPod('hardened'));
    assert.equal(ok.code, 0, ok.stderr);
  });

  it('warn only warns, and workloads are warned about, not refused', async () => {
    await c.k('create', 'namespace', 'warned');
    await c.k('label', 'namespace', 'warned', 'pod-security.kubernetes.io/warn=restricted', 'pod-security.kubernetes.io/warn-version=v1.35');
    const pod = await apply('warned', plainPod('plain'));
    assert.equal(pod.code, 0, pod.stderr);
    assert.equal(pod.stderr, `Warning: would violate PodSecurity "restricted:v1.35": ${RESTRICTED_NGINX}\n`);
    const deploy = await c.kubectl(['create', 'deployment', 'web', '-n', 'strict', '--image=nginx']);
    assert.equal(deploy.code, 0, deploy.stderr);
    assert.equal(deploy.stderr, '', 'enforce alone does not warn about templates');
    await c.k('label', 'namespace', 'strict', 'pod-security.kubernetes.io/warn=restricted');
    const deploy2 = await c.kubectl(['create', 'deployment', 'web2', '-n', 'strict', '--image=nginx']);
    assert.equal(deploy2.code, 0, deploy2.stderr);
    assert.equal(deploy2.stderr, `Warning: would violate PodSecurity "restricted:latest": ${RESTRICTED_NGINX}\n`);
  });

  it('tightening a namespace warns about the pods already there', async () => {
    const r = await c.kubectl(['label', '--overwrite', 'namespace', 'base', 'pod-security.kubernetes.io/enforce=restricted']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stderr,
      'Warning: existing pods in namespace "base" violate the new PodSecurity enforce level "restricted:latest"\n' +
        'Warning: plain: allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile\n',
    );
  });

  it('bad labels are refused', async () => {
    const r = await c.kubectl(['label', 'namespace', 'open', 'pod-security.kubernetes.io/audit=strictest']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /metadata\.labels\[pod-security\.kubernetes\.io\/audit\]: Invalid value: "strictest": must be one of privileged, baseline, restricted/);
  });
});
