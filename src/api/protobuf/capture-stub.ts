// A loopback-only stub API server for capturing the protobuf bodies that the real kubectl/helm send.
// It answers /version and legacy discovery, serves a few fixed objects for GETs, records every
// request body to $CAPTURE_DIR (default /tmp/captures) and answers writes with the decoded object.
//
//   PORT=18080 STUB_OBJECTS='{"/api/v1/...": {...}}' node --import tsx src/api/protobuf/capture-stub.ts
//   kubectl --server http://127.0.0.1:18080 create configmap x --from-literal=a=b
//   helm --kube-apiserver http://127.0.0.1:18080 install r ./chart --disable-openapi-validation
//
// Not part of the server; kept so the fixtures under fixtures/ can be recaptured.
import http from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { decodeK8sProtobuf } from './index.ts';

const CAPTURE_DIR = process.env.CAPTURE_DIR ?? '/tmp/captures';
mkdirSync(CAPTURE_DIR, { recursive: true });

const res = (name: string, kind: string, namespaced = true, verbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], shortNames: string[] = []) =>
  ({ name, singularName: '', namespaced, kind, verbs, shortNames });
const groups: Record<string, unknown[]> = {
  'v1': [res('configmaps', 'ConfigMap', true, undefined, ['cm']), res('secrets', 'Secret'), res('namespaces', 'Namespace', false, undefined, ['ns']),
    res('services', 'Service', true, undefined, ['svc']), res('pods', 'Pod', true, undefined, ['po']), res('serviceaccounts', 'ServiceAccount', true, undefined, ['sa']),
    res('serviceaccounts/token', 'TokenRequest', true, ['create']), res('resourcequotas', 'ResourceQuota', true, undefined, ['quota']),
    res('persistentvolumeclaims', 'PersistentVolumeClaim', true, undefined, ['pvc']), res('replicationcontrollers', 'ReplicationController', true, undefined, ['rc']),
    res('events', 'Event', true, undefined, ['ev']), res('endpoints', 'Endpoints', true, undefined, ['ep']), res('nodes', 'Node', false, undefined, ['no']),
    res('pods/eviction', 'Eviction', true, ['create'])],
  'apps/v1': [res('deployments', 'Deployment', true, undefined, ['deploy']), ({ ...res('deployments/scale', 'Scale', true, ['get', 'patch', 'update']), group: 'autoscaling', version: 'v1' }),
    res('replicasets', 'ReplicaSet', true, undefined, ['rs']), res('statefulsets', 'StatefulSet', true, undefined, ['sts']), res('daemonsets', 'DaemonSet', true, undefined, ['ds'])],
  'batch/v1': [res('jobs', 'Job'), res('cronjobs', 'CronJob', true, undefined, ['cj'])],
  'autoscaling/v2': [res('horizontalpodautoscalers', 'HorizontalPodAutoscaler', true, undefined, ['hpa'])],
  'autoscaling/v1': [res('horizontalpodautoscalers', 'HorizontalPodAutoscaler', true, undefined, ['hpa'])],
  'policy/v1': [res('poddisruptionbudgets', 'PodDisruptionBudget', true, undefined, ['pdb'])],
  'networking.k8s.io/v1': [res('ingresses', 'Ingress', true, undefined, ['ing'])],
  'rbac.authorization.k8s.io/v1': [res('roles', 'Role'), res('rolebindings', 'RoleBinding'), res('clusterroles', 'ClusterRole', false), res('clusterrolebindings', 'ClusterRoleBinding', false)],
  'certificates.k8s.io/v1': [res('certificatesigningrequests', 'CertificateSigningRequest', false, undefined, ['csr']),
    res('certificatesigningrequests/approval', 'CertificateSigningRequest', false, ['get', 'patch', 'update'])],
  'scheduling.k8s.io/v1': [res('priorityclasses', 'PriorityClass', false, undefined, ['pc'])],
  'coordination.k8s.io/v1': [res('leases', 'Lease')],
  'authorization.k8s.io/v1': [res('selfsubjectaccessreviews', 'SelfSubjectAccessReview', false, ['create']), res('selfsubjectrulesreviews', 'SelfSubjectRulesReview', false, ['create'])],
  'authentication.k8s.io/v1': [res('selfsubjectreviews', 'SelfSubjectReview', false, ['create'])],
};
const fixtures: Record<string, unknown> = JSON.parse(process.env.STUB_OBJECTS ?? '{}');
let n = 0;
const server = http.createServer((req, rsp) => {
  const chunks: Buffer[] = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://x');
    const p = url.pathname;
    const send = (code: number, obj: unknown) => { rsp.writeHead(code, { 'content-type': 'application/json' }); rsp.end(JSON.stringify(obj)); };
    const body = Buffer.concat(chunks);
    console.error(req.method, req.url, req.headers['content-type'] ?? '', body.length);
    if (p === '/version') return send(200, { major: '1', minor: '35', gitVersion: 'v1.35.0', gitCommit: 'x', gitTreeState: 'clean', buildDate: '2025-01-01T00:00:00Z', goVersion: 'go1.25', compiler: 'gc', platform: 'linux/amd64' });
    if (p === '/api') return send(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] });
    if (p === '/apis') return send(200, { kind: 'APIGroupList', apiVersion: 'v1', groups: Object.keys(groups).filter((g) => g !== 'v1').reduce((acc: { name: string; versions: unknown[]; preferredVersion: unknown }[], gv) => {
      const [g = '', v = ''] = gv.split('/'); let e = acc.find((x) => x.name === g); if (!e) { e = { name: g, versions: [], preferredVersion: { groupVersion: gv, version: v } }; acc.push(e); }
      e.versions.push({ groupVersion: gv, version: v }); return acc; }, []) });
    const gvm = /^\/api\/v1$|^\/apis\/([^/]+\/[^/]+)$/.exec(p);
    if (gvm) { const gv = gvm[1] ?? 'v1'; if (groups[gv]) return send(200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources: groups[gv] }); return send(404, {}); }
    if (req.method === 'GET' && fixtures[p]) return send(200, fixtures[p]);
    if (['POST', 'PUT', 'DELETE', 'PATCH'].includes(req.method ?? '') && body.length) {
      const tag = `${String(++n).padStart(2, '0')}-${req.method}-${p.replace(/^\/+/, '').replace(/[^A-Za-z0-9.-]+/g, '_')}`;
      writeFileSync(`${CAPTURE_DIR}/${tag}.bin`, body);
      writeFileSync(`${CAPTURE_DIR}/${tag}.meta`, JSON.stringify({ method: req.method, path: p, query: url.search, contentType: req.headers['content-type'] }));
      let obj: Record<string, unknown> | undefined;
      if ((req.headers['content-type'] ?? '').includes('protobuf')) {
        try { obj = decodeK8sProtobuf(body); } catch (e) { console.error('DECODE ERROR', (e as Error).message); }
      } else { try { obj = JSON.parse(body.toString()); } catch {} }
      if (obj && req.method === 'DELETE') return send(200, { kind: 'Status', apiVersion: 'v1', status: 'Success' });
      if (obj) { const md = (obj.metadata ?? {}) as Record<string, unknown>; obj.metadata = { ...md, name: md.name ?? 'x', namespace: md.namespace, uid: 'u1', resourceVersion: '1', creationTimestamp: '2024-01-01T00:00:00Z' };
        if (obj.kind === 'TokenRequest') obj.status = { token: 'tok', expirationTimestamp: '2030-01-01T00:00:00Z' };
        return send(req.method === 'POST' ? 201 : 200, obj); }
      return send(200, { kind: 'Status', apiVersion: 'v1', status: 'Success' });
    }
    if (req.method === 'DELETE') { 
      return send(200, { kind: 'Status', apiVersion: 'v1', status: 'Success' }); }
    send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'not found' });
  });
});
server.listen(Number(process.env.PORT ?? 18080), '127.0.0.1', () => console.error('listening'));
