// The admission chain kube-apiserver enables by default, in its order: mutating plugins run in
// list order, then the validating ones in list order (ResourceQuota last, so it charges only
// writes everyone else accepted).
import { defaultTolerationSeconds } from './default-toleration-seconds.ts';
import type { ResourceRegistry } from '../../api/registry.ts';
import type { ResourceStore } from '../rest.ts';
import { defaultStorageClass } from './default-storage-class.ts';
import { AdmissionChain } from './index.ts';
import { limitRanger } from './limit-ranger.ts';
import { namespaceLifecycle } from './namespace-lifecycle.ts';
import { nodeRestriction } from './node-restriction.ts';
import { podSecurity } from './pod-security.ts';
import { priority } from './priority.ts';
import type { ResourceQuotas } from './resource-quota.ts';
import { serviceAccount } from './service-account.ts';
import { mutatingWebhooks, validatingWebhooks, type WebhookConfigurations } from './webhook-plugins.ts';
import type { ValidatingAdmissionPolicies } from './validating-policy.ts';

export function defaultAdmissionChain(
  rest: ResourceStore,
  registry: ResourceRegistry,
  webhooks: WebhookConfigurations,
  quotas: ResourceQuotas,
  policies?: ValidatingAdmissionPolicies,
  tolerations: { notReadySeconds?: number; unreachableSeconds?: number } = {},
): AdmissionChain {
  return new AdmissionChain([
    namespaceLifecycle(rest, registry.get('', 'v1', 'namespaces')!),
    limitRanger(rest, registry),
    serviceAccount(rest, registry),
    defaultStorageClass(rest, registry),
    priority(rest, registry),
    defaultTolerationSeconds(tolerations),
    nodeRestriction(),
    podSecurity(rest, registry),
    mutatingWebhooks(webhooks),
    ...(policies ? [policies.plugin()] : []),
    validatingWebhooks(webhooks),
    quotas.plugin(),
  ]);
}
