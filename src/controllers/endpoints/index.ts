// The Endpoints controller (upstream pkg/controller/endpoint): for every Service with a selector,
// an Endpoints object of the same name listing the selected pods' IPs, ready ones under
// `addresses` and the rest under `notReadyAddresses`, grouped into subsets by port set.
import { EventRecorder, NAMESPACE_INDEX, isNotFound, objectOf, resources, type Client, type Informer, type SharedInformerFactory, type Tombstone } from '../../client/index.ts';
import { realClock, type Clock } from '../../util/clock.ts';
import { KeyedController } from '../controller.ts';
import { isPodReady, matchesLabels, stableJson } from '../util.ts';
import { fromLabelSelectorObject } from '../../api/selectors.ts';

type Obj = Record<string, any>;

export const HEADLESS_LABEL = 'service.kubernetes.io/headless';
export const OVER_CAPACITY_ANNOTATION = 'endpoints.kubernetes.io/over-capacity';
export const LAST_CHANGE_TRIGGER_TIME_ANNOTATION = 'endpoints.kubernetes.io/last-change-trigger-time';
/** Upstream's maxCapacity: addresses beyond it are dropped and the object marked truncated. */
export const MAX_ENDPOINTS_CAPACITY = 1000;

// ---- helpers shared with the EndpointSlice controller ----

export const isPodTerminal = (p: Obj): boolean => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

/** Upstream endpointsliceutil.ShouldPodBeInEndpoints. */
export function shouldPodBeInEndpoints(pod: Obj, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false;
  if (!pod.status?.podIP && !(pod.status?.podIPs ?? []).length) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  return true;
}

/** Upstream ShouldSetHostname: the pod asked for a subdomain named after this service. */
export const shouldSetHostname = (pod: Obj, svc: Obj): boolean =>
  !!pod.spec?.hostname && pod.spec?.subdomain === svc.metadata.name && pod.metadata.namespace === svc.metadata.namespace;

export const isHeadless = (svc: Obj): boolean => !svc.spec?.clusterIP || svc.spec.clusterIP === 'None';

/** The selector a Service's pods must match, or undefined for services managed by hand. */
export function serviceSelector(svc: Obj) {
  if (svc.spec?.type === 'ExternalName') return undefined;
  const sel = svc.spec?.selector;
  if (sel == null) return undefined;
  return fromLabelSelectorObject({ matchLabels: sel });
}

/**
 * Upstream podutil.FindPort: a numeric targetPort is taken as is, a named one is looked up in the
 * pod's containers (and restartable init containers) with the service port's protocol.
 */
export function findPort(pod: Obj, svcPort: Obj): number | undefined {
  const target = svcPort.targetPort ?? svcPort.port;
  const proto = svcPort.protocol ?? 'TCP';
  if (typeof target === 'number') return target;
  if (typeof target === 'string' && /^\d+$/.test(target)) return Number(target);
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter((c: Obj) => c.restartPolicy === 'Always')];
  for (const c of containers) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === proto) return p.containerPort;
  }
  return undefined;
}

const isIPv6 = (ip: string) => ip.includes(':');

/** The pod IP of the family the service serves (IPv4 unless the service is IPv6-first). */
export function podIPForFamily(pod: Obj, family: 'IPv4' | 'IPv6'): string | undefined {
  const ips: string[] = (pod.status?.podIPs ?? []).map((x: Obj) => x.ip).filter(Boolean);
  if (ips.length === 0 && pod.status?.podIP) ips.push(pod.status.podIP);
  return ips.find((ip) => isIPv6(ip) === (family === 'IPv6'));
}

export function primaryFamily(svc: Obj): 'IPv4' | 'IPv6' {
  const fam = svc.spec?.ipFamilies?.[0];
  if (fam === 'IPv6' || fam === 'IPv4') return fam;
  const ip = svc.spec?.clusterIP;
  return ip && ip !== 'None' && isIPv6(ip) ? 'IPv6' : 'IPv4';
}

export const podRef = (pod: Obj): Obj => ({ kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid });

/** Queues every service in the pod's namespace that selects it, before or after a change. */
/**
 * The events both endpoint controllers react to: a Service's own changes queue it, a pod's
 * queue every Service that selects it (before or after the change). Returns the pod hook.
 */
export function followServicesAndPods(
  c: { enqueue(obj: Obj | Tombstone<Obj>): void; readonly queue: { add(key: string): void } },
  services: Informer<Obj>,
  pods: Informer<Obj>,
): (...ps: Obj[]) => void {
  services.addEventHandler({
    onAdd: (s) => c.enqueue(s),
    onUpdate: (_o, s) => c.enqueue(s),
    onDelete: (s) => c.enqueue(s),
  });
  const podChanged = (...ps: Obj[]) => {
    for (const k of servicesForPod(services, ...ps)) c.queue.add(k);
  };
  pods.addEventHandler({
    onAdd: (p) => podChanged(p),
    onUpdate: (old, p) => podChanged(old, p),
    onDelete: (p: Obj | Tombstone<Obj>) => podChanged(objectOf(p)),
  });
  return podChanged;
}

export function servicesForPod(services: Informer<Obj>, ...pods: Obj[]): string[] {
  const keys = new Set<string>();
  const ns = pods[0]?.metadata?.namespace;
  if (!ns) return [];
  for (const svc of services.byIndex(NAMESPACE_INDEX, ns)) {
    const sel = serviceSelector(svc);
    if (!sel) continue;
    if (pods.some((p) => matchesLabels(sel, p.metadata?.labels))) keys.add(`${ns}/${svc.metadata.name}`);
  }
  return [...keys];
}

// ---- subsets ----

interface Entry {
  addr: Obj;
  ready: boolean;
  ports: Obj[];
}

const portKey = (p: Obj) => stableJson(p);
const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Upstream RepackSubsets: each address goes with the set of ports it offers; addresses offering
 * the same port set (with the same readiness mix) share a subset. An address seen ready for a
 * port stays ready even if another entry listed it not ready.
 */
export function repackSubsets(entries: Entry[]): Obj[] {
  const NO_PORT = '-';
  const portObjs = new Map<string, Obj | undefined>();
  // port -> address key -> {addr, ready}
  const byPort = new Map<string, Map<string, { addr: Obj; ready: boolean }>>();
  for (const e of entries) {
    const keys = e.ports.length ? e.ports.map((p) => (portObjs.set(portKey(p), p), portKey(p))) : [NO_PORT];
    const addrKey = `${e.addr.ip}/${e.addr.targetRef?.uid ?? ''}`;
    for (const k of keys) {
      let m = byPort.get(k);
      if (!m) byPort.set(k, (m = new Map()));
      const prev = m.get(addrKey);
      m.set(addrKey, { addr: prev?.addr ?? e.addr, ready: (prev?.ready ?? false) || e.ready });
    }
  }
  const groups = new Map<string, { addrs: Map<string, { addr: Obj; ready: boolean }>; ports: Obj[] }>();
  for (const [k, addrs] of byPort) {
    const gk = [...addrs].map(([a, v]) => `${a}=${v.ready}`).sort().join(',');
    let g = groups.get(gk);
    if (!g) groups.set(gk, (g = { addrs, ports: [] }));
    if (k !== NO_PORT) g.ports.push(portObjs.get(k)!);
  }
  const out: Obj[] = [];
  for (const g of groups.values()) {
    const sortAddrs = (xs: Obj[]) => xs.sort((a, b) => byString(a.ip, b.ip) || byString(a.targetRef?.name ?? '', b.targetRef?.name ?? ''));
    const ready = sortAddrs([...g.addrs.values()].filter((v) => v.ready).map((v) => v.addr));
    const notReady = sortAddrs([...g.addrs.values()].filter((v) => !v.ready).map((v) => v.addr));
    const s: Obj = {};
    if (ready.length) s.addresses = ready;
    if (notReady.length) s.notReadyAddresses = notReady;
    if (g.ports.length) s.ports = g.ports.sort((a, b) => byString(a.name ?? '', b.name ?? '') || a.port - b.port || byString(a.protocol, b.protocol));
    out.push(s);
  }
  return out.sort((a, b) => byString(stableJson(a), stableJson(b)));
}

/** The subsets upstream's syncService computes for a service and the pods it selects. */
export function computeSubsets(svc: Obj, pods: Obj[]): Obj[] {
  const publishNotReady = !!svc.spec?.publishNotReadyAddresses;
  const family = primaryFamily(svc);
  const entries: Entry[] = [];
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const ip = podIPForFamily(pod, family);
    if (!ip) continue;
    const addr: Obj = { ip };
    if (shouldSetHostname(pod, svc)) addr.hostname = pod.spec.hostname;
    if (pod.spec?.nodeName) addr.nodeName = pod.spec.nodeName;
    addr.targetRef = podRef(pod);
    const ready = publishNotReady || isPodReady(pod);
    const svcPorts: Obj[] = svc.spec?.ports ?? [];
    if (svcPorts.length === 0) {
      // Only headless services may go without ports.
      if (svc.spec?.clusterIP === 'None') entries.push({ addr, ready, ports: [] });
      continue;
    }
    for (const sp of svcPorts) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      const ep: Obj = {};
      if (sp.name) ep.name = sp.name;
      ep.port = port;
      ep.protocol = sp.protocol ?? 'TCP';
      if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
      entries.push({ addr, ready, ports: [ep] });
    }
  }
  return repackSubsets(entries);
}

/** Upstream truncateEndpoints: keeps at most MAX_ENDPOINTS_CAPACITY addresses, ready first. */
function truncate(subsets: Obj[]): boolean {
  let total = 0;
  for (const s of subsets) total += (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0);
  if (total <= MAX_ENDPOINTS_CAPACITY) return false;
  const readyTotal = subsets.reduce((n, s) => n + (s.addresses?.length ?? 0), 0);
  let budgetReady = Math.min(readyTotal, MAX_ENDPOINTS_CAPACITY);
  let budgetNot = MAX_ENDPOINTS_CAPACITY - budgetReady;
  for (const s of subsets) {
    const r = s.addresses?.length ?? 0;
    const keepR = Math.min(r, budgetReady);
    if (s.addresses) s.addresses = s.addresses.slice(0, keepR);
    budgetReady -= keepR;
    const nr = s.notReadyAddresses?.length ?? 0;
    const keepN = Math.min(nr, budgetNot);
    if (s.notReadyAddresses) s.notReadyAddresses = s.notReadyAddresses.slice(0, keepN);
    budgetNot -= keepN;
  }
  return true;
}

// ---- controller ----

export interface EndpointsControllerOptions {
  client: Client;
  factory: SharedInformerFactory;
  clock?: Clock;
  recorder?: EventRecorder;
  onError?: (key: string, err: unknown) => void;
}

const labelsEqual = (a: Obj | undefined, b: Obj | undefined) => stableJson(a ?? {}) === stableJson(b ?? {});

export class EndpointsController extends KeyedController {
  private readonly client: Client;
  private readonly recorder: EventRecorder | undefined;
  private readonly services: Informer<Obj>;
  private readonly pods: Informer<Obj>;
  private readonly endpoints: Informer<Obj>;

  constructor(o: EndpointsControllerOptions) {
    const clock = o.clock ?? realClock;
    const services = o.factory.forResource(resources.services);
    const pods = o.factory.forResource(resources.pods);
    const endpoints = o.factory.forResource(resources.endpoints);
    super({ name: 'endpoint', informers: [services, pods, endpoints], clock, ...(o.onError ? { onError: o.onError } : {}) });
    this.client = o.client;
    this.recorder = o.recorder;
    this.services = services;
    this.pods = pods;
    this.endpoints = endpoints;
    followServicesAndPods(this, services, pods);
    // An Endpoints object edited or deleted by someone else is put back.
    endpoints.addEventHandler({
      onUpdate: (_o, e) => this.enqueue(e),
      onDelete: (e) => this.enqueue(e),
    });
  }

  async reconcile(key: string): Promise<void> {
    const [ns, name] = key.split('/') as [string, string];
    const svc = this.services.get(key);
    if (!svc) {
      try {
        await this.client.delete(resources.endpoints, ns, name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return;
    }
    const sel = serviceSelector(svc);
    if (!sel) return;
    const pods = this.pods.byIndex(NAMESPACE_INDEX, ns).filter((p) => matchesLabels(sel, p.metadata?.labels));
    const subsets = computeSubsets(svc, pods);

    const current = this.endpoints.get(key);
    const create = !current;
    const currentLabels = { ...(current?.metadata?.labels ?? {}) };
    delete currentLabels[HEADLESS_LABEL];
    const count = subsetsCount(current?.subsets);
    const capacityOk = count <= MAX_ENDPOINTS_CAPACITY && (current?.metadata?.annotations?.[OVER_CAPACITY_ANNOTATION] === undefined || count === MAX_ENDPOINTS_CAPACITY);
    if (!create && stableJson(current.subsets ?? []) === stableJson(subsets) && labelsEqual(currentLabels, svc.metadata.labels) && capacityOk) return;

    const next: Obj = current ? structuredClone(current) : { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace: ns } };
    next.subsets = subsets;
    const labels: Obj = { ...(svc.metadata.labels ?? {}) };
    if (isHeadless(svc)) labels[HEADLESS_LABEL] = '';
    next.metadata.labels = labels;
    const ann: Obj = { ...(next.metadata.annotations ?? {}) };
    if (truncate(subsets)) ann[OVER_CAPACITY_ANNOTATION] = 'truncated';
    else delete ann[OVER_CAPACITY_ANNOTATION];
    if (Object.keys(ann).length) next.metadata.annotations = ann;
    else delete next.metadata.annotations;
    try {
      if (create) await this.client.create(resources.endpoints, ns, next);
      else await this.client.update(resources.endpoints, ns, next);
    } catch (err) {
      // A terminating namespace forbids creation; the Service is about to go anyway.
      if (create && (err as { code?: number }).code === 403) return;
      const msg = err instanceof Error ? err.message : String(err);
      if (create) this.recorder?.event(next, 'Warning', 'FailedToCreateEndpoint', `Failed to create endpoint for service ${ns}/${name}: ${msg}`);
      else this.recorder?.event(next, 'Warning', 'FailedToUpdateEndpoint', `Failed to update endpoint ${ns}/${name}: ${msg}`);
      throw err;
    }
  }
}

function subsetsCount(subsets: Obj[] | undefined): number {
  return (subsets ?? []).reduce((n, s) => n + (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0), 0);
}
