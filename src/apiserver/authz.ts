// Authorization with RBAC (src/auth/rbac): the roles and bindings are read from storage into a
// cache that any write to rbac.authorization.k8s.io invalidates, and the bootstrap policy
// (cluster-admin for system:masters, view/edit/admin, the system:* roles) is created at start.

import { StatusError, ignoreAlreadyExists } from '../api/errors.ts';
import type { ResourceInfo, ResourceRegistry } from '../api/registry.ts';
import { authorize, forbiddenMessage, type Attributes, type Decision, type PolicySource } from '../auth/rbac/authorizer.ts';
import { authorizeNode, union, type NodeGraph } from '../auth/node/index.ts';
import { bootstrapPolicy } from '../auth/rbac/policy.ts';
import type { UserInfo } from './authn.ts';
import type { Obj, ResourceStore } from './rest.ts';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

export class RbacPolicy implements PolicySource {
  private loaded:
    | { clusterRoles: Obj[]; clusterRoleBindings: Obj[]; roles: Map<string, Obj[]>; roleBindings: Map<string, Obj[]> }
    | undefined;
  private loading: Promise<void> | undefined;
  /** The Node authorizer, asked first (`--authorization-mode=Node,RBAC`). */
  private node: { graph: NodeGraph; rules: object[] } | undefined;

  constructor(
    private readonly rest: ResourceStore,
    private readonly registry: ResourceRegistry,
  ) {}

  private info(resource: string): ResourceInfo {
    return this.registry.get(RBAC_GROUP, 'v1', resource)!;
  }

  /** Creates the default roles and bindings that are missing. */
  async bootstrap(): Promise<void> {
    const p = bootstrapPolicy();
    const put = async (resource: string, objs: object[]) => {
      for (const o of objs as Obj[]) {
        await this.rest.create(this.info(resource), o.metadata?.namespace, structuredClone(o)).catch(ignoreAlreadyExists);
      }
    };
    await put('clusterroles', p.clusterRoles);
    await put('clusterrolebindings', p.clusterRoleBindings);
    await put('roles', p.roles);
    await put('rolebindings', p.roleBindings);
    this.invalidate();
  }

  withNodeAuthorizer(graph: NodeGraph): this {
    const role = bootstrapPolicy().clusterRoles.find((r) => (r as Obj).metadata?.name === 'system:node') as Obj;
    this.node = { graph, rules: role.rules };
    return this;
  }

  /** Node authorizer, then RBAC: allowed, or why not. */
  async decide(attrs: Attributes): Promise<Decision> {
    await this.ready();
    if (!this.node) return authorize(attrs, this);
    const first = await authorizeNode(attrs, this.node.rules as never, this.node.graph);
    return union(first, () => authorize(attrs, this));
  }

  invalidate(): void {
    this.loaded = undefined;
  }

  /** Loads the policy if a write made it stale; call before using the sync accessors. */
  async ready(): Promise<void> {
    while (!this.loaded) {
      this.loading ??= (async () => {
        const [cr, crb, r, rb] = await Promise.all(
          ['clusterroles', 'clusterrolebindings', 'roles', 'rolebindings'].map((res) => this.rest.list(this.info(res), undefined)),
        );
        const byNs = (items: Obj[]) => {
          const m = new Map<string, Obj[]>();
          for (const i of items) {
            const ns = i.metadata?.namespace ?? '';
            if (!m.has(ns)) m.set(ns, []);
            m.get(ns)!.push(i);
          }
          return m;
        };
        this.loaded = { clusterRoles: cr!.items, clusterRoleBindings: crb!.items, roles: byNs(r!.items), roleBindings: byNs(rb!.items) };
      })().finally(() => (this.loading = undefined));
      await this.loading;
    }
  }

  clusterRoles(): object[] {
    return this.loaded?.clusterRoles ?? [];
  }
  clusterRoleBindings(): object[] {
    return this.loaded?.clusterRoleBindings ?? [];
  }
  roles(namespace: string): object[] {
    return this.loaded?.roles.get(namespace) ?? [];
  }
  roleBindings(namespace: string): object[] {
    return this.loaded?.roleBindings.get(namespace) ?? [];
  }

  /** Throws upstream's 403 unless RBAC allows the request. */
  async check(attrs: Attributes, gr: { group: string; resource: string }): Promise<void> {
    const d = await this.decide(attrs);
    if (!d.allowed) {
      const message = forbiddenMessage(attrs, gr, d.reason);
      const details = attrs.resourceRequest
        ? { ...(attrs.name ? { name: attrs.name } : {}), ...(gr.group ? { group: gr.group } : {}), kind: gr.resource }
        : undefined;
      throw new StatusError(403, 'Forbidden', message, details);
    }
  }
}

export function userOf(u: UserInfo): { username: string; groups: string[] } {
  return { username: u.username, groups: u.groups };
}
