import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  aggregate,
  authorize,
  canBind,
  canEscalate,
  checkBindingWrite,
  checkEscalation,
  checkRoleWrite,
  forbiddenMessage,
  rulesFor,
  type Attributes,
  type PolicySource,
} from './authorizer.ts';
import { bootstrapPolicy } from './policy.ts';
import type { BindingObject, PolicyRule, RoleObject, Subject, UserInfo } from './types.ts';

const RBAC = 'rbac.authorization.k8s.io';

// ---------------------------------------------------------------------------------------------
// helpers

interface Extra {
  clusterRoles?: RoleObject[];
  clusterRoleBindings?: BindingObject[];
  roles?: RoleObject[];
  roleBindings?: BindingObject[];
}

function source(extra: Extra = {}): PolicySource {
  const base = bootstrapPolicy();
  const cr = [...(base.clusterRoles as RoleObject[]), ...(extra.clusterRoles ?? [])];
  const crb = [...(base.clusterRoleBindings as BindingObject[]), ...(extra.clusterRoleBindings ?? [])];
  const roles = [...(base.roles as RoleObject[]), ...(extra.roles ?? [])];
  const rbs = [...(base.roleBindings as BindingObject[]), ...(extra.roleBindings ?? [])];
  return {
    clusterRoles: () => cr,
    clusterRoleBindings: () => crb,
    roles: (ns) => roles.filter((r) => r.metadata.namespace === ns),
    roleBindings: (ns) => rbs.filter((b) => b.metadata.namespace === ns),
  };
}

const userSubj = (name: string): Subject => ({ kind: 'User', apiGroup: RBAC, name });
const groupSubj = (name: string): Subject => ({ kind: 'Group', apiGroup: RBAC, name });

function rb(ns: string, name: string, kind: 'Role' | 'ClusterRole', roleName: string, subjects: Subject[]): BindingObject {
  return { kind: 'RoleBinding', metadata: { name, namespace: ns }, roleRef: { apiGroup: RBAC, kind, name: roleName }, subjects };
}
function crb(name: string, roleName: string, subjects: Subject[]): BindingObject {
  return { kind: 'ClusterRoleBinding', metadata: { name }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: roleName }, subjects };
}
function clusterRole(name: string, rules: PolicyRule[], labels?: Record<string, string>): RoleObject {
  return { kind: 'ClusterRole', metadata: { name, ...(labels ? { labels } : {}) }, rules };
}

const authed = (username: string, ...groups: string[]): UserInfo => ({ username, groups: [...groups, 'system:authenticated'] });

function res(user: UserInfo, verb: string, apiGroup: string, resource: string, namespace = '', name = '', subresource = ''): Attributes {
  return { user, verb, resourceRequest: true, apiGroup, resource, subresource, namespace, name };
}
function url(user: UserInfo, verb: string, path: string): Attributes {
  return { user, verb, resourceRequest: false, path };
}

// ---------------------------------------------------------------------------------------------
// The role × resource × verb matrix. Expectations are written by hand from upstream's rule lists
// (bootstrappolicy/policy.go); any (resource, verb) not listed is expected to be denied.

const VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection', 'escalate', 'bind', 'impersonate'];

interface Res {
  key: string;
  group: string;
  resource: string;
  sub?: string;
  namespaced: boolean;
  name?: string;
}

const RESOURCES: Res[] = [
  { key: 'pods', group: '', resource: 'pods', namespaced: true },
  { key: 'pods/log', group: '', resource: 'pods', sub: 'log', namespaced: true, name: 'web' },
  { key: 'pods/exec', group: '', resource: 'pods', sub: 'exec', namespaced: true, name: 'web' },
  { key: 'secrets', group: '', resource: 'secrets', namespaced: true },
  { key: 'configmaps', group: '', resource: 'configmaps', namespaced: true },
  { key: 'deployments', group: 'apps', resource: 'deployments', namespaced: true },
  { key: 'deployments/scale', group: 'apps', resource: 'deployments', sub: 'scale', namespaced: true, name: 'web' },
  { key: 'nodes', group: '', resource: 'nodes', namespaced: false },
  // GET /api/v1/namespaces/default is authorized with namespace=default (RequestInfo sets it)
  { key: 'namespaces', group: '', resource: 'namespaces', namespaced: true, name: 'default' },
  { key: 'roles', group: RBAC, resource: 'roles', namespaced: true },
  { key: 'rolebindings', group: RBAC, resource: 'rolebindings', namespaced: true },
  { key: 'clusterroles', group: RBAC, resource: 'clusterroles', namespaced: false },
  { key: 'events', group: '', resource: 'events', namespaced: true },
  { key: 'leases', group: 'coordination.k8s.io', resource: 'leases', namespaced: true },
  { key: 'customresourcedefinitions', group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions', namespaced: false },
  { key: 'widgets', group: 'example.com', resource: 'widgets', namespaced: true },
];

const ALL8 = 'get list watch create update patch delete deletecollection';
const RO = 'get list watch';

const VIEW: Record<string, string> = {
  pods: RO,
  'pods/log': RO,
  configmaps: RO,
  deployments: RO,
  'deployments/scale': RO,
  namespaces: RO,
  events: RO,
};
const EDIT: Record<string, string> = {
  ...VIEW,
  pods: ALL8,
  'pods/exec': ALL8,
  secrets: ALL8,
  configmaps: ALL8,
  deployments: ALL8,
  'deployments/scale': ALL8,
  events: ALL8,
  leases: ALL8,
};
const ADMIN: Record<string, string> = { ...EDIT, roles: ALL8, rolebindings: ALL8 };
const EVERYTHING = Object.fromEntries(RESOURCES.map((r) => [r.key, VERBS.join(' ')]));
const KCM: Record<string, string> = {
  ...Object.fromEntries(RESOURCES.map((r) => [r.key, 'list watch'])), // list/watch on */*
  secrets: 'create delete get update list watch',
  configmaps: 'get list watch',
  namespaces: 'get list watch',
  events: 'create update patch list watch',
  leases: 'create list watch',
};

interface RoleCase {
  role: string;
  user: UserInfo;
  extra?: Extra;
  expect: Record<string, string>;
}

const CASES: RoleCase[] = [
  { role: 'cluster-admin', user: authed('root', 'system:masters'), expect: EVERYTHING },
  {
    role: 'admin',
    user: authed('ann'),
    extra: { roleBindings: [rb('default', 'ann-admin', 'ClusterRole', 'admin', [userSubj('ann')])] },
    expect: ADMIN,
  },
  {
    role: 'edit',
    user: authed('ed'),
    extra: { roleBindings: [rb('default', 'ed-edit', 'ClusterRole', 'edit', [userSubj('ed')])] },
    expect: EDIT,
  },
  {
    role: 'view',
    user: authed('vic'),
    extra: { roleBindings: [rb('default', 'vic-view', 'ClusterRole', 'view', [userSubj('vic')])] },
    expect: VIEW,
  },
  // system:discovery + system:basic-user + system:public-info-viewer through system:authenticated
  { role: 'system:discovery', user: authed('plain'), expect: {} },
  { role: 'system:public-info-viewer', user: { username: 'system:anonymous', groups: ['system:unauthenticated'] }, expect: {} },
  { role: 'system:basic-user', user: authed('plain'), expect: {} },
  {
    role: 'system:kube-scheduler',
    user: authed('system:kube-scheduler'),
    expect: { pods: 'get list watch delete', nodes: RO, namespaces: RO, events: 'create update patch', leases: 'create' },
  },
  { role: 'system:kube-controller-manager', user: authed('system:kube-controller-manager'), expect: KCM },
  { role: 'system:node-proxier', user: authed('system:kube-proxy'), expect: { nodes: RO, events: 'create update patch' } },
  {
    role: 'system:node',
    user: authed('system:node:n1', 'system:nodes'),
    extra: { clusterRoleBindings: [crb('test-nodes', 'system:node', [groupSubj('system:nodes')])] },
    expect: {
      pods: 'get list watch create delete',
      secrets: RO,
      configmaps: RO,
      nodes: 'create get list watch update patch',
      events: 'create update patch',
      leases: 'get create update patch delete',
    },
  },
];

describe('default role matrix (role × resource × verb)', () => {
  for (const c of CASES) {
    const policy = source(c.extra);
    for (const r of RESOURCES) {
      test(`${c.role}: ${r.key}`, () => {
        const allowed = new Set((c.expect[r.key] ?? '').split(' ').filter(Boolean));
        const wrong: string[] = [];
        for (const verb of VERBS) {
          const a = res(c.user, verb, r.group, r.resource, r.namespaced ? 'default' : '', r.name ?? '', r.sub ?? '');
          const got = authorize(a, policy).allowed;
          if (got !== allowed.has(verb)) wrong.push(`${verb}: expected ${allowed.has(verb)}, got ${got}`);
        }
        assert.deepEqual(wrong, []);
      });
    }
  }
});

describe('namespace and scope boundaries', () => {
  const policy = source({
    roleBindings: [
      rb('default', 'ann-admin', 'ClusterRole', 'admin', [userSubj('ann')]),
      rb('default', 'vic-view', 'ClusterRole', 'view', [userSubj('vic')]),
    ],
  });
  test('a RoleBinding grants nothing in other namespaces or at the cluster scope', () => {
    const ann = authed('ann');
    assert.equal(authorize(res(ann, 'list', '', 'pods', 'default'), policy).allowed, true);
    assert.equal(authorize(res(ann, 'list', '', 'pods', 'other'), policy).allowed, false);
    assert.equal(authorize(res(ann, 'list', '', 'pods', ''), policy).allowed, false, 'list across all namespaces');
    assert.equal(authorize(res(ann, 'list', '', 'namespaces', ''), policy).allowed, false);
    assert.equal(authorize(res(ann, 'create', RBAC, 'clusterroles'), policy).allowed, false);
    assert.equal(authorize(res(ann, 'create', RBAC, 'clusterrolebindings'), policy).allowed, false);
  });
  test('edit/admin can impersonate service accounts, view cannot', () => {
    const ed = source({ roleBindings: [rb('default', 'x', 'ClusterRole', 'edit', [userSubj('ed')])] });
    assert.equal(authorize(res(authed('ed'), 'impersonate', '', 'serviceaccounts', 'default', 'builder'), ed).allowed, true);
    assert.equal(authorize(res(authed('ann'), 'impersonate', '', 'serviceaccounts', 'default', 'builder'), policy).allowed, true);
    assert.equal(authorize(res(authed('vic'), 'impersonate', '', 'serviceaccounts', 'default', 'builder'), policy).allowed, false);
    assert.equal(authorize(res(authed('ann'), 'impersonate', '', 'users', '', 'root'), policy).allowed, false);
  });
  test('view reads status subresources but not secrets; admin creates localsubjectaccessreviews', () => {
    const vic = authed('vic');
    assert.equal(authorize(res(vic, 'get', 'apps', 'deployments', 'default', 'web', 'status'), policy).allowed, true);
    assert.equal(authorize(res(vic, 'update', 'apps', 'deployments', 'default', 'web', 'status'), policy).allowed, false);
    assert.equal(authorize(res(vic, 'get', '', 'secrets', 'default', 'tls'), policy).allowed, false);
    assert.equal(authorize(res(authed('ann'), 'create', 'authorization.k8s.io', 'localsubjectaccessreviews', 'default'), policy).allowed, true);
    assert.equal(authorize(res(vic, 'create', 'authorization.k8s.io', 'localsubjectaccessreviews', 'default'), policy).allowed, false);
  });
  test('service account subjects match system:serviceaccount:<ns>:<name>', () => {
    const p = source({ roleBindings: [rb('apps', 'sa-view', 'ClusterRole', 'view', [{ kind: 'ServiceAccount', name: 'builder' }])] });
    const sa = { username: 'system:serviceaccount:apps:builder', groups: ['system:serviceaccounts', 'system:serviceaccounts:apps', 'system:authenticated'] };
    const d = authorize(res(sa, 'list', '', 'pods', 'apps'), p);
    assert.deepEqual(d, {
      allowed: true,
      reason: 'RBAC: allowed by RoleBinding "sa-view/apps" of ClusterRole "view" to ServiceAccount "builder/apps"',
    });
    const other = { ...sa, username: 'system:serviceaccount:other:builder' };
    assert.equal(authorize(res(other, 'list', '', 'pods', 'apps'), p).allowed, false);
  });
});

describe('resourceNames', () => {
  const policy = source();
  test('scheduler may get/update only its own lease', () => {
    const s = authed('system:kube-scheduler');
    assert.equal(authorize(res(s, 'get', 'coordination.k8s.io', 'leases', 'kube-system', 'kube-scheduler'), policy).allowed, true);
    assert.equal(authorize(res(s, 'update', 'coordination.k8s.io', 'leases', 'kube-system', 'kube-scheduler'), policy).allowed, true);
    assert.equal(authorize(res(s, 'delete', 'coordination.k8s.io', 'leases', 'kube-system', 'kube-scheduler'), policy).allowed, false);
    assert.equal(authorize(res(s, 'get', 'coordination.k8s.io', 'leases', 'kube-system', 'kube-controller-manager'), policy).allowed, false);
    assert.equal(authorize(res(s, 'list', 'coordination.k8s.io', 'leases', 'kube-system'), policy).allowed, false, 'a named rule never allows list');
  });
  test('extension-apiserver-authentication-reader via kube-system RoleBinding', () => {
    const s = authed('system:kube-scheduler');
    const d = authorize(res(s, 'get', '', 'configmaps', 'kube-system', 'extension-apiserver-authentication'), policy);
    assert.deepEqual(d, {
      allowed: true,
      reason:
        'RBAC: allowed by RoleBinding "system::extension-apiserver-authentication-reader/kube-system" of Role "extension-apiserver-authentication-reader" to User "system:kube-scheduler"',
    });
    assert.equal(authorize(res(s, 'get', '', 'configmaps', 'kube-system', 'coredns'), policy).allowed, false);
    assert.equal(authorize(res(s, 'get', '', 'configmaps', 'default', 'extension-apiserver-authentication'), policy).allowed, false);
  });
  test('signer approval roles are limited to their signer name', () => {
    const p = source({
      clusterRoleBindings: [crb('approver', 'system:certificates.k8s.io:kubelet-serving-approver', [userSubj('csr-bot')])],
    });
    const u = authed('csr-bot');
    assert.equal(authorize(res(u, 'approve', 'certificates.k8s.io', 'signers', '', 'kubernetes.io/kubelet-serving'), p).allowed, true);
    assert.equal(authorize(res(u, 'approve', 'certificates.k8s.io', 'signers', '', 'kubernetes.io/kube-apiserver-client'), p).allowed, false);
  });
});

describe('subresource matching', () => {
  const p = source({
    clusterRoles: [
      clusterRole('scaler', [{ verbs: ['get', 'update'], apiGroups: ['apps'], resources: ['*/scale'] }]),
      clusterRole('logs', [{ verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }]),
    ],
    clusterRoleBindings: [crb('scaler', 'scaler', [userSubj('s')]), crb('logs', 'logs', [userSubj('l')])],
  });
  test('*/scale matches any resource\'s scale subresource only', () => {
    const s = authed('s');
    assert.equal(authorize(res(s, 'update', 'apps', 'deployments', 'ns', 'web', 'scale'), p).allowed, true);
    assert.equal(authorize(res(s, 'get', 'apps', 'statefulsets', 'ns', 'db', 'scale'), p).allowed, true);
    assert.equal(authorize(res(s, 'get', 'apps', 'deployments', 'ns', 'web'), p).allowed, false);
    assert.equal(authorize(res(s, 'get', 'apps', 'deployments', 'ns', 'web', 'status'), p).allowed, false);
  });
  test('pods/log does not grant pods and vice versa', () => {
    const l = authed('l');
    assert.equal(authorize(res(l, 'get', '', 'pods', 'ns', 'web', 'log'), p).allowed, true);
    assert.equal(authorize(res(l, 'get', '', 'pods', 'ns', 'web'), p).allowed, false);
    assert.equal(authorize(res(l, 'get', '', 'pods', 'ns', 'web', 'exec'), p).allowed, false);
  });
});

describe('non-resource URLs', () => {
  const policy = source({ clusterRoleBindings: [crb('mon', 'system:monitoring', [userSubj('prom')])] });
  const plain = authed('plain');
  const anon = { username: 'system:anonymous', groups: ['system:unauthenticated'] };
  const cases: Array<[UserInfo, string, string, boolean]> = [
    [plain, 'get', '/api', true],
    [plain, 'get', '/api/v1', true],
    [plain, 'get', '/apis/apps/v1', true],
    [plain, 'get', '/openapi/v3', true],
    [plain, 'get', '/version', true],
    [plain, 'get', '/version/', true],
    [plain, 'get', '/healthz', true],
    [plain, 'get', '/healthz/etcd', false],
    [plain, 'get', '/metrics', false],
    [plain, 'post', '/api', false],
    [plain, 'get', '/apix', false],
    [anon, 'get', '/healthz', true],
    [anon, 'get', '/livez', true],
    [anon, 'get', '/version', true],
    [anon, 'get', '/api', false],
    [anon, 'get', '/openapi/v2', false],
    [authed('prom'), 'get', '/metrics', true],
    [authed('prom'), 'get', '/readyz/etcd', true],
    [authed('root', 'system:masters'), 'get', '/metrics', true],
    [authed('root', 'system:masters'), 'post', '/anything/at/all', true],
  ];
  for (const [u, verb, path, want] of cases) {
    test(`${u.username} ${verb} ${path} -> ${want}`, () => {
      assert.equal(authorize(url(u, verb, path), policy).allowed, want);
    });
  }
  test('resource rules never match non-resource requests', () => {
    const p = source({
      clusterRoles: [clusterRole('all-res', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }])],
      clusterRoleBindings: [crb('all-res', 'all-res', [userSubj('r')])],
    });
    assert.equal(authorize(url({ username: 'r', groups: [] }, 'get', '/metrics'), p).allowed, false);
  });
});

describe('reasons', () => {
  test('allow reasons name the binding, role and subject', () => {
    const p = source();
    assert.deepEqual(authorize(res(authed('root', 'system:masters'), 'delete', '', 'nodes', '', 'n1'), p), {
      allowed: true,
      reason: 'RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters"',
    });
    assert.deepEqual(authorize(res(authed('system:kube-proxy'), 'list', '', 'nodes'), p), {
      allowed: true,
      reason: 'RBAC: allowed by ClusterRoleBinding "system:node-proxier" of ClusterRole "system:node-proxier" to User "system:kube-proxy"',
    });
  });
  test('denials have an empty reason unless a role could not be resolved', () => {
    assert.deepEqual(authorize(res(authed('jane'), 'list', '', 'pods', 'default'), source()), { allowed: false, reason: '' });
    const p = source({
      roleBindings: [rb('default', 'dangling', 'Role', 'gone', [userSubj('jane')])],
      clusterRoleBindings: [crb('dangling', 'nope', [userSubj('jane')])],
    });
    assert.deepEqual(authorize(res(authed('jane'), 'list', '', 'pods', 'default'), p), {
      allowed: false,
      reason: 'RBAC: [clusterrole.rbac.authorization.k8s.io "nope" not found, role.rbac.authorization.k8s.io "gone" not found]',
    });
  });
});

describe('aggregation', () => {
  const base = bootstrapPolicy().clusterRoles as RoleObject[];
  const find = (roles: object[], name: string) => (roles as RoleObject[]).find((r) => r.metadata.name === name);
  const has = (rules: PolicyRule[] | null | undefined, group: string, resource: string, verb: string) =>
    (rules ?? []).some((r) => r.apiGroups?.includes(group) && r.resources?.includes(resource) && r.verbs.includes(verb));

  test('admin ⊇ edit ⊇ view, with upstream rule order', () => {
    const out = aggregate(base);
    const admin = find(out, 'admin')?.rules;
    const edit = find(out, 'edit')?.rules;
    const view = find(out, 'view')?.rules;
    assert.deepEqual(view, find(base, 'system:aggregate-to-view')?.rules);
    assert.deepEqual(edit, [...(find(base, 'system:aggregate-to-edit')?.rules ?? []), ...(view ?? [])]);
    assert.deepEqual(admin, [...(edit ?? []), ...(find(base, 'system:aggregate-to-admin')?.rules ?? [])]);
    assert.ok(has(admin, RBAC, 'rolebindings', 'create'));
    assert.ok(!has(edit, RBAC, 'rolebindings', 'create'));
    assert.ok(has(edit, '', 'secrets', 'get'));
    assert.ok(!has(view, '', 'secrets', 'get'));
    assert.equal(find(base, 'admin')?.rules, undefined, 'input untouched');
  });

  test('custom roles labelled aggregate-to-view flow into view, edit and admin', () => {
    const widgets = clusterRole('widgets-view', [{ verbs: ['get', 'list', 'watch'], apiGroups: ['example.com'], resources: ['widgets'] }], {
      'rbac.authorization.k8s.io/aggregate-to-view': 'true',
    });
    const out = aggregate([...base, widgets]);
    for (const name of ['view', 'edit', 'admin']) assert.ok(has(find(out, name)?.rules, 'example.com', 'widgets', 'list'), name);
    // and the authorizer sees it without a controller having run
    const p = source({ clusterRoles: [widgets], roleBindings: [rb('default', 'v', 'ClusterRole', 'view', [userSubj('vic')])] });
    assert.equal(authorize(res(authed('vic'), 'list', 'example.com', 'widgets', 'default'), p).allowed, true);
    assert.equal(authorize(res(authed('vic'), 'delete', 'example.com', 'widgets', 'default'), p).allowed, false);
  });

  test('matchExpressions, duplicates and roles with no match', () => {
    const agg: RoleObject = {
      kind: 'ClusterRole',
      metadata: { name: 'monitoring-agg' },
      aggregationRule: { clusterRoleSelectors: [{ matchExpressions: [{ key: 'team', operator: 'In', values: ['obs', 'sre'] }] }] },
    };
    const rule = { verbs: ['get'], apiGroups: [''], resources: ['pods'] };
    const a = clusterRole('a', [rule], { team: 'obs' });
    const b = clusterRole('b', [rule, { verbs: ['list'], apiGroups: [''], resources: ['nodes'] }], { team: 'sre' });
    const c = clusterRole('c', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], { team: 'dev' });
    const empty: RoleObject = {
      kind: 'ClusterRole',
      metadata: { name: 'empty-agg' },
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { nothing: 'here' } }] },
    };
    const out = aggregate([agg, c, b, a, empty]);
    assert.deepEqual(find(out, 'monitoring-agg')?.rules, [rule, { verbs: ['list'], apiGroups: [''], resources: ['nodes'] }]);
    assert.deepEqual(find(out, 'empty-agg')?.rules, []);
    assert.deepEqual(find(out, 'c')?.rules, c.rules);
  });
});

describe('forbidden messages', () => {
  const jane = authed('jane');
  test('namespaced list', () => {
    assert.equal(
      forbiddenMessage(res(jane, 'list', '', 'pods', 'default'), { group: '', resource: 'pods' }),
      'pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"',
    );
  });
  test('cluster scope', () => {
    assert.equal(
      forbiddenMessage(res(jane, 'list', '', 'nodes'), { group: '', resource: 'nodes' }),
      'nodes is forbidden: User "jane" cannot list resource "nodes" in API group "" at the cluster scope',
    );
  });
  test('named request in a group', () => {
    assert.equal(
      forbiddenMessage(res(jane, 'get', 'apps', 'deployments', 'default', 'web'), { group: 'apps', resource: 'deployments' }),
      'deployments.apps "web" is forbidden: User "jane" cannot get resource "deployments" in API group "apps" in the namespace "default"',
    );
    assert.equal(
      forbiddenMessage(res(jane, 'delete', RBAC, 'clusterroles', '', 'admin'), { group: RBAC, resource: 'clusterroles' }),
      'clusterroles.rbac.authorization.k8s.io "admin" is forbidden: User "jane" cannot delete resource "clusterroles" in API group "rbac.authorization.k8s.io" at the cluster scope',
    );
  });
  test('subresource', () => {
    assert.equal(
      forbiddenMessage(res(jane, 'get', '', 'pods', 'default', 'web', 'log'), { group: '', resource: 'pods' }),
      'pods "web" is forbidden: User "jane" cannot get resource "pods/log" in API group "" in the namespace "default"',
    );
    assert.equal(
      forbiddenMessage(res(jane, 'create', '', 'pods', 'default', 'web', 'exec'), { group: '', resource: 'pods' }),
      'pods "web" is forbidden: User "jane" cannot create resource "pods/exec" in API group "" in the namespace "default"',
    );
  });
  test('non-resource path', () => {
    assert.equal(forbiddenMessage(url(jane, 'get', '/metrics'), { group: '', resource: '' }), 'forbidden: User "jane" cannot get path "/metrics"');
  });
  test('a non-empty authorizer reason is appended', () => {
    assert.equal(
      forbiddenMessage(res(jane, 'list', '', 'pods', 'default'), { group: '', resource: 'pods' }, 'RBAC: role.rbac.authorization.k8s.io "x" not found'),
      'pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default": RBAC: role.rbac.authorization.k8s.io "x" not found',
    );
  });
});

describe('rulesFor (SelfSubjectRulesReview)', () => {
  test('authenticated user sees basic-user rules and discovery URLs', () => {
    const r = rulesFor(authed('plain'), 'default', source());
    assert.equal(r.incomplete, false);
    assert.ok(r.resourceRules.some((x) => x.resources.includes('selfsubjectaccessreviews') && x.verbs.includes('create')));
    assert.ok(r.nonResourceRules.some((x) => x.nonResourceURLs.includes('/api/*')));
    assert.ok(r.nonResourceRules.some((x) => x.nonResourceURLs.includes('/healthz')));
    assert.ok(!r.resourceRules.some((x) => x.resources.includes('pods')));
  });
  test('namespace bindings are included only for that namespace; names are kept', () => {
    const p = source({ roleBindings: [rb('default', 'v', 'ClusterRole', 'view', [userSubj('vic')])] });
    assert.ok(rulesFor(authed('vic'), 'default', p).resourceRules.some((x) => x.resources.includes('pods')));
    assert.ok(!rulesFor(authed('vic'), 'other', p).resourceRules.some((x) => x.resources.includes('pods')));
    const s = rulesFor(authed('system:kube-scheduler'), 'kube-system', source());
    assert.ok(s.resourceRules.some((x) => x.resourceNames?.includes('kube-scheduler')));
  });
  test('missing roles make the answer incomplete', () => {
    const p = source({ roleBindings: [rb('default', 'd', 'Role', 'gone', [userSubj('jane')])] });
    const r = rulesFor(authed('jane'), 'default', p);
    assert.equal(r.incomplete, true);
    assert.equal(r.evaluationError, 'role.rbac.authorization.k8s.io "gone" not found');
  });
});

describe('escalation prevention', () => {
  const policy = source({
    roleBindings: [
      rb('default', 'ann-admin', 'ClusterRole', 'admin', [userSubj('ann')]),
      rb('default', 'ed-edit', 'ClusterRole', 'edit', [userSubj('ed')]),
    ],
  });
  const ed = authed('ed');
  const ann = authed('ann');

  test('granting held permissions is allowed', () => {
    assert.equal(checkEscalation(ed, [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['secrets'] }], 'default', policy), undefined);
    const role: RoleObject = { kind: 'Role', metadata: { name: 'r1', namespace: 'default' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] };
    assert.equal(checkRoleWrite(ed, role, policy), undefined);
  });

  test('edit cannot grant roles permissions; message matches upstream', () => {
    const role: RoleObject = {
      kind: 'Role',
      metadata: { name: 'r1', namespace: 'default' },
      rules: [
        { verbs: ['get', 'list'], apiGroups: [RBAC], resources: ['roles'] },
        { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
      ],
    };
    assert.equal(
      checkRoleWrite(ed, role, policy),
      'roles.rbac.authorization.k8s.io "r1" is forbidden: user "ed" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:["rbac.authorization.k8s.io"], Resources:["roles"], Verbs:["get" "list"]}',
    );
  });

  test('missing rules are compacted and sorted; names and URLs listed separately', () => {
    const msg = checkEscalation(
      ed,
      [
        { verbs: ['get', 'delete'], apiGroups: [''], resources: ['nodes', 'persistentvolumes'] },
        { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a', 'b'] },
        { verbs: ['get'], nonResourceURLs: ['/metrics'] },
      ],
      'other',
      policy,
    );
    assert.equal(
      msg,
      'user "ed" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        [
          '{APIGroups:[""], Resources:["configmaps"], ResourceNames:["a"], Verbs:["get"]}',
          '{APIGroups:[""], Resources:["configmaps"], ResourceNames:["b"], Verbs:["get"]}',
          '{APIGroups:[""], Resources:["nodes"], Verbs:["get" "delete"]}',
          '{APIGroups:[""], Resources:["persistentvolumes"], Verbs:["get" "delete"]}',
          '{NonResourceURLs:["/metrics"], Verbs:["get"]}',
        ].join('\n'),
    );
  });

  test('admin can bind edit/admin/view in its namespace but not cluster-wide', () => {
    const bind = (role: string, ns = 'default'): BindingObject => rb(ns, 'b', 'ClusterRole', role, [userSubj('bob')]);
    assert.equal(checkBindingWrite(ann, bind('edit'), policy), undefined);
    assert.equal(checkBindingWrite(ann, bind('view'), policy), undefined);
    assert.equal(checkBindingWrite(ann, bind('admin'), policy), undefined);
    assert.match(checkBindingWrite(ann, bind('cluster-admin'), policy) ?? '', /^rolebindings\.rbac\.authorization\.k8s\.io "b" is forbidden: user "ann"/);
    assert.match(checkBindingWrite(ann, bind('edit', 'other'), policy) ?? '', /is attempting to grant RBAC permissions not currently held/);
    // edit cannot bind admin (lacks roles/rolebindings)
    const msg = checkBindingWrite(ed, bind('admin'), policy) ?? '';
    assert.ok(msg.includes('{APIGroups:["rbac.authorization.k8s.io"], Resources:["rolebindings"], Verbs:['), msg);
    const cluster: BindingObject = crb('view-all', 'view', [userSubj('bob')]);
    const cmsg = checkBindingWrite(ann, cluster, policy) ?? '';
    assert.ok(
      cmsg.startsWith(
        'clusterrolebindings.rbac.authorization.k8s.io "view-all" is forbidden: user "ann" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n',
      ),
      cmsg,
    );
  });

  test('admin cannot create ClusterRoles; aggregated ClusterRoles need full authority', () => {
    const cr = clusterRole('c1', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]);
    assert.match(checkRoleWrite(ann, cr, policy) ?? '', /^clusterroles\.rbac\.authorization\.k8s\.io "c1" is forbidden: user "ann"/);
    // broad power over every resource, but not the escalate verb (and no '*' verb)
    const verbs = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
    const p = source({
      clusterRoles: [clusterRole('all-res', [{ verbs, apiGroups: ['*'], resources: ['*'] }])],
      clusterRoleBindings: [crb('all-res', 'all-res', [userSubj('r')])],
    });
    const r = authed('r');
    assert.equal(checkRoleWrite(r, cr, p), undefined);
    const agg: RoleObject = { kind: 'ClusterRole', metadata: { name: 'agg' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: 'y' } }] } };
    assert.equal(
      checkRoleWrite(r, agg, p),
      'clusterroles.rbac.authorization.k8s.io "agg" is forbidden: user "r" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n{NonResourceURLs:["*"], Verbs:["*"]}',
    );
  });

  test('escalate and bind verbs bypass the coverage check; system:masters always may', () => {
    const p = source({
      clusterRoles: [
        clusterRole('escalator', [{ verbs: ['escalate'], apiGroups: [RBAC], resources: ['clusterroles', 'roles'] }]),
        clusterRole('view-binder', [{ verbs: ['bind'], apiGroups: [RBAC], resources: ['clusterroles'], resourceNames: ['view'] }]),
      ],
      clusterRoleBindings: [crb('esc', 'escalator', [userSubj('esc')]), crb('vb', 'view-binder', [userSubj('vb')])],
    });
    const esc = authed('esc');
    const vb = authed('vb');
    const secretsAll = clusterRole('secrets-all', [{ verbs: ['*'], apiGroups: [''], resources: ['secrets'] }]);
    assert.equal(canEscalate(esc, 'ClusterRole', '', '', p), true);
    assert.equal(checkRoleWrite(esc, secretsAll, p), undefined);
    assert.equal(checkRoleWrite(esc, { kind: 'Role', metadata: { name: 'r', namespace: 'ns1' }, rules: secretsAll.rules }, p), undefined);
    assert.notEqual(checkRoleWrite(vb, secretsAll, p), undefined);

    assert.equal(canBind(vb, { apiGroup: RBAC, kind: 'ClusterRole', name: 'view' }, '', p), true);
    assert.equal(canBind(vb, { apiGroup: RBAC, kind: 'ClusterRole', name: 'edit' }, '', p), false);
    assert.equal(checkBindingWrite(vb, crb('x', 'view', [userSubj('bob')]), p), undefined);
    assert.equal(checkBindingWrite(vb, rb('ns1', 'x', 'ClusterRole', 'view', [userSubj('bob')]), p), undefined);
    assert.notEqual(checkBindingWrite(vb, crb('x', 'edit', [userSubj('bob')]), p), undefined);

    const root = authed('root', 'system:masters');
    assert.equal(checkRoleWrite(root, secretsAll, p), undefined);
    assert.equal(checkBindingWrite(root, crb('x', 'cluster-admin', [userSubj('bob')]), p), undefined);
  });

  test('binding to a missing role is refused with the lookup error', () => {
    assert.equal(
      checkBindingWrite(ann, rb('default', 'b', 'ClusterRole', 'nope', [userSubj('bob')]), policy),
      'rolebindings.rbac.authorization.k8s.io "b" is forbidden: clusterrole.rbac.authorization.k8s.io "nope" not found',
    );
  });
});
