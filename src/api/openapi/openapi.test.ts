import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { ResourceRegistry } from '../registry.ts';
import {
  OpenAPIService,
  crdDefinitionName,
  definitions,
  openapiETag,
  openapiHash,
  openapiV2,
  openapiV2Protobuf,
  openapiV3,
  openapiV3Discovery,
  type Schema,
} from './index.ts';
import { decodeDocument } from './testing/protodecode.ts';

const root = new URL('../../../', import.meta.url).pathname;
const defs = definitions();

function collectRefs(s: unknown, out: Set<string>): Set<string> {
  if (Array.isArray(s)) for (const x of s) collectRefs(x, out);
  else if (s && typeof s === 'object') {
    for (const [k, v] of Object.entries(s)) {
      if (k === '$ref' && typeof v === 'string') out.add(v);
      else collectRefs(v, out);
    }
  }
  return out;
}

test('catalogue: Pod, Deployment and ObjectMeta with descriptions, required fields and GVKs', () => {
  const pod = defs['io.k8s.api.core.v1.Pod']!;
  assert.match(pod.description!, /^Pod is a collection of containers/);
  assert.deepEqual(pod['x-kubernetes-group-version-kind'], [{ group: '', version: 'v1', kind: 'Pod' }]);
  assert.deepEqual(Object.keys(pod.properties!), ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
  assert.equal(pod.properties!.spec!.$ref, '#/definitions/io.k8s.api.core.v1.PodSpec');
  assert.match(pod.properties!.spec!.description!, /desired behavior of the pod/);

  const spec = defs['io.k8s.api.core.v1.PodSpec']!;
  assert.deepEqual(spec.required, ['containers']);
  const containers = spec.properties!.containers!;
  assert.equal(containers.type, 'array');
  assert.equal(containers.items!.$ref, '#/definitions/io.k8s.api.core.v1.Container');
  assert.equal(containers['x-kubernetes-patch-strategy'], 'merge');
  assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
  assert.equal(containers['x-kubernetes-list-type'], 'map');
  assert.deepEqual(containers['x-kubernetes-list-map-keys'], ['name']);
  assert.equal(spec.properties!.volumes!['x-kubernetes-patch-strategy'], 'merge,retainKeys');
  assert.deepEqual(spec.properties!.nodeSelector, {
    description: spec.properties!.nodeSelector!.description,
    type: 'object',
    additionalProperties: { type: 'string' },
    'x-kubernetes-map-type': 'atomic',
  });
  assert.deepEqual(spec.properties!.terminationGracePeriodSeconds!.format, 'int64');
  assert.deepEqual(defs['io.k8s.api.core.v1.Container']!.required, ['name']);
  assert.deepEqual(defs['io.k8s.api.core.v1.ContainerPort']!.properties!.containerPort, {
    description: defs['io.k8s.api.core.v1.ContainerPort']!.properties!.containerPort!.description,
    type: 'integer',
    format: 'int32',
  });

  const deploy = defs['io.k8s.api.apps.v1.Deployment']!;
  assert.deepEqual(deploy['x-kubernetes-group-version-kind'], [{ group: 'apps', version: 'v1', kind: 'Deployment' }]);
  assert.deepEqual(defs['io.k8s.api.apps.v1.DeploymentSpec']!.required, ['selector', 'template']);
  assert.equal(defs['io.k8s.api.apps.v1.DeploymentSpec']!.properties!.strategy!['x-kubernetes-patch-strategy'], 'retainKeys');
  assert.equal(defs['io.k8s.api.apps.v1.RollingUpdateDeployment']!.properties!.maxSurge!.$ref, '#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString');

  const meta = defs['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']!;
  assert.match(meta.description!, /ObjectMeta is metadata that all persisted resources must have/);
  assert.equal(meta.required, undefined);
  assert.deepEqual(meta.properties!.labels!.additionalProperties, { type: 'string' });
  assert.equal(meta.properties!.creationTimestamp!.$ref, '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Time');
  assert.equal(meta.properties!.finalizers!['x-kubernetes-patch-strategy'], 'merge');
  assert.equal(meta.properties!.ownerReferences!['x-kubernetes-patch-merge-key'], 'uid');
  // Multi-paragraph descriptions keep their line breaks.
  assert.match(meta.properties!.generateName!.description!, /\n\nIf this field is specified/);

  assert.deepEqual(Object.keys(defs['io.k8s.apimachinery.pkg.apis.meta.v1.Time']!).sort(), ['description', 'format', 'type']);
  assert.equal(defs['io.k8s.apimachinery.pkg.apis.meta.v1.Time']!.format, 'date-time');
  assert.equal(defs['io.k8s.apimachinery.pkg.api.resource.Quantity']!.type, 'string');
  assert.equal(defs['io.k8s.apimachinery.pkg.util.intstr.IntOrString']!.format, 'int-or-string');
  assert.equal(defs['io.k8s.apimachinery.pkg.runtime.RawExtension']!.type, 'object');
  assert.deepEqual(defs['io.k8s.api.core.v1.Secret']!.properties!.data!.additionalProperties, { type: 'string', format: 'byte' });
  assert.ok(defs['io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition']);
  assert.ok(defs['io.k8s.apimachinery.pkg.version.Info']);

  // Every reference resolves.
  for (const ref of collectRefs(defs, new Set())) assert.ok(defs[ref.slice('#/definitions/'.length)], ref);
});

test('catalogue: the generator is deterministic and the committed file is current', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/gen-openapi.ts', '--check'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr + r.stdout);
});

test('v2: swagger document with GVK extensions, upstream operation ids and fieldValidation', () => {
  const doc = openapiV2(new ResourceRegistry());
  assert.equal(doc.swagger, '2.0');
  assert.deepEqual(doc.info, { title: 'Kubernetes', version: 'v1.35.0' });
  assert.deepEqual(doc.definitions['io.k8s.api.core.v1.Pod']!['x-kubernetes-group-version-kind'], [{ group: '', kind: 'Pod', version: 'v1' }]);
  assert.deepEqual(doc.definitions['io.k8s.api.apps.v1.Deployment']!['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
  assert.deepEqual(doc.definitions['io.k8s.apimachinery.pkg.apis.meta.v1.Status']!['x-kubernetes-group-version-kind'], [{ group: '', kind: 'Status', version: 'v1' }]);
  const deleteGvks = doc.definitions['io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions']!['x-kubernetes-group-version-kind']!;
  assert.ok(deleteGvks.some((g) => g.group === 'apps' && g.version === 'v1' && g.kind === 'DeleteOptions'));
  // Only what is served (or referenced) is in: no v1alpha1 types.
  assert.ok(!Object.keys(doc.definitions).some((n) => n.includes('v1alpha1')));

  const pods = doc.paths['/api/v1/namespaces/{namespace}/pods']!;
  assert.equal(pods.get!.operationId, 'listCoreV1NamespacedPod');
  assert.equal(pods.post!.operationId, 'createCoreV1NamespacedPod');
  assert.equal(pods.delete!.operationId, 'deleteCoreV1CollectionNamespacedPod');
  assert.deepEqual(pods.get!['x-kubernetes-group-version-kind'], { group: '', kind: 'Pod', version: 'v1' });
  assert.equal(pods.get!.responses['200']!.schema!.$ref, '#/definitions/io.k8s.api.core.v1.PodList');
  assert.deepEqual(
    pods.parameters!.map((p) => p.name),
    ['namespace', 'pretty'],
  );
  const pod = doc.paths['/api/v1/namespaces/{namespace}/pods/{name}']!;
  assert.deepEqual(
    [pod.get, pod.put, pod.patch, pod.delete].map((o) => o!.operationId),
    ['readCoreV1NamespacedPod', 'replaceCoreV1NamespacedPod', 'patchCoreV1NamespacedPod', 'deleteCoreV1NamespacedPod'],
  );
  assert.ok(pod.patch!.parameters!.some((p) => p.name === 'fieldValidation' && p.in === 'query'));
  assert.ok(pod.patch!.consumes!.includes('application/strategic-merge-patch+json'));
  assert.equal(pod.patch!.parameters![0]!.schema!.$ref, '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch');
  assert.equal(doc.paths['/api/v1/pods']!.get!.operationId, 'listCoreV1PodForAllNamespaces');
  assert.equal(doc.paths['/api/v1/watch/namespaces/{namespace}/pods/{name}']!.get!.operationId, 'watchCoreV1NamespacedPod');
  assert.equal(doc.paths['/api/v1/namespaces/{namespace}/pods/{name}/status']!.patch!.operationId, 'patchCoreV1NamespacedPodStatus');
  assert.equal(doc.paths['/api/v1/namespaces/{namespace}/pods/{name}/log']!.get!.operationId, 'readCoreV1NamespacedPodLog');
  assert.equal(doc.paths['/api/v1/namespaces/{namespace}/pods/{name}/exec']!.post!.operationId, 'connectCoreV1PostNamespacedPodExec');
  assert.equal(doc.paths['/api/v1/namespaces/{namespace}/pods/{name}/eviction']!.post!.operationId, 'createCoreV1NamespacedPodEviction');
  assert.equal(doc.paths['/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token']!.post!.operationId, 'createCoreV1NamespacedServiceAccountToken');
  assert.equal(doc.paths['/api/v1/nodes/{name}/proxy/{path}']!.get!.operationId, 'connectCoreV1GetNodeProxyWithPath');
  const scale = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale']!;
  assert.equal(scale.get!.operationId, 'readAppsV1NamespacedDeploymentScale');
  assert.deepEqual(scale.get!['x-kubernetes-group-version-kind'], { group: 'autoscaling', kind: 'Scale', version: 'v1' });
  assert.equal(doc.paths['/apis/rbac.authorization.k8s.io/v1/clusterroles']!.get!.operationId, 'listRbacAuthorizationV1ClusterRole');
  assert.equal(doc.paths['/apis/rbac.authorization.k8s.io/v1/clusterroles']!.get!.tags![0], 'rbacAuthorization_v1');
  assert.equal(doc.paths['/apis/authorization.k8s.io/v1/namespaces/{namespace}/localsubjectaccessreviews']!.post!.operationId, 'createAuthorizationV1NamespacedLocalSubjectAccessReview');
  assert.equal(doc.paths['/apis/apps/v1/']!.get!.operationId, 'getAppsV1APIResources');
  assert.equal(doc.paths['/apis/apps/']!.get!.operationId, 'getAppsAPIGroup');
  assert.equal(doc.paths['/version/']!.get!.operationId, 'getCodeVersion');

  // Every PATCH operation of a kind advertises fieldValidation (kubectl checks the first it finds).
  for (const item of Object.values(doc.paths)) {
    const op = item.patch;
    if (op && op['x-kubernetes-action'] === 'patch') assert.ok(op.parameters!.some((p) => p.name === 'fieldValidation'), op.operationId);
  }
  // Every reference resolves.
  for (const ref of collectRefs(doc, new Set())) assert.ok(doc.definitions[ref.slice('#/definitions/'.length)], ref);

  const strict = openapiV2(new ResourceRegistry(), { fieldValidation: false });
  assert.ok(!strict.paths['/api/v1/namespaces/{namespace}/pods/{name}']!.patch!.parameters!.some((p) => p.name === 'fieldValidation'));
});

test('v2 protobuf: round-trips through an independent decoder', () => {
  const doc = openapiV2(new ResourceRegistry());
  const pb = openapiV2Protobuf(doc);
  assert.ok(pb.length > 100_000);
  const back = decodeDocument(pb);
  // The decoder reads the proto back into Swagger JSON: it must be the document we encoded.
  assert.deepEqual(back, JSON.parse(JSON.stringify(doc)));
  assert.deepEqual(openapiV2Protobuf(doc), pb, 'encoding is deterministic');
});

test('v2 protobuf: numbers, booleans, enums and additionalProperties: false', () => {
  const reg = new ResourceRegistry([]);
  const extra: Record<string, Schema> = {
    'com.example.v1.Widget': {
      type: 'object',
      properties: {
        size: { type: 'integer', minimum: -3, maximum: 1e12, multipleOf: 0.5, default: 7 },
        mode: { type: 'string', enum: ['a', 'b', ''], maxLength: 63, pattern: '^[a-z]*$' },
        strict: { type: 'object', additionalProperties: false },
        open: { type: 'object', additionalProperties: true },
        tags: { type: 'array', items: { type: 'string' }, minItems: 1, uniqueItems: true },
      },
      required: ['size'],
      'x-kubernetes-group-version-kind': [{ group: 'example.com', kind: 'Widget', version: 'v1' }],
      'x-kubernetes-preserve-unknown-fields': true,
    },
  };
  reg.add({
    group: 'example.com',
    version: 'v1',
    resource: 'widgets',
    singular: 'widget',
    kind: 'Widget',
    listKind: 'WidgetList',
    namespaced: true,
    shortNames: [],
    categories: [],
    verbs: ['get', 'list', 'patch'],
    subresources: ['status'],
    crd: 'widgets.example.com',
  });
  const doc = openapiV2(reg, { extraSchemas: extra });
  const back = decodeDocument(openapiV2Protobuf(doc));
  assert.deepEqual(back, JSON.parse(JSON.stringify(doc)));
  const widget = (back.definitions as Record<string, Schema>)['com.example.v1.Widget']!;
  assert.equal(widget.properties!.size!.maximum, 1e12);
  assert.equal(widget.properties!.size!.minimum, -3);
  assert.equal(widget.properties!.strict!.additionalProperties, false);
  // Custom resources: no strategic merge patch; a made-up list kind.
  const patch = doc.paths['/apis/example.com/v1/namespaces/{namespace}/widgets/{name}']!.patch!;
  assert.equal(patch.operationId, 'patchExampleComV1NamespacedWidget');
  assert.ok(!patch.consumes!.includes('application/strategic-merge-patch+json'));
  assert.ok(doc.definitions['com.example.v1.WidgetList']);
  assert.equal(crdDefinitionName('stable.example.com', 'v1', 'CronTab'), 'com.example.stable.v1.CronTab');
});

test('v3: discovery lists every group-version with a content hash', () => {
  const reg = new ResourceRegistry();
  const d = openapiV3Discovery(reg);
  for (const key of ['api', 'api/v1', 'apis', 'apis/apps', 'apis/apps/v1', 'apis/rbac.authorization.k8s.io/v1', 'apis/autoscaling/v1', 'apis/autoscaling/v2', 'version']) {
    assert.ok(d.paths[key], key);
  }
  const url = d.paths['apis/apps/v1']!.serverRelativeURL;
  const hash = /^\/openapi\/v3\/apis\/apps\/v1\?hash=([0-9A-F]{128})$/.exec(url)?.[1];
  assert.ok(hash, url);
  assert.equal(hash, openapiHash(JSON.stringify(openapiV3(reg, 'apps/v1'))));
  assert.equal(openapiETag('x'), `"${openapiHash('x')}"`);
});

test('v3: each group-version document holds exactly the schemas it references', () => {
  const reg = new ResourceRegistry();
  for (const gv of ['v1', 'apps/v1', 'batch/v1', 'rbac.authorization.k8s.io/v1', 'apiextensions.k8s.io/v1', 'autoscaling/v1', 'api', 'apis', 'version']) {
    const doc = openapiV3(reg, gv)!;
    assert.ok(doc, gv);
    assert.equal(doc.openapi, '3.0.0');
    const schemas = doc.components.schemas;
    const refs = collectRefs(doc, new Set());
    for (const ref of refs) {
      assert.ok(ref.startsWith('#/components/schemas/'), `${gv}: ${ref}`);
      assert.ok(schemas[ref.slice('#/components/schemas/'.length)], `${gv}: dangling ${ref}`);
    }
    const referenced = new Set([...refs].map((r) => r.slice('#/components/schemas/'.length)));
    for (const name of Object.keys(schemas)) assert.ok(referenced.has(name), `${gv}: unreferenced ${name}`);
  }
  const apps = openapiV3(reg, 'apps/v1')!;
  assert.ok(apps.components.schemas['io.k8s.api.apps.v1.Deployment']);
  assert.ok(apps.components.schemas['io.k8s.api.core.v1.PodSpec']);
  assert.ok(!apps.components.schemas['io.k8s.api.batch.v1.Job']);
  assert.ok(!Object.keys(apps.paths).some((p) => !p.startsWith('/apis/apps/v1/')));
  // Upstream shapes: a described reference goes through allOf; Quantity and IntOrString are oneOf.
  const spec = apps.components.schemas['io.k8s.api.apps.v1.DeploymentSpec']!;
  assert.deepEqual(spec.properties!.template!.allOf, [{ $ref: '#/components/schemas/io.k8s.api.core.v1.PodTemplateSpec' }]);
  assert.deepEqual(apps.components.schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString']!.oneOf, [{ type: 'integer' }, { type: 'string' }]);
  assert.deepEqual(apps.components.schemas['io.k8s.apimachinery.pkg.api.resource.Quantity']!.oneOf, [{ type: 'string' }, { type: 'number' }]);
  const patch = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}']!.patch!;
  assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: 'apps', kind: 'Deployment', version: 'v1' });
  assert.ok(patch.parameters!.some((p) => p.name === 'fieldValidation'));
  assert.ok(patch.requestBody!.content['application/strategic-merge-patch+json']);
  assert.equal(openapiV3(reg, 'nope/v1'), undefined);
  assert.deepEqual(openapiV3(reg, 'apis/apps/v1'), apps);
});

test('service: caches, negotiates v2 protobuf, and re-renders when the registry changes', async () => {
  const reg = new ResourceRegistry();
  const svc = new OpenAPIService(reg);
  const url = (p: string) => new URL(`http://x${p}`);
  const json = await svc.handle({ headers: { accept: 'application/json' } }, '/openapi/v2', url('/openapi/v2'));
  assert.equal(json!.type, 'application/json');
  const pb = await svc.handle(
    { headers: { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf, application/json' } },
    '/openapi/v2',
    url('/openapi/v2'),
  );
  assert.equal(pb!.type, 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
  assert.ok(Buffer.isBuffer(pb!.body));
  assert.equal(pb!.etag, json!.etag);
  assert.equal(pb!.etag, openapiHash(json!.body));
  const preferJson = await svc.handle({ headers: { accept: 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf;q=0.5, application/json' } }, '/openapi/v2', url('/openapi/v2'));
  assert.equal(preferJson!.type, 'application/json');
  const none = await svc.handle({ headers: { accept: 'text/html' } }, '/openapi/v2', url('/openapi/v2'));
  assert.equal(none!.status, 406);
  const disc = JSON.parse((await svc.handle({ headers: {} }, '/openapi/v3', url('/openapi/v3')))!.body as string) as { paths: Record<string, { serverRelativeURL: string }> };
  const u = url(disc.paths['api/v1']!.serverRelativeURL);
  const v1 = await svc.handle({ headers: {} }, u.pathname, u);
  assert.equal(v1!.cacheControl, 'public, immutable');
  const old = await svc.handle({ headers: {} }, '/openapi/v3/api/v1', url('/openapi/v3/api/v1?hash=ABC'));
  assert.equal(old!.status, 301);
  assert.equal(old!.location, disc.paths['api/v1']!.serverRelativeURL);
  assert.ok((v1!.body as string).includes('"listCoreV1NamespacedPod"'));
  assert.equal(await svc.handle({ headers: {} }, '/openapi/v3/apis/example.com/v1', url('/openapi/v3/apis/example.com/v1')), undefined);
  assert.equal(await svc.handle({ headers: {} }, '/api/v1', url('/api/v1')), undefined);

  reg.add({
    group: 'example.com',
    version: 'v1',
    resource: 'widgets',
    singular: 'widget',
    kind: 'Widget',
    listKind: 'WidgetList',
    namespaced: false,
    shortNames: [],
    categories: [],
    verbs: ['get', 'list', 'create', 'update', 'patch', 'delete'],
    subresources: [],
    crd: 'widgets.example.com',
  });
  const w = await svc.handle({ headers: {} }, '/openapi/v3/apis/example.com/v1', url('/openapi/v3/apis/example.com/v1'));
  const doc = JSON.parse(w!.body as string) as { components: { schemas: Record<string, Schema> } };
  assert.equal(doc.components.schemas['com.example.v1.Widget']!['x-kubernetes-preserve-unknown-fields'], true);
  svc.setExtraSchemas({
    'com.example.v1.Widget': {
      type: 'object',
      properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } },
      'x-kubernetes-group-version-kind': [{ group: 'example.com', kind: 'Widget', version: 'v1' }],
    },
  });
  const w2 = await svc.handle({ headers: {} }, '/openapi/v3/apis/example.com/v1', url('/openapi/v3/apis/example.com/v1'));
  assert.ok((w2!.body as string).includes('"size"'));
  svc.close();
});
