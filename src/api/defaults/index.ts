// Defaulting of built-in objects, as upstream's scheme defaulters do when an object is decoded
// (k8s.io/kubernetes/pkg/apis/*/v1*/defaults.go and their generated walkers): the fields that
// `kubectl get -o yaml` shows on a real cluster although nobody wrote them. Objects are the
// versioned JSON kubectl sends; `applyDefaults` mutates them in place.
//
// Not here (other layers' work upstream): cluster IP and node port allocation, ipFamilies and
// ipFamilyPolicy (service allocation), priority and preemptionPolicy of Pods (Priority
// admission), default tolerations (DefaultTolerationSeconds admission), service account token
// volumes (ServiceAccount admission), status of new Pods, name generation.

import { parseQuantity, QuantityError } from '../validation/quantity.ts';
import { defaultPullPolicy } from './image.ts';

type Obj = Record<string, any>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function arr(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isObj) : [];
}

function isUnset(v: unknown): boolean {
  return v === undefined || v === null;
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}

/** Sets `o[k]` to `value` when it is missing (null counts as missing). */
function setDefault(o: Obj, k: string, value: unknown): void {
  if (isUnset(o[k])) o[k] = value;
}

/** Sets `o[k]` when it is missing or the empty string (Go's zero for a string field). */
function setDefaultString(o: Obj, k: string, value: string): void {
  if (isEmpty(o[k])) o[k] = value;
}

/** A child object, created when missing. */
function ensure(o: Obj, k: string): Obj {
  if (!isObj(o[k])) o[k] = {};
  return o[k] as Obj;
}

// ---------------------------------------------------------------------------------------------
// Quantities

/** The canonical string of a quantity, or the value unchanged when it does not parse. */
function canonical(v: unknown, roundToMilli: boolean): unknown {
  if (typeof v !== 'string' && typeof v !== 'number') return v;
  try {
    let q = parseQuantity(v);
    if (roundToMilli) q = q.roundUp(-3);
    return q.toString();
  } catch (e) {
    if (e instanceof QuantityError) return v;
    throw e;
  }
}

/** SetDefaults_ResourceList: every quantity rounded up to milli precision, printed canonically. */
function defaultResourceList(list: unknown): void {
  if (!isObj(list)) return;
  for (const k of Object.keys(list)) list[k] = canonical(list[k], true);
}

function canonicalField(o: Obj, k: string): void {
  if (!isUnset(o[k])) o[k] = canonical(o[k], false);
}

// ---------------------------------------------------------------------------------------------
// core/v1: pods and pod templates

function defaultHTTPGet(h: unknown): void {
  if (!isObj(h)) return;
  setDefaultString(h, 'path', '/');
  setDefaultString(h, 'scheme', 'HTTP');
}

function defaultProbe(p: unknown): void {
  if (!isObj(p)) return;
  for (const [k, v] of [
    ['timeoutSeconds', 1],
    ['periodSeconds', 10],
    ['successThreshold', 1],
    ['failureThreshold', 3],
  ] as const) {
    if (isUnset(p[k]) || p[k] === 0) p[k] = v;
  }
  defaultHTTPGet(p.httpGet);
  if (isObj(p.grpc)) setDefault(p.grpc, 'service', '');
}

function defaultFieldRef(ref: unknown): void {
  if (isObj(ref)) setDefaultString(ref, 'apiVersion', 'v1');
}

function defaultContainer(c: Obj): void {
  if (isEmpty(c.imagePullPolicy)) c.imagePullPolicy = defaultPullPolicy(typeof c.image === 'string' ? c.image : '');
  setDefaultString(c, 'terminationMessagePath', '/dev/termination-log');
  setDefaultString(c, 'terminationMessagePolicy', 'File');
  for (const p of arr(c.ports)) setDefaultString(p, 'protocol', 'TCP');
  for (const e of arr(c.env)) {
    if (!isObj(e.valueFrom)) continue;
    defaultFieldRef(e.valueFrom.fieldRef);
    if (isObj(e.valueFrom.resourceFieldRef)) canonicalField(e.valueFrom.resourceFieldRef, 'divisor');
  }
  const res = ensure(c, 'resources');
  defaultResourceList(res.limits);
  defaultResourceList(res.requests);
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  if (isObj(c.lifecycle)) {
    for (const h of ['postStart', 'preStop']) if (isObj(c.lifecycle[h])) defaultHTTPGet(c.lifecycle[h].httpGet);
  }
}

const VOLUME_SOURCES = [
  'hostPath',
  'emptyDir',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'secret',
  'nfs',
  'iscsi',
  'glusterfs',
  'persistentVolumeClaim',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'downwardAPI',
  'fc',
  'azureFile',
  'configMap',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'projected',
  'portworxVolume',
  'scaleIO',
  'storageos',
  'csi',
  'ephemeral',
  'image',
];

function defaultPVCSpec(spec: unknown): void {
  if (!isObj(spec)) return;
  setDefaultString(spec, 'volumeMode', 'Filesystem');
  if (isObj(spec.resources)) {
    defaultResourceList(spec.resources.limits);
    defaultResourceList(spec.resources.requests);
  }
}

function defaultAzureDisk(d: Obj): void {
  setDefaultString(d, 'cachingMode', 'ReadWrite');
  setDefaultString(d, 'kind', 'Shared');
  setDefaultString(d, 'fsType', 'ext4');
  setDefault(d, 'readOnly', false);
}

function defaultRBD(r: Obj): void {
  setDefaultString(r, 'pool', 'rbd');
  setDefaultString(r, 'user', 'admin');
  setDefaultString(r, 'keyring', '/etc/ceph/keyring');
}

function defaultScaleIO(s: Obj): void {
  setDefaultString(s, 'storageMode', 'ThinProvisioned');
  setDefaultString(s, 'fsType', 'xfs');
}

function defaultVolume(v: Obj): void {
  if (!VOLUME_SOURCES.some((k) => !isUnset(v[k]))) v.emptyDir = {};
  if (isObj(v.emptyDir)) canonicalField(v.emptyDir, 'sizeLimit');
  if (isObj(v.hostPath)) setDefault(v.hostPath, 'type', '');
  if (isObj(v.secret)) setDefault(v.secret, 'defaultMode', 420);
  if (isObj(v.configMap)) setDefault(v.configMap, 'defaultMode', 420);
  if (isObj(v.downwardAPI)) {
    setDefault(v.downwardAPI, 'defaultMode', 420);
    for (const item of arr(v.downwardAPI.items)) {
      defaultFieldRef(item.fieldRef);
      if (isObj(item.resourceFieldRef)) canonicalField(item.resourceFieldRef, 'divisor');
    }
  }
  if (isObj(v.projected)) {
    setDefault(v.projected, 'defaultMode', 420);
    for (const src of arr(v.projected.sources)) {
      if (isObj(src.downwardAPI)) for (const item of arr(src.downwardAPI.items)) defaultFieldRef(item.fieldRef);
      if (isObj(src.serviceAccountToken)) setDefault(src.serviceAccountToken, 'expirationSeconds', 3600);
    }
  }
  if (isObj(v.iscsi)) setDefaultString(v.iscsi, 'iscsiInterface', 'default');
  if (isObj(v.rbd)) defaultRBD(v.rbd);
  if (isObj(v.azureDisk)) defaultAzureDisk(v.azureDisk);
  if (isObj(v.scaleIO)) defaultScaleIO(v.scaleIO);
  if (isObj(v.ephemeral) && isObj(v.ephemeral.volumeClaimTemplate)) defaultPVCSpec(v.ephemeral.volumeClaimTemplate.spec);
  if (isObj(v.image) && isEmpty(v.image.pullPolicy)) {
    v.image.pullPolicy = defaultPullPolicy(typeof v.image.reference === 'string' ? v.image.reference : '');
  }
}

/** SetDefaults_PodSpec and the defaults of everything a pod spec holds. */
function defaultPodSpec(spec: Obj): void {
  setDefaultString(spec, 'dnsPolicy', 'ClusterFirst');
  setDefaultString(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefaultString(spec, 'schedulerName', 'default-scheduler');
  for (const v of arr(spec.volumes)) defaultVolume(v);
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) for (const c of arr(spec[list])) defaultContainer(c);
  defaultResourceList(spec.overhead);
  if (isObj(spec.resources)) {
    defaultResourceList(spec.resources.limits);
    defaultResourceList(spec.resources.requests);
  }
}

/** A pod template inside another object (Deployment, Job, ...): pod spec defaults only. */
function defaultPodTemplateSpec(template: unknown): void {
  if (!isObj(template)) return;
  defaultPodSpec(ensure(template, 'spec'));
}

/** SetDefaults_Pod: what only Pods (not templates) get. */
function defaultPod(pod: Obj): void {
  const spec = ensure(pod, 'spec');
  for (const list of ['containers', 'initContainers']) {
    for (const c of arr(spec[list])) {
      const res = isObj(c.resources) ? c.resources : undefined;
      if (!res || !isObj(res.limits)) continue;
      const requests = ensure(res, 'requests');
      for (const [k, v] of Object.entries(res.limits)) if (!(k in requests)) requests[k] = v;
    }
  }
  setDefault(spec, 'enableServiceLinks', true);
  if (spec.hostNetwork === true) {
    for (const list of ['containers', 'initContainers']) {
      for (const c of arr(spec[list])) {
        for (const p of arr(c.ports)) if (isUnset(p.hostPort) || p.hostPort === 0) p.hostPort = p.containerPort;
      }
    }
  }
  defaultPodSpec(spec);
}

// ---------------------------------------------------------------------------------------------
// core/v1: the rest

function defaultService(svc: Obj): void {
  const spec = ensure(svc, 'spec');
  setDefaultString(spec, 'sessionAffinity', 'None');
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP') {
    const cfg = isObj(spec.sessionAffinityConfig) ? spec.sessionAffinityConfig : undefined;
    if (!cfg || !isObj(cfg.clientIP) || isUnset(cfg.clientIP.timeoutSeconds)) {
      spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
    }
  }
  setDefaultString(spec, 'type', 'ClusterIP');
  for (const p of arr(spec.ports)) {
    setDefaultString(p, 'protocol', 'TCP');
    if (isUnset(p.targetPort) || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  const type = spec.type;
  const externallyAccessible =
    type === 'LoadBalancer' || type === 'NodePort' || (type === 'ClusterIP' && Array.isArray(spec.externalIPs) && spec.externalIPs.length > 0);
  if (externallyAccessible) setDefaultString(spec, 'externalTrafficPolicy', 'Cluster');
  if (isUnset(spec.internalTrafficPolicy) && (type === 'NodePort' || type === 'LoadBalancer' || type === 'ClusterIP')) {
    spec.internalTrafficPolicy = 'Cluster';
  }
  if (type === 'LoadBalancer') {
    setDefault(spec, 'allocateLoadBalancerNodePorts', true);
    const status = ensure(svc, 'status');
    for (const ing of arr(ensure(status, 'loadBalancer').ingress)) {
      if (!isEmpty(ing.ip) && isUnset(ing.ipMode)) ing.ipMode = 'VIP';
    }
  }
  // Go always prints the (empty) load balancer status of a Service.
  ensure(ensure(svc, 'status'), 'loadBalancer');
}

function defaultNamespace(ns: Obj): void {
  const meta = ensure(ns, 'metadata');
  if (typeof meta.name === 'string' && meta.name.length > 0) {
    ensure(meta, 'labels')['kubernetes.io/metadata.name'] = meta.name;
  }
  // Upstream's create strategy, not its defaulter, adds the finalizer.
  const spec = ensure(ns, 'spec');
  if (!Array.isArray(spec.finalizers) || spec.finalizers.length === 0) spec.finalizers = ['kubernetes'];
  setDefaultString(ensure(ns, 'status'), 'phase', 'Active');
}

function defaultPersistentVolume(pv: Obj): void {
  setDefaultString(ensure(pv, 'status'), 'phase', 'Pending');
  const spec = ensure(pv, 'spec');
  setDefaultString(spec, 'persistentVolumeReclaimPolicy', 'Retain');
  setDefaultString(spec, 'volumeMode', 'Filesystem');
  defaultResourceList(spec.capacity);
  if (isObj(spec.hostPath)) setDefault(spec.hostPath, 'type', '');
  if (isObj(spec.rbd)) defaultRBD(spec.rbd);
  if (isObj(spec.iscsi)) setDefaultString(spec.iscsi, 'iscsiInterface', 'default');
  if (isObj(spec.azureDisk)) defaultAzureDisk(spec.azureDisk);
  if (isObj(spec.scaleIO)) defaultScaleIO(spec.scaleIO);
}

function defaultPersistentVolumeClaim(pvc: Obj): void {
  setDefaultString(ensure(pvc, 'status'), 'phase', 'Pending');
  defaultPVCSpec(ensure(pvc, 'spec'));
  const status = pvc.status as Obj;
  defaultResourceList(status.capacity);
  defaultResourceList(status.allocatedResources);
}

function defaultNode(node: Obj): void {
  const status = isObj(node.status) ? node.status : undefined;
  if (!status) return;
  defaultResourceList(status.capacity);
  defaultResourceList(status.allocatable);
  if (isUnset(status.allocatable) && isObj(status.capacity)) status.allocatable = { ...status.capacity };
}

function defaultLimitRange(lr: Obj): void {
  for (const item of arr(ensure(lr, 'spec').limits)) {
    for (const k of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio']) defaultResourceList(item[k]);
    if (item.type !== 'Container') continue;
    // Default limit from max, default request from the default limit, then from min. Go omits
    // the maps when they stay empty, so they are only written when something goes in.
    const def: Obj = isObj(item.default) ? { ...item.default } : {};
    const req: Obj = isObj(item.defaultRequest) ? { ...item.defaultRequest } : {};
    for (const [k, v] of Object.entries(isObj(item.max) ? item.max : {})) if (!(k in def)) def[k] = v;
    for (const [k, v] of Object.entries(def)) if (!(k in req)) req[k] = v;
    for (const [k, v] of Object.entries(isObj(item.min) ? item.min : {})) if (!(k in req)) req[k] = v;
    if (Object.keys(def).length > 0) item.default = def;
    if (Object.keys(req).length > 0) item.defaultRequest = req;
  }
}

function defaultResourceQuota(rq: Obj): void {
  if (isObj(rq.spec)) defaultResourceList(rq.spec.hard);
  if (isObj(rq.status)) {
    defaultResourceList(rq.status.hard);
    defaultResourceList(rq.status.used);
  }
}

function defaultReplicationController(rc: Obj): void {
  const spec = ensure(rc, 'spec');
  const labels = isObj(spec.template) && isObj(spec.template.metadata) ? spec.template.metadata.labels : undefined;
  if (isObj(labels)) {
    if (!isObj(spec.selector) || Object.keys(spec.selector).length === 0) spec.selector = { ...labels };
    const meta = ensure(rc, 'metadata');
    if (!isObj(meta.labels) || Object.keys(meta.labels).length === 0) meta.labels = { ...labels };
  }
  setDefault(spec, 'replicas', 1);
  defaultPodTemplateSpec(spec.template);
}

// ---------------------------------------------------------------------------------------------
// apps/v1

function defaultDeployment(d: Obj): void {
  const spec = ensure(d, 'spec');
  setDefault(spec, 'replicas', 1);
  const strategy = ensure(spec, 'strategy');
  setDefaultString(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const ru = ensure(strategy, 'rollingUpdate');
    setDefault(ru, 'maxUnavailable', '25%');
    setDefault(ru, 'maxSurge', '25%');
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  defaultPodTemplateSpec(ensure(spec, 'template'));
}

function defaultDaemonSet(ds: Obj): void {
  const spec = ensure(ds, 'spec');
  const us = ensure(spec, 'updateStrategy');
  setDefaultString(us, 'type', 'RollingUpdate');
  if (us.type === 'RollingUpdate') {
    const ru = ensure(us, 'rollingUpdate');
    setDefault(ru, 'maxUnavailable', 1);
    setDefault(ru, 'maxSurge', 0);
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplateSpec(ensure(spec, 'template'));
}

function defaultStatefulSet(ss: Obj): void {
  const spec = ensure(ss, 'spec');
  setDefaultString(spec, 'podManagementPolicy', 'OrderedReady');
  const us = ensure(spec, 'updateStrategy');
  if (isEmpty(us.type)) {
    us.type = 'RollingUpdate';
    setDefault(us, 'rollingUpdate', {});
  }
  if (us.type === 'RollingUpdate' && isObj(us.rollingUpdate)) setDefault(us.rollingUpdate, 'partition', 0);
  const policy = ensure(spec, 'persistentVolumeClaimRetentionPolicy');
  setDefaultString(policy, 'whenDeleted', 'Retain');
  setDefaultString(policy, 'whenScaled', 'Retain');
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplateSpec(ensure(spec, 'template'));
  for (const t of arr(spec.volumeClaimTemplates)) {
    setDefaultString(ensure(t, 'status'), 'phase', 'Pending');
    defaultPVCSpec(ensure(t, 'spec'));
  }
}

function defaultReplicaSet(rs: Obj): void {
  const spec = ensure(rs, 'spec');
  setDefault(spec, 'replicas', 1);
  defaultPodTemplateSpec(ensure(spec, 'template'));
}

// ---------------------------------------------------------------------------------------------
// batch/v1

/**
 * What upstream's Job create strategy does when the selector is not manual: the selector and
 * pod labels that tie the Job to its pods, from its uid. Needs metadata.uid and metadata.name;
 * does nothing without them, or when spec.manualSelector is true.
 */
export function generateJobSelector(job: Record<string, any>): void {
  const meta = isObj(job.metadata) ? job.metadata : undefined;
  const spec = isObj(job.spec) ? job.spec : undefined;
  if (!meta || !spec || spec.manualSelector === true) return;
  const uid = typeof meta.uid === 'string' ? meta.uid : '';
  const name = typeof meta.name === 'string' ? meta.name : '';
  if (uid === '' || name === '') return;
  const template = ensure(spec, 'template');
  const labels = ensure(ensure(template, 'metadata'), 'labels');
  labels['batch.kubernetes.io/controller-uid'] = uid;
  labels['batch.kubernetes.io/job-name'] = name;
  labels['controller-uid'] = uid;
  labels['job-name'] = name;
  if (isUnset(spec.selector)) spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
}

function defaultJob(job: Obj): void {
  const spec = ensure(job, 'spec');
  if (isUnset(spec.completions) && isUnset(spec.parallelism)) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  setDefault(spec, 'parallelism', 1);
  // With a per-index limit the job-wide one is off (MaxInt32), as upstream defaults it.
  setDefault(spec, 'backoffLimit', isUnset(spec.backoffLimitPerIndex) ? 6 : 2147483647);
  const templateLabels = isObj(spec.template) && isObj(spec.template.metadata) ? spec.template.metadata.labels : undefined;
  const meta = ensure(job, 'metadata');
  if (isObj(templateLabels) && (!isObj(meta.labels) || Object.keys(meta.labels).length === 0)) meta.labels = { ...templateLabels };
  setDefaultString(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'podReplacementPolicy', isObj(spec.podFailurePolicy) ? 'Failed' : 'TerminatingOrFailed');
  defaultPodTemplateSpec(ensure(spec, 'template'));
  generateJobSelector(job);
}

function defaultCronJob(cj: Obj): void {
  const spec = ensure(cj, 'spec');
  setDefaultString(spec, 'concurrencyPolicy', 'Allow');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'successfulJobsHistoryLimit', 3);
  setDefault(spec, 'failedJobsHistoryLimit', 1);
  defaultPodTemplateSpec(ensure(ensure(ensure(spec, 'jobTemplate'), 'spec'), 'template'));
}

// ---------------------------------------------------------------------------------------------
// Other groups

function defaultNetworkPolicy(np: Obj): void {
  const spec = ensure(np, 'spec');
  for (const dir of ['ingress', 'egress']) for (const rule of arr(spec[dir])) for (const p of arr(rule.ports)) setDefault(p, 'protocol', 'TCP');
  if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) {
    spec.policyTypes = ['Ingress'];
    if (Array.isArray(spec.egress) && spec.egress.length > 0) spec.policyTypes.push('Egress');
  }
}

function defaultIngressClass(ic: Obj): void {
  if (isObj(ic.spec) && isObj(ic.spec.parameters)) setDefault(ic.spec.parameters, 'scope', 'Cluster');
}

const SCALE_UP_DEFAULTS = (): Obj => ({
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
});

const SCALE_DOWN_DEFAULTS = (): Obj => ({
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
});

function fillScalingRules(from: unknown, to: Obj): Obj {
  if (!isObj(from)) return to;
  for (const k of ['selectPolicy', 'stabilizationWindowSeconds', 'policies', 'tolerance']) if (!isUnset(from[k])) to[k] = from[k];
  return to;
}

function defaultHPA(hpa: Obj, version: string): void {
  const spec = ensure(hpa, 'spec');
  setDefault(spec, 'minReplicas', 1);
  if (version === 'v1') return;
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
  }
  for (const m of arr(spec.metrics)) {
    for (const k of ['resource', 'containerResource', 'pods', 'object', 'external']) {
      const src = m[k];
      if (isObj(src) && isObj(src.target)) {
        canonicalField(src.target, 'value');
        canonicalField(src.target, 'averageValue');
      }
    }
  }
  if (isObj(spec.behavior)) {
    spec.behavior.scaleUp = fillScalingRules(spec.behavior.scaleUp, SCALE_UP_DEFAULTS());
    spec.behavior.scaleDown = fillScalingRules(spec.behavior.scaleDown, SCALE_DOWN_DEFAULTS());
  }
}

function defaultRoleBinding(rb: Obj): void {
  setDefaultString(ensure(rb, 'roleRef'), 'apiGroup', 'rbac.authorization.k8s.io');
  for (const s of arr(rb.subjects)) {
    if (!isEmpty(s.apiGroup)) continue;
    if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = 'rbac.authorization.k8s.io';
  }
}

function defaultStorageClass(sc: Obj): void {
  setDefault(sc, 'reclaimPolicy', 'Delete');
  setDefault(sc, 'volumeBindingMode', 'Immediate');
}

function defaultCSIDriver(d: Obj): void {
  const spec = ensure(d, 'spec');
  setDefault(spec, 'attachRequired', true);
  setDefault(spec, 'podInfoOnMount', false);
  setDefault(spec, 'storageCapacity', false);
  setDefault(spec, 'fsGroupPolicy', 'ReadWriteOnceWithFSType');
  if (!Array.isArray(spec.volumeLifecycleModes) || spec.volumeLifecycleModes.length === 0) spec.volumeLifecycleModes = ['Persistent'];
  setDefault(spec, 'requiresRepublish', false);
  setDefault(spec, 'seLinuxMount', false);
}

function defaultEndpointSlice(es: Obj): void {
  for (const p of arr(es.ports)) {
    setDefault(p, 'name', '');
    setDefault(p, 'protocol', 'TCP');
  }
}

// ---------------------------------------------------------------------------------------------
// Dispatch

type Defaulter = (obj: Obj, version: string) => void;

const DEFAULTERS: Record<string, Defaulter> = {
  '/Pod': defaultPod,
  '/PodTemplate': (o) => defaultPodTemplateSpec(ensure(o, 'template')),
  '/ReplicationController': defaultReplicationController,
  '/Service': defaultService,
  '/Endpoints': (o) => {
    for (const ss of arr(o.subsets)) for (const p of arr(ss.ports)) setDefaultString(p, 'protocol', 'TCP');
  },
  '/Namespace': defaultNamespace,
  '/Secret': (o) => {
    setDefaultString(o, 'type', 'Opaque');
    // stringData is write-only: the v1 conversion folds it into data, where it wins.
    if (o.stringData && typeof o.stringData === 'object' && !Array.isArray(o.stringData)) {
      const data = o.data && typeof o.data === 'object' && !Array.isArray(o.data) ? o.data : {};
      for (const [k, v] of Object.entries(o.stringData)) if (typeof v === 'string') data[k] = Buffer.from(v, 'utf8').toString('base64');
      o.data = data;
      delete o.stringData;
    }
  },
  '/PersistentVolume': defaultPersistentVolume,
  '/PersistentVolumeClaim': defaultPersistentVolumeClaim,
  '/Node': defaultNode,
  '/LimitRange': defaultLimitRange,
  '/ResourceQuota': defaultResourceQuota,
  'apps/Deployment': defaultDeployment,
  'apps/DaemonSet': defaultDaemonSet,
  'apps/StatefulSet': defaultStatefulSet,
  'apps/ReplicaSet': defaultReplicaSet,
  'batch/Job': defaultJob,
  'batch/CronJob': defaultCronJob,
  'networking.k8s.io/NetworkPolicy': defaultNetworkPolicy,
  'networking.k8s.io/IngressClass': defaultIngressClass,
  'autoscaling/HorizontalPodAutoscaler': defaultHPA,
  'rbac.authorization.k8s.io/RoleBinding': defaultRoleBinding,
  'rbac.authorization.k8s.io/ClusterRoleBinding': defaultRoleBinding,
  'storage.k8s.io/StorageClass': defaultStorageClass,
  'storage.k8s.io/CSIDriver': defaultCSIDriver,
  'scheduling.k8s.io/PriorityClass': (o) => setDefault(o, 'preemptionPolicy', 'PreemptLowerPriority'),
  'discovery.k8s.io/EndpointSlice': defaultEndpointSlice,
};

/**
 * Applies upstream's defaults for the object's apiVersion and kind, in place. Objects of kinds
 * with no defaults (and anything that is not an object) are left alone.
 */
export function applyDefaults(obj: Record<string, any>): void {
  if (!isObj(obj)) return;
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const kind = typeof obj.kind === 'string' ? obj.kind : '';
  if (kind.endsWith('List') && Array.isArray(obj.items)) {
    // A list's items take their kind from the list when they do not say.
    for (const item of obj.items) {
      if (!isObj(item)) continue;
      const itemKind = typeof item.kind === 'string' && item.kind ? item.kind : kind.slice(0, -'List'.length);
      DEFAULTERS[`${group}/${itemKind}`]?.(item, version);
    }
    return;
  }
  DEFAULTERS[`${group}/${kind}`]?.(obj, version);
}

export { defaultPullPolicy, parseImageName } from './image.ts';
