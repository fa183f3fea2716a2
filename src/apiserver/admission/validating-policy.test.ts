import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StatusError } from '../../api/errors.ts';
import { BUILTIN_RESOURCES, type ResourceInfo } from '../../api/registry.ts';
import type { Obj } from '../rest.ts';
import type { AdmissionAttributes } from './index.ts';
import { ValidatingAdmissionPolicies, type AuthorizationAttributes, type PolicySource, type ValidatingPolicyOptions } from './validating-policy.ts';

// --- fixtures -------------------------------------------------------------------------------

function resource(group: string, name: string): ResourceInfo {
  const info = BUILTIN_RESOURCES.find((r) => r.group === group && r.resource === name);
  assert.ok(info, `${group}/${name}`);
  return info;
}

const DEPLOYMENTS = resource('apps', 'deployments');
const NAMESPACES = resource('', 'namespaces');
const NODES = resource('', 'nodes');
const POLICIES = resource('admissionregistration.k8s.io', 'validatingadmissionpolicies');
const WEBHOOK_CONFIGS = resource('admissionregistration.k8s.io', 'validatingwebhookconfigurations');

interface World {
  policies: Obj[];
  bindings: Obj[];
  /** Namespace name → labels. */
  namespaces?: Record<string, Record<string, string>>;
  /** Params served, by `apiVersion/kind`. */
  params?: Record<string, { namespaced: boolean; objects: Obj[] }>;
}

/** An in-memory PolicySource that counts how often the configuration is listed. */
function memorySource(w: World): PolicySource & { lists: number } {
  const namespaces = w.namespaces ?? { default: {}, test: { environment: 'test' }, prod: { environment: 'prod' } };
  const src = {
    lists: 0,
    policies: async () => {
      src.lists++;
      return w.policies;
    },
    bindings: async () => w.bindings,
    namespace: async (name: string) =>
      namespaces[name] ? { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: namespaces[name], creationTimestamp: '2024-05-01T10:00:00Z' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } } : undefined,
    paramScope: (apiVersion: string, kind: string) => {
      const p = w.params?.[`${apiVersion}/${kind}`];
      return p ? { namespaced: p.namespaced } : undefined;
    },
    getParam: async (apiVersion: string, kind: string, namespace: string | undefined, name: string) =>
      w.params?.[`${apiVersion}/${kind}`]?.objects.find((o) => o.metadata?.name === name && o.metadata?.namespace === namespace),
    listParams: async (apiVersion: string, kind: string, namespace: string | undefined) =>
      (w.params?.[`${apiVersion}/${kind}`]?.objects ?? []).filter((o) => o.metadata?.namespace === namespace),
  };
  return src;
}

const deployRule = { apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] };

function policy(name: string, spec: Obj): Obj {
  return { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name }, spec: { matchConstraints: { resourceRules: [deployRule] }, ...spec } };
}

function binding(name: string, policyName: string, spec: Obj = {}): Obj {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name },
    spec: { policyName, validationActions: ['Deny'], ...spec },
  };
}

function deployment(replicas: number, labels: Record<string, string> = {}): Obj {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'test', labels }, spec: { replicas } };
}

/** A CREATE of deployment "web" in namespace "test" unless told otherwise. */
function attrs(over: Partial<AdmissionAttributes> = {}): AdmissionAttributes {
  return {
    info: DEPLOYMENTS,
    operation: 'CREATE',
    object: deployment(6),
    namespace: 'test',
    name: 'web',
    user: { username: 'alice', groups: ['devs', 'system:authenticated'] },
    dryRun: false,
    warnings: [],
    annotations: {},
    ...over,
  };
}

interface Outcome {
  error: StatusError | undefined;
  warnings: string[];
  annotations: Record<string, string>;
}

async function admit(w: World, a: AdmissionAttributes = attrs(), options?: ValidatingPolicyOptions): Promise<Outcome> {
  const plugin = new ValidatingAdmissionPolicies(memorySource(w), options).plugin();
  let error: StatusError | undefined;
  try {
    await plugin.validate!(a);
  } catch (err) {
    if (!(err instanceof StatusError)) throw err;
    error = err;
  }
  return { error, warnings: a.warnings, annotations: a.annotations };
}

/** The part after `denied request: ` of a denial, or undefined when allowed. */
async function deniedWith(w: World, a?: AdmissionAttributes, options?: ValidatingPolicyOptions): Promise<string | undefined> {
  const { error } = await admit(w, a, options);
  if (!error) return undefined;
  const m = /denied request: ([\s\S]*)$/.exec(error.message);
  assert.ok(m, error.message);
  return m[1];
}

/** One policy ("p") and one Deny binding ("b") around the given validations and extras. */
function single(spec: Obj, bindingSpec: Obj = {}, extra: Partial<World> = {}): World {
  return { policies: [policy('p', spec)], bindings: [binding('b', 'p', bindingSpec)], ...extra };
}

const replicasAtMost5 = { validations: [{ expression: 'object.spec.replicas <= 5' }] };

// --- matching -------------------------------------------------------------------------------

describe('matching', () => {
  const cases: [string, World, AdmissionAttributes, boolean][] = [
    ['a request the rules select is evaluated', single(replicasAtMost5), attrs(), true],
    ['an operation outside the rules is not', single(replicasAtMost5), attrs({ operation: 'DELETE', object: undefined, oldObject: deployment(6) }), false],
    ['UPDATE is in the rules', single(replicasAtMost5), attrs({ operation: 'UPDATE', oldObject: deployment(1) }), true],
    ['another resource is not', single(replicasAtMost5), attrs({ info: resource('apps', 'replicasets') }), false],
    ['a subresource is not matched by its resource', single(replicasAtMost5), attrs({ operation: 'UPDATE', subresource: 'status' }), false],
    [
      'a subresource rule matches it',
      single({ ...replicasAtMost5, matchConstraints: { resourceRules: [{ ...deployRule, resources: ['deployments/status'] }] } }),
      attrs({ operation: 'UPDATE', subresource: 'status' }),
      true,
    ],
    [
      'resourceNames select by name',
      single({ ...replicasAtMost5, matchConstraints: { resourceRules: [{ ...deployRule, resourceNames: ['other', 'web'] }] } }),
      attrs(),
      true,
    ],
    [
      'resourceNames leave other names alone',
      single({ ...replicasAtMost5, matchConstraints: { resourceRules: [{ ...deployRule, resourceNames: ['other'] }] } }),
      attrs(),
      false,
    ],
    [
      'excludeResourceRules win over resourceRules',
      single({ ...replicasAtMost5, matchConstraints: { resourceRules: [deployRule], excludeResourceRules: [{ ...deployRule, operations: ['CREATE'] }] } }),
      attrs(),
      false,
    ],
    [
      'scope Cluster leaves namespaced objects alone',
      single({ ...replicasAtMost5, matchConstraints: { resourceRules: [{ ...deployRule, scope: 'Cluster' }] } }),
      attrs(),
      false,
    ],
    [
      "the policy's namespaceSelector",
      single({ ...replicasAtMost5, matchConstraints: { resourceRules: [deployRule], namespaceSelector: { matchLabels: { environment: 'prod' } } } }),
      attrs(),
      false,
    ],
    ["the binding's namespaceSelector selects", single(replicasAtMost5, { matchResources: { namespaceSelector: { matchLabels: { environment: 'test' } } } }), attrs(), true],
    [
      "the binding's namespaceSelector narrows",
      single(replicasAtMost5, { matchResources: { namespaceSelector: { matchLabels: { environment: 'test' } } } }),
      attrs({ namespace: 'prod' }),
      false,
    ],
    [
      "the binding's objectSelector reads the object's labels",
      single(replicasAtMost5, { matchResources: { objectSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] } } }),
      attrs({ object: deployment(6, { tier: 'web' }) }),
      true,
    ],
    [
      "the binding's objectSelector skips other objects",
      single(replicasAtMost5, { matchResources: { objectSelector: { matchLabels: { tier: 'web' } } } }),
      attrs(),
      false,
    ],
    [
      "the binding's resourceRules narrow the operations",
      single(replicasAtMost5, { matchResources: { resourceRules: [{ ...deployRule, operations: ['UPDATE'] }] } }),
      attrs(),
      false,
    ],
    ['a policy without a binding does nothing', { policies: [policy('p', replicasAtMost5)], bindings: [binding('b', 'other')] }, attrs(), false],
    ['a binding without its policy does nothing', { policies: [], bindings: [binding('b', 'p')] }, attrs(), false],
    [
      'policies and bindings are exempt from policies',
      single({ validations: [{ expression: 'false' }], matchConstraints: { resourceRules: [{ apiGroups: ['*'], apiVersions: ['*'], operations: ['*'], resources: ['*'] }] } }),
      attrs({ info: POLICIES, namespace: undefined, name: 'x', object: { metadata: { name: 'x' } } }),
      false,
    ],
    [
      'webhook configurations are not',
      single({ validations: [{ expression: 'false' }], matchConstraints: { resourceRules: [{ apiGroups: ['*'], apiVersions: ['*'], operations: ['*'], resources: ['*'] }] } }),
      attrs({ info: WEBHOOK_CONFIGS, namespace: undefined, name: 'x', object: { metadata: { name: 'x' } } }),
      true,
    ],
    [
      'a namespace being created is selected by its own labels',
      single(
        { validations: [{ expression: 'false' }], matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['namespaces'] }] } },
        { matchResources: { namespaceSelector: { matchLabels: { environment: 'test' } } } },
      ),
      attrs({ info: NAMESPACES, namespace: undefined, name: 'fresh', object: { metadata: { name: 'fresh', labels: { environment: 'test' } } } }),
      true,
    ],
    [
      'cluster-scoped objects ignore namespaceSelector',
      single(
        { validations: [{ expression: 'false' }], matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['nodes'] }] } },
        { matchResources: { namespaceSelector: { matchLabels: { environment: 'test' } } } },
      ),
      attrs({ info: NODES, namespace: undefined, name: 'n1', object: { metadata: { name: 'n1' } } }),
      true,
    ],
  ];
  for (const [name, world, a, evaluated] of cases) {
    test(name, async () => {
      assert.equal((await admit(world, a)).error !== undefined, evaluated);
    });
  }

  test('a namespaceSelector naming a namespace that does not exist fails the policy (failurePolicy Fail)', async () => {
    const w = single({ ...replicasAtMost5, matchConstraints: { resourceRules: [deployRule], namespaceSelector: { matchLabels: { a: 'b' } } } });
    assert.equal(await deniedWith(w, attrs({ namespace: 'gone' })), 'failed to configure policy: namespaces "gone" not found');
  });
});

// --- validation actions, messages, reasons ----------------------------------------------------

describe('validation actions', () => {
  test('Deny refuses with upstream Status: 422 Invalid, the object named as admission does, the message as a cause', async () => {
    const { error } = await admit(single(replicasAtMost5));
    assert.ok(error);
    assert.equal(error.code, 422);
    assert.equal(error.reason, 'Invalid');
    const message = "ValidatingAdmissionPolicy 'p' with binding 'b' denied request: failed expression: object.spec.replicas <= 5";
    assert.equal(error.message, `deployments.apps "web" is forbidden: ${message}`);
    assert.deepEqual(error.toStatus().details, { name: 'web', group: 'apps', kind: 'deployments', causes: [{ message }] });
  });

  test('the object is named by generateName when it has no name yet, and core resources carry no group', async () => {
    const w = single({ validations: [{ expression: 'false' }], matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }] } });
    const { error } = await admit(w, attrs({ info: resource('', 'configmaps'), name: undefined, object: { metadata: { generateName: 'cm-' } } }));
    assert.equal(error?.message, `configmaps "cm-" is forbidden: ValidatingAdmissionPolicy 'p' with binding 'b' denied request: failed expression: false`);
    assert.equal(error?.details?.group, undefined);
  });

  test('Warn adds a warning and lets the request through', async () => {
    const out = await admit(single(replicasAtMost5, { validationActions: ['Warn'] }));
    assert.equal(out.error, undefined);
    assert.deepEqual(out.warnings, ["Validation failed for ValidatingAdmissionPolicy 'p' with binding 'b': failed expression: object.spec.replicas <= 5"]);
    assert.deepEqual(out.annotations, {});
  });

  test('Audit records the failure in the validation_failure annotation, as Go marshals it', async () => {
    const w = single({ validations: [{ expression: 'true' }, { expression: 'object.spec.replicas < 2', message: 'a <b> & c' }] }, { validationActions: ['Warn', 'Audit'] });
    const out = await admit(w);
    assert.equal(out.error, undefined);
    assert.deepEqual(out.warnings, ["Validation failed for ValidatingAdmissionPolicy 'p' with binding 'b': a <b> & c"]);
    assert.equal(
      out.annotations['validation.policy.admission.k8s.io/validation_failure'],
      '[{"message":"a \\u003cb\\u003e \\u0026 c","policy":"p","binding":"b","expressionIndex":1,"validationActions":["Warn","Audit"]}]',
    );
  });

  test('the first denial is reported; the others only as their own bindings say', async () => {
    const w: World = {
      policies: [policy('b-policy', { validations: [{ expression: 'false', message: 'second' }] }), policy('a-policy', { validations: [{ expression: 'false', message: 'first' }] })],
      bindings: [binding('x', 'b-policy'), binding('y', 'a-policy'), binding('z', 'a-policy', { validationActions: ['Warn'] })],
    };
    const out = await admit(w);
    assert.equal(out.error?.message, `deployments.apps "web" is forbidden: ValidatingAdmissionPolicy 'a-policy' with binding 'y' denied request: first`);
    assert.deepEqual(out.warnings, ["Validation failed for ValidatingAdmissionPolicy 'a-policy' with binding 'z': first"]);
  });
});

describe('messages', () => {
  const cases: [string, Obj, string][] = [
    ['the static message', { expression: 'false', message: '  too many replicas  ' }, 'too many replicas'],
    ['messageExpression wins over message', { expression: 'false', message: 'static', messageExpression: "'replicas is ' + string(object.spec.replicas)" }, 'replicas is 6'],
    ['a multi-line messageExpression falls back to message', { expression: 'false', message: 'static', messageExpression: "'a\\nb'" }, 'static'],
    ['a non-string messageExpression falls back', { expression: 'false', message: 'static', messageExpression: 'object.spec.replicas' }, 'static'],
    ['a failing messageExpression falls back', { expression: 'false', message: 'static', messageExpression: 'object.spec.missing' }, 'static'],
    ['an over-long messageExpression falls back', { expression: 'false', message: 'static', messageExpression: "'x'.repeat(6000)" }, 'static'],
    ['with neither, the trimmed expression', { expression: ' object.spec.replicas < 3 ' }, 'failed expression: object.spec.replicas < 3'],
    ['a failing messageExpression without message', { expression: 'false', messageExpression: 'nope.x' }, 'failed expression: false'],
    ['a result that is not a bool denies too', { expression: "'yes'" }, "failed expression: 'yes'"],
  ];
  for (const [name, validation, message] of cases) {
    test(name, async () => {
      assert.equal(await deniedWith(single({ validations: [validation] })), message);
    });
  }
});

describe('reasons', () => {
  const cases: [string | undefined, number, string][] = [
    [undefined, 422, 'Invalid'],
    ['Invalid', 422, 'Invalid'],
    ['Forbidden', 403, 'Forbidden'],
    ['Unauthorized', 401, 'Unauthorized'],
    ['RequestEntityTooLarge', 413, 'RequestEntityTooLarge'],
  ];
  for (const [reason, code, statusReason] of cases) {
    test(`${reason ?? 'no reason'} → ${code}`, async () => {
      const { error } = await admit(single({ validations: [{ expression: 'false', ...(reason ? { reason } : {}) }] }));
      assert.equal(error?.code, code);
      assert.equal(error?.reason, statusReason);
    });
  }
});

// --- params ---------------------------------------------------------------------------------

describe('params', () => {
  const limits = (namespace: string, max: string, labels: Record<string, string> = {}) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `limit-${max}`, namespace, labels },
    data: { maxReplicas: max },
  });
  const configMaps = (objects: Obj[]) => ({ params: { 'v1/ConfigMap': { namespaced: true, objects } } });
  const withParams = {
    paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
    validations: [{ expression: 'object.spec.replicas <= int(params.data.maxReplicas)', messageExpression: "'at most ' + params.data.maxReplicas + ' replicas'" }],
  };

  const cases: [string, World, AdmissionAttributes, string | undefined][] = [
    ['a param found by name', single(withParams, { paramRef: { name: 'limit-3', namespace: 'test' } }, configMaps([limits('test', '3')])), attrs(), 'at most 3 replicas'],
    ['a param allowing the request', single(withParams, { paramRef: { name: 'limit-10', namespace: 'test' } }, configMaps([limits('test', '10')])), attrs(), undefined],
    [
      'without a namespace, the param is looked up in the request’s',
      single(withParams, { paramRef: { name: 'limit-3', parameterNotFoundAction: 'Deny' } }, configMaps([limits('other', '10'), limits('test', '3')])),
      attrs(),
      'at most 3 replicas',
    ],
    [
      'a missing param with parameterNotFoundAction Deny',
      single(withParams, { paramRef: { name: 'nope', namespace: 'test', parameterNotFoundAction: 'Deny' } }, configMaps([])),
      attrs(),
      'failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction',
    ],
    [
      'a missing param with parameterNotFoundAction Allow skips the binding',
      single(withParams, { paramRef: { name: 'nope', namespace: 'test', parameterNotFoundAction: 'Allow' } }, configMaps([])),
      attrs(),
      undefined,
    ],
    [
      'a selector evaluates every param it picks',
      single(withParams, { paramRef: { selector: { matchLabels: { team: 'a' } }, namespace: 'test' } }, configMaps([limits('test', '10', { team: 'a' }), limits('test', '4', { team: 'a' }), limits('test', '1')])),
      attrs(),
      'at most 4 replicas',
    ],
    [
      'a selector picking nothing with Deny',
      single(withParams, { paramRef: { selector: { matchLabels: { team: 'z' } }, parameterNotFoundAction: 'Deny' } }, configMaps([limits('test', '4')])),
      attrs(),
      'failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction',
    ],
    [
      'a namespaced paramKind for a cluster-scoped request needs paramRef.namespace',
      single({ ...withParams, matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['nodes'] }] } }, { paramRef: { name: 'limit-3' } }, configMaps([])),
      attrs({ info: NODES, namespace: undefined, name: 'n1', object: { metadata: { name: 'n1' } } }),
      'failed to configure binding: cannot use namespaced paramRef in policy binding that matches cluster-scoped resources',
    ],
    [
      'a paramKind the API does not serve',
      single({ ...withParams, paramKind: { apiVersion: 'rules.example.com/v1', kind: 'ReplicaLimit' } }, { paramRef: { name: 'x' } }),
      attrs(),
      "failed to configure policy: failed to find resource referenced by paramKind: 'rules.example.com/v1, Kind=ReplicaLimit'",
    ],
    [
      'a binding without paramRef evaluates with params null',
      single({ paramKind: { apiVersion: 'v1', kind: 'ConfigMap' }, validations: [{ expression: 'params != null', message: 'params missing but required to bind to this policy' }] }, {}, configMaps([])),
      attrs(),
      'params missing but required to bind to this policy',
    ],
    [
      'params the store serves without apiVersion/kind show them anyway',
      single({ paramKind: { apiVersion: 'v1', kind: 'ConfigMap' }, validations: [{ expression: "params.kind != 'ConfigMap'", messageExpression: 'params.apiVersion + "/" + params.kind' }] }, { paramRef: { name: 'bare', namespace: 'test' } }, configMaps([{ metadata: { name: 'bare', namespace: 'test' } }])),
      attrs(),
      'v1/ConfigMap',
    ],
  ];
  for (const [name, world, a, denied] of cases) {
    test(name, async () => {
      assert.equal(await deniedWith(world, a), denied);
    });
  }

  test('`params` is undeclared in a policy without paramKind', async () => {
    const message = await deniedWith(single({ validations: [{ expression: 'params == null' }] }));
    assert.equal(message, "compilation error: compilation failed: ERROR: <input>:1:1: undeclared reference to 'params' (in container '')\n | params == null\n | ^");
  });
});

// --- variables, matchConditions, failurePolicy -------------------------------------------------

describe('variables', () => {
  const cases: [string, Obj, string | undefined][] = [
    [
      'a variable is read by name',
      { variables: [{ name: 'replicas', expression: 'object.spec.replicas' }], validations: [{ expression: 'variables.replicas <= 5', messageExpression: "'has ' + string(variables.replicas)" }] },
      'has 6',
    ],
    [
      'a variable may use the ones before it',
      {
        variables: [
          { name: 'max', expression: '4' },
          { name: 'over', expression: 'object.spec.replicas > variables.max' },
        ],
        validations: [{ expression: '!variables.over' }],
      },
      'failed expression: !variables.over',
    ],
    [
      'a double result stays a double',
      { variables: [{ name: 'half', expression: 'double(object.spec.replicas) / 2.0' }], validations: [{ expression: 'variables.half == 3.0 && type(variables.half) == double', message: 'bad' }] },
      undefined,
    ],
    [
      'a variable nobody reads is never evaluated',
      { variables: [{ name: 'broken', expression: 'object.nope.deeper' }], validations: [{ expression: 'true' }] },
      undefined,
    ],
    [
      "a failing variable fails the expressions that read it, with the variable's error",
      { variables: [{ name: 'broken', expression: 'object.nope' }], validations: [{ expression: 'variables.broken == 1' }] },
      `expression 'variables.broken == 1' resulted in error: composited variable "broken" fails to evaluate: no such key: nope`,
    ],
    [
      "a variable that does not compile fails its readers",
      { variables: [{ name: 'bad', expression: '1 +' }], validations: [{ expression: 'variables.bad == 1' }] },
      `expression 'variables.bad == 1' resulted in error: composited variable "bad" fails to compile: compilation failed: ERROR: <input>:1:4: Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}\n | 1 +\n | ...^`,
    ],
    [
      'a variable cannot use a later one',
      {
        variables: [
          { name: 'a', expression: 'variables.b' },
          { name: 'b', expression: '1' },
        ],
        validations: [{ expression: 'variables.a == 1' }],
      },
      `expression 'variables.a == 1' resulted in error: composited variable "a" fails to evaluate: no such key: b`,
    ],
  ];
  for (const [name, spec, denied] of cases) {
    test(name, async () => {
      assert.equal(await deniedWith(single(spec)), denied);
    });
  }
});

describe('matchConditions', () => {
  const cond = (...expressions: string[]) => expressions.map((expression, i) => ({ name: `c${i}`, expression }));
  const cases: [string, Obj, string | undefined][] = [
    ['all true: the policy applies', { matchConditions: cond('true', "request.operation == 'CREATE'"), ...replicasAtMost5 }, 'failed expression: object.spec.replicas <= 5'],
    ['one false: the policy is skipped', { matchConditions: cond('true', "request.userInfo.username == 'bob'"), ...replicasAtMost5 }, undefined],
    ['false wins over an error', { matchConditions: cond('object.nope', 'false'), ...replicasAtMost5 }, undefined],
    [
      'an error with failurePolicy Fail refuses without evaluating',
      { matchConditions: cond('object.nope'), ...replicasAtMost5 },
      "expression 'object.nope' resulted in error: no such key: nope",
    ],
    [
      'several errors are aggregated',
      { matchConditions: cond('object.a', 'object.b'), ...replicasAtMost5 },
      "[expression 'object.a' resulted in error: no such key: a, expression 'object.b' resulted in error: no such key: b]",
    ],
    ['an error with failurePolicy Ignore skips the policy', { failurePolicy: 'Ignore', matchConditions: cond('object.nope'), ...replicasAtMost5 }, undefined],
    ['conditions see variables', { variables: [{ name: 'big', expression: 'object.spec.replicas > 100' }], matchConditions: cond('variables.big'), ...replicasAtMost5 }, undefined],
  ];
  for (const [name, spec, denied] of cases) {
    test(name, async () => {
      assert.equal(await deniedWith(single(spec)), denied);
    });
  }
});

describe('failurePolicy', () => {
  const cases: [string, Obj, string | undefined][] = [
    ['a runtime error refuses by default', { validations: [{ expression: 'object.spec.missing > 1' }] }, "expression 'object.spec.missing > 1' resulted in error: no such key: missing"],
    ['Ignore lets a runtime error through', { failurePolicy: 'Ignore', validations: [{ expression: 'object.spec.missing > 1' }] }, undefined],
    ['Ignore still enforces a false validation', { failurePolicy: 'Ignore', validations: [{ expression: 'object.spec.missing > 1' }, { expression: 'false' }] }, 'failed expression: false'],
    [
      'an expression that does not compile refuses with the compiler message',
      { validations: [{ expression: 'object.spec.replicas <' }] },
      "compilation error: compilation failed: ERROR: <input>:1:23: Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}\n | object.spec.replicas <\n | ......................^",
    ],
    ['Ignore skips an expression that does not compile', { failurePolicy: 'Ignore', validations: [{ expression: 'object.spec.replicas <' }] }, undefined],
    [
      'a cost over the per-expression limit is an error',
      { validations: [{ expression: 'object.metadata.items.all(x, object.metadata.items.all(y, object.metadata.items.all(z, x + y + z >= 0)))' }] },
      "expression 'object.metadata.items.all(x, object.metadata.items.all(y, object.metadata.items.all(z, x + y + z >= 0)))' resulted in error: operation cancelled: actual cost limit exceeded",
    ],
  ];
  for (const [name, spec, denied] of cases) {
    test(name, async () => {
      const a = attrs({ object: { ...deployment(6), metadata: { name: 'web', items: Array.from({ length: 200 }, (_, i) => i) } } });
      assert.equal(await deniedWith(single(spec), a), denied);
    });
  }

  test('a Warn binding reports evaluation errors as warnings', async () => {
    const out = await admit(single({ validations: [{ expression: 'object.nope' }] }, { validationActions: ['Warn'] }));
    assert.equal(out.error, undefined);
    assert.deepEqual(out.warnings, ["Validation failed for ValidatingAdmissionPolicy 'p' with binding 'b': expression 'object.nope' resulted in error: no such key: nope"]);
  });
});

// --- audit annotations ----------------------------------------------------------------------

describe('auditAnnotations', () => {
  const annotation = (valueExpression: string) => ({ auditAnnotations: [{ key: 'high-replica-count', valueExpression }] });

  test('a string value is published as <policy>/<key>, trimmed', async () => {
    const out = await admit(single(annotation("' Deployment spec.replicas set to ' + string(object.spec.replicas) + ' '")));
    assert.equal(out.error, undefined);
    assert.deepEqual(out.annotations, { 'p/high-replica-count': 'Deployment spec.replicas set to 6' });
  });

  const none: [string, string][] = [
    ['null', "object.spec.replicas > 50 ? 'many' : dyn(null)"],
    ['an empty string', "'  '"],
  ];
  for (const [name, expr] of none) {
    test(`${name} publishes nothing`, async () => {
      const out = await admit(single(annotation(expr)));
      assert.equal(out.error, undefined);
      assert.deepEqual(out.annotations, {});
    });
  }

  test('a value of another type refuses the request, whatever the failurePolicy', async () => {
    for (const failurePolicy of ['Fail', 'Ignore']) {
      assert.equal(
        await deniedWith(single({ failurePolicy, ...annotation('object.spec.replicas') })),
        "valueExpression 'object.spec.replicas' resulted in unsupported return type: int. Return type must be either string or null.",
      );
    }
  });

  test('an error refuses under Fail and is dropped under Ignore', async () => {
    assert.equal(await deniedWith(single(annotation('object.nope'))), "expression 'object.nope' resulted in error: no such key: nope");
    const out = await admit(single({ failurePolicy: 'Ignore', ...annotation('object.nope') }));
    assert.equal(out.error, undefined);
    assert.deepEqual(out.annotations, {});
  });

  test('distinct values from several bindings are joined', async () => {
    const spec = { paramKind: { apiVersion: 'v1', kind: 'ConfigMap' }, auditAnnotations: [{ key: 'team', valueExpression: 'params.data.team' }] };
    const cm = (name: string, team: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'test' }, data: { team } });
    const w: World = {
      policies: [policy('p', spec)],
      bindings: [binding('b1', 'p', { paramRef: { name: 'a' } }), binding('b2', 'p', { paramRef: { name: 'b' } }), binding('b3', 'p', { paramRef: { name: 'c' } })],
      params: { 'v1/ConfigMap': { namespaced: true, objects: [cm('a', 'red'), cm('b', 'blue'), cm('c', 'red')] } },
    };
    assert.deepEqual((await admit(w)).annotations, { 'p/team': 'red, blue' });
  });
});

// --- what expressions see ---------------------------------------------------------------------

describe('CEL variables', () => {
  const cases: [string, AdmissionAttributes, string][] = [
    ['request kind and resource', attrs(), "request.kind == {'group': 'apps', 'version': 'v1', 'kind': 'Deployment'} && request.resource.resource == 'deployments' && request.requestKind.kind == 'Deployment'"],
    ['request name, namespace, operation, dryRun', attrs({ dryRun: true }), "request.name == 'web' && request.namespace == 'test' && request.operation == 'CREATE' && request.dryRun"],
    ['request userInfo', attrs(), "request.userInfo.username == 'alice' && 'devs' in request.userInfo.groups && !has(request.userInfo.extra)"],
    ['request options', attrs({ options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1', fieldManager: 'kubectl' } }), "request.options.fieldManager == 'kubectl'"],
    ['request subResource', attrs({ operation: 'UPDATE', subresource: 'status', oldObject: deployment(6) }), "request.subResource == 'status' && request.requestSubResource == 'status'"],
    ['oldObject on UPDATE', attrs({ operation: 'UPDATE', oldObject: deployment(2) }), 'oldObject.spec.replicas == 2 && object.spec.replicas == 6'],
    ['oldObject is null on CREATE', attrs(), 'oldObject == null'],
    ['object is null on DELETE', attrs({ operation: 'DELETE', object: undefined, oldObject: deployment(2) }), 'object == null && oldObject.spec.replicas == 2'],
    [
      'namespaceObject, with upstream’s fields and typed timestamps',
      attrs(),
      "namespaceObject.metadata.name == 'test' && namespaceObject.metadata.labels.environment == 'test' && namespaceObject.metadata.creationTimestamp == timestamp('2024-05-01T10:00:00Z') && namespaceObject.status.phase == 'Active' && !has(namespaceObject.kind)",
    ],
    ['namespaceObject is null for cluster-scoped objects', attrs({ info: NODES, namespace: undefined, name: 'n1', object: { metadata: { name: 'n1' } } }), 'namespaceObject == null && !has(request.namespace)'],
    [
      'a Namespace’s own update carries its name as namespace, but no namespaceObject',
      attrs({ info: NAMESPACES, operation: 'UPDATE', namespace: undefined, name: 'test', object: { metadata: { name: 'test' } }, oldObject: { metadata: { name: 'test' } } }),
      "request.namespace == 'test' && namespaceObject == null",
    ],
  ];
  for (const [name, a, expression] of cases) {
    test(name, async () => {
      const spec = {
        validations: [{ expression }],
        matchConstraints: { resourceRules: [{ apiGroups: ['*'], apiVersions: ['*'], operations: ['*'], resources: ['*', '*/*'] }] },
      };
      assert.equal(await deniedWith(single(spec), a), undefined);
    });
  }
});

// --- authorizer -----------------------------------------------------------------------------

describe('authorizer', () => {
  const asked: AuthorizationAttributes[] = [];
  const authorize = async (attrs: AuthorizationAttributes) => {
    asked.push(attrs);
    await new Promise((r) => setTimeout(r, 1));
    if (attrs.path === '/boom') throw new Error('authorizer unavailable');
    const allowed = attrs.user.groups.includes('admins') || (attrs.verb === 'get' && attrs.resource === 'deployments') || attrs.path === '/healthz';
    return { allowed, reason: allowed ? 'RBAC: allowed' : 'no rule' };
  };
  const cases: [string, string, string[], string | undefined][] = [
    ['a resource check', "authorizer.group('apps').resource('deployments').namespace('test').check('get').allowed()", ['devs'], undefined],
    ['a refused check', "authorizer.group('apps').resource('deployments').check('delete').allowed()", ['devs'], "failed expression: authorizer.group('apps').resource('deployments').check('delete').allowed()"],
    ['the reason', "authorizer.group('').resource('pods').check('create').reason() == 'RBAC: allowed'", ['admins'], undefined],
    ['requestResource checks the request’s own resource', "authorizer.requestResource.check('get').allowed() && !authorizer.requestResource.check('create').allowed()", ['devs'], undefined],
    ['a path check', "authorizer.path('/healthz').check('get').allowed()", ['devs'], undefined],
    ['an authorizer error', "authorizer.path('/boom').check('get').errored() && authorizer.path('/boom').check('get').error() == 'authorizer unavailable'", ['devs'], undefined],
    ['checks inside variables and comprehensions', "variables.verbs.all(v, authorizer.group('apps').resource('deployments').check(v).allowed())", ['devs'], "failed expression: variables.verbs.all(v, authorizer.group('apps').resource('deployments').check(v).allowed())"],
    [
      'a service account as the subject',
      "!authorizer.serviceAccount('test', 'builder').group('apps').resource('deployments').check('create').allowed()",
      ['admins'],
      undefined,
    ],
    ['an empty resource is an error', "authorizer.group('apps').resource(' ').check('get').allowed()", ['devs'], "expression 'authorizer.group('apps').resource(' ').check('get').allowed()' resulted in error: resource must not be empty"],
  ];
  for (const [name, expression, groups, denied] of cases) {
    test(name, async () => {
      const spec = { variables: [{ name: 'verbs', expression: "['get', 'list']" }], validations: [{ expression }] };
      const a = attrs({ user: { username: 'alice', groups } });
      assert.equal(await deniedWith(single(spec), a, { authorize }), denied);
    });
  }

  test('checks are asked with the request’s user and attributes, each once per request', async () => {
    asked.length = 0;
    const spec = { validations: [{ expression: "authorizer.requestResource.check('get').allowed()" }, { expression: "authorizer.requestResource.check('get').allowed()" }] };
    assert.equal(await deniedWith(single(spec), attrs(), { authorize }), undefined);
    assert.deepEqual(asked, [{ user: { username: 'alice', groups: ['devs', 'system:authenticated'] }, verb: 'get', resourceRequest: true, apiGroup: 'apps', resource: 'deployments', namespace: 'test', name: 'web' }]);
  });

  test('without an authorizer, `authorizer` is unbound', async () => {
    assert.equal(
      await deniedWith(single({ validations: [{ expression: "authorizer.path('/').check('get').allowed()" }] })),
      "expression 'authorizer.path('/').check('get').allowed()' resulted in error: no such attribute(s): authorizer",
    );
  });

  test('messageExpression has no authorizer', async () => {
    const spec = { validations: [{ expression: 'false', message: 'fallback', messageExpression: "authorizer.path('/healthz').check('get').reason()" }] };
    assert.equal(await deniedWith(single(spec), attrs(), { authorize }), 'fallback');
  });
});

// --- configuration cache --------------------------------------------------------------------

test('configuration is listed once until invalidate(), then re-read', async () => {
  const w = single({ validations: [{ expression: 'false', message: 'v1' }] });
  const src = memorySource(w);
  const policies = new ValidatingAdmissionPolicies(src);
  const plugin = policies.plugin();
  const message = async () => {
    try {
      await plugin.validate!(attrs());
      return undefined;
    } catch (err) {
      return (err as Error).message.replace(/^.*denied request: /, '');
    }
  };
  assert.equal(await message(), 'v1');
  w.policies = [policy('p', { validations: [{ expression: 'false', message: 'v2' }] })];
  assert.equal(await message(), 'v1');
  assert.equal(src.lists, 1);
  policies.invalidate();
  assert.equal(await message(), 'v2');
  w.bindings = [];
  policies.invalidate();
  assert.equal(await message(), undefined);
  assert.equal(src.lists, 3);
  assert.equal(plugin.name, 'ValidatingAdmissionPolicy');
});
