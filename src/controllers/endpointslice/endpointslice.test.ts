import assert from 'node:assert/strict';
import { test } from 'node:test';
import { endpointPorts, podToEndpoint } from './index.ts';

const pod = {
  metadata: { name: 'p', namespace: 'default', uid: 'u1', deletionTimestamp: '2024-01-01T00:00:00Z' },
  spec: { nodeName: 'n1', hostname: 'h', subdomain: 's', containers: [{ name: 'c', ports: [{ name: 'web', containerPort: 8080 }, { name: 'dns', containerPort: 53, protocol: 'UDP' }] }] },
  status: { podIP: '10.0.0.1', conditions: [{ type: 'Ready', status: 'True' }] },
};

test('a terminating ready pod is serving but not ready, unless not-ready addresses are published', () => {
  const svc = { metadata: { name: 's', namespace: 'default' }, spec: {} };
  const node = { metadata: { labels: { 'topology.kubernetes.io/zone': 'z1' } } };
  const ep = podToEndpoint(pod, node, svc, '10.0.0.1');
  assert.deepEqual(ep, {
    addresses: ['10.0.0.1'],
    conditions: { ready: false, serving: true, terminating: true },
    hostname: 'h',
    targetRef: { kind: 'Pod', namespace: 'default', name: 'p', uid: 'u1' },
    nodeName: 'n1',
    zone: 'z1',
  });
  assert.equal(podToEndpoint(pod, undefined, { ...svc, spec: { publishNotReadyAddresses: true } }, '10.0.0.1').conditions.ready, true);
});

test('named target ports resolve only with a matching protocol; numbers pass through', () => {
  const svc = { metadata: { name: 'x' }, spec: { ports: [{ name: 'a', port: 80, targetPort: 'web' }, { name: 'b', port: 53, targetPort: 'dns' }, { name: 'c', port: 54, targetPort: 'dns', protocol: 'UDP' }, { name: 'd', port: 9, targetPort: 9000 }] } };
  assert.deepEqual(endpointPorts(svc, pod), [
    { name: 'a', port: 8080, protocol: 'TCP' },
    { name: 'c', port: 53, protocol: 'UDP' },
    { name: 'd', port: 9000, protocol: 'TCP' },
  ]);
});
