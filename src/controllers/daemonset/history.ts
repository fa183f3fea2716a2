// ControllerRevision helpers shared by the DaemonSet and StatefulSet controllers (upstream
// pkg/controller/history): a revision snapshots the pod template as a strategic-merge patch
// `{"spec":{"template":{..., "$patch":"replace"}}}` and is named `<owner>-<hash>`.
import type { Client, Resource } from '../../client/index.ts';
import { computeHash } from '../deployment/util.ts';
import { controllerRefOf, stableJson } from '../util.ts';

type Obj = Record<string, any>;

export const CONTROLLER_REVISION_HASH = 'controller-revision-hash';

export const controllerRevisions: Resource = Object.freeze({ group: 'apps', version: 'v1', resource: 'controllerrevisions', kind: 'ControllerRevision', namespaced: true });

/** The revision's data: the template, replacing (not merging into) the owner's. */
export function templatePatch(template: Obj): Obj {
  return { spec: { template: { ...structuredClone(template ?? {}), $patch: 'replace' } } };
}

/** Upstream's ControllerRevisionName: the prefix is cut to 223 characters so the name fits 253. */
export function revisionName(owner: string, hash: string): string {
  return `${owner.length > 223 ? owner.slice(0, 223) : owner}-${hash}`;
}

export function revisionHash(template: Obj, collisionCount?: number): string {
  return computeHash(templatePatch(template), collisionCount);
}

export const sameData = (a: Obj, b: Obj): boolean => stableJson(a.data ?? {}) === stableJson(b.data ?? {});

export function ownedRevisions(all: Obj[], owner: Obj): Obj[] {
  return all.filter((r) => controllerRefOf(r)?.uid === owner.metadata.uid).sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
}

export const nextRevision = (revs: Obj[]): number => revs.reduce((m, r) => Math.max(m, r.revision ?? 0), 0) + 1;

/**
 * Finds or creates the revision for the owner's current template. An existing revision with
 * the same data is reused (its number bumped when it is not the newest, a rollback); a name
 * taken by different data is a hash collision: `collisionCount` grows and the caller retries.
 */
export async function ensureRevision(o: {
  client: Client;
  owner: Obj;
  kind: string;
  revisions: Obj[];
  collisionCount: number;
  labels: Record<string, string>;
}): Promise<{ revision: Obj; collisionCount: number }> {
  const { owner } = o;
  const data = templatePatch(owner.spec.template);
  let collisionCount = o.collisionCount;
  const next = nextRevision(o.revisions);
  const equal = o.revisions.filter((r) => sameData(r, { data }));
  if (equal.length) {
    const r = equal[equal.length - 1]!;
    if ((r.revision ?? 0) === next - 1) return { revision: r, collisionCount };
    const updated = await o.client.update(controllerRevisions, owner.metadata.namespace, { ...r, revision: next });
    return { revision: updated, collisionCount };
  }
  for (;;) {
    const hash = computeHash(data, collisionCount);
    const name = revisionName(owner.metadata.name, hash);
    const rev = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name,
        namespace: owner.metadata.namespace,
        labels: { ...o.labels, [CONTROLLER_REVISION_HASH]: hash },
        // Upstream copies the owner's annotations onto each revision.
        ...(owner.metadata.annotations ? { annotations: { ...owner.metadata.annotations } } : {}),
        ownerReferences: [{ apiVersion: 'apps/v1', kind: o.kind, name: owner.metadata.name, uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true }],
      },
      data,
      revision: next,
    };
    try {
      return { revision: await o.client.create(controllerRevisions, owner.metadata.namespace, rev), collisionCount };
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
      const existing = await o.client.get(controllerRevisions, owner.metadata.namespace, name);
      if (controllerRefOf(existing)?.uid === owner.metadata.uid && sameData(existing, rev)) return { revision: existing, collisionCount };
      collisionCount++;
    }
  }
}

/** Deletes the oldest revisions not in `live` beyond `limit` (revisionHistoryLimit, default 10). */
export async function truncateHistory(client: Client, revisions: Obj[], live: Set<string>, limit: number): Promise<void> {
  const old = revisions.filter((r) => !live.has(r.metadata.name));
  const excess = old.length - limit;
  for (let i = 0; i < excess; i++) {
    const r = old[i]!;
    try {
      await client.delete(controllerRevisions, r.metadata.namespace, r.metadata.name);
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
    }
  }
}
