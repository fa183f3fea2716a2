// Shapes of the rbac.authorization.k8s.io/v1 objects this package reads and writes.
// Everything is optional on input: objects come from storage and may be partial.

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface LabelSelectorRequirement {
  key: string;
  operator: string; // In | NotIn | Exists | DoesNotExist
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [k: string]: unknown;
}

export interface AggregationRule {
  clusterRoleSelectors?: LabelSelector[];
}

export interface RoleObject {
  apiVersion?: string;
  kind?: string; // Role | ClusterRole
  metadata: ObjectMeta;
  rules?: PolicyRule[] | null;
  aggregationRule?: AggregationRule;
}

export interface Subject {
  kind: string; // User | Group | ServiceAccount
  name: string;
  apiGroup?: string;
  namespace?: string;
}

export interface RoleRef {
  apiGroup: string;
  kind: string; // Role | ClusterRole
  name: string;
}

export interface BindingObject {
  apiVersion?: string;
  kind?: string; // RoleBinding | ClusterRoleBinding
  metadata: ObjectMeta;
  subjects?: Subject[] | null;
  roleRef: RoleRef;
}

export interface UserInfo {
  username: string;
  groups: string[];
}
