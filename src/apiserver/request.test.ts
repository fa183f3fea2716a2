import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRequest } from './request.ts';

const parse = (method: string, path: string) => parseRequest(method, path, new URLSearchParams());

test('namespaces/<n>/status and /finalize are the namespace\'s subresources; other paths under a namespace are resources in it', () => {
  assert.deepEqual(parse('PUT', '/api/v1/namespaces/ns1/finalize'), {
    kind: 'resource', verb: 'update', group: '', version: 'v1', namespace: undefined, resource: 'namespaces', name: 'ns1', subresource: 'finalize',
  });
  assert.deepEqual(parse('GET', '/api/v1/namespaces/ns1/status'), {
    kind: 'resource', verb: 'get', group: '', version: 'v1', namespace: undefined, resource: 'namespaces', name: 'ns1', subresource: 'status',
  });
  assert.deepEqual(parse('GET', '/api/v1/namespaces/ns1/pods'), {
    kind: 'resource', verb: 'list', group: '', version: 'v1', namespace: 'ns1', resource: 'pods', name: undefined, subresource: undefined,
  });
  assert.deepEqual(parse('GET', '/apis/apps/v1/namespaces/ns1/deployments/d/status'), {
    kind: 'resource', verb: 'get', group: 'apps', version: 'v1', namespace: 'ns1', resource: 'deployments', name: 'd', subresource: 'status',
  });
});
