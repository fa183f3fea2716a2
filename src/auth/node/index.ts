// The Node authorizer (kube-apiserver's --authorization-mode=Node): a kubelet, who is
// system:node:<name> in group system:nodes, may read the Secrets, ConfigMaps, claims and volumes
// of the pods bound to its node and nothing else of those kinds, may only touch its own Lease,
// and gets the system:node role's rules for everything else. Requests from anyone else get no
// opinion here, so RBAC decides. What a node may write (its own Node, its own pods) is narrowed
// further by the NodeRestriction admission plugin.
import type { Attributes, Decision, PolicyRule } from '../rbac/authorizer.ts';
import { ruleAllows } from '../rbac/authorizer.ts';

type Obj = Record<string, any>;

export const NODES_GROUP = 'system:nodes';
const NODE_USER = 'system:node:';

/** The node a user is, or undefined for users who are not nodes ('' for a nameless one). */
export function nodeIdentity(user: { username: string; groups: string[] }): string | undefined {
  if (!user.groups.includes(NODES_GROUP) || !user.username.startsWith(NODE_USER)) return undefined;
  return user.username.slice(NODE_USER.length);
}

/** What the authorizer needs to know of the cluster: the pods bound to a node and claims' volumes. */
export interface NodeGraph {
  podsOnNode(node: string): Promise<Obj[]>;
  claimVolume(namespace: string, claim: string): Promise<string | undefined>;
}

export type NodeDecision = { decision: 'allow' | 'no-opinion'; reason: string };

const NO_OPINION: NodeDecision = { decision: 'no-opinion', reason: '' };
const ALLOW: NodeDecision = { decision: 'allow', reason: '' };
const noRelationship = (node: string): NodeDecision => ({ decision: 'no-opinion', reason: `no relationship found between node '${node}' and this object` });

export async function authorizeNode(attrs: Attributes, nodeRules: readonly PolicyRule[], graph: NodeGraph): Promise<NodeDecision> {
  const node = nodeIdentity(attrs.user);
  if (node === undefined) return NO_OPINION;
  if (node === '') return { decision: 'no-opinion', reason: `unknown node for user "${attrs.user.username}"` };
  if (attrs.resourceRequest && (attrs.apiGroup ?? '') === '') {
    switch (attrs.resource) {
      case 'secrets':
      case 'configmaps':
        return readReferenced(node, attrs, graph);
      case 'persistentvolumeclaims':
        if (attrs.subresource === 'status') return writeClaimStatus(node, attrs, graph);
        return getReferenced(node, attrs, graph);
      case 'persistentvolumes':
        return getReferenced(node, attrs, graph);
      case 'serviceaccounts':
        if (attrs.subresource === 'token' && attrs.verb === 'create') return tokenFor(node, attrs, graph);
        break;
    }
  }
  if (attrs.resourceRequest && attrs.apiGroup === 'coordination.k8s.io' && attrs.resource === 'leases') return lease(node, attrs);
  if (nodeRules.some((r) => ruleAllows(attrs, r))) return ALLOW;
  return NO_OPINION;
}

/** Secrets and ConfigMaps: get, or list/watch narrowed to one name, of objects a bound pod uses. */
async function readReferenced(node: string, attrs: Attributes, graph: NodeGraph): Promise<NodeDecision> {
  if (!['get', 'list', 'watch'].includes(attrs.verb)) return { decision: 'no-opinion', reason: `can only read resources of this type` };
  if (attrs.subresource) return { decision: 'no-opinion', reason: 'cannot read subresource' };
  if (!attrs.name) return { decision: 'no-opinion', reason: 'can only read individual resources of this type' };
  return (await references(node, graph, attrs.resource!, attrs.namespace ?? '', attrs.name)) ? ALLOW : noRelationship(node);
}

async function getReferenced(node: string, attrs: Attributes, graph: NodeGraph): Promise<NodeDecision> {
  if (attrs.verb !== 'get') return { decision: 'no-opinion', reason: `can only get individual resources of this type` };
  if (attrs.subresource) return { decision: 'no-opinion', reason: 'cannot get subresource' };
  if (!attrs.name) return { decision: 'no-opinion', reason: 'can only get individual resources of this type' };
  return (await references(node, graph, attrs.resource!, attrs.namespace ?? '', attrs.name)) ? ALLOW : noRelationship(node);
}

async function writeClaimStatus(node: string, attrs: Attributes, graph: NodeGraph): Promise<NodeDecision> {
  if (!['update', 'patch'].includes(attrs.verb)) return { decision: 'no-opinion', reason: 'can only get or update persistentvolumeclaim status' };
  return attrs.name && (await references(node, graph, 'persistentvolumeclaims', attrs.namespace ?? '', attrs.name)) ? ALLOW : noRelationship(node);
}

async function tokenFor(node: string, attrs: Attributes, graph: NodeGraph): Promise<NodeDecision> {
  const pods = await graph.podsOnNode(node);
  const used = pods.some((p) => p.metadata?.namespace === attrs.namespace && (p.spec?.serviceAccountName || 'default') === attrs.name);
  return used ? ALLOW : noRelationship(node);
}

function lease(node: string, attrs: Attributes): NodeDecision {
  const verbs = ['get', 'create', 'update', 'patch', 'delete'];
  if (!verbs.includes(attrs.verb)) return { decision: 'no-opinion', reason: `can only get, create, update, patch, or delete a node lease` };
  if (attrs.namespace !== 'kube-node-lease') return { decision: 'no-opinion', reason: `can only access leases in the kube-node-lease namespace` };
  if (attrs.verb !== 'create' && attrs.name !== node) return { decision: 'no-opinion', reason: `can only access node lease with the same name as the requesting node` };
  return ALLOW;
}

/** Whether a pod bound to the node uses the object (directly, or a volume through its claim). */
async function references(node: string, graph: NodeGraph, resource: string, namespace: string, name: string): Promise<boolean> {
  const pods = await graph.podsOnNode(node);
  if (resource === 'persistentvolumes') {
    for (const p of pods) {
      for (const claim of claimsOf(p)) if ((await graph.claimVolume(p.metadata?.namespace, claim)) === name) return true;
    }
    return false;
  }
  return pods.some((p) => p.metadata?.namespace === namespace && referencedBy(p, resource).has(name));
}

function claimsOf(pod: Obj): string[] {
  const out: string[] = [];
  for (const v of (pod.spec?.volumes ?? []) as Obj[]) {
    if (v?.persistentVolumeClaim?.claimName) out.push(v.persistentVolumeClaim.claimName);
    // A generic ephemeral volume's claim is named after the pod and the volume.
    if (v?.ephemeral) out.push(`${pod.metadata?.name}-${v.name}`);
  }
  return out;
}

/** The names of Secrets, ConfigMaps or claims a pod spec refers to. */
export function referencedBy(pod: Obj, resource: string): Set<string> {
  const names = new Set<string>();
  const spec = pod.spec ?? {};
  if (resource === 'persistentvolumeclaims') {
    for (const c of claimsOf(pod)) names.add(c);
    return names;
  }
  const secret = resource === 'secrets';
  if (secret) for (const r of (spec.imagePullSecrets ?? []) as Obj[]) if (r?.name) names.add(r.name);
  for (const v of (spec.volumes ?? []) as Obj[]) {
    if (secret) {
      if (v?.secret?.secretName) names.add(v.secret.secretName);
      for (const k of ['azureFile', 'cephfs', 'cinder', 'flexVolume', 'rbd', 'scaleIO', 'storageos', 'iscsi', 'csi'] as const) {
        const ref = v?.[k]?.secretRef?.name ?? v?.[k]?.nodePublishSecretRef?.name ?? (k === 'azureFile' ? v?.[k]?.secretName : undefined);
        if (ref) names.add(ref);
      }
    } else if (v?.configMap?.name) names.add(v.configMap.name);
    for (const src of (v?.projected?.sources ?? []) as Obj[]) {
      const ref = secret ? src?.secret?.name : src?.configMap?.name;
      if (ref) names.add(ref);
    }
  }
  for (const key of ['initContainers', 'containers', 'ephemeralContainers'] as const) {
    for (const c of (spec[key] ?? []) as Obj[]) {
      for (const e of (c?.envFrom ?? []) as Obj[]) {
        const ref = secret ? e?.secretRef?.name : e?.configMapRef?.name;
        if (ref) names.add(ref);
      }
      for (const e of (c?.env ?? []) as Obj[]) {
        const ref = secret ? e?.valueFrom?.secretKeyRef?.name : e?.valueFrom?.configMapKeyRef?.name;
        if (ref) names.add(ref);
      }
    }
  }
  return names;
}

/** Combines the Node authorizer with the next one (RBAC), as upstream's union authorizer does. */
export function union(first: NodeDecision, next: () => Decision): Decision {
  if (first.decision === 'allow') return { allowed: true, reason: '' };
  const d = next();
  if (d.allowed) return d;
  return { allowed: false, reason: [first.reason, d.reason].filter(Boolean).join('\n') };
}
