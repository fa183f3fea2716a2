// What kube-controller-manager's serviceaccount, root-ca-cert-publisher and tokens controllers
// keep true, done here until the controller manager exists: every namespace has a `default`
// ServiceAccount and the `kube-root-ca.crt` ConfigMap (recreated if deleted), and a Secret of
// type kubernetes.io/service-account-token gets its legacy token, CA and namespace.
import { StatusError } from '../api/errors.ts';
import type { ResourceInfo, ResourceRegistry } from '../api/registry.ts';
import type { Obj, ResourceStore } from './rest.ts';
import type { TokenIssuer } from './tokens.ts';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
export const SA_TOKEN_TYPE = 'kubernetes.io/service-account-token';
export const SA_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
export const SA_UID_ANNOTATION = 'kubernetes.io/service-account.uid';
const ROOT_CA_DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

const ignoreConflict = (err: unknown) => {
  if (!(err instanceof StatusError && (err.code === 409 || err.code === 404))) throw err;
};

export class ServiceAccountDefaults {
  private readonly sa: ResourceInfo;
  private readonly cm: ResourceInfo;
  private readonly ns: ResourceInfo;
  private readonly secrets: ResourceInfo;

  constructor(
    private readonly rest: ResourceStore,
    registry: ResourceRegistry,
    private readonly caPem: string,
    private readonly tokens: TokenIssuer,
  ) {
    this.sa = registry.get('', 'v1', 'serviceaccounts')!;
    this.cm = registry.get('', 'v1', 'configmaps')!;
    this.ns = registry.get('', 'v1', 'namespaces')!;
    this.secrets = registry.get('', 'v1', 'secrets')!;
  }

  /** Every existing namespace gets what it is missing (at start). */
  async resume(): Promise<void> {
    for (const ns of (await this.rest.list(this.ns, undefined)).items) await this.ensure(ns);
  }

  private async ensure(ns: Obj): Promise<void> {
    if (ns.metadata?.deletionTimestamp) return;
    const name: string = ns.metadata.name;
    await this.rest.create(this.sa, name, { metadata: { name: 'default' } }).catch(ignoreConflict);
    await this.rest
      .create(this.cm, name, { metadata: { name: ROOT_CA_CONFIGMAP, annotations: { 'kubernetes.io/description': ROOT_CA_DESCRIPTION } }, data: { 'ca.crt': this.caPem } })
      .catch(ignoreConflict);
  }

  async afterWrite(info: ResourceInfo, obj: Obj | undefined): Promise<void> {
    if (!obj || info.group !== '') return;
    if (info === this.ns) await this.ensure(obj);
    else if (info === this.secrets && obj.type === SA_TOKEN_TYPE && !obj.data?.token && !obj.metadata?.deletionTimestamp) await this.fillToken(obj);
  }

  async onDelete(info: ResourceInfo, obj: Obj, gone: boolean): Promise<void> {
    if (!gone || info.group !== '') return;
    const namespace: string | undefined = obj.metadata?.namespace;
    if (!namespace) return;
    const recreate = (info === this.sa && obj.metadata.name === 'default') || (info === this.cm && obj.metadata.name === ROOT_CA_CONFIGMAP);
    if (recreate) {
      const ns = await this.rest.get(this.ns, undefined, namespace).catch(() => undefined);
      if (ns) await this.ensure(ns);
    }
    // An account's legacy tokens go with it.
    if (info === this.sa) {
      for (const s of (await this.rest.list(this.secrets, namespace, { fieldSelector: `type=${SA_TOKEN_TYPE}` })).items) {
        if (s.metadata?.annotations?.[SA_NAME_ANNOTATION] === obj.metadata.name) {
          await this.rest.delete(this.secrets, namespace, s.metadata.name).catch(ignoreConflict);
        }
      }
    }
  }

  /** The tokens controller's work: a token for the named account, or the Secret is removed. */
  private async fillToken(secret: Obj): Promise<void> {
    const namespace: string = secret.metadata.namespace;
    const saName = secret.metadata.annotations?.[SA_NAME_ANNOTATION];
    const wantUid = secret.metadata.annotations?.[SA_UID_ANNOTATION];
    const sa = saName ? await this.rest.get(this.sa, namespace, saName).catch(() => undefined) : undefined;
    if (!sa || (wantUid && wantUid !== sa.metadata.uid)) {
      await this.rest.delete(this.secrets, namespace, secret.metadata.name).catch(ignoreConflict);
      return;
    }
    const token = this.tokens.issueLegacy({ namespace, secretName: secret.metadata.name, serviceAccountName: sa.metadata.name, serviceAccountUid: sa.metadata.uid });
    await this.rest
      .guaranteedUpdate(this.secrets, namespace, secret.metadata.name, (current) => {
        current.metadata.annotations = { ...(current.metadata.annotations ?? {}), [SA_UID_ANNOTATION]: sa.metadata.uid };
        current.data = {
          ...(current.data ?? {}),
          'ca.crt': Buffer.from(this.caPem).toString('base64'),
          namespace: Buffer.from(namespace).toString('base64'),
          token: Buffer.from(token).toString('base64'),
        };
        return current;
      })
      .catch(ignoreConflict);
  }
}
