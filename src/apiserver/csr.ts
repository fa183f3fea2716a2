// The CertificateSigningRequest API (certificates.k8s.io/v1) around the pure CSR module:
// the requester's identity recorded on create, the /approval and /status endpoints
// (`kubectl certificate approve|deny`), and the signing that kube-controller-manager's
// csrsigning controller does for the built-in signers, here until the controller manager exists.
import { StatusError, invalid, ignoreNotFound } from '../api/errors.ts';
import type { ResourceInfo, ResourceRegistry } from '../api/registry.ts';
import { errorBody, formatErrors } from '../api/validation/errors.ts';
import {
  SIGNERS,
  SIGNER_VALIDATION_FAILURE,
  csrFieldErrors,
  parseCsr,
  prepareCsrForCreate,
  prepareCsrForUpdate,
  signCsr,
  signerRefusal,
  subjectRestriction,
  type CsrSubresource,
} from '../auth/csr/index.ts';
import type { UserInfo } from './authn.ts';
import { rfc3339, type Obj, type ResourceStore } from './rest.ts';
import type { KeyPair } from './pki.ts';

const conditionOf = (csr: Obj, type: string) => ((csr.status?.conditions ?? []) as Obj[]).find((c) => c?.type === type);

export class CsrApi {
  readonly info: ResourceInfo;

  constructor(
    private readonly rest: ResourceStore,
    registry: ResourceRegistry,
    /** Signs for the built-in signers when given (no controller manager runs). */
    private readonly ca: KeyPair | undefined,
    private readonly now: () => number,
  ) {
    this.info = registry.get('certificates.k8s.io', 'v1', 'certificatesigningrequests')!;
  }

  is(info: ResourceInfo): boolean {
    return info === this.info;
  }

  /** On create: who asked is recorded from the request, not from the body. */
  prepareCreate(obj: Obj, user: UserInfo): void {
    prepareCsrForCreate(obj, user);
  }

  /** Admission's CertificateSubjectRestriction: no system:masters through the client signer. */
  async checkSubject(obj: Obj): Promise<void> {
    const parsed = await parseCsr(String(obj.spec?.request ?? '')).catch(() => undefined);
    const refusal = parsed ? subjectRestriction(String(obj.spec?.signerName ?? ''), parsed) : undefined;
    if (refusal) {
      throw new StatusError(403, 'Forbidden', `certificatesigningrequests.certificates.k8s.io "${obj.metadata?.name ?? ''}" is forbidden: ${refusal}`, {
        name: obj.metadata?.name,
        group: 'certificates.k8s.io',
        kind: 'certificatesigningrequests',
      });
    }
  }

  /** PUT of /approval or /status: only what that endpoint may change, validated as upstream. */
  async updateSubresource(name: string, sub: Exclude<CsrSubresource, ''>, body: Obj, opts: { dryRun: boolean; track?: (old: Obj | undefined, next: Obj) => Obj }): Promise<Obj> {
    const expectedRv = body?.metadata?.resourceVersion ? String(body.metadata.resourceVersion) : undefined;
    const updated = await this.rest.guaranteedUpdate(
      this.info,
      undefined,
      name,
      (current) => {
        const next = prepareCsrForUpdate(structuredClone(body), current, sub, this.now());
        next.metadata = { ...current.metadata, ...(next.metadata?.annotations ? { annotations: next.metadata.annotations } : {}) };
        next.apiVersion = current.apiVersion;
        next.kind = current.kind;
        const errs = csrFieldErrors(next, current, sub);
        if (errs.length > 0) {
          throw invalid(
            this.info.kind,
            this.info.group,
            name,
            errs.map((e) => ({ type: e.type, field: e.field, message: errorBody(e) })),
            formatErrors(this.info.kind, this.info.group, name, errs),
          );
        }
        return next;
      },
      { dryRun: opts.dryRun, ...(opts.track ? { track: opts.track } : {}), ...(expectedRv ? { expectedRv } : {}) },
    );
    if (!opts.dryRun) await this.sign(updated);
    return updated;
  }

  /** Signs an approved request for a built-in signer, or marks it Failed with the signer's reason. */
  async sign(csr: Obj | undefined): Promise<void> {
    if (!this.ca || !csr || !conditionOf(csr, 'Approved') || conditionOf(csr, 'Failed') || conditionOf(csr, 'Denied') || csr.status?.certificate) return;
    const signer = String(csr.spec?.signerName ?? '');
    if (!SIGNERS.includes(signer)) return;
    const usages: string[] = csr.spec?.usages ?? [];
    let certificate: string | undefined;
    let failure: string | undefined;
    try {
      const parsed = await parseCsr(String(csr.spec?.request ?? ''));
      failure = signerRefusal(signer, parsed, usages);
      if (!failure) certificate = await signCsr(this.ca!, csr.spec.request, usages, csr.spec?.expirationSeconds, this.now());
    } catch (err) {
      failure = (err as Error).message;
    }
    const stamp = rfc3339(this.now());
    await this.rest
      .guaranteedUpdate(this.info, undefined, csr.metadata.name, (current) => {
        current.status ??= {};
        if (current.status.certificate || conditionOf(current, 'Failed')) return current;
        if (certificate) current.status.certificate = certificate;
        else {
          current.status.conditions = [
            ...(current.status.conditions ?? []),
            { type: 'Failed', status: 'True', reason: SIGNER_VALIDATION_FAILURE, message: failure ?? 'signing failed', lastUpdateTime: stamp, lastTransitionTime: stamp },
          ];
        }
        return current;
      })
      .catch(ignoreNotFound);
  }

  /** Requests approved while the server was down are signed at start. */
  async resume(): Promise<void> {
    for (const csr of (await this.rest.list(this.info, undefined)).items) await this.sign(csr);
  }
}
