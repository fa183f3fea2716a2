import assert from 'node:assert/strict';
import { test } from 'node:test';
import { podQos } from './qos.ts';

const c = (requests?: Record<string, string>, limits?: Record<string, string>) => ({ name: 'c', resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } });

test('QoS classes as upstream computes them', () => {
  const cases: [string, Record<string, any>, string][] = [
    ['no resources', { containers: [c()] }, 'BestEffort'],
    ['zero requests', { containers: [c({ cpu: '0' })] }, 'BestEffort'],
    ['requests only', { containers: [c({ cpu: '100m' })] }, 'Burstable'],
    ['limits equal requests for cpu and memory', { containers: [c({ cpu: '1', memory: '1Gi' }, { cpu: '1', memory: '1Gi' })] }, 'Guaranteed'],
    ['limits only (requests default to them)', { containers: [c(undefined, { cpu: '1', memory: '1Gi' })] }, 'Guaranteed'],
    ['equal but written differently', { containers: [c({ cpu: '1000m', memory: '1024Mi' }, { cpu: '1', memory: '1Gi' })] }, 'Guaranteed'],
    ['memory limit missing', { containers: [c({ cpu: '1' }, { cpu: '1' })] }, 'Burstable'],
    ['requests below limits', { containers: [c({ cpu: '500m', memory: '1Gi' }, { cpu: '1', memory: '1Gi' })] }, 'Burstable'],
    ['one guaranteed, one best-effort container', { containers: [c({ cpu: '1', memory: '1Gi' }, { cpu: '1', memory: '1Gi' }), c()] }, 'Burstable'],
    ['init container counts', { initContainers: [c({ cpu: '1' })], containers: [c()] }, 'Burstable'],
    ['pod-level resources win', { resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } }, containers: [c()] }, 'Guaranteed'],
  ];
  for (const [name, spec, want] of cases) assert.equal(podQos(spec), want, name);
});

test('podQos takes malformed specs without throwing (it runs before validation)', () => {
  for (const spec of [{ containers: 0 }, { containers: {} }, { initContainers: 'x', containers: [null] }, { resources: 5 }, undefined]) {
    assert.equal(podQos(spec as Record<string, any> | undefined), 'BestEffort', JSON.stringify(spec));
  }
});
