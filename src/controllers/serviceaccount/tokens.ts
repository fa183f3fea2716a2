// The tokens controller (upstream pkg/controller/serviceaccount/tokens_controller.go): a Secret
// of type kubernetes.io/service-account-token gets a legacy token, ca.crt and namespace for the
// account it names, and is deleted when that account is gone or has another uid. Upstream runs
// it with the controller manager's own credentials (its root client builder), not a
// per-controller ServiceAccount: token Secrets must be fillable before any account has a token.
import { NAMESPACE_INDEX, isConflict, isNotFound, keyOf, objectOf, resources, type Client, type Informer, type SharedInformerFactory, type Tombstone } from '../../client/index.ts';
import { realClock, type Clock } from '../../util/clock.ts';
import { KeyedController } from '../controller.ts';

type Obj = Record<string, any>;

export const SA_TOKEN_TYPE = 'kubernetes.io/service-account-token';
export const SA_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
export const SA_UID_ANNOTATION = 'kubernetes.io/service-account.uid';

export interface TokensControllerOptions {
  /** Upstream: the controller manager's own client (user agent `tokens-controller`). */
  client: Client;
  factory: SharedInformerFactory;
  /** The signed legacy token for this account and Secret (the API server's TokenIssuer.issueLegacy). */
  generateLegacyToken: (sa: Obj, secret: Obj) => string;
  /** The CA bundle (PEM) written as ca.crt; empty leaves ca.crt alone, as upstream. */
  rootCA: string;
  clock?: Clock;
  onError?: (key: string, err: unknown) => void;
}

const decode = (v: unknown) => (typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : '');

export class TokensController extends KeyedController {
  private readonly client: Client;
  private readonly generate: (sa: Obj, secret: Obj) => string;
  private readonly rootCA: string;
  private readonly saInformer: Informer<Obj>;
  private readonly secretInformer: Informer<Obj>;

  constructor(o: TokensControllerOptions) {
    const saInformer = o.factory.forResource(resources.serviceaccounts);
    const secretInformer = o.factory.forResource(resources.secrets);
    super({ name: 'serviceaccount-token', informers: [saInformer, secretInformer], clock: o.clock ?? realClock, ...(o.onError ? { onError: o.onError } : {}) });
    this.client = o.client;
    this.generate = o.generateLegacyToken;
    this.rootCA = o.rootCA;
    this.saInformer = saInformer;
    this.secretInformer = secretInformer;
    // Keys are the token Secrets; account changes send the Secrets naming them round again.
    secretInformer.addEventHandler({
      onAdd: (s) => this.secretChanged(s),
      onUpdate: (_old, s) => this.secretChanged(s),
    });
    saInformer.addEventHandler({
      onUpdate: (_old, sa) => this.accountChanged(sa),
      onDelete: (sa) => this.accountChanged(sa),
    });
  }

  private secretChanged(s: Obj): void {
    if (s.type === SA_TOKEN_TYPE) this.enqueue(s);
  }

  private accountChanged(sa: Obj | Tombstone<Obj>): void {
    const obj = objectOf(sa);
    const ns = obj.metadata?.namespace;
    if (!ns) return;
    for (const s of this.secretInformer.byIndex(NAMESPACE_INDEX, ns)) {
      if (s.type === SA_TOKEN_TYPE && s.metadata?.annotations?.[SA_NAME_ANNOTATION] === obj.metadata?.name) this.enqueue(s);
    }
  }

  /** The account the Secret names (with the uid it names, if any); the API server on a cache miss. */
  private async accountFor(secret: Obj): Promise<Obj | undefined> {
    const ns: string = secret.metadata.namespace;
    const name: string | undefined = secret.metadata.annotations?.[SA_NAME_ANNOTATION];
    const uid: string | undefined = secret.metadata.annotations?.[SA_UID_ANNOTATION];
    if (!name) return undefined;
    const matches = (sa: Obj | undefined) => sa && (!uid || sa.metadata?.uid === uid) ? sa : undefined;
    const cached = matches(this.saInformer.get(keyOf({ metadata: { namespace: ns, name } })));
    if (cached) return cached;
    try {
      return matches(await this.client.get(resources.serviceaccounts, ns, name));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async reconcile(key: string): Promise<void> {
    const cached = this.secretInformer.get(key);
    if (!cached || cached.type !== SA_TOKEN_TYPE || cached.metadata?.deletionTimestamp) return;
    const ns: string = cached.metadata.namespace;
    const sa = await this.accountFor(cached);
    if (!sa) {
      try {
        await this.client.delete(resources.secrets, ns, cached.metadata.name, { preconditions: { uid: cached.metadata.uid } });
      } catch (err) {
        // Gone already, or replaced by another Secret of the same name: that one gets its own turn.
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
      return;
    }
    await this.fillIfNeeded(ns, cached.metadata.name, sa);
  }

  private async fillIfNeeded(ns: string, name: string, sa: Obj): Promise<void> {
    // The live Secret, not the cache: a token must not be generated twice for a stale view.
    let live: Obj;
    try {
      live = await this.client.get(resources.secrets, ns, name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (live.type !== SA_TOKEN_TYPE) return;
    const data: Record<string, string> = live.data ?? {};
    const needsCA = this.rootCA.length > 0 && decode(data['ca.crt']) !== this.rootCA;
    const needsNamespace = !data.namespace;
    const needsToken = !data.token;
    if (!needsCA && !needsNamespace && !needsToken) return;
    const next: Obj = { ...live, metadata: { ...live.metadata, annotations: { ...(live.metadata?.annotations ?? {}) } }, data: { ...data } };
    if (needsCA) next.data['ca.crt'] = Buffer.from(this.rootCA).toString('base64');
    if (needsNamespace) next.data.namespace = Buffer.from(ns).toString('base64');
    if (needsToken) next.data.token = Buffer.from(this.generate(sa, live)).toString('base64');
    next.metadata.annotations[SA_NAME_ANNOTATION] = sa.metadata.name;
    next.metadata.annotations[SA_UID_ANNOTATION] = sa.metadata.uid;
    // A conflict means someone else wrote it: the error requeues us to look again.
    await this.client.update(resources.secrets, ns, next);
  }
}
