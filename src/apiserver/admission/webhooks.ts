// The dispatcher behind kube-apiserver's MutatingAdmissionWebhook and ValidatingAdmissionWebhook
// plugins (k8s.io/apiserver/pkg/admission/plugin/webhook): which webhooks a request goes to, the
// AdmissionReview admission.k8s.io/v1 sent over HTTPS, and how answers and failures become the
// Status errors a user of a real cluster sees.
//
// Where kubelite differs from upstream, on purpose:
//   - Only AdmissionReview v1 is sent. A webhook whose admissionReviewVersions lacks "v1" fails
//     as a call failure (upstream would fall back to v1beta1).
//   - matchPolicy Equivalent is treated as Exact: kubelite serves one version per resource, so
//     there is no equivalent resource to convert to.
//   - matchConditions are evaluated with kubelite's CEL (src/api/cel), compiled once per
//     configuration version, with upstream's variables (object, oldObject, request, authorizer)
//     and cost limits. There is no type checking, so mistakes a typed compile would reject (an
//     unknown field, a result that is not a bool) show up at evaluation: as an error decided by
//     failurePolicy, or, for a non-bool result, as a match. `authorizer` is served only when the
//     owner passes an `authorize` function (otherwise it is unbound: "no such attribute(s):
//     authorizer"); its checks are asked asynchronously, so a condition waiting on one is
//     evaluated again once it is answered.
//   - Reinvocation (reinvocationPolicy IfNeeded) happens inside `mutate`: when a webhook's patch
//     changed the object, the earlier IfNeeded webhooks are called once more, as upstream's
//     second admission round does. Changes made by in-tree plugins do not trigger it.
//   - Warnings are deduplicated and capped per call (4096 runes, then 256 per warning), the
//     rule upstream applies per response.
//   - Audit annotations: the webhooks' own (`NAME/key`), `mutation.webhook.admission.k8s.io/…`
//     and the `failed-open.…` ones. The Request-level `patch.webhook.admission.k8s.io/…`
//     annotation is left out, since the result has no audit level.
//   - A patch that leaves something other than an object of the same apiVersion/kind is a 500
//     (upstream fails later, in conversion, with Go type names).
//   - The patched object is not defaulted again; the caller's later steps do that.
//   - TLS failures are worded as Go words them, but when both the chain and the host name are
//     wrong Node reports the chain (Go reports the name). client-go's retries on Retry-After
//     answers are not done.

import { randomUUID } from 'node:crypto';
import https from 'node:https';
import { isIP } from 'node:net';
import { posix } from 'node:path';
import tls, { type PeerCertificate } from 'node:tls';
import { StatusError, type Status, type StatusDetails, type StatusReason } from '../../api/errors.ts';
import { applyJsonPatch, decodeJsonPatch, PatchError } from '../../api/patch/index.ts';
import { goJson, goQ, unmarshalError } from '../../api/patch/gofmt.ts';
import { deepEqual } from '../../api/patch/json.ts';
import { goJsonSyntaxError } from '../../api/patch/json-syntax.ts';
import { CelError, compile as compileCel, PER_CALL_LIMIT, type Program } from '../../api/cel/index.ts';
import { compileSelector, selectorMatches } from '../../api/validation/meta.ts';
import type { Attributes as AuthorizationAttributes, Decision } from '../../auth/rbac/authorizer.ts';
import type { Obj } from '../rest.ts';
import { AUTHZ_FUNCTIONS, AuthzChecks, authorizerValue, type AuthorizerVal } from './cel-authz.ts';

export type WebhookOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface WebhookAttributes {
  kind: { group: string; version: string; kind: string };
  resource: { group: string; version: string; resource: string };
  subResource?: string;
  name?: string;
  namespace?: string;
  operation: WebhookOperation;
  userInfo: { username: string; uid?: string; groups: string[]; extra?: Record<string, string[]> };
  object?: Obj;
  oldObject?: Obj;
  dryRun: boolean;
  /** CreateOptions/UpdateOptions/DeleteOptions as upstream sends them. */
  options?: Obj;
  /** Informational: as upstream, rule scopes and namespaceSelector look at whether `namespace` is set. */
  namespaced: boolean;
}

export interface WebhookSource {
  /** Current MutatingWebhookConfiguration / ValidatingWebhookConfiguration objects (already validated by the API). */
  mutating(): Promise<Obj[]>;
  validating(): Promise<Obj[]>;
  /** Labels of a namespace for namespaceSelector; undefined if it does not exist. */
  namespaceLabels(name: string): Promise<Record<string, string> | undefined>;
}

export interface WebhookOptions {
  /**
   * Where a webhook Service's port is served. Returning undefined fails the call with upstream's
   * `no endpoints available for service "NAME"`; throwing an Error fails it with its message.
   */
  resolveService?: (namespace: string, name: string, port: number) => { host: string; port: number } | undefined;
  /** Clock (ms) for the deadline sent to the webhook as `?timeout=`. */
  now?: () => number;
  /** The authorizer behind matchConditions' `authorizer` variable (e.g. RBAC's decide). */
  authorize?: (attrs: AuthorizationAttributes) => Promise<Decision>;
}

export interface WebhookResult {
  warnings: string[];
  annotations: Record<string, string>;
}

/**
 * What `mutate` and `validate` throw: a StatusError that also carries the warnings and audit
 * annotations gathered before the failure (upstream still sends those with the error).
 */
export class WebhookStatusError extends StatusError {
  warnings: string[] = [];
  annotations: Record<string, string> = {};

  constructor(code: number, reason: StatusReason | '', message: string, details?: StatusDetails) {
    super(code, reason as StatusReason, message, details);
    this.name = 'WebhookStatusError';
  }

  static from(err: StatusError): WebhookStatusError {
    if (err instanceof WebhookStatusError) return err;
    return new WebhookStatusError(err.code, err.reason, err.message, err.details);
  }

  // A webhook may deny without a reason; upstream's Status then has none (omitempty).
  override toStatus(): Status {
    const s = super.toStatus();
    if (!s.reason) delete s.reason;
    return s;
  }
}

/** Upstream's ErrCallingWebhook: the webhook could not be asked; failurePolicy decides. */
class CallFailure extends Error {
  constructor(webhook: string, reason: string) {
    super(`failed calling webhook ${goQ(webhook)}: ${reason}`);
  }
}

const DEFAULT_TIMEOUT_SECONDS = 10;
const USER_AGENT = 'kube-apiserver-admission';
const MAX_UNSTRUCTURED_BODY = 2048;
const WARNINGS_TOTAL_RUNES = 4 * 1024;
const WARNING_ITEM_RUNES = 256;

const EXEMPT_KINDS = new Set([
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'MutatingAdmissionPolicy',
  'MutatingAdmissionPolicyBinding',
]);

/** Requests for admission configuration never reach webhooks, so a broken webhook cannot lock itself in. */
export function isExemptFromWebhooks(a: Pick<WebhookAttributes, 'kind'>): boolean {
  return a.kind.group === 'admissionregistration.k8s.io' && EXEMPT_KINDS.has(a.kind.kind);
}

interface Hook {
  /** `config/name/n`, unique even when a configuration repeats a webhook name. */
  uid: string;
  /** Names this version of the webhook: compiled matchConditions are kept under it. */
  key: string;
  configuration: string;
  name: string;
  spec: Obj;
}

function flatten(configs: Obj[]): Hook[] {
  const sorted = [...configs].sort((x, y) => cmp(String(x?.metadata?.name ?? ''), String(y?.metadata?.name ?? '')));
  const hooks: Hook[] = [];
  for (const c of sorted) {
    const configuration = String(c?.metadata?.name ?? '');
    const version = `${String(c?.metadata?.uid ?? '')}/${String(c?.metadata?.resourceVersion ?? '')}`;
    const seen = new Map<string, number>();
    for (const spec of Array.isArray(c?.webhooks) ? (c.webhooks as Obj[]) : []) {
      const name = String(spec?.name ?? '');
      const n = seen.get(name) ?? 0;
      seen.set(name, n + 1);
      const uid = `${configuration}/${name}/${n}`;
      // Without uid and resourceVersion (an object never stored) the conditions themselves tell versions apart.
      const key = version === '/' ? `${uid}\u0000${JSON.stringify(spec?.matchConditions ?? null)}` : `${version}/${uid}`;
      hooks.push({ uid, key, configuration, name, spec: spec ?? {} });
    }
  }
  return hooks;
}

// Byte order, as Go's sort of names does.
function cmp(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

// --- matching -------------------------------------------------------------------------------

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

function exactOrWildcard(items: string[], requested: string): boolean {
  return items.some((i) => i === '*' || i === requested);
}

function isNamespaceResource(r: WebhookAttributes['resource']): boolean {
  return r.group === '' && r.version === 'v1' && r.resource === 'namespaces';
}

/** One RuleWithOperations against a request, as upstream's rules.Matcher decides. */
export function ruleMatches(
  rule: Obj,
  a: Pick<WebhookAttributes, 'operation' | 'resource' | 'subResource' | 'namespace'>,
): boolean {
  const scope = rule.scope ?? '*';
  const namespaced = !!a.namespace;
  let scopeOk: boolean;
  if (scope === '*') scopeOk = true;
  // A Namespace is cluster-scoped even though its requests carry its name as namespace.
  else if (scope === 'Namespaced') scopeOk = !isNamespaceResource(a.resource) && namespaced;
  else if (scope === 'Cluster') scopeOk = isNamespaceResource(a.resource) || !namespaced;
  else scopeOk = false;
  if (!scopeOk) return false;
  if (!strings(rule.operations).some((op) => op === '*' || op === a.operation)) return false;
  if (!exactOrWildcard(strings(rule.apiGroups), a.resource.group)) return false;
  if (!exactOrWildcard(strings(rule.apiVersions), a.resource.version)) return false;
  const sub = a.subResource ?? '';
  return strings(rule.resources).some((entry) => {
    const slash = entry.indexOf('/');
    const res = slash < 0 ? entry : entry.slice(0, slash);
    const rsub = slash < 0 ? '' : entry.slice(slash + 1);
    return (res === '*' || res === a.resource.resource) && (rsub === '*' || rsub === sub);
  });
}

type SelectorOutcome = { matches: boolean; error?: StatusError };

function labelsOf(o: unknown): Record<string, string> | undefined {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return undefined;
  const meta = (o as Obj).metadata;
  if (meta !== undefined && (meta === null || typeof meta !== 'object')) return undefined;
  const labels = meta?.labels;
  return labels && typeof labels === 'object' ? labels : {};
}

function compile(sel: unknown): ReturnType<typeof compileSelector> {
  // The API defaults an absent selector to {} (everything).
  return compileSelector(sel ?? {});
}

function internal(msg: string): WebhookStatusError {
  return new WebhookStatusError(500, 'InternalError', `Internal error occurred: ${msg}`, { causes: [{ message: msg }] });
}

function forbidden(a: WebhookAttributes, msg: string): WebhookStatusError {
  const gr = a.resource.group ? `${a.resource.resource}.${a.resource.group}` : a.resource.resource;
  const name = a.name ?? '';
  const message = name ? `${gr} ${goQ(name)} is forbidden: ${msg}` : `${gr} is forbidden: ${msg}`;
  const details: StatusDetails = { name, kind: a.resource.resource };
  if (a.resource.group) details.group = a.resource.group;
  return new WebhookStatusError(403, 'Forbidden', message, details);
}

/** Per-request state: namespace labels and authorizer decisions are looked up once per request. */
class Lookup {
  private readonly cache = new Map<string, Promise<Record<string, string> | undefined>>();
  private request: Obj | undefined;
  readonly checks: AuthzChecks | undefined;

  constructor(
    private readonly source: WebhookSource,
    readonly conditions: ConditionCache,
    authorize: WebhookOptions['authorize'],
  ) {
    this.checks = authorize ? new AuthzChecks(authorize) : undefined;
  }

  labels(name: string): Promise<Record<string, string> | undefined> {
    let p = this.cache.get(name);
    if (!p) {
      p = this.source.namespaceLabels(name);
      this.cache.set(name, p);
    }
    return p;
  }

  /** What matchConditions see; `object` is read afresh, since mutating webhooks change it. */
  activation(a: WebhookAttributes): Record<string, unknown> {
    this.request ??= celRequest(a);
    return {
      object: a.object ?? null,
      oldObject: a.oldObject ?? null,
      request: this.request,
      ...(this.checks ? { authorizer: authorizerFor(a, this.checks) } : {}),
    };
  }
}

async function namespaceSelectorMatches(hook: Hook, a: WebhookAttributes, lookup: Lookup): Promise<SelectorOutcome> {
  const isNamespace = a.resource.resource === 'namespaces';
  const nsName = a.namespace || (isNamespace ? (a.name ?? '') : '');
  // Cluster-scoped objects other than namespaces are never exempted by namespaceSelector.
  if (!nsName && !isNamespace) return { matches: true };
  const sel = compile(hook.spec.namespaceSelector);
  if ('error' in sel) return { matches: false, error: internal(sel.error) };
  if (sel.kind === 'everything') return { matches: true };
  let labels: Record<string, string> | undefined;
  // A namespace being created or updated is matched on its new labels; the stored ones are stale.
  if (isNamespace && !a.subResource && (a.operation === 'CREATE' || a.operation === 'UPDATE')) {
    labels = labelsOf(a.object);
    if (labels === undefined) return { matches: false, error: internal('object does not implement the Object interfaces') };
  } else {
    labels = await lookup.labels(nsName);
    if (labels === undefined) {
      return {
        matches: false,
        error: new WebhookStatusError(404, 'NotFound', `namespaces ${goQ(nsName)} not found`, { name: nsName, kind: 'namespaces' }),
      };
    }
  }
  return { matches: selectorMatches(sel, labels) };
}

function objectSelectorMatches(hook: Hook, a: WebhookAttributes): SelectorOutcome {
  const sel = compile(hook.spec.objectSelector);
  if ('error' in sel) return { matches: false, error: internal(sel.error) };
  if (sel.kind === 'everything') return { matches: true };
  const match = (o: unknown): boolean => {
    const labels = o === undefined ? undefined : labelsOf(o);
    return labels !== undefined && selectorMatches(sel, labels);
  };
  return { matches: match(a.object) || match(a.oldObject) };
}

/** Upstream's ShouldCallHook: whether to call, or the error that ends the request. */
async function shouldCall(hook: Hook, a: WebhookAttributes, lookup: Lookup): Promise<boolean> {
  // Rules first: they need no lookups, and selector errors only count for matching webhooks.
  const rules = Array.isArray(hook.spec.rules) ? (hook.spec.rules as Obj[]) : [];
  if (!rules.some((r) => ruleMatches(r ?? {}, a))) return false;
  const ns = await namespaceSelectorMatches(hook, a, lookup);
  if (!ns.matches && !ns.error) return false;
  const obj = objectSelectorMatches(hook, a);
  if (!obj.matches && !obj.error) return false;
  if (ns.error) throw ns.error;
  if (obj.error) throw obj.error;
  if (Array.isArray(hook.spec.matchConditions) && hook.spec.matchConditions.length > 0) {
    return conditionsMatch(hook, a, lookup);
  }
  return true;
}

// --- matchConditions (k8s.io/apiserver/pkg/admission/plugin/webhook/matchconditions) ---------

/** celconfig.RuntimeCELCostBudgetMatchConditions: what one webhook's conditions may spend together. */
const MATCH_CONDITIONS_COST_BUDGET = 2_500_000;
const OUT_OF_BUDGET = 'validation failed due to running out of cost budget, no further validation rules will be run';
/** Rounds of asking the authorizer before a condition's result is taken as it is. */
const MAX_AUTHZ_ROUNDS = 16;
const CONDITION_VARIABLES = ['object', 'oldObject', 'request', 'authorizer'];

interface CompiledCondition {
  expression: string;
  c: { program: Program } | { error: string };
}

function compileCondition(expression: string): CompiledCondition {
  try {
    return { expression, c: { program: compileCel(expression, { variables: CONDITION_VARIABLES, functions: AUTHZ_FUNCTIONS }) } };
  } catch (err) {
    const msg = err instanceof CelError || err instanceof Error ? err.message : String(err);
    return { expression, c: { error: `compilation failed: ${msg}` } };
  }
}

/** Compiled matchConditions by Hook.key, holding only the webhooks of the latest configurations. */
class ConditionCache {
  private readonly compiled = new Map<string, CompiledCondition[]>();

  retain(hooks: Hook[]): void {
    if (this.compiled.size === 0) return;
    const live = new Set(hooks.map((h) => h.key));
    for (const key of this.compiled.keys()) if (!live.has(key)) this.compiled.delete(key);
  }

  get(hook: Hook): CompiledCondition[] {
    let c = this.compiled.get(hook.key);
    if (!c) {
      const conditions = Array.isArray(hook.spec.matchConditions) ? (hook.spec.matchConditions as Obj[]) : [];
      c = conditions.map((m) => compileCondition(typeof m?.expression === 'string' ? m.expression : ''));
      this.compiled.set(hook.key, c);
    }
    return c;
  }
}

/** The AdmissionRequest as CEL sees it: the one sent to webhooks, without uid, object and oldObject. */
function celRequest(a: WebhookAttributes): Obj {
  const r: Obj = { ...review('', a).request };
  delete r.uid;
  delete r.object;
  delete r.oldObject;
  if (r.options === null) delete r.options;
  return r;
}

type ConditionOutcome = { value: unknown } | { error: string } | { outOfBudget: true };

/**
 * Upstream's matcher: every condition is evaluated in order; a false one skips the webhook,
 * otherwise errors are decided by failurePolicy (Fail refuses the request with 403).
 */
async function conditionsMatch(hook: Hook, a: WebhookAttributes, lookup: Lookup): Promise<boolean> {
  const activation = lookup.activation(a);
  let remaining = MATCH_CONDITIONS_COST_BUDGET;
  const errors: string[] = [];
  let skip = false;
  for (const c of lookup.conditions.get(hook)) {
    const r = await evaluateCondition(c, activation, lookup.checks, remaining);
    if ('outOfBudget' in r) {
      // Running out of budget ends the evaluation as a whole, whatever came before.
      errors.splice(0, errors.length, OUT_OF_BUDGET);
      skip = false;
      break;
    }
    remaining = r.remaining;
    if ('error' in r.outcome) errors.push(r.outcome.error);
    else if (r.outcome.value === false) skip = true;
  }
  if (skip) return false;
  if (errors.length === 0) return true;
  if (hook.spec.failurePolicy === 'Ignore') return false;
  if (hook.spec.failurePolicy !== undefined && hook.spec.failurePolicy !== 'Fail') return true;
  const distinct = [...new Set(errors)];
  throw forbidden(a, distinct.length === 1 ? distinct[0]! : `[${distinct.join(', ')}]`);
}

async function evaluateCondition(
  c: CompiledCondition,
  activation: Record<string, unknown>,
  checks: AuthzChecks | undefined,
  remaining: number,
): Promise<{ outcome: { value: unknown } | { error: string }; remaining: number } | { outOfBudget: true }> {
  if ('error' in c.c) return { outcome: { error: `compilation error: ${c.c.error}` }, remaining };
  for (let round = 0; ; round++) {
    const misses = checks?.misses ?? 0;
    const r = c.c.program.evaluate(activation, { costLimit: PER_CALL_LIMIT });
    if (checks && checks.misses !== misses && round < MAX_AUTHZ_ROUNDS) {
      await checks.settle();
      continue;
    }
    const cost = r.cost ?? 0;
    if (cost > remaining) return { outOfBudget: true };
    const outcome = 'error' in r ? { error: `expression '${c.expression}' resulted in error: ${r.error}` } : { value: r.value };
    return { outcome, remaining: remaining - cost };
  }
}

/** `authorizer`, as the requesting user, with `authorizer.requestResource` naming what is requested. */
function authorizerFor(a: WebhookAttributes, checks: AuthzChecks): AuthorizerVal {
  return authorizerValue({ username: a.userInfo.username, groups: a.userInfo.groups }, checks, {
    group: a.resource.group,
    resource: a.resource.resource,
    subresource: a.subResource ?? '',
    namespace: a.namespace ?? '',
    name: a.name ?? '',
  });
}

// --- results --------------------------------------------------------------------------------

/** Warnings and audit annotations of one dispatch, recorded as upstream's recorders do. */
class Sink {
  readonly annotations: Record<string, string> = {};
  private out: string[] = [];
  private readonly ordered: string[] = [];
  private readonly recorded = new Set<string>();
  private written = 0;
  private truncating = false;

  annotate(key: string, value: string): void {
    // Upstream refuses to overwrite an annotation with a different value.
    if (!(key in this.annotations)) this.annotations[key] = value;
  }

  warn(text: string): void {
    if (text.length === 0) return;
    if (this.written >= WARNINGS_TOTAL_RUNES && this.truncating) return;
    if (this.recorded.has(text)) return;
    this.recorded.add(text);
    this.ordered.push(text);
    let t = text;
    let runes = [...t].length;
    if (this.truncating && runes > WARNING_ITEM_RUNES) {
      t = [...t].slice(0, WARNING_ITEM_RUNES).join('');
      runes = WARNING_ITEM_RUNES;
    }
    if (!wellFormed(t)) return;
    if (this.written + runes <= WARNINGS_TOTAL_RUNES || this.truncating) {
      this.written += runes;
      this.out.push(t);
      return;
    }
    this.truncating = true;
    this.written = 0;
    this.out = [];
    for (const w of this.ordered) {
      const cut = [...w].slice(0, WARNING_ITEM_RUNES).join('');
      if (!wellFormed(cut)) continue;
      this.written += [...cut].length;
      this.out.push(cut);
    }
  }

  result(): WebhookResult {
    return { warnings: [...this.out], annotations: { ...this.annotations } };
  }

  fail(err: unknown): WebhookStatusError {
    const e = err instanceof StatusError ? WebhookStatusError.from(err) : internal(err instanceof Error ? err.message : String(err));
    e.warnings = [...this.out];
    e.annotations = { ...this.annotations };
    return e;
  }
}

// Go drops a warning whose text is not valid UTF-8; in JS that is a lone surrogate.
function wellFormed(s: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}


/** Upstream's ToStatusErr: the Status of a webhook's denial. */
function denial(webhook: string, result: unknown): WebhookStatusError {
  const r: Obj = result && typeof result === 'object' && !Array.isArray(result) ? (result as Obj) : {};
  const deniedBy = `admission webhook ${goQ(webhook)} denied the request`;
  const code = typeof r.code === 'number' && r.code >= 400 ? r.code : 400;
  const reason = typeof r.reason === 'string' ? r.reason : '';
  const msg = typeof r.message === 'string' ? r.message : '';
  const message = msg ? `${deniedBy}: ${msg}` : reason ? `${deniedBy}: ${reason}` : `${deniedBy} without explanation`;
  const details = r.details && typeof r.details === 'object' && !Array.isArray(r.details) ? (r.details as StatusDetails) : undefined;
  return new WebhookStatusError(code, reason as StatusReason | '', message, details);
}

// --- calling a webhook ----------------------------------------------------------------------

interface Target {
  /** As upstream prints it in `Post "URL"`, without the timeout parameter. */
  url: string;
  connectHost: string;
  connectPort: number;
  /** Name the serving certificate must hold. */
  serverName: string;
  hostHeader: string;
  path: string;
  ca: string | undefined;
}

class ResolveError extends Error {}

interface Verified {
  allowed: boolean;
  patch: string | undefined;
  patchType: string | undefined;
  result: unknown;
  auditAnnotations: Record<string, string>;
  warnings: string[];
}

// Go's path.Clean of the URL path, as the REST client joins it ("" → "/").
function cleanPath(p: string): string {
  const n = posix.normalize(`/${p}`);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function splitHostPort(hostport: string): { host: string; port: number | undefined } {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(hostport);
  if (!m) return { host: hostport, port: undefined };
  return { host: unbracket(m[1] ?? ''), port: m[2] ? Number(m[2]) : undefined };
}

function caFrom(bundle: unknown): string | undefined | Error {
  if (typeof bundle !== 'string' || bundle === '') return undefined;
  const pem = Buffer.from(bundle, 'base64').toString('utf8');
  if (!/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.test(pem)) {
    return new Error('unable to load root certificates: unable to parse bytes as PEM block');
  }
  return pem;
}

export class WebhookDispatcher {
  private readonly now: () => number;
  private readonly conditions = { mutating: new ConditionCache(), validating: new ConditionCache() };

  constructor(
    private readonly source: WebhookSource,
    private readonly opts: WebhookOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
  }

  async active(): Promise<boolean> {
    const [m, v] = await Promise.all([this.source.mutating(), this.source.validating()]);
    return m.length > 0 || v.length > 0;
  }

  async mutate(a: WebhookAttributes): Promise<WebhookResult> {
    const sink = new Sink();
    if (isExemptFromWebhooks(a)) return sink.result();
    const hooks = flatten(await this.source.mutating());
    this.conditions.mutating.retain(hooks);
    if (hooks.length === 0) return sink.result();
    const lookup = new Lookup(this.source, this.conditions.mutating, this.opts.authorize);
    // Upstream's webhookReinvokeContext: IfNeeded webhooks called so far, and those owed a second call.
    const state = { previous: new Set<string>(), reinvoke: new Set<string>(), again: false };
    try {
      await this.mutateRound(0, hooks, a, sink, lookup, state);
      if (state.again) await this.mutateRound(1, hooks, a, sink, lookup, state);
    } catch (err) {
      throw sink.fail(err);
    }
    return sink.result();
  }

  private async mutateRound(
    round: number,
    hooks: Hook[],
    a: WebhookAttributes,
    sink: Sink,
    lookup: Lookup,
    state: { previous: Set<string>; reinvoke: Set<string>; again: boolean },
  ): Promise<void> {
    for (const [i, hook] of hooks.entries()) {
      if (!(await shouldCall(hook, a, lookup))) continue;
      // A webhook skipped in the first round is not called for the first time in the second.
      if (round === 1 && !state.reinvoke.has(hook.uid)) continue;
      let changed = false;
      let error: unknown;
      try {
        changed = await this.callMutating(hook, a, sink, round, i);
      } catch (err) {
        error = err;
      }
      if (changed) {
        for (const uid of state.previous) state.reinvoke.add(uid);
        state.previous.clear();
        state.again = true;
      }
      if (hook.spec.reinvocationPolicy === 'IfNeeded') state.previous.add(hook.uid);
      if (error === undefined) continue;
      if (error instanceof CallFailure) {
        if (hook.spec.failurePolicy === 'Ignore') {
          sink.annotate(`failed-open.mutation.webhook.admission.k8s.io/round_${round}_index_${i}`, hook.name);
          continue;
        }
        throw internal(error.message);
      }
      throw error;
    }
  }

  private async callMutating(hook: Hook, a: WebhookAttributes, sink: Sink, round: number, i: number): Promise<boolean> {
    let changed = false;
    try {
      const res = await this.call(hook, a, sink, true);
      if (!res.allowed) throw denial(hook.name, res.result);
      if (res.patch === undefined) return false;
      let text: string;
      try {
        text = decodeBase64(res.patch).toString('utf8');
      } catch (err) {
        throw new CallFailure(hook.name, `failed to call webhook: ${(err as Error).message}`);
      }
      let ops: unknown[];
      try {
        ops = decodeJsonPatch(parseJson(text));
      } catch (err) {
        throw new CallFailure(hook.name, `received undecodable patch in webhook response: ${patchText(err)}`);
      }
      if (ops.length === 0) return false;
      if (a.object === undefined) {
        throw internal(`admission webhook ${goQ(hook.name)} attempted to modify the object, which is not supported for this operation`);
      }
      if (res.patchType !== 'JSONPatch') {
        throw new CallFailure(hook.name, `unsupported patch type ${goQ(res.patchType ?? '')}`);
      }
      let patched: unknown;
      try {
        patched = applyJsonPatch(a.object, ops);
      } catch (err) {
        throw internal(patchText(err));
      }
      const next = checkPatched(hook.name, a.object, patched);
      changed = !deepEqual(a.object, next);
      // Keep the caller's object identity: it may hold a reference to it.
      for (const k of Object.keys(a.object)) delete a.object[k];
      Object.assign(a.object, next);
      return changed;
    } finally {
      sink.annotate(
        `mutation.webhook.admission.k8s.io/round_${round}_index_${i}`,
        goJson({ configuration: hook.configuration, webhook: hook.name, mutated: changed }),
      );
    }
  }

  async validate(a: WebhookAttributes): Promise<WebhookResult> {
    const sink = new Sink();
    if (isExemptFromWebhooks(a)) return sink.result();
    const hooks = flatten(await this.source.validating());
    this.conditions.validating.retain(hooks);
    if (hooks.length === 0) return sink.result();
    const lookup = new Lookup(this.source, this.conditions.validating, this.opts.authorize);
    const relevant: Hook[] = [];
    try {
      for (const hook of hooks) if (await shouldCall(hook, a, lookup)) relevant.push(hook);
    } catch (err) {
      throw sink.fail(err);
    }
    // Errors in the order the calls end, as upstream's channel collects them.
    const errors: unknown[] = [];
    await Promise.all(
      relevant.map(async (hook, idx) => {
        const ignore = hook.spec.failurePolicy === 'Ignore';
        const failOpen = (): void => sink.annotate(`failed-open.validating.webhook.admission.k8s.io/round_0_index_${idx}`, hook.name);
        try {
          const res = await this.call(hook, a, sink, false);
          if (!res.allowed) throw denial(hook.name, res.result);
        } catch (err) {
          if (err instanceof CallFailure) {
            if (ignore) failOpen();
            else errors.push(internal(err.message));
          } else if (err instanceof StatusError) {
            errors.push(err);
          } else if (ignore) {
            failOpen();
          } else {
            errors.push(internal(`ValidatingAdmissionWebhook/${hook.name} has panicked: ${err instanceof Error ? err.message : String(err)}`));
          }
        }
      }),
    );
    if (errors.length > 0) throw sink.fail(errors[0]);
    return sink.result();
  }

  /** Sends the AdmissionReview and checks the answer; records its warnings and annotations. */
  private async call(hook: Hook, a: WebhookAttributes, sink: Sink, mutating: boolean): Promise<Verified> {
    const h = hook.spec;
    if (a.dryRun) {
      if (h.sideEffects === undefined || h.sideEffects === null) throw new CallFailure(hook.name, 'Webhook SideEffects is nil');
      if (h.sideEffects !== 'None' && h.sideEffects !== 'NoneOnDryRun') {
        throw new WebhookStatusError(400, 'BadRequest', `admission webhook ${goQ(hook.name)} does not support dry run`);
      }
    }
    if (!strings(h.admissionReviewVersions).includes('v1')) {
      throw new CallFailure(
        hook.name,
        'could not create admission objects: webhook does not accept known AdmissionReview versions (v1)',
      );
    }
    const uid = randomUUID();
    const target = this.target(hook);
    if (target instanceof Error) throw new CallFailure(hook.name, `could not get REST client: ${target.message}`);

    const seconds = typeof h.timeoutSeconds === 'number' && h.timeoutSeconds > 0 ? h.timeoutSeconds : DEFAULT_TIMEOUT_SECONDS;
    const deadline = this.now() + seconds * 1000;
    // The deadline goes to the webhook as ?timeout=, rounded up to whole seconds.
    const timeoutParam = `${Math.max(1, Math.ceil((deadline - this.now()) / 1000))}s`;
    const path = `${target.path}?timeout=${timeoutParam}`;
    const url = `${target.url}?timeout=${timeoutParam}`;
    const body = JSON.stringify(review(uid, a));

    let res: HttpResult;
    try {
      res = await this.post(hook, target, path, body, seconds * 1000);
    } catch (err) {
      const text = err instanceof ResolveError ? err.message : (err as Error).message;
      throw new CallFailure(hook.name, `failed to call webhook: Post ${goQ(url)}: ${text}`);
    }
    const decoded = decodeResponse(res);
    if (typeof decoded === 'string') throw new CallFailure(hook.name, `failed to call webhook: ${decoded}`);
    const verified = verify(uid, mutating, decoded);
    if (typeof verified === 'string') throw new CallFailure(hook.name, `received invalid webhook response: ${verified}`);
    for (const [k, v] of Object.entries(verified.auditAnnotations)) sink.annotate(`${hook.name}/${k}`, v);
    for (const w of verified.warnings) sink.warn(w);
    return verified;
  }

  private target(hook: Hook): Target | Error {
    const cc: Obj = hook.spec.clientConfig ?? {};
    const ca = caFrom(cc.caBundle);
    if (ca instanceof Error) return ca;
    if (cc.service && typeof cc.service === 'object') {
      const svc = cc.service as Obj;
      const port = typeof svc.port === 'number' && svc.port > 0 ? svc.port : 443;
      const serverName = `${svc.name}.${svc.namespace}.svc`;
      const hostport = `${serverName}:${port}`;
      const path = cleanPath(typeof svc.path === 'string' ? svc.path : '');
      // Resolved at dial time, as upstream's dialer does; connectHost is filled in by post().
      return { url: `https://${hostport}${path}`, connectHost: '', connectPort: port, serverName, hostHeader: hostport, path, ca };
    }
    if (typeof cc.url !== 'string' || cc.url === '') {
      return new CallFailure(hook.name, 'webhook configuration must have either service or URL');
    }
    const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)/.exec(cc.url);
    if (!m) return new CallFailure(hook.name, `Unparsable URL: parse ${goQ(cc.url)}: missing protocol scheme`);
    const scheme = m[1]!.toLowerCase();
    if (scheme !== 'https') return new CallFailure(hook.name, `Unparsable URL: webhook URL must use the https scheme, got ${goQ(scheme)}`);
    const rawHost = m[2]!;
    const { host, port } = splitHostPort(rawHost);
    const path = cleanPath(m[3] ?? '');
    return {
      url: `https://${rawHost}${path}`,
      connectHost: host,
      connectPort: port ?? 443,
      serverName: host,
      hostHeader: rawHost,
      path,
      ca,
    };
  }

  private async post(hook: Hook, t: Target, path: string, body: string, timeoutMs: number): Promise<HttpResult> {
    let target = t;
    if (!t.connectHost) {
      const svc: Obj = hook.spec.clientConfig.service;
      const name = String(svc.name);
      let resolved: { host: string; port: number } | undefined;
      try {
        resolved = this.opts.resolveService?.(String(svc.namespace), name, t.connectPort);
      } catch (err) {
        throw new ResolveError(err instanceof Error ? err.message : String(err));
      }
      if (!resolved) throw new ResolveError(`no endpoints available for service ${goQ(name)}`);
      target = { ...t, connectHost: resolved.host, connectPort: resolved.port };
    }
    return httpsPost(target, path, body, timeoutMs);
  }
}

// --- wire format ----------------------------------------------------------------------------

function review(uid: string, a: WebhookAttributes): Obj {
  const user: Obj = {};
  if (a.userInfo.username) user.username = a.userInfo.username;
  if (a.userInfo.uid) user.uid = a.userInfo.uid;
  if (a.userInfo.groups.length > 0) user.groups = a.userInfo.groups;
  if (a.userInfo.extra && Object.keys(a.userInfo.extra).length > 0) user.extra = a.userInfo.extra;
  const request: Obj = {
    uid,
    kind: { group: a.kind.group, version: a.kind.version, kind: a.kind.kind },
    resource: { group: a.resource.group, version: a.resource.version, resource: a.resource.resource },
  };
  if (a.subResource) request.subResource = a.subResource;
  request.requestKind = request.kind;
  request.requestResource = request.resource;
  if (a.subResource) request.requestSubResource = a.subResource;
  if (a.name) request.name = a.name;
  if (a.namespace) request.namespace = a.namespace;
  request.operation = a.operation;
  request.userInfo = user;
  request.object = a.object ?? null;
  request.oldObject = a.oldObject ?? null;
  request.dryRun = a.dryRun;
  request.options = a.options ?? null;
  return { kind: 'AdmissionReview', apiVersion: 'admission.k8s.io/v1', request };
}

interface HttpResult {
  status: number;
  contentType: string | undefined;
  body: Buffer;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(goJsonSyntaxError(text));
  }
}

function patchText(err: unknown): string {
  if (err instanceof PatchError) return err.detail;
  return err instanceof Error ? err.message : String(err);
}

/** base64.StdEncoding as encoding/json decodes []byte: strict alphabet and padding. */
function decodeBase64(s: string): Buffer {
  const clean = s.replace(/[\r\n]/g, '');
  const bad = /[^A-Za-z0-9+/=]/.exec(clean);
  if (bad) throw new Error(`illegal base64 data at input byte ${bad.index}`);
  const pad = clean.indexOf('=');
  if (clean.length % 4 !== 0 || (pad >= 0 && (pad < clean.length - 2 || /[^=]/.test(clean.slice(pad))))) {
    const at = pad >= 0 && pad < clean.length - 2 ? pad : clean.length - (clean.length % 4 || 4);
    throw new Error(`illegal base64 data at input byte ${Math.max(0, at)}`);
  }
  return Buffer.from(clean, 'base64');
}

/** What client-go's REST client makes of the HTTP answer: the decoded body, or its error text. */
function decodeResponse(res: HttpResult): Obj | string {
  const text = res.body.toString('utf8');
  if (res.status < 200 || res.status > 206) {
    // A Status in the body wins over the generic text.
    try {
      const v = JSON.parse(text);
      if (v && typeof v === 'object' && v.kind === 'Status' && v.status === 'Failure') return String(v.message ?? '');
    } catch {
      // not JSON: fall through to the generic text
    }
    return genericServerMessage(res.status, unstructuredMessage(res));
  }
  if (res.body.length === 0) {
    return `0-length response with status code: ${res.status} and content type: ${res.contentType ?? ''}`;
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return `couldn't get version/kind; json parse error: ${goJsonSyntaxError(text)}`;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    return `couldn't get version/kind; json parse error: ${unmarshalError(v, 'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }')}`;
  }
  const o = v as Obj;
  if (o.kind === 'Status' && o.status !== undefined && o.status !== 'Success') return String(o.message ?? '');
  const r = o.response;
  if (r !== undefined && r !== null) {
    if (typeof r !== 'object' || Array.isArray(r)) {
      return unmarshalError(r, 'v1.AdmissionResponse').replace('Go value', 'Go struct field AdmissionReview.response');
    }
    const fieldType: [string, string, string][] = [
      ['uid', 'string', 'types.UID'],
      ['allowed', 'boolean', 'bool'],
      ['patch', 'string', '[]uint8'],
      ['patchType', 'string', 'v1.PatchType'],
    ];
    for (const [f, js, goType] of fieldType) {
      const fv = (r as Obj)[f];
      if (fv !== undefined && fv !== null && typeof fv !== js) {
        return unmarshalError(fv, goType).replace('Go value', `Go struct field AdmissionResponse.response.${f}`);
      }
    }
  }
  return o;
}

function isTextResponse(contentType: string | undefined): boolean {
  if (!contentType) return true;
  return /^\s*text\//i.test(contentType);
}

function unstructuredMessage(res: HttpResult): string {
  if (!isTextResponse(res.contentType)) return 'unknown';
  return res.body.subarray(0, MAX_UNSTRUCTURED_BODY).toString('utf8').trim();
}

/** apimachinery's NewGenericServerResponse message for a non-2xx answer that is not a Status. */
function genericServerMessage(code: number, serverMessage: string): string {
  switch (code) {
    case 409:
      return 'the server reported a conflict';
    case 404:
      return 'the server could not find the requested resource';
    case 400:
      return 'the server rejected our request for an unknown reason';
    case 401:
      return 'the server has asked for the client to provide credentials';
    case 403:
    case 415:
      return serverMessage;
    case 406:
      return serverMessage && serverMessage !== 'unknown'
        ? serverMessage
        : 'the server was unable to respond with a content type that the client supports';
    case 405:
      return 'the server does not allow this method on the requested resource';
    case 422:
      return 'the server rejected our request due to an error in our request';
    case 503:
      return 'the server is currently unable to handle the request';
    case 504:
      return 'the server was unable to return a response in the time allotted, but may still be processing the request';
    case 429:
      return 'the server has received too many requests and has asked us to try again later';
    default:
      if (code >= 500) return `an error on the server (${goQ(serverMessage)}) has prevented the request from succeeding`;
      return `the server responded with the status code ${code} but did not return more information`;
  }
}

/** Upstream's VerifyAdmissionResponse for v1: the answer's fields, or why it is unusable. */
function verify(uid: string, mutating: boolean, o: Obj): Verified | string {
  const r = o.response;
  if (r === undefined || r === null) return 'webhook response was absent';
  const gotUid = typeof r.uid === 'string' ? r.uid : '';
  if (gotUid !== uid) return `expected response.uid=${goQ(uid)}, got ${goQ(gotUid)}`;
  const apiVersion = typeof o.apiVersion === 'string' ? o.apiVersion : '';
  const kind = typeof o.kind === 'string' ? o.kind : '';
  if (apiVersion !== 'admission.k8s.io/v1' || kind !== 'AdmissionReview') {
    const slash = apiVersion.indexOf('/');
    const group = slash < 0 ? '' : apiVersion.slice(0, slash);
    const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
    return `expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got ${group}/${version}, Kind=${kind}`;
  }
  const patch = typeof r.patch === 'string' && r.patch !== '' ? r.patch : undefined;
  const hasPatchType = r.patchType !== undefined && r.patchType !== null;
  let patchType: string | undefined;
  if (mutating) {
    if (patch !== undefined && !hasPatchType) return 'webhook returned response.patch but not response.patchType';
    if (patch === undefined && hasPatchType) return 'webhook returned response.patchType but not response.patch';
    if (hasPatchType) {
      patchType = String(r.patchType);
      if (patchType === '') return `webhook returned invalid response.patchType of ${goQ(patchType)}`;
    }
  } else {
    if (patch !== undefined) return 'validating webhook may not return response.patch';
    if (hasPatchType) return 'validating webhook may not return response.patchType';
  }
  const annotations: Record<string, string> = {};
  if (r.auditAnnotations && typeof r.auditAnnotations === 'object') {
    for (const [k, v] of Object.entries(r.auditAnnotations as Obj)) annotations[k] = String(v);
  }
  return {
    allowed: r.allowed === true,
    patch: mutating ? patch : undefined,
    patchType,
    result: r.status,
    auditAnnotations: annotations,
    warnings: Array.isArray(r.warnings) ? r.warnings.map(String) : [],
  };
}

function gvkString(o: Obj): string {
  const apiVersion = typeof o.apiVersion === 'string' ? o.apiVersion : '';
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  return `${group}/${version}, Kind=${typeof o.kind === 'string' ? o.kind : ''}`;
}

/** The patched document must still be the same kind of object. */
function checkPatched(webhook: string, before: Obj, after: unknown): Obj {
  if (after === null || typeof after !== 'object' || Array.isArray(after)) {
    throw internal(
      `couldn't get version/kind; json parse error: ${unmarshalError(after, 'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }')}`,
    );
  }
  const next = after as Obj;
  // Decoding fills a missing apiVersion or kind from the type being decoded into.
  if (next.apiVersion === undefined || next.apiVersion === '') {
    if (before.apiVersion !== undefined) next.apiVersion = before.apiVersion;
  }
  if (next.kind === undefined || next.kind === '') {
    if (before.kind !== undefined) next.kind = before.kind;
  }
  if (next.apiVersion !== before.apiVersion || next.kind !== before.kind) {
    throw internal(
      `admission webhook ${goQ(webhook)} changed the object's type from ${gvkString(before)} to ${gvkString(next)}, which is not supported`,
    );
  }
  return next;
}

// --- HTTPS ----------------------------------------------------------------------------------

const UNKNOWN_AUTHORITY = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
]);

const VERIFY = 'tls: failed to verify certificate: ';

/** Formats an address as Go's dialer does: IPv6 in brackets. */
function addr(host: string, port: number | string): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

function sans(cert: PeerCertificate): { dns: string[]; ips: string[] } {
  const dns: string[] = [];
  const ips: string[] = [];
  for (const part of (cert.subjectaltname ?? '').split(', ')) {
    if (part.startsWith('DNS:')) dns.push(part.slice(4));
    else if (part.startsWith('IP Address:')) {
      const ip = part.slice(11);
      // Node writes IPv6 SANs in full; Go prints them compressed.
      ips.push(isIP(ip) === 6 ? new URL(`http://[${ip}]`).hostname.slice(1, -1) : ip);
    }
  }
  return { dns, ips };
}

/** Go's crypto/x509 HostnameError text: certificates are matched on SANs only. */
function hostnameError(host: string, cert: PeerCertificate): string {
  const { dns, ips } = sans(cert);
  const cn = cert.subject?.CN;
  if (!cert.subjectaltname && typeof cn === 'string' && cn.toLowerCase() === host.toLowerCase()) {
    return 'x509: certificate relies on legacy Common Name field, use SANs instead';
  }
  let valid: string;
  if (isIP(host)) {
    if (ips.length === 0) return `x509: cannot validate certificate for ${host} because it doesn't contain any IP SANs`;
    valid = ips.join(', ');
  } else {
    valid = dns.join(', ');
  }
  if (!valid) return `x509: certificate is not valid for any names, but wanted to match ${host}`;
  return `x509: certificate is valid for ${valid}, not ${host}`;
}

class GoError extends Error {}

function netError(err: NodeJS.ErrnoException & { address?: string; port?: number }, t: Target): string {
  if (err instanceof GoError) return err.message;
  const code = err.code ?? '';
  const at = addr(err.address ?? t.connectHost, err.port ?? t.connectPort);
  if (code === 'ECONNREFUSED') return `dial tcp ${at}: connect: connection refused`;
  if (code === 'ENOTFOUND') return `dial tcp: lookup ${t.connectHost}: no such host`;
  if (code === 'EAI_AGAIN') return `dial tcp: lookup ${t.connectHost}: server misbehaving`;
  if (code === 'ETIMEDOUT') return `dial tcp ${at}: i/o timeout`;
  if (code === 'EHOSTUNREACH') return `dial tcp ${at}: connect: no route to host`;
  if (code === 'ENETUNREACH') return `dial tcp ${at}: connect: network is unreachable`;
  if (code === 'ECONNRESET' || code === 'EPIPE' || err.message === 'socket hang up') return 'EOF';
  if (UNKNOWN_AUTHORITY.has(code)) return `${VERIFY}x509: certificate signed by unknown authority`;
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return `${VERIFY}x509: certificate has expired or is not yet valid`;
  }
  if (/WRONG_VERSION_NUMBER|HTTP_REQUEST|PACKET_LENGTH_TOO_LONG/.test(code)) {
    return 'http: server gave HTTP response to HTTPS client';
  }
  return err.message;
}

function httpsPost(t: Target, path: string, body: string, timeoutMs: number): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (err: string | undefined, res?: HttpResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err !== undefined) reject(new Error(err));
      else resolve(res!);
    };
    const req = https.request(
      {
        host: t.connectHost,
        port: t.connectPort,
        path,
        method: 'POST',
        // A fresh connection per call: nothing lingers once the request is over.
        agent: false,
        ...(isIP(t.serverName) ? {} : { servername: t.serverName }),
        ...(t.ca !== undefined ? { ca: t.ca } : {}),
        checkServerIdentity: (_host: string, cert: PeerCertificate): Error | undefined => {
          // Node would accept a certificate without SANs on its Common Name; Go does not.
          if (!cert.subjectaltname || tls.checkServerIdentity(t.serverName, cert) !== undefined) {
            return new GoError(VERIFY + hostnameError(t.serverName, cert));
          }
          return undefined;
        },
        headers: {
          Host: t.hostHeader,
          'Content-Type': 'application/json',
          Accept: 'application/json, */*',
          'User-Agent': USER_AGENT,
          'Content-Length': Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          settle(undefined, { status: res.statusCode ?? 0, contentType: res.headers['content-type'], body: Buffer.concat(chunks) }),
        );
        res.on('error', (e) => settle(netError(e, t)));
        res.on('aborted', () => settle('unexpected EOF'));
      },
    );
    const timer = setTimeout(() => {
      settle('context deadline exceeded');
      req.destroy();
    }, timeoutMs);
    req.on('error', (e) => settle(netError(e, t)));
    req.end(body);
  });
}
