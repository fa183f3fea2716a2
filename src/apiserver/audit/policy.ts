// audit.k8s.io/v1 Policy: decoding, validation and rule evaluation, as kube-apiserver's
// --audit-policy-file. Error texts follow upstream's field-error wording
// (`rules[0].level: Unsupported value: ...`) so operators can search for them.

import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';

export type AuditLevel = 'None' | 'Metadata' | 'Request' | 'RequestResponse';
export type AuditStage = 'RequestReceived' | 'ResponseStarted' | 'ResponseComplete' | 'Panic';

export const AUDIT_LEVELS: readonly AuditLevel[] = ['None', 'Metadata', 'Request', 'RequestResponse'];
export const AUDIT_STAGES: readonly AuditStage[] = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'];

export interface AuditGroupResources {
  /** '' (or absent) is the core group. */
  group?: string;
  resources?: string[];
  resourceNames?: string[];
}

export interface AuditPolicyRule {
  level: AuditLevel;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: AuditGroupResources[];
  namespaces?: string[];
  nonResourceURLs?: string[];
  omitStages?: AuditStage[];
  /** Overrides the policy-wide default when set. */
  omitManagedFields?: boolean;
}

export interface AuditPolicy {
  apiVersion: 'audit.k8s.io/v1';
  kind: 'Policy';
  rules: AuditPolicyRule[];
  omitStages?: AuditStage[];
  /** Absent when the file does not say; the Auditor's omitManagedFieldsDefault then decides. */
  omitManagedFields?: boolean;
}

export class AuditPolicyError extends Error {
  override name = 'AuditPolicyError';
}

export interface AuditUserInfo {
  username: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

/** What the policy is evaluated against (a subset of AuditRequestAttributes). */
export interface AuditMatchAttributes {
  user: AuditUserInfo;
  verb: string;
  resourceRequest: boolean;
  path: string;
  apiGroup?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

export interface AuditDecision {
  level: AuditLevel;
  omitStages: ReadonlySet<AuditStage>;
  omitManagedFields: boolean;
}

// ---- decoding ----

const POLICY_API_VERSION = 'audit.k8s.io/v1';

class DecodeError extends Error {}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optString(v: unknown, path: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new DecodeError(`${path}: expected a string, got ${describe(v)}`);
  return v;
}

function optBool(v: unknown, path: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new DecodeError(`${path}: expected a boolean, got ${describe(v)}`);
  return v;
}

function optStrings(v: unknown, path: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new DecodeError(`${path}: expected a list of strings, got ${describe(v)}`);
  return v.map((x, i) => {
    if (typeof x !== 'string') throw new DecodeError(`${path}[${i}]: expected a string, got ${describe(x)}`);
    return x;
  });
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}

function decodeGroupResources(v: unknown, path: string): AuditGroupResources {
  if (!isObject(v)) throw new DecodeError(`${path}: expected an object, got ${describe(v)}`);
  const gr: AuditGroupResources = {};
  const group = optString(v.group, `${path}.group`);
  if (group !== undefined) gr.group = group;
  const resources = optStrings(v.resources, `${path}.resources`);
  if (resources) gr.resources = resources;
  const names = optStrings(v.resourceNames, `${path}.resourceNames`);
  if (names) gr.resourceNames = names;
  return gr;
}

function decodeRule(v: unknown, path: string): AuditPolicyRule {
  if (!isObject(v)) throw new DecodeError(`${path}: expected an object, got ${describe(v)}`);
  // The level is validated (not decoded) so that a bad value gets upstream's "Unsupported value" text.
  const rule = { level: (optString(v.level, `${path}.level`) ?? '') as AuditLevel } as AuditPolicyRule;
  for (const key of ['users', 'userGroups', 'verbs', 'namespaces', 'nonResourceURLs'] as const) {
    const list = optStrings(v[key], `${path}.${key}`);
    if (list) rule[key] = list;
  }
  if (v.resources !== undefined && v.resources !== null) {
    if (!Array.isArray(v.resources)) throw new DecodeError(`${path}.resources: expected a list, got ${describe(v.resources)}`);
    rule.resources = v.resources.map((gr, i) => decodeGroupResources(gr, `${path}.resources[${i}]`));
  }
  const stages = optStrings(v.omitStages, `${path}.omitStages`);
  if (stages) rule.omitStages = stages as AuditStage[];
  const omf = optBool(v.omitManagedFields, `${path}.omitManagedFields`);
  if (omf !== undefined) rule.omitManagedFields = omf;
  return rule;
}

function decodePolicy(doc: unknown): AuditPolicy {
  if (!isObject(doc)) throw new DecodeError(`expected a Policy object, got ${describe(doc)}`);
  const kind = optString(doc.kind, 'kind') ?? '';
  const apiVersion = optString(doc.apiVersion, 'apiVersion') ?? '';
  if (!kind) throw new DecodeError(`Object 'Kind' is missing`);
  if (!apiVersion) throw new DecodeError(`Object 'apiVersion' is missing`);
  if (kind !== 'Policy' || apiVersion !== POLICY_API_VERSION) {
    throw new DecodeError(`no kind ${JSON.stringify(kind)} is registered for version ${JSON.stringify(apiVersion)}`);
  }
  const policy: AuditPolicy = { apiVersion: POLICY_API_VERSION, kind: 'Policy', rules: [] };
  if (doc.rules !== undefined && doc.rules !== null) {
    if (!Array.isArray(doc.rules)) throw new DecodeError(`rules: expected a list, got ${describe(doc.rules)}`);
    policy.rules = doc.rules.map((r, i) => decodeRule(r, `rules[${i}]`));
  }
  const stages = optStrings(doc.omitStages, 'omitStages');
  if (stages) policy.omitStages = stages as AuditStage[];
  const omf = optBool(doc.omitManagedFields, 'omitManagedFields');
  if (omf !== undefined) policy.omitManagedFields = omf;
  return policy;
}

// ---- validation ----

const goSlice = (xs: readonly string[]) => `[]string{${xs.map((x) => JSON.stringify(x)).join(', ')}}`;
const invalid = (field: string, shown: string, detail: string) => `${field}: Invalid value: ${shown}: ${detail}`;

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

function validateStages(stages: readonly string[] | undefined, field: string, errs: string[]): void {
  (stages ?? []).forEach((s, i) => {
    if (!(AUDIT_STAGES as readonly string[]).includes(s)) {
      errs.push(invalid(`${field}[${i}]`, JSON.stringify(s), `allowed stages are ${AUDIT_STAGES.join(',')}`));
    }
  });
}

function validateRule(rule: AuditPolicyRule, field: string, errs: string[]): void {
  const level = rule.level as string;
  if (level === '') errs.push(`${field}.level: Required value`);
  else if (!(AUDIT_LEVELS as readonly string[]).includes(level)) {
    errs.push(
      `${field}.level: Unsupported value: ${JSON.stringify(level)}: supported values: ${AUDIT_LEVELS.map((l) => JSON.stringify(l)).join(', ')}`,
    );
  }
  (rule.nonResourceURLs ?? []).forEach((url, i) => {
    if (url === '*') return;
    const f = `${field}.nonResourceURLs[${i}]`;
    if (!url.startsWith('/')) errs.push(invalid(f, JSON.stringify(url), "non-resource URL rules must begin with a '/' character"));
    if (url !== '' && url.slice(0, -1).includes('*')) {
      errs.push(invalid(f, JSON.stringify(url), "non-resource URL wildcards '*' must be the final character of the rule"));
    }
  });
  // Upstream names these fields without the list index (`rules[0].resources.group`); kept for fidelity.
  for (const gr of rule.resources ?? []) {
    const group = gr.group ?? '';
    if (group !== '') {
      const msgs: string[] = [];
      if (group.length > 253) msgs.push('must be no more than 253 characters');
      if (!DNS1123_SUBDOMAIN.test(group)) msgs.push(DNS1123_SUBDOMAIN_MSG);
      if (msgs.length) errs.push(invalid(`${field}.resources.group`, JSON.stringify(group), msgs.join(',')));
    }
    if ((gr.resourceNames?.length ?? 0) > 0 && (gr.resources?.length ?? 0) === 0) {
      errs.push(invalid(`${field}.resources.resourceNames`, goSlice(gr.resourceNames!), 'using resourceNames requires at least one resource'));
    }
  }
  validateStages(rule.omitStages, `${field}.omitStages`, errs);
  if ((rule.nonResourceURLs?.length ?? 0) > 0 && ((rule.resources?.length ?? 0) > 0 || (rule.namespaces?.length ?? 0) > 0)) {
    errs.push(
      invalid(`${field}.nonResourceURLs`, goSlice(rule.nonResourceURLs!), 'rules cannot apply to both regular resources and non-resource URLs'),
    );
  }
}

/** Decodes and validates a Policy document (YAML or JSON). */
export function parseAuditPolicy(text: string): AuditPolicy {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new AuditPolicyError(`failed decoding: ${firstLine(e)}`);
  }
  let policy: AuditPolicy;
  try {
    policy = decodePolicy(doc);
  } catch (e) {
    if (e instanceof DecodeError) throw new AuditPolicyError(`failed decoding: ${e.message}`);
    throw e;
  }
  const errs: string[] = [];
  policy.rules.forEach((r, i) => validateRule(r, `rules[${i}]`, errs));
  // Upstream does not check policy-wide omitStages (a typo there silently omits nothing); we refuse it.
  validateStages(policy.omitStages, 'omitStages', errs);
  if (errs.length === 1) throw new AuditPolicyError(errs[0]!);
  if (errs.length > 1) throw new AuditPolicyError(`[${errs.join(', ')}]`);
  if (policy.rules.length === 0) throw new AuditPolicyError('loaded illegal policy with 0 rules');
  return policy;
}

export async function loadAuditPolicy(path: string): Promise<AuditPolicy> {
  if (!path) throw new AuditPolicyError('file path not specified');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new AuditPolicyError(`failed to read file path ${JSON.stringify(path)}: ${firstLine(e)}`);
  }
  try {
    return parseAuditPolicy(text);
  } catch (e) {
    if (e instanceof AuditPolicyError) throw new AuditPolicyError(`${e.message}: from file ${path}`);
    throw e;
  }
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.trim();
}

// ---- evaluation ----

function pathMatches(path: string, spec: string): boolean {
  if (spec === '*' || spec === path) return true;
  return spec.endsWith('*') && path.startsWith(spec.replace(/\*+$/, ''));
}

function resourceMatches(rule: AuditPolicyRule, a: AuditMatchAttributes): boolean {
  if (!a.resourceRequest) return false;
  // Cluster-scoped requests carry no namespace and are matched by "".
  if (rule.namespaces?.length && !rule.namespaces.includes(a.namespace ?? '')) return false;
  if (!rule.resources?.length) return true;
  const group = a.apiGroup ?? '';
  const resource = a.resource ?? '';
  const sub = a.subresource ?? '';
  const combined = sub ? `${resource}/${sub}` : resource;
  const name = a.name ?? '';
  for (const gr of rule.resources) {
    if ((gr.group ?? '') !== group) continue;
    if (!gr.resources?.length) return true;
    if (gr.resourceNames?.length && !gr.resourceNames.includes(name)) continue;
    for (const res of gr.resources) {
      if (res === '*' || res === combined) return true;
      if (sub && res.startsWith('*/') && res.slice(2) === sub) return true;
      if (res.endsWith('/*') && res.slice(0, -2) === resource) return true;
    }
  }
  return false;
}

/** Upstream's ruleMatches: every field present in the rule must match. */
export function auditRuleMatches(rule: AuditPolicyRule, a: AuditMatchAttributes): boolean {
  if (rule.users?.length && !rule.users.includes(a.user.username)) return false;
  if (rule.userGroups?.length && !a.user.groups.some((g) => rule.userGroups!.includes(g))) return false;
  if (rule.verbs?.length && !rule.verbs.includes(a.verb)) return false;
  if (rule.namespaces?.length || rule.resources?.length) return resourceMatches(rule, a);
  if (rule.nonResourceURLs?.length) return !a.resourceRequest && rule.nonResourceURLs.some((s) => pathMatches(a.path, s));
  return true;
}

/** First matching rule wins; no match is level None. Stages omitted are the policy's and the rule's together. */
export function evaluateAuditPolicy(policy: AuditPolicy, a: AuditMatchAttributes, omitManagedFieldsDefault = false): AuditDecision {
  const policyOmf = policy.omitManagedFields ?? omitManagedFieldsDefault;
  for (const rule of policy.rules) {
    if (auditRuleMatches(rule, a)) {
      return {
        level: rule.level,
        omitStages: new Set([...(policy.omitStages ?? []), ...(rule.omitStages ?? [])]),
        omitManagedFields: rule.omitManagedFields ?? policyOmf,
      };
    }
  }
  return { level: 'None', omitStages: new Set(policy.omitStages ?? []), omitManagedFields: policyOmf };
}
