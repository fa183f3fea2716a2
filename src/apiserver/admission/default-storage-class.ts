// DefaultStorageClass: a claim that names no storage class gets the class marked default
// (annotation storageclass.kubernetes.io/is-default-class: "true"; the newest if several).
import type { ResourceRegistry } from '../../api/registry.ts';
import type { ResourceStore } from '../rest.ts';
import type { AdmissionAttributes, AdmissionPlugin } from './index.ts';

export const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';

export function defaultStorageClass(rest: ResourceStore, registry: ResourceRegistry): AdmissionPlugin {
  return {
    name: 'DefaultStorageClass',
    async admit(a: AdmissionAttributes) {
      if (a.operation !== 'CREATE' || a.info.group !== '' || a.info.kind !== 'PersistentVolumeClaim' || a.subresource || !a.object) return;
      const spec = (a.object.spec ??= {});
      // An explicit class, even "" (no class), is the claim's own choice.
      if (spec.storageClassName !== undefined && spec.storageClassName !== null) return;
      const classes = (await rest.list(registry.get('storage.k8s.io', 'v1', 'storageclasses')!, undefined)).items;
      const defaults = classes
        .filter((c) => c.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true')
        .sort((x, y) => String(y.metadata.creationTimestamp).localeCompare(String(x.metadata.creationTimestamp)) || String(x.metadata.name).localeCompare(String(y.metadata.name)));
      if (defaults[0]) spec.storageClassName = defaults[0].metadata.name;
    },
  };
}
