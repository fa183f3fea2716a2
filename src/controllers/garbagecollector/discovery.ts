// What the server serves, read the way client-go's discovery client reads it (the legacy
// documents /api, /api/v1, /apis, /apis/<g>/<v>), for controllers that act on every resource:
// the garbage collector and the namespace controller. CRDs appear here once served, so callers
// refresh on a period.
import type { Client, Resource } from '../../client/index.ts';

type Obj = Record<string, any>;

export interface DiscoveredResource extends Resource {
  verbs: readonly string[];
  /** True when this group/version is the group's preferred version. */
  preferred: boolean;
}

export interface DiscoveryResult {
  /** Every top-level resource (no subresources) of every served version. */
  all: DiscoveredResource[];
  /** Group versions whose document could not be read, with why (upstream's ErrGroupDiscoveryFailed). */
  failed: Map<string, unknown>;
}

/** The group-version string as upstream spells it: `v1` for the core group, `<g>/<v>` otherwise. */
export function gvString(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

export async function discover(client: Client): Promise<DiscoveryResult> {
  const versions: Array<{ group: string; version: string; preferred: boolean }> = [];
  const core = (await client.request('GET', '/api')) as Obj;
  for (const v of core?.versions ?? []) versions.push({ group: '', version: String(v), preferred: v === core.versions[0] });
  const groups = (await client.request('GET', '/apis')) as Obj;
  for (const g of groups?.groups ?? []) {
    const preferred = g.preferredVersion?.version ?? g.versions?.[0]?.version;
    for (const v of g.versions ?? []) versions.push({ group: g.name, version: v.version, preferred: v.version === preferred });
  }
  const failed = new Map<string, unknown>();
  const lists = await Promise.all(
    versions.map(async (gv) => {
      const path = gv.group ? `/apis/${gv.group}/${gv.version}` : `/api/${gv.version}`;
      try {
        return { gv, list: (await client.request('GET', path)) as Obj };
      } catch (err) {
        failed.set(gvString(gv.group, gv.version), err);
        return { gv, list: undefined };
      }
    }),
  );
  const all: DiscoveredResource[] = [];
  for (const { gv, list } of lists) {
    for (const r of list?.resources ?? []) {
      if (typeof r.name !== 'string' || r.name.includes('/')) continue;
      all.push({ group: gv.group, version: gv.version, resource: r.name, kind: r.kind, namespaced: !!r.namespaced, verbs: r.verbs ?? [], preferred: gv.preferred });
    }
  }
  return { all, failed };
}

/** The preferred version of each resource that supports every verb in `verbs`. */
export function preferredWith(all: readonly DiscoveredResource[], verbs: readonly string[]): DiscoveredResource[] {
  return all.filter((r) => r.preferred && verbs.every((v) => r.verbs.includes(v)));
}

export function resourceId(r: Resource): string {
  return `${r.group}/${r.version}/${r.resource}`;
}
