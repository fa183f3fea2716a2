// The EndpointSlice controller (upstream pkg/controller/endpointslice): for every Service with a
// selector, EndpointSlices `<service>-<random>` holding the selected pods (at most 100 per slice),
// one group of slices per address type and per port set, owned by the Service.
import { EventRecorder, NAMESPACE_INDEX, isNotFound, objectOf, resources, type Client, type Informer, type SharedInformerFactory } from '../../client/index.ts';
import { realClock, type Clock } from '../../util/clock.ts';
import { KeyedController } from '../controller.ts';
import { isPodReady, matchesLabels, stableJson } from '../util.ts';
import { HEADLESS_LABEL, findPort, followServicesAndPods, isHeadless, podIPForFamily, podRef, serviceSelector, shouldPodBeInEndpoints, shouldSetHostname } from '../endpoints/index.ts';

type Obj = Record<string, any>;

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
export const ZONE_LABEL = 'topology.kubernetes.io/zone';
/** Upstream's default --max-endpoints-per-slice. */
export const MAX_ENDPOINTS_PER_SLICE = 100;

export interface EndpointSliceControllerOptions {
  client: Client;
  factory: SharedInformerFactory;
  clock?: Clock;
  recorder?: EventRecorder;
  onError?: (key: string, err: unknown) => void;
  maxEndpointsPerSlice?: number;
}

/** After this long an unseen write no longer holds a service back (a missed event). */
const PENDING_TIMEOUT_MS = 30_000;

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The address families the service serves (IPv4 when it says nothing). */
function addressTypes(svc: Obj): ('IPv4' | 'IPv6')[] {
  const fams = (svc.spec?.ipFamilies ?? []).filter((f: string) => f === 'IPv4' || f === 'IPv6');
  if (fams.length) return fams;
  const ip = svc.spec?.clusterIP;
  return [ip && ip !== 'None' && ip.includes(':') ? 'IPv6' : 'IPv4'];
}

/** The service's labels plus the ones marking the slice as this controller's for this service. */
function sliceLabels(svc: Obj): Obj {
  const labels: Obj = {};
  for (const [k, v] of Object.entries(svc.metadata.labels ?? {})) {
    if (k === SERVICE_NAME_LABEL || k === MANAGED_BY_LABEL) continue;
    labels[k] = v;
  }
  labels[SERVICE_NAME_LABEL] = svc.metadata.name;
  labels[MANAGED_BY_LABEL] = CONTROLLER_NAME;
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = '';
  return labels;
}

/** Upstream getEndpointPorts: one entry per service port the pod can serve. */
export function endpointPorts(svc: Obj, pod: Obj): Obj[] {
  const out: Obj[] = [];
  for (const sp of svc.spec?.ports ?? []) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    const ep: Obj = { name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP' };
    if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
    out.push(ep);
  }
  return out.sort((a, b) => byString(a.name, b.name) || a.port - b.port);
}

/** Upstream podToEndpoint. */
export function podToEndpoint(pod: Obj, node: Obj | undefined, svc: Obj, ip: string): Obj {
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata.deletionTimestamp;
  const ep: Obj = {
    addresses: [ip],
    conditions: { ready: !!svc.spec?.publishNotReadyAddresses || (serving && !terminating), serving, terminating },
  };
  if (shouldSetHostname(pod, svc)) ep.hostname = pod.spec.hostname;
  ep.targetRef = podRef(pod);
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
  const zone = node?.metadata?.labels?.[ZONE_LABEL];
  if (zone) ep.zone = zone;
  return ep;
}

const endpointKey = (ep: Obj) => `${ep.targetRef?.uid ?? ''}/${ep.addresses[0]}`;
const sortEndpoints = (eps: Obj[]) => eps.sort((a, b) => byString(a.targetRef?.name ?? '', b.targetRef?.name ?? '') || byString(a.addresses[0], b.addresses[0]));

export class EndpointSliceController extends KeyedController {
  private readonly client: Client;
  private readonly recorder: EventRecorder | undefined;
  private readonly services: Informer<Obj>;
  private readonly pods: Informer<Obj>;
  private readonly nodes: Informer<Obj>;
  private readonly slices: Informer<Obj>;
  private readonly maxPerSlice: number;
  /**
   * Our own slice writes the informer has not shown yet, per service: name -> resourceVersion
   * written (null for a delete). Reconciling against a stale cache would create duplicates.
   */
  private readonly pending = new Map<string, Map<string, { rv: string | null; at: number }>>();

  constructor(o: EndpointSliceControllerOptions) {
    const clock = o.clock ?? realClock;
    const services = o.factory.forResource(resources.services);
    const pods = o.factory.forResource(resources.pods);
    const nodes = o.factory.forResource(resources.nodes);
    const slices = o.factory.forResource(resources.endpointslices);
    super({ name: 'endpointslice', informers: [services, pods, nodes, slices], clock, ...(o.onError ? { onError: o.onError } : {}) });
    this.client = o.client;
    this.recorder = o.recorder;
    this.services = services;
    this.pods = pods;
    this.nodes = nodes;
    this.slices = slices;
    this.maxPerSlice = o.maxEndpointsPerSlice ?? MAX_ENDPOINTS_PER_SLICE;

    const podChanged = followServicesAndPods(this, services, pods);
    // A node's zone shows in every endpoint on it.
    nodes.addEventHandler({
      onUpdate: (old, n) => {
        if (old.metadata?.labels?.[ZONE_LABEL] === n.metadata?.labels?.[ZONE_LABEL]) return;
        for (const p of this.pods.list()) if (p.spec?.nodeName === n.metadata.name) podChanged(p);
      },
    });
    const sliceChanged = (s: Obj) => {
      const l = s.metadata?.labels ?? {};
      if (l[MANAGED_BY_LABEL] !== CONTROLLER_NAME || !l[SERVICE_NAME_LABEL]) return;
      const key = `${s.metadata.namespace}/${l[SERVICE_NAME_LABEL]}`;
      this.pending.get(key)?.delete(s.metadata.name);
      this.queue.add(key);
    };
    slices.addEventHandler({
      onAdd: (s) => sliceChanged(s),
      onUpdate: (_o, s) => sliceChanged(s),
      onDelete: (s) => sliceChanged(objectOf(s)),
    });
  }

  private ownedSlices(ns: string, name: string): Obj[] {
    return this.slices
      .byIndex(NAMESPACE_INDEX, ns)
      .filter((s) => s.metadata?.labels?.[SERVICE_NAME_LABEL] === name && s.metadata?.labels?.[MANAGED_BY_LABEL] === CONTROLLER_NAME && !s.metadata.deletionTimestamp);
  }

  /** Whether the cache still lacks one of our writes for this service (its event will requeue). */
  private stale(key: string, ns: string): boolean {
    const p = this.pending.get(key);
    if (!p) return false;
    const now = this.clock.now();
    for (const [name, w] of p) {
      const cached = this.slices.get(`${ns}/${name}`);
      const seen = w.rv === null ? !cached : cached?.metadata?.resourceVersion === w.rv;
      if (seen || now - w.at > PENDING_TIMEOUT_MS) p.delete(name);
    }
    if (p.size === 0) this.pending.delete(key);
    return p.size > 0;
  }

  private expectWrite(key: string, name: string, rv: string | null): void {
    let p = this.pending.get(key);
    if (!p) this.pending.set(key, (p = new Map()));
    p.set(name, { rv, at: this.clock.now() });
  }

  async reconcile(key: string): Promise<void> {
    const [ns, name] = key.split('/') as [string, string];
    const svc = this.services.get(key);
    // Slices of a deleted service go with it through their owner reference (garbage collector).
    if (!svc) {
      this.pending.delete(key);
      return;
    }
    if (this.stale(key, ns)) return;
    const sel = serviceSelector(svc);
    if (!sel) return;
    const pods = this.pods.byIndex(NAMESPACE_INDEX, ns).filter((p) => matchesLabels(sel, p.metadata?.labels));
    const existing = this.ownedSlices(ns, name);
    const types = addressTypes(svc);

    // addressType -> port set -> endpoints
    const desired: { addressType: string; ports: Obj[]; endpoints: Obj[] }[] = [];
    for (const t of types) {
      const groups = new Map<string, { ports: Obj[]; endpoints: Obj[] }>();
      for (const pod of pods) {
        if (!shouldPodBeInEndpoints(pod, true)) continue;
        const ip = podIPForFamily(pod, t);
        if (!ip) continue;
        const ports = endpointPorts(svc, pod);
        const pk = stableJson(ports);
        let g = groups.get(pk);
        if (!g) groups.set(pk, (g = { ports, endpoints: [] }));
        g.endpoints.push(podToEndpoint(pod, pod.spec?.nodeName ? this.nodes.get(pod.spec.nodeName) : undefined, svc, ip));
      }
      for (const g of groups.values()) {
        sortEndpoints(g.endpoints);
        for (let i = 0; i < g.endpoints.length; i += this.maxPerSlice) desired.push({ addressType: t, ports: g.ports, endpoints: g.endpoints.slice(i, i + this.maxPerSlice) });
      }
    }
    // A service without endpoints still gets one (placeholder) slice, as upstream.
    if (desired.length === 0) desired.push({ addressType: types[0]!, ports: [], endpoints: [] });

    const labels = sliceLabels(svc);
    const owner = { apiVersion: 'v1', kind: 'Service', name, uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true };
    // Reuse slices of the same address type and port set, preferring those already holding the
    // most of the wanted endpoints, so that pods move between slices as little as possible.
    const free = existing.filter((s) => types.includes(s.addressType));
    const toCreate: Obj[] = [];
    const toUpdate: Obj[] = [];
    for (const d of desired) {
      const pk = stableJson(d.ports);
      const want = new Set(d.endpoints.map(endpointKey));
      let best = -1;
      let bestScore = -1;
      free.forEach((s, i) => {
        if (s.addressType !== d.addressType || stableJson(s.ports ?? []) !== pk) return;
        const score = (s.endpoints ?? []).filter((e: Obj) => want.has(endpointKey(e))).length;
        if (score > bestScore) [best, bestScore] = [i, score];
      });
      const body = { addressType: d.addressType, endpoints: d.endpoints, ports: d.ports };
      if (best >= 0) {
        const s = free.splice(best, 1)[0]!;
        const same =
          stableJson(s.endpoints ?? []) === stableJson(d.endpoints) &&
          stableJson(s.metadata.labels ?? {}) === stableJson(labels) &&
          (s.metadata.ownerReferences ?? []).some((r: Obj) => r.uid === owner.uid && r.controller);
        if (same) continue;
        toUpdate.push({ ...s, ...body, metadata: { ...s.metadata, labels, ownerReferences: [owner] } });
      } else {
        toCreate.push({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { generateName: `${name}-`, namespace: ns, labels, ownerReferences: [owner] }, ...body });
      }
    }
    // Slices of address types the service no longer serves, or left over, go.
    const toDelete = [...free, ...existing.filter((s) => !types.includes(s.addressType))];

    try {
      for (const s of toCreate) {
        const made = await this.client.create(resources.endpointslices, ns, s);
        this.expectWrite(key, made.metadata.name, made.metadata.resourceVersion);
      }
      for (const s of toUpdate) {
        const made = await this.client.update(resources.endpointslices, ns, s);
        this.expectWrite(key, made.metadata.name, made.metadata.resourceVersion);
      }
      for (const s of toDelete) {
        try {
          this.expectWrite(key, s.metadata.name, null);
          await this.client.delete(resources.endpointslices, ns, s.metadata.name);
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
    } catch (err) {
      // A terminating namespace refuses new slices; the service goes with it.
      if ((err as { code?: number }).code === 403 && toCreate.length) return;
      const msg = err instanceof Error ? err.message : String(err);
      this.recorder?.event(svc, 'Warning', 'FailedToUpdateEndpointSlices', `Error updating Endpoint Slices for Service ${ns}/${name}: ${msg}`);
      throw err;
    }
  }
}
