import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import { resources } from '../../client/index.ts';
import { eventually, sleep } from '../testing.ts';
import { startHarness, type Harness } from '../serviceaccount/harness.ts';
import { DEFAULT_RESYNC_PERIOD_MS, RESOURCE_QUOTAS, ResourceQuotaController, podChargesQuota, updateReplenishes } from './index.ts';

type Obj = Record<string, any>;

const pod = (name: string, resources?: Obj) => ({ metadata: { name }, spec: { containers: [{ name: 'c', image: 'nginx', ...(resources ? { resources } : {}) }] } });

describe('ResourceQuota controller', () => {
  let h: Harness<ResourceQuotaController>;
  before(async () => {
    h = await startHarness((c) => new ResourceQuotaController(c), { account: 'resourcequota-controller' });
  });
  after(async () => {
    await h?.close();
  });

  const quota = (ns: string, name: string) => h.client.get(RESOURCE_QUOTAS, ns, name);
  const usedIs = (ns: string, name: string, want: Record<string, string>) =>
    eventually(`${name} used ${JSON.stringify(want)}`, async () => {
      const q = await quota(ns, name);
      return JSON.stringify(q.status?.used) === JSON.stringify(want) && q;
    });
  // No ServiceAccounts controller runs here: pods need their account made by hand.
  const newNs = async (name: string) => {
    await h.client.create(resources.namespaces, undefined, { metadata: { name } });
    await h.client.create(resources.serviceaccounts, name, { metadata: { name: 'default' } });
  };

  it('fills status.hard from spec.hard and status.used from what exists', async () => {
    await newNs('q1');
    await h.client.create(resources.pods, 'q1', pod('a', { requests: { cpu: '100m', memory: '64Mi' } }));
    await h.client.create(resources.pods, 'q1', pod('b', { requests: { cpu: '250m' } }));
    await h.client.create(resources.configmaps, 'q1', { metadata: { name: 'cm' }, data: {} });
    await h.client.create(RESOURCE_QUOTAS, 'q1', { metadata: { name: 'q' }, spec: { hard: { pods: '5', 'requests.cpu': '2', configmaps: '10', 'count/deployments.apps': '3', 'example.com/unknown': '1' } } });
    const q = await usedIs('q1', 'q', { configmaps: '1', 'count/deployments.apps': '0', pods: '2', 'requests.cpu': '350m' });
    assert.deepEqual(q.status.hard, { pods: '5', 'requests.cpu': '2', configmaps: '10', 'count/deployments.apps': '3', 'example.com/unknown': '1' });
    assert.deepEqual(h.errors, []);
  });

  it('recounts promptly when a counted object is deleted or a pod terminates', async () => {
    await newNs('q2');
    await h.client.create(RESOURCE_QUOTAS, 'q2', { metadata: { name: 'q' }, spec: { hard: { pods: '5' } } });
    await usedIs('q2', 'q', { pods: '0' });
    // Admission charges creations to status.used itself.
    for (const n of ['a', 'b', 'c']) await h.client.create(resources.pods, 'q2', pod(n));
    await usedIs('q2', 'q', { pods: '3' });
    await h.client.delete(resources.pods, 'q2', 'a', { gracePeriodSeconds: 0 });
    await usedIs('q2', 'q', { pods: '2' });
    await h.client.patch(resources.pods, 'q2', 'b', 'merge', { status: { phase: 'Succeeded' } }, { subresource: 'status' });
    await usedIs('q2', 'q', { pods: '1' });
  });

  it('counts only what the quota scopes select', async () => {
    await newNs('q3');
    await h.client.create(resources.pods, 'q3', pod('besteffort'));
    await h.client.create(resources.pods, 'q3', pod('burstable', { requests: { cpu: '1' } }));
    await h.client.create(RESOURCE_QUOTAS, 'q3', { metadata: { name: 'be' }, spec: { hard: { pods: '10' }, scopes: ['BestEffort'] } });
    await h.client.create(RESOURCE_QUOTAS, 'q3', {
      metadata: { name: 'notbe' },
      spec: { hard: { pods: '10' }, scopeSelector: { matchExpressions: [{ scopeName: 'NotBestEffort', operator: 'Exists' }] } },
    });
    await usedIs('q3', 'be', { pods: '1' });
    await usedIs('q3', 'notbe', { pods: '1' });
  });

  it('follows spec.hard changes', async () => {
    await newNs('q4');
    await h.client.create(RESOURCE_QUOTAS, 'q4', { metadata: { name: 'q' }, spec: { hard: { pods: '5' } } });
    await usedIs('q4', 'q', { pods: '0' });
    await h.client.create(resources.secrets, 'q4', { metadata: { name: 's' }, data: {} });
    await h.client.patch(RESOURCE_QUOTAS, 'q4', 'q', 'merge', { spec: { hard: { secrets: '4' } } });
    const q = await usedIs('q4', 'q', { pods: '0', secrets: '1' });
    assert.deepEqual(q.status.hard, { pods: '5', secrets: '4' });
  });

  it('corrects drifted usage on the full resync period, not before', async () => {
    await newNs('q5');
    await h.client.create(RESOURCE_QUOTAS, 'q5', { metadata: { name: 'q' }, spec: { hard: { configmaps: '5' } } });
    const q = await usedIs('q5', 'q', { configmaps: '0' });
    await h.client.updateStatus(RESOURCE_QUOTAS, 'q5', { ...q, status: { hard: q.status.hard, used: { configmaps: '4' } } });
    await sleep(200);
    assert.deepEqual((await quota('q5', 'q')).status.used, { configmaps: '4' }, 'no event says the usage drifted');
    h.clock.advance(DEFAULT_RESYNC_PERIOD_MS);
    await usedIs('q5', 'q', { configmaps: '0' });
  });
});

test('podChargesQuota: terminal pods and pods past their deletion grace period are free', () => {
  const now = Date.parse('2026-01-01T00:01:00Z');
  assert.equal(podChargesQuota({ status: { phase: 'Running' } }, now), true);
  assert.equal(podChargesQuota({ status: { phase: 'Failed' } }, now), false);
  assert.equal(podChargesQuota({ metadata: { deletionTimestamp: '2026-01-01T00:00:00Z', deletionGracePeriodSeconds: 30 } }, now), false);
  assert.equal(podChargesQuota({ metadata: { deletionTimestamp: '2026-01-01T00:00:45Z', deletionGracePeriodSeconds: 30 } }, now), true);
});

test('updateReplenishes: only changes that can free quota', () => {
  const now = Date.now();
  assert.equal(updateReplenishes(resources.pods, { status: { phase: 'Running' } }, { status: { phase: 'Succeeded' } }, now), true);
  assert.equal(updateReplenishes(resources.pods, { status: { phase: 'Pending' } }, { status: { phase: 'Running' } }, now), false);
  assert.equal(updateReplenishes(resources.services, { spec: { type: 'NodePort' } }, { spec: { type: 'ClusterIP' } }, now), true);
  assert.equal(updateReplenishes(resources.services, { spec: { type: 'ClusterIP' } }, { spec: { type: 'ClusterIP', ports: [] } }, now), false);
  assert.equal(updateReplenishes(resources.persistentvolumeclaims, { status: { allocatedResources: { storage: '2Gi' } } }, { status: { allocatedResources: { storage: '1Gi' } } }, now), true);
  assert.equal(updateReplenishes(resources.configmaps, { data: { a: '1' } }, { data: {} }, now), false);
});
