// Cost of deciding whether a request may happen, in process: RBAC authorization of a user
// bound through a RoleBinding (the longest walk: cluster bindings first, then the namespace's),
// and the built-in admission chain (mutating then validating, with no webhooks configured) on
// a pod create, which every plugin looks at. Target: chain median under 50 µs per request.
import { ResourceRegistry } from '../src/api/registry.ts';
import { defaultAdmissionChain } from '../src/apiserver/admission/chain.ts';
import { ResourceQuotas } from '../src/apiserver/admission/resource-quota.ts';
import { WebhookConfigurations } from '../src/apiserver/admission/webhook-plugins.ts';
import { ensureSystemPriorityClasses } from '../src/apiserver/admission/priority.ts';
import type { AdmissionAttributes } from '../src/apiserver/admission/index.ts';
import { RbacPolicy, userOf } from '../src/apiserver/authz.ts';
import { ResourceStore } from '../src/apiserver/rest.ts';
import { ServiceAccountDefaults } from '../src/apiserver/serviceaccounts.ts';
import { TokenIssuer, generateSigningKey } from '../src/apiserver/tokens.ts';
import type { Attributes } from '../src/auth/rbac/authorizer.ts';
import { openStore } from '../src/storage/index.ts';
import { realClock } from '../src/util/clock.ts';
import { Samples, now, summarize, type Metrics } from './lib.ts';

const BATCH = 200;
const BATCHES = Number(process.env.KUBELITE_BENCH_AUTH_BATCHES ?? 150);

function log(msg: string): void {
  process.stderr.write(`[auth ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

/** Per-request microseconds: the median over batches of the mean within a batch. */
async function measure(op: () => Promise<unknown>): Promise<{ median: number; p99: number }> {
  for (let i = 0; i < BATCH * 5; i++) await op();
  const s = new Samples();
  for (let b = 0; b < BATCHES; b++) {
    const t = now();
    for (let i = 0; i < BATCH; i++) await op();
    s.push(((now() - t) * 1000) / BATCH);
  }
  const sum = summarize(s.values());
  return { median: sum.p50, p99: sum.p99 };
}

export default async function run(): Promise<Metrics> {
  const store = await openStore({});
  const registry = new ResourceRegistry();
  const rest = new ResourceStore(store, realClock);
  const ns = registry.get('', 'v1', 'namespaces')!;
  await rest.create(ns, undefined, { metadata: { name: 'default' } });
  await new ServiceAccountDefaults(rest, registry, 'ca', new TokenIssuer(generateSigningKey())).resume();
  await ensureSystemPriorityClasses(rest, registry);
  const rbac = new RbacPolicy(rest, registry);
  await rbac.bootstrap();
  await rest.create(registry.get('rbac.authorization.k8s.io', 'v1', 'rolebindings')!, 'default', {
    metadata: { name: 'dev-edit' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'dev' }],
  });
  rbac.invalidate();
  await rbac.ready();
  const quotas = new ResourceQuotas(rest, registry, () => Date.now());
  const chain = defaultAdmissionChain(rest, registry, new WebhookConfigurations(rest, registry, () => Date.now()), quotas);
  const pods = registry.get('', 'v1', 'pods')!;
  const user = { username: 'dev', groups: ['devs', 'system:authenticated'] };
  const attrs: Attributes = { user: userOf(user), verb: 'create', resourceRequest: true, apiGroup: '', resource: 'pods', namespace: 'default' };
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27', resources: { requests: { cpu: '100m' } } }] } };

  if (!(await rbac.decide(attrs)).allowed) throw new Error('the benchmark user should be allowed');
  const authorize = () => rbac.decide(attrs);
  const admit = async () => {
    const a: AdmissionAttributes = { info: pods, operation: 'CREATE', object: structuredClone(pod), namespace: 'default', name: 'web', user, dryRun: false, warnings: [], annotations: {} };
    await chain.admit(a);
    await chain.validate(a);
  };
  const both = async () => {
    await authorize();
    await admit();
  };
  const r = await measure(authorize);
  log(`RBAC: median ${r.median.toFixed(1)} µs, p99 ${r.p99.toFixed(1)} µs`);
  const a = await measure(admit);
  log(`admission: median ${a.median.toFixed(1)} µs, p99 ${a.p99.toFixed(1)} µs`);
  const c = await measure(both);
  log(`RBAC + admission: median ${c.median.toFixed(1)} µs, p99 ${c.p99.toFixed(1)} µs`);
  await quotas.waitIdle();
  await store.close();
  return {
    'rbac.median': { value: r.median, unit: 'µs', better: 'lower' },
    'admission.median': { value: a.median, unit: 'µs', better: 'lower' },
    'chain.median': { value: c.median, unit: 'µs', target: 50, better: 'lower' },
    'chain.p99_of_batch_means': { value: c.p99, unit: 'µs', better: 'lower' },
  };
}
