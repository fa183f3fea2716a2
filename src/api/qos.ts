// A pod's quality-of-service class (status.qosClass), as upstream's GetPodQOS computes it from
// the containers' (and init containers') cpu and memory requests and limits, or from
// pod-level resources when they are set.
import { parseQuantity } from './validation/quantity.ts';

type Obj = Record<string, any>;
const COMPUTE = ['cpu', 'memory'] as const;

export type QosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

export function podQos(spec: Obj | undefined): QosClass {
  // Runs before validation, so it must take any shape of spec without throwing.
  const list = (v: unknown): Obj[] => (Array.isArray(v) ? v : []);
  const sets = spec?.resources ? [spec.resources as Obj] : [...list(spec?.initContainers), ...list(spec?.containers)].map((c: Obj) => (c?.resources ?? {}) as Obj);
  const nonZero = (v: unknown) => {
    try {
      return v !== undefined && v !== null && parseQuantity(v as string).sign() > 0;
    } catch {
      return false;
    }
  };
  let any = false;
  let guaranteed = true;
  for (const r of sets) {
    for (const name of COMPUTE) {
      const req = r.requests?.[name];
      const lim = r.limits?.[name];
      if (nonZero(req) || nonZero(lim)) any = true;
      if (!nonZero(lim)) guaranteed = false;
      else if (req !== undefined && nonZero(req) && parseQuantity(req).cmp(parseQuantity(lim)) !== 0) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
