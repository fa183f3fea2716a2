// The disruption controller (upstream pkg/controller/disruption): keeps each
// PodDisruptionBudget's status (how many selected pods are healthy, how many must be, and so how
// many may be disrupted) for the eviction API to consult. Percentages and maxUnavailable are
// taken of the pods' controllers' scale, found as upstream's getExpectedScale does.
import { fromLabelSelectorObject, matchesLabels, type LabelSelector } from '../../api/selectors.ts';
import { EventRecorder, NAMESPACE_INDEX, isConflict, isNotFound, objectOf, resources, type Client, type Resource, type SharedInformerFactory } from '../../client/index.ts';
import { rfc3339 } from '../../client/timing.ts';
import { realClock, type Clock } from '../../util/clock.ts';
import { KeyedController } from '../controller.ts';
import { controllerRefOf, isPodReady, parseTime, type OwnerReference } from '../util.ts';

type Obj = Record<string, any>;

/** How long a pod the eviction API let go may stay undeleted before it counts again. */
export const DELETION_TIMEOUT_MS = 2 * 60 * 1000;
export const DISRUPTION_ALLOWED = 'DisruptionAllowed';

export interface DisruptionControllerOptions {
  client: Client;
  factory: SharedInformerFactory;
  clock?: Clock;
  recorder?: EventRecorder;
  onError?: (key: string, err: unknown) => void;
}

/** policy/v1: a missing selector selects nothing, an empty one every pod of the namespace. */
function pdbSelector(pdb: Obj): LabelSelector | undefined {
  const s = pdb.spec?.selector;
  return s ? fromLabelSelectorObject(s) : undefined;
}

/** intstr.GetScaledValueFromIntOrPercent: an int as is, "N%" of total rounded as asked. */
export function scaledValue(v: number | string, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const m = /^(-?\d+)%$/.exec(v);
  if (!m) throw new Error(`invalid value for IntOrString: invalid value "${v}"`);
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

/** Ready pods not being deleted and not recently let go by an eviction. */
export function countHealthy(pods: readonly Obj[], disrupted: Record<string, string>, now: number): number {
  let n = 0;
  for (const p of pods) {
    if (p.metadata.deletionTimestamp) continue;
    const t = disrupted[p.metadata.name];
    if (t !== undefined && parseTime(t) + DELETION_TIMEOUT_MS > now) continue;
    if (isPodReady(p)) n++;
  }
  return n;
}

export class DisruptionController extends KeyedController {
  private readonly client: Client;
  private readonly recorder: EventRecorder | undefined;
  private readonly pdbInformer;
  private readonly podInformer;
  private readonly rsInformer;
  private readonly rcInformer;
  private readonly deployInformer;
  private readonly stsInformer;

  constructor(o: DisruptionControllerOptions) {
    const clock = o.clock ?? realClock;
    const pdbInformer = o.factory.forResource(resources.poddisruptionbudgets);
    const podInformer = o.factory.forResource(resources.pods);
    const rsInformer = o.factory.forResource(resources.replicasets);
    const rcInformer = o.factory.forResource(resources.replicationcontrollers);
    const deployInformer = o.factory.forResource(resources.deployments);
    const stsInformer = o.factory.forResource(resources.statefulsets);
    super({ name: 'disruption', informers: [pdbInformer, podInformer, rsInformer, rcInformer, deployInformer, stsInformer], clock, ...(o.onError ? { onError: o.onError } : {}) });
    this.client = o.client;
    this.recorder = o.recorder;
    this.pdbInformer = pdbInformer;
    this.podInformer = podInformer;
    this.rsInformer = rsInformer;
    this.rcInformer = rcInformer;
    this.deployInformer = deployInformer;
    this.stsInformer = stsInformer;

    pdbInformer.addEventHandler({ onAdd: (p) => this.enqueue(p), onUpdate: (_o, p) => this.enqueue(p), onDelete: (p) => this.enqueue(p) });
    const onPod = (pod: Obj) => {
      for (const pdb of this.pdbInformer.byIndex(NAMESPACE_INDEX, pod.metadata.namespace)) {
        const sel = pdbSelector(pdb);
        if (sel && matchesLabels(sel, pod.metadata.labels)) this.enqueue(pdb);
      }
    };
    podInformer.addEventHandler({
      onAdd: onPod,
      onUpdate: (old, pod) => {
        onPod(pod);
        if (JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(pod.metadata.labels ?? {})) onPod(old);
      },
      onDelete: (p) => onPod(objectOf(p)),
    });
  }

  async reconcile(key: string): Promise<void> {
    const pdb = this.pdbInformer.get(key);
    if (!pdb) return;
    try {
      await this.trySync(pdb);
    } catch (err) {
      if (isConflict(err) || isNotFound(err)) throw err;
      await this.failSafe(pdb, err);
      throw err;
    }
  }

  private async trySync(pdb: Obj): Promise<void> {
    const sel = pdbSelector(pdb);
    const pods = sel ? this.podInformer.byIndex(NAMESPACE_INDEX, pdb.metadata.namespace).filter((p) => matchesLabels(sel, p.metadata.labels)) : [];
    if (pods.length === 0) this.recorder?.event(pdb, 'Normal', 'NoPods', 'No matching pods found');
    let counts: { expected: number; desired: number; unmanaged: string[] };
    try {
      counts = await this.expectedPodCount(pdb, pods);
    } catch (err) {
      this.recorder?.event(pdb, 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${(err as Error).message}`);
      throw err;
    }
    if (counts.unmanaged.length > 0) {
      this.recorder?.event(
        pdb,
        'Warning',
        'UnmanagedPods',
        `Pods selected by this PodDisruptionBudget (selector: ${JSON.stringify(pdb.spec?.selector ?? null)}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`,
      );
    }
    const now = this.clock.now();
    const { disrupted, recheck } = this.disruptedPodMap(pdb, pods, now);
    const healthy = countHealthy(pods, disrupted, now);
    await this.updateStatus(pdb, healthy, counts.desired, counts.expected, disrupted);
    if (recheck !== undefined) this.enqueueAfter(`${pdb.metadata.namespace}/${pdb.metadata.name}`, Math.max(0, recheck - now));
  }

  /** Upstream getExpectedPodCount. */
  async expectedPodCount(pdb: Obj, pods: readonly Obj[]): Promise<{ expected: number; desired: number; unmanaged: string[] }> {
    const { maxUnavailable, minAvailable } = pdb.spec ?? {};
    if (maxUnavailable !== undefined && maxUnavailable !== null) {
      const { expected, unmanaged } = await this.expectedScale(pdb, pods);
      const desired = Math.max(0, expected - scaledValue(maxUnavailable, expected, true));
      return { expected, desired, unmanaged };
    }
    if (typeof minAvailable === 'number') return { expected: pods.length, desired: minAvailable, unmanaged: [] };
    if (typeof minAvailable === 'string') {
      const { expected, unmanaged } = await this.expectedScale(pdb, pods);
      return { expected, desired: scaledValue(minAvailable, expected, true), unmanaged };
    }
    return { expected: 0, desired: 0, unmanaged: [] };
  }

  /** The sum of the pods' controllers' desired replicas; pods with no controller are listed apart. */
  private async expectedScale(_pdb: Obj, pods: readonly Obj[]): Promise<{ expected: number; unmanaged: string[] }> {
    const scales = new Map<string, number>();
    const unmanaged: string[] = [];
    for (const pod of pods) {
      const ref = controllerRefOf(pod);
      if (!ref) {
        unmanaged.push(pod.metadata.name);
        continue;
      }
      if (scales.has(ref.uid)) continue;
      const found = await this.findScale(ref, pod.metadata.namespace);
      if (!found) throw new Error(`found no controllers for pod "${pod.metadata.name}"`);
      scales.set(found.uid, found.scale);
    }
    let expected = 0;
    for (const n of scales.values()) expected += n;
    return { expected, unmanaged };
  }

  /** Upstream's finders in order: ReplicationController, Deployment (via its ReplicaSet), StatefulSet, then any /scale. */
  private async findScale(ref: OwnerReference, ns: string): Promise<{ uid: string; scale: number } | undefined> {
    const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0]! : '';
    const own = (inf: { get(k: string): Obj | undefined }, kind: string, g: string) => {
      if (ref.kind !== kind || group !== g) return undefined;
      const o = inf.get(`${ns}/${ref.name}`);
      return o && o.metadata.uid === ref.uid ? o : undefined;
    };
    const rc = own(this.rcInformer, 'ReplicationController', '');
    if (rc) return { uid: rc.metadata.uid, scale: rc.spec?.replicas ?? 1 };
    const rs = own(this.rsInformer, 'ReplicaSet', 'apps');
    if (rs) {
      const dref = controllerRefOf(rs);
      if (dref && dref.kind === 'Deployment' && dref.apiVersion.startsWith('apps/')) {
        const d = this.deployInformer.get(`${ns}/${dref.name}`);
        if (d && d.metadata.uid === dref.uid) return { uid: d.metadata.uid, scale: d.spec?.replicas ?? 1 };
      }
    }
    const sts = own(this.stsInformer, 'StatefulSet', 'apps');
    if (sts) return { uid: sts.metadata.uid, scale: sts.spec?.replicas ?? 1 };
    const res = Object.values(resources).find((r: Resource) => r.kind === ref.kind && r.group === group);
    if (!res) throw new Error(`no matches for kind "${ref.kind}" in version "${ref.apiVersion}"`);
    try {
      const scale = await this.client.getScale(res, ns, ref.name);
      if (scale.metadata?.uid !== ref.uid) return undefined;
      return { uid: ref.uid, scale: scale.spec?.replicas ?? 0 };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Upstream buildDisruptedPodMap: entries expire DELETION_TIMEOUT_MS after the eviction. */
  private disruptedPodMap(pdb: Obj, pods: readonly Obj[], now: number): { disrupted: Record<string, string>; recheck: number | undefined } {
    const prior: Record<string, string> = pdb.status?.disruptedPods ?? {};
    const disrupted: Record<string, string> = {};
    let recheck: number | undefined;
    for (const pod of pods) {
      if (pod.metadata.deletionTimestamp) continue;
      const t = prior[pod.metadata.name];
      if (t === undefined) continue;
      const expectedDeletion = parseTime(t) + DELETION_TIMEOUT_MS;
      if (expectedDeletion < now) {
        this.recorder?.event(pod, 'Warning', 'NotDeleted', `Pod was expected by PDB ${pdb.metadata.namespace}/${pdb.metadata.name} to be deleted but it wasn't`);
        continue;
      }
      if (recheck === undefined || expectedDeletion < recheck) recheck = expectedDeletion;
      disrupted[pod.metadata.name] = t;
    }
    return { disrupted, recheck };
  }

  private async updateStatus(pdb: Obj, currentHealthy: number, desiredHealthy: number, expectedPods: number, disrupted: Record<string, string>): Promise<void> {
    // expectedPods 0 blocks disruptions: a PDB whose first pods appear before this sync stays safe.
    const allowed = expectedPods <= 0 ? 0 : Math.max(0, currentHealthy - desiredHealthy);
    const cur = pdb.status ?? {};
    const generation = pdb.metadata.generation ?? 0;
    const same =
      cur.currentHealthy === currentHealthy &&
      cur.desiredHealthy === desiredHealthy &&
      cur.expectedPods === expectedPods &&
      cur.disruptionsAllowed === allowed &&
      JSON.stringify(sortedEntries(cur.disruptedPods)) === JSON.stringify(sortedEntries(disrupted)) &&
      cur.observedGeneration === generation &&
      conditionUpToDate(cur, allowed, generation);
    if (same) return;
    const status: Obj = { disruptionsAllowed: allowed, currentHealthy, desiredHealthy, expectedPods, observedGeneration: generation };
    if (Object.keys(disrupted).length) status.disruptedPods = disrupted;
    status.conditions = setCondition(cur.conditions ?? [], allowed > 0 ? { status: 'True', reason: 'SufficientPods', message: '' } : { status: 'False', reason: 'InsufficientPods', message: '' }, generation, this.clock.now());
    await this.client.updateStatus(resources.poddisruptionbudgets, pdb.metadata.namespace, { ...pdb, status });
  }

  /** Upstream failSafe: after a failed sync, allow no disruptions until one succeeds. */
  private async failSafe(pdb: Obj, err: unknown): Promise<void> {
    const cur = pdb.status ?? {};
    const status: Obj = { ...cur, disruptionsAllowed: 0 };
    status.conditions = setCondition(cur.conditions ?? [], { status: 'False', reason: 'SyncFailed', message: (err as Error)?.message ?? String(err) }, cur.observedGeneration ?? 0, this.clock.now());
    try {
      await this.client.updateStatus(resources.poddisruptionbudgets, pdb.metadata.namespace, { ...pdb, status });
    } catch {
      // The sync's own error is requeued; this write is best effort.
    }
  }
}

const sortedEntries = (m: Record<string, string> | undefined) => Object.entries(m ?? {}).sort(([a], [b]) => a.localeCompare(b));

function conditionUpToDate(status: Obj, allowed: number, generation: number): boolean {
  const c = (status.conditions ?? []).find((x: Obj) => x.type === DISRUPTION_ALLOWED);
  if (!c || c.observedGeneration !== generation) return false;
  return allowed > 0 ? c.status === 'True' && c.reason === 'SufficientPods' : c.status === 'False' && c.reason === 'InsufficientPods';
}

/** apimeta.SetStatusCondition: lastTransitionTime moves only when the status does. */
function setCondition(conditions: Obj[], c: { status: string; reason: string; message: string }, observedGeneration: number, now: number): Obj[] {
  const old = conditions.find((x) => x.type === DISRUPTION_ALLOWED);
  const next: Obj = {
    type: DISRUPTION_ALLOWED,
    status: c.status,
    observedGeneration,
    lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : rfc3339(now),
    reason: c.reason,
    message: c.message,
  };
  return old ? conditions.map((x) => (x === old ? next : x)) : [...conditions, next];
}
