// RBAC authorization: the pure decision logic kube-apiserver's RBAC authorizer and the RBAC
// registry (escalation / bind checks) apply. Callers hand in the roles and bindings; no I/O here.

import { fromLabelSelectorObject, matchesLabels } from '../../api/selectors.ts';
import type {
  BindingObject,
  LabelSelector,
  PolicyRule,
  RoleObject,
  RoleRef,
  Subject,
  UserInfo,
} from './types.ts';

export type { PolicyRule, RoleObject, BindingObject, Subject, RoleRef, UserInfo } from './types.ts';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';
export const SYSTEM_MASTERS = 'system:masters';

export interface Attributes {
  user: { username: string; groups: string[] };
  verb: string;
  resourceRequest: boolean;
  apiGroup?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  path?: string;
}

export interface PolicySource {
  clusterRoles(): object[];
  clusterRoleBindings(): object[];
  roles(namespace: string): object[];
  roleBindings(namespace: string): object[];
}

export interface Decision {
  allowed: boolean;
  reason: string;
}

export interface ResourceRuleInfo {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
}

export interface NonResourceRuleInfo {
  verbs: string[];
  nonResourceURLs: string[];
}

export interface RulesForResult {
  resourceRules: ResourceRuleInfo[];
  nonResourceRules: NonResourceRuleInfo[];
  incomplete: boolean;
  /** set when some binding referenced a missing role (SelfSubjectRulesReview status.evaluationError) */
  evaluationError?: string;
}

// ---------------------------------------------------------------------------------------------
// Rule matching

const arr = (x: string[] | null | undefined): string[] => x ?? [];

export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return arr(rule.verbs).some((v) => v === '*' || v === verb);
}

export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return arr(rule.apiGroups).some((g) => g === '*' || g === group);
}

/** `combined` is "resource" or "resource/subresource"; a rule entry "*\/sub" matches any resource's sub. */
export function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  for (const r of arr(rule.resources)) {
    if (r === '*' || r === combined) return true;
    if (!subresource) continue;
    if (r.length === subresource.length + 2 && r.startsWith('*/') && r.endsWith(subresource)) return true;
  }
  return false;
}

export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  const names = arr(rule.resourceNames);
  return names.length === 0 || names.includes(name);
}

export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of arr(rule.nonResourceURLs)) {
    if (u === '*' || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.replace(/\*+$/, ''))) return true;
  }
  return false;
}

export function ruleAllows(attrs: Attributes, rule: PolicyRule): boolean {
  if (!verbMatches(rule, attrs.verb)) return false;
  if (attrs.resourceRequest) {
    const resource = attrs.resource ?? '';
    const sub = attrs.subresource ?? '';
    const combined = sub ? `${resource}/${sub}` : resource;
    return (
      apiGroupMatches(rule, attrs.apiGroup ?? '') &&
      resourceMatches(rule, combined, sub) &&
      resourceNameMatches(rule, attrs.name ?? '')
    );
  }
  return nonResourceURLMatches(rule, attrs.path ?? '');
}

// ---------------------------------------------------------------------------------------------
// Subjects

const SA_PREFIX = 'system:serviceaccount:';

export function appliesTo(user: UserInfo, subject: Subject, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return user.username === subject.name;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const ns = subject.namespace || bindingNamespace;
      if (!ns) return false;
      return user.username === `${SA_PREFIX}${ns}:${subject.name}`;
    }
    default:
      return false;
  }
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') {
    return `${s.kind} ${JSON.stringify(`${s.name}/${s.namespace || bindingNamespace}`)}`;
  }
  return `${s.kind} ${JSON.stringify(s.name)}`;
}

// ---------------------------------------------------------------------------------------------
// Aggregation

/** A metav1.LabelSelector against labels; an unknown operator makes it match nothing, as upstream. */
function selectorMatches(sel: LabelSelector, labels: Record<string, string>): boolean {
  if ((sel.matchExpressions ?? []).some((e) => !['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(e.operator))) return false;
  return matchesLabels(fromLabelSelectorObject(sel), labels);
}

function ruleKey(r: PolicyRule): string {
  return JSON.stringify([
    arr(r.verbs),
    arr(r.apiGroups),
    arr(r.resources),
    arr(r.resourceNames),
    arr(r.nonResourceURLs),
  ]);
}

function hasAggregation(role: RoleObject): boolean {
  return !!role.aggregationRule && Array.isArray(role.aggregationRule.clusterRoleSelectors);
}

/**
 * What the clusterrole-aggregation controller converges to: every ClusterRole with an
 * aggregationRule gets the de-duplicated union of the rules of the other ClusterRoles matching
 * any of its selectors (visited by name). Nested aggregation (admin ⊇ edit ⊇ view) is resolved
 * in one call. Returns deep copies; input objects are not modified.
 */
export function aggregate(clusterRoles: object[]): object[] {
  return aggregateRoles(clusterRoles as RoleObject[]);
}

function aggregateRoles(input: RoleObject[]): RoleObject[] {
  const roles = input.map((r) => structuredClone(r));
  const byName = [...roles].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  const resolved = new Map<string, PolicyRule[]>();
  const inProgress = new Set<string>();

  const resolve = (role: RoleObject): PolicyRule[] => {
    const name = role.metadata.name;
    if (!hasAggregation(role)) return role.rules ?? [];
    const done = resolved.get(name);
    if (done) return done;
    if (inProgress.has(name)) return role.rules ?? []; // cycle: use what is stored
    inProgress.add(name);
    const selectors = role.aggregationRule?.clusterRoleSelectors ?? [];
    const out: PolicyRule[] = [];
    const seen = new Set<string>();
    for (const other of byName) {
      if (other.metadata.name === name) continue;
      const labels = other.metadata.labels ?? {};
      if (!selectors.some((s) => selectorMatches(s, labels))) continue;
      for (const rule of resolve(other)) {
        const k = ruleKey(rule);
        if (seen.has(k)) continue;
        seen.add(k);
        out.push(structuredClone(rule));
      }
    }
    inProgress.delete(name);
    resolved.set(name, out);
    return out;
  };

  for (const role of roles) {
    if (hasAggregation(role)) role.rules = resolve(role);
  }
  return roles;
}

// ---------------------------------------------------------------------------------------------
// Rule resolution (VisitRulesFor)

type Visitor = (source: string | undefined, rule: PolicyRule | undefined, err: string | undefined) => boolean;

interface ResolvedPolicy {
  clusterRoles: Map<string, RoleObject>;
  source: PolicySource;
}

/**
 * Aggregated ClusterRoles by name, computed once per list of ClusterRoles: a source that
 * returns the same array until its roles change (as the API server's cache does) pays for
 * aggregation once, not on every request.
 */
const resolvedRoles = new WeakMap<object[], Map<string, RoleObject>>();

function resolvePolicy(policy: PolicySource): ResolvedPolicy {
  const list = policy.clusterRoles();
  let clusterRoles = resolvedRoles.get(list);
  if (!clusterRoles) {
    clusterRoles = new Map<string, RoleObject>();
    for (const role of aggregateRoles(list as RoleObject[])) clusterRoles.set(role.metadata.name, role);
    resolvedRoles.set(list, clusterRoles);
  }
  return { clusterRoles, source: policy };
}

function roleRefRules(p: ResolvedPolicy, ref: RoleRef, bindingNamespace: string): { rules?: PolicyRule[]; err?: string } {
  if (ref.kind === 'ClusterRole') {
    const role = p.clusterRoles.get(ref.name);
    if (!role) return { err: `clusterrole.${RBAC_GROUP} ${JSON.stringify(ref.name)} not found` };
    return { rules: role.rules ?? [] };
  }
  if (ref.kind === 'Role') {
    const role = (p.source.roles(bindingNamespace) as RoleObject[]).find((r) => r.metadata.name === ref.name);
    if (!role) return { err: `role.${RBAC_GROUP} ${JSON.stringify(ref.name)} not found` };
    return { rules: role.rules ?? [] };
  }
  return { err: `unsupported role reference kind: ${JSON.stringify(ref.kind)}` };
}

function visitRulesFor(user: UserInfo, namespace: string, p: ResolvedPolicy, visit: Visitor): void {
  for (const b of p.source.clusterRoleBindings() as BindingObject[]) {
    const subject = (b.subjects ?? []).find((s) => appliesTo(user, s, ''));
    if (!subject) continue;
    if (b.roleRef.kind !== 'ClusterRole') {
      if (!visit(undefined, undefined, `invalid ClusterRoleBinding roleRef: ${b.roleRef.kind}`)) return;
      continue;
    }
    const { rules, err } = roleRefRules(p, b.roleRef, '');
    if (err) {
      if (!visit(undefined, undefined, err)) return;
      continue;
    }
    const source =
      `ClusterRoleBinding ${JSON.stringify(b.metadata.name)} of ${b.roleRef.kind} ` +
      `${JSON.stringify(b.roleRef.name)} to ${describeSubject(subject, '')}`;
    for (const rule of rules ?? []) if (!visit(source, rule, undefined)) return;
  }
  if (!namespace) return;
  for (const b of p.source.roleBindings(namespace) as BindingObject[]) {
    const bns = b.metadata.namespace || namespace;
    const subject = (b.subjects ?? []).find((s) => appliesTo(user, s, bns));
    if (!subject) continue;
    const { rules, err } = roleRefRules(p, b.roleRef, bns);
    if (err) {
      if (!visit(undefined, undefined, err)) return;
      continue;
    }
    const source =
      `RoleBinding ${JSON.stringify(`${b.metadata.name}/${bns}`)} of ${b.roleRef.kind} ` +
      `${JSON.stringify(b.roleRef.name)} to ${describeSubject(subject, bns)}`;
    for (const rule of rules ?? []) if (!visit(source, rule, undefined)) return;
  }
}

/** Go's utilerrors.NewAggregate(...).Error() */
function aggregateErrors(errs: string[]): string {
  const uniq = [...new Set(errs)];
  return uniq.length === 1 ? (uniq[0] as string) : `[${uniq.join(', ')}]`;
}

// ---------------------------------------------------------------------------------------------
// Public: authorize / rulesFor / forbiddenMessage

export function authorize(attrs: Attributes, policy: PolicySource): Decision {
  const p = resolvePolicy(policy);
  let reason = '';
  let allowed = false;
  const errors: string[] = [];
  visitRulesFor(attrs.user, attrs.namespace ?? '', p, (source, rule, err) => {
    if (err) errors.push(err);
    if (rule && ruleAllows(attrs, rule)) {
      allowed = true;
      reason = `RBAC: allowed by ${source}`;
    }
    return !allowed;
  });
  if (allowed) return { allowed, reason };
  return { allowed: false, reason: errors.length ? `RBAC: ${aggregateErrors(errors)}` : '' };
}

function collectRules(user: UserInfo, namespace: string, p: ResolvedPolicy): { rules: PolicyRule[]; errors: string[] } {
  const rules: PolicyRule[] = [];
  const errors: string[] = [];
  visitRulesFor(user, namespace, p, (_s, rule, err) => {
    if (rule) rules.push(rule);
    if (err) errors.push(err);
    return true;
  });
  return { rules, errors };
}

/** What SelfSubjectRulesReview reports (kubectl auth can-i --list). */
export function rulesFor(user: UserInfo, namespace: string, policy: PolicySource): RulesForResult {
  const { rules, errors } = collectRules(user, namespace, resolvePolicy(policy));
  const resourceRules: ResourceRuleInfo[] = [];
  const nonResourceRules: NonResourceRuleInfo[] = [];
  for (const r of rules) {
    if (arr(r.resources).length > 0) {
      const info: ResourceRuleInfo = {
        verbs: [...arr(r.verbs)],
        apiGroups: [...arr(r.apiGroups)],
        resources: [...arr(r.resources)],
      };
      if (arr(r.resourceNames).length > 0) info.resourceNames = [...arr(r.resourceNames)];
      resourceRules.push(info);
    }
    if (arr(r.nonResourceURLs).length > 0) {
      nonResourceRules.push({ verbs: [...arr(r.verbs)], nonResourceURLs: [...arr(r.nonResourceURLs)] });
    }
  }
  const out: RulesForResult = { resourceRules, nonResourceRules, incomplete: errors.length > 0 };
  if (errors.length) out.evaluationError = aggregateErrors(errors);
  return out;
}

/** schema.GroupResource.String() */
function groupResourceString(gr: { group: string; resource: string }): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

/** apierrors.NewForbidden(gr, name, err).ErrStatus.Message */
export function forbiddenStatusMessage(gr: { group: string; resource: string }, name: string, err: string): string {
  if (!gr.group && !gr.resource) return `forbidden: ${err}`;
  if (!name) return `${groupResourceString(gr)} is forbidden: ${err}`;
  return `${groupResourceString(gr)} ${JSON.stringify(name)} is forbidden: ${err}`;
}

/**
 * The message kube-apiserver puts in the 403 Status for a denied request
 * (responsewriters.ForbiddenStatusError). `gr` is the request's group/resource (no subresource;
 * pass empty strings for non-resource requests). `reason` is the authorizer's reason, if any.
 */
export function forbiddenMessage(attrs: Attributes, gr: { group: string; resource: string }, reason = ''): string {
  let msg = `User ${JSON.stringify(attrs.user.username)} cannot ${attrs.verb}`;
  if (attrs.resourceRequest) {
    let resource = attrs.resource ?? '';
    if (attrs.subresource) resource = `${resource}/${attrs.subresource}`;
    const group = JSON.stringify(attrs.apiGroup ?? '');
    if (attrs.namespace) {
      msg += ` resource ${JSON.stringify(resource)} in API group ${group} in the namespace ${JSON.stringify(attrs.namespace)}`;
    } else {
      msg += ` resource ${JSON.stringify(resource)} in API group ${group} at the cluster scope`;
    }
  } else {
    msg += ` path ${JSON.stringify(attrs.path ?? '')}`;
  }
  if (reason) msg += `: ${reason}`;
  const qualified = attrs.resourceRequest ? gr : { group: '', resource: '' };
  return forbiddenStatusMessage(qualified, attrs.resourceRequest ? (attrs.name ?? '') : '', msg);
}

// ---------------------------------------------------------------------------------------------
// Escalation (registry/rbac/validation: Covers, BreakdownRule, CompactRules, ConfirmNoEscalation)

const has = (xs: string[], x: string) => xs.includes(x);
const hasAll = (xs: string[], want: string[]) => want.every((w) => xs.includes(w));

function resourceCoversAll(owned: string[], requested: string[]): boolean {
  if (has(owned, '*')) return true;
  for (const r of requested) {
    if (has(owned, r)) continue;
    const slash = r.indexOf('/');
    if (slash === -1) return false;
    if (has(owned, `*/${r.slice(slash + 1)}`)) continue;
    return false;
  }
  return true;
}

function nonResourceURLCovers(owner: string, requested: string): boolean {
  if (owner === requested) return true;
  return owner.endsWith('*') && requested.startsWith(owner.replace(/\*+$/, ''));
}

function nonResourceURLsCoversAll(owned: string[], requested: string[]): boolean {
  return requested.every((req) => owned.some((o) => nonResourceURLCovers(o, req)));
}

function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const ov = arr(owner.verbs);
  const og = arr(owner.apiGroups);
  const verbOK = has(ov, '*') || hasAll(ov, arr(sub.verbs));
  const groupOK = has(og, '*') || hasAll(og, arr(sub.apiGroups));
  const resOK = resourceCoversAll(arr(owner.resources), arr(sub.resources));
  const urlOK = nonResourceURLsCoversAll(arr(owner.nonResourceURLs), arr(sub.nonResourceURLs));
  const on = arr(owner.resourceNames);
  const sn = arr(sub.resourceNames);
  const nameOK = sn.length === 0 ? on.length === 0 : on.length === 0 || hasAll(on, sn);
  return verbOK && groupOK && resOK && urlOK && nameOK;
}

export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of arr(rule.apiGroups)) {
    for (const resource of arr(rule.resources)) {
      for (const verb of arr(rule.verbs)) {
        const names = arr(rule.resourceNames);
        if (names.length) {
          for (const n of names) out.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [n] });
        } else {
          out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
        }
      }
    }
  }
  for (const url of arr(rule.nonResourceURLs)) {
    for (const verb of arr(rule.verbs)) out.push({ nonResourceURLs: [url], verbs: [verb] });
  }
  return out;
}

/** Whether ownerRules cover every permission in servantRules; also the atomic rules missing. */
export function covers(ownerRules: PolicyRule[], servantRules: PolicyRule[]): { covered: boolean; missing: PolicyRule[] } {
  const missing: PolicyRule[] = [];
  for (const servant of servantRules) {
    for (const sub of breakdownRule(servant)) {
      if (!ownerRules.some((o) => ruleCovers(o, sub))) missing.push(sub);
    }
  }
  return { covered: missing.length === 0, missing };
}

function compactRules(rules: PolicyRule[]): PolicyRule[] {
  const compacted: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const rule of rules) {
    const names = arr(rule.resourceNames);
    const isSimple =
      names.length <= 1 &&
      arr(rule.nonResourceURLs).length === 0 &&
      arr(rule.apiGroups).length === 1 &&
      arr(rule.resources).length === 1;
    if (!isSimple) {
      compacted.push(rule);
      continue;
    }
    const key = JSON.stringify([rule.apiGroups, rule.resources, names]);
    const existing = simple.get(key);
    if (existing) {
      for (const v of arr(rule.verbs)) if (!existing.verbs.includes(v)) existing.verbs.push(v);
    } else {
      simple.set(key, structuredClone(rule));
    }
  }
  return [...compacted, ...simple.values()];
}

const goQuoteList = (xs: string[]) => `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;

/** rbacv1helpers.CompactString: e.g. {APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]} */
export function compactString(r: PolicyRule): string {
  const parts: string[] = [];
  if (arr(r.apiGroups).length) parts.push(`APIGroups:${goQuoteList(arr(r.apiGroups))}`);
  if (arr(r.resources).length) parts.push(`Resources:${goQuoteList(arr(r.resources))}`);
  if (arr(r.nonResourceURLs).length) parts.push(`NonResourceURLs:${goQuoteList(arr(r.nonResourceURLs))}`);
  if (arr(r.resourceNames).length) parts.push(`ResourceNames:${goQuoteList(arr(r.resourceNames))}`);
  if (arr(r.verbs).length) parts.push(`Verbs:${goQuoteList(arr(r.verbs))}`);
  return `{${parts.join(', ')}}`;
}

function confirmNoEscalation(user: UserInfo, newRules: PolicyRule[], namespace: string, p: ResolvedPolicy): string | undefined {
  const { rules: owned, errors } = collectRules(user, namespace, p);
  const { covered, missing } = covers(owned, newRules);
  if (covered) return undefined;
  const descriptions = [...new Set(compactRules(missing).map(compactString))].sort();
  let msg =
    `user ${JSON.stringify(user.username)} (groups=${goQuoteList(user.groups)}) is attempting to grant RBAC ` +
    `permissions not currently held:\n${descriptions.join('\n')}`;
  if (errors.length) msg += `; resolution errors: [${errors.join(' ')}]`;
  return msg;
}

/**
 * ConfirmNoEscalation: undefined when the user already holds every permission in `newRules`
 * (in `namespace`, plus cluster-wide), otherwise upstream's refusal text
 * (`user "jane" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{...}`).
 * Does not consider system:masters or the escalate/bind verbs; see checkRoleWrite/checkBindingWrite.
 */
export function checkEscalation(
  user: UserInfo,
  newRules: object[],
  namespace: string,
  policy: PolicySource,
): string | undefined {
  return confirmNoEscalation(user, newRules as PolicyRule[], namespace, resolvePolicy(policy));
}

/** rbacregistry.EscalationAllowed: members of system:masters skip escalation checks. */
export function escalationAllowed(user: UserInfo): boolean {
  return user.groups.includes(SYSTEM_MASTERS);
}

/** Whether the user holds `escalate` on the role (name "" for a create, which checks the collection). */
export function canEscalate(
  user: UserInfo,
  kind: 'Role' | 'ClusterRole',
  name: string,
  namespace: string,
  policy: PolicySource,
): boolean {
  return authorize(
    {
      user,
      verb: 'escalate',
      resourceRequest: true,
      apiGroup: RBAC_GROUP,
      resource: kind === 'Role' ? 'roles' : 'clusterroles',
      name,
      namespace: kind === 'Role' ? namespace : '',
    },
    policy,
  ).allowed;
}

/** Whether the user holds `bind` on the referenced role, checked in the binding's namespace. */
export function canBind(user: UserInfo, roleRef: RoleRef, bindingNamespace: string, policy: PolicySource): boolean {
  return authorize(
    {
      user,
      verb: 'bind',
      resourceRequest: true,
      apiGroup: RBAC_GROUP,
      resource: roleRef.kind === 'ClusterRole' ? 'clusterroles' : 'roles',
      name: roleRef.name,
      namespace: bindingNamespace,
    },
    policy,
  ).allowed;
}

const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

/**
 * The registry's check on creating/updating a Role or ClusterRole. Returns the full 403 message
 * (`clusterroles.rbac.authorization.k8s.io "x" is forbidden: user "jane" ... not currently held:...`)
 * or undefined when allowed. A ClusterRole carrying an aggregationRule requires full authority.
 * `operation` "create" checks `escalate` without a name (as upstream does for POSTs).
 */
export function checkRoleWrite(
  user: UserInfo,
  role: object,
  policy: PolicySource,
  operation: 'create' | 'update' = 'create',
): string | undefined {
  const r = role as RoleObject;
  const isCluster = r.kind === 'ClusterRole' || (r.kind === undefined && !r.metadata.namespace);
  const kind = isCluster ? 'ClusterRole' : 'Role';
  const namespace = isCluster ? '' : (r.metadata.namespace ?? '');
  if (escalationAllowed(user)) return undefined;
  if (canEscalate(user, kind, operation === 'create' ? '' : r.metadata.name, namespace, policy)) return undefined;
  const rules = isCluster && hasAggregation(r) ? FULL_AUTHORITY : (r.rules ?? []);
  const err = confirmNoEscalation(user, rules, namespace, resolvePolicy(policy));
  if (!err) return undefined;
  return forbiddenStatusMessage({ group: RBAC_GROUP, resource: isCluster ? 'clusterroles' : 'roles' }, r.metadata.name, err);
}

/**
 * The registry's check on creating/updating a RoleBinding or ClusterRoleBinding: allowed for
 * system:masters, for holders of `bind` on the referenced role, or when the user already holds
 * every permission of the referenced role. Returns the full 403 message or undefined.
 */
export function checkBindingWrite(user: UserInfo, binding: object, policy: PolicySource): string | undefined {
  const b = binding as BindingObject;
  const isCluster = b.kind === 'ClusterRoleBinding' || (b.kind === undefined && !b.metadata.namespace);
  const namespace = isCluster ? '' : (b.metadata.namespace ?? '');
  const gr = { group: RBAC_GROUP, resource: isCluster ? 'clusterrolebindings' : 'rolebindings' };
  if (escalationAllowed(user)) return undefined;
  if (canBind(user, b.roleRef, namespace, policy)) return undefined;
  const p = resolvePolicy(policy);
  const { rules, err } = roleRefRules(p, b.roleRef, namespace);
  if (err) return forbiddenStatusMessage(gr, b.metadata.name, err);
  const esc = confirmNoEscalation(user, rules ?? [], namespace, p);
  if (!esc) return undefined;
  return forbiddenStatusMessage(gr, b.metadata.name, esc);
}
