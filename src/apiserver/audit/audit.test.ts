import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  Auditor,
  AuditPolicyError,
  evaluateAuditPolicy,
  fileSink,
  formatMicroTime,
  loadAuditPolicy,
  parseAuditPolicy,
  type AuditPolicy,
  type AuditRequestAttributes,
  type AuditSink,
} from './index.ts';

function memorySink(): AuditSink & { events: any[]; closed: boolean } {
  return {
    events: [],
    closed: false,
    write(e) {
      this.events.push(JSON.parse(JSON.stringify(e)));
    },
    async close() {
      this.closed = true;
    },
  };
}

const alice = { username: 'alice', groups: ['dev', 'system:authenticated'] };

function attrs(over: Partial<AuditRequestAttributes> = {}): AuditRequestAttributes {
  return {
    user: alice,
    verb: 'get',
    resourceRequest: true,
    path: '/api/v1/namespaces/default/pods/web',
    requestURI: '/api/v1/namespaces/default/pods/web',
    apiGroup: '',
    apiVersion: 'v1',
    resource: 'pods',
    namespace: 'default',
    name: 'web',
    sourceIPs: ['10.0.0.1'],
    userAgent: 'kubectl/v1.35.0',
    ...over,
  };
}

const nonResource = (path: string, verb = 'get'): AuditRequestAttributes => ({
  user: alice,
  verb,
  resourceRequest: false,
  path,
  requestURI: path,
  sourceIPs: ['10.0.0.1'],
});

const policyOf = (rules: string): AuditPolicy => parseAuditPolicy(`apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n${rules}`);

const levelFor = (rule: string, a: AuditRequestAttributes) =>
  evaluateAuditPolicy(policyOf(`- level: Metadata\n${rule.replace(/^/gm, '  ')}`), a).level;

test('rule matching: each field of a rule narrows it, as upstream', () => {
  const cases: [string, string, AuditRequestAttributes, boolean][] = [
    ['empty rule matches everything', '', attrs(), true],
    ['empty rule matches non-resource requests', '', nonResource('/healthz'), true],
    ['users: match', 'users: [bob, alice]', attrs(), true],
    ['users: no match', 'users: [bob]', attrs(), false],
    ['userGroups: any group matches', 'userGroups: [ops, dev]', attrs(), true],
    ['userGroups: no match', 'userGroups: [ops]', attrs(), false],
    ['verbs: match', 'verbs: [list, get]', attrs(), true],
    ['verbs: no match', 'verbs: [list]', attrs(), false],
    ['verbs: non-resource uses the lowercase method', 'verbs: [post]', nonResource('/apis', 'post'), true],
    ['resources: core group', 'resources: [{group: "", resources: [pods]}]', attrs(), true],
    ['resources: absent group is core', 'resources: [{resources: [pods]}]', attrs(), true],
    ['resources: other resource', 'resources: [{resources: [secrets]}]', attrs(), false],
    ['resources: other group', 'resources: [{group: apps, resources: [pods]}]', attrs(), false],
    ['resources: named group', 'resources: [{group: apps, resources: [deployments]}]', attrs({ apiGroup: 'apps', resource: 'deployments' }), true],
    ['resources: group with no resources matches all of it', 'resources: [{group: apps}]', attrs({ apiGroup: 'apps', resource: 'deployments' }), true],
    ['resources: * matches any resource', 'resources: [{resources: ["*"]}]', attrs({ subresource: 'log' }), true],
    ['resources: plain resource does not match its subresource', 'resources: [{resources: [pods]}]', attrs({ subresource: 'status' }), false],
    ['resources: pods/status', 'resources: [{resources: [pods/status]}]', attrs({ subresource: 'status' }), true],
    ['resources: pods/status is not pods', 'resources: [{resources: [pods/status]}]', attrs(), false],
    ['resources: */status', 'resources: [{resources: ["*/status"]}]', attrs({ resource: 'nodes', subresource: 'status' }), true],
    ['resources: */status needs a subresource', 'resources: [{resources: ["*/status"]}]', attrs(), false],
    ['resources: */status is not */log', 'resources: [{resources: ["*/status"]}]', attrs({ subresource: 'log' }), false],
    ['resources: pods/* matches a subresource', 'resources: [{resources: ["pods/*"]}]', attrs({ subresource: 'exec' }), true],
    ['resources: resourceNames match', 'resources: [{resources: [pods], resourceNames: [web]}]', attrs(), true],
    ['resources: resourceNames no match', 'resources: [{resources: [pods], resourceNames: [db]}]', attrs(), false],
    ['resources: later group entry matches', 'resources: [{group: apps}, {resources: [pods]}]', attrs(), true],
    ['resources: never match non-resource requests', 'resources: [{resources: ["*"]}]', nonResource('/api'), false],
    ['namespaces: match', 'namespaces: [kube-system, default]', attrs(), true],
    ['namespaces: no match', 'namespaces: [kube-system]', attrs(), false],
    ['namespaces: "" is cluster-scoped', 'namespaces: [""]', attrs({ resource: 'nodes', namespace: undefined }), true],
    ['namespaces: "" is not a namespace', 'namespaces: [""]', attrs(), false],
    ['namespaces: never match non-resource requests', 'namespaces: [""]', nonResource('/api'), false],
    ['namespaces and resources both apply', 'namespaces: [default]\nresources: [{resources: [secrets]}]', attrs(), false],
    ['nonResourceURLs: exact', 'nonResourceURLs: [/healthz]', nonResource('/healthz'), true],
    ['nonResourceURLs: exact is not a prefix', 'nonResourceURLs: [/healthz]', nonResource('/healthz/etcd'), false],
    ['nonResourceURLs: trailing *', 'nonResourceURLs: ["/healthz*"]', nonResource('/healthz/etcd'), true],
    ['nonResourceURLs: trailing * after a slash', 'nonResourceURLs: ["/apis/*"]', nonResource('/apis/apps'), true],
    ['nonResourceURLs: trailing * is a prefix match only', 'nonResourceURLs: ["/apis/*"]', nonResource('/api'), false],
    ['nonResourceURLs: * alone', 'nonResourceURLs: ["*"]', nonResource('/version'), true],
    ['nonResourceURLs: never match resource requests', 'nonResourceURLs: ["*"]', attrs(), false],
  ];
  for (const [name, rule, a, want] of cases) assert.equal(levelFor(rule, a), want ? 'Metadata' : 'None', name);
});

test('rule matching: the first matching rule wins and no match is None', () => {
  const policy = policyOf(`
- level: None
  users: [system:kube-proxy]
- level: RequestResponse
  resources: [{resources: [secrets]}]
- level: Request
  verbs: [get]
- level: Metadata
  nonResourceURLs: ["/healthz*"]`);
  assert.equal(evaluateAuditPolicy(policy, attrs({ user: { username: 'system:kube-proxy', groups: [] } })).level, 'None');
  assert.equal(evaluateAuditPolicy(policy, attrs({ resource: 'secrets' })).level, 'RequestResponse');
  assert.equal(evaluateAuditPolicy(policy, attrs()).level, 'Request');
  assert.equal(evaluateAuditPolicy(policy, nonResource('/healthz/ping', 'get')).level, 'Request', 'verbs rule comes first');
  assert.equal(evaluateAuditPolicy(policy, nonResource('/healthz/ping', 'head')).level, 'Metadata');
  assert.equal(evaluateAuditPolicy(policy, attrs({ verb: 'list', name: undefined })).level, 'None');
});

test('rules match the authenticated user, and the event records whom it impersonated', () => {
  const policy = policyOf('- level: Metadata\n  users: [alice]\n');
  const sink = memorySink();
  const auditor = new Auditor(policy, sink);
  const bob = { username: 'bob', groups: ['ops'], uid: 'u-bob', extra: { scope: ['a', 'b'] } };
  assert.equal(auditor.begin(attrs({ user: bob, impersonatedUser: alice })), undefined, 'bob impersonating alice is still bob');
  const rec = auditor.begin(attrs({ user: alice, impersonatedUser: bob }));
  assert.ok(rec);
  rec.complete(200);
  assert.deepEqual(sink.events[0].user, { username: 'alice', groups: ['dev', 'system:authenticated'] });
  assert.deepEqual(sink.events[0].impersonatedUser, { username: 'bob', uid: 'u-bob', groups: ['ops'], extra: { scope: ['a', 'b'] } });
});

test('levels: Metadata keeps no bodies, Request keeps the request, RequestResponse both; None writes nothing', () => {
  const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'default' }, data: { a: '1' } };
  const stored = { ...body, metadata: { ...body.metadata, uid: 'uid-1', resourceVersion: '42' } };
  const run = (level: string) => {
    const sink = memorySink();
    const rec = new Auditor(policyOf(`- level: ${level}\n`), sink).begin(attrs({ verb: 'create', resource: 'configmaps', name: undefined }));
    if (!rec) return undefined;
    assert.equal(rec.level, level);
    rec.setRequestObject(body);
    rec.complete(201, stored);
    return sink.events;
  };
  assert.equal(run('None'), undefined);
  const meta = run('Metadata')!;
  assert.deepEqual(meta.map((e) => e.stage), ['RequestReceived', 'ResponseComplete']);
  assert.equal(meta[1].requestObject, undefined);
  assert.equal(meta[1].responseObject, undefined);
  assert.deepEqual(meta[1].objectRef, { resource: 'configmaps', namespace: 'default', name: 'cm', apiVersion: 'v1' }, 'name from the body');
  assert.deepEqual(meta[1].responseStatus, { metadata: {}, code: 201 });
  const req = run('Request')!;
  assert.deepEqual(req[1].requestObject, body);
  assert.equal(req[1].responseObject, undefined);
  const rr = run('RequestResponse')!;
  assert.deepEqual(rr[1].requestObject, body);
  assert.deepEqual(rr[1].responseObject, stored);
  assert.equal(rr[0].requestObject, undefined, 'RequestReceived is written before the body is read');
});

test('omitStages: policy-wide and per-rule stages are omitted together', () => {
  const policy = parseAuditPolicy(`
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
  verbs: [watch]
  omitStages: [ResponseComplete]
- level: Metadata
`);
  const sink = memorySink();
  const auditor = new Auditor(policy, sink);
  const watch = auditor.begin(attrs({ verb: 'watch', name: undefined }))!;
  watch.responseStarted(200);
  watch.complete(200);
  assert.deepEqual(sink.events.map((e) => e.stage), ['ResponseStarted']);
  assert.deepEqual(sink.events[0].responseStatus, { metadata: {}, code: 200 });
  sink.events.length = 0;
  const get = auditor.begin(attrs())!;
  get.complete(200);
  assert.deepEqual(sink.events.map((e) => e.stage), ['ResponseComplete']);
  assert.deepEqual(evaluateAuditPolicy(policy, attrs({ verb: 'watch' })).omitStages, new Set(['RequestReceived', 'ResponseComplete']));
});

test('omitManagedFields: policy default, rule override, and lists and tables too', () => {
  const mf = [{ manager: 'kubectl', operation: 'Update' }];
  const pod = (name: string) => ({ kind: 'Pod', metadata: { name, managedFields: mf }, spec: {} });
  const list = { kind: 'PodList', metadata: { resourceVersion: '9' }, items: [pod('a'), pod('b')] };
  const table = { kind: 'Table', rows: [{ cells: ['a'], object: pod('a') }] };
  const run = (doc: string, opts?: { omitManagedFieldsDefault?: boolean }, response: unknown = list) => {
    const sink = memorySink();
    const rec = new Auditor(parseAuditPolicy(doc), sink, opts).begin(attrs())!;
    rec.setRequestObject(pod('req'));
    rec.complete(200, response);
    return sink.events[1];
  };
  const head = 'apiVersion: audit.k8s.io/v1\nkind: Policy\n';
  let ev = run(`${head}omitManagedFields: true\nrules:\n- level: RequestResponse\n`);
  assert.equal(ev.requestObject.metadata.managedFields, undefined);
  assert.deepEqual(ev.responseObject.items.map((i: any) => i.metadata), [{ name: 'a' }, { name: 'b' }]);
  assert.equal(list.items[0]!.metadata.managedFields, mf, 'the caller’s objects are left alone');
  ev = run(`${head}omitManagedFields: true\nrules:\n- level: RequestResponse\n  omitManagedFields: false\n`);
  assert.deepEqual(ev.requestObject.metadata.managedFields, mf, 'rule false overrides the policy');
  assert.deepEqual(ev.responseObject.items[1].metadata.managedFields, mf);
  ev = run(`${head}rules:\n- level: RequestResponse\n  omitManagedFields: true\n`, undefined, table);
  assert.deepEqual(ev.responseObject.rows[0].object.metadata, { name: 'a' }, 'rule true, Table rows');
  ev = run(`${head}rules:\n- level: RequestResponse\n`);
  assert.deepEqual(ev.requestObject.metadata.managedFields, mf, 'kept by default');
  ev = run(`${head}rules:\n- level: RequestResponse\n`, { omitManagedFieldsDefault: true });
  assert.equal(ev.requestObject.metadata.managedFields, undefined, 'Auditor default when the policy is silent');
  ev = run(`${head}omitManagedFields: false\nrules:\n- level: RequestResponse\n`, { omitManagedFieldsDefault: true });
  assert.deepEqual(ev.requestObject.metadata.managedFields, mf, 'the policy saying false wins over the Auditor default');
});

test('the file sink writes one valid JSON event per line, with upstream’s fields', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'audit-'));
  try {
    const path = join(dir, 'logs', 'audit.log');
    const sink = fileSink(path);
    let t = Date.UTC(2025, 0, 2, 3, 4, 5) + 0.123456 * 1000;
    const auditor = new Auditor(policyOf('- level: RequestResponse\n'), sink, { now: () => (t += 1.5) });
    const del = auditor.begin(attrs({ verb: 'delete', impersonatedUser: { username: 'bob', groups: [] } }))!;
    assert.match(del.auditID, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    del.setObjectRef({ uid: 'uid-9', resourceVersion: '77', name: 'ignored' });
    const notFound = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "web" not found', reason: 'NotFound', details: { name: 'web', kind: 'pods' }, code: 404 };
    del.complete(404, notFound, { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': '' });
    const health = auditor.begin({ ...nonResource('/healthz?verbose'), path: '/healthz', auditID: 'from-header' })!;
    health.complete(200);
    await auditor.close();

    const text = readFileSync(path, 'utf8');
    assert.ok(text.endsWith('\n'));
    const events = text.trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.equal(events.length, 4);
    assert.equal(statSync(path).mode & 0o777, 0o600, 'audit logs are private, as upstream');
    const ts = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
    for (const e of events) {
      assert.equal(e.kind, 'Event');
      assert.equal(e.apiVersion, 'audit.k8s.io/v1');
      assert.match(e.requestReceivedTimestamp, ts);
      assert.match(e.stageTimestamp, ts);
    }
    const [recv, done, hRecv, hDone] = events;
    assert.deepEqual(Object.keys(done), [
      'kind', 'apiVersion', 'level', 'auditID', 'stage', 'requestURI', 'verb', 'user', 'impersonatedUser', 'sourceIPs', 'userAgent',
      'objectRef', 'responseStatus', 'responseObject', 'requestReceivedTimestamp', 'stageTimestamp', 'annotations',
    ]);
    assert.equal(recv.auditID, done.auditID);
    assert.equal(recv.stageTimestamp, recv.requestReceivedTimestamp, 'RequestReceived is stamped when the request arrived');
    assert.equal(recv.requestReceivedTimestamp, '2025-01-02T03:04:05.124956Z');
    assert.equal(done.stageTimestamp, '2025-01-02T03:04:05.126456Z');
    assert.equal(recv.responseStatus, undefined);
    assert.deepEqual(done.objectRef, {
      resource: 'pods', namespace: 'default', name: 'web', uid: 'uid-9', apiVersion: 'v1', resourceVersion: '77',
    });
    assert.deepEqual(done.responseStatus, {
      metadata: {}, status: 'Failure', message: 'pods "web" not found', reason: 'NotFound', details: { name: 'web', kind: 'pods' }, code: 404,
    });
    assert.deepEqual(done.responseObject, notFound);
    assert.deepEqual(done.annotations, { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': '' });
    assert.deepEqual(done.sourceIPs, ['10.0.0.1']);
    assert.equal(done.userAgent, 'kubectl/v1.35.0');
    assert.equal(hRecv.auditID, 'from-header');
    assert.equal(hDone.requestURI, '/healthz?verbose');
    assert.equal(hDone.verb, 'get');
    assert.equal(hDone.objectRef, undefined, 'non-resource requests have no objectRef');
    assert.equal(hDone.userAgent, undefined);
    assert.deepEqual(hDone.responseStatus, { metadata: {}, code: 200 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('records: complete and responseStarted count once, the first annotation value wins, long user agents are cut', () => {
  const sink = memorySink();
  const rec = new Auditor(policyOf('- level: Metadata\n'), sink).begin(attrs({ userAgent: 'x'.repeat(2000) }))!;
  rec.responseStarted(200);
  rec.responseStarted(500);
  rec.complete(200, undefined, { a: '1' });
  rec.complete(500, undefined, { a: '2' });
  assert.deepEqual(sink.events.map((e) => [e.stage, e.responseStatus?.code]), [
    ['RequestReceived', undefined],
    ['ResponseStarted', 200],
    ['ResponseComplete', 200],
  ]);
  assert.deepEqual(sink.events[2].annotations, { a: '1' });
  assert.equal(sink.events[0].userAgent, 'x'.repeat(1024) + '...TRUNCATED');
  const success = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: 'web', kind: 'pods', uid: 'u' } };
  const del = new Auditor(policyOf('- level: Metadata\n'), sink).begin(attrs({ verb: 'delete' }))!;
  del.complete(200, success);
  assert.deepEqual(sink.events.at(-1).responseStatus, { metadata: {}, status: 'Success', details: success.details, code: 200 });
  assert.equal(sink.events.at(-1).responseObject, undefined);
});

test('MicroTime formatting: UTC, six fractional digits', () => {
  assert.equal(formatMicroTime(0), '1970-01-01T00:00:00.000000Z');
  assert.equal(formatMicroTime(Date.UTC(2024, 1, 29, 23, 59, 59, 999) + 0.999), '2024-02-29T23:59:59.999999Z');
  assert.equal(formatMicroTime(Date.UTC(2024, 1, 29, 23, 59, 59, 999) + 0.9996), '2024-03-01T00:00:00.000000Z', 'rounds into the next second');
});

test('policy parse errors name the bad field, in upstream’s words', () => {
  const bad = (text: string, want: string | RegExp) => {
    assert.throws(() => parseAuditPolicy(text), (e: unknown) => {
      assert.ok(e instanceof AuditPolicyError, String(e));
      assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
      if (typeof want === 'string') assert.equal(e.message, want);
      else assert.match(e.message, want);
      return true;
    });
  };
  const head = 'apiVersion: audit.k8s.io/v1\nkind: Policy\n';
  bad(`${head}rules:\n- level: Everything\n`,
    'rules[0].level: Unsupported value: "Everything": supported values: "None", "Metadata", "Request", "RequestResponse"');
  bad(`${head}rules:\n- users: [a]\n`, 'rules[0].level: Required value');
  bad(`${head}rules:\n- level: None\n- level: Metadata\n  omitStages: [Done]\n`,
    'rules[1].omitStages[0]: Invalid value: "Done": allowed stages are RequestReceived,ResponseStarted,ResponseComplete,Panic');
  bad(`${head}omitStages: [Started]\nrules:\n- level: None\n`,
    'omitStages[0]: Invalid value: "Started": allowed stages are RequestReceived,ResponseStarted,ResponseComplete,Panic');
  bad(`${head}rules:\n- level: Metadata\n  nonResourceURLs: [/healthz]\n  resources: [{resources: [pods]}]\n`,
    'rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: rules cannot apply to both regular resources and non-resource URLs');
  bad(`${head}rules:\n- level: Metadata\n  nonResourceURLs: [/a, /b]\n  namespaces: [default]\n`,
    'rules[0].nonResourceURLs: Invalid value: []string{"/a", "/b"}: rules cannot apply to both regular resources and non-resource URLs');
  bad(`${head}rules:\n- level: Metadata\n  resources: [{group: rbac.authorization.k8s.io/v1}]\n`,
    /^rules\[0\]\.resources\.group: Invalid value: "rbac\.authorization\.k8s\.io\/v1": a lowercase RFC 1123 subdomain must consist of/);
  bad(`${head}rules:\n- level: Metadata\n  resources: [{group: apps, resourceNames: [x]}]\n`,
    'rules[0].resources.resourceNames: Invalid value: []string{"x"}: using resourceNames requires at least one resource');
  bad(`${head}rules:\n- level: Metadata\n  nonResourceURLs: [healthz]\n`,
    `rules[0].nonResourceURLs[0]: Invalid value: "healthz": non-resource URL rules must begin with a '/' character`);
  bad(`${head}rules:\n- level: Metadata\n  nonResourceURLs: ["/a*/b"]\n`,
    `rules[0].nonResourceURLs[0]: Invalid value: "/a*/b": non-resource URL wildcards '*' must be the final character of the rule`);
  bad(`${head}rules:\n- level: Loud\n- level: Quiet\n`, /^\[rules\[0\]\.level: Unsupported value: "Loud": .*, rules\[1\]\.level: Unsupported value: "Quiet": .*\]$/);
  bad(`${head}rules: []\n`, 'loaded illegal policy with 0 rules');
  bad(head, 'loaded illegal policy with 0 rules');
  bad('apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules:\n- level: None\n', 'failed decoding: no kind "Policy" is registered for version "audit.k8s.io/v1beta1"');
  bad('apiVersion: audit.k8s.io/v1\nkind: Event\n', 'failed decoding: no kind "Event" is registered for version "audit.k8s.io/v1"');
  bad('rules:\n- level: None\n', "failed decoding: Object 'Kind' is missing");
  bad(`${head}rules:\n- level: None\n  users: alice\n`, /^failed decoding: rules\[0\]\.users: expected a list of strings/);
  bad(`${head}rules:\n- level: None\n  omitManagedFields: "yes"\n`, /^failed decoding: rules\[0\]\.omitManagedFields: expected a boolean/);
  bad(`${head}rules: [\n`, /^failed decoding: /);
});

test('policies parse from YAML or JSON, ignore unknown fields, and load from files', async () => {
  const json = JSON.stringify({
    apiVersion: 'audit.k8s.io/v1',
    kind: 'Policy',
    metadata: { name: 'p' },
    omitStages: ['RequestReceived'],
    rules: [{ level: 'Request', resources: [{ group: 'apps', resources: ['deployments', 'deployments/scale'] }], futureField: 1 }],
  });
  const p = parseAuditPolicy(json);
  assert.deepEqual(p.rules, [{ level: 'Request', resources: [{ group: 'apps', resources: ['deployments', 'deployments/scale'] }] }]);
  assert.deepEqual(p.omitStages, ['RequestReceived']);
  assert.equal(p.omitManagedFields, undefined);

  const dir = mkdtempSync(join(tmpdir(), 'audit-policy-'));
  try {
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n');
    assert.equal((await loadAuditPolicy(file)).rules[0]!.level, 'Metadata');
    writeFileSync(file, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: []\n');
    await assert.rejects(loadAuditPolicy(file), { name: 'AuditPolicyError', message: `loaded illegal policy with 0 rules: from file ${file}` });
    await assert.rejects(loadAuditPolicy(join(dir, 'missing.yaml')), (e: unknown) =>
      e instanceof AuditPolicyError && e.message.startsWith(`failed to read file path "${join(dir, 'missing.yaml')}": `));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a sink that cannot write never throws: it counts failures and tells stderr once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'audit-bad-'));
  const stderr: string[] = [];
  const orig = process.stderr.write;
  process.stderr.write = ((chunk: any) => (stderr.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    // A regular file where a directory should be: not even mkdir -p can fix that.
    writeFileSync(join(dir, 'file'), '');
    const sink = fileSink(join(dir, 'file', 'audit.log'));
    const auditor = new Auditor(policyOf('- level: Metadata\n'), sink);
    const rec = auditor.begin(attrs());
    assert.ok(rec);
    rec.complete(200);
    sink.write({ kind: 'Event' });
    assert.equal(sink.errorCount, 3);
    await auditor.close();
    assert.doesNotThrow(() => sink.write({}));
    assert.equal(sink.errorCount, 4);
    assert.equal(stderr.length, 1, stderr.join(''));
    assert.match(stderr[0]!, /audit\.log/);

    // A sink that throws is contained by the Auditor as well.
    const throwing: AuditSink = { write: () => { throw new Error('disk on fire'); }, close: async () => {} };
    const rec2 = new Auditor(policyOf('- level: Metadata\n'), throwing).begin(attrs());
    assert.doesNotThrow(() => rec2!.complete(200));
    assert.equal(stderr.length, 2);
  } finally {
    process.stderr.write = orig;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the file sink rotates by size and keeps maxBackups old files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'audit-rot-'));
  try {
    const path = join(dir, 'audit.log');
    const max = 1024;
    const sink = fileSink(path, { maxSizeMB: max / (1024 * 1024), maxBackups: 2 });
    const line = (i: number) => ({ i, pad: 'p'.repeat(200) }); // ~220 bytes: four lines per file
    for (let i = 0; i < 20; i++) sink.write(line(i));
    await sink.close();
    assert.equal(sink.errorCount, 0);
    const files = readdirSync(dir).sort();
    assert.equal(files.length, 3, files.join(' '));
    assert.ok(files.includes('audit.log'));
    for (const f of files) {
      if (f !== 'audit.log') assert.match(f, /^audit-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}\.log$/);
      const text = readFileSync(join(dir, f), 'utf8');
      assert.ok(text.length <= max, `${f} is ${text.length} bytes`);
    }
    const kept = files
      .flatMap((f) => readFileSync(join(dir, f), 'utf8').trimEnd().split('\n'))
      .map((l) => JSON.parse(l).i)
      .sort((a: number, b: number) => a - b);
    assert.deepEqual(kept, Array.from({ length: kept.length }, (_, k) => 20 - kept.length + k), 'the newest events survive, none twice');
    assert.ok(kept.length >= 9, `kept ${kept.length}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
