// NamespaceLifecycle: nothing is created in a namespace that does not exist or is being
// deleted, and the system namespaces cannot be deleted.
import { StatusError, notFound } from '../../api/errors.ts';
import type { ResourceInfo } from '../../api/registry.ts';
import type { ResourceStore } from '../rest.ts';
import type { AdmissionAttributes, AdmissionPlugin } from './index.ts';

const IMMORTAL = new Set(['default', 'kube-system', 'kube-public']);

export function namespaceLifecycle(rest: ResourceStore, namespaces: ResourceInfo): AdmissionPlugin {
  return {
    name: 'NamespaceLifecycle',
    async admit(a: AdmissionAttributes) {
      if (a.operation === 'DELETE' && a.info === namespaces && a.name && IMMORTAL.has(a.name)) {
        throw new StatusError(403, 'Forbidden', `namespaces "${a.name}" is forbidden: this namespace may not be deleted`, {
          name: a.name,
          kind: 'namespaces',
        });
      }
      if (a.operation !== 'CREATE' || !a.info.namespaced || !a.namespace) return;
      let ns;
      try {
        ns = await rest.get(namespaces, undefined, a.namespace);
      } catch (err) {
        if (err instanceof StatusError && err.code === 404) throw notFound({ group: '', resource: 'namespaces' }, a.namespace);
        throw err;
      }
      if (ns.metadata?.deletionTimestamp) {
        const what = `${a.info.group ? `${a.info.resource}.${a.info.group}` : a.info.resource} "${a.object?.metadata?.name ?? a.name ?? ''}"`;
        throw new StatusError(
          403,
          'Forbidden',
          `${what} is forbidden: unable to create new content in namespace ${a.namespace} because it is being terminated`,
          { name: a.object?.metadata?.name ?? a.name, ...(a.info.group ? { group: a.info.group } : {}), kind: a.info.resource },
        );
      }
    },
  };
}
