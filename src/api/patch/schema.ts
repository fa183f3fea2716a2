// The strategic-merge-patch metadata of the built-in types: which lists merge (and by which
// key), which maps are replaced, where `retainKeys` applies. Upstream reads it from the Go
// struct tags `patchStrategy` / `patchMergeKey` (k8s.io/api/*/types.go), which the OpenAPI
// documents publish as `x-kubernetes-patch-strategy` / `x-kubernetes-patch-merge-key`.
//
// The table is data, keyed by type name, listing only the fields that matter: a field with a
// strategy, or a field leading to a type that has some. Everything else (unknown kinds, unknown
// fields) has no strategy: lists are replaced and maps merged, as upstream does without tags.
// Fields deliberately absent because upstream gives them no strategy (they are replaced):
// PodSpec.tolerations, PodSpec.readinessGates, Container.envFrom, NodeSpec.taints,
// ServiceAccount.imagePullSecrets, Endpoints.subsets, StatefulSetSpec.volumeClaimTemplates.

/** A field: the name of its type (the element type for a list), or that plus its patch tags. */
export type FieldSpec = string | { type?: string; strategy?: string; mergeKey?: string };

/** Type name → field name → spec. */
export type TypeTable = Readonly<Record<string, Readonly<Record<string, FieldSpec>>>>;

const MERGE_BY_TYPE = { strategy: 'merge', mergeKey: 'type' } as const;
const MERGE_BY_NAME = { strategy: 'merge', mergeKey: 'name' } as const;

/** The built-in types. Every kind's root type also gets `metadata: ObjectMeta`. */
export const PATCH_TYPES: TypeTable = {
  // meta/v1
  ObjectMeta: {
    finalizers: { strategy: 'merge' },
    ownerReferences: { strategy: 'merge', mergeKey: 'uid' },
  },
  /** Any status whose only tagged field is `conditions` (merged by type). */
  ConditionsStatus: { conditions: MERGE_BY_TYPE },

  // core/v1
  Pod: { spec: 'PodSpec', status: 'PodStatus' },
  PodTemplate: { template: 'PodTemplateSpec' },
  PodTemplateSpec: { metadata: 'ObjectMeta', spec: 'PodSpec' },
  PodSpec: {
    volumes: { type: 'Volume', strategy: 'merge,retainKeys', mergeKey: 'name' },
    initContainers: { type: 'Container', ...MERGE_BY_NAME },
    containers: { type: 'Container', ...MERGE_BY_NAME },
    ephemeralContainers: { type: 'EphemeralContainer', ...MERGE_BY_NAME },
    imagePullSecrets: MERGE_BY_NAME,
    hostAliases: { strategy: 'merge', mergeKey: 'ip' },
    topologySpreadConstraints: { strategy: 'merge', mergeKey: 'topologyKey' },
    schedulingGates: MERGE_BY_NAME,
    resourceClaims: { strategy: 'merge,retainKeys', mergeKey: 'name' },
  },
  Container: {
    ports: { strategy: 'merge', mergeKey: 'containerPort' },
    env: MERGE_BY_NAME,
    volumeMounts: { strategy: 'merge', mergeKey: 'mountPath' },
    volumeDevices: { strategy: 'merge', mergeKey: 'devicePath' },
  },
  EphemeralContainer: {
    ports: { strategy: 'merge', mergeKey: 'containerPort' },
    env: MERGE_BY_NAME,
    volumeMounts: { strategy: 'merge', mergeKey: 'mountPath' },
    volumeDevices: { strategy: 'merge', mergeKey: 'devicePath' },
  },
  Volume: {},
  PodStatus: {
    conditions: MERGE_BY_TYPE,
    podIPs: { strategy: 'merge', mergeKey: 'ip' },
    hostIPs: { strategy: 'merge', mergeKey: 'ip' },
    resourceClaimStatuses: { strategy: 'merge,retainKeys', mergeKey: 'name' },
  },
  ReplicationController: { spec: 'ReplicationControllerSpec', status: 'ConditionsStatus' },
  ReplicationControllerSpec: { template: 'PodTemplateSpec' },
  Service: { spec: 'ServiceSpec', status: 'ConditionsStatus' },
  ServiceSpec: { ports: { strategy: 'merge', mergeKey: 'port' } },
  Node: { spec: 'NodeSpec', status: 'NodeStatus' },
  NodeSpec: { podCIDRs: { strategy: 'merge' } },
  NodeStatus: { conditions: MERGE_BY_TYPE, addresses: MERGE_BY_TYPE },
  ServiceAccount: { secrets: MERGE_BY_NAME },
  PersistentVolumeClaim: { status: 'ConditionsStatus' },
  Namespace: { status: 'ConditionsStatus' },
  ComponentStatus: { conditions: MERGE_BY_TYPE },

  // apps/v1
  Deployment: { spec: 'DeploymentSpec', status: 'ConditionsStatus' },
  DeploymentSpec: { template: 'PodTemplateSpec', strategy: { strategy: 'retainKeys' } },
  ReplicaSet: { spec: 'ReplicaSetSpec', status: 'ConditionsStatus' },
  ReplicaSetSpec: { template: 'PodTemplateSpec' },
  StatefulSet: { spec: 'StatefulSetSpec', status: 'ConditionsStatus' },
  StatefulSetSpec: { template: 'PodTemplateSpec' },
  DaemonSet: { spec: 'DaemonSetSpec', status: 'ConditionsStatus' },
  DaemonSetSpec: { template: 'PodTemplateSpec' },

  // batch/v1
  Job: { spec: 'JobSpec', status: 'ConditionsStatus' },
  JobSpec: { template: 'PodTemplateSpec' },
  CronJob: { spec: 'CronJobSpec' },
  CronJobSpec: { jobTemplate: 'JobTemplateSpec' },
  JobTemplateSpec: { metadata: 'ObjectMeta', spec: 'JobSpec' },

  // policy/v1, autoscaling/v2, networking.k8s.io/v1, apiregistration.k8s.io/v1
  PodDisruptionBudget: { status: 'ConditionsStatus' },
  HorizontalPodAutoscaler: { status: 'ConditionsStatus' },
  ServiceCIDR: { status: 'ConditionsStatus' },
  APIService: { status: 'ConditionsStatus' },

  // storage.k8s.io/v1
  CSINode: { spec: 'CSINodeSpec' },
  CSINodeSpec: { drivers: MERGE_BY_NAME },

  // admissionregistration.k8s.io/v1
  ValidatingWebhookConfiguration: { webhooks: MERGE_BY_NAME },
  MutatingWebhookConfiguration: { webhooks: MERGE_BY_NAME },

  /** A kind with nothing tagged besides its metadata. */
  Object: {},
};

/**
 * The built-in kinds per apiVersion. An entry is a kind whose root type has the same name in
 * PATCH_TYPES (or `Object` when it has none), or `Kind=Type` to name another root type.
 */
export const PATCH_KINDS: Readonly<Record<string, readonly string[]>> = {
  v1: [
    'Pod', 'PodTemplate', 'ReplicationController', 'Service', 'Node', 'Endpoints', 'ConfigMap', 'Secret',
    'ServiceAccount', 'PersistentVolume', 'PersistentVolumeClaim', 'Namespace', 'Event', 'LimitRange',
    'ResourceQuota', 'ComponentStatus', 'Binding',
  ],
  'apps/v1': ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'ControllerRevision'],
  'batch/v1': ['Job', 'CronJob'],
  'networking.k8s.io/v1': ['NetworkPolicy', 'Ingress', 'IngressClass', 'IPAddress', 'ServiceCIDR'],
  'rbac.authorization.k8s.io/v1': ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'],
  'policy/v1': ['PodDisruptionBudget', 'Eviction'],
  'autoscaling/v2': ['HorizontalPodAutoscaler'],
  'autoscaling/v1': ['HorizontalPodAutoscaler=Object', 'Scale'],
  'discovery.k8s.io/v1': ['EndpointSlice'],
  'coordination.k8s.io/v1': ['Lease'],
  'storage.k8s.io/v1': ['StorageClass', 'VolumeAttachment', 'CSIDriver', 'CSINode', 'CSIStorageCapacity'],
  'admissionregistration.k8s.io/v1': [
    'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'ValidatingAdmissionPolicy',
    'ValidatingAdmissionPolicyBinding',
  ],
  'scheduling.k8s.io/v1': ['PriorityClass'],
  'node.k8s.io/v1': ['RuntimeClass'],
  'events.k8s.io/v1': ['Event'],
  'certificates.k8s.io/v1': ['CertificateSigningRequest'],
  'apiextensions.k8s.io/v1': ['CustomResourceDefinition'],
  'apiregistration.k8s.io/v1': ['APIService'],
  'flowcontrol.apiserver.k8s.io/v1': ['FlowSchema', 'PriorityLevelConfiguration'],
};

/** The patch tags of one field. */
export interface PatchMeta {
  /** 'merge', 'replace', or undefined (none: lists replaced, maps merged). */
  strategy?: 'merge' | 'replace';
  /** The tag also lists retainKeys (only the client uses it, to emit `$retainKeys`). */
  retainKeys: boolean;
  /** For a merged list of objects: the member identifying an element. */
  mergeKey?: string;
  /** The raw tag (`merge,retainKeys`), as the OpenAPI documents publish it. */
  tag?: string;
}

/** Where the strategic merge patch asks about a map's fields. */
export interface PatchSchema {
  /** Go's kind of the type, used in one upstream message ("struct", "string"). */
  readonly name: string;
  /** The tags of `field` and the schema of its value (of its elements, for a list). */
  lookup(field: string): { meta: PatchMeta; schema: PatchSchema };
}

const NO_META: PatchMeta = { retainKeys: false };

/** The schema of anything not in the table: no field has a strategy. */
export const noSchema: PatchSchema = {
  name: 'struct',
  lookup: () => ({ meta: NO_META, schema: noSchema }),
};

function parseTag(tag: string | undefined): Pick<PatchMeta, 'strategy' | 'retainKeys'> {
  const parts = (tag ?? '').split(',').filter(Boolean);
  const other = parts.find((p) => p !== 'retainKeys');
  return {
    retainKeys: parts.includes('retainKeys'),
    ...(other === 'merge' || other === 'replace' ? { strategy: other } : {}),
  };
}

/** A tagged list of primitives (finalizers, podCIDRs): the elements are strings. */
const primitiveElements: PatchSchema = { name: 'string', lookup: noSchema.lookup };

/** Schemas over one type table, built lazily and cached per type name. */
class Catalog {
  private readonly byName = new Map<string, PatchSchema>();
  constructor(private readonly types: TypeTable) {}

  /** The schema of a named type (names not in the table have no strategies). */
  type(name: string): PatchSchema {
    let s = this.byName.get(name);
    if (!s) {
      const fields = Object.hasOwn(this.types, name) ? this.types[name] : undefined;
      s = fields ? this.fields(fields) : noSchema;
      this.byName.set(name, s);
    }
    return s;
  }

  /** The schema of a map with these fields. */
  fields(fields: Readonly<Record<string, FieldSpec>>): PatchSchema {
    const cache = new Map<string, { meta: PatchMeta; schema: PatchSchema }>();
    return {
      name: 'struct',
      lookup: (field) => {
        let hit = cache.get(field);
        if (!hit) {
          hit = this.resolve(Object.hasOwn(fields, field) ? fields[field] : undefined);
          cache.set(field, hit);
        }
        return hit;
      },
    };
  }

  private resolve(spec: FieldSpec | undefined): { meta: PatchMeta; schema: PatchSchema } {
    if (spec === undefined) return { meta: NO_META, schema: noSchema };
    const s = typeof spec === 'string' ? { type: spec } : spec;
    const meta: PatchMeta = {
      ...parseTag(s.strategy),
      ...(s.mergeKey ? { mergeKey: s.mergeKey } : {}),
      ...(s.strategy ? { tag: s.strategy } : {}),
    };
    const schema = s.type ? this.type(s.type) : s.strategy && !s.mergeKey ? primitiveElements : noSchema;
    return { meta, schema };
  }
}

/**
 * A schema over another type table (same shape as PATCH_TYPES), rooted at `root`: for types
 * generated from OpenAPI documents, or for tests.
 */
export function tableSchema(types: TypeTable, root: string): PatchSchema {
  return new Catalog(types).type(root);
}

const builtins = new Catalog(PATCH_TYPES);

/** The schema of a named type of PATCH_TYPES (unknown names have no strategies). */
export function typeSchema(name: string): PatchSchema {
  return builtins.type(name);
}

const roots = new Map<string, PatchSchema>();

/** The root schema for objects of a kind; `undefined` when the kind is not built in. */
export function schemaForKind(apiVersion: string, kind: string): PatchSchema | undefined {
  const id = `${apiVersion}/${kind}`;
  const cached = roots.get(id);
  if (cached) return cached;
  const entry = PATCH_KINDS[apiVersion]?.find((e) => e === kind || e.startsWith(`${kind}=`));
  if (entry === undefined) return undefined;
  const typeName = entry.includes('=') ? entry.slice(entry.indexOf('=') + 1) : kind;
  const fields = Object.hasOwn(PATCH_TYPES, typeName) ? PATCH_TYPES[typeName] : undefined;
  const schema = builtins.fields({ metadata: 'ObjectMeta', ...(fields ?? {}) });
  roots.set(id, schema);
  return schema;
}

/** The root schema for a target: the table's for built-in kinds, none for anything else. */
export function patchSchemaFor(target: { apiVersion: string; kind: string }): PatchSchema {
  return schemaForKind(target.apiVersion, target.kind) ?? noSchema;
}

/**
 * The tags of the field at `path` (field names from the object root; list elements are
 * transparent, so `['spec', 'containers', 'env']` asks about a container's env).
 */
export function lookupPatchMeta(target: { apiVersion: string; kind: string }, path: readonly string[]): PatchMeta {
  let schema = patchSchemaFor(target);
  let meta = NO_META;
  for (const field of path) ({ meta, schema } = schema.lookup(field));
  return meta;
}
