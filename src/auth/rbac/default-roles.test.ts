// Every default ClusterRole, checked decision by decision through the real authorize() against an
// expectation table transcribed from upstream's golden files
// (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/testdata/{cluster-roles,controller-roles,
// cluster-role-bindings,controller-role-bindings}.yaml), as generated with v1.35's default feature
// gates. The table is deliberately written in a different notation from policy.ts and is evaluated
// by a small oracle of its own, so a rule that policy.ts drops, adds or widens shows up as a
// decision that differs from upstream.
//
// Table notation: one string per upstream rule, "verbs | apiGroups | resources [| resourceNames]",
// lists space-separated, the legacy group written "" as in the YAML. Non-resource rules use the
// apiGroups slot "URL": "verbs | URL | nonResourceURLs".

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { authorize, type PolicySource } from './authorizer.ts';
import { bootstrapPolicy } from './policy.ts';
import type { BindingObject, RoleObject } from './types.ts';

const RBAC = 'rbac.authorization.k8s.io';

// The events rule upstream repeats verbatim in most roles (eventsRule() in controller_policy.go).
const EVENTS = 'create patch update | "" events.k8s.io | events';

type RoleTable = string[] | { aggregates: string[] };

// -------------------------------------------------------------------------------------------------
// cluster-roles.yaml

const CLUSTER_ROLES: Record<string, RoleTable> = {
  admin: { aggregates: ['system:aggregate-to-admin', 'system:aggregate-to-edit', 'system:aggregate-to-view'] },
  'cluster-admin': ['* | * | *', '* | URL | *'],
  edit: { aggregates: ['system:aggregate-to-edit', 'system:aggregate-to-view'] },
  view: { aggregates: ['system:aggregate-to-view'] },
  'system:aggregate-to-admin': [
    'create | authorization.k8s.io | localsubjectaccessreviews',
    'create delete deletecollection get list patch update watch | rbac.authorization.k8s.io | rolebindings roles',
  ],
  'system:aggregate-to-edit': [
    'get list watch | "" | pods/attach pods/exec pods/portforward pods/proxy secrets services/proxy',
    'impersonate | "" | serviceaccounts',
    'create delete deletecollection patch update | "" | pods pods/attach pods/exec pods/portforward pods/proxy',
    'create | "" | pods/eviction',
    'create delete deletecollection patch update | "" | configmaps persistentvolumeclaims replicationcontrollers replicationcontrollers/scale secrets serviceaccounts services services/proxy',
    'create | "" | serviceaccounts/token',
    'create delete deletecollection patch update | "" events.k8s.io | events',
    'create delete deletecollection patch update | apps | daemonsets deployments deployments/rollback deployments/scale replicasets replicasets/scale statefulsets statefulsets/scale',
    'create delete deletecollection patch update | autoscaling | horizontalpodautoscalers',
    'create delete deletecollection patch update | batch | cronjobs jobs',
    'create delete deletecollection patch update | extensions | daemonsets deployments deployments/rollback deployments/scale ingresses networkpolicies replicasets replicasets/scale replicationcontrollers/scale',
    'create delete deletecollection patch update | policy | poddisruptionbudgets',
    'create delete deletecollection patch update | networking.k8s.io | ingresses networkpolicies',
    'create delete deletecollection get list patch update watch | coordination.k8s.io | leases',
    'create delete deletecollection patch update | resource.k8s.io | resourceclaims resourceclaimtemplates',
  ],
  'system:aggregate-to-view': [
    'get list watch | "" | configmaps endpoints persistentvolumeclaims persistentvolumeclaims/status pods replicationcontrollers replicationcontrollers/scale serviceaccounts services services/status',
    'get list watch | "" | bindings limitranges namespaces/status pods/log pods/status replicationcontrollers/status resourcequotas resourcequotas/status',
    'get list watch | "" | namespaces',
    'get list watch | "" events.k8s.io | events',
    'get list watch | discovery.k8s.io | endpointslices',
    'get list watch | apps | controllerrevisions daemonsets daemonsets/status deployments deployments/scale deployments/status replicasets replicasets/scale replicasets/status statefulsets statefulsets/scale statefulsets/status',
    'get list watch | autoscaling | horizontalpodautoscalers horizontalpodautoscalers/status',
    'get list watch | batch | cronjobs cronjobs/status jobs jobs/status',
    'get list watch | extensions | daemonsets daemonsets/status deployments deployments/scale deployments/status ingresses ingresses/status networkpolicies replicasets replicasets/scale replicasets/status replicationcontrollers/scale',
    'get list watch | policy | poddisruptionbudgets poddisruptionbudgets/status',
    'get list watch | networking.k8s.io | ingresses ingresses/status networkpolicies',
    'get list watch | resource.k8s.io | resourceclaims resourceclaims/status resourceclaimtemplates',
  ],
  'system:auth-delegator': [
    'create | authentication.k8s.io | tokenreviews',
    'create | authorization.k8s.io | subjectaccessreviews',
  ],
  'system:basic-user': [
    'create | authorization.k8s.io | selfsubjectaccessreviews selfsubjectrulesreviews',
    'create | authentication.k8s.io | selfsubjectreviews',
  ],
  'system:certificates.k8s.io:certificatesigningrequests:nodeclient': [
    'create | certificates.k8s.io | certificatesigningrequests/nodeclient',
  ],
  'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient': [
    'create | certificates.k8s.io | certificatesigningrequests/selfnodeclient',
  ],
  'system:certificates.k8s.io:kube-apiserver-client-approver': [
    'approve | certificates.k8s.io | signers | kubernetes.io/kube-apiserver-client',
  ],
  'system:certificates.k8s.io:kube-apiserver-client-kubelet-approver': [
    'approve | certificates.k8s.io | signers | kubernetes.io/kube-apiserver-client-kubelet',
  ],
  'system:certificates.k8s.io:kubelet-serving-approver': [
    'approve | certificates.k8s.io | signers | kubernetes.io/kubelet-serving',
  ],
  'system:certificates.k8s.io:legacy-unknown-approver': [
    'approve | certificates.k8s.io | signers | kubernetes.io/legacy-unknown',
  ],
  'system:discovery': ['get | URL | /api /api/* /apis /apis/* /healthz /livez /openapi /openapi/* /readyz /version /version/'],
  'system:heapster': ['get list watch | "" | events namespaces nodes pods', 'get list watch | extensions | deployments'],
  'system:kube-aggregator': ['get list watch | "" | endpoints services'],
  'system:kube-controller-manager': [
    EVENTS,
    'create | coordination.k8s.io | leases',
    'get update | coordination.k8s.io | leases | kube-controller-manager',
    'create | "" | secrets serviceaccounts',
    'delete | "" | secrets',
    'get | "" | configmaps namespaces secrets serviceaccounts',
    'update | "" | secrets serviceaccounts',
    'create | authentication.k8s.io | tokenreviews',
    'create | authorization.k8s.io | subjectaccessreviews',
    'list watch | * | *',
    'create | "" | serviceaccounts/token',
  ],
  'system:kube-dns': ['list watch | "" | endpoints services'],
  'system:kube-scheduler': [
    EVENTS,
    'create | coordination.k8s.io | leases',
    'get list update watch | coordination.k8s.io | leases | kube-scheduler',
    'create delete deletecollection get list patch update watch | coordination.k8s.io | leasecandidates',
    'get list watch | "" | nodes',
    'delete get list watch | "" | pods',
    'create | "" | bindings pods/binding',
    'patch update | "" | pods/status',
    'get list watch | "" | replicationcontrollers services',
    'get list watch | apps extensions | replicasets',
    'get list watch | apps | statefulsets',
    'get list watch | policy | poddisruptionbudgets',
    'get list watch | "" | persistentvolumeclaims persistentvolumes',
    'create | authentication.k8s.io | tokenreviews',
    'create | authorization.k8s.io | subjectaccessreviews',
    'get list watch | storage.k8s.io | csinodes',
    'get list watch | storage.k8s.io | volumeattachments',
    'get list watch | "" | namespaces',
    'get list watch | storage.k8s.io | csidrivers',
    'get list watch | storage.k8s.io | csistoragecapacities',
    'get list watch | resource.k8s.io | deviceclasses',
    'get list patch update watch | resource.k8s.io | resourceclaims',
    'get list patch update watch | resource.k8s.io | resourceclaims/status',
    'get list patch update watch | "" | pods/finalizers',
    'get list watch | resource.k8s.io | resourceslices',
  ],
  'system:kubelet-api-admin': [
    'get list watch | "" | nodes',
    'proxy | "" | nodes',
    '* | "" | nodes/log nodes/metrics nodes/proxy nodes/stats',
    '* | "" | nodes/configz nodes/healthz nodes/pods',
  ],
  'system:monitoring': [
    'get | URL | /healthz /healthz/* /livez /livez/* /metrics /metrics/slis /readyz /readyz/*',
    'get | "" | nodes/metrics',
  ],
  'system:node': [
    'create | authentication.k8s.io | tokenreviews',
    'create | authorization.k8s.io | localsubjectaccessreviews subjectaccessreviews',
    'get list watch | "" | services',
    'create get list watch | "" | nodes',
    'patch update | "" | nodes/status',
    'patch update | "" | nodes',
    EVENTS,
    'get list watch | "" | pods',
    'create delete | "" | pods',
    'patch update | "" | pods/status',
    'create | "" | pods/eviction',
    'get list watch | "" | configmaps secrets',
    'get | "" | persistentvolumeclaims persistentvolumes',
    'get | "" | endpoints',
    'create get list watch | certificates.k8s.io | certificatesigningrequests',
    'create delete get patch update | coordination.k8s.io | leases',
    'get | storage.k8s.io | volumeattachments',
    'create | "" | serviceaccounts/token',
    'get patch update | "" | persistentvolumeclaims/status',
    'get list watch | storage.k8s.io | csidrivers',
    'create delete get patch update | storage.k8s.io | csinodes',
    'get list watch | node.k8s.io | runtimeclasses',
    'get | resource.k8s.io | resourceclaims',
    'deletecollection | resource.k8s.io | resourceslices',
    'get | "" | serviceaccounts',
  ],
  'system:node-bootstrapper': ['create get list watch | certificates.k8s.io | certificatesigningrequests'],
  'system:node-problem-detector': ['get | "" | nodes', 'patch | "" | nodes/status', EVENTS],
  'system:node-proxier': [
    'list watch | "" | endpoints services',
    'get list watch | "" | nodes',
    EVENTS,
    'list watch | networking.k8s.io | servicecidrs',
    'list watch | discovery.k8s.io | endpointslices',
  ],
  'system:persistent-volume-provisioner': [
    'create delete get list watch | "" | persistentvolumes',
    'get list update watch | "" | persistentvolumeclaims',
    'get list watch | storage.k8s.io | storageclasses',
    'watch | "" | events',
    EVENTS,
  ],
  'system:public-info-viewer': ['get | URL | /healthz /livez /readyz /version /version/'],
  'system:service-account-issuer-discovery': [
    'get | URL | /.well-known/openid-configuration /.well-known/openid-configuration/ /openid/v1/jwks /openid/v1/jwks/',
  ],
  'system:volume-scheduler': [
    'get list patch update watch | "" | persistentvolumes',
    'get list watch | storage.k8s.io | storageclasses',
    'get list patch update watch | "" | persistentvolumeclaims',
  ],
};

// -------------------------------------------------------------------------------------------------
// controller-roles.yaml (names without the "system:controller:" prefix)

const CONTROLLER_ROLES: Record<string, string[]> = {
  'attachdetach-controller': [
    'list watch | "" | persistentvolumeclaims persistentvolumes',
    'get list watch | "" | nodes',
    'patch update | "" | nodes/status',
    'list watch | "" | pods',
    EVENTS,
    'create delete get list watch | storage.k8s.io | volumeattachments',
    'get list watch | storage.k8s.io | csidrivers',
    'get list watch | storage.k8s.io | csinodes',
  ],
  'certificate-controller': [
    'delete get list watch | certificates.k8s.io | certificatesigningrequests',
    'update | certificates.k8s.io | certificatesigningrequests/approval certificatesigningrequests/status',
    'approve | certificates.k8s.io | signers | kubernetes.io/kube-apiserver-client-kubelet',
    'sign | certificates.k8s.io | signers | kubernetes.io/kube-apiserver-client kubernetes.io/kube-apiserver-client-kubelet kubernetes.io/kubelet-serving kubernetes.io/legacy-unknown',
    'create | authorization.k8s.io | subjectaccessreviews',
    EVENTS,
  ],
  'clusterrole-aggregation-controller': ['escalate get list patch update watch | rbac.authorization.k8s.io | clusterroles'],
  'cronjob-controller': [
    'get list update watch | batch | cronjobs',
    'create delete get list patch update watch | batch | jobs',
    'update | batch | cronjobs/status',
    'update | batch | cronjobs/finalizers',
    'delete list watch | "" | pods',
    EVENTS,
  ],
  'daemon-set-controller': [
    'get list watch | apps extensions | daemonsets',
    'update | apps extensions | daemonsets/status',
    'update | apps extensions | daemonsets/finalizers',
    'list watch | "" | nodes',
    'create delete list patch watch | "" | pods',
    'create | "" | pods/binding',
    'create delete get list patch update watch | apps | controllerrevisions',
    EVENTS,
  ],
  'deployment-controller': [
    'get list update watch | apps extensions | deployments',
    'update | apps extensions | deployments/status',
    'update | apps extensions | deployments/finalizers',
    'create delete get list patch update watch | apps extensions | replicasets',
    'get list update watch | "" | pods',
    EVENTS,
  ],
  'disruption-controller': [
    'get list watch | apps extensions | deployments',
    'get list watch | apps extensions | replicasets',
    'get list watch | "" | replicationcontrollers',
    'get list watch | policy | poddisruptionbudgets',
    'get list watch | apps | statefulsets',
    'update | policy | poddisruptionbudgets/status',
    'patch update | "" | pods/status',
    'get | * | */scale',
    EVENTS,
  ],
  'endpoint-controller': [
    'get list watch | "" | pods services',
    'create delete get list update watch | "" | endpoints',
    'create | "" | endpoints/restricted',
    EVENTS,
  ],
  'endpointslice-controller': [
    'get list watch | "" | nodes pods services',
    'update | "" | services/finalizers',
    'create delete get list update watch | discovery.k8s.io | endpointslices',
    EVENTS,
  ],
  'endpointslicemirroring-controller': [
    'get list watch | "" | endpoints services',
    'update | "" | services/finalizers',
    'update | "" | endpoints/finalizers',
    'create delete get list update watch | discovery.k8s.io | endpointslices',
    EVENTS,
  ],
  'ephemeral-volume-controller': [
    'get list watch | "" | pods',
    'update | "" | pods/finalizers',
    'create get list watch | "" | persistentvolumeclaims',
    EVENTS,
  ],
  'expand-controller': [
    'get list patch update watch | "" | persistentvolumes',
    'patch update | "" | persistentvolumeclaims/status',
    'get list watch | "" | persistentvolumeclaims',
    EVENTS,
    'get | "" | services',
  ],
  'generic-garbage-collector': ['delete get list patch update watch | * | *', EVENTS],
  'horizontal-pod-autoscaler': [
    'get list watch | autoscaling | horizontalpodautoscalers',
    'update | autoscaling | horizontalpodautoscalers/status',
    'get update | * | */scale',
    'list watch | "" | pods',
    'list watch | metrics.k8s.io | pods',
    'get list watch | custom.metrics.k8s.io | *',
    'get list watch | external.metrics.k8s.io | *',
    EVENTS,
  ],
  'job-controller': [
    'get list patch update watch | batch | jobs',
    'update | batch | jobs/status',
    'update | batch | jobs/finalizers',
    'create delete list patch watch | "" | pods',
    EVENTS,
  ],
  'legacy-service-account-token-cleaner': [
    'get | "" | configmaps | kube-apiserver-legacy-service-account-token-tracking',
    'delete patch | "" | secrets',
  ],
  'namespace-controller': [
    'delete get list watch | "" | namespaces',
    'update | "" | namespaces/finalize namespaces/status',
    'delete deletecollection get list watch | * | *',
  ],
  'node-controller': [
    'delete get list patch update watch | "" | nodes',
    'patch update | "" | nodes/status',
    'patch update | "" | pods/status',
    'delete get list watch | "" | pods',
    EVENTS,
  ],
  'persistent-volume-binder': [
    'create delete get list update watch | "" | persistentvolumes',
    'update | "" | persistentvolumes/status',
    'get list update watch | "" | persistentvolumeclaims',
    'update | "" | persistentvolumeclaims/status',
    'create delete get list watch | "" | pods',
    'get list watch | storage.k8s.io | storageclasses',
    'list watch | "" | nodes',
    EVENTS,
    'watch | "" | events',
    'get | "" | services',
  ],
  'pod-garbage-collector': ['delete list watch | "" | pods', 'get list watch | "" | nodes', 'patch | "" | pods/status'],
  'pv-protection-controller': ['get list update watch | "" | persistentvolumes', EVENTS],
  'pvc-protection-controller': [
    'get list update watch | "" | persistentvolumeclaims',
    'get list watch | "" | pods',
    EVENTS,
  ],
  'replicaset-controller': [
    'get list update watch | apps extensions | replicasets',
    'update | apps extensions | replicasets/status',
    'update | apps extensions | replicasets/finalizers',
    'create delete list patch watch | "" | pods',
    EVENTS,
  ],
  'replication-controller': [
    'get list update watch | "" | replicationcontrollers',
    'update | "" | replicationcontrollers/status',
    'update | "" | replicationcontrollers/finalizers',
    'create delete list patch watch | "" | pods',
    EVENTS,
  ],
  'resource-claim-controller': [
    'get list watch | "" | pods',
    'update | "" | pods/finalizers',
    'create delete get list watch | resource.k8s.io | resourceclaims',
    'patch update | resource.k8s.io | resourceclaims resourceclaims/status',
    'patch update | "" | pods/status',
    EVENTS,
  ],
  'resourcequota-controller': ['list watch | * | *', 'update | "" | resourcequotas/status', EVENTS],
  'root-ca-cert-publisher': ['create update | "" | configmaps', EVENTS],
  'route-controller': ['list watch | "" | nodes', 'patch | "" | nodes/status', EVENTS],
  'selinux-warning-controller': [
    EVENTS,
    'get list watch | "" | persistentvolumes',
    'get list watch | "" | persistentvolumeclaims',
    'get list watch | "" | pods',
    'get list watch | storage.k8s.io | csidrivers',
  ],
  'service-account-controller': ['create | "" | serviceaccounts', EVENTS],
  'service-cidrs-controller': [
    'get list patch update watch | networking.k8s.io | servicecidrs',
    'patch update | networking.k8s.io | servicecidrs/finalizers',
    'patch update | networking.k8s.io | servicecidrs/status',
    'get list watch | networking.k8s.io | ipaddresses',
    EVENTS,
  ],
  'service-controller': [
    'get list watch | "" | services',
    'patch update | "" | services/status',
    'list watch | "" | nodes',
    EVENTS,
  ],
  'statefulset-controller': [
    'list watch | "" | pods',
    'get list watch | apps | statefulsets',
    'update | apps | statefulsets/status',
    'update | apps | statefulsets/finalizers',
    'create delete get patch update | "" | pods',
    'create delete get list patch update watch | apps | controllerrevisions',
    'create get list watch | "" | persistentvolumeclaims',
    'delete update | "" | persistentvolumeclaims',
    'update | "" | pods/finalizers',
    EVENTS,
  ],
  'ttl-after-finished-controller': ['delete get list watch | batch | jobs', EVENTS],
  'ttl-controller': ['list patch update watch | "" | nodes', EVENTS],
  'validatingadmissionpolicy-status-controller': [
    'get list watch | admissionregistration.k8s.io | validatingadmissionpolicies',
    'get patch update | admissionregistration.k8s.io | validatingadmissionpolicies/status',
    EVENTS,
  ],
  'volumeattributesclass-protection-controller': [
    'get list watch | "" | persistentvolumeclaims',
    'get list watch | "" | persistentvolumes',
    'get list update watch | storage.k8s.io | volumeattributesclasses',
    EVENTS,
  ],
};

// -------------------------------------------------------------------------------------------------
// cluster-role-bindings.yaml (controller-role-bindings.yaml is one ServiceAccount per controller role)

const CLUSTER_ROLE_BINDINGS: Record<string, string[]> = {
  'cluster-admin': ['Group system:masters'],
  'system:basic-user': ['Group system:authenticated'],
  'system:discovery': ['Group system:authenticated'],
  'system:kube-controller-manager': ['User system:kube-controller-manager'],
  'system:kube-dns': ['ServiceAccount kube-system/kube-dns'],
  'system:kube-scheduler': ['User system:kube-scheduler'],
  'system:monitoring': ['Group system:monitoring'],
  'system:node': [],
  'system:node-proxier': ['User system:kube-proxy'],
  'system:public-info-viewer': ['Group system:authenticated', 'Group system:unauthenticated'],
  'system:service-account-issuer-discovery': ['Group system:serviceaccounts'],
  'system:volume-scheduler': ['User system:kube-scheduler'],
};

// -------------------------------------------------------------------------------------------------
// Oracle over the table

interface TRule {
  verbs: string[];
  groups: string[]; // empty for URL rules
  resources: string[];
  names: string[];
  urls: string[];
}

const list = (s: string): string[] => s.trim().split(/\s+/).filter(Boolean).map((x) => (x === '""' ? '' : x));

function parseRule(line: string): TRule {
  const [verbs = '', groups = '', targets = '', names = ''] = line.split('|');
  if (groups.trim() === 'URL') return { verbs: list(verbs), groups: [], resources: [], names: [], urls: list(targets) };
  return { verbs: list(verbs), groups: list(groups), resources: list(targets), names: list(names), urls: [] };
}

const ALL_ROLES: Record<string, RoleTable> = {
  ...CLUSTER_ROLES,
  ...Object.fromEntries(Object.entries(CONTROLLER_ROLES).map(([n, rules]) => [`system:controller:${n}`, rules])),
};

function expectedRules(role: string): TRule[] {
  const t = ALL_ROLES[role];
  if (!t) throw new Error(`no table for ${role}`);
  if (Array.isArray(t)) return t.map(parseRule);
  return t.aggregates.flatMap((r) => expectedRules(r));
}

interface Req {
  verb: string;
  group: string;
  resource: string; // may be "res/sub"
  name: string;
  url?: string;
}

function tableAllows(rules: TRule[], q: Req): boolean {
  return rules.some((r) => {
    if (!r.verbs.includes('*') && !r.verbs.includes(q.verb)) return false;
    if (q.url !== undefined) {
      return r.urls.some((u) => u === '*' || u === q.url || (u.endsWith('*') && q.url!.startsWith(u.slice(0, -1))));
    }
    if (r.urls.length > 0) return false;
    if (!r.groups.includes('*') && !r.groups.includes(q.group)) return false;
    const sub = q.resource.includes('/') ? q.resource.slice(q.resource.indexOf('/') + 1) : '';
    const resOk = r.resources.some((x) => x === '*' || x === q.resource || (sub !== '' && x === `*/${sub}`));
    if (!resOk) return false;
    return r.names.length === 0 || r.names.includes(q.name);
  });
}

// -------------------------------------------------------------------------------------------------
// What gets asked

const STANDARD_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];
// asked of every role, so a role that should not hold them is caught holding them
const SPECIAL_VERBS = ['impersonate', 'escalate', 'bind', 'approve', 'sign', 'use', 'proxy', 'attest'];

// kubectl-style "resource[/sub][.group]"
const COMMON_RESOURCES = [
  'pods',
  'pods/log',
  'pods/exec',
  'services',
  'secrets',
  'configmaps',
  'deployments.apps',
  'nodes',
  'nodes/status',
  'namespaces',
  'events',
  'events.events.k8s.io',
  'leases.coordination.k8s.io',
  `roles.${RBAC}`,
  `clusterroles.${RBAC}`,
  'certificatesigningrequests.certificates.k8s.io',
  'customresourcedefinitions.apiextensions.k8s.io',
  'widgets.example.com',
];

const COMMON_URLS = ['/metrics', '/logs', '/flagz', '/statusz', '/debug/pprof/', '/apis/apps/v1', '/healthz/etcd'];

function parseTarget(t: string): { group: string; resource: string } {
  const dot = t.indexOf('.');
  return dot < 0 ? { group: '', resource: t } : { group: t.slice(dot + 1), resource: t.slice(0, dot) };
}
const target = (group: string, resource: string): string => (group ? `${resource}.${group}` : resource);

/** Every resource a rule mentions, made concrete (wildcards become a sample resource). */
function targetsOf(rules: TRule[]): string[] {
  const out = new Set<string>();
  for (const r of rules) {
    for (const g of r.groups) {
      for (const res of r.resources) {
        if (res === '*') {
          if (g !== '*') out.add(target(g, 'widgets'));
        } else if (res.startsWith('*/')) {
          const sub = res.slice(2);
          const groups = g === '*' ? ['apps', '', 'example.com'] : [g];
          for (const gg of groups) out.add(target(gg, `${gg === '' ? 'replicationcontrollers' : gg === 'apps' ? 'deployments' : 'widgets'}/${sub}`));
        } else {
          if (g === '*') {
            out.add(target('', res));
            out.add(target('example.com', res));
          } else {
            out.add(target(g, res));
          }
          // the same resource in a group the rule does not name must stay denied
          out.add(target('other.example.com', res));
        }
      }
    }
  }
  return [...out];
}

function urlsOf(rules: TRule[]): string[] {
  return rules.flatMap((r) => r.urls).map((u) => (u === '*' ? '/anything' : u.endsWith('*') ? `${u.slice(0, -1)}x` : u));
}

const ALL_TABLE_URLS = [...new Set([...COMMON_URLS, ...Object.keys(ALL_ROLES).flatMap((r) => urlsOf(expectedRules(r)))])];

function requestsFor(role: string): Req[] {
  const rules = expectedRules(role);
  const extraVerbs = rules.flatMap((r) => r.verbs).filter((v) => v !== '*');
  const verbs = [...new Set([...STANDARD_VERBS, ...SPECIAL_VERBS, ...extraVerbs])];
  const targets = [...new Set([...COMMON_RESOURCES, ...targetsOf(rules)])];
  const reqs: Req[] = [];
  for (const t of targets) {
    const { group, resource } = parseTarget(t);
    for (const verb of verbs) reqs.push({ verb, group, resource, name: '' });
  }
  // resourceNames rules: the named object, and (above) the unnamed request that must not match
  for (const r of rules) {
    for (const name of r.names) {
      for (const g of r.groups) {
        for (const res of r.resources) {
          for (const verb of verbs) reqs.push({ verb, group: g, resource: res, name });
          reqs.push({ verb: r.verbs[0] ?? 'get', group: g, resource: res, name: `not-${name}` });
        }
      }
    }
  }
  for (const url of ALL_TABLE_URLS) {
    for (const verb of ['get', 'post']) reqs.push({ verb, group: '', resource: '', name: '', url });
  }
  return reqs;
}

// -------------------------------------------------------------------------------------------------
// Running it through authorize()

const USER = { username: 'rbac-table-user', groups: [] as string[] };

function sourceBinding(clusterRoles: object[], role: string): PolicySource {
  const base = bootstrapPolicy();
  const binding: BindingObject = {
    kind: 'ClusterRoleBinding',
    metadata: { name: 'rbac-table-test' },
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role },
    subjects: [{ kind: 'User', apiGroup: RBAC, name: USER.username }],
  };
  const crbs = [...(base.clusterRoleBindings as object[]), binding];
  return {
    clusterRoles: () => clusterRoles,
    clusterRoleBindings: () => crbs,
    roles: (ns) => (base.roles as RoleObject[]).filter((r) => r.metadata.namespace === ns),
    roleBindings: (ns) => (base.roleBindings as BindingObject[]).filter((b) => b.metadata.namespace === ns),
  };
}

function describeReq(q: Req): string {
  if (q.url !== undefined) return `${q.verb} ${q.url}`;
  return `${q.verb} ${target(q.group, q.resource)}${q.name ? ` name=${q.name}` : ''}`;
}

/** Decisions where policy.ts (through authorize) and the upstream table disagree. */
function diffRole(role: string, clusterRoles: object[]): { checked: number; wrong: string[] } {
  const rules = expectedRules(role);
  const policy = sourceBinding(clusterRoles, role);
  const wrong: string[] = [];
  const reqs = requestsFor(role);
  for (const q of reqs) {
    const sub = q.resource.includes('/') ? q.resource.slice(q.resource.indexOf('/') + 1) : '';
    const resource = sub ? q.resource.slice(0, q.resource.indexOf('/')) : q.resource;
    const got = authorize(
      q.url !== undefined
        ? { user: USER, verb: q.verb, resourceRequest: false, path: q.url }
        : {
            user: USER,
            verb: q.verb,
            resourceRequest: true,
            apiGroup: q.group,
            resource,
            subresource: sub,
            namespace: 'default',
            name: q.name,
          },
      policy,
    ).allowed;
    const want = tableAllows(rules, q);
    if (got !== want) wrong.push(`${describeReq(q)}: upstream ${want ? 'allows' : 'denies'}, kubelite ${got ? 'allows' : 'denies'}`);
  }
  return { checked: reqs.length, wrong };
}

const defaults = bootstrapPolicy();
const bootRoles = defaults.clusterRoles as RoleObject[];

describe('default ClusterRoles decide like upstream v1.35 (table from testdata/*.yaml)', () => {
  test('the table covers exactly the ClusterRoles kubelite bootstraps', () => {
    assert.deepEqual(bootRoles.map((r) => r.metadata.name).sort(), Object.keys(ALL_ROLES).sort());
  });

  let total = 0;
  for (const role of Object.keys(ALL_ROLES).sort()) {
    test(role, () => {
      const { checked, wrong } = diffRole(role, bootRoles);
      total += checked;
      assert.deepEqual(wrong, []);
    });
  }

  test('case count', (t) => {
    t.diagnostic(`${Object.keys(ALL_ROLES).length} roles, ${total} (role, verb, resource|URL) decisions checked`);
    assert.ok(total > 20000, `only ${total} decisions`);
  });
});

describe('the comparison catches drift', () => {
  const mutate = (name: string, f: (r: RoleObject) => void): object[] => {
    const copy = structuredClone(bootRoles);
    const role = copy.find((r) => r.metadata.name === name);
    assert.ok(role);
    f(role);
    return copy;
  };

  test('a dropped rule', () => {
    const roles = mutate('system:controller:job-controller', (r) => r.rules?.splice(1, 1)); // jobs/status
    assert.ok(diffRole('system:controller:job-controller', roles).wrong.includes(
      'update jobs/status.batch: upstream allows, kubelite denies',
    ));
  });

  test('an extra verb', () => {
    const roles = mutate('system:aggregate-to-view', (r) => r.rules?.[0]?.verbs.push('update'));
    const { wrong } = diffRole('view', roles);
    assert.ok(wrong.includes('update pods: upstream denies, kubelite allows'), wrong.join('\n'));
  });

  test('a widened group', () => {
    const roles = mutate('system:controller:ttl-controller', (r) => r.rules?.[0]?.apiGroups?.push('*'));
    const { wrong } = diffRole('system:controller:ttl-controller', roles);
    assert.ok(wrong.includes('list nodes.other.example.com: upstream denies, kubelite allows'), wrong.join('\n'));
  });

  test('a lost resourceName restriction', () => {
    const roles = mutate('system:kube-scheduler', (r) => {
      const named = r.rules?.find((x) => x.resourceNames?.length);
      assert.ok(named);
      delete named.resourceNames;
    });
    const { wrong } = diffRole('system:kube-scheduler', roles);
    assert.ok(wrong.includes('get leases.coordination.k8s.io: upstream denies, kubelite allows'), wrong.join('\n'));
  });
});

describe('default ClusterRoleBindings match upstream', () => {
  const crbs = defaults.clusterRoleBindings as BindingObject[];
  const expected: Record<string, string[]> = {
    ...CLUSTER_ROLE_BINDINGS,
    ...Object.fromEntries(
      Object.keys(CONTROLLER_ROLES).map((n) => [`system:controller:${n}`, [`ServiceAccount kube-system/${n}`]]),
    ),
  };

  test('names, roleRefs and subjects', () => {
    const got = Object.fromEntries(
      crbs.map((b) => {
        assert.deepEqual(b.roleRef, { apiGroup: RBAC, kind: 'ClusterRole', name: b.metadata.name }, b.metadata.name);
        const subjects = (b.subjects ?? []).map((s) => {
          if (s.kind === 'ServiceAccount') {
            assert.equal(s.apiGroup, undefined, b.metadata.name);
            return `ServiceAccount ${s.namespace}/${s.name}`;
          }
          assert.equal(s.apiGroup, RBAC, b.metadata.name);
          return `${s.kind} ${s.name}`;
        });
        return [b.metadata.name, subjects];
      }),
    );
    assert.deepEqual(got, expected);
  });

  test('each controller ServiceAccount holds its role and nothing from another controller', () => {
    const policy: PolicySource = {
      clusterRoles: () => bootRoles,
      clusterRoleBindings: () => crbs,
      roles: () => [],
      roleBindings: () => [],
    };
    const sa = (n: string) => ({ username: `system:serviceaccount:kube-system:${n}`, groups: ['system:serviceaccounts'] });
    const can = (n: string, verb: string, apiGroup: string, resource: string, subresource = '') =>
      authorize({ user: sa(n), verb, resourceRequest: true, apiGroup, resource, subresource, namespace: 'kube-system' }, policy)
        .allowed;
    assert.equal(can('deployment-controller', 'create', 'apps', 'replicasets'), true);
    assert.equal(can('replicaset-controller', 'create', 'apps', 'replicasets'), false);
    assert.equal(can('namespace-controller', 'deletecollection', 'example.com', 'widgets'), true);
    assert.equal(can('job-controller', 'update', 'batch', 'jobs', 'status'), true);
    assert.equal(can('cronjob-controller', 'update', 'batch', 'jobs', 'status'), false);
    assert.equal(can('no-such-controller', 'get', '', 'pods'), false);
  });
});
