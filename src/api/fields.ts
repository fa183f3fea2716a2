// The fields each kind can be selected by (`--field-selector`), as kube-apiserver exposes
// them through each registry's GetAttrs / field label conversion. Anything else is refused
// with upstream's "field label not supported" error.

import { badRequest } from './errors.ts';
import type { FieldRequirement } from './selectors.ts';

type Obj = Record<string, any>;

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

type FieldSet = Record<string, (o: Obj) => string>;

const META: FieldSet = {
  'metadata.name': (o) => str(o.metadata?.name),
  'metadata.namespace': (o) => str(o.metadata?.namespace),
};

const BY_KIND: Record<string, FieldSet> = {
  '/Pod': {
    'spec.nodeName': (o) => str(o.spec?.nodeName),
    'spec.restartPolicy': (o) => str(o.spec?.restartPolicy),
    'spec.schedulerName': (o) => str(o.spec?.schedulerName),
    'spec.serviceAccountName': (o) => str(o.spec?.serviceAccountName),
    'spec.hostNetwork': (o) => str(o.spec?.hostNetwork ?? false),
    'status.phase': (o) => str(o.status?.phase),
    'status.podIP': (o) => str(o.status?.podIP),
    'status.nominatedNodeName': (o) => str(o.status?.nominatedNodeName),
  },
  '/Event': {
    'involvedObject.kind': (o) => str(o.involvedObject?.kind),
    'involvedObject.namespace': (o) => str(o.involvedObject?.namespace),
    'involvedObject.name': (o) => str(o.involvedObject?.name),
    'involvedObject.uid': (o) => str(o.involvedObject?.uid),
    'involvedObject.apiVersion': (o) => str(o.involvedObject?.apiVersion),
    'involvedObject.resourceVersion': (o) => str(o.involvedObject?.resourceVersion),
    'involvedObject.fieldPath': (o) => str(o.involvedObject?.fieldPath),
    reason: (o) => str(o.reason),
    reportingComponent: (o) => str(o.reportingComponent),
    source: (o) => str(o.source?.component ?? o.reportingComponent),
    type: (o) => str(o.type),
  },
  'events.k8s.io/Event': {
    'regarding.kind': (o) => str(o.regarding?.kind),
    'regarding.namespace': (o) => str(o.regarding?.namespace),
    'regarding.name': (o) => str(o.regarding?.name),
    'regarding.uid': (o) => str(o.regarding?.uid),
    reason: (o) => str(o.reason),
    reportingController: (o) => str(o.reportingController),
    type: (o) => str(o.type),
  },
  '/Node': { 'spec.unschedulable': (o) => str(o.spec?.unschedulable ?? false) },
  '/Namespace': { 'status.phase': (o) => str(o.status?.phase) },
  '/Secret': { type: (o) => str(o.type) },
  '/ReplicationController': { 'status.replicas': (o) => str(o.status?.replicas ?? 0) },
  'apps/ReplicaSet': { 'status.replicas': (o) => str(o.status?.replicas ?? 0) },
  'batch/Job': { 'status.successful': (o) => str(o.status?.succeeded ?? 0) },
  'certificates.k8s.io/CertificateSigningRequest': { 'spec.signerName': (o) => str(o.spec?.signerName) },
};

function fieldSet(group: string, kind: string): FieldSet {
  return { ...META, ...(BY_KIND[`${group}/${kind}`] ?? {}) };
}

/** Refuses selectors on fields the kind does not expose, as upstream does. */
export function checkFieldSelector(group: string, kind: string, reqs: FieldRequirement[]): void {
  const set = fieldSet(group, kind);
  for (const r of reqs) {
    if (!(r.field in set)) throw badRequest(`field label not supported: ${r.field}`);
  }
}

/** The selectable fields of an object. */
export function selectableFields(group: string, kind: string, obj: Obj): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, get] of Object.entries(fieldSet(group, kind))) out[name] = get(obj);
  return out;
}
