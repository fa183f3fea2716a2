// The pods/eviction subresource (what `kubectl drain` posts): a pod is deleted only if the
// PodDisruptionBudget covering it allows one more disruption, which is spent here, in the
// budget's status, before the pod goes; the disruption controller later confirms it.
// Upstream's rules (pkg/registry/core/pod/storage/eviction.go): finished pods go at once; more
// than one budget is an error; a budget not yet processed, or with no disruption left, refuses
// with 429 and the reason as a cause; an unready pod may go without spending one when the
// budget's unhealthyPodEvictionPolicy allows it.
import { StatusError } from '../api/errors.ts';
import type { ResourceInfo, ResourceRegistry } from '../api/registry.ts';
import { fromLabelSelectorObject, matchesLabels } from '../api/selectors.ts';
import { rfc3339, type Obj, type ResourceStore } from './rest.ts';

/** Upstream's MaxDisruptedPodSize: evictions the disruption controller has yet to confirm. */
const MAX_DISRUPTED_PODS = 2000;
const REFUSED = "Cannot evict pod as it would violate the pod's disruption budget.";

const tooManyRequests = (name: string, cause: string) =>
  new StatusError(429, 'TooManyRequests', REFUSED, { name, kind: 'pods', causes: [{ reason: 'DisruptionBudget', message: cause }], retryAfterSeconds: 10 });

const isReady = (pod: Obj) => ((pod.status?.conditions ?? []) as Obj[]).some((c) => c?.type === 'Ready' && c.status === 'True');

export interface EvictionContext {
  rest: ResourceStore;
  registry: ResourceRegistry;
  now(): number;
  /** Deletes the pod as a DELETE request would (hooks included). */
  deletePod(ns: string, name: string, deleteOptions: Obj, dryRun: boolean): Promise<void>;
}

/** Handles POST pods/<name>/eviction; resolves once the pod is being deleted. */
export async function evictPod(c: EvictionContext, ns: string, name: string, eviction: Obj, dryRun: boolean): Promise<void> {
  const pods = c.registry.get('', 'v1', 'pods')!;
  if (eviction.metadata?.name !== undefined && eviction.metadata.name !== name) {
    throw new StatusError(400, 'BadRequest', `name in URL does not match name in Eviction object`);
  }
  const deleteOptions: Obj = eviction.deleteOptions ?? {};
  const pod = await c.rest.get(pods, ns, name);
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed' || pod.metadata.deletionTimestamp) {
    await c.deletePod(ns, name, deleteOptions, dryRun);
    return;
  }
  const pdbInfo = c.registry.get('policy', 'v1', 'poddisruptionbudgets')!;
  const budgets = (await c.rest.list(pdbInfo, ns)).items.filter((pdb) => {
    // A null selector matches nothing; an empty one every pod of the namespace.
    const sel = pdb.spec?.selector;
    return sel != null && matchesLabels(fromLabelSelectorObject(sel), pod.metadata.labels ?? {});
  });
  if (budgets.length > 1) {
    throw new StatusError(500, 'InternalError', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  }
  const pdb = budgets[0];
  if (pdb && !(await mayGoUnhealthy(pdb, pod))) await spendDisruption(c, pdbInfo, pdb, name, dryRun);
  if (!dryRun) await markDisruptionTarget(c, pods, ns, name);
  await c.deletePod(ns, name, deleteOptions, dryRun);
}

/** An unready pod may go without spending a disruption, as the budget's policy says. */
async function mayGoUnhealthy(pdb: Obj, pod: Obj): Promise<boolean> {
  if (isReady(pod)) return false;
  if (pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow') return true;
  const s = pdb.status ?? {};
  return (pdb.metadata.generation ?? 0) <= (s.observedGeneration ?? 0) && (s.currentHealthy ?? 0) >= (s.desiredHealthy ?? 0) && (s.desiredHealthy ?? 0) > 0;
}

async function spendDisruption(c: EvictionContext, pdbInfo: ResourceInfo, pdb: Obj, podName: string, dryRun: boolean): Promise<void> {
  await c.rest.guaranteedUpdate(
    pdbInfo,
    pdb.metadata.namespace,
    pdb.metadata.name,
    (cur) => {
      const s = (cur.status ??= {});
      if ((s.observedGeneration ?? 0) < (cur.metadata.generation ?? 0)) {
        throw tooManyRequests(podName, `The disruption budget ${cur.metadata.name} is still being processed by the server.`);
      }
      const allowed = s.disruptionsAllowed ?? 0;
      if (allowed < 0) throw new StatusError(403, 'Forbidden', `poddisruptionbudget.policy "${cur.metadata.name}" is forbidden: pdb disruptions allowed is negative`, { name: cur.metadata.name, group: 'policy', kind: 'poddisruptionbudget' });
      const disrupted: Record<string, string> = s.disruptedPods ?? {};
      if (Object.keys(disrupted).length > MAX_DISRUPTED_PODS) {
        throw new StatusError(403, 'Forbidden', `poddisruptionbudget.policy "${cur.metadata.name}" is forbidden: DisruptedPods map too big - too many evictions not confirmed by PDB controller`, { name: cur.metadata.name, group: 'policy', kind: 'poddisruptionbudget' });
      }
      if (allowed === 0) {
        throw tooManyRequests(podName, `The disruption budget ${cur.metadata.name} needs ${s.desiredHealthy ?? 0} healthy pods and has ${s.currentHealthy ?? 0} currently`);
      }
      s.disruptionsAllowed = allowed - 1;
      s.disruptedPods = { ...disrupted, [podName]: rfc3339(c.now()) };
      return cur;
    },
    { dryRun },
  );
}

/** The pod says why it goes (the DisruptionTarget condition), as upstream does before deleting. */
async function markDisruptionTarget(c: EvictionContext, pods: ResourceInfo, ns: string, name: string): Promise<void> {
  await c.rest.guaranteedUpdate(pods, ns, name, (cur) => {
    const conditions: Obj[] = ((cur.status ??= {}).conditions ??= []);
    const target = { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastProbeTime: null, lastTransitionTime: rfc3339(c.now()) };
    const i = conditions.findIndex((x) => x?.type === 'DisruptionTarget');
    if (i < 0) conditions.push(target);
    else if (conditions[i]!.status !== 'True') conditions[i] = target;
    return cur;
  });
}
