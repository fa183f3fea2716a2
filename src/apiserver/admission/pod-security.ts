// PodSecurity: the Pod Security Standards level a namespace's labels ask for
// (pod-security.kubernetes.io/enforce, audit, warn) applied to pods (enforced) and to the pod
// templates of workloads (warned and audited only, as upstream), plus the checks on the labels
// themselves and the warnings when a namespace tightens its enforce level over running pods.
import { StatusError } from '../../api/errors.ts';
import type { ResourceRegistry } from '../../api/registry.ts';
import {
  checkPod,
  enforceNeedsPodCheck,
  isSignificantPodUpdate,
  levelVersionString,
  namespaceChangeWarnings,
  namespaceLabelsError,
  podSpecOf,
  policyFromLabels,
  violationMessage,
  wouldViolateMessage,
  type LevelVersion,
} from '../../auth/podsecurity/index.ts';
import type { ResourceStore } from '../rest.ts';
import { isPod, qualifiedName, type AdmissionAttributes, type AdmissionPlugin } from './index.ts';

/** Subresources that carry no pod spec change, which upstream lets through unchecked. */
const IGNORED_SUBRESOURCES = new Set(['exec', 'attach', 'binding', 'eviction', 'log', 'portforward', 'proxy', 'status']);

export function podSecurity(rest: ResourceStore, registry: ResourceRegistry): AdmissionPlugin {
  const namespaces = registry.get('', 'v1', 'namespaces')!;
  const pods = registry.get('', 'v1', 'pods')!;
  return {
    name: 'PodSecurity',
    async validate(a: AdmissionAttributes) {
      if (a.operation === 'DELETE' || !a.object) return;
      if (a.info === namespaces) {
        if (a.subresource) return;
        const err = namespaceLabelsError(a.object.metadata?.name ?? '', a.object.metadata?.labels, a.oldObject?.metadata?.labels);
        if (err) throw err;
        if (a.operation !== 'UPDATE' || !a.oldObject) return;
        const next = policyFromLabels(a.object.metadata?.labels).policy;
        if (next.enforce.level === 'privileged' || !enforceNeedsPodCheck(policyFromLabels(a.oldObject.metadata?.labels).policy, next)) return;
        const running = (await rest.list(pods, a.object.metadata.name)).items;
        a.warnings.push(...namespaceChangeWarnings(a.object.metadata.name, next.enforce, running));
        return;
      }
      if (!a.namespace || (a.subresource && IGNORED_SUBRESOURCES.has(a.subresource))) return;
      const pod = isPod(a);
      const template = pod ? { metadata: a.object.metadata, spec: a.object.spec } : podSpecOf(a.info.group, a.info.kind, a.object);
      if (!template) return;
      if (a.operation === 'UPDATE' && a.oldObject) {
        if (pod ? !isSignificantPodUpdate(a.object, a.oldObject) : !templateChanged(a.info.group, a.info.kind, a.object, a.oldObject)) return;
      }
      const ns = await rest.get(namespaces, undefined, a.namespace).catch(() => undefined);
      const { policy } = policyFromLabels(ns?.metadata?.labels);
      const evaluate = (lv: LevelVersion) => (lv.level === 'privileged' ? [] : checkPod(lv, template.metadata, template.spec));
      if (pod) {
        a.annotations['pod-security.kubernetes.io/enforce-policy'] = levelVersionString(policy.enforce);
        const v = evaluate(policy.enforce);
        if (v.length > 0) {
          throw new StatusError(403, 'Forbidden', `${qualifiedName(a.info, a.object.metadata?.name ?? a.name)} is forbidden: ${violationMessage(policy.enforce, v)}`, {
            name: a.object.metadata?.name ?? a.name,
            kind: a.info.resource,
          });
        }
      }
      const audit = evaluate(policy.audit);
      if (audit.length > 0) a.annotations['pod-security.kubernetes.io/audit-violations'] = wouldViolateMessage(policy.audit, audit);
      const warn = evaluate(policy.warn);
      if (warn.length > 0) a.warnings.push(wouldViolateMessage(policy.warn, warn));
    },
  };
}

function templateChanged(group: string, kind: string, next: Record<string, any>, old: Record<string, any>): boolean {
  return JSON.stringify(podSpecOf(group, kind, next)) !== JSON.stringify(podSpecOf(group, kind, old));
}
