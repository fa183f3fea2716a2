// Scenarios from the Kubernetes documentation ("Server-Side Apply") and kube-apiserver's
// behaviour, with managedFields compared to what upstream records.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ApplyConflictError,
  ApplyInternalError,
  applyObject,
  defaultResetFields,
  FieldSet,
  LAST_APPLIED_ANNOTATION,
  managerFromUserAgent,
  recordUpdate,
  type ApplyOptions,
} from './index.ts';
import { StatusError } from '../errors.ts';
import type { JsonMap } from './value.ts';

const T0 = new Date('2024-05-01T10:00:00.250Z');
const T1 = new Date('2024-05-01T11:00:00Z');
const T2 = new Date('2024-05-01T12:00:00Z');

type Obj = JsonMap & { metadata: JsonMap & { managedFields?: JsonMap[]; labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: any };

function deployment(spec: JsonMap = {}, metadata: JsonMap = {}): Obj {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'nginx', namespace: 'default', ...metadata }, ...(Object.keys(spec).length ? { spec } : {}) };
}

const NGINX_SPEC = {
  replicas: 3,
  selector: { matchLabels: { app: 'nginx' } },
  template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] } },
};

const apply = (live: object | undefined, cfg: object, manager: string, over: Partial<ApplyOptions> = {}): Obj =>
  applyObject(live, cfg, { manager, force: false, apiVersion: 'apps/v1', kind: 'Deployment', now: T0, ...over }) as Obj;

const update = (old: object | undefined, next: object, manager: string, now = T0, apiVersion = 'apps/v1'): Obj =>
  recordUpdate(old, next, { manager, apiVersion, now }) as Obj;

/** The fieldsV1 of the entry of `manager` (and operation), as JSON text. */
function fieldsOf(obj: Obj, manager: string, operation?: string): string | undefined {
  const e = obj.metadata.managedFields?.find((x) => x.manager === manager && (!operation || x.operation === operation));
  return e ? JSON.stringify(e.fieldsV1) : undefined;
}

function managers(obj: Obj): string[] {
  return (obj.metadata.managedFields ?? []).map((e) => `${e.manager}/${e.operation}`);
}

function conflictOf(fn: () => unknown): ApplyConflictError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApplyConflictError) return err;
    throw err;
  }
  assert.fail('expected a conflict');
}

describe('apply', () => {
  it('creates the object with one Apply entry holding exactly the applied fields', () => {
    const cfg = deployment(NGINX_SPEC, { labels: { app: 'nginx' } });
    const got = apply(undefined, cfg, 'kubectl');
    const { managedFields, ...meta } = got.metadata;
    assert.deepEqual({ ...got, metadata: meta }, cfg);
    assert.deepEqual(managedFields, [
      {
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: '2024-05-01T10:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:replicas': {},
            'f:selector': {},
            'f:template': {
              'f:metadata': { 'f:labels': { 'f:app': {} } },
              'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
            },
          },
        },
      },
    ]);
  });

  it('does not change its inputs', () => {
    const live = apply(undefined, deployment(NGINX_SPEC), 'a');
    const cfg = deployment({ replicas: 4 });
    const [l, c] = [structuredClone(live), structuredClone(cfg)];
    apply(live, cfg, 'b', { force: true });
    assert.deepEqual(live, l);
    assert.deepEqual(cfg, c);
  });

  it('two appliers own different fields', () => {
    let obj = apply(undefined, deployment({ replicas: 2 }, { labels: { a: '1' } }), 'alice');
    obj = apply(obj, deployment({}, { labels: { b: '2' } }), 'bob', { now: T1 });
    assert.deepEqual(obj.metadata.labels, { a: '1', b: '2' });
    assert.equal(obj.spec.replicas, 2);
    assert.equal(fieldsOf(obj, 'alice'), '{"f:metadata":{"f:labels":{"f:a":{}}},"f:spec":{"f:replicas":{}}}');
    assert.equal(fieldsOf(obj, 'bob'), '{"f:metadata":{"f:labels":{"f:b":{}}}}');
    assert.deepEqual(managers(obj), ['alice/Apply', 'bob/Apply']);
  });

  it('a conflict on replicas with kubectl-client-side-apply (Update)', () => {
    const created = update(undefined, deployment(NGINX_SPEC), 'kubectl-client-side-apply');
    const err = conflictOf(() => apply(created, deployment({ replicas: 5 }), 'my-applier'));
    assert.equal(err.code, 409);
    assert.deepEqual(err.toStatus(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
      reason: 'Conflict',
      details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: '.spec.replicas' }] },
      code: 409,
    });
    assert.equal(err.conflicts[0]?.manager, 'kubectl-client-side-apply');
  });

  it('the same value is no conflict: the field is shared', () => {
    const created = update(undefined, deployment(NGINX_SPEC), 'kubectl-client-side-apply');
    const obj = apply(created, deployment({ replicas: 3 }), 'my-applier');
    assert.equal(fieldsOf(obj, 'my-applier'), '{"f:spec":{"f:replicas":{}}}');
    assert.match(fieldsOf(obj, 'kubectl-client-side-apply') ?? '', /"f:replicas"/);
    assert.deepEqual(obj.spec, created.spec);
  });

  it('force takes ownership', () => {
    const created = update(undefined, deployment(NGINX_SPEC), 'kubectl-client-side-apply');
    const obj = apply(created, deployment({ replicas: 5 }), 'my-applier', { force: true, now: T1 });
    assert.equal(obj.spec.replicas, 5);
    assert.equal(fieldsOf(obj, 'my-applier'), '{"f:spec":{"f:replicas":{}}}');
    const csa = fieldsOf(obj, 'kubectl-client-side-apply') ?? '';
    assert.doesNotMatch(csa, /f:replicas/);
    assert.match(csa, /f:image/);
    // The Apply entry comes first; the updater keeps its time.
    assert.deepEqual(managers(obj), ['my-applier/Apply', 'kubectl-client-side-apply/Update']);
    assert.equal(obj.metadata.managedFields?.[1]?.time, '2024-05-01T10:00:00Z');
  });

  it('several conflicts, grouped by manager', () => {
    let obj = update(undefined, deployment({ replicas: 1, paused: false }), 'ctl');
    obj = apply(obj, deployment({}, { labels: { x: '1' } }), 'b', { now: T1 });
    const err = conflictOf(() => apply(obj, deployment({ replicas: 2, paused: true }, { labels: { x: '2' } }), 'c'));
    assert.equal(err.message, 'Apply failed with 3 conflicts: conflicts with "b":\n- .metadata.labels.x\nconflicts with "ctl" using apps/v1:\n- .spec.paused\n- .spec.replicas');
    assert.deepEqual(
      err.toStatus().details?.causes?.map((c) => c.field),
      ['.metadata.labels.x', '.spec.paused', '.spec.replicas'],
    );
  });

  it('an applier removes a field it no longer applies', () => {
    let obj = apply(undefined, deployment({ replicas: 1, paused: true }, { labels: { a: '1', b: '2' } }), 'alice');
    obj = apply(obj, deployment({ replicas: 1 }, { labels: { a: '1' } }), 'alice', { now: T1 });
    assert.deepEqual(obj.metadata.labels, { a: '1' });
    assert.equal(obj.spec.paused, undefined);
    assert.equal(fieldsOf(obj, 'alice'), '{"f:metadata":{"f:labels":{"f:a":{}}},"f:spec":{"f:replicas":{}}}');
  });

  it('a field another manager also owns stays when one applier drops it', () => {
    let obj = apply(undefined, deployment({}, { labels: { a: '1', shared: 'x' } }), 'alice');
    obj = apply(obj, deployment({}, { labels: { shared: 'x' } }), 'bob');
    obj = apply(obj, deployment({}, { labels: { a: '1' } }), 'alice', { now: T1 });
    assert.deepEqual(obj.metadata.labels, { a: '1', shared: 'x' });
    assert.equal(fieldsOf(obj, 'bob'), '{"f:metadata":{"f:labels":{"f:shared":{}}}}');
    assert.equal(fieldsOf(obj, 'alice'), '{"f:metadata":{"f:labels":{"f:a":{}}}}');
  });

  it('a field an updater changed stays when the applier drops it', () => {
    let obj = apply(undefined, deployment({ replicas: 1, paused: true }), 'alice');
    obj = update(obj, { ...obj, spec: { ...obj.spec, replicas: 7 } }, 'hpa', T1);
    obj = apply(obj, deployment({ paused: true }), 'alice', { now: T2 });
    assert.equal(obj.spec.replicas, 7);
    assert.equal(fieldsOf(obj, 'hpa'), '{"f:spec":{"f:replicas":{}}}');
  });

  it('containers are merged by name', () => {
    const cfg = (containers: JsonMap[]) => deployment({ template: { spec: { containers } } });
    let obj = apply(undefined, cfg([{ name: 'nginx', image: 'nginx:1' }]), 'alice');
    obj = apply(obj, cfg([{ name: 'sidecar', image: 'envoy' }]), 'bob');
    assert.deepEqual(obj.spec.template.spec.containers, [
      { name: 'nginx', image: 'nginx:1' },
      { name: 'sidecar', image: 'envoy' },
    ]);
    assert.equal(
      fieldsOf(obj, 'bob'),
      '{"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\\"name\\":\\"sidecar\\"}":{".":{},"f:image":{},"f:name":{}}}}}}}',
    );
    obj = apply(obj, cfg([{ name: 'nginx', image: 'nginx:2' }]), 'alice', { now: T1 });
    assert.deepEqual(obj.spec.template.spec.containers, [
      { name: 'nginx', image: 'nginx:2' },
      { name: 'sidecar', image: 'envoy' },
    ]);
    // alice drops nginx: the whole item goes, bob's stays
    obj = apply(obj, cfg([]), 'alice', { now: T2 });
    assert.deepEqual(obj.spec.template.spec.containers, [{ name: 'sidecar', image: 'envoy' }]);
  });

  it('applying a container port without protocol keys it with TCP', () => {
    const obj = apply(undefined, deployment({ template: { spec: { containers: [{ name: 'a', ports: [{ containerPort: 80 }] }] } } }), 'kubectl');
    assert.match(fieldsOf(obj, 'kubectl') ?? '', /"k:\{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"\}":\{"\.":\{\},"f:containerPort":\{\}\}/);
  });

  it('re-applying the same configuration changes nothing, not even the time', () => {
    const cfg = deployment(NGINX_SPEC);
    const first = apply(undefined, cfg, 'kubectl');
    const again = apply(first, cfg, 'kubectl', { now: T2 });
    assert.deepEqual(again, first);
  });

  it('the status subresource: entries name it, conflicts too', () => {
    const opts = { subresource: 'status', resetFields: defaultResetFields('status') } as const;
    let obj = apply(undefined, deployment(NGINX_SPEC), 'kubectl');
    obj = apply(obj, { ...deployment(), status: { replicas: 3 } }, 'controller', opts);
    const entry = obj.metadata.managedFields?.find((e) => e.manager === 'controller');
    assert.deepEqual(entry, {
      manager: 'controller',
      operation: 'Apply',
      apiVersion: 'apps/v1',
      time: '2024-05-01T10:00:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:status': { 'f:replicas': {} } },
      subresource: 'status',
    });
    const err = conflictOf(() => apply(obj, { ...deployment(), status: { replicas: 4 } }, 'other', opts));
    assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "controller" with subresource "status": .status.replicas');
  });

  it('reset fields are not owned through the endpoint', () => {
    const obj = apply(undefined, { ...deployment({ replicas: 1 }), status: { replicas: 1 } }, 'kubectl', { resetFields: defaultResetFields() });
    assert.equal(fieldsOf(obj, 'kubectl'), '{"f:spec":{"f:replicas":{}}}');
  });

  it('an applied configuration with only identifying fields records no entry', () => {
    const obj = apply(undefined, deployment(), 'kubectl');
    assert.equal(obj.metadata.managedFields, undefined);
  });

  it('custom resources without a schema: objects are granular, lists atomic', () => {
    const cr = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 1, tags: ['a'], nested: { x: 1 } } };
    const obj = applyObject(undefined, cr, { manager: 'm', force: false, apiVersion: 'example.com/v1', kind: 'Widget', now: T0 }) as Obj;
    assert.equal(fieldsOf(obj, 'm'), '{"f:spec":{".":{},"f:nested":{".":{},"f:x":{}},"f:size":{},"f:tags":{}}}');
  });
});

describe('apply errors', () => {
  it('another kind or version: 400 invalid object type', () => {
    for (const [cfg, msg] of [
      [{ ...deployment(), kind: 'ReplicaSet' }, 'invalid object type: apps/v1, Kind=ReplicaSet'],
      [{ ...deployment(), apiVersion: 'apps/v1beta1' }, 'invalid object type: apps/v1beta1, Kind=Deployment'],
      [{ kind: 'Deployment', metadata: { name: 'x' } }, 'invalid object type: /, Kind=Deployment'],
      [{ ...deployment(), apiVersion: 'a/b/c' }, 'invalid object type: /, Kind='],
    ] as const) {
      assert.throws(() => apply(undefined, cfg, 'kubectl'), (e: unknown) => e instanceof StatusError && e.code === 400 && e.reason === 'BadRequest' && e.message === msg);
    }
  });

  it('managedFields in the configuration: 400', () => {
    assert.throws(
      () => apply(undefined, deployment({}, { managedFields: [] }), 'kubectl'),
      (e: unknown) => e instanceof StatusError && e.code === 400 && e.message === 'metadata.managedFields must be nil',
    );
    assert.doesNotThrow(() => apply(undefined, deployment({}, { managedFields: null }), 'kubectl'));
  });

  it('a list item without its key: 500 without a reason, worded as upstream', () => {
    const cfg = deployment({ template: { spec: { containers: [{ image: 'nginx' }] } } });
    assert.throws(
      () => apply(undefined, cfg, 'kubectl'),
      (e: unknown) => {
        if (!(e instanceof ApplyInternalError)) return false;
        const s = e.toStatus();
        return (
          s.code === 500 &&
          s.reason === undefined &&
          s.message ===
            'failed to create typed patch object (default/nginx; apps/v1, Kind=Deployment): .spec.template.spec.containers: element 0: associative list with keys has an element that omits key field "name" (and doesn\'t have default value)'
        );
      },
    );
  });
});

describe('kubectl: from client-side to server-side apply', () => {
  const csaCreate = (spec: JsonMap) => {
    const cfg = deployment(spec);
    const withAnn = deployment(spec, { annotations: { [LAST_APPLIED_ANNOTATION]: `${JSON.stringify(cfg)}\n` } });
    return update(undefined, withAnn, 'kubectl-client-side-apply');
  };

  it('conflicts with the client-side applier are the user’s own while the live value is the last applied one', () => {
    const live = csaCreate({ replicas: 3 });
    const obj = apply(live, deployment({ replicas: 5 }), 'kubectl', { now: T1 });
    assert.equal(obj.spec.replicas, 5);
    assert.equal(fieldsOf(obj, 'kubectl'), '{"f:spec":{"f:replicas":{}}}');
    // and the annotation follows the applied configuration
    assert.equal(obj.metadata.annotations?.[LAST_APPLIED_ANNOTATION], '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"nginx","namespace":"default"},"spec":{"replicas":5}}\n');
  });

  it('but not when someone else changed the field since', () => {
    let live = csaCreate({ replicas: 3 });
    live = update(live, { ...live, spec: { replicas: 4 } }, 'kubectl-scale', T1);
    const err = conflictOf(() => apply(live, deployment({ replicas: 5 }), 'kubectl', { now: T2 }));
    assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "kubectl-scale" using apps/v1: .spec.replicas');
  });

  it('other managers get no such pass', () => {
    const live = csaCreate({ replicas: 3 });
    conflictOf(() => apply(live, deployment({ replicas: 5 }), 'argocd', { now: T1 }));
  });
});

describe('recordUpdate', () => {
  it('a create owns every field it set; maps that appear get "."', () => {
    const cm = recordUpdate(undefined, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { a: '1' } }, data: { k: 'v' } }, { manager: 'kubectl-create', apiVersion: 'v1', now: T0 }) as Obj;
    assert.deepEqual(cm.metadata.managedFields, [
      {
        manager: 'kubectl-create',
        operation: 'Update',
        apiVersion: 'v1',
        time: '2024-05-01T10:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:data': { '.': {}, 'f:k': {} }, 'f:metadata': { 'f:labels': { '.': {}, 'f:a': {} } } },
      },
    ]);
  });

  it('a created Deployment: struct fields Go always has carry no "."', () => {
    const obj = update(undefined, deployment({ ...NGINX_SPEC, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%' } } }), 'kubectl-client-side-apply');
    assert.equal(
      fieldsOf(obj, 'kubectl-client-side-apply'),
      JSON.stringify({
        'f:spec': {
          'f:replicas': {},
          'f:selector': {},
          'f:strategy': { 'f:rollingUpdate': { '.': {}, 'f:maxSurge': {} }, 'f:type': {} },
          'f:template': {
            'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
            'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
          },
        },
      }),
    );
  });

  it('never tracks identity and bookkeeping fields', () => {
    const obj = update(undefined, deployment({ replicas: 1 }, { uid: 'u', resourceVersion: '5', generation: 1, creationTimestamp: '2024-01-01T00:00:00Z' }), 'm');
    assert.equal(fieldsOf(obj, 'm'), '{"f:spec":{"f:replicas":{}}}');
  });

  it('an update takes the fields it changed from their owners, appliers included', () => {
    let obj = apply(undefined, deployment({ replicas: 1, paused: true }), 'alice');
    obj = update(obj, { ...obj, spec: { ...obj.spec, replicas: 2 } }, 'kubectl-edit', T1);
    assert.equal(fieldsOf(obj, 'alice'), '{"f:spec":{"f:paused":{}}}');
    assert.equal(fieldsOf(obj, 'kubectl-edit'), '{"f:spec":{"f:replicas":{}}}');
    assert.equal(obj.metadata.managedFields?.find((e) => e.manager === 'kubectl-edit')?.time, '2024-05-01T11:00:00Z');
  });

  it('fields an updater did not change are not recorded; a no-op update changes nothing', () => {
    const created = update(undefined, deployment({ replicas: 1 }), 'creator');
    const same = update(created, structuredClone(created), 'other', T1);
    assert.deepEqual(same, created);
  });

  it('the same manager and version merge into one entry; another version is another entry', () => {
    let obj = update(undefined, deployment({ replicas: 1 }), 'ctl');
    obj = update(obj, { ...obj, spec: { replicas: 1, paused: true } }, 'ctl', T1);
    assert.deepEqual(managers(obj), ['ctl/Update']);
    assert.equal(fieldsOf(obj, 'ctl'), '{"f:spec":{"f:paused":{},"f:replicas":{}}}');
    assert.equal(obj.metadata.managedFields?.[0]?.time, '2024-05-01T11:00:00Z');
    obj = update(obj, { ...obj, spec: { replicas: 2, paused: true } }, 'ctl', T2, 'apps/v1beta2');
    assert.deepEqual(
      obj.metadata.managedFields?.map((e) => [e.apiVersion, JSON.stringify(e.fieldsV1)]),
      [
        ['apps/v1', '{"f:spec":{"f:paused":{}}}'],
        ['apps/v1beta2', '{"f:spec":{"f:replicas":{}}}'],
      ],
    );
  });

  it('removing a field removes it from its owners', () => {
    let obj = update(undefined, deployment({ replicas: 1, paused: true }), 'ctl');
    obj = update(obj, { ...obj, spec: { replicas: 1 } }, 'other', T1);
    assert.equal(fieldsOf(obj, 'ctl'), '{"f:spec":{"f:replicas":{}}}');
    assert.equal(fieldsOf(obj, 'other'), undefined);
  });

  it('managedFields sent by the client: valid ones are used, [] clears, garbage is replaced by the live ones', () => {
    const live = update(undefined, deployment({ replicas: 1 }), 'creator');
    const cleared = update(live, { ...live, metadata: { ...live.metadata, managedFields: [] } }, 'x', T1);
    assert.equal(cleared.metadata.managedFields, undefined);
    const garbage = update(live, { ...live, metadata: { ...live.metadata, managedFields: [{ manager: 'evil', operation: 'Steal' }] } }, 'x', T1);
    assert.deepEqual(garbage.metadata.managedFields, live.metadata.managedFields);
    const handEdited = [{ manager: 'me', operation: 'Apply', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }];
    const edited = update(live, { ...live, metadata: { ...live.metadata, managedFields: handEdited } }, 'x', T1);
    assert.deepEqual(edited.metadata.managedFields, handEdited);
  });

  it('a subresource update ignores the managedFields it is sent', () => {
    const live = update(undefined, deployment({ replicas: 1 }), 'creator');
    const next = recordUpdate(live, { ...live, metadata: { ...live.metadata, managedFields: [] }, status: { replicas: 1 } }, { manager: 'kcm', apiVersion: 'apps/v1', now: T1, subresource: 'status' }) as Obj;
    assert.deepEqual(managers(next), ['creator/Update', 'kcm/Update']);
    assert.equal(next.metadata.managedFields?.[1]?.subresource, 'status');
    // A Deployment always has a status (a Go struct): it does not "appear", so no ".".
    assert.equal(fieldsOf(next, 'kcm'), '{"f:status":{"f:replicas":{}}}');
  });

  it('keeps ten Update entries, the oldest merged into ancient-changes', () => {
    let obj = update(undefined, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: {} }, 'm0', T0, 'v1');
    for (let i = 1; i <= 11; i++) {
      const data = { ...(obj.data as JsonMap), [`k${i}`]: 'v' };
      obj = recordUpdate(obj, { ...obj, data }, { manager: `m${String(i).padStart(2, '0')}`, apiVersion: 'v1', now: new Date(T0.getTime() + i * 1000) }) as Obj;
    }
    const names = managers(obj);
    assert.equal(names.length, 10);
    assert.equal(names[0], 'ancient-changes/Update');
    // m0 (which created the empty data map), m01 and m02
    assert.equal(fieldsOf(obj, 'ancient-changes'), '{"f:data":{".":{},"f:k1":{},"f:k2":{}}}');
  });
});

describe('managerFromUserAgent', () => {
  const CASES: [string | undefined, string][] = [
    ['kubectl-client-side-apply/v1.35.2 (linux/amd64) kubernetes/2a5c6f9', 'kubectl-client-side-apply'],
    ['kubectl/v1.35.2 (darwin/arm64) kubernetes/2a5c6f9', 'kubectl'],
    ['Helm/3.17.0', 'Helm'],
    ['kube-controller-manager/v1.35.0 (linux/amd64) kubernetes/abc/system:serviceaccount:kube-system:deployment-controller', 'kube-controller-manager'],
    ['curl 8.0', 'curl 8.0'],
    ['tab\there', 'tabhere'],
    ['', ''],
    [undefined, ''],
    ['x'.repeat(200), 'x'.repeat(128)],
    ['é'.repeat(100), 'é'.repeat(64)],
  ];
  for (const [ua, want] of CASES) {
    it(JSON.stringify(ua)?.slice(0, 60) ?? 'undefined', () => assert.equal(managerFromUserAgent(ua), want));
  }
});

describe('exports', () => {
  it('FieldSet is the same class the entries decode to', () => {
    assert.ok(FieldSet.of().isEmpty);
  });
});
