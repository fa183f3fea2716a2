// MutatingAdmissionWebhook and ValidatingAdmissionWebhook: the chain's plugins in front of the
// webhook dispatcher. Configurations are read through a cache that writes to
// admissionregistration.k8s.io invalidate, so a request pays nothing when none exist.
import type { ResourceRegistry } from '../../api/registry.ts';
import type { Obj, ResourceStore } from '../rest.ts';
import type { AdmissionAttributes, AdmissionPlugin } from './index.ts';
import { WebhookDispatcher, WebhookStatusError, type WebhookAttributes, type WebhookOptions, type WebhookResult } from './webhooks.ts';

export class WebhookConfigurations {
  private cached: Promise<{ mutating: Obj[]; validating: Obj[] }> | undefined;
  readonly dispatcher: WebhookDispatcher;

  constructor(
    private readonly rest: ResourceStore,
    private readonly registry: ResourceRegistry,
    now: () => number,
    /** The authorizer behind matchConditions' `authorizer` (e.g. RBAC's decide). */
    authorize?: WebhookOptions['authorize'],
  ) {
    const namespaces = registry.get('', 'v1', 'namespaces')!;
    this.dispatcher = new WebhookDispatcher(
      {
        mutating: async () => (await this.load()).mutating,
        validating: async () => (await this.load()).validating,
        namespaceLabels: async (name) => {
          const ns = await rest.get(namespaces, undefined, name).catch(() => undefined);
          return ns ? (ns.metadata?.labels ?? {}) : undefined;
        },
      },
      // Service references would need a service proxy to reach pods; until the node's proxy
      // exists they resolve to nothing ("no endpoints available").
      { now, ...(authorize ? { authorize } : {}) },
    );
  }

  invalidate(): void {
    this.cached = undefined;
  }

  private load(): Promise<{ mutating: Obj[]; validating: Obj[] }> {
    this.cached ??= (async () => {
      const list = async (resource: string) =>
        (await this.rest.list(this.registry.get('admissionregistration.k8s.io', 'v1', resource)!, undefined)).items;
      return { mutating: await list('mutatingwebhookconfigurations'), validating: await list('validatingwebhookconfigurations') };
    })();
    this.cached.catch(() => this.invalidate());
    return this.cached;
  }

  async has(kind: 'mutating' | 'validating'): Promise<boolean> {
    return (await this.load())[kind].length > 0;
  }
}

function webhookAttributes(a: AdmissionAttributes): WebhookAttributes {
  return {
    kind: { group: a.info.group, version: a.info.version, kind: a.info.kind },
    resource: { group: a.info.group, version: a.info.version, resource: a.info.resource },
    ...(a.subresource ? { subResource: a.subresource } : {}),
    ...(a.name ? { name: a.name } : {}),
    ...(a.namespace ? { namespace: a.namespace } : {}),
    operation: a.operation,
    userInfo: { username: a.user.username, groups: a.user.groups, ...(a.user.uid ? { uid: a.user.uid } : {}), ...(a.user.extra ? { extra: a.user.extra } : {}) },
    ...(a.object ? { object: a.object } : {}),
    ...(a.oldObject ? { oldObject: a.oldObject } : {}),
    dryRun: a.dryRun,
    ...(a.options ? { options: a.options } : {}),
    namespaced: a.info.namespaced,
  };
}

async function dispatch(a: AdmissionAttributes, call: (wa: WebhookAttributes) => Promise<WebhookResult>): Promise<void> {
  try {
    const r = await call(webhookAttributes(a));
    a.warnings.push(...r.warnings);
    Object.assign(a.annotations, r.annotations);
  } catch (err) {
    if (err instanceof WebhookStatusError) {
      a.warnings.push(...err.warnings);
      Object.assign(a.annotations, err.annotations);
    }
    throw err;
  }
}

export function mutatingWebhooks(configs: WebhookConfigurations): AdmissionPlugin {
  return {
    name: 'MutatingAdmissionWebhook',
    async admit(a) {
      if (await configs.has('mutating')) await dispatch(a, (wa) => configs.dispatcher.mutate(wa));
    },
  };
}

export function validatingWebhooks(configs: WebhookConfigurations): AdmissionPlugin {
  return {
    name: 'ValidatingAdmissionWebhook',
    async validate(a) {
      if (await configs.has('validating')) await dispatch(a, (wa) => configs.dispatcher.validate(wa));
    },
  };
}
