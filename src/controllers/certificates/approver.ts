// The CSR approving controller (upstream pkg/controller/certificates/approver, sarapprove.go):
// a pending kubelet client certificate request (signer kube-apiserver-client-kubelet, subject
// system:node:<name> in system:nodes, kubelet client usages) is approved when a
// SubjectAccessReview says its requester may create certificatesigningrequests/selfnodeclient
// (renewing its own certificate) or certificatesigningrequests/nodeclient (any node, as a
// bootstrap token does). Approval goes through the /approval subresource.
import { type Client, type Informer, type SharedInformerFactory } from '../../client/index.ts';
import { KUBE_APISERVER_CLIENT_KUBELET, parseCsr, signerRefusal, type ParsedCsr } from '../../auth/csr/index.ts';
import { realClock, type Clock } from '../../util/clock.ts';
import { KeyedController } from '../controller.ts';
import { CSR_RESOURCE, conditionOf } from './signer.ts';

type Obj = Record<string, any>;

/** Upstream's ignorableError: retried with backoff, but not worth an error log. */
export class IgnorableError extends Error {
  override name = 'IgnorableError';
}

interface Recognizer {
  recognize(csr: Obj, parsed: ParsedCsr): boolean;
  subresource: 'selfnodeclient' | 'nodeclient';
  successMessage: string;
}

const isNodeClientCert = (csr: Obj, parsed: ParsedCsr) =>
  csr.spec?.signerName === KUBE_APISERVER_CLIENT_KUBELET && signerRefusal(KUBE_APISERVER_CLIENT_KUBELET, parsed, csr.spec?.usages ?? []) === undefined;

const RECOGNIZERS: readonly Recognizer[] = [
  {
    recognize: (csr, parsed) => isNodeClientCert(csr, parsed) && csr.spec?.username === parsed.subject.commonName,
    subresource: 'selfnodeclient',
    successMessage: 'Auto approving self kubelet client certificate after SubjectAccessReview.',
  },
  {
    recognize: isNodeClientCert,
    subresource: 'nodeclient',
    successMessage: 'Auto approving kubelet client certificate after SubjectAccessReview.',
  },
];

export interface CsrApprovingControllerOptions {
  client: Client;
  factory: SharedInformerFactory;
  clock?: Clock;
  onError?: (key: string, err: unknown) => void;
}

export class CsrApprovingController extends KeyedController {
  private readonly client: Client;
  private readonly csrInformer: Informer<Obj>;

  constructor(o: CsrApprovingControllerOptions) {
    const csrInformer = o.factory.forResource(CSR_RESOURCE);
    super({ name: 'csrapproving', informers: [csrInformer], clock: o.clock ?? realClock, ...(o.onError ? { onError: o.onError } : {}) });
    this.client = o.client;
    this.csrInformer = csrInformer;
    csrInformer.addEventHandler({
      onAdd: (csr) => this.enqueue(csr),
      onUpdate: (_old, csr) => this.enqueue(csr),
    });
  }

  private async allowed(csr: Obj, subresource: string): Promise<boolean> {
    const review = (await this.client.create(
      { group: 'authorization.k8s.io', version: 'v1', resource: 'subjectaccessreviews', kind: 'SubjectAccessReview', namespaced: false },
      undefined,
      {
        spec: {
          user: csr.spec?.username,
          uid: csr.spec?.uid,
          groups: csr.spec?.groups,
          extra: csr.spec?.extra,
          resourceAttributes: { group: 'certificates.k8s.io', resource: 'certificatesigningrequests', verb: 'create', subresource, version: '*' },
        },
      },
    )) as Obj;
    return review.status?.allowed === true;
  }

  async reconcile(key: string): Promise<void> {
    const cached = this.csrInformer.get(key);
    if (!cached || cached.status?.certificate) return;
    if (conditionOf(cached, 'Approved') || conditionOf(cached, 'Denied')) return;
    const parsed = await parseCsr(String(cached.spec?.request ?? ''));
    const tried: string[] = [];
    for (const r of RECOGNIZERS) {
      if (!r.recognize(cached, parsed)) continue;
      tried.push(r.subresource);
      if (!(await this.allowed(cached, r.subresource))) continue;
      const csr = structuredClone(cached);
      csr.status ??= {};
      csr.status.conditions = [...(csr.status.conditions ?? []), { type: 'Approved', status: 'True', reason: 'AutoApproved', message: r.successMessage }];
      await this.client.update(CSR_RESOURCE, undefined, csr, { subresource: 'approval' });
      return;
    }
    if (tried.length > 0) throw new IgnorableError(`recognized csr "${cached.metadata.name}" as [${tried.join(' ')}] but subject access review was not approved`);
  }
}
