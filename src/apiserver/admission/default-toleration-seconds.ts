// DefaultTolerationSeconds: every pod gets bounded tolerations for the two taints the node
// lifecycle controller puts on failed nodes, so that its pods are evicted after a while instead of
// at once (or never), unless the pod already says how it tolerates them.
import type { Obj } from '../rest.ts';
import type { AdmissionAttributes, AdmissionPlugin } from './index.ts';

export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';
/** Upstream's --default-not-ready-toleration-seconds and --default-unreachable-toleration-seconds. */
export const DEFAULT_TOLERATION_SECONDS = 300;

export interface DefaultTolerationSecondsOptions {
  notReadySeconds?: number;
  unreachableSeconds?: number;
}

// An empty key or effect is a wildcard: such a toleration already covers the taint, whatever its
// operator or tolerationSeconds (upstream looks at key and effect only).
const covers = (t: Obj, key: string) => (t?.key === key || !t?.key) && (t?.effect === 'NoExecute' || !t?.effect);

export function defaultTolerationSeconds(o: DefaultTolerationSecondsOptions = {}): AdmissionPlugin {
  const notReady = o.notReadySeconds ?? DEFAULT_TOLERATION_SECONDS;
  const unreachable = o.unreachableSeconds ?? DEFAULT_TOLERATION_SECONDS;
  return {
    name: 'DefaultTolerationSeconds',
    async admit(a: AdmissionAttributes) {
      if (a.operation === 'DELETE' || a.info.group !== '' || a.info.resource !== 'pods' || a.subresource || !a.object) return;
      const spec: Obj = (a.object.spec ??= {});
      const tolerations: Obj[] = Array.isArray(spec.tolerations) ? spec.tolerations : [];
      const add: Obj[] = [];
      if (!tolerations.some((t) => covers(t, TAINT_NODE_NOT_READY))) {
        add.push({ key: TAINT_NODE_NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: notReady });
      }
      if (!tolerations.some((t) => covers(t, TAINT_NODE_UNREACHABLE))) {
        add.push({ key: TAINT_NODE_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: unreachable });
      }
      if (add.length) spec.tolerations = [...tolerations, ...add];
    },
  };
}
