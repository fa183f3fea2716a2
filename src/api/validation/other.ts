// Validation for the remaining built-in groups: rbac.authorization.k8s.io, networking.k8s.io,
// policy, autoscaling, storage.k8s.io, scheduling.k8s.io, discovery.k8s.io and
// coordination.k8s.io, after the matching packages under k8s.io/kubernetes/pkg/apis/*/validation.

import {
  child,
  duplicate,
  forbidden,
  goQuote,
  goStringSlice,
  GoValue,
  index,
  invalid,
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
  isObj,
  nonNegative,
  semanticEqual,
  validateImmutableField,
  validateLabelName,
  validateLabelSelector,
  validateObjectMeta,
  validateObjectMetaUpdate,
  type Obj,
} from './meta.ts';
import {
  byteLength,
  domainPrefixedPathErrors,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidPathSegmentName,
  isValidPortName,
  isValidPortNum,
  isWildcardDNS1123Subdomain,
  nameIsDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  nameIsPathSegment,
  type NameFn,
} from './names.ts';
import { isValidIPString, validateCIDR, validateIP } from './core.ts';
import { isNotMoreThan100Percent, validatePositiveIntOrPercent } from './apps.ts';

function metaFor(obj: Obj, old: Obj | undefined, nameFn: NameFn): FieldError[] {
  if (!old) return validateObjectMeta(obj.metadata, nameFn);
  const errs = validateObjectMetaUpdate(obj.metadata, old.metadata);
  return errs;
}

// ---------------------------------------------------------------------------------------------
// RBAC

const RBAC_GROUP = 'rbac.authorization.k8s.io';

function validatePolicyRule(rule: Obj, namespaced: boolean, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (asArr(rule.verbs).length === 0) errs.push(required(child(field, 'verbs'), 'verbs must contain at least one value'));
  const urls = asArr(rule.nonResourceURLs);
  if (urls.length > 0) {
    if (namespaced) errs.push(invalid(child(field, 'nonResourceURLs'), goStringSlice(urls), 'namespaced rules cannot apply to non-resource URLs'));
    if (asArr(rule.apiGroups).length > 0 || asArr(rule.resources).length > 0 || asArr(rule.resourceNames).length > 0) {
      errs.push(invalid(child(field, 'nonResourceURLs'), goStringSlice(urls), 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (asArr(rule.apiGroups).length === 0) errs.push(required(child(field, 'apiGroups'), 'resource rules must supply at least one api group'));
  if (asArr(rule.resources).length === 0) errs.push(required(child(field, 'resources'), 'resource rules must supply at least one resource'));
  if (asArr(rule.resourceNames).length > 0 && asArr(rule.resources).length > 1) {
    errs.push(required(child(field, 'resourceNames'), 'resource names cannot apply to multiple resources'));
  }
  return errs;
}

export function validateRole(obj: Obj, old?: Obj, namespaced = true): FieldError[] {
  const errs = validateObjectMeta(obj.metadata, nameIsPathSegment);
  asArr(obj.rules).forEach((r, i) => errs.push(...validatePolicyRule(asObj(r), namespaced, `rules[${i}]`)));
  if (old) errs.push(...validateObjectMetaUpdate(obj.metadata, old.metadata));
  return errs;
}

function goRoleRef(ref: Obj): GoValue {
  return new GoValue(
    `rbac.RoleRef{APIGroup:${goQuote(asStr(ref.apiGroup))}, Kind:${goQuote(asStr(ref.kind))}, Name:${goQuote(asStr(ref.name))}}`,
  );
}

function validateSubject(s: Obj, namespaced: boolean, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = asStr(s.name);
  const group = asStr(s.apiGroup);
  if (name === '') errs.push(required(child(field, 'name')));
  switch (s.kind) {
    case 'ServiceAccount':
      if (name.length > 0) for (const m of isDNS1123Subdomain(name)) errs.push(invalid(child(field, 'name'), name, m));
      if (group.length > 0) errs.push(notSupported(child(field, 'apiGroup'), group, ['']));
      if (!namespaced && asStr(s.namespace) === '') errs.push(required(child(field, 'namespace')));
      break;
    case 'User':
      if (name === '') errs.push(invalid(child(field, 'name'), name, 'user name cannot be empty'));
      if (group !== RBAC_GROUP) errs.push(notSupported(child(field, 'apiGroup'), group, [RBAC_GROUP]));
      break;
    case 'Group':
      if (name === '') errs.push(invalid(child(field, 'name'), name, 'group name cannot be empty'));
      if (group !== RBAC_GROUP) errs.push(notSupported(child(field, 'apiGroup'), group, [RBAC_GROUP]));
      break;
    default:
      errs.push(notSupported(child(field, 'kind'), asStr(s.kind), ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

export function validateRoleBinding(obj: Obj, old?: Obj, namespaced = true): FieldError[] {
  const errs = validateObjectMeta(obj.metadata, nameIsPathSegment);
  const ref = asObj(obj.roleRef);
  if (asStr(ref.apiGroup) !== RBAC_GROUP) errs.push(notSupported('roleRef.apiGroup', asStr(ref.apiGroup), [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(asStr(ref.kind))) errs.push(notSupported('roleRef.kind', asStr(ref.kind), kinds));
  const name = asStr(ref.name);
  if (name === '') errs.push(required('roleRef.name'));
  else for (const m of isValidPathSegmentName(name)) errs.push(invalid('roleRef.name', name, m));
  asArr(obj.subjects).forEach((s, i) => errs.push(...validateSubject(asObj(s), namespaced, `subjects[${i}]`)));
  if (old) {
    errs.push(...validateObjectMetaUpdate(obj.metadata, old.metadata));
    const oldRef = asObj(old.roleRef);
    if (['apiGroup', 'kind', 'name'].some((k) => asStr(oldRef[k]) !== asStr(ref[k]))) {
      errs.push(invalid('roleRef', goRoleRef(ref), 'cannot change roleRef'));
    }
  }
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Networking

function validateNetworkPolicyPort(port: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (port.protocol !== undefined && port.protocol !== null && !['TCP', 'UDP', 'SCTP'].includes(asStr(port.protocol))) {
    errs.push(notSupported(child(field, 'protocol'), asStr(port.protocol), ['TCP', 'UDP', 'SCTP']));
  }
  const p = port.port;
  const endPort = port.endPort;
  if (p !== undefined && p !== null) {
    if (typeof p === 'number') {
      for (const m of isValidPortNum(p)) errs.push(invalid(child(field, 'port'), p, m));
      if (typeof endPort === 'number') {
        if (endPort < p) errs.push(invalid(child(field, 'endPort'), endPort, 'must be greater than or equal to `port`'));
        for (const m of isValidPortNum(endPort)) errs.push(invalid(child(field, 'endPort'), endPort, m));
      }
    } else {
      if (typeof endPort === 'number') errs.push(invalid(child(field, 'endPort'), endPort, 'may not be specified when `port` is non-numeric'));
      for (const m of isValidPortName(asStr(p))) errs.push(invalid(child(field, 'port'), asStr(p), m));
    }
  } else if (typeof endPort === 'number') {
    errs.push(invalid(child(field, 'endPort'), endPort, 'may not be specified when `port` is not specified'));
  }
  return errs;
}

function validateNetworkPolicyPeer(peer: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  if (isObj(peer.podSelector)) {
    n++;
    errs.push(...validateLabelSelector(peer.podSelector, child(field, 'podSelector')));
  }
  if (isObj(peer.namespaceSelector)) {
    n++;
    errs.push(...validateLabelSelector(peer.namespaceSelector, child(field, 'namespaceSelector')));
  }
  if (isObj(peer.ipBlock)) {
    n++;
    const b = peer.ipBlock;
    const p = child(field, 'ipBlock');
    const cidr = asStr(b.cidr);
    if (cidr === '') errs.push(required(child(p, 'cidr')));
    else {
      const e = validateCIDR(cidr, child(p, 'cidr'));
      errs.push(...e);
      if (e.length === 0) {
        asArr(b.except).forEach((ex, i) => {
          const ep = index(child(p, 'except'), i);
          const ee = validateCIDR(asStr(ex), ep);
          errs.push(...ee);
          if (ee.length === 0 && !cidrStrictlyContains(cidr, asStr(ex))) {
            errs.push(invalid(ep, asStr(ex), 'must be a strict subset of `cidr`'));
          }
        });
      }
    }
  }
  if (n === 0) errs.push(required(field, 'must specify a peer'));
  else if (n > 1 && isObj(peer.ipBlock)) errs.push(forbidden(field, 'may not specify both ipBlock and another peer'));
  return errs;
}

function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) return undefined;
  return (((parts[0] as number) << 24) | ((parts[1] as number) << 16) | ((parts[2] as number) << 8) | (parts[3] as number)) >>> 0;
}

/** IPv4 only; IPv6 CIDRs are accepted as subsets when their prefix is longer. */
function cidrStrictlyContains(outer: string, inner: string): boolean {
  const [oip, olen] = outer.split('/') as [string, string];
  const [iip, ilen] = inner.split('/') as [string, string];
  const o = ipv4ToInt(oip);
  const i = ipv4ToInt(iip);
  if (Number(olen) >= Number(ilen)) return false;
  if (o === undefined || i === undefined) return true;
  const mask = Number(olen) === 0 ? 0 : (0xffffffff << (32 - Number(olen))) >>> 0;
  return (o & mask) === (i & mask);
}

export function validateNetworkPolicy(obj: Obj, old?: Obj): FieldError[] {
  const errs = metaFor(obj, old, nameIsDNSSubdomain);
  const spec = asObj(obj.spec);
  errs.push(...validateLabelSelector(spec.podSelector, 'spec.podSelector'));
  for (const dir of ['ingress', 'egress'] as const) {
    const peerKey = dir === 'ingress' ? 'from' : 'to';
    asArr(spec[dir]).forEach((raw, i) => {
      const rule = asObj(raw);
      const p = `spec.${dir}[${i}]`;
      asArr(rule.ports).forEach((port, j) => errs.push(...validateNetworkPolicyPort(asObj(port), `${p}.ports[${j}]`)));
      asArr(rule[peerKey]).forEach((peer, j) => errs.push(...validateNetworkPolicyPeer(asObj(peer), `${p}.${peerKey}[${j}]`)));
    });
  }
  const types = asArr(spec.policyTypes).map(asStr);
  if (types.length > 2) {
    errs.push(invalid('spec.policyTypes', goStringSlice(types, 'networking.PolicyType'), 'may not specify more than two policyTypes'));
    return errs;
  }
  types.forEach((t, i) => {
    if (t !== 'Ingress' && t !== 'Egress') errs.push(notSupported(`spec.policyTypes[${i}]`, t, ['Ingress', 'Egress']));
  });
  return errs;
}

function validateIngressBackend(b: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const hasResource = isObj(b.resource);
  const hasService = isObj(b.service);
  if (hasResource && hasService) return [invalid(field, '', 'cannot set both resource and service backends')];
  if (hasResource) {
    const r = asObj(b.resource);
    const p = child(field, 'resource');
    if (typeof r.apiGroup === 'string') for (const m of isDNS1123Subdomain(r.apiGroup)) errs.push(invalid(child(p, 'apiGroup'), r.apiGroup, m));
    if (asStr(r.kind) === '') errs.push(required(child(p, 'kind')));
    else for (const m of isValidPathSegmentName(asStr(r.kind))) errs.push(invalid(child(p, 'kind'), asStr(r.kind), m));
    if (asStr(r.name) === '') errs.push(required(child(p, 'name')));
    else for (const m of isValidPathSegmentName(asStr(r.name))) errs.push(invalid(child(p, 'name'), asStr(r.name), m));
    return errs;
  }
  if (hasService) {
    const s = asObj(b.service);
    const name = asStr(s.name);
    if (name === '') errs.push(required(child(field, 'service', 'name')));
    else for (const m of nameIsDNS1035Label(name, false)) errs.push(invalid(child(field, 'service', 'name'), name, m));
    const port = asObj(s.port);
    const hasName = asStr(port.name).length > 0;
    const hasNumber = asInt(port.number) !== 0;
    if (hasName && hasNumber) errs.push(invalid(field, '', 'cannot set both port name & port number'));
    else if (hasName) for (const m of isValidPortName(asStr(port.name))) errs.push(invalid(child(field, 'service', 'port', 'name'), asStr(port.name), m));
    else if (hasNumber) for (const m of isValidPortNum(asInt(port.number))) errs.push(invalid(child(field, 'service', 'port', 'number'), asInt(port.number), m));
    else errs.push(required(field, 'port name or number is required'));
    return errs;
  }
  return [invalid(field, '', 'resource or service backend is required')];
}

export function validateIngress(obj: Obj, old?: Obj): FieldError[] {
  const errs = metaFor(obj, old, nameIsDNSSubdomain);
  const spec = asObj(obj.spec);
  const rules = asArr(spec.rules).map(asObj);
  if (rules.length === 0 && !isObj(spec.defaultBackend)) {
    errs.push(invalid('spec', new GoValue(rules.length === 0 && spec.rules === undefined ? '[]networking.IngressRule(nil)' : '[]networking.IngressRule{}'), 'either `defaultBackend` or `rules` must be specified'));
  }
  if (isObj(spec.defaultBackend)) errs.push(...validateIngressBackend(spec.defaultBackend, 'spec.defaultBackend'));
  rules.forEach((rule, i) => {
    const p = `spec.rules[${i}]`;
    const host = asStr(rule.host);
    if (host.length > 0) {
      if (isValidIPString(host)) errs.push(invalid(`${p}.host`, host, 'must be a DNS name, not an IP address'));
      const msgs = host.includes('*') ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host);
      for (const m of msgs) errs.push(invalid(`${p}.host`, host, m));
    }
    if (isObj(rule.http)) {
      const paths = asArr(rule.http.paths).map(asObj);
      if (paths.length === 0) errs.push(required(`${p}.http.paths`));
      paths.forEach((path, j) => {
        const pp = `${p}.http.paths[${j}]`;
        if (path.pathType === undefined || path.pathType === null) {
          errs.push(required(`${pp}.pathType`, 'pathType must be specified'));
          return;
        }
        const pt = asStr(path.pathType);
        const pathStr = asStr(path.path);
        if (pt === 'Exact' || pt === 'Prefix') {
          if (!pathStr.startsWith('/')) errs.push(invalid(`${pp}.path`, pathStr, 'must be an absolute path'));
          if (pathStr.length > 0) {
            for (const seq of ['//', '/./', '/../', '%2f', '%2F']) {
              if (pathStr.includes(seq)) errs.push(invalid(`${pp}.path`, pathStr, `must not contain '${seq}'`));
            }
            for (const suf of ['/..', '/.']) if (pathStr.endsWith(suf)) errs.push(invalid(`${pp}.path`, pathStr, `cannot end with '${suf}'`));
          }
        } else if (pt === 'ImplementationSpecific') {
          if (pathStr.length > 0 && !pathStr.startsWith('/')) errs.push(invalid(`${pp}.path`, pathStr, 'must be an absolute path'));
        } else {
          errs.push(notSupported(`${pp}.pathType`, pt, ['Exact', 'ImplementationSpecific', 'Prefix']));
        }
        errs.push(...validateIngressBackend(asObj(path.backend), `${pp}.backend`));
      });
    }
  });
  asArr(spec.tls).forEach((raw, i) => {
    const t = asObj(raw);
    asArr(t.hosts).forEach((h, j) => {
      const host = asStr(h);
      const msgs = host.includes('*') ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host);
      for (const m of msgs) errs.push(invalid(`spec.tls[${i}].hosts[${j}]`, host, m));
    });
    const sn = asStr(t.secretName);
    if (sn.length > 0) for (const m of isDNS1123Subdomain(sn)) errs.push(invalid(`spec.tls[${i}].secretName`, sn, m));
  });
  if (typeof spec.ingressClassName === 'string') {
    for (const m of isDNS1123Subdomain(spec.ingressClassName)) errs.push(invalid('spec.ingressClassName', spec.ingressClassName, m));
  }
  if (!old) {
    const ann = asStr(asObj(asObj(obj.metadata).annotations)['kubernetes.io/ingress.class']);
    if (ann && typeof spec.ingressClassName === 'string' && ann !== spec.ingressClassName) {
      errs.push(invalid('annotations.kubernetes.io/ingress.class', ann, 'must match `ingressClassName` when both are specified'));
    }
  }
  return errs;
}

export function validateIngressClass(obj: Obj, old?: Obj): FieldError[] {
  const errs = metaFor(obj, old, nameIsDNSSubdomain);
  const spec = asObj(obj.spec);
  const controller = asStr(spec.controller);
  if (controller === '') errs.push(required('spec.controller'));
  else {
    if (byteLength(controller) > 250) errs.push(tooLong('spec.controller', '', 250));
    for (const e of domainPrefixedPathErrors(controller)) errs.push(invalid('spec.controller', e.value, e.msg));
  }
  if (isObj(spec.parameters)) {
    const p = spec.parameters;
    if (asStr(p.kind) === '') errs.push(required('spec.parameters.kind'));
    if (asStr(p.name) === '') errs.push(required('spec.parameters.name'));
    const scope = p.scope;
    if (scope === undefined || scope === null) errs.push(required('spec.parameters.scope'));
    else if (scope !== 'Namespace' && scope !== 'Cluster') errs.push(notSupported('spec.parameters.scope', asStr(scope), ['Cluster', 'Namespace']));
    else if (scope === 'Namespace' && (p.namespace === undefined || p.namespace === null)) {
      errs.push(required('spec.parameters.namespace', "`parameters.scope` is set to 'Namespace'"));
    } else if (scope === 'Cluster' && p.namespace !== undefined && p.namespace !== null) {
      errs.push(forbidden('spec.parameters.namespace', "`parameters.scope` is set to 'Cluster'"));
    }
  }
  if (old) errs.push(...validateImmutableField(spec.controller, asObj(old.spec).controller, 'spec.controller'));
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Policy

export function validatePodDisruptionBudget(obj: Obj, old?: Obj): FieldError[] {
  const errs = metaFor(obj, old, nameIsDNSSubdomain);
  const spec = asObj(obj.spec);
  const hasMin = spec.minAvailable !== undefined && spec.minAvailable !== null;
  const hasMax = spec.maxUnavailable !== undefined && spec.maxUnavailable !== null;
  if (hasMin && hasMax) {
    errs.push(invalid('spec', new GoValue('policy.PodDisruptionBudgetSpec{...}'), 'minAvailable and maxUnavailable cannot be both set'));
  }
  for (const f of ['minAvailable', 'maxUnavailable']) {
    if (spec[f] === undefined || spec[f] === null) continue;
    errs.push(...validatePositiveIntOrPercent(spec[f], `spec.${f}`));
    errs.push(...isNotMoreThan100Percent(spec[f], `spec.${f}`));
  }
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  if (spec.unhealthyPodEvictionPolicy !== undefined && spec.unhealthyPodEvictionPolicy !== null) {
    const v = asStr(spec.unhealthyPodEvictionPolicy);
    if (v !== 'AlwaysAllow' && v !== 'IfHealthyBudget') {
      errs.push(notSupported('spec.unhealthyPodEvictionPolicy', v, ['AlwaysAllow', 'IfHealthyBudget']));
    }
  }
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Autoscaling

const METRIC_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];

function validateMetricTarget(t: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const type = asStr(t.type);
  if (type === '') errs.push(required(child(field, 'type'), 'must specify a metric target type'));
  else if (!['AverageValue', 'Utilization', 'Value'].includes(type)) {
    errs.push(invalid(child(field, 'type'), type, 'must be either Utilization, Value, or AverageValue'));
  }
  if (type === 'Utilization' && (t.averageUtilization === undefined || t.averageUtilization === null)) {
    errs.push(required(child(field, 'averageUtilization'), 'must set either a target raw value or a target utilization'));
  }
  if (typeof t.averageUtilization === 'number' && t.averageUtilization < 1) {
    errs.push(invalid(child(field, 'averageUtilization'), t.averageUtilization, 'must be greater than 0'));
  }
  return errs;
}

export function validateHorizontalPodAutoscaler(obj: Obj, old?: Obj): FieldError[] {
  const errs = metaFor(obj, old, nameIsDNSSubdomain);
  const spec = asObj(obj.spec);
  const ref = asObj(spec.scaleTargetRef);
  if (asStr(ref.kind) === '') errs.push(required('spec.scaleTargetRef.kind'));
  else for (const m of isValidPathSegmentName(asStr(ref.kind))) errs.push(invalid('spec.scaleTargetRef.kind', asStr(ref.kind), m));
  if (asStr(ref.name) === '') errs.push(required('spec.scaleTargetRef.name'));
  else for (const m of isValidPathSegmentName(asStr(ref.name))) errs.push(invalid('spec.scaleTargetRef.name', asStr(ref.name), m));
  if (typeof spec.minReplicas === 'number' && spec.minReplicas < 1) {
    errs.push(invalid('spec.minReplicas', spec.minReplicas, 'must be greater than or equal to 1'));
  }
  const max = asInt(spec.maxReplicas);
  if (max < 1) errs.push(invalid('spec.maxReplicas', max, 'must be greater than 0'));
  if (typeof spec.minReplicas === 'number' && max < spec.minReplicas) {
    errs.push(invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  }
  asArr(spec.metrics).forEach((raw, i) => {
    const m = asObj(raw);
    const p = `spec.metrics[${i}]`;
    const type = asStr(m.type);
    if (type === '') {
      errs.push(required(`${p}.type`, 'must specify a metric source type'));
      return;
    }
    if (!METRIC_TYPES.includes(type)) {
      errs.push(notSupported(`${p}.type`, type, METRIC_TYPES));
      return;
    }
    const key = type === 'ContainerResource' ? 'containerResource' : type.toLowerCase();
    const src = m[key];
    if (!isObj(src)) {
      errs.push(required(`${p}.${key}`, `must populate information for the given metric source (type ${type})`));
      return;
    }
    if ((type === 'Resource' || type === 'ContainerResource') && asStr(src.name) === '') {
      errs.push(required(`${p}.${key}.name`, 'must specify a resource name'));
    }
    if (type === 'ContainerResource' && asStr(src.container) === '') errs.push(required(`${p}.${key}.container`, 'must specify a container'));
    if (isObj(src.target)) errs.push(...validateMetricTarget(src.target, `${p}.${key}.target`));
  });
  const behavior = asObj(spec.behavior);
  for (const dir of ['scaleUp', 'scaleDown']) {
    const rules = behavior[dir];
    if (!isObj(rules)) continue;
    const p = `spec.behavior.${dir}`;
    const sws = rules.stabilizationWindowSeconds;
    if (typeof sws === 'number') {
      if (sws < 0) errs.push(invalid(`${p}.stabilizationWindowSeconds`, sws, 'must be greater than or equal to zero'));
      if (sws > 3600) errs.push(invalid(`${p}.stabilizationWindowSeconds`, sws, 'must be less than or equal to 3600'));
    }
    const sp = rules.selectPolicy;
    if (sp !== undefined && sp !== null && !['Disabled', 'Max', 'Min'].includes(asStr(sp))) {
      errs.push(notSupported(`${p}.selectPolicy`, asStr(sp), ['Disabled', 'Max', 'Min']));
    }
    const policies = asArr(rules.policies);
    if (policies.length === 0 && sp !== 'Disabled') errs.push(required(`${p}.policies`, 'must specify at least one Policy'));
    policies.forEach((raw, i) => {
      const pol = asObj(raw);
      const pp = `${p}.policies[${i}]`;
      const t = asStr(pol.type);
      if (t !== 'Pods' && t !== 'Percent') errs.push(notSupported(`${pp}.type`, t, ['Percent', 'Pods']));
      if (asInt(pol.value) <= 0) errs.push(invalid(`${pp}.value`, asInt(pol.value), 'must be greater than zero'));
      const ps = asInt(pol.periodSeconds);
      if (ps <= 0) errs.push(invalid(`${pp}.periodSeconds`, ps, 'must be greater than zero'));
      if (ps > 1800) errs.push(invalid(`${pp}.periodSeconds`, ps, 'must be less than or equal to 1800'));
    });
  }
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Storage

export function validateStorageClass(obj: Obj, old?: Obj): FieldError[] {
  const errs = metaFor(obj, old, nameIsDNSSubdomain);
  const provisioner = asStr(obj.provisioner);
  if (provisioner === '') errs.push(required('provisioner'));
  else {
    if (byteLength(provisioner) > 253) errs.push(tooLong('provisioner', '', 253));
    for (const m of isQualifiedName(provisioner.toLowerCase())) errs.push(invalid('provisioner', provisioner, m));
  }
  let total = 0;
  for (const [k, v] of Object.entries(asObj(obj.parameters))) {
    if (k.length === 0) errs.push(invalid('parameters', k, 'field can not be empty.'));
    total += byteLength(k) + byteLength(asStr(v));
  }
  if (total > 256 * 1024) errs.push(tooLong('parameters', '', 256 * 1024));
  if (obj.reclaimPolicy !== undefined && obj.reclaimPolicy !== null && !['Delete', 'Retain'].includes(asStr(obj.reclaimPolicy))) {
    errs.push(notSupported('reclaimPolicy', asStr(obj.reclaimPolicy), ['Delete', 'Retain']));
  }
  if (obj.volumeBindingMode === undefined || obj.volumeBindingMode === null) errs.push(required('volumeBindingMode'));
  else if (!['Immediate', 'WaitForFirstConsumer'].includes(asStr(obj.volumeBindingMode))) {
    errs.push(notSupported('volumeBindingMode', asStr(obj.volumeBindingMode), ['Immediate', 'WaitForFirstConsumer']));
  }
  if (old) {
    if (!semanticEqual(obj.parameters, old.parameters)) errs.push(forbidden('parameters', 'updates to parameters are forbidden.'));
    if (asStr(obj.provisioner) !== asStr(old.provisioner)) errs.push(forbidden('provisioner', 'updates to provisioner are forbidden.'));
    if (asStr(obj.reclaimPolicy) !== asStr(old.reclaimPolicy)) errs.push(forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
    errs.push(...validateImmutableField(obj.volumeBindingMode, old.volumeBindingMode, 'volumeBindingMode'));
  }
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Scheduling

const SYSTEM_PRIORITY_CLASSES = new Map([
  ['system-node-critical', 2000001000],
  ['system-cluster-critical', 2000000000],
]);

export function validatePriorityClass(obj: Obj, old?: Obj): FieldError[] {
  const errs = metaFor(obj, old, nameIsDNSSubdomain);
  const name = asStr(asObj(obj.metadata).name);
  const value = asInt(obj.value);
  if (name.startsWith('system-')) {
    const known = SYSTEM_PRIORITY_CLASSES.get(name);
    if (known === undefined) {
      errs.push(
        forbidden(
          'metadata.name',
          `priority class names with 'system-' prefix are reserved for system use only. error: priority class ${name} is not known to the system`,
        ),
      );
    } else if (known !== value) {
      errs.push(
        forbidden(
          'metadata.name',
          `priority class names with 'system-' prefix are reserved for system use only. error: value of ${name} PriorityClass must be ${known}`,
        ),
      );
    }
  } else if (value > 1000000000) {
    errs.push(forbidden('value', 'maximum allowed value of a user defined priority is 1000000000'));
  }
  if (obj.preemptionPolicy !== undefined && obj.preemptionPolicy !== null) {
    const pp = asStr(obj.preemptionPolicy);
    if (pp !== 'PreemptLowerPriority' && pp !== 'Never') errs.push(notSupported('preemptionPolicy', pp, ['PreemptLowerPriority', 'Never']));
  }
  if (old) {
    if (asInt(old.value) !== value) errs.push(forbidden('Value', 'may not be changed in an update.'));
    errs.push(...validateImmutableField(obj.preemptionPolicy, old.preemptionPolicy, 'preemptionPolicy'));
  }
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Discovery

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];

export function validateEndpointSlice(obj: Obj, old?: Obj): FieldError[] {
  const errs = metaFor(obj, old, nameIsDNSSubdomain);
  const at = asStr(obj.addressType);
  if (at === '') errs.push(required('addressType'));
  else if (!ADDRESS_TYPES.includes(at)) errs.push(notSupported('addressType', at, ADDRESS_TYPES));
  asArr(obj.endpoints).forEach((raw, i) => {
    const ep = asObj(raw);
    const p = `endpoints[${i}]`;
    const addrs = asArr(ep.addresses).map(asStr);
    if (addrs.length === 0) errs.push(required(`${p}.addresses`, 'must contain at least 1 address'));
    else if (addrs.length > 100) errs.push(invalid(`${p}.addresses`, addrs.length, 'must contain at most 100 addresses'));
    addrs.forEach((a, j) => {
      const ap = `${p}.addresses[${j}]`;
      if (at === 'IPv4' && !/^[0-9.]+$/.test(a)) errs.push(invalid(ap, a, 'must be a valid IPv4 address'));
      else if (at === 'IPv6' && !a.includes(':')) errs.push(invalid(ap, a, 'must be a valid IPv6 address'));
      else if (at === 'IPv4' || at === 'IPv6') errs.push(...validateIP(a, ap));
      else if (at === 'FQDN') for (const m of isDNS1123Subdomain(a)) errs.push(invalid(ap, a, m));
    });
    if (typeof ep.hostname === 'string') for (const m of isDNS1123Label(ep.hostname)) errs.push(invalid(`${p}.hostname`, ep.hostname, m));
    if (typeof ep.nodeName === 'string') for (const m of isDNS1123Subdomain(ep.nodeName)) errs.push(invalid(`${p}.nodeName`, ep.nodeName, m));
  });
  const names = new Set<string>();
  asArr(obj.ports).forEach((raw, i) => {
    const port = asObj(raw);
    const p = `ports[${i}]`;
    const name = asStr(port.name);
    if (name.length > 0) for (const m of isDNS1123Label(name)) errs.push(invalid(`${p}.name`, name, m));
    if (names.has(name)) errs.push(duplicate(`${p}.name`, name));
    names.add(name);
    const proto = asStr(port.protocol);
    if (port.protocol === undefined || port.protocol === null) errs.push(required(`${p}.protocol`));
    else if (!['SCTP', 'TCP', 'UDP'].includes(proto)) errs.push(notSupported(`${p}.protocol`, proto, ['SCTP', 'TCP', 'UDP']));
    if (typeof port.port === 'number') {
      for (const m of isValidPortNum(port.port)) errs.push(invalid(`${p}.port`, port.port, m));
    }
    if (typeof port.appProtocol === 'string') {
      for (const m of isQualifiedName(port.appProtocol)) errs.push(invalid(`${p}.appProtocol`, port.appProtocol, m));
    }
  });
  if (old) errs.push(...validateImmutableField(at, asStr(old.addressType), 'addressType'));
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Coordination

export function validateLease(obj: Obj, old?: Obj): FieldError[] {
  const errs = metaFor(obj, old, nameIsDNSSubdomain);
  const spec = asObj(obj.spec);
  if (typeof spec.leaseDurationSeconds === 'number' && spec.leaseDurationSeconds <= 0) {
    errs.push(invalid('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'));
  }
  if (typeof spec.leaseTransitions === 'number') errs.push(...nonNegative(spec.leaseTransitions, 'spec.leaseTransitions'));
  return errs;
}

/** Objects of kinds without their own rules: metadata only, names as DNS subdomains. */
export function validateGeneric(obj: Obj, old?: Obj, nameFn: NameFn = nameIsDNSSubdomain): FieldError[] {
  return metaFor(obj, old, nameFn);
}

export { nameIsDNSLabel, validateLabelName, validateIP };
