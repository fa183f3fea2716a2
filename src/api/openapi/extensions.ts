// Hand-written facts about the built-in types that kubernetes-types does not carry: how lists
// merge (x-kubernetes-patch-strategy / patch-merge-key for strategic merge patch,
// x-kubernetes-list-type / list-map-keys and x-kubernetes-map-type for server-side apply),
// integer widths and byte formats. scripts/gen-openapi.ts bakes them into definitions.json.
//
// Notation, one property per entry: `field=STRATEGY/MERGEKEY|LISTTYPE:KEY,KEY~MAPTYPE`, every
// part optional. `containers=merge/name|map:name` is a list merged by `name` in both patch
// flavours; `finalizers=merge|set`; `strategy=retainKeys`; `command=|atomic`;
// `nodeSelector=~atomic` (a map replaced as a whole).

import type { Schema } from './schema.ts';

const API = 'io.k8s.api.';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const CONDITIONS = 'conditions=merge/type|map:type';

const TABLE: Record<string, string[]> = {
  [META + 'ObjectMeta']: ['finalizers=merge|set', 'ownerReferences=merge/uid|map:uid', 'managedFields=|atomic'],
  [META + 'LabelSelector']: ['matchExpressions=|atomic'],
  [META + 'LabelSelectorRequirement']: ['values=|atomic'],
  [API + 'core.v1.PodSpec']: [
    'containers=merge/name|map:name',
    'initContainers=merge/name|map:name',
    'ephemeralContainers=merge/name|map:name',
    'volumes=merge,retainKeys/name|map:name',
    'imagePullSecrets=merge/name|map:name',
    'hostAliases=merge/ip',
    'topologySpreadConstraints=merge/topologyKey|map:topologyKey,whenUnsatisfiable',
    'schedulingGates=merge/name|map:name',
    'resourceClaims=merge,retainKeys/name|map:name',
    'tolerations=|atomic',
    'readinessGates=|atomic',
    'nodeSelector=~atomic',
  ],
  [API + 'core.v1.Container']: [
    'ports=merge/containerPort|map:containerPort,protocol',
    'env=merge/name|map:name',
    'volumeMounts=merge/mountPath|map:mountPath',
    'volumeDevices=merge/devicePath|map:devicePath',
    'resizePolicy=|atomic',
    'envFrom=|atomic',
    'command=|atomic',
    'args=|atomic',
  ],
  [API + 'core.v1.EphemeralContainer']: [
    'ports=merge/containerPort|map:containerPort,protocol',
    'env=merge/name|map:name',
    'volumeMounts=merge/mountPath|map:mountPath',
    'volumeDevices=merge/devicePath|map:devicePath',
    'resizePolicy=|atomic',
    'envFrom=|atomic',
    'command=|atomic',
    'args=|atomic',
  ],
  [API + 'core.v1.PodStatus']: [
    CONDITIONS,
    'podIPs=merge/ip|map:ip',
    'hostIPs=merge/ip|atomic',
    'resourceClaimStatuses=merge,retainKeys/name|map:name',
    'containerStatuses=|atomic',
    'initContainerStatuses=|atomic',
    'ephemeralContainerStatuses=|atomic',
  ],
  [API + 'core.v1.PodSecurityContext']: ['supplementalGroups=|atomic', 'sysctls=|atomic'],
  [API + 'core.v1.ResourceRequirements']: ['claims=|map:name'],
  [API + 'core.v1.NodeSpec']: ['podCIDRs=merge|set', 'taints=|atomic'],
  [API + 'core.v1.NodeStatus']: [CONDITIONS, 'addresses=merge/type|map:type', 'images=|atomic', 'volumesInUse=|atomic', 'volumesAttached=|atomic'],
  [API + 'core.v1.ServiceSpec']: [
    'ports=merge/port|map:port,protocol',
    'clusterIPs=|atomic',
    'ipFamilies=|atomic',
    'externalIPs=|atomic',
    'selector=~atomic',
  ],
  [API + 'core.v1.ServiceStatus']: [CONDITIONS],
  [API + 'core.v1.LoadBalancerStatus']: ['ingress=|atomic'],
  [API + 'core.v1.PersistentVolumeClaimStatus']: [CONDITIONS],
  [API + 'core.v1.NamespaceStatus']: [CONDITIONS],
  [API + 'core.v1.ReplicationControllerStatus']: [CONDITIONS],
  [API + 'core.v1.ServiceAccount']: ['secrets=merge/name|map:name', 'imagePullSecrets=|atomic'],
  [API + 'core.v1.NodeSelector']: ['nodeSelectorTerms=|atomic'],
  [API + 'core.v1.NodeSelectorTerm']: ['matchExpressions=|atomic', 'matchFields=|atomic'],
  [API + 'core.v1.EndpointSubset']: ['addresses=|atomic', 'notReadyAddresses=|atomic', 'ports=|atomic'],
  [API + 'core.v1.Endpoints']: ['subsets=|atomic'],
  [API + 'apps.v1.DeploymentSpec']: ['strategy=retainKeys'],
  [API + 'apps.v1.DeploymentStatus']: [CONDITIONS],
  [API + 'apps.v1.DaemonSetStatus']: [CONDITIONS],
  [API + 'apps.v1.ReplicaSetStatus']: [CONDITIONS],
  [API + 'apps.v1.StatefulSetStatus']: [CONDITIONS],
  [API + 'apps.v1.StatefulSetSpec']: ['volumeClaimTemplates=|atomic'],
  [API + 'batch.v1.JobStatus']: ['conditions=merge/type|atomic'],
  [API + 'batch.v1.CronJobStatus']: ['active=|atomic'],
  [API + 'autoscaling.v2.HorizontalPodAutoscalerSpec']: ['metrics=|atomic'],
  [API + 'autoscaling.v2.HorizontalPodAutoscalerStatus']: [CONDITIONS, 'currentMetrics=|atomic'],
  [API + 'policy.v1.PodDisruptionBudgetStatus']: [CONDITIONS],
  [API + 'certificates.v1.CertificateSigningRequestSpec']: ['usages=|atomic', 'groups=|atomic'],
  [API + 'certificates.v1.CertificateSigningRequestStatus']: ['conditions=|map:type'],
  [API + 'admissionregistration.v1.ValidatingWebhookConfiguration']: ['webhooks=merge/name|map:name'],
  [API + 'admissionregistration.v1.MutatingWebhookConfiguration']: ['webhooks=merge/name|map:name'],
  [API + 'storage.v1.CSINodeSpec']: ['drivers=merge/name|map:name'],
  [API + 'discovery.v1.EndpointSlice']: ['endpoints=|atomic', 'ports=|atomic'],
  [API + 'networking.v1.NetworkPolicySpec']: ['ingress=|atomic', 'egress=|atomic', 'policyTypes=|atomic'],
  [API + 'rbac.v1.Role']: ['rules=|atomic'],
  [API + 'rbac.v1.ClusterRole']: ['rules=|atomic'],
  [API + 'rbac.v1.RoleBinding']: ['subjects=|atomic'],
  [API + 'rbac.v1.ClusterRoleBinding']: ['subjects=|atomic'],
  ['io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionStatus']: ['conditions=|map:type'],
};

function parseEntry(entry: string): [string, Schema] {
  const eq = entry.indexOf('=');
  const field = entry.slice(0, eq);
  let rest = entry.slice(eq + 1);
  const s: Schema = {};
  const tilde = rest.indexOf('~');
  if (tilde >= 0) {
    s['x-kubernetes-map-type'] = rest.slice(tilde + 1);
    rest = rest.slice(0, tilde);
  }
  const [patch = '', list = ''] = rest.split('|');
  if (patch) {
    const [strategy = '', key] = patch.split('/');
    s['x-kubernetes-patch-strategy'] = strategy;
    if (key) s['x-kubernetes-patch-merge-key'] = key;
  }
  if (list) {
    const [type = '', keys] = list.split(':');
    s['x-kubernetes-list-type'] = type;
    if (keys) s['x-kubernetes-list-map-keys'] = keys.split(',');
  }
  return [field, s];
}

/** Definition name → property → the x-kubernetes-* extensions of that property. */
export const EXTENSIONS: Record<string, Record<string, Schema>> = Object.fromEntries(
  Object.entries(TABLE).map(([def, entries]) => [def, Object.fromEntries(entries.map(parseEntry))]),
);

/** Structs that are replaced as a whole (`x-kubernetes-map-type: atomic` on the definition). */
export const MAP_TYPES: Record<string, string> = Object.fromEntries(
  [
    META + 'LabelSelector',
    API + 'core.v1.LocalObjectReference',
    API + 'core.v1.ObjectReference',
    API + 'core.v1.TypedLocalObjectReference',
    API + 'core.v1.SecretReference',
    API + 'core.v1.ConfigMapKeySelector',
    API + 'core.v1.SecretKeySelector',
    API + 'core.v1.ObjectFieldSelector',
    API + 'core.v1.ResourceFieldSelector',
    API + 'core.v1.ConfigMapEnvSource',
    API + 'core.v1.SecretEnvSource',
    API + 'core.v1.NodeSelector',
    API + 'core.v1.NodeSelectorTerm',
    API + 'core.v1.TopologySelectorTerm',
  ].map((d) => [d, 'atomic']),
);

/** Fields whose integers are 64-bit (by field name; everything else is int32). */
export const INT64_FIELDS = new Set([
  'generation',
  'observedGeneration',
  'deletionGracePeriodSeconds',
  'activeDeadlineSeconds',
  'terminationGracePeriodSeconds',
  'gracePeriodSeconds',
  'runAsUser',
  'runAsGroup',
  'fsGroup',
  'supplementalGroups',
  'revision',
  'remainingItemCount',
  'tolerationSeconds',
  'startingDeadlineSeconds',
  'expirationSeconds',
  'seconds',
  'maxLength',
  'minLength',
  'maxItems',
  'minItems',
  'maxProperties',
  'minProperties',
]);

/** `Definition.field` that are floating point. */
export const DOUBLE_FIELDS = new Set(
  ['maximum', 'minimum', 'multipleOf'].map((f) => `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps.${f}`),
);

/** `Definition.field` → format of its strings (or of the values of a map of strings). */
export const FORMATS: Record<string, string> = {
  [API + 'core.v1.Secret.data']: 'byte',
  [API + 'core.v1.ConfigMap.binaryData']: 'byte',
  [API + 'certificates.v1.CertificateSigningRequestSpec.request']: 'byte',
  [API + 'certificates.v1.CertificateSigningRequestStatus.certificate']: 'byte',
  [API + 'admissionregistration.v1.WebhookClientConfig.caBundle']: 'byte',
  ['io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.WebhookClientConfig.caBundle']: 'byte',
};
