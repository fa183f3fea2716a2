import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapPolicy } from './policy.ts';
import type { BindingObject, RoleObject } from './types.ts';

const policy = bootstrapPolicy();
const croles = policy.clusterRoles as RoleObject[];
const crbs = policy.clusterRoleBindings as BindingObject[];
const role = (name: string) => croles.find((r) => r.metadata.name === name);
const crb = (name: string) => crbs.find((b) => b.metadata.name === name);

test('every default object carries the bootstrapping label and autoupdate annotation', () => {
  const all = [...policy.clusterRoles, ...policy.clusterRoleBindings, ...policy.roles, ...policy.roleBindings] as Array<
    RoleObject | BindingObject
  >;
  assert.ok(all.length > 40);
  for (const o of all) {
    assert.equal(o.apiVersion, 'rbac.authorization.k8s.io/v1');
    assert.equal(o.metadata.labels?.['kubernetes.io/bootstrapping'], 'rbac-defaults', o.metadata.name);
    assert.equal(o.metadata.annotations?.['rbac.authorization.kubernetes.io/autoupdate'], 'true', o.metadata.name);
  }
});

test('the named upstream cluster roles exist', () => {
  for (const name of [
    'cluster-admin',
    'admin',
    'edit',
    'view',
    'system:aggregate-to-admin',
    'system:aggregate-to-edit',
    'system:aggregate-to-view',
    'system:discovery',
    'system:basic-user',
    'system:public-info-viewer',
    'system:monitoring',
    'system:node',
    'system:node-proxier',
    'system:kube-scheduler',
    'system:kube-controller-manager',
    'system:volume-scheduler',
    'system:auth-delegator',
    'system:kube-dns',
    'system:node-bootstrapper',
    'system:certificates.k8s.io:certificatesigningrequests:nodeclient',
    'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient',
    'system:certificates.k8s.io:legacy-unknown-approver',
    'system:certificates.k8s.io:kubelet-serving-approver',
    'system:certificates.k8s.io:kube-apiserver-client-approver',
    'system:certificates.k8s.io:kube-apiserver-client-kubelet-approver',
    'system:service-account-issuer-discovery',
  ]) {
    assert.ok(role(name), name);
  }
  assert.equal(new Set(croles.map((r) => r.metadata.name)).size, croles.length, 'names are unique');
});

test('aggregated roles carry selectors and labels like upstream', () => {
  assert.deepEqual(role('admin')?.aggregationRule, {
    clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' } }],
  });
  assert.equal(role('admin')?.rules, undefined);
  assert.equal(role('edit')?.metadata.labels?.['rbac.authorization.k8s.io/aggregate-to-admin'], 'true');
  assert.equal(role('view')?.metadata.labels?.['rbac.authorization.k8s.io/aggregate-to-edit'], 'true');
  assert.equal(role('system:aggregate-to-view')?.metadata.labels?.['rbac.authorization.k8s.io/aggregate-to-view'], 'true');
});

test('cluster-admin and discovery rules', () => {
  assert.deepEqual(role('cluster-admin')?.rules, [
    { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
    { verbs: ['*'], nonResourceURLs: ['*'] },
  ]);
  assert.deepEqual(role('system:discovery')?.rules, [
    {
      verbs: ['get'],
      nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'],
    },
  ]);
  // lists are kept sorted, as upstream's set-based rule builder does
  assert.deepEqual(role('system:kube-controller-manager')?.rules?.[0], {
    verbs: ['create', 'patch', 'update'],
    apiGroups: ['', 'events.k8s.io'],
    resources: ['events'],
  });
  assert.deepEqual(role('system:certificates.k8s.io:kubelet-serving-approver')?.rules, [
    {
      verbs: ['approve'],
      apiGroups: ['certificates.k8s.io'],
      resources: ['signers'],
      resourceNames: ['kubernetes.io/kubelet-serving'],
    },
  ]);
});

test('default cluster role bindings', () => {
  const G = (name: string) => ({ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name });
  const U = (name: string) => ({ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name });
  assert.deepEqual(crb('cluster-admin')?.subjects, [G('system:masters')]);
  assert.deepEqual(crb('cluster-admin')?.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' });
  assert.deepEqual(crb('system:discovery')?.subjects, [G('system:authenticated')]);
  assert.deepEqual(crb('system:basic-user')?.subjects, [G('system:authenticated')]);
  assert.deepEqual(crb('system:public-info-viewer')?.subjects, [G('system:authenticated'), G('system:unauthenticated')]);
  assert.deepEqual(crb('system:kube-scheduler')?.subjects, [U('system:kube-scheduler')]);
  assert.deepEqual(crb('system:volume-scheduler')?.subjects, [U('system:kube-scheduler')]);
  assert.deepEqual(crb('system:kube-controller-manager')?.subjects, [U('system:kube-controller-manager')]);
  assert.deepEqual(crb('system:node-proxier')?.subjects, [U('system:kube-proxy')]);
  assert.deepEqual(crb('system:kube-dns')?.subjects, [{ kind: 'ServiceAccount', name: 'kube-dns', namespace: 'kube-system' }]);
  assert.equal(crb('system:node')?.subjects, undefined);
  assert.deepEqual(crb('system:service-account-issuer-discovery')?.subjects, [G('system:serviceaccounts')]);
});

test('namespaced defaults in kube-system and kube-public', () => {
  const roles = policy.roles as RoleObject[];
  const reader = roles.find((r) => r.metadata.name === 'extension-apiserver-authentication-reader');
  assert.equal(reader?.kind, 'Role');
  assert.equal(reader?.metadata.namespace, 'kube-system');
  assert.deepEqual(reader?.rules, [
    {
      verbs: ['get', 'list', 'watch'],
      apiGroups: [''],
      resources: ['configmaps'],
      resourceNames: ['extension-apiserver-authentication'],
    },
  ]);
  const rbs = policy.roleBindings as BindingObject[];
  const leader = rbs.find((b) => b.metadata.name === 'system::leader-locking-kube-scheduler');
  assert.equal(leader?.metadata.namespace, 'kube-system');
  assert.deepEqual(leader?.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'system::leader-locking-kube-scheduler' });
  assert.ok(rbs.some((b) => b.metadata.namespace === 'kube-public' && b.metadata.name === 'system:controller:bootstrap-signer'));
  // every role binding points at a role that exists in its namespace
  for (const b of rbs) {
    assert.ok(
      roles.some((r) => r.metadata.namespace === b.metadata.namespace && r.metadata.name === b.roleRef.name),
      `${b.metadata.namespace}/${b.metadata.name}`,
    );
  }
});

test('bootstrapPolicy returns fresh copies', () => {
  const a = bootstrapPolicy();
  (a.clusterRoles[0] as RoleObject).rules?.push({ verbs: ['x'] });
  const b = bootstrapPolicy();
  assert.equal((b.clusterRoles[0] as RoleObject).rules?.length, 2);
});
