// The built-in resources the API server serves: one row per resource, as `kubectl
// api-resources` lists them on a 1.35 cluster. Everything that needs to know about a kind
// (routing, discovery, storage keys, printing, OpenAPI) reads this table instead of keeping
// its own list. CustomResourceDefinitions add rows at run time through `ResourceRegistry`.

export interface ResourceInfo {
  /** API group; '' for the core group. */
  group: string;
  version: string;
  /** Plural, lower case: `deployments`. */
  resource: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  /** Subresources served: `status`, `scale`, `log`, `exec`, ... */
  subresources: string[];
  /** Custom resources carry their CRD's name. */
  crd?: string;
  /** A CRD version's additionalPrinterColumns (custom resources only). */
  printerColumns?: { name: string; type: string; format?: string; description?: string; priority?: number; jsonPath: string }[];
}

const ALL = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const NO_COLLECTION = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const CREATE_ONLY = ['create'];

interface Row {
  g: string;
  v: string;
  r: string;
  k: string;
  ns: boolean;
  short?: string[];
  cat?: string[];
  verbs?: string[];
  sub?: string[];
  singular?: string;
}

const ROWS: Row[] = [
  // core/v1
  { g: '', v: 'v1', r: 'bindings', k: 'Binding', ns: true, verbs: CREATE_ONLY },
  { g: '', v: 'v1', r: 'componentstatuses', k: 'ComponentStatus', ns: false, short: ['cs'], verbs: ['get', 'list'] },
  { g: '', v: 'v1', r: 'configmaps', k: 'ConfigMap', ns: true, short: ['cm'] },
  { g: '', v: 'v1', r: 'endpoints', k: 'Endpoints', ns: true, short: ['ep'], singular: 'endpoints' },
  { g: '', v: 'v1', r: 'events', k: 'Event', ns: true, short: ['ev'] },
  { g: '', v: 'v1', r: 'limitranges', k: 'LimitRange', ns: true, short: ['limits'] },
  { g: '', v: 'v1', r: 'namespaces', k: 'Namespace', ns: false, short: ['ns'], verbs: NO_COLLECTION, sub: ['status', 'finalize'] },
  { g: '', v: 'v1', r: 'nodes', k: 'Node', ns: false, short: ['no'], sub: ['status', 'proxy'] },
  { g: '', v: 'v1', r: 'persistentvolumeclaims', k: 'PersistentVolumeClaim', ns: true, short: ['pvc'], cat: ['all'], sub: ['status'] },
  { g: '', v: 'v1', r: 'persistentvolumes', k: 'PersistentVolume', ns: false, short: ['pv'], sub: ['status'] },
  {
    g: '',
    v: 'v1',
    r: 'pods',
    k: 'Pod',
    ns: true,
    short: ['po'],
    cat: ['all'],
    sub: ['status', 'binding', 'eviction', 'log', 'exec', 'attach', 'portforward', 'proxy', 'ephemeralcontainers', 'resize'],
  },
  { g: '', v: 'v1', r: 'podtemplates', k: 'PodTemplate', ns: true },
  { g: '', v: 'v1', r: 'replicationcontrollers', k: 'ReplicationController', ns: true, short: ['rc'], cat: ['all'], sub: ['status', 'scale'] },
  { g: '', v: 'v1', r: 'resourcequotas', k: 'ResourceQuota', ns: true, short: ['quota'], sub: ['status'] },
  { g: '', v: 'v1', r: 'secrets', k: 'Secret', ns: true },
  { g: '', v: 'v1', r: 'serviceaccounts', k: 'ServiceAccount', ns: true, short: ['sa'], sub: ['token'] },
  { g: '', v: 'v1', r: 'services', k: 'Service', ns: true, short: ['svc'], cat: ['all'], verbs: NO_COLLECTION, sub: ['status', 'proxy'] },
  // admissionregistration.k8s.io/v1
  { g: 'admissionregistration.k8s.io', v: 'v1', r: 'mutatingwebhookconfigurations', k: 'MutatingWebhookConfiguration', ns: false, cat: ['api-extensions'] },
  { g: 'admissionregistration.k8s.io', v: 'v1', r: 'validatingadmissionpolicies', k: 'ValidatingAdmissionPolicy', ns: false, cat: ['api-extensions'], sub: ['status'] },
  { g: 'admissionregistration.k8s.io', v: 'v1', r: 'validatingadmissionpolicybindings', k: 'ValidatingAdmissionPolicyBinding', ns: false, cat: ['api-extensions'] },
  { g: 'admissionregistration.k8s.io', v: 'v1', r: 'validatingwebhookconfigurations', k: 'ValidatingWebhookConfiguration', ns: false, cat: ['api-extensions'] },
  // apiextensions.k8s.io/v1
  { g: 'apiextensions.k8s.io', v: 'v1', r: 'customresourcedefinitions', k: 'CustomResourceDefinition', ns: false, short: ['crd', 'crds'], cat: ['api-extensions'], sub: ['status'] },
  // apps/v1
  { g: 'apps', v: 'v1', r: 'controllerrevisions', k: 'ControllerRevision', ns: true },
  { g: 'apps', v: 'v1', r: 'daemonsets', k: 'DaemonSet', ns: true, short: ['ds'], cat: ['all'], sub: ['status'] },
  { g: 'apps', v: 'v1', r: 'deployments', k: 'Deployment', ns: true, short: ['deploy'], cat: ['all'], sub: ['status', 'scale'] },
  { g: 'apps', v: 'v1', r: 'replicasets', k: 'ReplicaSet', ns: true, short: ['rs'], cat: ['all'], sub: ['status', 'scale'] },
  { g: 'apps', v: 'v1', r: 'statefulsets', k: 'StatefulSet', ns: true, short: ['sts'], cat: ['all'], sub: ['status', 'scale'] },
  // authentication.k8s.io/v1
  { g: 'authentication.k8s.io', v: 'v1', r: 'selfsubjectreviews', k: 'SelfSubjectReview', ns: false, verbs: CREATE_ONLY },
  { g: 'authentication.k8s.io', v: 'v1', r: 'tokenreviews', k: 'TokenReview', ns: false, verbs: CREATE_ONLY },
  // authorization.k8s.io/v1
  { g: 'authorization.k8s.io', v: 'v1', r: 'localsubjectaccessreviews', k: 'LocalSubjectAccessReview', ns: true, verbs: CREATE_ONLY },
  { g: 'authorization.k8s.io', v: 'v1', r: 'selfsubjectaccessreviews', k: 'SelfSubjectAccessReview', ns: false, verbs: CREATE_ONLY },
  { g: 'authorization.k8s.io', v: 'v1', r: 'selfsubjectrulesreviews', k: 'SelfSubjectRulesReview', ns: false, verbs: CREATE_ONLY },
  { g: 'authorization.k8s.io', v: 'v1', r: 'subjectaccessreviews', k: 'SubjectAccessReview', ns: false, verbs: CREATE_ONLY },
  // autoscaling/v2 (and v1, which kubectl autoscale still uses)
  { g: 'autoscaling', v: 'v2', r: 'horizontalpodautoscalers', k: 'HorizontalPodAutoscaler', ns: true, short: ['hpa'], cat: ['all'], sub: ['status'] },
  { g: 'autoscaling', v: 'v1', r: 'horizontalpodautoscalers', k: 'HorizontalPodAutoscaler', ns: true, short: ['hpa'], cat: ['all'], sub: ['status'] },
  // batch/v1
  { g: 'batch', v: 'v1', r: 'cronjobs', k: 'CronJob', ns: true, short: ['cj'], cat: ['all'], sub: ['status'] },
  { g: 'batch', v: 'v1', r: 'jobs', k: 'Job', ns: true, cat: ['all'], sub: ['status'] },
  // certificates.k8s.io/v1
  { g: 'certificates.k8s.io', v: 'v1', r: 'certificatesigningrequests', k: 'CertificateSigningRequest', ns: false, short: ['csr'], sub: ['status', 'approval'] },
  // coordination.k8s.io/v1
  { g: 'coordination.k8s.io', v: 'v1', r: 'leases', k: 'Lease', ns: true },
  // discovery.k8s.io/v1
  { g: 'discovery.k8s.io', v: 'v1', r: 'endpointslices', k: 'EndpointSlice', ns: true },
  // events.k8s.io/v1
  { g: 'events.k8s.io', v: 'v1', r: 'events', k: 'Event', ns: true, short: ['ev'] },
  // flowcontrol.apiserver.k8s.io is not served.
  // networking.k8s.io/v1
  { g: 'networking.k8s.io', v: 'v1', r: 'ingressclasses', k: 'IngressClass', ns: false },
  { g: 'networking.k8s.io', v: 'v1', r: 'ingresses', k: 'Ingress', ns: true, short: ['ing'], sub: ['status'] },
  { g: 'networking.k8s.io', v: 'v1', r: 'networkpolicies', k: 'NetworkPolicy', ns: true, short: ['netpol'] },
  // node.k8s.io/v1
  { g: 'node.k8s.io', v: 'v1', r: 'runtimeclasses', k: 'RuntimeClass', ns: false },
  // policy/v1
  { g: 'policy', v: 'v1', r: 'poddisruptionbudgets', k: 'PodDisruptionBudget', ns: true, short: ['pdb'], sub: ['status'] },
  // rbac.authorization.k8s.io/v1
  { g: 'rbac.authorization.k8s.io', v: 'v1', r: 'clusterrolebindings', k: 'ClusterRoleBinding', ns: false },
  { g: 'rbac.authorization.k8s.io', v: 'v1', r: 'clusterroles', k: 'ClusterRole', ns: false },
  { g: 'rbac.authorization.k8s.io', v: 'v1', r: 'rolebindings', k: 'RoleBinding', ns: true },
  { g: 'rbac.authorization.k8s.io', v: 'v1', r: 'roles', k: 'Role', ns: true },
  // scheduling.k8s.io/v1
  { g: 'scheduling.k8s.io', v: 'v1', r: 'priorityclasses', k: 'PriorityClass', ns: false, short: ['pc'] },
  // storage.k8s.io/v1
  { g: 'storage.k8s.io', v: 'v1', r: 'csidrivers', k: 'CSIDriver', ns: false },
  { g: 'storage.k8s.io', v: 'v1', r: 'csinodes', k: 'CSINode', ns: false },
  { g: 'storage.k8s.io', v: 'v1', r: 'csistoragecapacities', k: 'CSIStorageCapacity', ns: true },
  { g: 'storage.k8s.io', v: 'v1', r: 'storageclasses', k: 'StorageClass', ns: false, short: ['sc'] },
  { g: 'storage.k8s.io', v: 'v1', r: 'volumeattachments', k: 'VolumeAttachment', ns: false, sub: ['status'] },
];

function fromRow(row: Row): ResourceInfo {
  return {
    group: row.g,
    version: row.v,
    resource: row.r,
    singular: row.singular ?? row.k.toLowerCase(),
    kind: row.k,
    listKind: `${row.k}List`,
    namespaced: row.ns,
    shortNames: row.short ?? [],
    categories: row.cat ?? [],
    verbs: row.verbs ?? ALL,
    subresources: row.sub ?? [],
  };
}

export const BUILTIN_RESOURCES: readonly ResourceInfo[] = ROWS.map(fromRow);

export function groupVersion(info: { group: string; version: string }): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}

/** Splits `apps/v1` into group and version (`v1` is the core group). */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/** The resources being served: the built-ins plus whatever CRDs add. */
export class ResourceRegistry {
  private byGvr = new Map<string, ResourceInfo>();
  private byGvk = new Map<string, ResourceInfo>();
  private groupOrder: string[] = [];
  private versions = new Map<string, string[]>();
  private listeners = new Set<() => void>();

  constructor(resources: readonly ResourceInfo[] = BUILTIN_RESOURCES) {
    for (const r of resources) this.add(r);
  }

  add(info: ResourceInfo): void {
    this.byGvr.set(`${info.group}/${info.version}/${info.resource}`, info);
    this.byGvk.set(`${info.group}/${info.version}/${info.kind}`, info);
    if (!this.versions.has(info.group)) {
      this.versions.set(info.group, []);
      this.groupOrder.push(info.group);
    }
    const vs = this.versions.get(info.group)!;
    if (!vs.includes(info.version)) vs.push(info.version);
    this.changed();
  }

  /** Removes every resource of a CRD. */
  removeCrd(crd: string): void {
    for (const [k, info] of this.byGvr) {
      if (info.crd !== crd) continue;
      this.byGvr.delete(k);
      this.byGvk.delete(`${info.group}/${info.version}/${info.kind}`);
    }
    for (const [group, vs] of this.versions) {
      const left = vs.filter((v) => [...this.byGvr.values()].some((i) => i.group === group && i.version === v));
      if (left.length === 0) {
        this.versions.delete(group);
        this.groupOrder = this.groupOrder.filter((g) => g !== group);
      } else this.versions.set(group, left);
    }
    this.changed();
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    for (const fn of this.listeners) fn();
  }

  get(group: string, version: string, resource: string): ResourceInfo | undefined {
    return this.byGvr.get(`${group}/${version}/${resource}`);
  }

  byKind(group: string, version: string, kind: string): ResourceInfo | undefined {
    return this.byGvk.get(`${group}/${version}/${kind}`);
  }

  /** Groups in registration order, each with its versions, preferred first. */
  groups(): { group: string; versions: string[] }[] {
    return this.groupOrder.map((group) => ({ group, versions: [...this.versions.get(group)!] }));
  }

  resources(group: string, version: string): ResourceInfo[] {
    return [...this.byGvr.values()].filter((r) => r.group === group && r.version === version);
  }

  all(): ResourceInfo[] {
    return [...this.byGvr.values()];
  }
}
