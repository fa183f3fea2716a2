// What the Service registry allocates on create, as kube-apiserver does: a cluster IP from the
// service CIDR (10.96.0.0/12 by default, the first address kept for the `kubernetes` service)
// and, for NodePort and LoadBalancer services, node ports from 30000-32767. Allocations are
// read from the stored services, so they survive restarts with no allocator state of their own.

import { StatusError, invalid, ignoreAlreadyExists } from '../api/errors.ts';
import type { ResourceInfo } from '../api/registry.ts';
import type { Obj, ResourceStore } from './rest.ts';

export const SERVICE_CIDR = { base: (10 << 24) | (96 << 16), size: 1 << 20 }; // 10.96.0.0/12
const NODE_PORTS = { min: 30000, max: 32767 };

function ipToString(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function ipToNumber(ip: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export class ServiceAllocator {
  constructor(private readonly rest: ResourceStore) {}

  private async used(info: ResourceInfo): Promise<{ ips: Set<number>; ports: Set<number> }> {
    const ips = new Set<number>();
    const ports = new Set<number>();
    for (const s of (await this.rest.list(info, undefined)).items) {
      for (const ip of s.spec?.clusterIPs ?? [s.spec?.clusterIP]) {
        const n = typeof ip === 'string' ? ipToNumber(ip) : undefined;
        if (n !== undefined) ips.add(n);
      }
      for (const p of s.spec?.ports ?? []) if (p.nodePort) ports.add(p.nodePort);
    }
    return { ips, ports };
  }

  /** Fills in clusterIP(s) and node ports of a Service about to be created. */
  async allocate(info: ResourceInfo, svc: Obj): Promise<void> {
    const spec = (svc.spec ??= {});
    const type = spec.type ?? 'ClusterIP';
    if (type === 'ExternalName') return;
    const { ips, ports } = await this.used(info);
    const name = svc.metadata?.name ?? '';
    if (spec.clusterIP === 'None') {
      spec.clusterIPs = ['None'];
    } else if (spec.clusterIP) {
      const n = ipToNumber(spec.clusterIP);
      const inRange = n !== undefined && ((n - SERVICE_CIDR.base) >>> 0) < SERVICE_CIDR.size;
      if (!inRange) {
        const msg = `Service "${name}" is invalid: spec.clusterIPs: Invalid value: []string{"${spec.clusterIP}"}: failed to allocate IP ${spec.clusterIP}: the provided IP (${spec.clusterIP}) is not in the valid range. The range of valid IPs is 10.96.0.0/12`;
        throw invalid('Service', '', name, [{ type: 'FieldValueInvalid', field: 'spec.clusterIPs', message: msg }], msg);
      }
      if (ips.has(n!)) {
        const msg = `Service "${name}" is invalid: spec.clusterIPs: Invalid value: []string{"${spec.clusterIP}"}: failed to allocate IP ${spec.clusterIP}: provided IP is already allocated`;
        throw invalid('Service', '', name, [{ type: 'FieldValueInvalid', field: 'spec.clusterIPs', message: msg }], msg);
      }
      spec.clusterIPs = [spec.clusterIP];
    } else {
      // Sequential from .10, as a person reading `kubectl get svc` expects low addresses first.
      let ip: number | undefined;
      for (let off = 10; off < SERVICE_CIDR.size - 1; off++) {
        if (!ips.has((SERVICE_CIDR.base + off) >>> 0)) {
          ip = (SERVICE_CIDR.base + off) >>> 0;
          break;
        }
      }
      if (ip === undefined) throw new StatusError(500, 'InternalError', 'Internal error occurred: failed to allocate a serviceIP: range is full');
      spec.clusterIP = ipToString(ip);
      spec.clusterIPs = [spec.clusterIP];
    }
    spec.ipFamilies ??= ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
    if (type === 'NodePort' || type === 'LoadBalancer') {
      let next = NODE_PORTS.min;
      for (const p of spec.ports ?? []) {
        if (p.nodePort) {
          if (ports.has(p.nodePort)) {
            const msg = `Service "${name}" is invalid: spec.ports[0].nodePort: Invalid value: ${p.nodePort}: provided port is already allocated`;
            throw invalid('Service', '', name, [{ type: 'FieldValueInvalid', field: 'spec.ports[0].nodePort', message: msg }], msg);
          }
          ports.add(p.nodePort);
          continue;
        }
        while (ports.has(next) && next <= NODE_PORTS.max) next++;
        if (next > NODE_PORTS.max) throw new StatusError(500, 'InternalError', 'Internal error occurred: failed to allocate a nodePort: range is full');
        p.nodePort = next;
        ports.add(next);
      }
    }
  }
}

/** The `kubernetes` Service in `default`, at the first address of the range. */
export async function ensureKubernetesService(rest: ResourceStore, info: ResourceInfo, port: number): Promise<void> {
  await rest
    .create(info, 'default', {
      metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: {
        type: 'ClusterIP',
        clusterIP: ipToString((SERVICE_CIDR.base + 1) >>> 0),
        clusterIPs: [ipToString((SERVICE_CIDR.base + 1) >>> 0)],
        ipFamilies: ['IPv4'],
        ipFamilyPolicy: 'SingleStack',
        ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }],
        sessionAffinity: 'None',
      },
    })
    .catch(ignoreAlreadyExists);
}
