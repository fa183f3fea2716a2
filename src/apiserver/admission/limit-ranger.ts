// LimitRanger: containers without requests or limits get the defaults of their namespace's
// LimitRanges (noted in the kubernetes.io/limit-ranger annotation), and pods and claims outside
// a LimitRange's min, max or limit/request ratio are refused.
import { StatusError } from '../../api/errors.ts';
import type { ResourceRegistry } from '../../api/registry.ts';
import { aggregateErrors, limitRangeClaim, limitRangePod } from '../quota/index.ts';
import type { ResourceStore } from '../rest.ts';
import { isPod, qualifiedName, type AdmissionAttributes, type AdmissionPlugin } from './index.ts';

export function limitRanger(rest: ResourceStore, registry: ResourceRegistry): AdmissionPlugin {
  const ranges = registry.get('', 'v1', 'limitranges')!;
  return {
    name: 'LimitRanger',
    async admit(a: AdmissionAttributes) {
      if (a.operation === 'DELETE' || !a.object || !a.namespace) return;
      const pod = isPod(a);
      const claim = a.info.group === '' && a.info.kind === 'PersistentVolumeClaim' && !a.subresource && a.operation === 'CREATE';
      if (!pod && !claim) return;
      if (pod && !(a.operation === 'CREATE' ? !a.subresource : a.subresource === 'resize')) return;
      const items = (await rest.list(ranges, a.namespace)).items;
      if (items.length === 0) return;
      const errors = pod ? limitRangePod(a.object, items, a.operation, a.subresource ?? '') : limitRangeClaim(a.object, items);
      if (errors.length > 0) {
        throw new StatusError(403, 'Forbidden', `${qualifiedName(a.info, a.object.metadata?.name ?? a.name)} is forbidden: ${aggregateErrors(errors)}`, {
          name: a.object.metadata?.name ?? a.name,
          kind: a.info.resource,
        });
      }
    },
  };
}
