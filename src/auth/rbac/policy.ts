// The default RBAC policy kube-apiserver bootstraps (its "rbac/bootstrap-roles" post-start hook),
// written as compact data and expanded into full rbac.authorization.k8s.io/v1 objects.
//
// Rule notation:  r(verbs, groups, resources, resourceNames?)  /  u(verbs, urls)
// Each argument is a space-separated list; the token "core" stands for the legacy group "".
// Like upstream's rule builder (which keeps sets), every list is emitted sorted.

import type { BindingObject, PolicyRule, RoleObject, Subject } from './types.ts';

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const API_VERSION = `${RBAC_GROUP}/v1`;

export const BOOTSTRAP_LABEL = { 'kubernetes.io/bootstrapping': 'rbac-defaults' } as const;
export const AUTOUPDATE_ANNOTATION = { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } as const;
export const AGGREGATE_TO_ADMIN = 'rbac.authorization.k8s.io/aggregate-to-admin';
export const AGGREGATE_TO_EDIT = 'rbac.authorization.k8s.io/aggregate-to-edit';
export const AGGREGATE_TO_VIEW = 'rbac.authorization.k8s.io/aggregate-to-view';

const READ = 'get list watch';
const WRITE = 'create update patch delete deletecollection';
const READ_WRITE = `${READ} ${WRITE}`;
const READ_UPDATE = 'get list watch update patch';

const words = (s: string): string[] => s.split(/\s+/).filter(Boolean);
const sorted = (xs: string[]): string[] => [...new Set(xs)].sort();

function r(verbs: string, groups: string, resources: string, names?: string): PolicyRule {
  const rule: PolicyRule = {
    verbs: sorted(words(verbs)),
    apiGroups: sorted(words(groups).map((g) => (g === 'core' ? '' : g))),
    resources: sorted(words(resources)),
  };
  if (names) rule.resourceNames = sorted(words(names));
  return rule;
}

function u(verbs: string, urls: string): PolicyRule {
  return { verbs: sorted(words(verbs)), nonResourceURLs: sorted(words(urls)) };
}

const eventsRule = (): PolicyRule => r('create update patch', 'core events.k8s.io', 'events');

// ---------------------------------------------------------------------------------------------
// Cluster roles: [name, rules | aggregate-selector-label, extra labels]

interface RoleSpec {
  name: string;
  rules?: PolicyRule[];
  aggregateFrom?: string; // label key selected with value "true"
  labels?: Record<string, string>;
}

function nodeRules(): PolicyRule[] {
  return [
    r('create', 'authentication.k8s.io', 'tokenreviews'),
    r('create', 'authorization.k8s.io', 'subjectaccessreviews localsubjectaccessreviews'),
    r(READ, 'core', 'services'),
    r('create get list watch', 'core', 'nodes'),
    r('update patch', 'core', 'nodes/status'),
    r('update patch', 'core', 'nodes'),
    eventsRule(),
    r(READ, 'core', 'pods'),
    r('create delete', 'core', 'pods'),
    r('update patch', 'core', 'pods/status'),
    r('create', 'core', 'pods/eviction'),
    r('get list watch', 'core', 'secrets configmaps'),
    r('get', 'core', 'persistentvolumeclaims persistentvolumes'),
    r('get', 'core', 'endpoints'),
    r('create get list watch', 'certificates.k8s.io', 'certificatesigningrequests'),
    r('get create update patch delete', 'coordination.k8s.io', 'leases'),
    r('get', 'storage.k8s.io', 'volumeattachments'),
    r('create', 'core', 'serviceaccounts/token'),
    r('get update patch', 'core', 'persistentvolumeclaims/status'),
    r('get watch list', 'storage.k8s.io', 'csidrivers'),
    r('get create update patch delete', 'storage.k8s.io', 'csinodes'),
    r('get list watch', 'node.k8s.io', 'runtimeclasses'),
    // DynamicResourceAllocation (GA, on by default)
    r('get', 'resource.k8s.io', 'resourceclaims'),
    r('deletecollection', 'resource.k8s.io', 'resourceslices'),
    // KubeletServiceAccountTokenForCredentialProviders (beta, on by default since v1.34)
    r('get', 'core', 'serviceaccounts'),
  ];
}

const CLUSTER_ROLES: RoleSpec[] = [
  { name: 'cluster-admin', rules: [r('*', '*', '*'), u('*', '*')] },
  {
    name: 'system:discovery',
    rules: [u('get', '/livez /readyz /healthz /version /version/ /openapi /openapi/* /api /api/* /apis /apis/*')],
  },
  {
    name: 'system:monitoring',
    rules: [
      u('get', '/metrics /metrics/slis /livez /readyz /healthz /livez/* /readyz/* /healthz/*'),
      // kubelet metrics; /flagz and /statusz are only added when their (alpha) gates are on
      r('get', 'core', 'nodes/metrics'),
    ],
  },
  {
    name: 'system:basic-user',
    rules: [
      r('create', 'authorization.k8s.io', 'selfsubjectaccessreviews selfsubjectrulesreviews'),
      r('create', 'authentication.k8s.io', 'selfsubjectreviews'),
    ],
  },
  { name: 'system:public-info-viewer', rules: [u('get', '/livez /readyz /healthz /version /version/')] },
  { name: 'admin', aggregateFrom: AGGREGATE_TO_ADMIN },
  { name: 'edit', aggregateFrom: AGGREGATE_TO_EDIT, labels: { [AGGREGATE_TO_ADMIN]: 'true' } },
  { name: 'view', aggregateFrom: AGGREGATE_TO_VIEW, labels: { [AGGREGATE_TO_EDIT]: 'true' } },
  {
    name: 'system:aggregate-to-admin',
    labels: { [AGGREGATE_TO_ADMIN]: 'true' },
    rules: [
      r('create', 'authorization.k8s.io', 'localsubjectaccessreviews'),
      r(READ_WRITE, RBAC_GROUP, 'roles rolebindings'),
    ],
  },
  {
    name: 'system:aggregate-to-edit',
    labels: { [AGGREGATE_TO_EDIT]: 'true' },
    rules: [
      r(READ, 'core', 'pods/attach pods/proxy pods/exec pods/portforward secrets services/proxy'),
      r('impersonate', 'core', 'serviceaccounts'),
      r(WRITE, 'core', 'pods pods/attach pods/proxy pods/exec pods/portforward'),
      r('create', 'core', 'pods/eviction'),
      r(
        WRITE,
        'core',
        'replicationcontrollers replicationcontrollers/scale serviceaccounts services services/proxy persistentvolumeclaims configmaps secrets',
      ),
      r('create', 'core', 'serviceaccounts/token'),
      r(WRITE, 'core events.k8s.io', 'events'),
      r(
        WRITE,
        'apps',
        'statefulsets statefulsets/scale daemonsets deployments deployments/scale deployments/rollback replicasets replicasets/scale',
      ),
      r(WRITE, 'autoscaling', 'horizontalpodautoscalers'),
      r(WRITE, 'batch', 'jobs cronjobs'),
      r(
        WRITE,
        'extensions',
        'daemonsets deployments deployments/scale deployments/rollback ingresses replicasets replicasets/scale replicationcontrollers/scale networkpolicies',
      ),
      r(WRITE, 'policy', 'poddisruptionbudgets'),
      r(WRITE, 'networking.k8s.io', 'networkpolicies ingresses'),
      r(READ_WRITE, 'coordination.k8s.io', 'leases'),
      // DynamicResourceAllocation (GA, on by default)
      r(WRITE, 'resource.k8s.io', 'resourceclaims resourceclaimtemplates'),
    ],
  },
  {
    name: 'system:aggregate-to-view',
    labels: { [AGGREGATE_TO_VIEW]: 'true' },
    rules: [
      r(
        READ,
        'core',
        'pods replicationcontrollers replicationcontrollers/scale serviceaccounts services services/status endpoints persistentvolumeclaims persistentvolumeclaims/status configmaps',
      ),
      r(
        READ,
        'core',
        'limitranges resourcequotas bindings pods/status resourcequotas/status namespaces/status replicationcontrollers/status pods/log',
      ),
      r(READ, 'core', 'namespaces'),
      r(READ, 'core events.k8s.io', 'events'),
      r(READ, 'discovery.k8s.io', 'endpointslices'),
      r(
        READ,
        'apps',
        'controllerrevisions statefulsets statefulsets/status statefulsets/scale daemonsets daemonsets/status deployments deployments/status deployments/scale replicasets replicasets/status replicasets/scale',
      ),
      r(READ, 'autoscaling', 'horizontalpodautoscalers horizontalpodautoscalers/status'),
      r(READ, 'batch', 'jobs cronjobs cronjobs/status jobs/status'),
      r(
        READ,
        'extensions',
        'daemonsets daemonsets/status deployments deployments/scale deployments/status ingresses ingresses/status replicasets replicasets/scale replicasets/status replicationcontrollers/scale networkpolicies',
      ),
      r(READ, 'policy', 'poddisruptionbudgets poddisruptionbudgets/status'),
      r(READ, 'networking.k8s.io', 'networkpolicies ingresses ingresses/status'),
      // DynamicResourceAllocation (GA, on by default)
      r(READ, 'resource.k8s.io', 'resourceclaims resourceclaims/status resourceclaimtemplates'),
    ],
  },
  {
    name: 'system:heapster',
    rules: [r(READ, 'core', 'events pods nodes namespaces'), r(READ, 'extensions', 'deployments')],
  },
  { name: 'system:node', rules: nodeRules() },
  {
    name: 'system:node-problem-detector',
    rules: [r('get', 'core', 'nodes'), r('patch', 'core', 'nodes/status'), eventsRule()],
  },
  {
    name: 'system:kubelet-api-admin',
    rules: [
      r('get list watch', 'core', 'nodes'),
      r('proxy', 'core', 'nodes'),
      r('*', 'core', 'nodes/proxy nodes/metrics nodes/stats nodes/log'),
      // KubeletFineGrainedAuthz (beta, on by default)
      r('*', 'core', 'nodes/pods nodes/healthz nodes/configz'),
    ],
  },
  {
    name: 'system:node-bootstrapper',
    rules: [r('create get list watch', 'certificates.k8s.io', 'certificatesigningrequests')],
  },
  {
    name: 'system:auth-delegator',
    rules: [
      r('create', 'authentication.k8s.io', 'tokenreviews'),
      r('create', 'authorization.k8s.io', 'subjectaccessreviews'),
    ],
  },
  { name: 'system:kube-aggregator', rules: [r(READ, 'core', 'services endpoints')] },
  {
    name: 'system:kube-controller-manager',
    rules: [
      eventsRule(),
      r('create', 'coordination.k8s.io', 'leases'),
      r('get update', 'coordination.k8s.io', 'leases', 'kube-controller-manager'),
      r('create', 'core', 'secrets serviceaccounts'),
      r('delete', 'core', 'secrets'),
      r('get', 'core', 'namespaces secrets serviceaccounts configmaps'),
      r('update', 'core', 'secrets serviceaccounts'),
      r('create', 'authentication.k8s.io', 'tokenreviews'),
      r('create', 'authorization.k8s.io', 'subjectaccessreviews'),
      r('list watch', '*', '*'),
      r('create', 'core', 'serviceaccounts/token'),
    ],
  },
  { name: 'system:kube-dns', rules: [r('list watch', 'core', 'endpoints services')] },
  {
    name: 'system:persistent-volume-provisioner',
    rules: [
      r('get list watch create delete', 'core', 'persistentvolumes'),
      r('get list watch update', 'core', 'persistentvolumeclaims'),
      r(READ, 'storage.k8s.io', 'storageclasses'),
      r('watch', 'core', 'events'),
      eventsRule(),
    ],
  },
  {
    name: 'system:certificates.k8s.io:certificatesigningrequests:nodeclient',
    rules: [r('create', 'certificates.k8s.io', 'certificatesigningrequests/nodeclient')],
  },
  {
    name: 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient',
    rules: [r('create', 'certificates.k8s.io', 'certificatesigningrequests/selfnodeclient')],
  },
  {
    name: 'system:volume-scheduler',
    rules: [
      r(READ_UPDATE, 'core', 'persistentvolumes'),
      r(READ, 'storage.k8s.io', 'storageclasses'),
      r(READ_UPDATE, 'core', 'persistentvolumeclaims'),
    ],
  },
  {
    name: 'system:certificates.k8s.io:legacy-unknown-approver',
    rules: [r('approve', 'certificates.k8s.io', 'signers', 'kubernetes.io/legacy-unknown')],
  },
  {
    name: 'system:certificates.k8s.io:kubelet-serving-approver',
    rules: [r('approve', 'certificates.k8s.io', 'signers', 'kubernetes.io/kubelet-serving')],
  },
  {
    name: 'system:certificates.k8s.io:kube-apiserver-client-approver',
    rules: [r('approve', 'certificates.k8s.io', 'signers', 'kubernetes.io/kube-apiserver-client')],
  },
  {
    name: 'system:certificates.k8s.io:kube-apiserver-client-kubelet-approver',
    rules: [r('approve', 'certificates.k8s.io', 'signers', 'kubernetes.io/kube-apiserver-client-kubelet')],
  },
  {
    name: 'system:service-account-issuer-discovery',
    rules: [
      u('get', '/.well-known/openid-configuration /.well-known/openid-configuration/ /openid/v1/jwks /openid/v1/jwks/'),
    ],
  },
  {
    name: 'system:node-proxier',
    rules: [
      r('list watch', 'core', 'services endpoints'),
      r('get list watch', 'core', 'nodes'),
      eventsRule(),
      // MultiCIDRServiceAllocator (GA)
      r('list watch', 'networking.k8s.io', 'servicecidrs'),
      r('list watch', 'discovery.k8s.io', 'endpointslices'),
    ],
  },
  {
    name: 'system:kube-scheduler',
    rules: [
      eventsRule(),
      r('create', 'coordination.k8s.io', 'leases'),
      r('get update list watch', 'coordination.k8s.io', 'leases', 'kube-scheduler'),
      r(READ_WRITE, 'coordination.k8s.io', 'leasecandidates'),
      r(READ, 'core', 'nodes'),
      r('get list watch delete', 'core', 'pods'),
      r('create', 'core', 'pods/binding bindings'),
      r('patch update', 'core', 'pods/status'),
      r(READ, 'core', 'services replicationcontrollers'),
      r(READ, 'apps extensions', 'replicasets'),
      r(READ, 'apps', 'statefulsets'),
      r(READ, 'policy', 'poddisruptionbudgets'),
      r(READ, 'core', 'persistentvolumeclaims persistentvolumes'),
      r('create', 'authentication.k8s.io', 'tokenreviews'),
      r('create', 'authorization.k8s.io', 'subjectaccessreviews'),
      r(READ, 'storage.k8s.io', 'csinodes'),
      r(READ, 'storage.k8s.io', 'volumeattachments'),
      r(READ, 'core', 'namespaces'),
      r(READ, 'storage.k8s.io', 'csidrivers'),
      r(READ, 'storage.k8s.io', 'csistoragecapacities'),
      // DynamicResourceAllocation (GA, on by default)
      r(READ, 'resource.k8s.io', 'deviceclasses'),
      r(READ_UPDATE, 'resource.k8s.io', 'resourceclaims'),
      r(READ_UPDATE, 'resource.k8s.io', 'resourceclaims/status'),
      r(READ_UPDATE, 'core', 'pods/finalizers'),
      r(READ, 'resource.k8s.io', 'resourceslices'),
    ],
  },
];

// ---------------------------------------------------------------------------------------------
// Per-controller roles (controller_policy.go): ClusterRole "system:controller:<name>", bound to the
// ServiceAccount kube-system/<name> that kube-controller-manager runs that controller as (with
// --use-service-account-credentials). Only the controllers enabled under v1.35's default feature
// gates: device-taint-eviction (DRADeviceTaints), podcertificaterequestcleaner, the ClusterTrustBundle
// publisher, storage-version-migrator and storage-version-garbage-collector are gated off.

const CONTROLLER_PREFIX = 'system:controller:';

const CONTROLLER_ROLES: Array<[string, PolicyRule[]]> = [
  [
    'attachdetach-controller',
    [
      r('list watch', 'core', 'persistentvolumes persistentvolumeclaims'),
      r(READ, 'core', 'nodes'),
      r('patch update', 'core', 'nodes/status'),
      r('list watch', 'core', 'pods'),
      eventsRule(),
      r('get create delete list watch', 'storage.k8s.io', 'volumeattachments'),
      r(READ, 'storage.k8s.io', 'csidrivers'),
      r(READ, 'storage.k8s.io', 'csinodes'),
    ],
  ],
  [
    'clusterrole-aggregation-controller',
    // full power over clusterroles so it can write any aggregated rule set
    [r('escalate get list watch update patch', RBAC_GROUP, 'clusterroles')],
  ],
  [
    'cronjob-controller',
    [
      r('get list watch update', 'batch', 'cronjobs'),
      r('get list watch create update delete patch', 'batch', 'jobs'),
      r('update', 'batch', 'cronjobs/status'),
      r('update', 'batch', 'cronjobs/finalizers'),
      r('list watch delete', 'core', 'pods'),
      eventsRule(),
    ],
  ],
  [
    'daemon-set-controller',
    [
      r(READ, 'extensions apps', 'daemonsets'),
      r('update', 'extensions apps', 'daemonsets/status'),
      r('update', 'extensions apps', 'daemonsets/finalizers'),
      r('list watch', 'core', 'nodes'),
      r('list watch create delete patch', 'core', 'pods'),
      r('create', 'core', 'pods/binding'),
      r('get list watch create delete update patch', 'apps', 'controllerrevisions'),
      eventsRule(),
    ],
  ],
  [
    'deployment-controller',
    [
      r('get list watch update', 'extensions apps', 'deployments'),
      r('update', 'extensions apps', 'deployments/status'),
      r('update', 'extensions apps', 'deployments/finalizers'),
      r('get list watch create update patch delete', 'apps extensions', 'replicasets'),
      // "update" is a leftover upstream keeps for old controllers (kubernetes#36897)
      r('get list watch update', 'core', 'pods'),
      eventsRule(),
    ],
  ],
  [
    'disruption-controller',
    [
      r(READ, 'extensions apps', 'deployments'),
      r(READ, 'apps extensions', 'replicasets'),
      r(READ, 'core', 'replicationcontrollers'),
      r(READ, 'policy', 'poddisruptionbudgets'),
      r(READ, 'apps', 'statefulsets'),
      r('update', 'policy', 'poddisruptionbudgets/status'),
      r('patch update', 'core', 'pods/status'),
      r('get', '*', '*/scale'),
      eventsRule(),
    ],
  ],
  [
    'endpoint-controller',
    [
      r(READ, 'core', 'services pods'),
      r('get list watch create update delete', 'core', 'endpoints'),
      r('create', 'core', 'endpoints/restricted'),
      eventsRule(),
    ],
  ],
  [
    'endpointslice-controller',
    [
      r(READ, 'core', 'services pods nodes'),
      // finalizers on the Service let it own slices with blockOwnerDeletion=true
      r('update', 'core', 'services/finalizers'),
      r('get list watch create update delete', 'discovery.k8s.io', 'endpointslices'),
      eventsRule(),
    ],
  ],
  [
    'endpointslicemirroring-controller',
    [
      r(READ, 'core', 'services endpoints'),
      r('update', 'core', 'services/finalizers'),
      r('update', 'core', 'endpoints/finalizers'),
      r('get list watch create update delete', 'discovery.k8s.io', 'endpointslices'),
      eventsRule(),
    ],
  ],
  [
    'expand-controller',
    [
      r(READ_UPDATE, 'core', 'persistentvolumes'),
      r('update patch', 'core', 'persistentvolumeclaims/status'),
      r(READ, 'core', 'persistentvolumeclaims'),
      eventsRule(),
      // in-tree Portworx plugin (removed in v1.36)
      r('get', 'core', 'services'),
    ],
  ],
  [
    'ephemeral-volume-controller',
    [
      r(READ, 'core', 'pods'),
      r('update', 'core', 'pods/finalizers'),
      r('get list watch create', 'core', 'persistentvolumeclaims'),
      eventsRule(),
    ],
  ],
  [
    // DynamicResourceAllocation (GA, on by default)
    'resource-claim-controller',
    [
      r(READ, 'core', 'pods'),
      r('update', 'core', 'pods/finalizers'),
      r('get list watch create delete', 'resource.k8s.io', 'resourceclaims'),
      r('update patch', 'resource.k8s.io', 'resourceclaims resourceclaims/status'),
      r('update patch', 'core', 'pods/status'),
      eventsRule(),
    ],
  ],
  [
    'generic-garbage-collector',
    // list/watch everything, selective gets, and updates/deletes of any owner-referencing object
    [r('get list watch patch update delete', '*', '*'), eventsRule()],
  ],
  [
    'horizontal-pod-autoscaler',
    [
      r(READ, 'autoscaling', 'horizontalpodautoscalers'),
      r('update', 'autoscaling', 'horizontalpodautoscalers/status'),
      r('get update', '*', '*/scale'),
      r('list watch', 'core', 'pods'),
      r('list watch', 'metrics.k8s.io', 'pods'),
      r(READ, 'custom.metrics.k8s.io', '*'),
      r(READ, 'external.metrics.k8s.io', '*'),
      eventsRule(),
    ],
  ],
  [
    'job-controller',
    [
      r(READ_UPDATE, 'batch', 'jobs'),
      r('update', 'batch', 'jobs/status'),
      r('update', 'batch', 'jobs/finalizers'),
      r('list watch create delete patch', 'core', 'pods'),
      eventsRule(),
    ],
  ],
  [
    'namespace-controller',
    [
      r('get list watch delete', 'core', 'namespaces'),
      r('update', 'core', 'namespaces/finalize namespaces/status'),
      r('get list watch delete deletecollection', '*', '*'),
    ],
  ],
  [
    'node-controller',
    [
      r('get list watch update delete patch', 'core', 'nodes'),
      r('patch update', 'core', 'nodes/status'),
      // evicting pods from lost nodes
      r('patch update', 'core', 'pods/status'),
      r('list watch get delete', 'core', 'pods'),
      eventsRule(),
    ],
  ],
  [
    'persistent-volume-binder',
    [
      r('get list watch update create delete', 'core', 'persistentvolumes'),
      r('update', 'core', 'persistentvolumes/status'),
      r('get list watch update', 'core', 'persistentvolumeclaims'),
      r('update', 'core', 'persistentvolumeclaims/status'),
      r('list watch get create delete', 'core', 'pods'),
      r(READ, 'storage.k8s.io', 'storageclasses'),
      r('list watch', 'core', 'nodes'),
      eventsRule(),
      // the recycler watches its pod's events
      r('watch', 'core', 'events'),
      // in-tree Portworx plugin (removed in v1.36)
      r('get', 'core', 'services'),
    ],
  ],
  [
    'pod-garbage-collector',
    [r('list watch delete', 'core', 'pods'), r(READ, 'core', 'nodes'), r('patch', 'core', 'pods/status')],
  ],
  [
    'replicaset-controller',
    [
      r('get list watch update', 'apps extensions', 'replicasets'),
      r('update', 'apps extensions', 'replicasets/status'),
      r('update', 'apps extensions', 'replicasets/finalizers'),
      r('list watch patch create delete', 'core', 'pods'),
      eventsRule(),
    ],
  ],
  [
    'replication-controller',
    [
      // 1.0 controllers needed get and update
      r('get list watch update', 'core', 'replicationcontrollers'),
      r('update', 'core', 'replicationcontrollers/status'),
      r('update', 'core', 'replicationcontrollers/finalizers'),
      r('list watch patch create delete', 'core', 'pods'),
      eventsRule(),
    ],
  ],
  [
    'resourcequota-controller',
    // quota can be counted on anything, so it needs to see everything
    [r('list watch', '*', '*'), r('update', 'core', 'resourcequotas/status'), eventsRule()],
  ],
  ['route-controller', [r('list watch', 'core', 'nodes'), r('patch', 'core', 'nodes/status'), eventsRule()]],
  ['service-account-controller', [r('create', 'core', 'serviceaccounts'), eventsRule()]],
  [
    'service-controller',
    [
      r(READ, 'core', 'services'),
      r('patch update', 'core', 'services/status'),
      r('list watch', 'core', 'nodes'),
      eventsRule(),
    ],
  ],
  [
    // MultiCIDRServiceAllocator (GA)
    'service-cidrs-controller',
    [
      r('get list watch patch update', 'networking.k8s.io', 'servicecidrs'),
      r('patch update', 'networking.k8s.io', 'servicecidrs/finalizers'),
      r('patch update', 'networking.k8s.io', 'servicecidrs/status'),
      r(READ, 'networking.k8s.io', 'ipaddresses'),
      eventsRule(),
    ],
  ],
  [
    'statefulset-controller',
    [
      r('list watch', 'core', 'pods'),
      r(READ, 'apps', 'statefulsets'),
      r('update', 'apps', 'statefulsets/status'),
      r('update', 'apps', 'statefulsets/finalizers'),
      r('get create delete update patch', 'core', 'pods'),
      r('get create delete update patch list watch', 'apps', 'controllerrevisions'),
      r('get create list watch', 'core', 'persistentvolumeclaims'),
      // StatefulSetAutoDeletePVC (GA)
      r('update delete', 'core', 'persistentvolumeclaims'),
      r('update', 'core', 'pods/finalizers'),
      eventsRule(),
    ],
  ],
  ['ttl-controller', [r('update patch list watch', 'core', 'nodes'), eventsRule()]],
  [
    'certificate-controller',
    [
      r('get list watch delete', 'certificates.k8s.io', 'certificatesigningrequests'),
      r(
        'update',
        'certificates.k8s.io',
        'certificatesigningrequests/status certificatesigningrequests/approval',
      ),
      r('approve', 'certificates.k8s.io', 'signers', 'kubernetes.io/kube-apiserver-client-kubelet'),
      r(
        'sign',
        'certificates.k8s.io',
        'signers',
        'kubernetes.io/legacy-unknown kubernetes.io/kube-apiserver-client kubernetes.io/kube-apiserver-client-kubelet kubernetes.io/kubelet-serving',
      ),
      r('create', 'authorization.k8s.io', 'subjectaccessreviews'),
      eventsRule(),
    ],
  ],
  [
    'pvc-protection-controller',
    [r('get list watch update', 'core', 'persistentvolumeclaims'), r('list watch get', 'core', 'pods'), eventsRule()],
  ],
  ['pv-protection-controller', [r('get list watch update', 'core', 'persistentvolumes'), eventsRule()]],
  [
    // VolumeAttributesClass (GA)
    'volumeattributesclass-protection-controller',
    [
      r('list watch get', 'core', 'persistentvolumeclaims'),
      r('list watch get', 'core', 'persistentvolumes'),
      r('get list watch update', 'storage.k8s.io', 'volumeattributesclasses'),
      eventsRule(),
    ],
  ],
  ['ttl-after-finished-controller', [r('get list watch delete', 'batch', 'jobs'), eventsRule()]],
  ['root-ca-cert-publisher', [r('create update', 'core', 'configmaps'), eventsRule()]],
  [
    'validatingadmissionpolicy-status-controller',
    [
      r(READ, 'admissionregistration.k8s.io', 'validatingadmissionpolicies'),
      r('get patch update', 'admissionregistration.k8s.io', 'validatingadmissionpolicies/status'),
      eventsRule(),
    ],
  ],
  [
    'legacy-service-account-token-cleaner',
    [
      r('get', 'core', 'configmaps', 'kube-apiserver-legacy-service-account-token-tracking'),
      r('patch delete', 'core', 'secrets'),
    ],
  ],
  [
    // SELinuxChangePolicy (beta, on by default)
    'selinux-warning-controller',
    [
      eventsRule(),
      r(READ, 'core', 'persistentvolumes'),
      r(READ, 'core', 'persistentvolumeclaims'),
      r(READ, 'core', 'pods'),
      r(READ, 'storage.k8s.io', 'csidrivers'),
    ],
  ],
];

// ---------------------------------------------------------------------------------------------
// Cluster role bindings: name (== role name) -> subjects. "U:x" user, "G:x" group, "SA:ns/name".

const CLUSTER_ROLE_BINDINGS: Array<[string, string]> = [
  ['cluster-admin', 'G:system:masters'],
  ['system:monitoring', 'G:system:monitoring'],
  ['system:discovery', 'G:system:authenticated'],
  ['system:basic-user', 'G:system:authenticated'],
  ['system:public-info-viewer', 'G:system:authenticated G:system:unauthenticated'],
  ['system:node-proxier', 'U:system:kube-proxy'],
  ['system:kube-controller-manager', 'U:system:kube-controller-manager'],
  ['system:kube-dns', 'SA:kube-system/kube-dns'],
  ['system:kube-scheduler', 'U:system:kube-scheduler'],
  ['system:volume-scheduler', 'U:system:kube-scheduler'],
  // deprecated binding kept with no subjects so reconciliation can tighten it
  ['system:node', ''],
  ['system:service-account-issuer-discovery', 'G:system:serviceaccounts'],
];

// Namespaced roles: [namespace, name, rules]
const NAMESPACED_ROLES: Array<[string, string, PolicyRule[]]> = [
  [
    'kube-system',
    'extension-apiserver-authentication-reader',
    [r(READ, 'core', 'configmaps', 'extension-apiserver-authentication')],
  ],
  [
    'kube-system',
    'system::leader-locking-kube-controller-manager',
    [r('watch', 'core', 'configmaps'), r('get update', 'core', 'configmaps', 'kube-controller-manager')],
  ],
  [
    'kube-system',
    'system::leader-locking-kube-scheduler',
    [r('watch', 'core', 'configmaps'), r('get update', 'core', 'configmaps', 'kube-scheduler')],
  ],
  ['kube-system', 'system:controller:bootstrap-signer', [r(READ, 'core', 'secrets')]],
  ['kube-system', 'system:controller:cloud-provider', [r('create get list watch', 'core', 'configmaps')]],
  [
    'kube-system',
    'system:controller:token-cleaner',
    [r('delete get list watch', 'core', 'secrets'), eventsRule()],
  ],
  [
    'kube-public',
    'system:controller:bootstrap-signer',
    [r(READ, 'core', 'configmaps'), r('update', 'core', 'configmaps', 'cluster-info'), eventsRule()],
  ],
];

// Namespaced role bindings: [namespace, binding name, role name, subjects]
const NAMESPACED_ROLE_BINDINGS: Array<[string, string, string, string]> = [
  [
    'kube-system',
    'system::extension-apiserver-authentication-reader',
    'extension-apiserver-authentication-reader',
    'U:system:kube-controller-manager U:system:kube-scheduler',
  ],
  [
    'kube-system',
    'system::leader-locking-kube-controller-manager',
    'system::leader-locking-kube-controller-manager',
    'U:system:kube-controller-manager SA:kube-system/kube-controller-manager',
  ],
  [
    'kube-system',
    'system::leader-locking-kube-scheduler',
    'system::leader-locking-kube-scheduler',
    'U:system:kube-scheduler SA:kube-system/kube-scheduler',
  ],
  ['kube-system', 'system:controller:bootstrap-signer', 'system:controller:bootstrap-signer', 'SA:kube-system/bootstrap-signer'],
  ['kube-system', 'system:controller:cloud-provider', 'system:controller:cloud-provider', 'SA:kube-system/cloud-provider'],
  ['kube-system', 'system:controller:token-cleaner', 'system:controller:token-cleaner', 'SA:kube-system/token-cleaner'],
  ['kube-public', 'system:controller:bootstrap-signer', 'system:controller:bootstrap-signer', 'SA:kube-system/bootstrap-signer'],
];

// ---------------------------------------------------------------------------------------------

function meta(name: string, namespace?: string, extraLabels?: Record<string, string>) {
  return {
    name,
    ...(namespace ? { namespace } : {}),
    labels: { ...BOOTSTRAP_LABEL, ...(extraLabels ?? {}) },
    annotations: { ...AUTOUPDATE_ANNOTATION },
  };
}

function subjects(spec: string): Subject[] {
  return words(spec).map((s) => {
    if (s.startsWith('SA:')) {
      const [ns = '', name = ''] = s.slice(3).split('/');
      return { kind: 'ServiceAccount', name, namespace: ns };
    }
    const kind = s.startsWith('G:') ? 'Group' : 'User';
    return { kind, apiGroup: RBAC_GROUP, name: s.slice(2) };
  });
}

function clone<T>(x: T): T {
  return structuredClone(x);
}

export interface BootstrapPolicy {
  clusterRoles: RoleObject[];
  clusterRoleBindings: BindingObject[];
  roles: RoleObject[];
  roleBindings: BindingObject[];
}

/** Default roles and bindings as kube-apiserver creates them. Aggregated roles (admin/edit/view)
 *  carry an aggregationRule and no rules, exactly as stored before the aggregation controller runs;
 *  use `aggregate()` to fill them. */
export function bootstrapPolicy(): BootstrapPolicy {
  const controllerSpecs: RoleSpec[] = CONTROLLER_ROLES.map(([name, rules]) => ({ name: CONTROLLER_PREFIX + name, rules }));
  const clusterRoles: RoleObject[] = [...CLUSTER_ROLES, ...controllerSpecs].map((spec) => {
    const role: RoleObject = {
      apiVersion: API_VERSION,
      kind: 'ClusterRole',
      metadata: meta(spec.name, undefined, spec.labels),
    };
    if (spec.aggregateFrom) {
      // stored without rules; the aggregation controller fills them
      role.aggregationRule = { clusterRoleSelectors: [{ matchLabels: { [spec.aggregateFrom]: 'true' } }] };
    } else {
      role.rules = clone(spec.rules ?? []);
    }
    return role;
  });
  const controllerBindings: Array<[string, string]> = CONTROLLER_ROLES.map(([name]) => [
    CONTROLLER_PREFIX + name,
    `SA:kube-system/${name}`,
  ]);
  const clusterRoleBindings: BindingObject[] = [...CLUSTER_ROLE_BINDINGS, ...controllerBindings].map(([name, subj]) => ({
    apiVersion: API_VERSION,
    kind: 'ClusterRoleBinding',
    metadata: meta(name),
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name },
    ...(subj ? { subjects: subjects(subj) } : {}),
  }));
  const roles: RoleObject[] = NAMESPACED_ROLES.map(([ns, name, rules]) => ({
    apiVersion: API_VERSION,
    kind: 'Role',
    metadata: meta(name, ns),
    rules: clone(rules),
  }));
  const roleBindings: BindingObject[] = NAMESPACED_ROLE_BINDINGS.map(([ns, name, role, subj]) => ({
    apiVersion: API_VERSION,
    kind: 'RoleBinding',
    metadata: meta(name, ns),
    roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: role },
    subjects: subjects(subj),
  }));
  return { clusterRoles, clusterRoleBindings, roles, roleBindings };
}
