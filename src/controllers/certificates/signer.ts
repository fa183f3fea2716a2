// CSR signing (upstream pkg/controller/certificates/signer, the csrsigning controller): an
// approved, not failed, not yet issued request for one of the built-in signers is signed with
// the cluster CA, or marked Failed (reason SignerValidationFailure) when that signer refuses it.
// Both are written through the /status subresource, which is all certificate-controller may update.
import { type Client, type Informer, type Resource, type SharedInformerFactory } from '../../client/index.ts';
import { rfc3339 } from '../../client/timing.ts';
import { SIGNERS, SIGNER_VALIDATION_FAILURE, parseCsr, signCsr, signerRefusal } from '../../auth/csr/index.ts';
import { realClock, type Clock } from '../../util/clock.ts';
import { KeyedController } from '../controller.ts';

type Obj = Record<string, any>;

export const CSR_RESOURCE: Resource = Object.freeze({
  group: 'certificates.k8s.io',
  version: 'v1',
  resource: 'certificatesigningrequests',
  kind: 'CertificateSigningRequest',
  namespaced: false,
});

export const conditionOf = (csr: Obj, type: string): Obj | undefined => ((csr.status?.conditions ?? []) as Obj[]).find((c) => c?.type === type);

/** Upstream's IsCertificateRequestApproved: Approved and not Denied. */
export const isApproved = (csr: Obj) => conditionOf(csr, 'Approved') !== undefined && conditionOf(csr, 'Denied') === undefined;

export interface CsrSigningControllerOptions {
  client: Client;
  factory: SharedInformerFactory;
  /** The cluster CA (PEM certificate and key). */
  ca: { cert: string; key: string };
  clock?: Clock;
  onError?: (key: string, err: unknown) => void;
}

export class CsrSigningController extends KeyedController {
  private readonly client: Client;
  private readonly ca: { cert: string; key: string };
  private readonly csrInformer: Informer<Obj>;

  constructor(o: CsrSigningControllerOptions) {
    const csrInformer = o.factory.forResource(CSR_RESOURCE);
    super({ name: 'csrsigning', informers: [csrInformer], clock: o.clock ?? realClock, ...(o.onError ? { onError: o.onError } : {}) });
    this.client = o.client;
    this.ca = o.ca;
    this.csrInformer = csrInformer;
    csrInformer.addEventHandler({
      onAdd: (csr) => this.enqueue(csr),
      onUpdate: (_old, csr) => this.enqueue(csr),
    });
  }

  async reconcile(key: string): Promise<void> {
    const cached = this.csrInformer.get(key);
    if (!cached || cached.status?.certificate) return;
    if (!isApproved(cached) || conditionOf(cached, 'Failed')) return;
    const signer = String(cached.spec?.signerName ?? '');
    if (!SIGNERS.includes(signer)) return;
    const csr = structuredClone(cached);
    const usages: string[] = csr.spec?.usages ?? [];
    // Unparseable requests are an error to retry, as upstream (validation makes them rare).
    const parsed = await parseCsr(String(csr.spec?.request ?? ''));
    const refusal = signerRefusal(signer, parsed, usages);
    csr.status ??= {};
    if (refusal) {
      const stamp = rfc3339(this.clock.now());
      csr.status.conditions = [
        ...(csr.status.conditions ?? []),
        { type: 'Failed', status: 'True', reason: SIGNER_VALIDATION_FAILURE, message: refusal, lastUpdateTime: stamp, lastTransitionTime: stamp },
      ];
    } else {
      csr.status.certificate = await signCsr(this.ca, csr.spec.request, usages, csr.spec?.expirationSeconds, this.clock.now());
    }
    // A conflict (the cached copy is stale) requeues; the fresh copy is judged again.
    await this.client.updateStatus(CSR_RESOURCE, undefined, csr);
  }
}

