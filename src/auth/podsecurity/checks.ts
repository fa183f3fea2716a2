// The Pod Security Standards checks, after k8s.io/pod-security-admission/policy (Kubernetes
// 1.35): each check has an ID, a level, and revisions that apply from a minimum policy version;
// restricted revisions may override baseline checks they tighten. Reasons and details are
// upstream's words, with upstream's ordering (containers in spec order unless upstream keeps
// a sorted set, values in Go's sorted-set order).

import type { Obj } from '../../apiserver/rest.ts';
import { goQuote } from '../../api/validation/errors.ts';

export interface Violation {
  reason: string;
  detail: string;
}

type CheckFn = (meta: Obj, spec: Obj) => Violation | undefined;

interface VersionedCheck {
  /** First policy minor version (1.N) the revision applies to. */
  min: number;
  fn: CheckFn;
  /** Baseline check IDs this restricted revision replaces. */
  overrides?: readonly string[];
}

interface Check {
  id: string;
  level: 'baseline' | 'restricted';
  versions: readonly VersionedCheck[];
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Go's string order is byte order of UTF-8, which is code point order. */
export function goCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** sets.String.List(): unique, sorted. */
function sortedSet(items: Iterable<string>): string[] {
  return [...new Set(items)].sort(goCompare);
}

/** Upstream's joinQuote wraps each item in quotes without escaping (unlike %q). */
function joinQuote(items: readonly string[]): string {
  return items.map((s) => `"${s}"`).join(', ');
}

function pluralize(singular: string, plural: string, n: number): string {
  return n === 1 ? singular : plural;
}

function isSet(v: unknown): boolean {
  return v !== undefined && v !== null;
}

function obj(v: unknown): Obj | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Init containers, then containers, then ephemeral containers, as upstream's visitContainers. */
function containers(spec: Obj): Obj[] {
  const out: Obj[] = [];
  for (const f of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const c of list(spec[f])) out.push(obj(c) ?? {});
  }
  return out;
}

function cname(c: Obj): string {
  return str(c.name);
}

function sc(c: Obj): Obj | undefined {
  return obj(c.securityContext);
}

function podSC(spec: Obj): Obj | undefined {
  return obj(spec.securityContext);
}

function isWindowsPod(spec: Obj): boolean {
  return obj(spec.os)?.name === 'windows';
}

function inUserNamespace(spec: Obj): boolean {
  return spec.hostUsers === false;
}

function containersPhrase(names: readonly string[]): string {
  return `${pluralize('container', 'containers', names.length)} ${joinQuote(names)}`;
}

// ---------------------------------------------------------------------------------------------
// Baseline

function hostNamespaces_1_0(_m: Obj, spec: Obj): Violation | undefined {
  const used: string[] = [];
  if (spec.hostNetwork === true) used.push('hostNetwork');
  if (spec.hostPID === true) used.push('hostPID');
  if (spec.hostIPC === true) used.push('hostIPC');
  if (used.length === 0) return undefined;
  return { reason: 'host namespaces', detail: sortedSet(used).join(', ') };
}

function privileged_1_0(_m: Obj, spec: Obj): Violation | undefined {
  const bad = containers(spec)
    .filter((c) => sc(c)?.privileged === true)
    .map(cname);
  if (bad.length === 0) return undefined;
  return { reason: 'privileged', detail: `${containersPhrase(bad)} must not set securityContext.privileged=true` };
}

const CAPABILITIES_ALLOWED_1_0 = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);

function capabilitiesBaseline_1_0(_m: Obj, spec: Obj): Violation | undefined {
  const bad: string[] = [];
  const caps: string[] = [];
  for (const c of containers(spec)) {
    const capabilities = obj(sc(c)?.capabilities);
    if (!capabilities) continue;
    let valid = true;
    for (const cap of list(capabilities.add)) {
      if (!CAPABILITIES_ALLOWED_1_0.has(str(cap))) {
        valid = false;
        caps.push(str(cap));
      }
    }
    if (!valid) bad.push(cname(c));
  }
  if (bad.length === 0) return undefined;
  return {
    reason: 'non-default capabilities',
    detail: `${containersPhrase(bad)} must not include ${joinQuote(sortedSet(caps))} in securityContext.capabilities.add`,
  };
}

function hostPathVolumes_1_0(_m: Obj, spec: Obj): Violation | undefined {
  const bad = list(spec.volumes)
    .map((v) => obj(v) ?? {})
    .filter((v) => isSet(v.hostPath))
    .map((v) => str(v.name));
  if (bad.length === 0) return undefined;
  return { reason: 'hostPath volumes', detail: `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)}` };
}

function hostPorts_1_0(_m: Obj, spec: Obj): Violation | undefined {
  const bad: string[] = [];
  const ports: string[] = [];
  for (const c of containers(spec)) {
    let valid = true;
    for (const p of list(c.ports)) {
      const hp = obj(p)?.hostPort;
      if (isSet(hp) && hp !== 0) {
        valid = false;
        ports.push(str(hp));
      }
    }
    if (!valid) bad.push(cname(c));
  }
  if (bad.length === 0) return undefined;
  const portList = sortedSet(ports);
  return {
    reason: 'hostPort',
    detail:
      `${containersPhrase(bad)} ${pluralize('uses', 'use', bad.length)} ` +
      `${pluralize('hostPort', 'hostPorts', portList.length)} ${portList.join(', ')}`,
  };
}

const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

function allowedAppArmorAnnotation(v: string): boolean {
  return v === '' || v === 'runtime/default' || v.startsWith('localhost/');
}

function allowedAppArmorType(t: string): boolean {
  return t === 'RuntimeDefault' || t === 'Localhost';
}

// Upstream added the field channel to its 1.0 revision, so it applies at every policy version.
function appArmorProfile_1_0(meta: Obj, spec: Obj): Violation | undefined {
  const setters: string[] = [];
  const values: string[] = [];
  const podProfile = obj(podSC(spec)?.appArmorProfile);
  if (podProfile && !allowedAppArmorType(str(podProfile.type))) {
    setters.push('pod');
    values.push(str(podProfile.type));
  }
  const bad: string[] = [];
  for (const c of containers(spec)) {
    const p = obj(sc(c)?.appArmorProfile);
    if (p && !allowedAppArmorType(str(p.type))) {
      bad.push(cname(c));
      values.push(str(p.type));
    }
  }
  if (bad.length > 0) setters.push(containersPhrase(bad));
  const badValues = sortedSet(values);
  const annotations = obj(meta.annotations) ?? {};
  const forbidden: string[] = [];
  for (const [k, v] of Object.entries(annotations)) {
    if (k.startsWith(APPARMOR_ANNOTATION_PREFIX) && !allowedAppArmorAnnotation(str(v))) {
      forbidden.push(`${k}=${goQuote(str(v))}`);
    }
  }
  if (forbidden.length > 0) {
    forbidden.sort(goCompare);
    badValues.push(...forbidden);
    setters.push(pluralize('annotation', 'annotations', forbidden.length));
  }
  if (setters.length === 0) return undefined;
  return {
    reason: pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', badValues.length),
    detail: `${setters.join(' and ')} must not set AppArmor profile type to ${joinQuote(badValues)}`,
  };
}

const SELINUX_TYPES_1_0 = ['', 'container_t', 'container_init_t', 'container_kvm_t'];
const SELINUX_TYPES_1_31 = [...SELINUX_TYPES_1_0, 'container_engine_t'];

function seLinuxOptions(allowedTypes: readonly string[]): CheckFn {
  const allowed = new Set(allowedTypes);
  return (_m, spec) => {
    const setters: string[] = [];
    const badTypes: string[] = [];
    let setUser = false;
    let setRole = false;
    const valid = (o: Obj): boolean => {
      let ok = true;
      const t = str(o.type);
      if (!allowed.has(t)) {
        ok = false;
        badTypes.push(t);
      }
      if (str(o.user).length > 0) {
        ok = false;
        setUser = true;
      }
      if (str(o.role).length > 0) {
        ok = false;
        setRole = true;
      }
      return ok;
    };
    const podOpts = obj(podSC(spec)?.seLinuxOptions);
    if (podOpts && !valid(podOpts)) setters.push('pod');
    const bad: string[] = [];
    for (const c of containers(spec)) {
      const o = obj(sc(c)?.seLinuxOptions);
      if (o && !valid(o)) bad.push(cname(c));
    }
    if (bad.length > 0) setters.push(containersPhrase(bad));
    if (setters.length === 0) return undefined;
    const data: string[] = [];
    const types = sortedSet(badTypes);
    if (types.length > 0) data.push(`${pluralize('type', 'types', types.length)} ${joinQuote(types)}`);
    if (setUser) data.push('user may not be set');
    if (setRole) data.push('role may not be set');
    return {
      reason: 'seLinuxOptions',
      detail: `${setters.join(' and ')} set forbidden securityContext.seLinuxOptions: ${data.join('; ')}`,
    };
  };
}

function procMount_1_0(_m: Obj, spec: Obj): Violation | undefined {
  const bad: string[] = [];
  const types: string[] = [];
  for (const c of containers(spec)) {
    const pm = sc(c)?.procMount;
    if (isSet(pm) && pm !== 'Default') {
      bad.push(cname(c));
      types.push(str(pm));
    }
  }
  if (bad.length === 0) return undefined;
  return {
    reason: 'procMount',
    detail: `${containersPhrase(bad)} must not set securityContext.procMount to ${joinQuote(sortedSet(types))}`,
  };
}

// From 1.35 a pod in its own user namespace may unmask /proc under baseline (KEP-127).
function procMount_1_35_baseline(meta: Obj, spec: Obj): Violation | undefined {
  if (inUserNamespace(spec)) return undefined;
  return procMount_1_0(meta, spec);
}

const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';

function validSeccompAnnotation(v: string): boolean {
  return v === 'runtime/default' || v === 'docker/default' || v.startsWith('localhost/');
}

function validSeccompType(t: string): boolean {
  return t === 'RuntimeDefault' || t === 'Localhost';
}

// Policy versions before 1.19 predate the seccompProfile field and read the alpha annotations.
function seccompProfileBaseline_1_0(meta: Obj, spec: Obj): Violation | undefined {
  const annotations = obj(meta.annotations) ?? {};
  const has = (k: string): boolean => Object.prototype.hasOwnProperty.call(annotations, k);
  const forbidden: string[] = [];
  if (has(SECCOMP_POD_ANNOTATION)) {
    const v = str(annotations[SECCOMP_POD_ANNOTATION]);
    if (!validSeccompAnnotation(v)) forbidden.push(`${SECCOMP_POD_ANNOTATION}=${goQuote(v)}`);
  }
  for (const c of containers(spec)) {
    const k = SECCOMP_CONTAINER_ANNOTATION_PREFIX + cname(c);
    if (!has(k)) continue;
    const v = str(annotations[k]);
    if (!validSeccompAnnotation(v)) forbidden.push(`${k}=${goQuote(v)}`);
  }
  if (forbidden.length === 0) return undefined;
  const items = sortedSet(forbidden);
  return {
    reason: 'seccompProfile',
    detail: `forbidden ${pluralize('annotation', 'annotations', items.length)} ${items.join(', ')}`,
  };
}

/** Pod and containers that explicitly set a bad seccompProfile.type; `podValid` says whether the pod set a good one. */
function explicitSeccomp(spec: Obj): { violation?: Violation; podValid: boolean; implicit: string[] } {
  const setters: string[] = [];
  const values: string[] = [];
  let podValid = false;
  const podProfile = obj(podSC(spec)?.seccompProfile);
  if (podProfile) {
    if (!validSeccompType(str(podProfile.type))) {
      setters.push('pod');
      values.push(str(podProfile.type));
    } else {
      podValid = true;
    }
  }
  const bad: string[] = [];
  const implicit: string[] = [];
  for (const c of containers(spec)) {
    const p = obj(sc(c)?.seccompProfile);
    if (p) {
      if (!validSeccompType(str(p.type))) {
        bad.push(cname(c));
        values.push(str(p.type));
      }
    } else if (!podValid) {
      implicit.push(cname(c));
    }
  }
  if (bad.length > 0) setters.push(containersPhrase(bad));
  if (setters.length === 0) return { podValid, implicit };
  return {
    podValid,
    implicit,
    violation: {
      reason: 'seccompProfile',
      detail: `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(values))}`,
    },
  };
}

function seccompProfileBaseline_1_19(_m: Obj, spec: Obj): Violation | undefined {
  return explicitSeccomp(spec).violation;
}

const SYSCTLS_1_0 = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
];
const SYSCTLS_1_27 = [...SYSCTLS_1_0, 'net.ipv4.ip_local_reserved_ports'];
const SYSCTLS_1_29 = [
  ...SYSCTLS_1_27,
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
];
const SYSCTLS_1_32 = [...SYSCTLS_1_29, 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'];

function sysctls(allowedNames: readonly string[]): CheckFn {
  const allowed = new Set(allowedNames);
  return (_m, spec) => {
    const forbidden: string[] = [];
    for (const s of list(podSC(spec)?.sysctls)) {
      const name = str(obj(s)?.name);
      if (!allowed.has(name)) forbidden.push(name);
    }
    if (forbidden.length === 0) return undefined;
    return { reason: 'forbidden sysctls', detail: forbidden.join(', ') };
  };
}

function windowsHostProcess_1_0(_m: Obj, spec: Obj): Violation | undefined {
  const bad = containers(spec)
    .filter((c) => obj(sc(c)?.windowsOptions)?.hostProcess === true)
    .map(cname);
  const setters: string[] = [];
  if (obj(podSC(spec)?.windowsOptions)?.hostProcess === true) setters.push('pod');
  if (bad.length > 0) setters.push(containersPhrase(bad));
  if (setters.length === 0) return undefined;
  return {
    reason: 'hostProcess',
    detail: `${setters.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true`,
  };
}

function handlerHosts(h: unknown): string[] {
  const o = obj(h);
  if (!o) return [];
  const hosts: string[] = [];
  const httpHost = str(obj(o.httpGet)?.host);
  if (obj(o.httpGet) && httpHost !== '') hosts.push(httpHost);
  const tcpHost = str(obj(o.tcpSocket)?.host);
  if (obj(o.tcpSocket) && tcpHost !== '') hosts.push(tcpHost);
  return hosts;
}

function hostProbesAndHostLifecycle_1_34(_m: Obj, spec: Obj): Violation | undefined {
  const bad: string[] = [];
  const hosts: string[] = [];
  for (const c of containers(spec)) {
    const lifecycle = obj(c.lifecycle);
    const handlers = [c.livenessProbe, c.readinessProbe, c.startupProbe, lifecycle?.postStart, lifecycle?.preStop];
    for (const h of handlers) {
      const found = handlerHosts(h);
      if (found.length > 0) {
        bad.push(cname(c));
        hosts.push(...found);
      }
    }
  }
  if (bad.length === 0) return undefined;
  const names = sortedSet(bad);
  const hostList = sortedSet(hosts);
  return {
    reason: 'probe or lifecycle host',
    detail:
      `${containersPhrase(names)} ${pluralize('uses', 'use', names.length)} ` +
      `${pluralize('probe or lifecycle host', 'probe or lifecycle hosts', hostList.length)} ${joinQuote(hostList)}`,
  };
}

// ---------------------------------------------------------------------------------------------
// Restricted

function allowPrivilegeEscalation_1_8(_m: Obj, spec: Obj): Violation | undefined {
  const bad = containers(spec)
    .filter((c) => sc(c)?.allowPrivilegeEscalation !== false)
    .map(cname);
  if (bad.length === 0) return undefined;
  return {
    reason: 'allowPrivilegeEscalation != false',
    detail: `${containersPhrase(bad)} must set securityContext.allowPrivilegeEscalation=false`,
  };
}

// API validation forbids these Linux-only fields on Windows pods, so from 1.25 their absence is accepted.
function exemptWindows(fn: CheckFn): CheckFn {
  return (meta, spec) => (isWindowsPod(spec) ? undefined : fn(meta, spec));
}

function capabilitiesRestricted_1_22(_m: Obj, spec: Obj): Violation | undefined {
  const missingDropAll: string[] = [];
  const adding: string[] = [];
  const caps: string[] = [];
  for (const c of containers(spec)) {
    const capabilities = obj(sc(c)?.capabilities);
    if (!capabilities) {
      missingDropAll.push(cname(c));
      continue;
    }
    if (!list(capabilities.drop).some((d) => d === 'ALL')) missingDropAll.push(cname(c));
    let addedForbidden = false;
    for (const a of list(capabilities.add)) {
      if (a !== 'NET_BIND_SERVICE') {
        addedForbidden = true;
        caps.push(str(a));
      }
    }
    if (addedForbidden) adding.push(cname(c));
  }
  const details: string[] = [];
  if (missingDropAll.length > 0) {
    details.push(`${containersPhrase(missingDropAll)} must set securityContext.capabilities.drop=["ALL"]`);
  }
  if (adding.length > 0) {
    details.push(
      `${containersPhrase(adding)} must not include ${joinQuote(sortedSet(caps))} in securityContext.capabilities.add`,
    );
  }
  if (details.length === 0) return undefined;
  return { reason: 'unrestricted capabilities', detail: details.join('; ') };
}

// Volume sources that are the pod's own or go through a PersistentVolume.
const ALLOWED_VOLUME_SOURCES = [
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'image',
  'persistentVolumeClaim',
  'projected',
  'secret',
];
// Upstream's order of naming a restricted source; the JSON field names are its type names.
const RESTRICTED_VOLUME_SOURCES = [
  'hostPath',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'nfs',
  'iscsi',
  'glusterfs',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'fc',
  'azureFile',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'portworxVolume',
  'scaleIO',
  'storageos',
];

function restrictedVolumes_1_0(_m: Obj, spec: Obj): Violation | undefined {
  const bad: string[] = [];
  const types: string[] = [];
  for (const item of list(spec.volumes)) {
    const v = obj(item) ?? {};
    if (ALLOWED_VOLUME_SOURCES.some((s) => isSet(v[s]))) continue;
    bad.push(str(v.name));
    types.push(RESTRICTED_VOLUME_SOURCES.find((s) => isSet(v[s])) ?? 'unknown');
  }
  if (bad.length === 0) return undefined;
  const typeList = sortedSet(types);
  return {
    reason: 'restricted volume types',
    detail:
      `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)} ${pluralize('uses', 'use', bad.length)} ` +
      `${pluralize('restricted volume type', 'restricted volume types', typeList.length)} ${joinQuote(typeList)}`,
  };
}

function runAsNonRoot_1_0(_m: Obj, spec: Obj): Violation | undefined {
  const setters: string[] = [];
  let podNonRoot = false;
  const podValue = podSC(spec)?.runAsNonRoot;
  if (isSet(podValue)) {
    if (podValue === false) setters.push('pod');
    else podNonRoot = true;
  }
  const explicit: string[] = [];
  const implicit: string[] = [];
  for (const c of containers(spec)) {
    const v = sc(c)?.runAsNonRoot;
    if (isSet(v)) {
      if (v === false) explicit.push(cname(c));
    } else if (!podNonRoot) {
      implicit.push(cname(c));
    }
  }
  if (explicit.length > 0) setters.push(containersPhrase(explicit));
  if (setters.length > 0) {
    return {
      reason: 'runAsNonRoot != true',
      detail: `${setters.join(' and ')} must not set securityContext.runAsNonRoot=false`,
    };
  }
  if (implicit.length > 0) {
    return {
      reason: 'runAsNonRoot != true',
      detail: `pod or ${containersPhrase(implicit)} must set securityContext.runAsNonRoot=true`,
    };
  }
  return undefined;
}

function runAsUser_1_23(_m: Obj, spec: Obj): Violation | undefined {
  const setters: string[] = [];
  if (podSC(spec)?.runAsUser === 0) setters.push('pod');
  const bad = containers(spec)
    .filter((c) => sc(c)?.runAsUser === 0)
    .map(cname);
  if (bad.length > 0) setters.push(containersPhrase(bad));
  if (setters.length === 0) return undefined;
  return { reason: 'runAsUser=0', detail: `${setters.join(' and ')} must not set runAsUser=0` };
}

// Root in a pod's own user namespace is not root on the node (KEP-127); relaxed from policy 1.35.
function relaxInUserNamespace(fn: CheckFn): CheckFn {
  return (meta, spec) => (inUserNamespace(spec) ? undefined : fn(meta, spec));
}

function seccompProfileRestricted_1_19(_m: Obj, spec: Obj): Violation | undefined {
  const r = explicitSeccomp(spec);
  if (r.violation) return r.violation;
  if (r.implicit.length === 0) return undefined;
  return {
    reason: 'seccompProfile',
    detail: `pod or ${containersPhrase(r.implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
  };
}

// ---------------------------------------------------------------------------------------------
// Registry

const CHECKS: readonly Check[] = [
  { id: 'hostNamespaces', level: 'baseline', versions: [{ min: 0, fn: hostNamespaces_1_0 }] },
  { id: 'privileged', level: 'baseline', versions: [{ min: 0, fn: privileged_1_0 }] },
  { id: 'capabilities_baseline', level: 'baseline', versions: [{ min: 0, fn: capabilitiesBaseline_1_0 }] },
  { id: 'hostPathVolumes', level: 'baseline', versions: [{ min: 0, fn: hostPathVolumes_1_0 }] },
  { id: 'hostPorts', level: 'baseline', versions: [{ min: 0, fn: hostPorts_1_0 }] },
  { id: 'appArmorProfile', level: 'baseline', versions: [{ min: 0, fn: appArmorProfile_1_0 }] },
  {
    id: 'seLinuxOptions',
    level: 'baseline',
    versions: [
      { min: 0, fn: seLinuxOptions(SELINUX_TYPES_1_0) },
      { min: 31, fn: seLinuxOptions(SELINUX_TYPES_1_31) },
    ],
  },
  {
    id: 'procMount',
    level: 'baseline',
    versions: [
      { min: 0, fn: procMount_1_0 },
      { min: 35, fn: procMount_1_35_baseline },
    ],
  },
  {
    id: 'seccompProfile_baseline',
    level: 'baseline',
    versions: [
      { min: 0, fn: seccompProfileBaseline_1_0 },
      { min: 19, fn: seccompProfileBaseline_1_19 },
    ],
  },
  {
    id: 'sysctls',
    level: 'baseline',
    versions: [
      { min: 0, fn: sysctls(SYSCTLS_1_0) },
      { min: 27, fn: sysctls(SYSCTLS_1_27) },
      { min: 29, fn: sysctls(SYSCTLS_1_29) },
      { min: 32, fn: sysctls(SYSCTLS_1_32) },
    ],
  },
  { id: 'windowsHostProcess', level: 'baseline', versions: [{ min: 0, fn: windowsHostProcess_1_0 }] },
  {
    id: 'hostProbesAndHostLifecycle',
    level: 'baseline',
    versions: [{ min: 34, fn: hostProbesAndHostLifecycle_1_34 }],
  },
  {
    id: 'allowPrivilegeEscalation',
    level: 'restricted',
    versions: [
      { min: 8, fn: allowPrivilegeEscalation_1_8 },
      { min: 25, fn: exemptWindows(allowPrivilegeEscalation_1_8) },
    ],
  },
  {
    id: 'capabilities_restricted',
    level: 'restricted',
    versions: [
      { min: 22, fn: capabilitiesRestricted_1_22, overrides: ['capabilities_baseline'] },
      { min: 25, fn: exemptWindows(capabilitiesRestricted_1_22), overrides: ['capabilities_baseline'] },
    ],
  },
  {
    id: 'restrictedVolumes',
    level: 'restricted',
    versions: [{ min: 0, fn: restrictedVolumes_1_0, overrides: ['hostPathVolumes'] }],
  },
  {
    id: 'runAsNonRoot',
    level: 'restricted',
    versions: [
      { min: 0, fn: runAsNonRoot_1_0 },
      { min: 35, fn: relaxInUserNamespace(runAsNonRoot_1_0) },
    ],
  },
  {
    id: 'runAsUser',
    level: 'restricted',
    versions: [
      { min: 23, fn: runAsUser_1_23 },
      { min: 35, fn: relaxInUserNamespace(runAsUser_1_23) },
    ],
  },
  {
    id: 'seccompProfile_restricted',
    level: 'restricted',
    versions: [
      { min: 19, fn: seccompProfileRestricted_1_19, overrides: ['seccompProfile_baseline'] },
      { min: 25, fn: exemptWindows(seccompProfileRestricted_1_19), overrides: ['seccompProfile_baseline'] },
    ],
  },
  {
    // Keeps restricted strict about /proc for user-namespace pods once baseline relaxes it.
    id: 'procMount_restricted',
    level: 'restricted',
    versions: [{ min: 35, fn: procMount_1_0, overrides: ['procMount'] }],
  },
];

/** The newest policy version any check distinguishes; newer versions and `latest` evaluate as this one. */
export const MAX_POLICY_VERSION = Math.max(...CHECKS.flatMap((c) => c.versions.map((v) => v.min)));

// Results come out baseline checks first, then restricted, each by ID, as upstream orders them.
const ORDERED: readonly Check[] = [
  ...CHECKS.filter((c) => c.level === 'baseline').sort((a, b) => goCompare(a.id, b.id)),
  ...CHECKS.filter((c) => c.level === 'restricted').sort((a, b) => goCompare(a.id, b.id)),
];

function revisionAt(c: Check, minor: number): VersionedCheck | undefined {
  let found: VersionedCheck | undefined;
  for (const v of c.versions) if (v.min <= minor) found = v;
  return found;
}

/** The checks that apply to a level at a policy minor version, in result order. */
export function checksFor(level: 'baseline' | 'restricted', minor: number): { id: string; fn: CheckFn }[] {
  const v = Math.min(minor, MAX_POLICY_VERSION);
  const active = ORDERED.flatMap((c) => {
    const r = revisionAt(c, v);
    return r ? [{ check: c, revision: r }] : [];
  });
  if (level === 'baseline') {
    return active.filter((a) => a.check.level === 'baseline').map((a) => ({ id: a.check.id, fn: a.revision.fn }));
  }
  const overridden = new Set(active.flatMap((a) => (a.check.level === 'restricted' ? a.revision.overrides ?? [] : [])));
  return active.filter((a) => !overridden.has(a.check.id)).map((a) => ({ id: a.check.id, fn: a.revision.fn }));
}
