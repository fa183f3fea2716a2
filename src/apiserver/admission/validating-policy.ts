// ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1): kube-apiserver's in-process,
// CEL-based alternative to validating webhooks. A policy takes effect only through the bindings
// naming it; for every (policy, binding, param) that matches a request its matchConditions,
// validations and auditAnnotations are evaluated, and a failed validation is enforced as the
// binding's validationActions say (Deny, Warn, Audit). Expressions that cannot be compiled or
// evaluated, and bindings whose params are missing, are handled as the policy's failurePolicy
// says (Fail by default).
//
// Where kubelite differs from upstream, on purpose:
//   - There is no type checking against the matched resources' schemas, so status.typeChecking
//     is never written, and the mistakes a typed check would catch when compiling (a field or
//     variable name that does not exist, a validation that is not a bool, a messageExpression that
//     is not a string) surface only when the expression runs: as an evaluation error (decided by
//     failurePolicy), a denial (a validation whose result is not `true`), or the fallback message.
//     A variable may only use the variables before it; a later one is "no such key" at runtime.
//   - matchPolicy Equivalent is treated as Exact: kubelite serves one version per resource, so
//     there is no equivalent resource to convert to.
//   - `authorizer` is served when the owner passes an `authorize` function: checks are asked
//     asynchronously, so an expression that needs an unanswered check is evaluated again once
//     it is answered (expressions have no side effects). fieldSelector()/labelSelector() are
//     accepted but not handed to the authorizer. Without `authorize`, `authorizer` is unbound
//     ("no such attribute(s): authorizer").
//   - Runtime cost is kubelite's CEL estimate of cel-go's, with upstream's limits (per expression
//     and per phase of a policy evaluation).
//   - Policies are evaluated in name order, and each policy's bindings in name order (upstream's
//     order is its informers'), so which denial is reported first is deterministic.
//   - Policies loaded from static manifests (ManifestBasedAdmissionControlConfig) do not exist.

import { asVariable, CelError, compile, PER_CALL_LIMIT, timestampFromString, type Program } from '../../api/cel/index.ts';
import { CelErr, typeName } from '../../api/cel/values.ts';
import { notFound, StatusError, type StatusDetails, type StatusReason } from '../../api/errors.ts';
import { parseApiVersion, type ResourceRegistry } from '../../api/registry.ts';
import { compileSelector, selectorMatches } from '../../api/validation/meta.ts';
import type { Attributes as AuthorizationAttributes, Decision } from '../../auth/rbac/authorizer.ts';
import { AUTHZ_FUNCTIONS, AuthzChecks, authorizerValue, type AuthorizerVal } from './cel-authz.ts';
import type { Obj, ResourceStore } from '../rest.ts';
import type { AdmissionAttributes, AdmissionPlugin } from './index.ts';
import { goJson } from '../../api/patch/gofmt.ts';
import { ruleMatches } from './webhooks.ts';

export type { AuthorizationAttributes };

/** Where the plugin reads its configuration and the objects expressions may look at. */
export interface PolicySource {
  /** ValidatingAdmissionPolicy objects (already validated by the API). */
  policies(): Promise<Obj[]>;
  /** ValidatingAdmissionPolicyBinding objects. */
  bindings(): Promise<Obj[]>;
  /** A Namespace object, or undefined when it does not exist. */
  namespace(name: string): Promise<Obj | undefined>;
  /** How a paramKind is served, or undefined when the API serves no such kind. */
  paramScope(apiVersion: string, kind: string): { namespaced: boolean } | undefined;
  /** One param object by name (namespace undefined for cluster-scoped kinds), or undefined. */
  getParam(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<Obj | undefined>;
  /** Every param object of a kind (in a namespace, for namespaced kinds); the plugin applies selectors. */
  listParams(apiVersion: string, kind: string, namespace: string | undefined): Promise<Obj[]>;
}

export interface ValidatingPolicyOptions {
  /** The authorizer behind the `authorizer` variable (e.g. RBAC's decide). */
  authorize?: (attrs: AuthorizationAttributes) => Promise<Decision>;
}

/** A PolicySource reading the API's own store, with params of any kind the registry serves. */
export function storePolicySource(rest: ResourceStore, registry: ResourceRegistry): PolicySource {
  const admission = (resource: string) => registry.get('admissionregistration.k8s.io', 'v1', resource)!;
  const namespaces = registry.get('', 'v1', 'namespaces')!;
  const kindInfo = (apiVersion: string, kind: string) => {
    const { group, version } = parseApiVersion(apiVersion);
    return registry.byKind(group, version, kind);
  };
  const absent = (err: unknown): undefined => {
    if (err instanceof StatusError && err.code === 404) return undefined;
    throw err;
  };
  return {
    policies: async () => (await rest.list(admission('validatingadmissionpolicies'), undefined)).items,
    bindings: async () => (await rest.list(admission('validatingadmissionpolicybindings'), undefined)).items,
    namespace: (name) => rest.get(namespaces, undefined, name).catch(absent),
    paramScope: (apiVersion, kind) => {
      const info = kindInfo(apiVersion, kind);
      return info ? { namespaced: info.namespaced } : undefined;
    },
    getParam: async (apiVersion, kind, namespace, name) => {
      const info = kindInfo(apiVersion, kind);
      return info ? rest.get(info, namespace, name).catch(absent) : undefined;
    },
    listParams: async (apiVersion, kind, namespace) => {
      const info = kindInfo(apiVersion, kind);
      return info ? (await rest.list(info, namespace)).items : [];
    },
  };
}

// --- limits and fixed texts (k8s.io/apiserver/pkg/apis/cel) ----------------------------------

/** celconfig.RuntimeCELCostBudget: what one phase of a policy evaluation may spend. */
const RUNTIME_COST_BUDGET = 10_000_000;
const MAX_MESSAGE_BYTES = 5 * 1024;
const MAX_AUDIT_VALUE_BYTES = 10 * 1024;
const OUT_OF_BUDGET = 'validation failed due to running out of cost budget, no further validation rules will be run';
const VALIDATION_FAILURE_KEY = 'validation.policy.admission.k8s.io/validation_failure';
/** Rounds of asking the authorizer before an expression's result is taken as it is. */
const MAX_AUTHZ_ROUNDS = 16;

/** Admission configuration is never subject to API-defined policies, so none can lock itself in. */
const POLICY_RESOURCES = new Set(['validatingadmissionpolicies', 'validatingadmissionpolicybindings', 'mutatingadmissionpolicies', 'mutatingadmissionpolicybindings']);
/** Requests that store nothing are never evaluated. */
const REVIEW_RESOURCES = new Set([
  'authentication.k8s.io/tokenreviews',
  'authentication.k8s.io/selfsubjectreviews',
  'authorization.k8s.io/subjectaccessreviews',
  'authorization.k8s.io/selfsubjectaccessreviews',
  'authorization.k8s.io/localsubjectaccessreviews',
  'authorization.k8s.io/selfsubjectrulesreviews',
]);

function exempt(a: AdmissionAttributes): boolean {
  if (a.info.group === 'admissionregistration.k8s.io' && POLICY_RESOURCES.has(a.info.resource)) return true;
  return REVIEW_RESOURCES.has(`${a.info.group}/${a.info.resource}`);
}

// --- compiling ------------------------------------------------------------------------------

type Compiled = { program: Program } | { error: string };

interface CompiledExpr {
  expression: string;
  c: Compiled;
}

interface CompiledPolicy {
  name: string;
  spec: Obj;
  failurePolicy: string;
  variables: { name: string; c: Compiled }[];
  matchConditions: CompiledExpr[];
  validations: (CompiledExpr & { message: string; reason: string | undefined; messageExpression: CompiledExpr | undefined })[];
  auditAnnotations: (CompiledExpr & { key: string })[];
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.map((x) => (x && typeof x === 'object' ? (x as Obj) : {})) : []);

function compileExpr(expression: string, variables: string[]): CompiledExpr {
  try {
    return { expression, c: { program: compile(expression, { variables, functions: AUTHZ_FUNCTIONS }) } };
  } catch (err) {
    const msg = err instanceof CelError ? err.message : err instanceof Error ? err.message : String(err);
    return { expression, c: { error: `compilation failed: ${msg}` } };
  }
}

function compilePolicy(policy: Obj): CompiledPolicy {
  const spec: Obj = policy.spec ?? {};
  const base = ['object', 'oldObject', 'request', 'namespaceObject', 'variables', ...(spec.paramKind ? ['params'] : [])];
  const withAuthorizer = [...base, 'authorizer'];
  return {
    name: str(policy.metadata?.name),
    spec,
    failurePolicy: str(spec.failurePolicy) || 'Fail',
    variables: list(spec.variables).map((v) => ({ name: str(v.name), c: compileExpr(str(v.expression), withAuthorizer).c })),
    matchConditions: list(spec.matchConditions).map((m) => compileExpr(str(m.expression), withAuthorizer)),
    validations: list(spec.validations).map((v) => ({
      ...compileExpr(str(v.expression), withAuthorizer),
      message: str(v.message),
      reason: typeof v.reason === 'string' && v.reason ? v.reason : undefined,
      messageExpression: str(v.messageExpression) ? compileExpr(str(v.messageExpression), base) : undefined,
    })),
    auditAnnotations: list(spec.auditAnnotations).map((x) => ({ ...compileExpr(str(x.valueExpression), withAuthorizer), key: str(x.key) })),
  };
}

// --- evaluating -----------------------------------------------------------------------------

type Outcome = { value: unknown } | { error: string } | { outOfBudget: true };

/**
 * One ForInput of upstream's: a run of expressions sharing a cost budget and one lazily
 * evaluated, memoized `variables`.
 */
class Phase {
  remaining = RUNTIME_COST_BUDGET;
  /** Cost of variables evaluated during the current expression. */
  private variableCost = 0;
  private readonly memo = new Map<string, unknown>();
  readonly activation: Record<string, unknown>;

  constructor(
    base: Record<string, unknown>,
    private readonly defs: CompiledPolicy['variables'],
    private readonly checks: AuthzChecks | undefined,
  ) {
    this.activation = { ...base, variables: this.view(defs.length) };
  }

  /** `variables` as the expression at position `upTo` of the list sees it: only those before it. */
  private view(upTo: number): object {
    const v = new VariablesVal();
    for (let i = 0; i < upTo; i++) {
      const def = this.defs[i]!;
      Object.defineProperty(v, def.name, { enumerable: true, configurable: true, get: () => this.variable(i) });
    }
    return v;
  }

  private variable(i: number): unknown {
    const def = this.defs[i]!;
    if (this.memo.has(def.name)) return this.memo.get(def.name);
    if ('error' in def.c) {
      const e = new CelErr(`composited variable "${def.name}" fails to compile: ${def.c.error}`);
      this.memo.set(def.name, e);
      return e;
    }
    const misses = this.checks?.misses ?? 0;
    const r = def.c.program.evaluate({ ...this.activation, variables: this.view(i) }, { costLimit: PER_CALL_LIMIT });
    this.variableCost += r.cost ?? 0;
    const v = 'error' in r ? new CelErr(`composited variable "${def.name}" fails to evaluate: ${r.error}`) : asVariable(r.value);
    // A value computed before every authorizer answer was in is provisional.
    if ((this.checks?.misses ?? 0) === misses) this.memo.set(def.name, v);
    return v;
  }

  async run(e: CompiledExpr): Promise<Outcome> {
    if ('error' in e.c) return { error: `compilation error: ${e.c.error}` };
    for (let round = 0; ; round++) {
      this.variableCost = 0;
      const misses = this.checks?.misses ?? 0;
      const r = e.c.program.evaluate(this.activation, { costLimit: PER_CALL_LIMIT });
      if (this.checks && this.checks.misses !== misses && round < MAX_AUTHZ_ROUNDS) {
        await this.checks.settle();
        continue;
      }
      for (const cost of [this.variableCost, r.cost ?? 0]) {
        if (cost > this.remaining) return { outOfBudget: true };
        this.remaining -= cost;
      }
      return 'error' in r ? { error: `expression '${e.expression}' resulted in error: ${r.error}` } : { value: r.value };
    }
  }
}

/** The `variables` object: a foreign object to CEL, whose fields are the policy's variables. */
class VariablesVal {}

interface PolicyDecision {
  action: 'admit' | 'deny';
  message: string;
  reason?: string;
}

type AuditResult = { key: string; value: string } | { error: string };

interface ValidateResult {
  decisions: PolicyDecision[];
  audit: AuditResult[];
}

/** Go's utilerrors.NewAggregate(...).Error(): distinct messages, bracketed when several. */
function aggregate(messages: string[]): string {
  const distinct = [...new Set(messages)];
  return distinct.length === 1 ? distinct[0]! : `[${distinct.join(', ')}]`;
}

function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

function truncateBytes(s: string, n: number): string {
  const b = Buffer.from(s, 'utf8');
  return b.length <= n ? s : b.subarray(0, n).toString('utf8');
}

async function evaluate(p: CompiledPolicy, base: Record<string, unknown>, checks: AuthzChecks | undefined): Promise<ValidateResult> {
  const failAction: PolicyDecision['action'] = p.failurePolicy === 'Ignore' ? 'admit' : 'deny';
  const fail = (message: string): ValidateResult => ({ decisions: [{ action: failAction, message }], audit: [] });
  // messageExpression and auditAnnotations are evaluated without an authorizer.
  const withoutAuthorizer = { ...base };
  delete withoutAuthorizer.authorizer;

  if (p.matchConditions.length > 0) {
    const phase = new Phase(base, p.variables, checks);
    const errors: string[] = [];
    let skip = false;
    for (const m of p.matchConditions) {
      const r = await phase.run(m);
      if ('outOfBudget' in r) {
        errors.splice(0, errors.length, OUT_OF_BUDGET);
        break;
      }
      if ('error' in r) errors.push(r.error);
      else if (r.value === false) skip = true;
    }
    if (skip) return { decisions: [], audit: [] };
    if (errors.length > 0) return p.failurePolicy === 'Ignore' ? { decisions: [], audit: [] } : fail(aggregate(errors));
  }

  const phase = new Phase(base, p.variables, checks);
  const outcomes: Outcome[] = [];
  for (const v of p.validations) {
    const r = await phase.run(v);
    if ('outOfBudget' in r) return fail(OUT_OF_BUDGET);
    outcomes.push(r);
  }
  const messages = new Phase(withoutAuthorizer, p.variables, undefined);
  messages.remaining = phase.remaining;
  const decisions: PolicyDecision[] = [];
  for (const [i, v] of p.validations.entries()) {
    const r = outcomes[i]!;
    if ('error' in r) {
      decisions.push({ action: failAction, message: r.error });
      continue;
    }
    if ('value' in r && r.value === true) {
      decisions.push({ action: 'admit', message: '' });
      continue;
    }
    let message = '';
    if (v.messageExpression) {
      const m = await messages.run(v.messageExpression);
      if ('outOfBudget' in m) {
        decisions.push({ action: failAction, message: `failed messageExpression: ${OUT_OF_BUDGET}` });
        continue;
      }
      // A message that is not a one-line string of reasonable size falls back to the static one.
      if ('value' in m && typeof m.value === 'string') {
        const t = m.value.trim();
        if (byteLength(t) <= MAX_MESSAGE_BYTES && !t.includes('\n')) message = t;
      }
    }
    if (!message) message = v.message.trim();
    if (!message) message = `failed expression: ${v.expression.trim()}`;
    decisions.push({ action: 'deny', message, reason: v.reason ?? 'Invalid' });
  }

  const audits = new Phase(withoutAuthorizer, p.variables, undefined);
  const audit: AuditResult[] = [];
  for (const x of p.auditAnnotations) {
    const r = await audits.run(x);
    if ('outOfBudget' in r) return fail(OUT_OF_BUDGET);
    if ('error' in r) {
      if (p.failurePolicy !== 'Ignore') audit.push({ error: r.error });
      continue;
    }
    if (r.value === null || r.value === undefined) continue;
    if (typeof r.value === 'string') {
      const value = r.value.trim();
      if (value) audit.push({ key: x.key, value });
      continue;
    }
    audit.push({
      error: `valueExpression '${x.expression}' resulted in unsupported return type: ${typeName(r.value)}. Return type must be either string or null.`,
    });
  }
  return { decisions, audit };
}

// --- matching -------------------------------------------------------------------------------

type MatchOutcome = { matches: boolean; error?: string };

function isNamespaceRequest(a: AdmissionAttributes): boolean {
  return a.info.group === '' && a.info.resource === 'namespaces';
}

/** Per-request lookups, done at most once each. */
class RequestContext {
  private namespaces = new Map<string, Promise<Obj | undefined>>();
  readonly checks: AuthzChecks | undefined;

  constructor(
    readonly a: AdmissionAttributes,
    readonly source: PolicySource,
    authorize: ValidatingPolicyOptions['authorize'],
  ) {
    this.checks = authorize ? new AuthzChecks(authorize) : undefined;
  }

  namespace(name: string): Promise<Obj | undefined> {
    let p = this.namespaces.get(name);
    if (!p) {
      p = this.source.namespace(name);
      this.namespaces.set(name, p);
    }
    return p;
  }
}

function ruleAttributes(a: AdmissionAttributes) {
  return {
    operation: a.operation,
    resource: { group: a.info.group, version: a.info.version, resource: a.info.resource },
    ...(a.subresource ? { subResource: a.subresource } : {}),
    ...(a.namespace ? { namespace: a.namespace } : {}),
  };
}

function namedRulesMatch(rules: Obj[], a: AdmissionAttributes): boolean {
  const attrs = ruleAttributes(a);
  return rules.some((rule) => {
    if (!ruleMatches(rule, attrs)) return false;
    const names = Array.isArray(rule.resourceNames) ? rule.resourceNames.map(String) : [];
    return names.length === 0 || names.includes(a.name ?? '');
  });
}

function labelsOf(o: unknown): Record<string, string> | undefined {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return undefined;
  const labels = (o as Obj).metadata?.labels;
  return labels && typeof labels === 'object' ? labels : {};
}

async function namespaceSelectorMatches(sel: unknown, ctx: RequestContext): Promise<MatchOutcome> {
  const a = ctx.a;
  const isNamespace = isNamespaceRequest(a);
  // Cluster-scoped objects other than namespaces are never exempted by namespaceSelector.
  if (!a.namespace && !isNamespace) return { matches: true };
  const compiled = compileSelector(sel ?? {});
  if ('error' in compiled) return { matches: false, error: `Internal error occurred: ${compiled.error}` };
  if (compiled.kind === 'everything') return { matches: true };
  let labels: Record<string, string> | undefined;
  // A namespace being created or updated is matched on its new labels.
  if (isNamespace && !a.subresource && (a.operation === 'CREATE' || a.operation === 'UPDATE')) {
    labels = labelsOf(a.object) ?? {};
  } else {
    const name = a.namespace || (a.name ?? '');
    const ns = await ctx.namespace(name);
    if (!ns) return { matches: false, error: `namespaces "${name}" not found` };
    labels = ns.metadata?.labels ?? {};
  }
  return { matches: selectorMatches(compiled, labels) };
}

function objectSelectorMatches(sel: unknown, a: AdmissionAttributes): MatchOutcome {
  const compiled = compileSelector(sel ?? {});
  if ('error' in compiled) return { matches: false, error: `Internal error occurred: ${compiled.error}` };
  if (compiled.kind === 'everything') return { matches: true };
  const match = (o: unknown) => {
    const labels = o === undefined ? undefined : labelsOf(o);
    return labels !== undefined && selectorMatches(compiled, labels);
  };
  return { matches: match(a.object) || match(a.oldObject) };
}

/** A policy's matchConstraints or a binding's matchResources against the request. */
async function criteriaMatch(criteria: Obj, ctx: RequestContext): Promise<MatchOutcome> {
  const ns = await namespaceSelectorMatches(criteria.namespaceSelector, ctx);
  if (!ns.matches && !ns.error) return { matches: false };
  const obj = objectSelectorMatches(criteria.objectSelector, ctx.a);
  if (!obj.matches && !obj.error) return { matches: false };
  if (namedRulesMatch(list(criteria.excludeResourceRules), ctx.a)) return { matches: false };
  const rules = list(criteria.resourceRules);
  if (rules.length > 0 && !namedRulesMatch(rules, ctx.a)) return { matches: false };
  // Selector errors count only for requests the rules select.
  if (ns.error) return { matches: false, error: ns.error };
  if (obj.error) return { matches: false, error: obj.error };
  return { matches: true };
}

// --- CEL variables --------------------------------------------------------------------------

/** Upstream's requestinfo gives a Namespace's own requests (not its creation) its name as namespace. */
function requestNamespace(a: AdmissionAttributes): string | undefined {
  if (a.namespace) return a.namespace;
  return isNamespaceRequest(a) && a.operation !== 'CREATE' ? a.name : undefined;
}

/** The AdmissionRequest as CEL sees it: its JSON form, without uid, object and oldObject. */
function admissionRequest(a: AdmissionAttributes): Obj {
  const kind = { group: a.info.group, version: a.info.version, kind: a.info.kind };
  const resource = { group: a.info.group, version: a.info.version, resource: a.info.resource };
  const r: Obj = { kind, resource };
  if (a.subresource) r.subResource = a.subresource;
  r.requestKind = kind;
  r.requestResource = resource;
  if (a.subresource) r.requestSubResource = a.subresource;
  if (a.name) r.name = a.name;
  const ns = requestNamespace(a);
  if (ns) r.namespace = ns;
  r.operation = a.operation;
  const user: Obj = {};
  if (a.user.username) user.username = a.user.username;
  if (a.user.uid) user.uid = a.user.uid;
  if (a.user.groups.length > 0) user.groups = a.user.groups;
  if (a.user.extra && Object.keys(a.user.extra).length > 0) user.extra = a.user.extra;
  r.userInfo = user;
  r.dryRun = a.dryRun;
  if (a.options) r.options = a.options;
  return r;
}

/** namespaceObject: the fields upstream keeps (CreateNamespaceObject), timestamps as timestamps. */
function namespaceObject(ns: Obj): Obj {
  const m: Obj = ns.metadata ?? {};
  const meta: Obj = {};
  for (const k of ['name', 'generateName', 'namespace', 'uid', 'resourceVersion', 'generation', 'deletionGracePeriodSeconds']) {
    if (m[k] !== undefined && m[k] !== '' && m[k] !== 0) meta[k] = m[k];
  }
  for (const k of ['creationTimestamp', 'deletionTimestamp']) {
    if (typeof m[k] === 'string') meta[k] = timestampFromString(m[k]) ?? m[k];
  }
  for (const k of ['labels', 'annotations']) if (m[k] && Object.keys(m[k]).length > 0) meta[k] = m[k];
  if (Array.isArray(m.finalizers) && m.finalizers.length > 0) meta.finalizers = m.finalizers;
  return { metadata: meta, spec: ns.spec ?? {}, status: ns.status ?? {} };
}

// --- results --------------------------------------------------------------------------------

interface Denial {
  policy: string;
  binding: string | undefined;
  message: string;
  reason: string | undefined;
}

function reasonCode(reason: string): number {
  switch (reason) {
    case 'Forbidden':
      return 403;
    case 'Unauthorized':
      return 401;
    case 'RequestEntityTooLarge':
      return 413;
    default:
      return 422;
  }
}

/** What admission.NewForbidden names the object by: the request's name, else the object's. */
function objectName(a: AdmissionAttributes): string {
  if (a.name) return a.name;
  const m = a.object?.metadata;
  return str(m?.name) || str(m?.generateName) || 'Unknown';
}

function denial(a: AdmissionAttributes, d: Denial): StatusError {
  const message = d.binding
    ? `ValidatingAdmissionPolicy '${d.policy}' with binding '${d.binding}' denied request: ${d.message}`
    : `ValidatingAdmissionPolicy '${d.policy}' denied request: ${d.message}`;
  const reason = d.reason || 'Invalid';
  const name = objectName(a);
  const gr = a.info.group ? `${a.info.resource}.${a.info.group}` : a.info.resource;
  const details: StatusDetails = { name, ...(a.info.group ? { group: a.info.group } : {}), kind: a.info.resource, causes: [{ message }] };
  return new StatusError(reasonCode(reason), reason as StatusReason, `${gr} ${JSON.stringify(name)} is forbidden: ${message}`, details);
}


/** Upstream refuses to overwrite an audit annotation with a different value: the first stays. */
function annotate(a: AdmissionAttributes, key: string, value: string): void {
  if (!(key in a.annotations)) a.annotations[key] = value;
}

function warn(a: AdmissionAttributes, text: string): void {
  if (!a.warnings.includes(text)) a.warnings.push(text);
}

class ConfigError extends Error {}

// --- the plugin -----------------------------------------------------------------------------

interface Hook {
  policy: CompiledPolicy;
  bindings: Obj[];
}

function byName(x: Obj, y: Obj): number {
  return Buffer.compare(Buffer.from(str(x.metadata?.name)), Buffer.from(str(y.metadata?.name)));
}

/**
 * The ValidatingAdmissionPolicy plugin's configuration: policies and bindings read through a
 * cache (writes to admissionregistration.k8s.io must call invalidate()), each policy compiled
 * once per version of its spec.
 */
export class ValidatingAdmissionPolicies {
  private cached: Promise<Hook[]> | undefined;
  private compiled = new Map<string, CompiledPolicy>();

  constructor(
    private readonly source: PolicySource,
    private readonly options: ValidatingPolicyOptions = {},
  ) {}

  invalidate(): void {
    this.cached = undefined;
  }

  plugin(): AdmissionPlugin {
    return { name: 'ValidatingAdmissionPolicy', validate: (a) => this.validate(a) };
  }

  private load(): Promise<Hook[]> {
    this.cached ??= (async () => {
      const [policies, bindings] = await Promise.all([this.source.policies(), this.source.bindings()]);
      const bound = new Map<string, Obj[]>();
      for (const b of [...bindings].sort(byName)) {
        const name = str(b.spec?.policyName);
        bound.set(name, [...(bound.get(name) ?? []), b]);
      }
      const compiled = new Map<string, CompiledPolicy>();
      const hooks: Hook[] = [];
      for (const p of [...policies].sort(byName)) {
        const bs = bound.get(str(p.metadata?.name));
        if (!bs) continue;
        const key = `${str(p.metadata?.name)}\u0000${JSON.stringify(p.spec ?? {})}`;
        const c = this.compiled.get(key) ?? compilePolicy(p);
        compiled.set(key, c);
        hooks.push({ policy: c, bindings: bs });
      }
      this.compiled = compiled;
      return hooks;
    })();
    this.cached.catch(() => this.invalidate());
    return this.cached;
  }

  async validate(a: AdmissionAttributes): Promise<void> {
    if (exempt(a)) return;
    const hooks = await this.load();
    if (hooks.length === 0) return;
    const ctx = new RequestContext(a, this.source, this.options.authorize);
    const denied: Denial[] = [];
    const configError = (p: CompiledPolicy, binding: Obj | undefined, err: string) => {
      if (p.failurePolicy === 'Ignore') return;
      const message =
        p.failurePolicy === 'Fail' ? `failed to configure ${binding ? 'binding' : 'policy'}: ${err}` : `unrecognized failure policy: '${p.failurePolicy}'`;
      denied.push({ policy: p.name, binding: binding ? str(binding.metadata?.name) : undefined, message, reason: undefined });
    };
    let request: Obj | undefined;
    let nsObject: Promise<Obj | null> | undefined;

    for (const { policy: p, bindings } of hooks) {
      const constraints = p.spec.matchConstraints;
      if (!constraints || typeof constraints !== 'object') {
        configError(p, undefined, 'policy contained no match constraints, a required field');
        continue;
      }
      const pm = await criteriaMatch(constraints, ctx);
      if (pm.error) {
        configError(p, undefined, pm.error);
        continue;
      }
      if (!pm.matches) continue;
      const kind = p.spec.paramKind as Obj | undefined;
      const scope = kind ? this.source.paramScope(str(kind.apiVersion), str(kind.kind)) : undefined;
      if (kind && !scope) {
        const { group, version } = parseApiVersion(str(kind.apiVersion));
        configError(p, undefined, `failed to find resource referenced by paramKind: '${group}/${version}, Kind=${str(kind.kind)}'`);
        continue;
      }

      const collected = new Map<string, string[]>();
      for (const binding of bindings) {
        const criteria = binding.spec?.matchResources;
        if (criteria && typeof criteria === 'object') {
          const bm = await criteriaMatch(criteria, ctx);
          if (bm.error) {
            configError(p, binding, bm.error);
            continue;
          }
          if (!bm.matches) continue;
        }
        let params: (Obj | null)[];
        try {
          params = await this.collectParams(kind, scope, binding.spec?.paramRef, a);
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          configError(p, binding, err.message);
          continue;
        }
        if (params.length === 0) continue;
        request ??= admissionRequest(a);
        nsObject ??= this.namespaceObjectOf(ctx);
        const ns = await nsObject;
        const bindingName = str(binding.metadata?.name);
        const actions: string[] = Array.isArray(binding.spec?.validationActions) ? binding.spec.validationActions.map(String) : [];
        for (const param of params) {
          const base: Record<string, unknown> = {
            object: a.object ?? null,
            oldObject: a.oldObject ?? null,
            request,
            namespaceObject: ns,
            ...(kind ? { params: param } : {}),
            ...(ctx.checks ? { authorizer: this.authorizerFor(ctx) } : {}),
          };
          const result = await evaluate(p, base, ctx.checks);
          for (const [i, d] of result.decisions.entries()) {
            if (d.action !== 'deny') continue;
            for (const action of actions) {
              if (action === 'Deny') denied.push({ policy: p.name, binding: bindingName, message: d.message, reason: d.reason });
              else if (action === 'Warn') warn(a, `Validation failed for ValidatingAdmissionPolicy '${p.name}' with binding '${bindingName}': ${d.message}`);
              else if (action === 'Audit') {
                const value = [{ message: d.message, policy: str(binding.spec?.policyName), binding: bindingName, expressionIndex: i, validationActions: actions }];
                annotate(a, VALIDATION_FAILURE_KEY, goJson(value));
              }
            }
          }
          for (const x of result.audit) {
            if ('error' in x) {
              denied.push({ policy: p.name, binding: bindingName, message: x.error, reason: undefined });
              continue;
            }
            const value = truncateBytes(x.value, MAX_AUDIT_VALUE_BYTES);
            const values = collected.get(x.key) ?? [];
            if (!values.includes(value)) collected.set(x.key, [...values, value]);
          }
        }
      }
      // Bindings whose params give different values share one annotation.
      for (const [key, values] of collected) annotate(a, `${p.name}/${key}`, values.join(', '));
    }
    if (denied.length > 0) throw denial(a, denied[0]!);
  }

  private async namespaceObjectOf(ctx: RequestContext): Promise<Obj | null> {
    const a = ctx.a;
    // A Namespace's requests carry no namespace object, even where they carry a namespace.
    if (!a.namespace || isNamespaceRequest(a)) return null;
    const ns = await ctx.namespace(a.namespace);
    if (!ns) throw notFound({ group: '', resource: 'namespaces' }, a.namespace);
    return namespaceObject(ns);
  }

  private authorizerFor(ctx: RequestContext): AuthorizerVal {
    const a = ctx.a;
    return authorizerValue({ username: a.user.username, groups: a.user.groups }, ctx.checks!, {
      group: a.info.group,
      resource: a.info.resource,
      subresource: a.subresource ?? '',
      namespace: a.namespace ?? '',
      name: a.name ?? '',
    });
  }

  /** Upstream's CollectParams: the params to evaluate a binding with ([null] when it has none). */
  private async collectParams(
    kind: Obj | undefined,
    scope: { namespaced: boolean } | undefined,
    ref: Obj | undefined,
    a: AdmissionAttributes,
  ): Promise<(Obj | null)[]> {
    if (!kind || !scope || !ref || typeof ref !== 'object') return [null];
    const apiVersion = str(kind.apiVersion);
    const k = str(kind.kind);
    let namespace: string | undefined;
    if (scope.namespaced) {
      namespace = str(ref.namespace) || requestNamespace(a);
      if (!namespace) throw new ConfigError('cannot use namespaced paramRef in policy binding that matches cluster-scoped resources');
    } else if (str(ref.namespace)) {
      throw new ConfigError('paramRef.namespace must not be provided for a cluster-scoped `paramKind`');
    }
    let params: Obj[];
    if (str(ref.name)) {
      if (ref.selector) throw new ConfigError('paramRef.name and paramRef.selector are mutually exclusive');
      const p = await this.source.getParam(apiVersion, k, namespace, str(ref.name));
      params = p ? [p] : [];
    } else if (ref.selector) {
      const sel = compileSelector(ref.selector);
      if ('error' in sel) throw new ConfigError(sel.error);
      params = (await this.source.listParams(apiVersion, k, namespace)).filter((p) => selectorMatches(sel, p.metadata?.labels ?? {}));
    } else {
      throw new ConfigError('one of name or selector must be provided');
    }
    if (params.length === 0 && ref.parameterNotFoundAction === 'Deny') {
      throw new ConfigError('no params found for policy binding with `Deny` parameterNotFoundAction');
    }
    // Params always show their type, as upstream's wrappedParam makes sure.
    return params.map((p) => (p.apiVersion && p.kind ? p : { ...p, apiVersion, kind: k }));
  }
}
