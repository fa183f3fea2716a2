// core/v1 validation, after k8s.io/kubernetes/pkg/apis/core/validation/validation.go:
// pods and pod templates (containers, volumes, probes, resources, env), services, config maps,
// secrets, namespaces, nodes, persistent volumes and claims, endpoints, limit ranges, quotas,
// service accounts and replication controllers. Objects are plain JSON after defaulting.

import {
  child,
  duplicate,
  forbidden,
  goQuote,
  goStringMap,
  goStringSlice,
  GoValue,
  index,
  internalError,
  invalid,
  key,
  notFound,
  notSupported,
  required,
  tooLong,
  type FieldError,
} from './errors.ts';
import {
  asArr,
  asInt,
  asObj,
  asStr,
  compileSelector,
  FIELD_IMMUTABLE,
  IS_NEGATIVE,
  isObj,
  nonNegative,
  semanticEqual,
  selectorMatches,
  validateAnnotations,
  validateImmutableField,
  validateLabelName,
  validateLabels,
  validateLabelSelector,
  validateObjectMeta,
  validateObjectMetaUpdate,
  validateFinalizerName,
  validateKubeFinalizerName,
  type Obj,
} from './meta.ts';
import {
  byteLength,
  inclusiveRangeError,
  isConfigMapKey,
  isDNS1123Label,
  isDNS1123Subdomain,
  isHTTPHeaderName,
  isQualifiedName,
  isRelaxedEnvVarName,
  isValidGroupID,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
  isValidUserID,
  nameIsDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
} from './names.ts';
import { Quantity, QuantityError, parseQuantity } from './quantity.ts';

const MAX_INT32 = 2147483647;
const MAX_SECRET_SIZE = 1024 * 1024;
const FILE_MODE_ERROR = 'must be a number between 0 and 0777 (octal), both inclusive';
const NOT_POSITIVE = 'must be greater than zero';

export interface PodValidationOptions {
  /** The spec belongs to a Pod (not a template inside a controller). */
  isPod: boolean;
  /** The pod's name, for generic ephemeral volume claim names. */
  podName?: string;
}

function dnsLabel(value: string, field: string): FieldError[] {
  return isDNS1123Label(value).map((m) => invalid(field, value, m));
}

function dnsSubdomain(value: string, field: string): FieldError[] {
  return isDNS1123Subdomain(value).map((m) => invalid(field, value, m));
}

function qualifiedName(value: string, field: string): FieldError[] {
  return isQualifiedName(value).map((m) => invalid(field, value, m));
}

/** A quantity from JSON, or an error at `field` when it does not parse. */
export function quantityAt(raw: unknown, field: string): { q?: Quantity; errs: FieldError[] } {
  if (raw instanceof Quantity) return { q: raw, errs: [] };
  if (typeof raw !== 'string' && typeof raw !== 'number') {
    return { errs: [invalid(field, raw === undefined ? null : raw, 'must be a quantity')] };
  }
  try {
    return { q: parseQuantity(raw), errs: [] };
  } catch (e) {
    const msg = e instanceof QuantityError ? e.message : String(e);
    return { errs: [invalid(field, raw, msg)] };
  }
}

// ---------------------------------------------------------------------------------------------
// Resource names

const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
const STANDARD_RESOURCES = new Set([
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'storage',
  'requests.storage',
  'services.nodeports',
  'services.loadbalancers',
]);
const STANDARD_QUOTA_RESOURCES = new Set([
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.storage',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'services.nodeports',
  'services.loadbalancers',
]);
const INTEGER_RESOURCES = new Set([
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'services.nodeports',
  'services.loadbalancers',
]);

export function isHugePageResourceName(name: string): boolean {
  return name.startsWith('hugepages-');
}

export function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes('kubernetes.io/');
}

export function isExtendedResourceName(name: string): boolean {
  if (isNativeResource(name) || name.startsWith('requests.')) return false;
  return isQualifiedName('requests.' + name).length === 0;
}

export function isOvercommitAllowed(name: string): boolean {
  return isNativeResource(name) && !isHugePageResourceName(name);
}

function isIntegerResourceName(name: string): boolean {
  return INTEGER_RESOURCES.has(name) || isExtendedResourceName(name);
}

function isStandardResourceName(name: string): boolean {
  return STANDARD_RESOURCES.has(name) || name.startsWith('hugepages-') || name.startsWith('requests.hugepages-');
}

function validateResourceName(name: string, field: string): FieldError[] {
  const errs = qualifiedName(name, field);
  if (errs.length > 0) return errs;
  if (!name.includes('/') && !isStandardResourceName(name)) {
    return [invalid(field, name, 'must be a standard resource type or fully qualified')];
  }
  return errs;
}

function validateContainerResourceName(name: string, field: string): FieldError[] {
  const errs = validateResourceName(name, field);
  if (!name.includes('/')) {
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !isHugePageResourceName(name)) {
      errs.push(invalid(field, name, 'must be a standard resource for containers'));
    }
  } else if (!isNativeResource(name) && !isExtendedResourceName(name)) {
    errs.push(invalid(field, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

/** Non-negative, and a whole number for integer resources. */
function validateResourceQuantityValue(name: string, q: Quantity, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (q.sign() < 0) errs.push(invalid(field, q.toString(), IS_NEGATIVE));
  if (isIntegerResourceName(name) && q.milliValue() % 1000n !== 0n) {
    errs.push(invalid(field, q, 'must be an integer'));
  }
  return errs;
}

export function validateResourceRequirements(res: unknown, field: string, podClaimNames: Set<string>): FieldError[] {
  const r = asObj(res);
  const errs: FieldError[] = [];
  const limPath = child(field, 'limits');
  const reqPath = child(field, 'requests');
  let limCpuMem = false;
  let reqCpuMem = false;
  let limHuge = false;
  let reqHuge = false;
  const limits = new Map<string, Quantity>();
  for (const [name, raw] of Object.entries(asObj(r.limits))) {
    const p = key(limPath, name);
    errs.push(...validateContainerResourceName(name, p));
    const { q, errs: qe } = quantityAt(raw, p);
    errs.push(...qe);
    if (!q) continue;
    limits.set(name, q);
    errs.push(...validateResourceQuantityValue(name, q, p));
    if (isHugePageResourceName(name)) limHuge = true;
    if (name === 'cpu' || name === 'memory') limCpuMem = true;
  }
  for (const [name, raw] of Object.entries(asObj(r.requests))) {
    const p = key(reqPath, name);
    errs.push(...validateContainerResourceName(name, p));
    const { q, errs: qe } = quantityAt(raw, p);
    errs.push(...qe);
    if (!q) continue;
    errs.push(...validateResourceQuantityValue(name, q, p));
    const lim = limits.get(name);
    if (lim) {
      if (q.cmp(lim) !== 0 && !isOvercommitAllowed(name)) {
        errs.push(invalid(reqPath, q.toString(), `must be equal to ${name} limit of ${lim.toString()}`));
      } else if (q.cmp(lim) > 0) {
        errs.push(invalid(reqPath, q.toString(), `must be less than or equal to ${name} limit of ${lim.toString()}`));
      }
    } else if (!isOvercommitAllowed(name)) {
      errs.push(required(limPath, 'Limit must be set for non overcommitable resources'));
    }
    if (isHugePageResourceName(name)) reqHuge = true;
    if (name === 'cpu' || name === 'memory') reqCpuMem = true;
  }
  if (!limCpuMem && !reqCpuMem && (reqHuge || limHuge)) {
    errs.push(forbidden(field, 'HugePages require cpu or memory'));
  }
  asArr(r.claims).forEach((c, i) => {
    const name = asStr(asObj(c).name);
    if (name === '') errs.push(required(index(child(field, 'claims'), i)));
    else if (!podClaimNames.has(name)) {
      const detail =
        'must be one of the names in pod.spec.resourceClaims' +
        (podClaimNames.size === 0 ? ' which is empty' : ': ' + [...podClaimNames].sort().join(', '));
      errs.push(notFound(index(child(field, 'claims'), i), name, detail));
    }
  });
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Volumes

const VOLUME_SOURCES: readonly [string, string][] = [
  // [JSON key, path segment used by upstream's "more than 1 volume type" error]
  ['emptyDir', 'emptyDir'],
  ['hostPath', 'hostPath'],
  ['gitRepo', 'gitRepo'],
  ['gcePersistentDisk', 'gcePersistentDisk'],
  ['awsElasticBlockStore', 'awsElasticBlockStore'],
  ['secret', 'secret'],
  ['nfs', 'nfs'],
  ['iscsi', 'iscsi'],
  ['glusterfs', 'glusterfs'],
  ['flocker', 'flocker'],
  ['persistentVolumeClaim', 'persistentVolumeClaim'],
  ['rbd', 'rbd'],
  ['cinder', 'cinder'],
  ['cephfs', 'cephFS'],
  ['quobyte', 'quobyte'],
  ['downwardAPI', 'downwarAPI'],
  ['fc', 'fc'],
  ['flexVolume', 'flexVolume'],
  ['configMap', 'configMap'],
  ['azureFile', 'azureFile'],
  ['vsphereVolume', 'vsphereVolume'],
  ['photonPersistentDisk', 'photonPersistentDisk'],
  ['portworxVolume', 'portworxVolume'],
  ['azureDisk', 'azureDisk'],
  ['storageos', 'storageos'],
  ['projected', 'projected'],
  ['scaleIO', 'scaleIO'],
  ['csi', 'csi'],
  ['ephemeral', 'ephemeral'],
  ['image', 'image'],
];

const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];

function isAbsPath(p: string): boolean {
  return p.startsWith('/');
}

function validatePathNoBacksteps(target: string, field: string): FieldError[] {
  return target.replace(/\\/g, '/').split('/').includes('..') ? [invalid(field, target, "must not contain '..'")] : [];
}

function validateLocalDescendingPath(target: string, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (isAbsPath(target)) errs.push(invalid(field, target, 'must be a relative path'));
  errs.push(...validatePathNoBacksteps(target, field));
  return errs;
}

function validateLocalNonReservedPath(target: string, field: string): FieldError[] {
  const errs = validateLocalDescendingPath(target, field);
  if (target.startsWith('..') && !target.startsWith('../')) errs.push(invalid(field, target, "must not start with '..'"));
  return errs;
}

function validateFileMode(mode: unknown, field: string): FieldError[] {
  if (typeof mode !== 'number') return [];
  return mode > 0o777 || mode < 0 ? [invalid(field, mode, FILE_MODE_ERROR)] : [];
}

function validateKeyToPath(raw: unknown, field: string): FieldError[] {
  const kp = asObj(raw);
  const errs: FieldError[] = [];
  if (asStr(kp.key) === '') errs.push(required(child(field, 'key')));
  if (asStr(kp.path) === '') errs.push(required(child(field, 'path')));
  errs.push(...validateLocalNonReservedPath(asStr(kp.path), child(field, 'path')));
  errs.push(...validateFileMode(kp.mode, child(field, 'mode')));
  return errs;
}

const VOLUME_DOWNWARD_FIELDS = ['metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid'];
const ENV_DOWNWARD_FIELDS = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
];
const CONVERTIBLE_POD_FIELDS = new Set([
  'metadata.annotations',
  'metadata.labels',
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.restartPolicy',
  'spec.serviceAccountName',
  'spec.schedulerName',
  'status.phase',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
]);
const RESOURCE_FIELD_EXPRESSIONS = [
  'limits.cpu',
  'limits.ephemeral-storage',
  'limits.memory',
  'requests.cpu',
  'requests.ephemeral-storage',
  'requests.memory',
];

function splitSubscript(fieldPath: string): { path: string; subscript: string } | undefined {
  const m = /^(.*)\['(.*)'\]$/.exec(fieldPath);
  if (!m) return undefined;
  return { path: m[1] as string, subscript: m[2] as string };
}

function validateObjectFieldSelector(raw: unknown, expressions: readonly string[], field: string): FieldError[] {
  const fs = asObj(raw);
  const apiVersion = asStr(fs.apiVersion);
  const fieldPath = asStr(fs.fieldPath);
  if (apiVersion === '') return [required(child(field, 'apiVersion'))];
  if (fieldPath === '') return [required(child(field, 'fieldPath'))];
  let convErr: string | undefined;
  const sub = splitSubscript(fieldPath);
  if (apiVersion !== 'v1') convErr = `unsupported pod version: ${apiVersion}`;
  else if (sub) {
    if (sub.path !== 'metadata.annotations' && sub.path !== 'metadata.labels') {
      convErr = `field label does not support subscript: ${fieldPath}`;
    }
  } else if (!CONVERTIBLE_POD_FIELDS.has(fieldPath)) convErr = `field label not supported: ${fieldPath}`;
  if (convErr) return [invalid(child(field, 'fieldPath'), fieldPath, `error converting fieldPath: ${convErr}`)];
  if (sub) {
    if (sub.path === 'metadata.annotations') return qualifiedName(sub.subscript.toLowerCase(), field);
    return qualifiedName(sub.subscript, field);
  }
  if (!expressions.includes(fieldPath)) return [notSupported(child(field, 'fieldPath'), fieldPath, expressions)];
  return [];
}

function validateResourceFieldSelector(raw: unknown, field: string, volume: boolean): FieldError[] {
  const fs = asObj(raw);
  const resource = asStr(fs.resource);
  const errs: FieldError[] = [];
  if (volume && asStr(fs.containerName) === '') errs.push(required(child(field, 'containerName')));
  else if (resource === '') errs.push(required(child(field, 'resource')));
  else if (
    !RESOURCE_FIELD_EXPRESSIONS.includes(resource) &&
    !resource.startsWith('limits.hugepages-') &&
    !resource.startsWith('requests.hugepages-')
  ) {
    errs.push(notSupported(child(field, 'resource'), resource, RESOURCE_FIELD_EXPRESSIONS));
  }
  if (fs.divisor !== undefined) {
    const { q, errs: qe } = quantityAt(fs.divisor, child(field, 'divisor'));
    errs.push(...qe);
    if (q && !q.isZero()) {
      const d = q.toString();
      const mem = ['1', '1k', '1M', '1G', '1T', '1P', '1E', '1Ki', '1Mi', '1Gi', '1Ti', '1Pi', '1Ei'];
      if ((resource === 'limits.cpu' || resource === 'requests.cpu') && d !== '1m' && d !== '1') {
        errs.push(invalid(child(field, 'divisor'), resource, "only divisor's values 1m and 1 are supported with the cpu resource"));
      } else if ((resource === 'limits.memory' || resource === 'requests.memory') && !mem.includes(d)) {
        errs.push(
          invalid(
            child(field, 'divisor'),
            resource,
            "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the memory resource",
          ),
        );
      }
    }
  }
  return errs;
}

function validateDownwardAPIFile(raw: unknown, field: string): FieldError[] {
  const f = asObj(raw);
  const errs: FieldError[] = [];
  if (asStr(f.path) === '') errs.push(required(child(field, 'path')));
  errs.push(...validateLocalNonReservedPath(asStr(f.path), child(field, 'path')));
  if (f.fieldRef !== undefined && f.fieldRef !== null) {
    errs.push(...validateObjectFieldSelector(f.fieldRef, VOLUME_DOWNWARD_FIELDS, child(field, 'fieldRef')));
    if (f.resourceFieldRef) {
      errs.push(invalid(field, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
    }
  } else if (f.resourceFieldRef) {
    errs.push(...validateResourceFieldSelector(f.resourceFieldRef, child(field, 'resourceFieldRef'), true));
  } else {
    errs.push(required(field, 'one of fieldRef and resourceFieldRef is required'));
  }
  errs.push(...validateFileMode(f.mode, child(field, 'mode')));
  return errs;
}

function validateProjectedSources(src: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const allPaths = new Set<string>();
  const addPath = (p: string, badValue: string): void => {
    if (p.length === 0) return;
    if (allPaths.has(p)) errs.push(invalid(field, badValue, 'conflicting duplicate paths'));
    else allPaths.add(p);
  };
  asArr(src.sources).forEach((raw, i) => {
    const s = asObj(raw);
    const srcPath = index(child(field, 'sources'), i);
    let n = 0;
    for (const kind of ['secret', 'configMap'] as const) {
      if (!isObj(s[kind])) continue;
      n++;
      const ref = s[kind] as Obj;
      const p = child(srcPath, kind);
      if (asStr(ref.name) === '') errs.push(required(child(p, 'name')));
      asArr(ref.items).forEach((kp, j) => {
        errs.push(...validateKeyToPath(kp, index(child(p, 'items'), j)));
        addPath(asStr(asObj(kp).path), asStr(ref.name));
      });
    }
    if (isObj(s.downwardAPI)) {
      n++;
      const p = child(srcPath, 'downwardAPI');
      for (const item of asArr(s.downwardAPI.items)) {
        errs.push(...validateDownwardAPIFile(item, p));
        addPath(asStr(asObj(item).path), asStr(asObj(item).path));
      }
    }
    if (isObj(s.serviceAccountToken)) {
      n++;
      const t = s.serviceAccountToken;
      const p = child(srcPath, 'serviceAccountToken');
      const exp = asInt(t.expirationSeconds);
      if (exp < 600) errs.push(invalid(child(p, 'expirationSeconds'), exp, 'may not specify a duration less than 10 minutes'));
      if (exp > 2 ** 32) {
        errs.push(invalid(child(p, 'expirationSeconds'), exp, 'may not specify a duration larger than 2^32 seconds'));
      }
      if (asStr(t.path) === '') errs.push(required(child(field, 'path')));
      else errs.push(...validateLocalNonReservedPath(asStr(t.path), child(field, 'path')));
    }
    if (isObj(s.clusterTrustBundle)) {
      n++;
      const b = s.clusterTrustBundle;
      const p = child(srcPath, 'clusterTrustBundle');
      if (asStr(b.path) === '') errs.push(required(child(p, 'path')));
      errs.push(...validateLocalNonReservedPath(asStr(b.path), child(p, 'path')));
    }
    if (n > 1) errs.push(forbidden(srcPath, 'may not specify more than 1 volume type per source'));
  });
  return errs;
}

function validatePVCSpec(spec: unknown, field: string): FieldError[] {
  const s = asObj(spec);
  const errs: FieldError[] = [];
  const modes = asArr(s.accessModes).map(asStr);
  if (modes.length === 0) errs.push(required(child(field, 'accessModes'), 'at least 1 access mode is required'));
  if (s.selector) errs.push(...validateLabelSelector(s.selector, child(field, 'selector')));
  const supported = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
  let rwop = false;
  let other = false;
  for (const m of modes) {
    if (!supported.includes(m)) errs.push(notSupported(child(field, 'accessModes'), m, supported));
    if (m === 'ReadWriteOncePod') rwop = true;
    else if (supported.includes(m)) other = true;
  }
  if (rwop && other) errs.push(forbidden(child(field, 'accessModes'), 'may not use ReadWriteOncePod with other access modes'));
  const storagePath = key(child(field, 'resources'), 'storage');
  const requests = asObj(asObj(s.resources).requests);
  if (!('storage' in requests)) {
    errs.push(required(storagePath));
  } else {
    const { q, errs: qe } = quantityAt(requests.storage, storagePath);
    errs.push(...qe);
    if (q) {
      if (q.sign() <= 0) errs.push(invalid(storagePath, q.toString(), NOT_POSITIVE));
      else errs.push(...validateResourceQuantityValue('storage', q, storagePath));
    }
  }
  const sc = s.storageClassName;
  if (typeof sc === 'string' && sc.length > 0) errs.push(...dnsSubdomain(sc, child(field, 'storageClassName')));
  if (s.volumeMode !== undefined && s.volumeMode !== null && !['Block', 'Filesystem'].includes(asStr(s.volumeMode))) {
    errs.push(notSupported(child(field, 'volumeMode'), asStr(s.volumeMode), ['Block', 'Filesystem']));
  }
  for (const ref of ['dataSource', 'dataSourceRef'] as const) {
    if (!isObj(s[ref])) continue;
    const d = s[ref] as Obj;
    const p = child(field, ref);
    if (asStr(d.name) === '') errs.push(required(child(p, 'name')));
    if (asStr(d.kind) === '') errs.push(required(child(p, 'kind')));
    const group = asStr(d.apiGroup);
    if (group === '' && d.kind !== 'PersistentVolumeClaim') {
      errs.push(invalid(p, asStr(d.kind), "must be 'PersistentVolumeClaim' when referencing the default apiGroup"));
    }
    if (group !== '') errs.push(...dnsSubdomain(group, child(p, 'apiGroup')));
  }
  return errs;
}

function validateVolumeSource(vol: Obj, field: string, isPod: boolean, podName: string | undefined): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  for (const [k, seg] of VOLUME_SOURCES) {
    const src = vol[k];
    if (src === undefined || src === null) continue;
    if (n > 0) {
      errs.push(forbidden(child(field, seg), 'may not specify more than 1 volume type'));
      continue;
    }
    n++;
    const s = asObj(src);
    const p = child(field, k);
    switch (k) {
      case 'emptyDir':
        if (s.sizeLimit !== undefined) {
          const { q, errs: qe } = quantityAt(s.sizeLimit, child(p, 'sizeLimit'));
          errs.push(...qe);
          if (q && q.sign() < 0) {
            errs.push(forbidden(child(p, 'sizeLimit'), 'SizeLimit field must be a valid resource quantity'));
          }
        }
        break;
      case 'hostPath':
        if (asStr(s.path) === '') {
          errs.push(required(child(p, 'path')));
          break;
        }
        errs.push(...validatePathNoBacksteps(asStr(s.path), child(p, 'path')));
        if (s.type !== undefined && s.type !== null && !HOST_PATH_TYPES.includes(asStr(s.type))) {
          errs.push(notSupported(child(p, 'type'), asStr(s.type), HOST_PATH_TYPES));
        }
        break;
      case 'secret':
        if (asStr(s.secretName) === '') errs.push(required(child(p, 'secretName')));
        errs.push(...validateFileMode(s.defaultMode, child(p, 'defaultMode')));
        asArr(s.items).forEach((kp, i) => errs.push(...validateKeyToPath(kp, index(child(p, 'items'), i))));
        break;
      case 'configMap':
        if (asStr(s.name) === '') errs.push(required(child(p, 'name')));
        errs.push(...validateFileMode(s.defaultMode, child(p, 'defaultMode')));
        asArr(s.items).forEach((kp, i) => errs.push(...validateKeyToPath(kp, index(child(p, 'items'), i))));
        break;
      case 'persistentVolumeClaim':
        if (asStr(s.claimName) === '') errs.push(required(child(p, 'claimName')));
        break;
      case 'nfs':
        if (asStr(s.server) === '') errs.push(required(child(p, 'server')));
        if (asStr(s.path) === '') errs.push(required(child(p, 'path')));
        if (!isAbsPath(asStr(s.path))) errs.push(invalid(child(p, 'path'), asStr(s.path), 'must be an absolute path'));
        break;
      case 'downwardAPI':
        errs.push(...validateFileMode(s.defaultMode, child(p, 'defaultMode')));
        for (const item of asArr(s.items)) errs.push(...validateDownwardAPIFile(item, p));
        break;
      case 'projected':
        errs.push(...validateFileMode(s.defaultMode, child(p, 'defaultMode')));
        errs.push(...validateProjectedSources(s, p));
        break;
      case 'gitRepo':
        if (asStr(s.repository) === '') errs.push(required(child(p, 'repository')));
        errs.push(...validateLocalDescendingPath(asStr(s.directory), child(p, 'directory')));
        break;
      case 'csi': {
        const driver = asStr(s.driver);
        const dp = child(p, 'driver');
        if (driver === '') errs.push(required(dp));
        if (byteLength(driver) > 63) errs.push(tooLong(dp, '', 63));
        for (const m of isDNS1123Subdomain(driver.toLowerCase())) errs.push(invalid(dp, driver, m));
        break;
      }
      case 'ephemeral':
        if (!isObj(s.volumeClaimTemplate)) {
          errs.push(required(child(p, 'volumeClaimTemplate')));
        } else {
          const t = s.volumeClaimTemplate;
          const tp = child(p, 'volumeClaimTemplate');
          errs.push(...validateAnnotations(asObj(t.metadata).annotations, child(tp, 'metadata', 'annotations')));
          errs.push(...validateLabels(asObj(t.metadata).labels, child(tp, 'metadata', 'labels')));
          errs.push(...validatePVCSpec(t.spec, child(tp, 'spec')));
          const volName = asStr(vol.name);
          if (podName && volName) {
            const pvcName = `${podName}-${volName}`;
            for (const m of isDNS1123Subdomain(pvcName)) {
              errs.push(invalid(child(field, 'name'), volName, `PVC name ${goQuote(pvcName)}: ${m}`));
            }
          }
        }
        break;
      case 'image':
        if (isPod && asStr(s.reference) === '') errs.push(required(child(p, 'reference')));
        errs.push(...validatePullPolicy(s.pullPolicy, child(p, 'pullPolicy')));
        break;
      default:
        break;
    }
  }
  if (n === 0) errs.push(required(field, 'must specify a volume type'));
  return errs;
}

function validateVolumes(volumes: unknown, field: string, opts: PodValidationOptions): { vols: Map<string, Obj>; errs: FieldError[] } {
  const errs: FieldError[] = [];
  const vols = new Map<string, Obj>();
  const names = new Set<string>();
  const list = asArr(volumes).map(asObj);
  const createdPVCs = new Set<string>();
  if (opts.podName) for (const v of list) if (v.ephemeral) createdPVCs.add(`${opts.podName}-${asStr(v.name)}`);
  list.forEach((vol, i) => {
    const p = index(field, i);
    const namePath = child(p, 'name');
    const name = asStr(vol.name);
    const el = validateVolumeSource(vol, p, opts.isPod, opts.podName);
    if (name === '') el.push(required(namePath));
    else el.push(...dnsLabel(name, namePath));
    if (names.has(name)) el.push(duplicate(namePath, name));
    if (el.length === 0) {
      names.add(name);
      vols.set(name, vol);
    } else {
      errs.push(...el);
    }
    const claim = asStr(asObj(vol.persistentVolumeClaim).claimName);
    if (vol.persistentVolumeClaim && createdPVCs.has(claim)) {
      errs.push(
        invalid(
          child(p, 'persistentVolumeClaim', 'claimName'),
          claim,
          'must not reference a PVC that gets created for an ephemeral volume',
        ),
      );
    }
  });
  return { vols, errs };
}

// ---------------------------------------------------------------------------------------------
// Containers

const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

function validatePullPolicy(policy: unknown, field: string): FieldError[] {
  const p = asStr(policy);
  if (p === '') return [required(field)];
  if (!PULL_POLICIES.includes(p)) return [notSupported(field, p, PULL_POLICIES)];
  return [];
}

function validateContainerPorts(ports: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  asArr(ports).forEach((raw, i) => {
    const port = asObj(raw);
    const p = index(field, i);
    const name = asStr(port.name);
    if (name.length > 0) {
      const msgs = isValidPortName(name);
      if (msgs.length > 0) for (const m of msgs) errs.push(invalid(child(p, 'name'), name, m));
      else if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
      else names.add(name);
    }
    const cp = asInt(port.containerPort);
    if (cp === 0) errs.push(required(child(p, 'containerPort')));
    else for (const m of isValidPortNum(cp)) errs.push(invalid(child(p, 'containerPort'), cp, m));
    const hp = asInt(port.hostPort);
    if (hp !== 0) for (const m of isValidPortNum(hp)) errs.push(invalid(child(p, 'hostPort'), hp, m));
    const proto = asStr(port.protocol);
    if (proto === '') errs.push(required(child(p, 'protocol')));
    else if (!PROTOCOLS.includes(proto)) errs.push(notSupported(child(p, 'protocol'), proto, PROTOCOLS));
  });
  return errs;
}

function validateEnv(env: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  asArr(env).forEach((raw, i) => {
    const ev = asObj(raw);
    const p = index(field, i);
    const name = asStr(ev.name);
    if (name === '') errs.push(required(child(p, 'name')));
    else for (const m of isRelaxedEnvVarName(name)) errs.push(invalid(child(p, 'name'), name, m));
    const vf = ev.valueFrom;
    if (!isObj(vf)) return;
    const vp = child(p, 'valueFrom');
    let n = 0;
    if (vf.fieldRef) {
      n++;
      errs.push(...validateObjectFieldSelector(vf.fieldRef, ENV_DOWNWARD_FIELDS, child(vp, 'fieldRef')));
    }
    if (vf.resourceFieldRef) {
      n++;
      errs.push(...validateResourceFieldSelector(vf.resourceFieldRef, child(vp, 'resourceFieldRef'), false));
    }
    for (const kind of ['configMapKeyRef', 'secretKeyRef'] as const) {
      if (!vf[kind]) continue;
      n++;
      const s = asObj(vf[kind]);
      const kp = child(vp, kind);
      for (const m of isDNS1123Subdomain(asStr(s.name))) errs.push(invalid(child(kp, 'name'), asStr(s.name), m));
      if (asStr(s.key) === '') errs.push(required(child(kp, 'key')));
      else for (const m of isConfigMapKey(asStr(s.key))) errs.push(invalid(child(kp, 'key'), asStr(s.key), m));
    }
    if (n === 0) {
      errs.push(invalid(vp, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
    } else if (asStr(ev.value).length !== 0) {
      errs.push(invalid(vp, '', 'may not be specified when `value` is not empty'));
    } else if (n > 1) {
      errs.push(invalid(vp, '', 'may not have more than one field specified at a time'));
    }
  });
  return errs;
}

function validateEnvFrom(envFrom: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  asArr(envFrom).forEach((raw, i) => {
    const ev = asObj(raw);
    const p = index(field, i);
    const prefix = asStr(ev.prefix);
    if (prefix.length > 0) for (const m of isRelaxedEnvVarName(prefix)) errs.push(invalid(child(p, 'prefix'), prefix, m));
    let n = 0;
    for (const kind of ['configMapRef', 'secretRef'] as const) {
      if (!ev[kind]) continue;
      n++;
      const name = asStr(asObj(ev[kind]).name);
      const np = child(p, kind, 'name');
      if (name === '') errs.push(required(np));
      else for (const m of nameIsDNSSubdomain(name, true)) errs.push(invalid(np, name, m));
    }
    if (n === 0) errs.push(invalid(field, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (n > 1) errs.push(invalid(field, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

function validateVolumeMounts(
  mounts: unknown,
  devices: Map<string, string>,
  vols: Map<string, Obj>,
  container: Obj,
  field: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const mountPoints = new Set<string>();
  const devicePaths = new Set(devices.values());
  asArr(mounts).forEach((raw, i) => {
    const m = asObj(raw);
    const p = index(field, i);
    const name = asStr(m.name);
    const mountPath = asStr(m.mountPath);
    if (name === '') errs.push(required(child(p, 'name')));
    if (!vols.has(name)) errs.push(notFound(child(p, 'name'), name));
    if (mountPath === '') errs.push(required(child(p, 'mountPath')));
    if (mountPoints.has(mountPath)) errs.push(invalid(child(p, 'mountPath'), mountPath, 'must be unique'));
    mountPoints.add(mountPath);
    if (devices.has(name)) errs.push(invalid(child(p, 'name'), name, 'must not already exist in volumeDevices'));
    if (devicePaths.has(mountPath)) {
      errs.push(invalid(child(p, 'mountPath'), mountPath, 'must not already exist as a path in volumeDevices'));
    }
    const vol = vols.get(name);
    const subPath = asStr(m.subPath);
    const subPathExpr = asStr(m.subPathExpr);
    if (vol && vol.image) {
      if (subPath) errs.push(invalid(child(p, 'subPath'), subPath, 'not allowed in image volume sources'));
      if (subPathExpr) errs.push(invalid(child(p, 'subPathExpr'), subPathExpr, 'not allowed in image volume sources'));
    }
    if (subPath.length > 0) errs.push(...validateLocalDescendingPath(subPath, child(field, 'subPath')));
    if (subPathExpr.length > 0) {
      if (subPath.length > 0) {
        errs.push(invalid(child(p, 'subPathExpr'), subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
      }
      errs.push(...validateLocalDescendingPath(subPathExpr, child(field, 'subPathExpr')));
    }
    if (m.mountPropagation !== undefined && m.mountPropagation !== null) {
      const mp = asStr(m.mountPropagation);
      const fp = child(field, 'mountPropagation');
      const supported = ['Bidirectional', 'HostToContainer', 'None'];
      if (!supported.includes(mp)) errs.push(notSupported(fp, mp, supported));
      const privileged = asObj(container.securityContext).privileged === true;
      if (mp === 'Bidirectional' && !privileged) {
        errs.push(forbidden(fp, 'Bidirectional mount propagation is available only to privileged containers'));
      }
    }
    if (m.recursiveReadOnly !== undefined && m.recursiveReadOnly !== null) {
      const rro = asStr(m.recursiveReadOnly);
      const fp = child(field, 'recursiveReadOnly');
      if (rro === 'Enabled' || rro === 'IfPossible') {
        if (m.readOnly !== true) errs.push(forbidden(fp, 'may only be specified when readOnly is true'));
        if (m.mountPropagation && m.mountPropagation !== 'None') {
          errs.push(forbidden(fp, 'may only be specified when mountPropagation is None or not specified'));
        }
      } else if (rro !== 'Disabled') {
        errs.push(notSupported(fp, rro, ['Disabled', 'IfPossible', 'Enabled']));
      }
    }
  });
  return errs;
}

function validateVolumeDevices(devices: unknown, mounts: Map<string, string>, vols: Map<string, Obj>, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const paths = new Set<string>();
  const names = new Set<string>();
  const mountPaths = new Set(mounts.values());
  asArr(devices).forEach((raw, i) => {
    const d = asObj(raw);
    const p = index(field, i);
    const name = asStr(d.name);
    const devPath = asStr(d.devicePath);
    const vol = vols.get(name);
    const isPVC = !!vol && (!!vol.persistentVolumeClaim || !!vol.ephemeral);
    if (name === '') errs.push(required(child(p, 'name')));
    if (names.has(name)) errs.push(invalid(child(p, 'name'), name, 'must be unique'));
    if (vol && !isPVC) {
      errs.push(
        invalid(child(p, 'name'), name, 'can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode'),
      );
    }
    if (!vol) errs.push(notFound(child(p, 'name'), name));
    if (devPath === '') errs.push(required(child(p, 'devicePath')));
    if (paths.has(devPath)) errs.push(invalid(child(p, 'devicePath'), devPath, 'must be unique'));
    if (devPath.length > 0 && devPath.split('/').includes('..')) {
      errs.push(invalid(child(p, 'devicePath'), devPath, "can not contain backsteps ('..')"));
    } else paths.add(devPath);
    if (mounts.has(name)) errs.push(invalid(child(p, 'name'), name, 'must not already exist in volumeMounts'));
    if (mountPaths.has(devPath)) {
      errs.push(invalid(child(p, 'devicePath'), devPath, 'must not already exist as a path in volumeMounts'));
    }
    if (name.length > 0) names.add(name);
  });
  return errs;
}

function validatePortNumOrName(port: unknown, field: string): FieldError[] {
  if (port === undefined || port === null) port = 0; // an unset int-or-string is the int 0
  if (typeof port === 'number') return isValidPortNum(port).map((m) => invalid(field, port, m));
  if (typeof port === 'string') return isValidPortName(port).map((m) => invalid(field, port, m));
  return [internalError(field, 'unknown type: 0')];
}

function validateHandler(handler: Obj, field: string, gracePeriod: number | undefined, allowSleep: boolean): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  const kinds = allowSleep ? ['exec', 'httpGet', 'tcpSocket', 'grpc', 'sleep'] : ['exec', 'httpGet', 'tcpSocket', 'grpc'];
  for (const kind of kinds) {
    const h = handler[kind];
    if (h === undefined || h === null) continue;
    const p = child(field, kind);
    if (n > 0) {
      errs.push(forbidden(p, 'may not specify more than 1 handler type'));
      continue;
    }
    n++;
    const o = asObj(h);
    switch (kind) {
      case 'exec':
        if (asArr(o.command).length === 0) errs.push(required(child(p, 'command')));
        break;
      case 'httpGet': {
        if (asStr(o.path) === '') errs.push(required(child(p, 'path')));
        errs.push(...validatePortNumOrName(o.port, child(p, 'port')));
        const scheme = asStr(o.scheme);
        if (scheme !== 'HTTP' && scheme !== 'HTTPS') errs.push(notSupported(child(p, 'scheme'), scheme, ['HTTP', 'HTTPS']));
        for (const hdr of asArr(o.httpHeaders)) {
          const name = asStr(asObj(hdr).name);
          for (const m of isHTTPHeaderName(name)) errs.push(invalid(child(p, 'httpHeaders'), name, m));
        }
        break;
      }
      case 'tcpSocket':
        errs.push(...validatePortNumOrName(o.port, child(p, 'port')));
        break;
      case 'grpc':
        errs.push(...validatePortNumOrName(asInt(o.port), child(p, 'port')));
        break;
      case 'sleep': {
        const secs = asInt(o.seconds);
        if (gracePeriod !== undefined && (secs <= 0 || secs > gracePeriod)) {
          errs.push(
            invalid(
              p,
              secs,
              `must be greater than 0 and less than terminationGracePeriodSeconds (${gracePeriod}). Enable AllowPodLifecycleSleepActionZeroValue feature gate for zero sleep.`,
            ),
          );
        }
        break;
      }
    }
  }
  if (n === 0) errs.push(required(field, 'must specify a handler type'));
  return errs;
}

function validateProbe(probe: unknown, field: string, gracePeriod: number | undefined, kind: 'liveness' | 'readiness' | 'startup'): FieldError[] {
  if (!isObj(probe)) return [];
  const errs = validateHandler(probe, field, gracePeriod, false);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    errs.push(...nonNegative(asInt(probe[f]), child(field, f)));
  }
  const tgp = probe.terminationGracePeriodSeconds;
  if (typeof tgp === 'number' && tgp <= 0) {
    errs.push(invalid(child(field, 'terminationGracePeriodSeconds'), tgp, 'must be greater than 0'));
  }
  if (kind !== 'readiness' && asInt(probe.successThreshold) !== 1) {
    errs.push(invalid(child(field, 'successThreshold'), asInt(probe.successThreshold), 'must be 1'));
  }
  if (kind === 'readiness' && tgp !== undefined && tgp !== null) {
    errs.push(invalid(child(field, 'terminationGracePeriodSeconds'), tgp, 'must not be set for readinessProbes'));
  }
  return errs;
}

function validateLifecycle(lc: Obj, field: string, gracePeriod: number | undefined): FieldError[] {
  const errs: FieldError[] = [];
  for (const h of ['postStart', 'preStop']) {
    if (isObj(lc[h])) errs.push(...validateHandler(lc[h], child(field, h), gracePeriod, true));
  }
  return errs;
}

/** runAsUser and runAsGroup, which pod and container security contexts share. */
function validateRunAs(sc: Record<string, any>, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (typeof sc.runAsUser === 'number') {
    for (const m of isValidUserID(sc.runAsUser)) errs.push(invalid(child(field, 'runAsUser'), sc.runAsUser, m));
  }
  if (typeof sc.runAsGroup === 'number') {
    for (const m of isValidGroupID(sc.runAsGroup)) errs.push(invalid(child(field, 'runAsGroup'), sc.runAsGroup, m));
  }
  return errs;
}

function validateSecurityContext(sc: unknown, field: string): FieldError[] {
  if (!isObj(sc)) return [];
  const errs: FieldError[] = [];
  errs.push(...validateRunAs(sc, field));
  if (sc.procMount !== undefined && sc.procMount !== null && !['Default', 'Unmasked'].includes(asStr(sc.procMount))) {
    errs.push(notSupported(child(field, 'procMount'), asStr(sc.procMount), ['Default', 'Unmasked']));
  }
  errs.push(...validateSeccompProfile(sc.seccompProfile, child(field, 'seccompProfile')));
  return errs;
}

function validateSeccompProfile(profile: unknown, field: string): FieldError[] {
  if (!isObj(profile)) return [];
  const t = asStr(profile.type);
  const errs: FieldError[] = [];
  if (t === 'Localhost') {
    if (asStr(profile.localhostProfile) === '') {
      errs.push(required(child(field, 'localhostProfile'), 'must be set when seccomp type is Localhost'));
    }
  } else if (t === 'RuntimeDefault' || t === 'Unconfined') {
    if (profile.localhostProfile !== undefined && profile.localhostProfile !== null) {
      errs.push(invalid(child(field, 'localhostProfile'), asStr(profile.localhostProfile), 'can only be set when seccomp type is Localhost'));
    }
  } else {
    errs.push(notSupported(child(field, 'type'), t, ['Localhost', 'RuntimeDefault', 'Unconfined']));
  }
  return errs;
}

function validateContainerCommon(ctr: Obj, vols: Map<string, Obj>, claims: Set<string>, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = asStr(ctr.name);
  const namePath = child(field, 'name');
  if (name === '') errs.push(required(namePath));
  else errs.push(...dnsLabel(name, namePath));
  if (asStr(ctr.image) === '') errs.push(required(child(field, 'image')));
  const tmp = asStr(ctr.terminationMessagePolicy);
  if (tmp === '') errs.push(required(child(field, 'terminationMessagePolicy')));
  else if (tmp !== 'File' && tmp !== 'FallbackToLogsOnError') {
    errs.push(notSupported(child(field, 'terminationMessagePolicy'), tmp, ['File', 'FallbackToLogsOnError']));
  }
  const mounts = new Map<string, string>();
  for (const m of asArr(ctr.volumeMounts)) mounts.set(asStr(asObj(m).name), asStr(asObj(m).mountPath));
  const devices = new Map<string, string>();
  for (const d of asArr(ctr.volumeDevices)) devices.set(asStr(asObj(d).name), asStr(asObj(d).devicePath));
  errs.push(...validateContainerPorts(ctr.ports, child(field, 'ports')));
  errs.push(...validateEnv(ctr.env, child(field, 'env')));
  errs.push(...validateEnvFrom(ctr.envFrom, child(field, 'envFrom')));
  errs.push(...validateVolumeMounts(ctr.volumeMounts, devices, vols, ctr, child(field, 'volumeMounts')));
  errs.push(...validateVolumeDevices(ctr.volumeDevices, mounts, vols, child(field, 'volumeDevices')));
  errs.push(...validatePullPolicy(ctr.imagePullPolicy, child(field, 'imagePullPolicy')));
  errs.push(...validateResourceRequirements(ctr.resources, child(field, 'resources'), claims));
  const seen = new Set<string>();
  asArr(ctr.resizePolicy).forEach((raw, i) => {
    const rp = asObj(raw);
    const fp = child(field, 'resizePolicy');
    const rn = asStr(rp.resourceName);
    if (seen.has(rn)) errs.push(duplicate(index(fp, i), rn));
    seen.add(rn);
    if (rn === '') errs.push(required(fp));
    else if (rn !== 'cpu' && rn !== 'memory') errs.push(notSupported(fp, rn, ['cpu', 'memory']));
    const pol = asStr(rp.restartPolicy);
    if (pol === '') errs.push(required(fp));
    else if (pol !== 'NotRequired' && pol !== 'RestartContainer') {
      errs.push(notSupported(fp, pol, ['NotRequired', 'RestartContainer']));
    }
  });
  errs.push(...validateSecurityContext(ctr.securityContext, child(field, 'securityContext')));
  return errs;
}

function checkHostPortConflicts(containers: Obj[], field: string, accumulator = new Set<string>()): FieldError[] {
  const errs: FieldError[] = [];
  containers.forEach((ctr, ci) => {
    asArr(ctr.ports).forEach((raw, pi) => {
      const port = asObj(raw);
      const hp = asInt(port.hostPort);
      if (hp === 0) return;
      const s = `${asStr(port.protocol)}/${asStr(port.hostIP)}/${hp}`;
      if (accumulator.has(s)) errs.push(duplicate(child(index(child(index(field, ci), 'ports'), pi), 'hostPort'), s));
      else accumulator.add(s);
    });
  });
  return errs;
}

function validateContainers(containers: Obj[], vols: Map<string, Obj>, claims: Set<string>, grace: number | undefined, field: string): FieldError[] {
  if (containers.length === 0) return [required(field)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  containers.forEach((ctr, i) => {
    const p = index(field, i);
    errs.push(...validateContainerCommon(ctr, vols, claims, p));
    const name = asStr(ctr.name);
    if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
    else names.add(name);
    if (isObj(ctr.lifecycle)) errs.push(...validateLifecycle(ctr.lifecycle, child(p, 'lifecycle'), grace));
    errs.push(...validateProbe(ctr.livenessProbe, child(p, 'livenessProbe'), grace, 'liveness'));
    errs.push(...validateProbe(ctr.readinessProbe, child(p, 'readinessProbe'), grace, 'readiness'));
    errs.push(...validateProbe(ctr.startupProbe, child(p, 'startupProbe'), grace, 'startup'));
    if (ctr.restartPolicy !== undefined && ctr.restartPolicy !== null) {
      errs.push(forbidden(child(p, 'restartPolicy'), 'may not be set for non-init containers'));
    }
  });
  errs.push(...checkHostPortConflicts(containers, field));
  return errs;
}

function validateInitContainers(
  inits: Obj[],
  regular: Obj[],
  vols: Map<string, Obj>,
  claims: Set<string>,
  grace: number | undefined,
  field: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set(regular.map((c) => asStr(c.name)));
  inits.forEach((ctr, i) => {
    const p = index(field, i);
    errs.push(...validateContainerCommon(ctr, vols, claims, p));
    let restartAlways = false;
    if (ctr.restartPolicy !== undefined && ctr.restartPolicy !== null) {
      const rp = asStr(ctr.restartPolicy);
      if (rp !== 'Always') errs.push(notSupported(child(p, 'restartPolicy'), rp, ['Always']));
      restartAlways = rp === 'Always';
    }
    const name = asStr(ctr.name);
    if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
    else if (name.length > 0) names.add(name);
    errs.push(...checkHostPortConflicts([ctr], field));
    if (restartAlways) {
      if (isObj(ctr.lifecycle)) errs.push(...validateLifecycle(ctr.lifecycle, child(p, 'lifecycle'), grace));
      errs.push(...validateProbe(ctr.livenessProbe, child(p, 'livenessProbe'), grace, 'liveness'));
      errs.push(...validateProbe(ctr.readinessProbe, child(p, 'readinessProbe'), grace, 'readiness'));
      errs.push(...validateProbe(ctr.startupProbe, child(p, 'startupProbe'), grace, 'startup'));
    } else {
      for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe']) {
        if (ctr[f] !== undefined && ctr[f] !== null) {
          errs.push(forbidden(child(p, f), 'may not be set for init containers without restartPolicy=Always'));
        }
      }
    }
  });
  return errs;
}

const EPHEMERAL_FORBIDDEN = ['ports', 'resources', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle', 'resizePolicy', 'restartPolicy'];

function validateEphemeralContainers(
  ecs: Obj[],
  containers: Obj[],
  inits: Obj[],
  vols: Map<string, Obj>,
  claims: Set<string>,
  field: string,
): FieldError[] {
  if (ecs.length === 0) return [];
  const errs: FieldError[] = [];
  const other = new Set([...containers, ...inits].map((c) => asStr(c.name)));
  const all = new Set(other);
  ecs.forEach((ec, i) => {
    const p = index(field, i);
    errs.push(...validateContainerCommon(ec, vols, claims, p));
    const image = asStr(ec.image);
    if (image.length !== image.trim().length) errs.push(invalid(child(p, 'image'), image, 'must not have leading or trailing whitespace'));
    const name = asStr(ec.name);
    if (all.has(name)) errs.push(duplicate(child(p, 'name'), name));
    else all.add(name);
    const target = asStr(ec.targetContainerName);
    if (target !== '' && !other.has(target)) errs.push(notFound(child(p, 'targetContainerName'), target));
    for (const f of EPHEMERAL_FORBIDDEN) {
      const v = ec[f];
      if (v === undefined || v === null) continue;
      if ((Array.isArray(v) && v.length === 0) || (isObj(v) && Object.keys(v).length === 0)) continue;
      errs.push(forbidden(child(p, f), 'cannot be set for an Ephemeral Container'));
    }
    asArr(ec.volumeMounts).forEach((vm, j) => {
      const m = asObj(vm);
      if (asStr(m.subPath) !== '') errs.push(forbidden(child(index(child(p, 'volumeMounts'), j), 'subPath'), 'cannot be set for an Ephemeral Container'));
      if (asStr(m.subPathExpr) !== '') {
        errs.push(forbidden(child(index(child(p, 'volumeMounts'), j), 'subPathExpr'), 'cannot be set for an Ephemeral Container'));
      }
    });
  });
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Pod spec

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];

export function validateTolerations(tolerations: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  asArr(tolerations).forEach((raw, i) => {
    const t = asObj(raw);
    const p = index(field, i);
    const k = asStr(t.key);
    const op = asStr(t.operator);
    const effect = asStr(t.effect);
    const value = asStr(t.value);
    if (k.length > 0) errs.push(...validateLabelName(k, child(p, 'key')));
    if (k.length === 0 && op !== 'Exists') {
      errs.push(invalid(child(p, 'operator'), op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && effect !== 'NoExecute') {
      errs.push(invalid(child(p, 'effect'), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    switch (op) {
      case 'Equal':
      case '': {
        const msgs = isValidLabelValue(value);
        if (msgs.length > 0) errs.push(invalid(child(p, 'operator'), value, msgs.join(';')));
        break;
      }
      case 'Exists':
        if (value.length > 0) errs.push(invalid(child(p, 'operator'), value, "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        errs.push(notSupported(child(p, 'operator'), op, ['Equal', 'Exists']));
    }
    if (effect.length > 0 && !['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(effect)) {
      errs.push(notSupported(child(p, 'effect'), effect, ['NoSchedule', 'PreferNoSchedule', 'NoExecute']));
    }
  });
  return errs;
}

function validatePodSecurityContext(sc: unknown, field: string): FieldError[] {
  if (!isObj(sc)) return [];
  const errs: FieldError[] = [];
  if (typeof sc.fsGroup === 'number') {
    for (const m of isValidGroupID(sc.fsGroup)) errs.push(invalid(child(field, 'fsGroup'), sc.fsGroup, m));
  }
  errs.push(...validateRunAs(sc, field));
  asArr(sc.supplementalGroups).forEach((g, i) => {
    for (const m of isValidGroupID(asInt(g))) errs.push(invalid(index(child(field, 'supplementalGroups'), i), asInt(g), m));
  });
  if (sc.fsGroupChangePolicy !== undefined && sc.fsGroupChangePolicy !== null) {
    const v = asStr(sc.fsGroupChangePolicy);
    if (v !== 'OnRootMismatch' && v !== 'Always') {
      errs.push(notSupported(child(field, 'fsGroupChangePolicy'), v, ['Always', 'OnRootMismatch']));
    }
  }
  errs.push(...validateSeccompProfile(sc.seccompProfile, child(field, 'seccompProfile')));
  return errs;
}

function validateDNSConfig(cfg: unknown, dnsPolicy: string, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (dnsPolicy === 'None') {
    if (!isObj(cfg)) return [required(field, 'must provide `dnsConfig` when `dnsPolicy` is None')];
    if (asArr(cfg.nameservers).length === 0) {
      return [required(child(field, 'nameservers'), 'must provide at least one DNS nameserver when `dnsPolicy` is None')];
    }
  }
  if (!isObj(cfg)) return errs;
  const ns = asArr(cfg.nameservers).map(asStr);
  if (ns.length > 3) errs.push(invalid(child(field, 'nameservers'), goStringSlice(ns), 'must not have more than 3 nameservers'));
  ns.forEach((ip, i) => errs.push(...validateIP(ip, index(child(field, 'nameservers'), i))));
  const searches = asArr(cfg.searches).map(asStr);
  if (searches.length > 32) {
    errs.push(invalid(child(field, 'searches'), goStringSlice(searches), 'must not have more than 32 search paths'));
  }
  if (searches.join(' ').length > 2048) {
    errs.push(
      invalid(child(field, 'searches'), goStringSlice(searches), 'must not have more than 2048 characters (including spaces) in the search list'),
    );
  }
  searches.forEach((s, i) => {
    if (s === '.') return;
    const t = s.endsWith('.') ? s.slice(0, -1) : s;
    const re = /^_?[a-z0-9]([-_a-z0-9]*[a-z0-9])?(\._?[a-z0-9]([-_a-z0-9]*[a-z0-9])?)*$/;
    if (!re.test(t)) {
      errs.push(
        invalid(
          index(child(field, 'searches'), i),
          t,
          "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '_', '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '_?[a-z0-9]([-_a-z0-9]*[a-z0-9])?(\\._?[a-z0-9]([-_a-z0-9]*[a-z0-9])?)*')",
        ),
      );
    }
  });
  asArr(cfg.options).forEach((o, i) => {
    if (asStr(asObj(o).name) === '') errs.push(required(index(child(field, 'options'), i), 'must not be empty'));
  });
  return errs;
}

function validateTopologySpreadConstraints(list: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const items = asArr(list).map(asObj);
  items.forEach((c, i) => {
    const p = index(field, i);
    const maxSkew = asInt(c.maxSkew);
    if (maxSkew <= 0) errs.push(invalid(child(p, 'maxSkew'), maxSkew, NOT_POSITIVE));
    if (asStr(c.topologyKey) === '') errs.push(required(child(p, 'topologyKey'), 'can not be empty'));
    const wu = asStr(c.whenUnsatisfiable);
    if (wu !== 'DoNotSchedule' && wu !== 'ScheduleAnyway') {
      errs.push(notSupported(child(p, 'whenUnsatisfiable'), wu, ['DoNotSchedule', 'ScheduleAnyway']));
    }
    for (const rest of items.slice(i + 1)) {
      if (asStr(rest.topologyKey) === asStr(c.topologyKey) && asStr(rest.whenUnsatisfiable) === wu) {
        errs.push(duplicate(child(p, '{topologyKey, whenUnsatisfiable}'), `{${asStr(c.topologyKey)}, ${wu}}`));
        break;
      }
    }
    if (c.minDomains !== undefined && c.minDomains !== null) {
      const md = asInt(c.minDomains);
      if (md <= 0) errs.push(invalid(child(p, 'minDomains'), md, NOT_POSITIVE));
      if (wu !== 'DoNotSchedule') {
        errs.push(invalid(child(p, 'minDomains'), md, `can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${wu}`));
      }
    }
    for (const pol of ['nodeAffinityPolicy', 'nodeTaintsPolicy']) {
      if (c[pol] !== undefined && c[pol] !== null && !['Honor', 'Ignore'].includes(asStr(c[pol]))) {
        errs.push(notSupported(child(p, pol), asStr(c[pol]), ['Honor', 'Ignore']));
      }
    }
    errs.push(...validateLabelSelector(c.labelSelector, child(p, 'labelSelector')));
  });
  return errs;
}

function validateNodeSelectorTerms(terms: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  asArr(terms).forEach((raw, i) => {
    const term = asObj(raw);
    const p = index(field, i);
    asArr(term.matchExpressions).forEach((r, j) => {
      const req = asObj(r);
      const rp = index(child(p, 'matchExpressions'), j);
      const op = asStr(req.operator);
      const vals = asArr(req.values);
      switch (op) {
        case 'In':
        case 'NotIn':
          if (vals.length === 0) errs.push(required(child(rp, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
          break;
        case 'Exists':
        case 'DoesNotExist':
          if (vals.length > 0) errs.push(forbidden(child(rp, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
          break;
        case 'Gt':
        case 'Lt':
          if (vals.length !== 1) errs.push(required(child(rp, 'values'), "must be specified single value when `operator` is 'Lt' or 'Gt'"));
          break;
        default:
          errs.push(invalid(child(rp, 'operator'), op, 'not a valid selector operator'));
      }
      errs.push(...validateLabelName(asStr(req.key), child(rp, 'key')));
    });
  });
  return errs;
}

function validateAffinity(aff: unknown, field: string): FieldError[] {
  if (!isObj(aff)) return [];
  const errs: FieldError[] = [];
  const na = asObj(aff.nodeAffinity);
  const req = na.requiredDuringSchedulingIgnoredDuringExecution;
  if (isObj(req)) {
    const p = child(field, 'nodeAffinity', 'requiredDuringSchedulingIgnoredDuringExecution');
    if (asArr(req.nodeSelectorTerms).length === 0) errs.push(required(child(p, 'nodeSelectorTerms'), 'must have at least one node selector term'));
    errs.push(...validateNodeSelectorTerms(req.nodeSelectorTerms, child(p, 'nodeSelectorTerms')));
  }
  asArr(na.preferredDuringSchedulingIgnoredDuringExecution).forEach((raw, i) => {
    const t = asObj(raw);
    const p = index(child(field, 'nodeAffinity', 'preferredDuringSchedulingIgnoredDuringExecution'), i);
    const w = asInt(t.weight);
    if (w <= 0 || w > 100) errs.push(invalid(child(p, 'weight'), w, 'must be in the range 1-100'));
    errs.push(...validateNodeSelectorTerms([t.preference], p).map((e) => ({ ...e, field: e.field.replace(`${p}[0]`, child(p, 'preference')) })));
  });
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    const pa = asObj(aff[kind]);
    asArr(pa.requiredDuringSchedulingIgnoredDuringExecution).forEach((raw, i) => {
      const term = asObj(raw);
      const p = index(child(field, kind, 'requiredDuringSchedulingIgnoredDuringExecution'), i);
      errs.push(...validateLabelSelector(term.labelSelector, child(p, 'labelSelector')));
      errs.push(...validateLabelSelector(term.namespaceSelector, child(p, 'namespaceSelector')));
      if (asStr(term.topologyKey) === '') errs.push(required(child(p, 'topologyKey'), 'can not be empty'));
      else errs.push(...validateLabelName(asStr(term.topologyKey), child(p, 'topologyKey')));
    });
    asArr(pa.preferredDuringSchedulingIgnoredDuringExecution).forEach((raw, i) => {
      const w = asObj(raw);
      const p = index(child(field, kind, 'preferredDuringSchedulingIgnoredDuringExecution'), i);
      const weight = asInt(w.weight);
      if (weight <= 0 || weight > 100) errs.push(invalid(child(p, 'weight'), weight, 'must be in the range 1-100'));
      const term = asObj(w.podAffinityTerm);
      const tp = child(p, 'podAffinityTerm');
      errs.push(...validateLabelSelector(term.labelSelector, child(tp, 'labelSelector')));
      if (asStr(term.topologyKey) === '') errs.push(required(child(tp, 'topologyKey'), 'can not be empty'));
      else errs.push(...validateLabelName(asStr(term.topologyKey), child(tp, 'topologyKey')));
    });
  }
  return errs;
}

/** ValidatePodSpec: the spec of a Pod, or of the template inside a controller. */
export function validatePodSpec(spec: unknown, field: string, opts: PodValidationOptions): FieldError[] {
  const s = asObj(spec);
  const errs: FieldError[] = [];
  const grace = typeof s.terminationGracePeriodSeconds === 'number' ? s.terminationGracePeriodSeconds : undefined;
  if (s.terminationGracePeriodSeconds === undefined || s.terminationGracePeriodSeconds === null) {
    errs.push(required(child(field, 'terminationGracePeriodSeconds')));
  }
  const { vols, errs: vErrs } = validateVolumes(s.volumes, child(field, 'volumes'), opts);
  errs.push(...vErrs);
  const claims = new Set<string>();
  const claimNames = new Set<string>();
  asArr(s.resourceClaims).forEach((raw, i) => {
    const c = asObj(raw);
    const p = index(child(field, 'resourceClaims'), i);
    const name = asStr(c.name);
    if (name === '') errs.push(required(child(p, 'name')));
    else if (claimNames.has(name)) errs.push(duplicate(child(p, 'name'), name));
    else {
      errs.push(...dnsLabel(name, child(p, 'name')));
      claimNames.add(name);
    }
    if (name !== '') claims.add(name);
  });
  const containers = asArr(s.containers).map(asObj);
  const inits = asArr(s.initContainers).map(asObj);
  const ephemerals = asArr(s.ephemeralContainers).map(asObj);
  errs.push(...validateContainers(containers, vols, claims, grace, child(field, 'containers')));
  errs.push(...validateInitContainers(inits, containers, vols, claims, grace, child(field, 'initContainers')));
  errs.push(...validateEphemeralContainers(ephemerals, containers, inits, vols, claims, child(field, 'ephemeralContainers')));

  if (s.hostNetwork === true) {
    containers.forEach((ctr, i) => {
      asArr(ctr.ports).forEach((raw, j) => {
        const port = asObj(raw);
        const hp = asInt(port.hostPort);
        const cp = asInt(port.containerPort);
        if ((opts.isPod || hp !== 0) && hp !== cp) {
          errs.push(
            invalid(
              child(index(child(index(child(field, 'containers'), i), 'ports'), j), 'hostPort'),
              hp,
              'must match `containerPort` when `hostNetwork` is true',
            ),
          );
        }
      });
    });
  }
  const rp = asStr(s.restartPolicy);
  if (rp === '') errs.push(required(child(field, 'restartPolicy')));
  else if (!RESTART_POLICIES.includes(rp)) errs.push(notSupported(child(field, 'restartPolicy'), rp, RESTART_POLICIES));
  const dp = asStr(s.dnsPolicy);
  if (dp === '') errs.push(required(child(field, 'dnsPolicy')));
  else if (!DNS_POLICIES.includes(dp)) errs.push(notSupported(child(field, 'dnsPolicy'), dp, DNS_POLICIES));
  errs.push(...validateLabels(s.nodeSelector, child(field, 'nodeSelector')));
  errs.push(...validatePodSecurityContext(s.securityContext, child(field, 'securityContext')));
  asArr(s.imagePullSecrets).forEach((raw, i) => {
    const ref = asObj(raw);
    if (Object.keys(ref).some((k) => k !== 'name')) {
      errs.push(invalid(index(child(field, 'imagePullSecrets'), i), new GoValue(`core.LocalObjectReference{Name:${goQuote(asStr(ref.name))}}`), 'only name may be set'));
    }
  });
  errs.push(...validateAffinity(s.affinity, child(field, 'affinity')));
  errs.push(...validateDNSConfig(s.dnsConfig, dp, child(field, 'dnsConfig')));
  asArr(s.readinessGates).forEach((g, i) => {
    errs.push(...qualifiedName(asStr(asObj(g).conditionType), child(index(child(field, 'readinessGates'), i), 'conditionType')));
  });
  const gates = new Set<string>();
  asArr(s.schedulingGates).forEach((g, i) => {
    const name = asStr(asObj(g).name);
    const p = index(child(field, 'schedulingGates'), i);
    errs.push(...qualifiedName(name, p));
    if (gates.has(name)) errs.push(duplicate(p, name));
    gates.add(name);
  });
  errs.push(...validateTopologySpreadConstraints(s.topologySpreadConstraints, child(field, 'topologySpreadConstraints')));
  const sa = asStr(s.serviceAccountName);
  if (sa.length > 0) errs.push(...dnsSubdomain(sa, child(field, 'serviceAccountName')));
  const nodeName = asStr(s.nodeName);
  if (nodeName.length > 0) errs.push(...dnsSubdomain(nodeName, child(field, 'nodeName')));
  if (typeof s.activeDeadlineSeconds === 'number') {
    const v = s.activeDeadlineSeconds;
    if (v < 1 || v > MAX_INT32) errs.push(invalid(child(field, 'activeDeadlineSeconds'), v, inclusiveRangeError(1, MAX_INT32)));
  }
  if (asStr(s.hostname).length > 0) errs.push(...dnsLabel(asStr(s.hostname), child(field, 'hostname')));
  if (asStr(s.subdomain).length > 0) errs.push(...dnsLabel(asStr(s.subdomain), child(field, 'subdomain')));
  if (asArr(s.tolerations).length > 0) errs.push(...validateTolerations(s.tolerations, child(field, 'tolerations')));
  asArr(s.hostAliases).forEach((raw, i) => {
    const ha = asObj(raw);
    const p = index(child(field, 'hostAliases'), i);
    errs.push(...validateIP(asStr(ha.ip), child(p, 'ip')));
    asArr(ha.hostnames).forEach((h, j) => errs.push(...dnsSubdomain(asStr(h), index(child(p, 'hostnames'), j))));
  });
  const pcn = asStr(s.priorityClassName);
  if (pcn.length > 0) errs.push(...dnsSubdomain(pcn, child(field, 'priorityClassName')));
  if (typeof s.runtimeClassName === 'string') errs.push(...dnsSubdomain(s.runtimeClassName, child(field, 'runtimeClassName')));
  if (s.preemptionPolicy !== undefined && s.preemptionPolicy !== null) {
    const pp = asStr(s.preemptionPolicy);
    if (pp === '') errs.push(required(child(field, 'preemptionPolicy')));
    else if (pp !== 'PreemptLowerPriority' && pp !== 'Never') {
      errs.push(notSupported(child(field, 'preemptionPolicy'), pp, ['PreemptLowerPriority', 'Never']));
    }
  }
  if (isObj(s.overhead)) errs.push(...validateResourceRequirements({ limits: s.overhead }, child(field, 'overhead'), claims));
  if (isObj(s.os)) {
    const name = asStr(s.os.name);
    if (name === '') errs.push(required(child(field, 'os', 'name'), 'cannot be empty'));
    else if (name !== 'linux' && name !== 'windows') errs.push(notSupported(child(field, 'os'), name, ['linux', 'windows']));
  }
  return errs;
}

/** The checks that apply to a Pod but not to a template. */
function validatePodOnly(pod: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const spec = asObj(pod.spec);
  if (asStr(spec.serviceAccountName) === '') {
    asArr(spec.volumes).forEach((raw, vi) => {
      const v = asObj(raw);
      if (!isObj(v.projected)) return;
      asArr(v.projected.sources).forEach((src, si) => {
        if (isObj(asObj(src).serviceAccountToken)) {
          errs.push(
            forbidden(
              `spec.volumes[${vi}].projected.sources[${si}].serviceAccountToken`,
              'must not be specified when serviceAccountName is not set',
            ),
          );
        }
      });
    });
  }
  for (const list of ['containers', 'initContainers']) {
    asArr(spec[list]).forEach((raw, i) => {
      const image = asStr(asObj(raw).image);
      if (image.length !== image.trim().length) {
        errs.push(invalid(`spec.${list}[${i}].image`, image, 'must not have leading or trailing whitespace'));
      }
    });
  }
  return errs;
}

function validatePodAnnotations(annotations: unknown, spec: Obj, field: string): FieldError[] {
  const a = asObj(annotations);
  const errs: FieldError[] = [];
  const mirror = 'kubernetes.io/config.mirror';
  if (mirror in a && asStr(spec.nodeName) === '') {
    errs.push(invalid(key(field, mirror), asStr(a[mirror]), 'must set spec.nodeName if mirror pod annotation is set'));
  }
  const cost = 'controller.kubernetes.io/pod-deletion-cost';
  if (cost in a) {
    const v = asStr(a[cost]);
    const n = Number(v);
    if (!/^[+-]?[0-9]+$/.test(v) || n < -2147483648 || n > MAX_INT32) {
      errs.push(invalid(key(field, cost), v, 'must be a 32bit integer'));
    }
  }
  return errs;
}

export function validatePod(pod: Obj): FieldError[] {
  const errs = validateObjectMeta(pod.metadata, nameIsDNSSubdomain);
  const spec = asObj(pod.spec);
  errs.push(...validatePodAnnotations(asObj(pod.metadata).annotations, spec, 'metadata.annotations'));
  errs.push(...validatePodSpec(spec, 'spec', { isPod: true, podName: asStr(asObj(pod.metadata).name) || undefined }));
  errs.push(...validatePodOnly(pod));
  return errs;
}

const UPDATABLE_POD_FIELDS = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

/** A short cmp.Diff-like listing of the top-level spec fields that changed. */
function specDiff(oldSpec: Obj, newSpec: Obj, typeName: string): string {
  const keys = [...new Set([...Object.keys(oldSpec), ...Object.keys(newSpec)])].sort();
  const lines = [`  ${typeName}{`];
  for (const k of keys) {
    if (semanticEqual(oldSpec[k], newSpec[k])) continue;
    const go = (v: unknown): string => (v === undefined ? 'nil' : JSON.stringify(v));
    lines.push(`- \t${k[0]?.toUpperCase()}${k.slice(1)}: ${go(oldSpec[k])},`);
    lines.push(`+ \t${k[0]?.toUpperCase()}${k.slice(1)}: ${go(newSpec[k])},`);
  }
  lines.push('  }');
  return lines.join('\n') + '\n';
}

export function validatePodUpdate(pod: Obj, old: Obj): FieldError[] {
  const errs = validateObjectMetaUpdate(pod.metadata, old.metadata);
  const spec = asObj(pod.spec);
  const oldSpec = asObj(old.spec);
  errs.push(...validatePodAnnotations(asObj(pod.metadata).annotations, spec, 'metadata.annotations'));
  errs.push(...validatePodSpec(spec, 'spec', { isPod: true, podName: asStr(asObj(pod.metadata).name) || undefined }));
  errs.push(...validatePodOnly(pod));
  const oldAnn = asObj(asObj(old.metadata).annotations);
  const newAnn = asObj(asObj(pod.metadata).annotations);
  const mirror = 'kubernetes.io/config.mirror';
  if (mirror in oldAnn && newAnn[mirror] !== oldAnn[mirror]) {
    errs.push(forbidden(key('metadata.annotations', mirror), 'may not remove or update mirror pod annotation'));
  }
  if (!(mirror in oldAnn) && mirror in newAnn) {
    errs.push(forbidden(key('metadata.annotations', mirror), 'may not add mirror pod annotation'));
  }
  for (const list of ['containers', 'initContainers']) {
    const n = asArr(spec[list]);
    const o = asArr(oldSpec[list]);
    if (n.length !== o.length) {
      errs.push(forbidden(`spec.${list}`, 'pod updates may not add or remove containers'));
      return errs;
    }
    n.forEach((raw, i) => {
      const image = asStr(asObj(raw).image);
      if (image === '') errs.push(required(`spec.${list}[${i}].image`));
      if (image.trim().length !== image.length) {
        errs.push(invalid(`spec.${list}[${i}].image`, image, 'must not have leading or trailing whitespace'));
      }
    });
  }
  const nad = spec.activeDeadlineSeconds;
  const oad = oldSpec.activeDeadlineSeconds;
  if (typeof nad === 'number') {
    if (nad < 0 || nad > MAX_INT32) {
      errs.push(invalid('spec.activeDeadlineSeconds', nad, inclusiveRangeError(0, MAX_INT32)));
      return errs;
    }
    if (typeof oad === 'number' && oad < nad) {
      errs.push(invalid('spec.activeDeadlineSeconds', nad, 'must be less than or equal to previous value'));
      return errs;
    }
  } else if (typeof oad === 'number') {
    errs.push(invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
  }
  // Tolerations: only additions (tolerationSeconds may change).
  const newTols = asArr(spec.tolerations).map(asObj);
  for (const ot of asArr(oldSpec.tolerations).map(asObj)) {
    const found = newTols.some((nt) => semanticEqual({ ...ot, tolerationSeconds: nt.tolerationSeconds }, nt));
    if (!found) {
      errs.push(forbidden('spec.tolerations', 'existing toleration can not be modified except its tolerationSeconds'));
      break;
    }
  }
  // Scheduling gates: only deletions.
  const oldGates = new Set(asArr(oldSpec.schedulingGates).map((g) => asStr(asObj(g).name)));
  asArr(spec.schedulingGates).forEach((g, i) => {
    const name = asStr(asObj(g).name);
    if (!oldGates.has(name)) {
      errs.push(forbidden(`spec.schedulingGates[${i}].name`, `only deletion is allowed, but found new scheduling gate '${name}'`));
    }
  });
  if (semanticEqual(spec, oldSpec)) return errs;
  const munged: Obj = structuredClone(spec);
  for (const list of ['containers', 'initContainers']) {
    asArr(munged[list]).forEach((c, i) => {
      asObj(c).image = asObj(asArr(oldSpec[list])[i]).image;
    });
  }
  munged.activeDeadlineSeconds = oldSpec.activeDeadlineSeconds;
  munged.schedulingGates = oldSpec.schedulingGates;
  munged.tolerations = oldSpec.tolerations;
  const ot = oldSpec.terminationGracePeriodSeconds;
  if (typeof ot === 'number' && ot < 0 && munged.terminationGracePeriodSeconds === 1) munged.terminationGracePeriodSeconds = ot;
  if (asArr(oldSpec.schedulingGates).length > 0) {
    munged.nodeSelector = oldSpec.nodeSelector;
    if (isObj(munged.affinity)) munged.affinity = { ...munged.affinity, nodeAffinity: asObj(oldSpec.affinity).nodeAffinity };
  }
  if (!semanticEqual(munged, oldSpec)) {
    errs.push(
      forbidden(
        'spec',
        `pod updates may not change fields other than ${UPDATABLE_POD_FIELDS.join(',')}\n${specDiff(oldSpec, munged, 'core.PodSpec')}`,
      ),
    );
  }
  return errs;
}

/** ValidatePodTemplateSpec: labels, annotations and the pod spec of a template. */
export function validatePodTemplateSpec(template: unknown, field: string): FieldError[] {
  const t = asObj(template);
  const meta = asObj(t.metadata);
  const spec = asObj(t.spec);
  const errs: FieldError[] = [];
  errs.push(...validateLabels(meta.labels, child(field, 'labels')));
  errs.push(...validateAnnotations(meta.annotations, child(field, 'annotations')));
  errs.push(...validatePodAnnotations(meta.annotations, spec, child(field, 'annotations')));
  errs.push(...validatePodSpec(spec, child(field, 'spec'), { isPod: false }));
  if (asArr(spec.ephemeralContainers).length > 0) {
    errs.push(forbidden(child(field, 'spec', 'ephemeralContainers'), 'ephemeral containers not allowed in pod template'));
  }
  return errs;
}

export function validatePodTemplate(obj: Obj, old?: Obj): FieldError[] {
  const errs = old ? validateObjectMetaUpdate(obj.metadata, old.metadata) : validateObjectMeta(obj.metadata, nameIsDNSSubdomain);
  errs.push(...validatePodTemplateSpec(obj.template, 'template'));
  return errs;
}

// ---------------------------------------------------------------------------------------------
// ReplicationController

export function validateReplicationController(obj: Obj, old?: Obj): FieldError[] {
  const errs = old ? validateObjectMetaUpdate(obj.metadata, old.metadata) : validateObjectMeta(obj.metadata, nameIsDNSSubdomain);
  const spec = asObj(obj.spec);
  errs.push(...nonNegative(asInt(spec.minReadySeconds), 'spec.minReadySeconds'));
  const selector = asObj(spec.selector);
  if (Object.keys(selector).length === 0) errs.push(required('spec.selector'));
  errs.push(...nonNegative(asInt(spec.replicas), 'spec.replicas'));
  if (!isObj(spec.template)) {
    errs.push(required('spec.template'));
    return errs;
  }
  const tmeta = asObj(spec.template.metadata);
  if (Object.keys(selector).length > 0) {
    const labels = asObj(tmeta.labels);
    if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) {
      errs.push(invalid('spec.template.metadata.labels', goStringMap(tmeta.labels), '`selector` does not match template `labels`'));
    }
  }
  errs.push(...validatePodTemplateSpec(spec.template, 'spec.template'));
  const rp = asStr(asObj(spec.template.spec).restartPolicy);
  if (rp !== 'Always') errs.push(notSupported('spec.template.spec.restartPolicy', rp, ['Always']));
  if (asObj(spec.template.spec).activeDeadlineSeconds !== undefined && asObj(spec.template.spec).activeDeadlineSeconds !== null) {
    errs.push(forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in ReplicationController is not Supported'));
  }
  return errs;
}

// ---------------------------------------------------------------------------------------------
// IP addresses

function parseIPv4(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

function isIPv6(s: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || !s.includes(':')) return false;
  const dbl = s.split('::');
  if (dbl.length > 2) return false;
  const groups = (part: string): string[] | undefined => (part === '' ? [] : part.split(':'));
  const head = groups(dbl[0] ?? '');
  const tail = dbl.length === 2 ? groups(dbl[1] ?? '') : [];
  if (!head || !tail) return false;
  const all = [...head, ...tail];
  let count = 0;
  for (let i = 0; i < all.length; i++) {
    const g = all[i] as string;
    if (i === all.length - 1 && g.includes('.')) {
      if (!parseIPv4(g)) return false;
      count += 2;
      continue;
    }
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return false;
    count++;
  }
  return dbl.length === 2 ? count < 8 : count === 8;
}

export function isValidIPString(s: string): boolean {
  return parseIPv4(s) !== undefined || isIPv6(s);
}

export function validateIP(value: string, field: string): FieldError[] {
  if (!isValidIPString(value)) return [invalid(field, value, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)')];
  return [];
}

export function validateCIDR(value: string, field: string): FieldError[] {
  const m = /^(.*)\/([0-9]{1,3})$/.exec(value);
  const ok = !!m && isValidIPString(m[1] as string) && Number(m[2]) <= (parseIPv4(m[1] as string) ? 32 : 128);
  return ok ? [] : [invalid(field, value, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)')];
}

function validateNonSpecialIP(ip: string, field: string): FieldError[] {
  const v4 = parseIPv4(ip);
  const errs: FieldError[] = [];
  if (!v4 && !isIPv6(ip)) return [invalid(field, ip, 'must be a valid IP address')];
  const lower = ip.toLowerCase();
  if ((v4 && v4.every((x) => x === 0)) || lower === '::') errs.push(invalid(field, ip, `may not be unspecified (${ip})`));
  if ((v4 && v4[0] === 127) || lower === '::1') errs.push(invalid(field, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  if ((v4 && v4[0] === 169 && v4[1] === 254) || /^fe[89ab]/.test(lower)) {
    errs.push(invalid(field, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  }
  if ((v4 && v4[0] === 224 && v4[1] === 0 && v4[2] === 0) || lower.startsWith('ff02:')) {
    errs.push(invalid(field, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  }
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Service

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];

/** The spec as upstream validates it: clusterIP and clusterIPs reconciled, allocations kept. */
export function normalizeServiceSpec(spec: Obj, oldSpec?: Obj): Obj {
  const s: Obj = { ...spec };
  const needsClusterIP = (x: Obj): boolean => asStr(x.type) !== 'ExternalName';
  if (oldSpec) {
    if (needsClusterIP(oldSpec) && needsClusterIP(s)) {
      if (asStr(s.clusterIP) === '' && asStr(oldSpec.clusterIP) !== '') s.clusterIP = oldSpec.clusterIP;
      if (asArr(s.clusterIPs).length === 0 && asArr(oldSpec.clusterIPs).length > 0) s.clusterIPs = oldSpec.clusterIPs;
    }
    const sameIPs = semanticEqual(asArr(s.clusterIPs), asArr(oldSpec.clusterIPs));
    if (asStr(oldSpec.clusterIP) !== asStr(s.clusterIP)) {
      if (asStr(oldSpec.clusterIP) !== '' && asStr(s.clusterIP) === '') {
        if (sameIPs) s.clusterIPs = undefined;
      } else if (sameIPs) {
        s.clusterIPs = [s.clusterIP];
      }
    }
  } else if (asStr(s.clusterIP) !== '' && asArr(s.clusterIPs).length === 0) {
    s.clusterIPs = [s.clusterIP];
  }
  return s;
}

function isHeadless(spec: Obj): boolean {
  const ips = asArr(spec.clusterIPs);
  return ips.length === 1 && ips[0] === 'None';
}

function goServicePortKey(protocol: string, port: number): GoValue {
  return new GoValue(
    `core.ServicePort{Name:"", Protocol:${goQuote(protocol)}, AppProtocol:(*string)(nil), Port:${port}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`,
  );
}

export function validateService(obj: Obj, old?: Obj): FieldError[] {
  const spec = normalizeServiceSpec(asObj(obj.spec), old ? asObj(old.spec) : undefined);
  const errs: FieldError[] = [];
  if (old) {
    errs.push(...validateObjectMetaUpdate(obj.metadata, old.metadata));
    const oldSpec = asObj(old.spec);
    if (asStr(spec.type) !== 'ExternalName' && asStr(oldSpec.type) !== 'ExternalName' && !(isHeadless(oldSpec) && isHeadless(spec))) {
      const oldIPs = asArr(oldSpec.clusterIPs).map(asStr);
      const newIPs = asArr(spec.clusterIPs).map(asStr);
      if (oldIPs.length === newIPs.length) {
        oldIPs.forEach((ip, i) => {
          if (ip !== newIPs[i]) errs.push(invalid(`spec.clusterIPs[${i}]`, goStringSlice(newIPs), 'may not change once set'));
        });
      } else if (oldIPs.length > newIPs.length) {
        if (newIPs.length === 0) errs.push(invalid('spec.clusterIPs[0]', goStringSlice(newIPs), 'primary clusterIP can not be unset'));
        if (oldIPs.length > 0 && newIPs.length > 0 && newIPs[0] !== oldIPs[0]) {
          errs.push(invalid('spec.clusterIPs[0]', goStringSlice(newIPs), 'may not change once set'));
        }
        if (newIPs.length === 1 && spec.ipFamilyPolicy !== 'SingleStack') {
          errs.push(invalid('spec.ipFamilyPolicy', spec.ipFamilyPolicy ?? null, "must be set to 'SingleStack' when releasing the secondary clusterIP"));
        }
      } else if (oldIPs.length > 0 && newIPs[0] !== oldIPs[0]) {
        errs.push(invalid('spec.clusterIPs[0]', goStringSlice(newIPs), 'may not change once set'));
      }
    }
    if (spec.type === 'LoadBalancer' && oldSpec.type === 'LoadBalancer' && (spec.loadBalancerClass ?? null) !== (oldSpec.loadBalancerClass ?? null)) {
      errs.push(invalid('spec.loadBalancerClass', spec.loadBalancerClass ?? null, 'may not change once set'));
    }
  }
  // ValidateService
  errs.push(...validateObjectMeta(obj.metadata, nameIsDNS1035Label, 'metadata', !old));
  const type = asStr(spec.type);
  const ports = asArr(spec.ports).map(asObj);
  const headless = isHeadless(spec);
  if (ports.length === 0 && !headless && type !== 'ExternalName') errs.push(required('spec.ports'));
  if (type === 'LoadBalancer' && headless) {
    errs.push(invalid('spec.clusterIPs[0]', asStr(asArr(spec.clusterIPs)[0]), "may not be set to 'None' for LoadBalancer services"));
  } else if (type === 'NodePort' && headless) {
    errs.push(invalid('spec.clusterIPs[0]', asStr(asArr(spec.clusterIPs)[0]), "may not be set to 'None' for NodePort services"));
  } else if (type === 'ExternalName') {
    if (asArr(spec.clusterIPs).length > 0) errs.push(forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
    if (asArr(spec.ipFamilies).length > 0) errs.push(forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
    if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null) {
      errs.push(forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
    }
    const cname = asStr(spec.externalName).replace(/\.$/, '');
    if (cname.length > 0) errs.push(...dnsSubdomain(cname, 'spec.externalName'));
    else errs.push(required('spec.externalName'));
  }
  const portNames = new Set<string>();
  ports.forEach((sp, i) => {
    const p = `spec.ports[${i}]`;
    const name = asStr(sp.name);
    if (ports.length > 1 && name === '') errs.push(required(child(p, 'name')));
    else if (name !== '') {
      errs.push(...dnsLabel(name, child(p, 'name')));
      if (portNames.has(name)) errs.push(duplicate(child(p, 'name'), name));
      else portNames.add(name);
    }
    const port = asInt(sp.port);
    for (const m of isValidPortNum(port)) errs.push(invalid(child(p, 'port'), port, m));
    const proto = asStr(sp.protocol);
    if (proto === '') errs.push(required(child(p, 'protocol')));
    else if (!PROTOCOLS.includes(proto)) errs.push(notSupported(child(p, 'protocol'), proto, PROTOCOLS));
    errs.push(...validatePortNumOrName(sp.targetPort ?? 0, child(p, 'targetPort')));
    if (typeof sp.appProtocol === 'string') errs.push(...qualifiedName(sp.appProtocol, child(p, 'appProtocol')));
  });
  if (spec.selector !== undefined && spec.selector !== null) errs.push(...validateLabels(spec.selector, 'spec.selector'));
  const sa = asStr(spec.sessionAffinity);
  if (sa === '') errs.push(required('spec.sessionAffinity'));
  else if (sa !== 'ClientIP' && sa !== 'None') errs.push(notSupported('spec.sessionAffinity', sa, ['ClientIP', 'None']));
  if (sa === 'ClientIP') {
    const cfg = spec.sessionAffinityConfig;
    const p = 'spec.sessionAffinityConfig';
    if (!isObj(cfg)) errs.push(required(p, 'when session affinity type is ClientIP'));
    else if (!isObj(cfg.clientIP)) errs.push(required(child(p, 'clientIP'), 'when session affinity type is ClientIP'));
    else if (typeof cfg.clientIP.timeoutSeconds !== 'number') {
      errs.push(required(child(p, 'clientIP', 'timeoutSeconds'), 'when session affinity type is ClientIP'));
    } else {
      const t = cfg.clientIP.timeoutSeconds;
      if (t <= 0 || t > 86400) errs.push(invalid(child(p, 'clientIP', 'timeoutSeconds'), t, 'must be greater than 0 and less than 86400'));
    }
  } else if (sa === 'None' && spec.sessionAffinityConfig !== undefined && spec.sessionAffinityConfig !== null) {
    errs.push(forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None'));
  }
  errs.push(...validateClusterIPs(spec));
  asArr(spec.externalIPs).forEach((ip, i) => {
    const e = validateIP(asStr(ip), `spec.externalIPs[${i}]`);
    errs.push(...(e.length > 0 ? e : validateNonSpecialIP(asStr(ip), `spec.externalIPs[${i}]`)));
  });
  if (type === '') errs.push(required('spec.type'));
  else if (!SERVICE_TYPES.includes(type)) errs.push(notSupported('spec.type', type, SERVICE_TYPES));
  if (type === 'ClusterIP') {
    ports.forEach((sp, i) => {
      if (asInt(sp.nodePort) !== 0) errs.push(forbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'"));
    });
  }
  const nodePorts = new Set<string>();
  ports.forEach((sp, i) => {
    const np = asInt(sp.nodePort);
    if (np === 0) return;
    const k = `${asStr(sp.protocol)}/${np}`;
    if (nodePorts.has(k)) errs.push(duplicate(`spec.ports[${i}].nodePort`, np));
    nodePorts.add(k);
  });
  const seenPorts = new Set<string>();
  ports.forEach((sp, i) => {
    const k = `${asStr(sp.protocol)}/${asInt(sp.port)}`;
    if (seenPorts.has(k)) errs.push(duplicate(`spec.ports[${i}]`, goServicePortKey(asStr(sp.protocol), asInt(sp.port))));
    seenPorts.add(k);
  });
  const ranges = asArr(spec.loadBalancerSourceRanges);
  if (ranges.length > 0) {
    if (type !== 'LoadBalancer') errs.push(forbidden('spec.LoadBalancerSourceRanges', "may only be used when `type` is 'LoadBalancer'"));
    ranges.forEach((r, i) => errs.push(...validateCIDR(asStr(r).trim(), `spec.LoadBalancerSourceRanges[${i}]`)));
  }
  if (spec.allocateLoadBalancerNodePorts !== undefined && spec.allocateLoadBalancerNodePorts !== null && type !== 'LoadBalancer') {
    errs.push(forbidden('spec.allocateLoadBalancerNodePorts', "may only be used when `type` is 'LoadBalancer'"));
  }
  if (type === 'LoadBalancer' && (spec.allocateLoadBalancerNodePorts === undefined || spec.allocateLoadBalancerNodePorts === null)) {
    errs.push(required('allocateLoadBalancerNodePorts'));
  }
  if (type === 'LoadBalancer') {
    if (typeof spec.loadBalancerClass === 'string') errs.push(...qualifiedName(spec.loadBalancerClass, 'spec.loadBalancerClass'));
  } else if (spec.loadBalancerClass !== undefined && spec.loadBalancerClass !== null) {
    errs.push(forbidden('spec.loadBalancerClass', "may only be used when `type` is 'LoadBalancer'"));
  }
  const externallyAccessible = type === 'LoadBalancer' || type === 'NodePort' || (type === 'ClusterIP' && asArr(spec.externalIPs).length > 0);
  const etp = asStr(spec.externalTrafficPolicy);
  if (!externallyAccessible) {
    if (etp !== '') errs.push(invalid('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'));
  } else if (etp === '') errs.push(required('spec.externalTrafficPolicy'));
  else if (etp !== 'Cluster' && etp !== 'Local') errs.push(notSupported('spec.externalTrafficPolicy', etp, ['Cluster', 'Local']));
  const needsHealthCheck = type === 'LoadBalancer' && etp === 'Local';
  const hc = asInt(spec.healthCheckNodePort);
  if (!needsHealthCheck) {
    if (hc !== 0) {
      errs.push(invalid('spec.healthCheckNodePort', hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
    }
  }
  if (spec.internalTrafficPolicy === undefined || spec.internalTrafficPolicy === null) {
    if (type === 'NodePort' || type === 'LoadBalancer' || type === 'ClusterIP') errs.push(required('spec.internalTrafficPolicy'));
  } else if (!['Cluster', 'Local'].includes(asStr(spec.internalTrafficPolicy))) {
    errs.push(notSupported('spec.internalTrafficPolicy', asStr(spec.internalTrafficPolicy), ['Cluster', 'Local']));
  }
  if (spec.trafficDistribution !== undefined && spec.trafficDistribution !== null) {
    const td = asStr(spec.trafficDistribution);
    const ok = ['PreferClose', 'PreferSameZone', 'PreferSameNode'];
    if (!ok.includes(td)) errs.push(notSupported('spec.trafficDistribution', td, ok));
  }
  return errs;
}

function validateClusterIPs(spec: Obj): FieldError[] {
  if (spec.type === 'ExternalName') return [];
  const errs: FieldError[] = [];
  const ips = asArr(spec.clusterIPs).map(asStr);
  const clusterIP = asStr(spec.clusterIP);
  if (clusterIP.length !== 0) {
    if (ips.length === 0) errs.push(required('spec.clusterIPs'));
    else if (ips[0] !== clusterIP) errs.push(invalid('spec.clusterIPs', goStringSlice(ips), 'first value must match `clusterIP`'));
  } else if (ips.length !== 0) {
    errs.push(invalid('spec.clusterIPs', goStringSlice(ips), 'must be empty when `clusterIP` is not specified'));
  }
  const seen = new Set<string>();
  asArr(spec.ipFamilies).forEach((f, i) => {
    const fam = asStr(f);
    if (fam !== 'IPv4' && fam !== 'IPv6') errs.push(notSupported(`spec.ipFamilies[${i}]`, fam, ['IPv4', 'IPv6']));
    if (seen.has(fam)) errs.push(duplicate(`spec.ipFamilies[${i}]`, fam));
    seen.add(fam);
  });
  if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null) {
    const pol = asStr(spec.ipFamilyPolicy);
    const ok = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
    if (!ok.includes(pol)) errs.push(notSupported('spec.ipFamilyPolicy', pol, ok));
  }
  let bad = false;
  ips.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (ips.length > 1) {
        bad = true;
        errs.push(invalid('spec.clusterIPs', goStringSlice(ips), "'None' must be the first and only value"));
      }
      return;
    }
    const e = validateIP(ip, `spec.clusterIPs[${i}]`);
    if (e.length > 0) bad = true;
    errs.push(...e);
  });
  if (ips.length > 2) errs.push(invalid('spec.clusterIPs', goStringSlice(ips), 'may only hold up to 2 values'));
  if (bad) return errs;
  if (ips.length > 1) {
    const fams = ips.map((ip) => (parseIPv4(ip) ? 4 : 6));
    if (fams[0] === fams[1]) errs.push(invalid('spec.clusterIPs', goStringSlice(ips), 'may specify no more than one IP for each IP family'));
  }
  if (!isHeadless(spec)) {
    const families = asArr(spec.ipFamilies).map(asStr);
    ips.forEach((ip, i) => {
      if (i > families.length - 1) return;
      const v6 = !parseIPv4(ip);
      if (families[i] === 'IPv4' && v6) errs.push(invalid(`spec.clusterIPs[${i}]`, ip, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``));
      if (families[i] === 'IPv6' && !v6) errs.push(invalid(`spec.clusterIPs[${i}]`, ip, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``));
    });
  }
  return errs;
}

// ---------------------------------------------------------------------------------------------
// ConfigMap, Secret, ServiceAccount

function decodedLength(b64: unknown): number {
  return Buffer.from(asStr(b64), 'base64').length;
}

export function validateConfigMap(obj: Obj, old?: Obj): FieldError[] {
  const errs: FieldError[] = [];
  if (old) {
    errs.push(...validateObjectMetaUpdate(obj.metadata, old.metadata));
    if (old.immutable === true) {
      if (obj.immutable !== true) errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
      if (!semanticEqual(obj.data, old.data)) errs.push(forbidden('data', 'field is immutable when `immutable` is set'));
      if (!semanticEqual(obj.binaryData, old.binaryData)) errs.push(forbidden('binaryData', 'field is immutable when `immutable` is set'));
    }
  }
  errs.push(...validateObjectMeta(obj.metadata, nameIsDNSSubdomain, 'metadata', !old));
  let total = 0;
  const binary = asObj(obj.binaryData);
  for (const [k, v] of Object.entries(asObj(obj.data))) {
    for (const m of isConfigMapKey(k)) errs.push(invalid(key('data', k), k, m));
    if (k in binary) errs.push(invalid(key('data', k), k, 'duplicate of key present in binaryData'));
    total += byteLength(asStr(v));
  }
  for (const [k, v] of Object.entries(binary)) {
    for (const m of isConfigMapKey(k)) errs.push(invalid(key('binaryData', k), k, m));
    total += decodedLength(v);
  }
  if (total > MAX_SECRET_SIZE) errs.push(tooLong('[]', '', MAX_SECRET_SIZE));
  return errs;
}

export function validateSecret(obj: Obj, old?: Obj): FieldError[] {
  const errs: FieldError[] = [];
  if (old) {
    errs.push(...validateObjectMetaUpdate(obj.metadata, old.metadata));
    errs.push(...validateImmutableField(asStr(obj.type), asStr(old.type), 'type'));
    if (old.immutable === true) {
      if (obj.immutable !== true) errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
      if (!semanticEqual(mergedSecretData(obj), mergedSecretData(old))) errs.push(forbidden('data', 'field is immutable when `immutable` is set'));
    }
  }
  errs.push(...validateObjectMeta(obj.metadata, nameIsDNSSubdomain, 'metadata', !old));
  const data = mergedSecretData(obj);
  let total = 0;
  for (const [k, v] of Object.entries(data)) {
    for (const m of isConfigMapKey(k)) errs.push(invalid(key('data', k), k, m));
    total += v.length;
  }
  if (total > MAX_SECRET_SIZE) errs.push(tooLong('data', '', MAX_SECRET_SIZE));
  const type = asStr(obj.type);
  const ann = asObj(asObj(obj.metadata).annotations);
  const checkJSON = (k: string): void => {
    const raw = data[k];
    if (!raw) {
      errs.push(required(key('data', k)));
      return;
    }
    try {
      const v = JSON.parse(raw.toString('utf8'));
      if (!isObj(v)) throw new Error('json: cannot unmarshal into Go value of type map[string]interface {}');
    } catch (e) {
      errs.push(invalid(key('data', k), '<secret contents redacted>', e instanceof Error ? e.message : String(e)));
    }
  };
  switch (type) {
    case 'kubernetes.io/service-account-token':
      if (asStr(ann['kubernetes.io/service-account.name']) === '') {
        errs.push(required(key('metadata.annotations', 'kubernetes.io/service-account.name')));
      }
      break;
    case 'kubernetes.io/dockercfg':
      checkJSON('.dockercfg');
      break;
    case 'kubernetes.io/dockerconfigjson':
      checkJSON('.dockerconfigjson');
      break;
    case 'kubernetes.io/basic-auth':
      if (!('username' in data) && !('password' in data)) {
        errs.push(required(key('data', 'username')));
        errs.push(required(key('data', 'password')));
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if ((data['ssh-privatekey']?.length ?? 0) === 0) errs.push(required(key('data', 'ssh-privatekey')));
      break;
    case 'kubernetes.io/tls':
      if (!('tls.crt' in data)) errs.push(required(key('data', 'tls.crt')));
      if (!('tls.key' in data)) errs.push(required(key('data', 'tls.key')));
      break;
    default:
      break;
  }
  return errs;
}

/** data (base64) with stringData merged over it, as the v1 conversion does. */
function mergedSecretData(obj: Obj): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(asObj(obj.data))) out[k] = Buffer.from(asStr(v), 'base64');
  for (const [k, v] of Object.entries(asObj(obj.stringData))) out[k] = Buffer.from(asStr(v), 'utf8');
  return out;
}

export function validateServiceAccount(obj: Obj, old?: Obj): FieldError[] {
  const errs = old ? validateObjectMetaUpdate(obj.metadata, old.metadata) : [];
  errs.push(...validateObjectMeta(obj.metadata, nameIsDNSSubdomain, 'metadata', !old));
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Namespace, Node

export function validateNamespace(obj: Obj, old?: Obj): FieldError[] {
  if (old) return validateObjectMetaUpdate(obj.metadata, old.metadata);
  const errs = validateObjectMeta(obj.metadata, nameIsDNSLabel);
  for (const f of asArr(asObj(obj.spec).finalizers)) {
    errs.push(...validateFinalizerName(asStr(f), 'spec.finalizers'));
    errs.push(...validateKubeFinalizerName(asStr(f), 'spec.finalizers'));
  }
  return errs;
}

function validateTaints(taints: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const unique = new Map<string, Set<string>>();
  asArr(taints).forEach((raw, i) => {
    const t = asObj(raw);
    const p = index(field, i);
    const k = asStr(t.key);
    const effect = asStr(t.effect);
    errs.push(...validateLabelName(k, child(p, 'key')));
    const msgs = isValidLabelValue(asStr(t.value));
    if (msgs.length > 0) errs.push(invalid(child(p, 'value'), asStr(t.value), msgs.join(';')));
    if (effect === '') errs.push(required(child(p, 'effect')));
    else if (!['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(effect)) {
      errs.push(notSupported(child(p, 'effect'), effect, ['NoSchedule', 'PreferNoSchedule', 'NoExecute']));
    }
    const set = unique.get(effect) ?? new Set<string>();
    if (set.has(k)) {
      errs.push({
        ...duplicate(p, new GoValue(`core.Taint{Key:${goQuote(k)}, Value:${goQuote(asStr(t.value))}, Effect:${goQuote(effect)}, TimeAdded:(*v1.Time)(nil)}`)),
        detail: 'taints must be unique by key and effect pair',
      });
      return;
    }
    set.add(k);
    unique.set(effect, set);
  });
  return errs;
}

function validateNodeResources(obj: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const status = asObj(obj.status);
  for (const listName of ['capacity', 'allocatable']) {
    for (const [k, v] of Object.entries(asObj(status[listName]))) {
      const p = `status.${listName}.${k}`;
      const { q, errs: qe } = quantityAt(v, p);
      errs.push(...qe);
      if (q) errs.push(...validateResourceQuantityValue(k, q, p));
    }
  }
  return errs;
}

export function validateNode(obj: Obj, old?: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const spec = asObj(obj.spec);
  if (old) {
    errs.push(...validateObjectMetaUpdate(obj.metadata, old.metadata));
    errs.push(...validateNodeResources(obj));
    const oldSpec = asObj(old.spec);
    const oldCIDRs = asArr(oldSpec.podCIDRs).map(asStr);
    const newCIDRs = asArr(spec.podCIDRs).map(asStr);
    if (oldCIDRs.length > 0) {
      const msg = 'node updates may not change podCIDR except from "" to valid';
      if (oldCIDRs.length !== newCIDRs.length) errs.push(forbidden('spec.podCIDRs', msg));
      else oldCIDRs.forEach((c, i) => c !== newCIDRs[i] && errs.push(forbidden('spec.podCIDRs', msg)));
    }
    if (asStr(oldSpec.providerID) !== '' && oldSpec.providerID !== spec.providerID) {
      errs.push(forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
    }
    if (asArr(spec.taints).length > 0) errs.push(...validateTaints(spec.taints, 'metadata.taints'));
    if (asStr(spec.externalID) !== asStr(oldSpec.externalID)) errs.push(forbidden('spec.externalID', 'may not be updated'));
    return errs;
  }
  errs.push(...validateObjectMeta(obj.metadata, nameIsDNSSubdomain));
  if (asArr(spec.taints).length > 0) errs.push(...validateTaints(spec.taints, 'metadata.taints'));
  errs.push(...validateNodeResources(obj));
  const cidrs = asArr(spec.podCIDRs).map(asStr);
  cidrs.forEach((c, i) => errs.push(...validateCIDR(c, `spec.podCIDRs[${i}]`)));
  if (cidrs.length > 1) {
    const fams = cidrs.map((c) => (parseIPv4(c.split('/')[0] ?? '') ? 4 : 6));
    if (cidrs.length > 2 || fams[0] === fams[1]) {
      errs.push(invalid('spec.podCIDRs', goStringSlice(cidrs), 'may specify no more than one CIDR for each IP family'));
    }
    const seen = new Set<string>();
    cidrs.forEach((c, i) => {
      if (seen.has(c)) errs.push(duplicate(`spec.podCIDRs[${i}]`, c));
      seen.add(c);
    });
  }
  return errs;
}

// ---------------------------------------------------------------------------------------------
// PersistentVolume, PersistentVolumeClaim

const PV_SOURCES = [
  'hostPath',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'glusterfs',
  'flocker',
  'nfs',
  'rbd',
  'quobyte',
  'cephfs',
  'iscsi',
  'cinder',
  'fc',
  'flexVolume',
  'azureFile',
  'vsphereVolume',
  'photonPersistentDisk',
  'portworxVolume',
  'azureDisk',
  'scaleIO',
  'local',
  'storageos',
  'csi',
];

export function validatePersistentVolume(obj: Obj, old?: Obj): FieldError[] {
  const errs = validateObjectMeta(obj.metadata, nameIsDNSSubdomain, 'metadata', !old);
  const spec = asObj(obj.spec);
  const modes = asArr(spec.accessModes).map(asStr);
  const supported = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
  if (modes.length === 0) errs.push(required('spec.accessModes'));
  let rwop = false;
  let other = false;
  for (const m of modes) {
    if (!supported.includes(m)) errs.push(notSupported('spec.accessModes', m, supported));
    if (m === 'ReadWriteOncePod') rwop = true;
    else if (supported.includes(m)) other = true;
  }
  if (rwop && other) errs.push(forbidden('spec.accessModes', 'may not use ReadWriteOncePod with other access modes'));
  const capacity = asObj(spec.capacity);
  if (Object.keys(capacity).length === 0) errs.push(required('spec.capacity'));
  if (!('storage' in capacity) || Object.keys(capacity).length > 1) {
    errs.push(notSupported('spec.capacity', capacity, ['storage']));
  }
  for (const [k, v] of Object.entries(capacity)) {
    const p = key('spec.capacity', k);
    const { q, errs: qe } = quantityAt(v, p);
    errs.push(...qe);
    if (q && q.sign() <= 0) errs.push(invalid(p, q.toString(), NOT_POSITIVE));
  }
  const rp = asStr(spec.persistentVolumeReclaimPolicy);
  if (rp.length > 0 && !['Delete', 'Recycle', 'Retain'].includes(rp)) {
    errs.push(notSupported('spec.persistentVolumeReclaimPolicy', rp, ['Delete', 'Recycle', 'Retain']));
  }
  let n = 0;
  for (const src of PV_SOURCES) {
    if (spec[src] === undefined || spec[src] === null) continue;
    if (n > 0 && src !== 'flexVolume') {
      errs.push(forbidden(`spec.${src === 'cephfs' ? 'cephFS' : src}`, 'may not specify more than 1 volume type'));
      continue;
    }
    n++;
    const s = asObj(spec[src]);
    if (src === 'hostPath') {
      if (asStr(s.path) === '') errs.push(required('spec.hostPath.path'));
      else errs.push(...validatePathNoBacksteps(asStr(s.path), 'spec.hostPath.path'));
    } else if (src === 'nfs') {
      if (asStr(s.server) === '') errs.push(required('spec.nfs.server'));
      if (asStr(s.path) === '') errs.push(required('spec.nfs.path'));
      if (!isAbsPath(asStr(s.path))) errs.push(invalid('spec.nfs.path', asStr(s.path), 'must be an absolute path'));
    } else if (src === 'local') {
      if (asStr(s.path) === '') errs.push(required('spec.local.path'));
      if (!isObj(spec.nodeAffinity)) errs.push(required('spec.nodeAffinity', 'Local volume requires node affinity'));
    } else if (src === 'csi') {
      if (asStr(s.driver) === '') errs.push(required('spec.csi.driver'));
      if (asStr(s.volumeHandle) === '') errs.push(required('spec.csi.volumeHandle'));
    }
  }
  if (n === 0) errs.push(required('spec', 'must specify a volume type'));
  if (asStr(spec.storageClassName).length > 0) errs.push(...dnsSubdomain(asStr(spec.storageClassName), 'spec.storageClassName'));
  if (spec.volumeMode !== undefined && spec.volumeMode !== null && !['Block', 'Filesystem'].includes(asStr(spec.volumeMode))) {
    errs.push(notSupported('spec.volumeMode', asStr(spec.volumeMode), ['Block', 'Filesystem']));
  }
  if (old) {
    errs.unshift(...validateObjectMetaUpdate(obj.metadata, old.metadata));
    const oldSpec = asObj(old.spec);
    const source = (x: Obj): Obj => Object.fromEntries(PV_SOURCES.filter((k) => x[k] !== undefined).map((k) => [k, x[k]]));
    if (!semanticEqual(source(spec), source(oldSpec))) {
      errs.push(forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation\n'));
    }
    errs.push(...validateImmutableField(spec.volumeMode, oldSpec.volumeMode, 'volumeMode'));
    if (isObj(oldSpec.nodeAffinity) && !semanticEqual(spec.nodeAffinity, oldSpec.nodeAffinity)) {
      errs.push(invalid('nodeAffinity', spec.nodeAffinity ?? null, `${FIELD_IMMUTABLE}, except for updating from beta label to GA`));
    }
  }
  return errs;
}

export function validatePersistentVolumeClaim(obj: Obj, old?: Obj): FieldError[] {
  const errs: FieldError[] = [];
  if (old) errs.push(...validateObjectMetaUpdate(obj.metadata, old.metadata));
  errs.push(...validateObjectMeta(obj.metadata, nameIsDNSSubdomain, 'metadata', !old));
  errs.push(...validatePVCSpec(obj.spec, 'spec'));
  if (!old) return errs;
  const spec: Obj = structuredClone(asObj(obj.spec));
  const oldSpec: Obj = structuredClone(asObj(old.spec));
  if (asStr(oldSpec.volumeName) === '') oldSpec.volumeName = spec.volumeName;
  const bound = asStr(asObj(obj.status).phase) === 'Bound';
  const newReq = asObj(asObj(spec.resources).requests);
  const oldReq = asObj(asObj(oldSpec.resources).requests);
  if (bound && isObj(asObj(spec.resources).requests)) newReq.storage = oldReq.storage;
  if (bound && spec.volumeAttributesClassName !== undefined) spec.volumeAttributesClassName = oldSpec.volumeAttributesClassName;
  if (spec.storageClassName !== undefined && oldSpec.storageClassName === undefined) {
    const beta = asStr(asObj(asObj(old.metadata).annotations)['volume.beta.kubernetes.io/storage-class']);
    if (beta === '' || beta === spec.storageClassName) oldSpec.storageClassName = spec.storageClassName;
  }
  if (!semanticEqual(spec, oldSpec)) {
    errs.push(
      forbidden(
        'spec',
        `spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n${specDiff(oldSpec, spec, 'core.PersistentVolumeClaimSpec')}`,
      ),
    );
  }
  const nq = quantityAt(asObj(asObj(asObj(obj.spec).resources).requests).storage ?? '0', 'x').q;
  const oq = quantityAt(asObj(asObj(asObj(old.spec).resources).requests).storage ?? '0', 'x').q;
  if (nq && oq && nq.cmp(oq) < 0) {
    const cap = quantityAt(asObj(asObj(old.status).capacity).storage ?? '0', 'x').q;
    if (cap && nq.cmp(cap) <= 0) errs.push(forbidden('spec.resources.requests.storage', 'field can not be less than status.capacity'));
  }
  errs.push(...validateImmutableField(asObj(obj.spec).volumeMode, asObj(old.spec).volumeMode, 'volumeMode'));
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Endpoints

export function validateEndpoints(obj: Obj, old?: Obj): FieldError[] {
  const errs = old ? validateObjectMetaUpdate(obj.metadata, old.metadata) : [];
  errs.push(...validateObjectMeta(obj.metadata, nameIsDNSSubdomain, 'metadata', !old));
  asArr(obj.subsets).forEach((raw, i) => {
    const ss = asObj(raw);
    const p = `subsets[${i}]`;
    if (asArr(ss.addresses).length === 0 && asArr(ss.notReadyAddresses).length === 0) {
      errs.push(required(p, 'must specify `addresses` or `notReadyAddresses`'));
    }
    for (const list of ['addresses', 'notReadyAddresses']) {
      asArr(ss[list]).forEach((a, j) => {
        const addr = asObj(a);
        const ap = `${p}.${list}[${j}]`;
        const ip = asStr(addr.ip);
        errs.push(...validateIP(ip, `${ap}.ip`));
        if (asStr(addr.hostname).length > 0) errs.push(...dnsLabel(asStr(addr.hostname), `${ap}.hostname`));
        if (typeof addr.nodeName === 'string') errs.push(...dnsSubdomain(addr.nodeName, `${ap}.nodeName`));
        errs.push(...validateNonSpecialIP(ip, `${ap}.ip`));
      });
    }
    const ports = asArr(ss.ports);
    ports.forEach((raw2, j) => {
      const port = asObj(raw2);
      const pp = `${p}.ports[${j}]`;
      const name = asStr(port.name);
      if (ports.length > 1 && name === '') errs.push(required(`${pp}.name`));
      else if (name !== '') errs.push(...dnsLabel(name, `${pp}.name`));
      for (const m of isValidPortNum(asInt(port.port))) errs.push(invalid(`${pp}.port`, asInt(port.port), m));
      const proto = asStr(port.protocol);
      if (proto === '') errs.push(required(`${pp}.protocol`));
      else if (!PROTOCOLS.includes(proto)) errs.push(notSupported(`${pp}.protocol`, proto, PROTOCOLS));
      if (typeof port.appProtocol === 'string') errs.push(...qualifiedName(port.appProtocol, `${pp}.appProtocol`));
    });
  });
  return errs;
}

// ---------------------------------------------------------------------------------------------
// LimitRange, ResourceQuota

const STANDARD_LIMIT_TYPES = new Set(['Pod', 'Container', 'PersistentVolumeClaim']);

export function validateLimitRange(obj: Obj, old?: Obj): FieldError[] {
  const errs = old ? validateObjectMetaUpdate(obj.metadata, old.metadata) : [];
  errs.push(...validateObjectMeta(obj.metadata, nameIsDNSSubdomain, 'metadata', !old));
  const types = new Set<string>();
  asArr(asObj(obj.spec).limits).forEach((raw, i) => {
    const limit = asObj(raw);
    const p = `spec.limits[${i}]`;
    const type = asStr(limit.type);
    const typeErrs = qualifiedName(type, `${p}.type`);
    errs.push(...typeErrs);
    if (typeErrs.length === 0 && !type.includes('/') && !STANDARD_LIMIT_TYPES.has(type)) {
      errs.push(invalid(`${p}.type`, type, 'must be a standard limit type or fully qualified'));
    }
    if (types.has(type)) errs.push(duplicate(`${p}.type`, type));
    types.add(type);
    const resName = (name: string, fp: string): FieldError[] =>
      type === 'Pod' || type === 'Container' ? validateContainerResourceName(name, fp) : validateResourceName(name, fp);
    const read = (listName: string): Map<string, Quantity> => {
      const out = new Map<string, Quantity>();
      for (const [k, v] of Object.entries(asObj(limit[listName]))) {
        const fp = key(`${p}.${listName}`, k);
        errs.push(...resName(k, fp));
        const { q, errs: qe } = quantityAt(v, fp);
        errs.push(...qe);
        if (q) out.set(k, q);
      }
      return out;
    };
    const max = read('max');
    const min = read('min');
    let defaults = new Map<string, Quantity>();
    let defaultRequests = new Map<string, Quantity>();
    if (type === 'Pod') {
      if (Object.keys(asObj(limit.default)).length > 0) errs.push(forbidden(`${p}.default`, "may not be specified when `type` is 'Pod'"));
      if (Object.keys(asObj(limit.defaultRequest)).length > 0) {
        errs.push(forbidden(`${p}.defaultRequest`, "may not be specified when `type` is 'Pod'"));
      }
    } else {
      defaults = read('default');
      defaultRequests = read('defaultRequest');
    }
    if (type === 'PersistentVolumeClaim' && !min.has('storage') && !max.has('storage')) {
      errs.push(required(`${p}.limits`, 'either minimum or maximum storage value is required, but neither was provided'));
    }
    const ratios = read('maxLimitRequestRatio');
    const keys = new Set([...max.keys(), ...min.keys(), ...defaults.keys(), ...defaultRequests.keys(), ...ratios.keys()]);
    for (const k of keys) {
      const mn = min.get(k);
      const mx = max.get(k);
      const df = defaults.get(k);
      const dr = defaultRequests.get(k);
      const ratio = ratios.get(k);
      const S = (q: Quantity): string => q.toString();
      const G = (q: Quantity): Quantity => q;
      if (mn && mx && mn.cmp(mx) > 0) errs.push(invalid(key(`${p}.min`, k), G(mn), `min value ${S(mn)} is greater than max value ${S(mx)}`));
      if (dr && mn && mn.cmp(dr) > 0) {
        errs.push(invalid(key(`${p}.defaultRequest`, k), G(dr), `min value ${S(mn)} is greater than default request value ${S(dr)}`));
      }
      if (dr && mx && dr.cmp(mx) > 0) {
        errs.push(invalid(key(`${p}.defaultRequest`, k), G(dr), `default request value ${S(dr)} is greater than max value ${S(mx)}`));
      }
      if (dr && df && dr.cmp(df) > 0) {
        errs.push(invalid(key(`${p}.defaultRequest`, k), G(dr), `default request value ${S(dr)} is greater than default limit value ${S(df)}`));
      }
      if (df && mn && mn.cmp(df) > 0) errs.push(invalid(key(`${p}.default`, k), G(mn), `min value ${S(mn)} is greater than default value ${S(df)}`));
      if (df && mx && df.cmp(mx) > 0) errs.push(invalid(key(`${p}.default`, k), G(mx), `default value ${S(df)} is greater than max value ${S(mx)}`));
      if (ratio && ratio.cmp(Quantity.fromInt(1)) < 0) {
        errs.push(invalid(key(`${p}.maxLimitRequestRatio`, k), G(ratio), `ratio ${S(ratio)} is less than 1`));
      }
      if (ratio && mn && mx) {
        const limit2 = mx.toNumber() / mn.toNumber();
        if (ratio.toNumber() > limit2) {
          errs.push(invalid(key(`${p}.maxLimitRequestRatio`, k), G(ratio), `ratio ${S(ratio)} is greater than max/min = ${limit2.toFixed(6)}`));
        }
      }
      if (!isOvercommitAllowed(k) && df && dr && df.cmp(dr) !== 0) {
        errs.push(invalid(key(`${p}.defaultRequest`, k), G(dr), `default value ${S(df)} must equal to defaultRequest value ${S(dr)} in ${k}`));
      }
    }
  });
  return errs;
}

const QUOTA_SCOPES = ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity', 'VolumeAttributesClass'];

function validateQuotaResourceName(name: string, field: string): FieldError[] {
  const errs = validateResourceName(name, field);
  if (!name.includes('/') && !STANDARD_QUOTA_RESOURCES.has(name) && !name.startsWith('requests.hugepages-') && !name.startsWith('count/')) {
    errs.push(invalid(field, name, 'must be a standard resource for quota'));
  }
  return errs;
}

export function validateResourceQuota(obj: Obj, old?: Obj): FieldError[] {
  const errs = old ? validateObjectMetaUpdate(obj.metadata, old.metadata) : [];
  errs.push(...validateObjectMeta(obj.metadata, nameIsDNSSubdomain, 'metadata', !old));
  const spec = asObj(obj.spec);
  for (const [k, v] of Object.entries(asObj(spec.hard))) {
    const p = key('spec.hard', k);
    errs.push(...validateQuotaResourceName(k, p));
    const { q, errs: qe } = quantityAt(v, p);
    errs.push(...qe);
    if (q) errs.push(...validateResourceQuantityValue(k, q, p));
  }
  const scopes = asArr(spec.scopes).map(asStr);
  for (const s of scopes) {
    if (!QUOTA_SCOPES.includes(s)) errs.push(invalid('spec.scopes', goStringSlice(scopes, 'core.ResourceQuotaScope'), 'unsupported scope'));
  }
  const has = (a: string, b: string): boolean => scopes.includes(a) && scopes.includes(b);
  if (has('BestEffort', 'NotBestEffort') || has('Terminating', 'NotTerminating')) {
    errs.push(invalid('spec.scopes', goStringSlice(scopes, 'core.ResourceQuotaScope'), 'conflicting scopes'));
  }
  asArr(asObj(spec.scopeSelector).matchExpressions).forEach((raw) => {
    const req = asObj(raw);
    const p = 'spec.scopeSelector.matchExpressions';
    const scope = asStr(req.scopeName);
    const op = asStr(req.operator);
    if (!QUOTA_SCOPES.includes(scope)) errs.push(invalid(`${p}.scopeName`, scope, 'unsupported scope'));
    if (['BestEffort', 'NotBestEffort', 'Terminating', 'NotTerminating', 'CrossNamespacePodAffinity'].includes(scope) && op !== 'Exists') {
      errs.push(
        invalid(
          `${p}.operator`,
          op,
          "must be 'Exists' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity",
        ),
      );
    }
    const values = asArr(req.values);
    if (op === 'In' || op === 'NotIn') {
      if (values.length === 0) errs.push(required(`${p}.values`, "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"));
    } else if (op === 'Exists' || op === 'DoesNotExist') {
      if (values.length !== 0) {
        errs.push(invalid(`${p}.values`, goStringSlice(values), "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"));
      }
    } else errs.push(invalid(`${p}.operator`, op, 'not a valid selector operator'));
  });
  if (old) {
    const a = new Set(scopes);
    const b = new Set(asArr(asObj(old.spec).scopes).map(asStr));
    if (a.size !== b.size || [...a].some((s) => !b.has(s))) {
      errs.push(invalid('spec.scopes', goStringSlice(scopes, 'core.ResourceQuotaScope'), FIELD_IMMUTABLE));
    }
  }
  return errs;
}

export { validateSecurityContext, compileSelector, selectorMatches };
