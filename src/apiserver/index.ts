// The API server: TLS front, handler, built-in namespaces, and the kubeconfig for the admin.
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { ResourceRegistry } from '../api/registry.ts';
import { StatusError, ignoreAlreadyExists } from '../api/errors.ts';
import type { Store } from '../storage/index.ts';
import { realClock, type Clock } from '../util/clock.ts';
import { OpenAPIService } from '../api/openapi/index.ts';
import { tablePresenter } from './present.ts';
import { ResourceStore, rfc3339, type ObjectHooks } from './rest.ts';
import { crdLookup, objectHooks, pruneCustomResource, type CustomResourceLookup } from './hooks.ts';
import { answerClientErrors, createApiHandler, type PatchApplier, type Presenter } from './server.ts';
import { patcher } from './patch.ts';
import { NamespaceLifecycle } from './namespaces.ts';
import { CrdManager } from './crds.ts';
import { GarbageCollector } from './gc.ts';
import { bearerToken, bootstrapTokenUser, isBootstrapToken, parseTokenFile, x509Authenticator, type UserInfo } from './authn.ts';
import { RBAC_GROUP, RbacPolicy } from './authz.ts';
import { ensureSystemPriorityClasses } from './admission/priority.ts';
import { defaultAdmissionChain } from './admission/chain.ts';
import { ResourceQuotas } from './admission/resource-quota.ts';
import { WebhookConfigurations } from './admission/webhook-plugins.ts';
import { storePolicySource, ValidatingAdmissionPolicies } from './admission/validating-policy.ts';
import { ServiceAccountDefaults } from './serviceaccounts.ts';
import { CsrApi } from './csr.ts';
import { PodsByNode } from './node-graph.ts';
import { METRICS_GROUP, METRICS_VERSION, MetricsStore, handleMetricsRequest, metricsAPIGroup, metricsAPIResourceList, metricsAggregatedDiscovery, parseNodeReport } from '../metrics/index.ts';
import { userOf } from './authz.ts';
import { readFile } from 'node:fs/promises';
import { loadEncryptionConfig } from './encryption/index.ts';
import { Auditor, fileSink, loadAuditPolicy } from './audit/index.ts';
import { ISSUER, TokenIssuer, serviceAccountUser } from './tokens.ts';
import { ServiceAllocator, ensureKubernetesService } from './services.ts';
import type { Pki } from './pki.ts';

export { loadOrCreatePki, generatePki, issueClientCertificate, type Pki } from './pki.ts';
export { kubeconfig } from './kubeconfig.ts';

export interface ApiServerOptions {
  store: Store;
  pki: Pki;
  host?: string;
  port?: number;
  clock?: Clock;
  hooks?: ObjectHooks;
  presenter?: Presenter;
  patcher?: PatchApplier;
  registry?: ResourceRegistry;
  bookmarkEveryMs?: number;
  /** A static token file (`--token-auth-file`): CSV `token,user,uid,"group1,group2"`. */
  tokenAuthFile?: string;
  /** An EncryptionConfiguration file (`--encryption-provider-config`). */
  encryptionProviderConfig?: string;
  /** An audit Policy file (`--audit-policy-file`); events go to auditLogPath ('-' is stdout). */
  auditPolicyFile?: string;
  auditLogPath?: string;
  auditLogMaxSizeMB?: number;
  auditLogMaxBackups?: number;
  /**
   * Whether the API server itself does the controller manager's background work (namespace
   * content deletion, garbage collection, default ServiceAccounts and root CA, token Secrets,
   * quota recounts, CSR signing), so that it is a usable cluster alone; false when a
   * controller manager runs, as upstream's kube-apiserver never does this work. Default true.
   */
  builtinControllers?: boolean;
  /** --default-not-ready-toleration-seconds and --default-unreachable-toleration-seconds (300). */
  defaultNotReadyTolerationSeconds?: number;
  defaultUnreachableTolerationSeconds?: number;
}

export interface ApiServer {
  url: string;
  port: number;
  registry: ResourceRegistry;
  rest: ResourceStore;
  close(): Promise<void>;
}

/** Namespaces every cluster starts with. */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export async function startApiServer(o: ApiServerOptions): Promise<ApiServer> {
  const registry = o.registry ?? new ResourceRegistry();
  const clock = o.clock ?? realClock;
  // The hooks look custom resources up through the CRD manager, made just below.
  let lookup: CustomResourceLookup | undefined;
  const encryption = o.encryptionProviderConfig ? await loadEncryptionConfig(o.encryptionProviderConfig) : undefined;
  const auditor = o.auditPolicyFile
    ? new Auditor(await loadAuditPolicy(o.auditPolicyFile), fileSink(o.auditLogPath ?? '-', { maxSizeMB: o.auditLogMaxSizeMB, maxBackups: o.auditLogMaxBackups }), {
        now: () => clock.now(),
      })
    : undefined;
  const rest = new ResourceStore(
    o.store,
    clock,
    o.hooks ??
      objectHooks({
        versionFor: (obj) => lookup?.versionFor(obj),
      }),
    encryption,
  );
  const nsInfo = registry.get('', 'v1', 'namespaces')!;
  for (const name of SYSTEM_NAMESPACES) {
    await rest.create(nsInfo, undefined, { metadata: { name } }).catch(ignoreAlreadyExists);
  }
  const builtin = o.builtinControllers ?? true;
  const namespaces = new NamespaceLifecycle(rest, registry);
  const gc = new GarbageCollector(rest, registry);
  if (!builtin) {
    namespaces.disable();
    gc.disable();
  }
  const services = new ServiceAllocator(rest);
  const tokens = new TokenIssuer(o.pki.serviceAccountKey);
  const podsInfo = registry.get('', 'v1', 'pods')!;
  const claimsInfo = registry.get('', 'v1', 'persistentvolumeclaims')!;
  const podsByNode = new PodsByNode(rest, podsInfo);
  const rbac = new RbacPolicy(rest, registry).withNodeAuthorizer({
    podsOnNode: (node) => podsByNode.podsOnNode(node),
    claimVolume: async (ns, claim) => (await rest.get(claimsInfo, ns, claim).catch(() => undefined))?.spec?.volumeName,
  });
  await rbac.bootstrap();
  await ensureSystemPriorityClasses(rest, registry);
  const saInfo = registry.get('', 'v1', 'serviceaccounts')!;
  const secretInfo = registry.get('', 'v1', 'secrets')!;
  const staticTokens = o.tokenAuthFile ? parseTokenFile(await readFile(o.tokenAuthFile, 'utf8'), o.tokenAuthFile) : new Map<string, UserInfo>();
  const saDefaults = new ServiceAccountDefaults(rest, registry, o.pki.ca.cert, tokens);
  if (builtin) await saDefaults.resume();
  const webhooks = new WebhookConfigurations(rest, registry, () => clock.now(), (attrs) => rbac.decide(attrs));
  const policies = new ValidatingAdmissionPolicies(storePolicySource(rest, registry), { authorize: (attrs) => rbac.decide(attrs) });
  const quotas = new ResourceQuotas(rest, registry, () => clock.now());
  const csrs = new CsrApi(rest, registry, builtin ? o.pki.ca : undefined, () => clock.now());
  await csrs.resume();
  const openapi = new OpenAPIService(registry);
  const crds = new CrdManager(rest, registry, openapi, () => clock.now());
  lookup = crdLookup(registry, crds);
  await crds.load();
  await namespaces.resume();
  // metrics.k8s.io, as metrics-server would serve it, from what nodes report.
  const metrics = new MetricsStore({ clock });
  let ready = false;
  const host = o.host ?? '127.0.0.1';
  let serverAddress = `${host}:${o.port ?? 6443}`;
  const handler = createApiHandler({
    registry,
    rest,
    presenter: o.presenter ?? tablePresenter(() => clock.now()),
    patcher: o.patcher ?? patcher,
    extraRoutes: (req, path, url) => openapi.handle(req, path, url),
    get serverAddress() {
      return serverAddress;
    },
    ready: () => ready,
    delegatedApis: [
      {
        group: METRICS_GROUP,
        version: METRICS_VERSION,
        apiGroup: metricsAPIGroup,
        resourceList: metricsAPIResourceList,
        discoveryItem: metricsAggregatedDiscovery,
        handle: (method, path, query) => handleMetricsRequest(metrics, method, path, query),
      },
    ],
    nodeMetricsReport: (node, body) => metrics.report(node, parseNodeReport(body)),
    // Client certificates first, then bearer tokens, as upstream's union authenticator.
    authenticate: async (req) => {
      const fromCert = x509Authenticator(req);
      if (fromCert) return fromCert;
      const token = bearerToken(req);
      if (token === undefined) return undefined;
      const fromFile = staticTokens.get(token);
      if (fromFile) return fromFile;
      const bootstrapId = isBootstrapToken(token);
      if (bootstrapId) {
        const secret = await rest.get(secretInfo, 'kube-system', `bootstrap-token-${bootstrapId}`).catch(() => undefined);
        return bootstrapTokenUser(token, secret, clock.now()) ?? null;
      }
      const claims = tokens.verify(token, Math.floor(clock.now() / 1000));
      if (claims) {
        const k = claims['kubernetes.io'];
        // Bound tokens die with their account: the account must exist with the same uid.
        const sa = await rest.get(saInfo, k.namespace, k.serviceaccount.name).catch(() => undefined);
        if (!sa || sa.metadata?.uid !== k.serviceaccount.uid) return null;
        return serviceAccountUser(k.namespace, k.serviceaccount.name, k.serviceaccount.uid);
      }
      // Legacy tokens live as long as their Secret (holding this very token) and account.
      const legacy = tokens.verifyLegacy(token);
      if (!legacy) return null;
      const secret = await rest.get(secretInfo, legacy.namespace, legacy.secretName).catch(() => undefined);
      if (!secret || secret.metadata?.deletionTimestamp || Buffer.from(secret.data?.token ?? '', 'base64').toString('utf8') !== token) return null;
      const sa = await rest.get(saInfo, legacy.namespace, legacy.serviceAccountName).catch(() => undefined);
      if (!sa || sa.metadata?.uid !== legacy.serviceAccountUid) return null;
      return serviceAccountUser(legacy.namespace, legacy.serviceAccountName, legacy.serviceAccountUid);
    },
    issueToken: (sa, request) => {
      const now = Math.floor(clock.now() / 1000);
      const seconds = Math.max(600, Number(request.spec?.expirationSeconds ?? 3600));
      const audiences: string[] = request.spec?.audiences?.length ? request.spec.audiences : [ISSUER];
      const token = tokens.issue({
        iss: ISSUER,
        sub: `system:serviceaccount:${sa.metadata.namespace}:${sa.metadata.name}`,
        aud: audiences,
        exp: now + seconds,
        iat: now,
        nbf: now,
        'kubernetes.io': { namespace: sa.metadata.namespace, serviceaccount: { name: sa.metadata.name, uid: sa.metadata.uid } },
      });
      return { token, expirationTimestamp: rfc3339((now + seconds) * 1000) };
    },
    onNamespaceTerminating: (name) => namespaces.start(name),
    rbac,
    afterWrite: async (info, obj, name) => {
      if (info.group === RBAC_GROUP) rbac.invalidate();
      if (info.group === 'admissionregistration.k8s.io') {
        webhooks.invalidate();
        policies.invalidate();
      }
      if (builtin) {
        await saDefaults.afterWrite(info, obj);
        const quotaNs = quotas.touches(info, obj);
        if (quotaNs) quotas.recount(quotaNs);
      }
      if (info.group === 'apiextensions.k8s.io' && info.kind === 'CustomResourceDefinition') await crds.sync(obj, name);
      // A write that cleared the last finalizer of an object being deleted removed it.
      const m = obj?.metadata;
      if (m?.deletionTimestamp && !(m.finalizers ?? []).length && !(info.kind === 'Namespace' && (obj!.spec?.finalizers ?? []).length)) {
        gc.ownerDeleted(info, undefined, m.uid, m.namespace);
      }
    },
    beforeCreate: async (info, obj, user) => {
      if (info.group === '' && info.kind === 'Service') await services.allocate(info, obj);
      if (csrs.is(info)) {
        csrs.prepareCreate(obj, user);
        await csrs.checkSubject(obj);
      }
    },
    updateSubresource: (info, name, sub, body, user, opts) => {
      if (!csrs.is(info) || (sub !== 'approval' && sub !== 'status')) return undefined;
      return (async () => {
        // CertificateApproval: approving takes the `approve` verb on the request's signer.
        if (sub === 'approval') {
          const signer = String((await rest.get(info, undefined, name)).spec?.signerName ?? '');
          const [domain] = signer.split('/');
          const may = async (n: string) =>
            (await rbac.decide({ user: userOf(user), verb: 'approve', resourceRequest: true, apiGroup: 'certificates.k8s.io', resource: 'signers', name: n })).allowed;
          if (!(await may(signer)) && !(await may(`${domain}/*`))) {
            throw new StatusError(403, 'Forbidden', `certificatesigningrequests.certificates.k8s.io "${name}" is forbidden: user not permitted to approve requests with signerName "${signer}"`, {
              name,
              group: 'certificates.k8s.io',
              kind: 'certificatesigningrequests',
            });
          }
        }
        return csrs.updateSubresource(name, sub, body, opts);
      })();
    },
    onDelete: (info, obj, gone) => {
      if (gone && info.group === '' && info.kind === 'Node') metrics.forget(obj.metadata?.name);
      if (info.group === RBAC_GROUP) rbac.invalidate();
      if (info.group === 'admissionregistration.k8s.io') {
        webhooks.invalidate();
        policies.invalidate();
      }
      gc.ownerDeleted(info, gone ? undefined : obj, obj.metadata?.uid, obj.metadata?.namespace);
      if (!builtin) return;
      if (gone && info.namespaced && obj.metadata?.namespace) quotas.recount(obj.metadata.namespace);
      saDefaults.onDelete(info, obj, gone).catch((err: unknown) => console.error(`kubelite: service account defaults: ${(err as Error).message}`));
    },
    scalePaths: (info) => crds.versionOf(info)?.subresources?.scale,
    pruneCustom: (obj) => (lookup ? pruneCustomResource(lookup, obj) : []),
    ...(o.bookmarkEveryMs ? { bookmarkEveryMs: o.bookmarkEveryMs } : {}),
    ...(auditor ? { auditor } : {}),
    admission: defaultAdmissionChain(rest, registry, webhooks, quotas, policies, {
      ...(o.defaultNotReadyTolerationSeconds !== undefined ? { notReadySeconds: o.defaultNotReadyTolerationSeconds } : {}),
      ...(o.defaultUnreachableTolerationSeconds !== undefined ? { unreachableSeconds: o.defaultUnreachableTolerationSeconds } : {}),
    }),
  });
  const server = https.createServer(
    {
      key: o.pki.server.key,
      cert: o.pki.server.cert,
      ca: o.pki.ca.cert,
      requestCert: true,
      rejectUnauthorized: false,
    },
    handler,
  );
  server.keepAliveTimeout = 65_000;
  answerClientErrors(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 6443, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  serverAddress = `${host}:${port}`;
  await ensureKubernetesService(rest, registry.get('', 'v1', 'services')!, port);
  ready = true;
  const url = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url,
    port,
    registry,
    rest,
    close: async () => {
      ready = false;
      openapi.close();
      podsByNode.stop();
      await gc.stop();
      await quotas.waitIdle();
      await auditor?.close();
      await namespaces.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
