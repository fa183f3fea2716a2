// The CEL authorizer library (k8s.io/apiserver/pkg/cel/library/authz.go), shared by
// ValidatingAdmissionPolicy and webhook matchConditions: `authorizer.group(g).resource(r)
// .namespace(ns).check(verb).allowed()`, `authorizer.path(p).check(verb)`,
// `authorizer.serviceAccount(ns, name)` and `authorizer.requestResource`.
import type { Attributes as AuthorizationAttributes, Decision } from '../../auth/rbac/authorizer.ts';
import { isDNS1123Label, isDNS1123Subdomain } from '../../api/validation/names.ts';

// State hides behind a symbol so that CEL field selection (`authorizer.requestResource`) sees
// only what the library exposes.
const STATE = Symbol('authz');

export interface Asker {
  user: { username: string; groups: string[] };
  checks: AuthzChecks;
}

export class AuthorizerVal {
  readonly [STATE]: Asker;
  constructor(asker: Asker, requestResource?: ResourceCheckVal) {
    this[STATE] = asker;
    if (requestResource) Object.defineProperty(this, 'requestResource', { value: requestResource, enumerable: true });
  }
}

class PathCheckVal {
  readonly [STATE]: Asker;
  constructor(
    asker: Asker,
    readonly p: string,
  ) {
    this[STATE] = asker;
  }
}

class GroupCheckVal {
  readonly [STATE]: Asker;
  constructor(
    asker: Asker,
    readonly g: string,
  ) {
    this[STATE] = asker;
  }
}

export interface ResourceFields {
  group: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}

export class ResourceCheckVal {
  readonly [STATE]: Asker & { r: ResourceFields };
  constructor(asker: Asker, r: ResourceFields) {
    this[STATE] = { ...asker, r };
  }
}

class DecisionVal {
  readonly [STATE]: { allowed: boolean; reason: string; error: string | undefined };
  constructor(d: { allowed: boolean; reason: string; error: string | undefined }) {
    this[STATE] = d;
  }
}

const overload = (): never => {
  throw new Error('no such overload');
};
const strArg = (v: unknown): string => (typeof v === 'string' ? v : overload());

function withField(rc: unknown, field: keyof ResourceFields | undefined, value: unknown): ResourceCheckVal {
  if (!(rc instanceof ResourceCheckVal)) return overload();
  const s = strArg(value);
  const st = rc[STATE];
  return field ? new ResourceCheckVal(st, { ...st.r, [field]: s }) : rc;
}

export const AUTHZ_FUNCTIONS: Record<string, (...args: unknown[]) => unknown> = {
  path: (a, p) => {
    if (!(a instanceof AuthorizerVal)) return overload();
    const path = strArg(p);
    if (!path.trim()) throw new Error('path must not be empty');
    return new PathCheckVal(a[STATE], path);
  },
  group: (a, g) => (a instanceof AuthorizerVal ? new GroupCheckVal(a[STATE], strArg(g)) : overload()),
  serviceAccount: (a, ns, name) => {
    if (!(a instanceof AuthorizerVal)) return overload();
    const namespace = strArg(ns);
    const sa = strArg(name);
    if (isDNS1123Subdomain(sa).length > 0) throw new Error('Invalid service account name');
    if (isDNS1123Label(namespace).length > 0) throw new Error('Invalid service account namespace');
    const user = { username: `system:serviceaccount:${namespace}:${sa}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`] };
    return new AuthorizerVal({ ...a[STATE], user });
  },
  resource: (g, r) => {
    if (!(g instanceof GroupCheckVal)) return overload();
    const resource = strArg(r);
    if (!resource.trim()) throw new Error('resource must not be empty');
    return new ResourceCheckVal(g[STATE], { group: g.g, resource, subresource: '', namespace: '', name: '' });
  },
  subresource: (rc, v) => withField(rc, 'subresource', v),
  namespace: (rc, v) => withField(rc, 'namespace', v),
  name: (rc, v) => withField(rc, 'name', v),
  fieldSelector: (rc, v) => withField(rc, undefined, v),
  labelSelector: (rc, v) => withField(rc, undefined, v),
  check: (c, verb) => {
    const v = strArg(verb);
    if (c instanceof PathCheckVal) {
      const st = c[STATE];
      return st.checks.decide({ user: st.user, verb: v, resourceRequest: false, path: c.p });
    }
    if (c instanceof ResourceCheckVal) {
      const { user, checks, r } = c[STATE];
      return checks.decide({
        user,
        verb: v,
        resourceRequest: true,
        apiGroup: r.group,
        resource: r.resource,
        ...(r.subresource ? { subresource: r.subresource } : {}),
        ...(r.namespace ? { namespace: r.namespace } : {}),
        ...(r.name ? { name: r.name } : {}),
      });
    }
    return overload();
  },
  allowed: (d) => (d instanceof DecisionVal ? d[STATE].allowed : overload()),
  reason: (d) => (d instanceof DecisionVal ? d[STATE].reason : overload()),
  errored: (d) => (d instanceof DecisionVal ? d[STATE].error !== undefined : overload()),
  error: (d) => (d instanceof DecisionVal ? (d[STATE].error ?? '') : overload()),
};

/**
 * The decisions of one request. CEL is synchronous and the authorizer is not: a check not yet
 * answered fails its expression for now and is remembered; settle() asks for it, and the
 * expression is evaluated again.
 */
export class AuthzChecks {
  private readonly answers = new Map<string, DecisionVal>();
  private readonly pending = new Map<string, AuthorizationAttributes>();
  /** Unanswered checks met so far; an evaluation that met one has to be repeated. */
  misses = 0;

  constructor(private readonly authorize: (attrs: AuthorizationAttributes) => Promise<Decision>) {}

  decide(attrs: AuthorizationAttributes): DecisionVal {
    const key = JSON.stringify(attrs);
    const known = this.answers.get(key);
    if (known) return known;
    this.pending.set(key, attrs);
    this.misses++;
    throw new Error('authorization decision pending');
  }

  async settle(): Promise<void> {
    const asked = [...this.pending];
    this.pending.clear();
    await Promise.all(
      asked.map(async ([key, attrs]) => {
        let d: DecisionVal;
        try {
          const r = await this.authorize(attrs);
          d = new DecisionVal({ allowed: r.allowed, reason: r.reason, error: undefined });
        } catch (err) {
          d = new DecisionVal({ allowed: false, reason: '', error: err instanceof Error ? err.message : String(err) });
        }
        this.answers.set(key, d);
      }),
    );
  }
}

/** `authorizer` for a user, with `authorizer.requestResource` naming what the request is about. */
export function authorizerValue(user: { username: string; groups: string[] }, checks: AuthzChecks, requestResource: ResourceFields): AuthorizerVal {
  const asker: Asker = { user, checks };
  return new AuthorizerVal(asker, new ResourceCheckVal(asker, requestResource));
}
