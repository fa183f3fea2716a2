// Discovery: the legacy documents (/api, /apis, /api/v1, /apis/{g}, /apis/{g}/{v}) and the
// aggregated form (apidiscovery.k8s.io/v2 APIGroupDiscoveryList) that kubectl 1.35 asks for
// first. Both are computed from the registry, so a CRD appears in both as soon as it is served.

import { groupVersion, type ResourceInfo, type ResourceRegistry } from '../api/registry.ts';

interface SubInfo {
  verbs: string[];
  kind?: string;
  group?: string;
  version?: string;
}

/** What each subresource accepts and returns, as upstream registers them. */
const SUBRESOURCES: Record<string, SubInfo> = {
  status: { verbs: ['get', 'patch', 'update'] },
  scale: { verbs: ['get', 'patch', 'update'], kind: 'Scale', group: 'autoscaling', version: 'v1' },
  binding: { verbs: ['create'], kind: 'Binding', group: '', version: 'v1' },
  eviction: { verbs: ['create'], kind: 'Eviction', group: 'policy', version: 'v1' },
  log: { verbs: ['get'] },
  exec: { verbs: ['create', 'get'], kind: 'PodExecOptions', group: '', version: 'v1' },
  attach: { verbs: ['create', 'get'], kind: 'PodAttachOptions', group: '', version: 'v1' },
  portforward: { verbs: ['create', 'get'], kind: 'PodPortForwardOptions', group: '', version: 'v1' },
  proxy: { verbs: ['create', 'delete', 'get', 'patch', 'update'] },
  ephemeralcontainers: { verbs: ['get', 'patch', 'update'] },
  resize: { verbs: ['get', 'patch', 'update'] },
  token: { verbs: ['create'], kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1' },
  finalize: { verbs: ['update'] },
  approval: { verbs: ['get', 'patch', 'update'] },
};

function subKind(info: ResourceInfo, sub: string): { kind: string; group: string; version: string } {
  const s = SUBRESOURCES[sub];
  const kind = s?.kind ?? (sub === 'proxy' ? `${info.kind}ProxyOptions` : info.kind);
  return { kind, group: s?.group ?? info.group, version: s?.version ?? info.version };
}

function subVerbs(sub: string): string[] {
  return SUBRESOURCES[sub]?.verbs ?? ['get'];
}

export const DISCOVERY_V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

export function apiVersions(serverAddress: string): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupDoc(g: { group: string; versions: string[] }): object {
  const versions = g.versions.map((version) => ({ groupVersion: `${g.group}/${version}`, version }));
  return { name: g.group, versions, preferredVersion: versions[0] };
}

export function apiGroupList(registry: ResourceRegistry): object {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: registry
      .groups()
      .filter((g) => g.group !== '')
      .map(groupDoc),
  };
}

export function apiGroup(registry: ResourceRegistry, group: string): object | undefined {
  const g = registry.groups().find((x) => x.group === group);
  return g && g.group !== '' ? { kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(g) } : undefined;
}

export function apiResourceList(registry: ResourceRegistry, group: string, version: string): object | undefined {
  const infos = registry.resources(group, version);
  if (infos.length === 0) return undefined;
  const resources: object[] = [];
  for (const r of infos.sort((a, b) => a.resource.localeCompare(b.resource))) {
    resources.push({
      name: r.resource,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
      ...(r.categories.length ? { categories: r.categories } : {}),
    });
    for (const sub of r.subresources) {
      const k = subKind(r, sub);
      resources.push({
        name: `${r.resource}/${sub}`,
        singularName: '',
        namespaced: r.namespaced,
        ...(k.group !== r.group || k.version !== r.version ? { group: k.group, version: k.version } : {}),
        kind: k.kind,
        verbs: subVerbs(sub),
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion({ group, version }), resources };
}

/** The aggregated discovery document for the core group (/api) or every other group (/apis). */
export function aggregated(registry: ResourceRegistry, core: boolean): object {
  const items = registry
    .groups()
    .filter((g) => (g.group === '') === core)
    .map((g) => ({
      metadata: { name: g.group, creationTimestamp: null },
      versions: g.versions.map((version) => ({
        version,
        resources: registry
          .resources(g.group, version)
          .sort((a, b) => a.resource.localeCompare(b.resource))
          .map((r) => ({
            resource: r.resource,
            responseKind: { group: r.group, version: r.version, kind: r.kind },
            scope: r.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: r.singular,
            verbs: r.verbs,
            ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
            ...(r.categories.length ? { categories: r.categories } : {}),
            ...(r.subresources.length
              ? {
                  subresources: r.subresources.map((sub) => ({
                    subresource: sub,
                    responseKind: subKind(r, sub),
                    verbs: subVerbs(sub),
                  })),
                }
              : {}),
          })),
        freshness: 'Current',
      })),
    }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
}
