// NodeRestriction: what a kubelet may write. It may create only mirror pods bound to itself,
// change the status of, evict or delete only pods bound to itself, and create or modify only
// its own Node object, without touching node-restriction.kubernetes.io/ labels.
import { StatusError } from '../../api/errors.ts';
import { nodeIdentity } from '../../auth/node/index.ts';
import type { Obj } from '../rest.ts';
import { qualifiedName, type AdmissionAttributes, type AdmissionPlugin } from './index.ts';

const MIRROR = 'kubernetes.io/config.mirror';
const RESTRICTED_LABEL_PREFIX = 'node-restriction.kubernetes.io/';

export function nodeRestriction(): AdmissionPlugin {
  return {
    name: 'NodeRestriction',
    async validate(a: AdmissionAttributes) {
      const node = nodeIdentity(a.user);
      if (node === undefined) return;
      const refuse = (why: string) => {
        const name = a.object?.metadata?.name ?? a.name;
        throw new StatusError(403, 'Forbidden', `${qualifiedName(a.info, name)} is forbidden: ${why}`, {
          ...(name ? { name } : {}),
          ...(a.info.group ? { group: a.info.group } : {}),
          kind: a.info.resource,
        });
      };
      if (node === '') refuse(`could not determine node from user "${a.user.username}"`);
      if (a.info.group !== '') return;
      if (a.info.kind === 'Pod') pod(a, node, refuse);
      else if (a.info.kind === 'Node') nodeObject(a, node, refuse);
    },
  };
}

function pod(a: AdmissionAttributes, node: string, refuse: (why: string) => never): void {
  const bound = (p: Obj | undefined) => p?.spec?.nodeName === node;
  if (!a.subresource) {
    if (a.operation === 'CREATE') {
      if (a.object?.metadata?.annotations?.[MIRROR] === undefined) refuse(`pod does not have "${MIRROR}" annotation, node "${node}" can only create mirror pods`);
      if (!bound(a.object)) refuse(`node "${node}" can only create pods with spec.nodeName set to itself`);
    } else if (a.operation === 'DELETE') {
      if (!bound(a.oldObject)) refuse(`node "${node}" can only delete pods with spec.nodeName set to itself`);
    } else {
      refuse(`node "${node}" can only create and delete pods`);
    }
    return;
  }
  if (a.subresource === 'status' && !bound(a.oldObject)) refuse(`node "${node}" can only update pod status for pods with spec.nodeName set to itself`);
  if (a.subresource === 'eviction' && !bound(a.oldObject ?? a.object)) refuse(`node "${node}" can only evict pods with spec.nodeName set to itself`);
}

function nodeObject(a: AdmissionAttributes, node: string, refuse: (why: string) => never): void {
  const target = a.object?.metadata?.name ?? a.oldObject?.metadata?.name ?? a.name;
  if (target !== node) refuse(`node "${node}" is not allowed to modify node "${target}"`);
  if (a.operation === 'DELETE' || a.subresource) return;
  const labels: Record<string, string> = a.object?.metadata?.labels ?? {};
  const old: Record<string, string> = a.oldObject?.metadata?.labels ?? {};
  const changed = [...new Set([...Object.keys(labels), ...Object.keys(old)])].filter((k) => k.startsWith(RESTRICTED_LABEL_PREFIX) && labels[k] !== old[k]);
  if (changed.length > 0) refuse(`is not allowed to modify labels: ${changed.sort().join(', ')}`);
  if (a.operation === 'UPDATE' && JSON.stringify(a.object?.spec?.taints ?? []) !== JSON.stringify(a.oldObject?.spec?.taints ?? [])) {
    refuse(`node "${node}" is not allowed to modify taints`);
  }
}
