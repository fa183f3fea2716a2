import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ResourceRegistry } from '../../api/registry.ts';
import type { Obj } from '../rest.ts';
import { defaultTolerationSeconds } from './default-toleration-seconds.ts';
import type { AdmissionAttributes, Operation } from './index.ts';

const registry = new ResourceRegistry();
const podsInfo = registry.get('', 'v1', 'pods')!;

function attrs(object: Obj, o: { operation?: Operation; subresource?: string; info?: typeof podsInfo } = {}): AdmissionAttributes {
  return {
    info: o.info ?? podsInfo,
    operation: o.operation ?? 'CREATE',
    object,
    namespace: 'default',
    name: object.metadata?.name,
    ...(o.subresource ? { subresource: o.subresource } : {}),
    user: { username: 'alice', groups: [] } as any,
    dryRun: false,
    warnings: [],
    annotations: {},
  };
}

const pod = (tolerations?: Obj[]) => ({ metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x' }], ...(tolerations ? { tolerations } : {}) } });
const NOT_READY = { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };
const UNREACHABLE = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };

async function admitted(object: Obj, o: Parameters<typeof attrs>[1] = {}, plugin = defaultTolerationSeconds()): Promise<Obj> {
  const a = attrs(object, o);
  await plugin.admit!(a);
  return a.object!;
}

describe('DefaultTolerationSeconds admission', () => {
  it('adds both 300 s tolerations to a pod without any', async () => {
    assert.deepEqual((await admitted(pod())).spec.tolerations, [NOT_READY, UNREACHABLE]);
  });

  it('keeps the pod own tolerations first and appends only what is missing', async () => {
    const own = { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 };
    const gpu = { key: 'gpu', operator: 'Exists', effect: 'NoSchedule' };
    assert.deepEqual((await admitted(pod([gpu, own]))).spec.tolerations, [gpu, own, UNREACHABLE]);
  });

  it('treats an empty key or empty effect as already tolerating', async () => {
    const all = { operator: 'Exists' };
    assert.deepEqual((await admitted(pod([all]))).spec.tolerations, [all]);
    const anyEffect = { key: 'node.kubernetes.io/unreachable', operator: 'Exists' };
    assert.deepEqual((await admitted(pod([anyEffect]))).spec.tolerations, [anyEffect, NOT_READY]);
    const anyKeyNoExecute = { operator: 'Exists', effect: 'NoExecute' };
    assert.deepEqual((await admitted(pod([anyKeyNoExecute]))).spec.tolerations, [anyKeyNoExecute]);
  });

  it('does not count a toleration for another effect', async () => {
    const noSchedule = { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' };
    assert.deepEqual((await admitted(pod([noSchedule]))).spec.tolerations, [noSchedule, NOT_READY, UNREACHABLE]);
  });

  it('runs on update too, but not on subresources or other kinds', async () => {
    assert.equal((await admitted(pod(), { operation: 'UPDATE' })).spec.tolerations.length, 2);
    assert.equal((await admitted(pod(), { subresource: 'status' })).spec.tolerations, undefined);
    const cm = { metadata: { name: 'c' }, spec: {} };
    assert.equal((await admitted(cm, { info: registry.get('', 'v1', 'configmaps')! })).spec.tolerations, undefined);
  });

  it('takes the seconds as options', async () => {
    const t = (await admitted(pod(), {}, defaultTolerationSeconds({ notReadySeconds: 30, unreachableSeconds: 60 }))).spec.tolerations;
    assert.deepEqual(t.map((x: Obj) => x.tolerationSeconds), [30, 60]);
  });
});
