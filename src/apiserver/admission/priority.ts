// Priority: a Pod's spec.priority comes from its PriorityClass (or the global default class,
// or 0), never from the client; the two system classes exist from the start.
import { StatusError, ignoreAlreadyExists } from '../../api/errors.ts';
import type { ResourceRegistry } from '../../api/registry.ts';
import type { Obj, ResourceStore } from '../rest.ts';
import type { AdmissionAttributes, AdmissionPlugin } from './index.ts';

export const SYSTEM_PRIORITY_CLASSES = [
  { name: 'system-node-critical', value: 2000001000, description: 'Used for system critical pods that must not be moved from their current node.' },
  { name: 'system-cluster-critical', value: 2000000000, description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.' },
];

export async function ensureSystemPriorityClasses(rest: ResourceStore, registry: ResourceRegistry): Promise<void> {
  const info = registry.get('scheduling.k8s.io', 'v1', 'priorityclasses')!;
  for (const pc of SYSTEM_PRIORITY_CLASSES) {
    await rest
      .create(info, undefined, { metadata: { name: pc.name }, value: pc.value, description: pc.description, preemptionPolicy: 'PreemptLowerPriority' })
      .catch(ignoreAlreadyExists);
  }
}

export function priority(rest: ResourceStore, registry: ResourceRegistry): AdmissionPlugin {
  const classes = () => registry.get('scheduling.k8s.io', 'v1', 'priorityclasses')!;
  return {
    name: 'Priority',
    async admit(a: AdmissionAttributes) {
      if (a.operation !== 'CREATE' || a.info.group !== '' || a.info.kind !== 'Pod' || a.subresource || !a.object) return;
      const spec: Obj = (a.object.spec ??= {});
      let value = 0;
      let policy = 'PreemptLowerPriority';
      let className: string | undefined = spec.priorityClassName || undefined;
      if (className) {
        const pc = await rest.get(classes(), undefined, className).catch(() => undefined);
        if (!pc) {
          throw new StatusError(403, 'Forbidden', `pods "${a.object.metadata?.name ?? ''}" is forbidden: no PriorityClass with name ${className} was found`, {
            name: a.object.metadata?.name,
            kind: 'pods',
          });
        }
        value = pc.value ?? 0;
        policy = pc.preemptionPolicy ?? policy;
      } else {
        const global = (await rest.list(classes(), undefined)).items.find((pc) => pc.globalDefault === true);
        if (global) {
          className = global.metadata.name;
          value = global.value ?? 0;
          policy = global.preemptionPolicy ?? policy;
          spec.priorityClassName = className;
        }
      }
      if (spec.priority !== undefined && spec.priority !== null && spec.priority !== value) {
        throw new StatusError(
          403,
          'Forbidden',
          `pods "${a.object.metadata?.name ?? ''}" is forbidden: the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${value} from the given PriorityClass name`,
          { name: a.object.metadata?.name, kind: 'pods' },
        );
      }
      spec.priority = value;
      spec.preemptionPolicy = policy;
    },
  };
}
