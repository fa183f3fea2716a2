// CustomResourceDefinitions: what apiextensions-apiserver's controllers do, in-process. A CRD
// that is written gets its names accepted and is Established at once (its resources join the
// registry, so discovery, OpenAPI and the handlers serve them); a CRD being deleted first
// loses every custom resource it defines (the customresourcecleanup finalizer), then goes.

import { StatusError, ignoreNotFound } from '../api/errors.ts';
import { crdDefinitionName } from '../api/openapi/catalogue.ts';
import type { OpenAPIService } from '../api/openapi/index.ts';
import type { Schema } from '../api/openapi/schema.ts';
import type { ResourceInfo, ResourceRegistry } from '../api/registry.ts';
import { rfc3339, type Obj, type ResourceStore } from './rest.ts';

export const CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';
const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** Kubernetes version priority: GA before beta before alpha, higher numbers first, then others by name. */
export function versionPriority(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return { rank: 3, major: 0, minor: 0 };
    return { rank: m[2] === undefined ? 0 : m[2] === 'beta' ? 1 : 2, major: Number(m[1]), minor: Number(m[3] ?? 0) };
  };
  const x = parse(a);
  const y = parse(b);
  if (x.rank !== y.rank) return x.rank - y.rank;
  if (x.rank === 3) return a.localeCompare(b);
  return y.major - x.major || y.minor - x.minor;
}

export interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema?: Obj;
  subresources?: { status?: Obj; scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string } };
  additionalPrinterColumns?: ResourceInfo['printerColumns'];
}

export function crdVersions(crd: Obj): CrdVersion[] {
  return [...((crd.spec?.versions ?? []) as CrdVersion[])].sort((a, b) => versionPriority(a.name, b.name));
}

/** The registry rows a CRD serves: one per served version. */
export function resourcesOf(crd: Obj): ResourceInfo[] {
  const spec = crd.spec ?? {};
  const names = spec.names ?? {};
  return crdVersions(crd)
    .filter((v) => v.served)
    .map((v) => ({
      group: spec.group,
      version: v.name,
      resource: names.plural,
      singular: names.singular || String(names.kind ?? '').toLowerCase(),
      kind: names.kind,
      listKind: names.listKind || `${names.kind}List`,
      namespaced: spec.scope !== 'Cluster',
      shortNames: names.shortNames ?? [],
      categories: names.categories ?? [],
      verbs: VERBS,
      subresources: [...(v.subresources?.status ? ['status'] : []), ...(v.subresources?.scale ? ['scale'] : [])],
      crd: crd.metadata.name,
      printerColumns: v.additionalPrinterColumns ?? [],
    }));
}

export class CrdManager {
  private served = new Map<string, ResourceInfo[]>();
  /** Versions and schemas of each CRD, for validation of its custom resources. */
  private byName = new Map<string, Obj>();
  private cleaning = new Set<string>();

  constructor(
    private readonly rest: ResourceStore,
    private readonly registry: ResourceRegistry,
    private readonly openapi: OpenAPIService | undefined,
    private readonly now: () => number,
  ) {}

  private get info(): ResourceInfo {
    return this.registry.get('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!;
  }

  /** Serves every CRD in the store (at start) and resumes clean-ups. */
  async load(): Promise<void> {
    for (const crd of (await this.rest.list(this.info, undefined)).items) await this.sync(crd);
  }

  crd(name: string): Obj | undefined {
    return this.byName.get(name);
  }

  /** The version entry of a custom resource's CRD. */
  versionOf(info: ResourceInfo): CrdVersion | undefined {
    const crd = info.crd ? this.byName.get(info.crd) : undefined;
    return crd ? crdVersions(crd).find((v) => v.name === info.version) : undefined;
  }

  /** Brings the registry (and the CRD's status) in line with a CRD just written or deleted. */
  async sync(crd: Obj | undefined, name = crd?.metadata?.name as string): Promise<void> {
    if (!crd) {
      this.unserve(name);
      return;
    }
    this.byName.set(name, crd);
    if (crd.metadata.deletionTimestamp) {
      this.startCleanup(name);
      return;
    }
    this.unserve(name, false);
    const infos = resourcesOf(crd);
    for (const info of infos) this.registry.add(info);
    this.served.set(name, infos);
    this.publishSchemas();
    await this.establish(crd);
  }

  private unserve(name: string, forget = true): void {
    if (this.served.has(name)) {
      this.registry.removeCrd(name);
      this.served.delete(name);
    }
    if (forget) this.byName.delete(name);
    this.publishSchemas();
  }

  private publishSchemas(): void {
    if (!this.openapi) return;
    const schemas: Record<string, Schema> = {};
    for (const crd of this.byName.values()) {
      const spec = crd.spec ?? {};
      for (const v of crdVersions(crd)) {
        if (!v.served || !v.schema?.openAPIV3Schema) continue;
        schemas[crdDefinitionName(spec.group, v.name, spec.names.kind)] = {
          ...(v.schema.openAPIV3Schema as Schema),
          'x-kubernetes-group-version-kind': [{ group: spec.group, version: v.name, kind: spec.names.kind }],
        } as Schema;
      }
    }
    this.openapi.setExtraSchemas(schemas);
  }

  /** NamesAccepted and Established, accepted names and stored versions, as upstream reports them. */
  private async establish(crd: Obj): Promise<void> {
    const established = (crd.status?.conditions ?? []).some((c: Obj) => c.type === 'Established' && c.status === 'True');
    if (established && (crd.metadata.finalizers ?? []).includes(CLEANUP_FINALIZER)) return;
    const time = rfc3339(this.now());
    const storage = crdVersions(crd).find((v) => v.storage)?.name;
    await this.rest
      .guaranteedUpdate(this.info, undefined, crd.metadata.name, (cur) => {
        // Set here, past validation, as upstream's own finalizer is.
        cur.metadata.finalizers = [...new Set([...(cur.metadata.finalizers ?? []), CLEANUP_FINALIZER])];
        cur.status = {
          conditions: [
            { type: 'NamesAccepted', status: 'True', lastTransitionTime: time, reason: 'NoConflicts', message: 'no conflicts found' },
            { type: 'Established', status: 'True', lastTransitionTime: time, reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' },
          ],
          acceptedNames: { ...cur.spec.names, singular: cur.spec.names.singular || String(cur.spec.names.kind).toLowerCase(), listKind: cur.spec.names.listKind || `${cur.spec.names.kind}List` },
          storedVersions: [...new Set([...(cur.status?.storedVersions ?? []), ...(storage ? [storage] : [])])],
        };
        return cur;
      })
      .catch(ignoreNotFound);
  }

  /** Deletes every custom resource of a CRD being deleted, then lets the CRD go. */
  private startCleanup(name: string): void {
    if (this.cleaning.has(name)) return;
    this.cleaning.add(name);
    void (async () => {
      try {
        for (const info of this.served.get(name) ?? []) {
          for (;;) {
            const items = (await this.rest.list(info, undefined)).items;
            if (items.length === 0) break;
            for (const item of items) {
              await this.rest.delete(info, item.metadata.namespace, item.metadata.name).catch(ignoreNotFound);
            }
            if (items.every((i) => i.metadata.deletionTimestamp)) await new Promise((r) => setTimeout(r, 200));
          }
          break; // all versions share one storage
        }
        const done = await this.rest.guaranteedUpdate(this.info, undefined, name, (cur) => {
          cur.metadata.finalizers = (cur.metadata.finalizers ?? []).filter((f: string) => f !== CLEANUP_FINALIZER);
          return cur;
        });
        if (!done.metadata.finalizers?.length) this.unserve(name);
      } catch (err) {
        if (!(err instanceof StatusError && err.code === 404)) throw err;
        this.unserve(name);
      } finally {
        this.cleaning.delete(name);
      }
    })();
  }
}

