// CertificateSigningRequest validation and the registry strategy's field resets, after
// pkg/apis/certificates/validation and pkg/registry/certificates/certificates/strategy.go.
// Objects are certificates.k8s.io/v1 JSON: spec.request and status.certificate are base64.

import type { Obj } from '../../apiserver/rest.ts';
import {
  child,
  duplicate,
  errorBody,
  forbidden,
  goQuote,
  GoValue,
  index,
  invalid,
  notSupported,
  required,
  tooLong,
  type FieldError,
} from '../../api/validation/errors.ts';
import { semanticEqual, validateObjectMeta, validateObjectMetaUpdate } from '../../api/validation/meta.ts';
import { byteLength, DNS1123_LABEL_MAX, DNS1123_SUBDOMAIN_MAX, isDNS1123Label, isDNS1123Subdomain } from '../../api/validation/names.ts';
import { children, isUniversal, readTlv, TAG } from './der.ts';
import { CsrError, csrDerFromPem, decodeJsonBytes, parseCsrDer, pemDecode } from './parse.ts';
import { rfc3339 } from '../../util/time.ts';
import { LEGACY_UNKNOWN } from './sign.ts';

/** Which endpoint an update came through: the object itself, /status or /approval. */
export type CsrSubresource = '' | 'status' | 'approval';

export interface CsrProblem {
  field: string;
  type: string;
  /** The cause's message as upstream's Status carries it (field.Error.ErrorBody). */
  message: string;
}

/** Every usage value the API accepts, sorted as upstream lists them in errors. */
export const KEY_USAGES: readonly string[] = Object.freeze(
  [
    'signing',
    'digital signature',
    'content commitment',
    'key encipherment',
    'key agreement',
    'data encipherment',
    'cert sign',
    'crl sign',
    'encipher only',
    'decipher only',
    'any',
    'server auth',
    'client auth',
    'code signing',
    'email protection',
    's/mime',
    'ipsec end system',
    'ipsec tunnel',
    'ipsec user',
    'timestamping',
    'ocsp signing',
    'microsoft sgc',
    'netscape sgc',
  ].sort(),
);
const VALID_USAGES = new Set(KEY_USAGES);

const TRUE_ONLY_TYPES = new Set(['Approved', 'Denied', 'Failed']);
const ALL_STATUSES = ['False', 'True', 'Unknown'];

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});

/** Go's %#v of a []byte. */
function goBytes(b: Uint8Array | undefined): GoValue {
  if (b === undefined) return new GoValue('[]byte(nil)');
  return new GoValue(`[]byte{${[...b].map((x) => '0x' + x.toString(16)).join(', ')}}`);
}

/** A []byte field as JSON carries it; undefined when absent, an error when not base64. */
function bytesField(v: unknown): Uint8Array | undefined | CsrError {
  if (v === undefined || v === null) return undefined;
  try {
    return decodeJsonBytes(str(v));
  } catch (err) {
    return err as CsrError;
  }
}

function sameBytes(a: unknown, b: unknown): boolean {
  const x = bytesField(a);
  const y = bytesField(b);
  if (x instanceof CsrError || y instanceof CsrError) return str(a) === str(b);
  return Buffer.compare(Buffer.from(x ?? []), Buffer.from(y ?? [])) === 0;
}

// ---------------------------------------------------------------------------------------------
// Pieces

/** ValidateSignerName: `<domain>/<path>`, each part made of DNS names, within length limits. */
export function validateSignerName(field: string, signerName: string): FieldError[] {
  if (signerName.length === 0) return [required(field, '')];
  const segments = signerName.split('/');
  if (segments.length !== 2) {
    return [invalid(field, signerName, "must be a fully qualified domain and path of the form 'example.com/signer-name'")];
  }
  const [domain, path] = segments as [string, string];
  const errs: FieldError[] = [];
  if (byteLength(domain) > DNS1123_SUBDOMAIN_MAX) errs.push(tooLong(field, '', DNS1123_SUBDOMAIN_MAX));
  const domainLabels = domain.split('.');
  for (const lbl of domainLabels) {
    const msgs = isDNS1123Label(lbl);
    if (msgs.length > 0) {
      for (const m of msgs) errs.push(invalid(field, domain, `validating label ${goQuote(lbl)}: ${m}`));
      break;
    }
  }
  if (domainLabels.length < 2) errs.push(invalid(field, domain, 'should be a domain with at least two segments separated by dots'));
  for (const lbl of path.split('.')) {
    const msgs = isDNS1123Subdomain(lbl);
    if (msgs.length > 0) {
      for (const m of msgs) errs.push(invalid(field, path, `validating label ${goQuote(lbl)}: ${m}`));
      break;
    }
  }
  const maxLength = DNS1123_SUBDOMAIN_MAX + (DNS1123_SUBDOMAIN_MAX + DNS1123_LABEL_MAX + 1) + 1;
  if (byteLength(signerName) > maxLength) errs.push(tooLong(field, '', maxLength));
  return errs;
}

/** Why status.certificate is not acceptable (upstream's validateCertificate), if it is not. */
export function certificateProblem(pemData: Uint8Array | undefined): string | undefined {
  if (pemData === undefined || pemData.length === 0) return undefined;
  let rest = Buffer.from(pemData).toString('latin1');
  let blocks = 0;
  for (;;) {
    const found = pemDecode(rest);
    if (found === undefined) break;
    const { block } = found;
    if (block.type !== 'CERTIFICATE') return `only CERTIFICATE PEM blocks are allowed, found ${goQuote(block.type)}`;
    if (Object.keys(block.headers).length !== 0) return 'no PEM block headers are permitted';
    blocks++;
    if (block.bytes.length === 0) return 'found CERTIFICATE PEM block containing 0 certificates';
    const problem = malformedCertificates(block.bytes);
    if (problem) return problem;
    rest = found.rest;
  }
  if (blocks === 0) return 'must contain at least one CERTIFICATE PEM block';
  return undefined;
}

/** x509.ParseCertificates' outer shape: DER Certificates back to back, each SEQUENCE { tbs, alg, signature }. */
function malformedCertificates(der: Uint8Array): string | undefined {
  try {
    let pos = 0;
    while (pos < der.length) {
      const { tlv: cert, next } = readTlv(der, pos);
      const parts = cert.tag === TAG.SEQUENCE ? children(cert) : [];
      const ok =
        parts.length === 3 &&
        isUniversal(parts[0], TAG.SEQUENCE) &&
        isUniversal(parts[1], TAG.SEQUENCE) &&
        isUniversal(parts[2], TAG.BIT_STRING);
      if (!ok) return 'x509: malformed certificate';
      pos = next;
    }
  } catch {
    return 'x509: malformed certificate';
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Options that tolerate what an already-stored object carries

interface Options {
  allowSettingApprovalConditions: boolean;
  allowSettingCertificate: boolean;
  allowBothApprovedAndDenied: boolean;
  allowLegacySignerName: boolean;
  allowDuplicateConditionTypes: boolean;
  allowEmptyConditionType: boolean;
  allowArbitraryCertificate: boolean;
  allowUnknownUsages: boolean;
  allowDuplicateUsages: boolean;
}

const conditionsOf = (csr: Obj | undefined): Obj[] => arr(obj(csr?.status).conditions).map(obj);
const usagesOf = (csr: Obj | undefined): string[] => arr(obj(csr?.spec).usages).map(str);

function hasDuplicates(xs: string[]): boolean {
  return new Set(xs).size !== xs.length;
}

function optionsFor(csr: Obj, old: Obj | undefined, subresource: CsrSubresource): Options {
  const oldConds = conditionsOf(old);
  const oldCert = old === undefined ? undefined : bytesField(obj(old.status).certificate);
  return {
    allowSettingApprovalConditions: subresource === 'approval',
    allowSettingCertificate: subresource === 'status',
    allowBothApprovedAndDenied: old !== undefined && oldConds.some((c) => c.type === 'Approved') && oldConds.some((c) => c.type === 'Denied'),
    allowLegacySignerName: old !== undefined && str(obj(old.spec).signerName) === LEGACY_UNKNOWN,
    allowDuplicateConditionTypes: old !== undefined && hasDuplicates(oldConds.map((c) => str(c.type))),
    allowEmptyConditionType: old !== undefined && oldConds.some((c) => str(c.type) === ''),
    allowArbitraryCertificate:
      old !== undefined &&
      (sameBytes(obj(csr.status).certificate, obj(old.status).certificate) ||
        oldCert instanceof CsrError ||
        certificateProblem(oldCert) !== undefined),
    allowUnknownUsages: old !== undefined && usagesOf(old).some((u) => !VALID_USAGES.has(u)),
    allowDuplicateUsages: old !== undefined && hasDuplicates(usagesOf(old)),
  };
}

// ---------------------------------------------------------------------------------------------
// The object

function validateRequest(request: unknown): FieldError[] {
  const field = 'spec.request';
  const bytes = bytesField(request);
  if (bytes instanceof CsrError) return [invalid(field, str(request), bytes.message)];
  try {
    parseCsrDer(csrDerFromPem(bytes ?? new Uint8Array()));
    return [];
  } catch (err) {
    if (!(err instanceof CsrError)) throw err;
    return [invalid(field, goBytes(bytes), err.message)];
  }
}

function validateConditions(csr: Obj, opts: Options): FieldError[] {
  const field = 'status.conditions';
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  let hasApproved = false;
  let hasDenied = false;
  conditionsOf(csr).forEach((c, i) => {
    const type = str(c.type);
    const status = str(c.status);
    if (!opts.allowEmptyConditionType && type === '') errs.push(required(child(index(field, i), 'type'), ''));
    const allowed = TRUE_ONLY_TYPES.has(type) ? ['True'] : ALL_STATUSES;
    if (status === '') errs.push(required(child(index(field, i), 'status'), ''));
    else if (!allowed.includes(status)) errs.push(notSupported(child(index(field, i), 'status'), status, allowed));
    if (!opts.allowBothApprovedAndDenied) {
      if (type === 'Approved') {
        hasApproved = true;
        if (hasDenied) errs.push(invalid(field, type, 'Approved and Denied conditions are mutually exclusive'));
      } else if (type === 'Denied') {
        hasDenied = true;
        if (hasApproved) errs.push(invalid(field, type, 'Approved and Denied conditions are mutually exclusive'));
      }
    }
    if (!opts.allowDuplicateConditionTypes) {
      if (seen.has(type)) errs.push(duplicate(child(index(field, i), 'type'), type));
      seen.add(type);
    }
  });
  return errs;
}

function validateCsr(csr: Obj, opts: Options): FieldError[] {
  const spec = obj(csr.spec);
  const errs: FieldError[] = validateObjectMeta(csr.metadata, () => []);
  errs.push(...validateRequest(spec.request));
  const usages = usagesOf(csr);
  if (usages.length === 0) errs.push(required('spec.usages', ''));
  if (!opts.allowUnknownUsages) {
    usages.forEach((u, i) => {
      if (!VALID_USAGES.has(u)) errs.push(notSupported(index('spec.usages', i), u, KEY_USAGES));
    });
  }
  if (!opts.allowDuplicateUsages) {
    const seen = new Set<string>();
    usages.forEach((u, i) => {
      if (seen.has(u)) errs.push(duplicate(index('spec.usages', i), u));
      seen.add(u);
    });
  }
  const signerName = str(spec.signerName);
  if (!opts.allowLegacySignerName && signerName === LEGACY_UNKNOWN) {
    errs.push(invalid('spec.signerName', signerName, 'the legacy signerName is not allowed via this API version'));
  } else {
    errs.push(...validateSignerName('spec.signerName', signerName));
  }
  if (typeof spec.expirationSeconds === 'number' && spec.expirationSeconds < 600) {
    errs.push(invalid('spec.expirationSeconds', spec.expirationSeconds, 'may not specify a duration less than 600 seconds (10 minutes)'));
  }
  errs.push(...validateConditions(csr, opts));
  if (!opts.allowArbitraryCertificate) {
    const cert = bytesField(obj(csr.status).certificate);
    const problem = cert instanceof CsrError ? cert.message : certificateProblem(cert);
    if (problem !== undefined) errs.push(invalid('status.certificate', '<certificate data>', problem));
  }
  return errs;
}

/** A line diff of two condition lists (upstream prints a cmp.Diff here). */
function conditionDiff(a: Obj[], b: Obj[]): string {
  const la = JSON.stringify(a, null, 1).split('\n');
  const lb = JSON.stringify(b, null, 1).split('\n');
  const out: string[] = [];
  const n = Math.max(la.length, lb.length);
  for (let i = 0; i < n; i++) {
    const x = la[i];
    const y = lb[i];
    if (x === y) out.push(`  ${x}`);
    else {
      if (x !== undefined) out.push(`- ${x}`);
      if (y !== undefined) out.push(`+ ${y}`);
    }
  }
  return out.join('\n');
}

function validateCsrUpdate(csr: Obj, old: Obj, opts: Options): FieldError[] {
  const errs = validateCsr(csr, opts);
  const find = (o: Obj, t: string): Obj[] => conditionsOf(o).filter((c) => c.type === t);
  for (const t of ['Approved', 'Denied', 'Failed']) {
    if (find(csr, t).length < find(old, t).length) {
      errs.push(forbidden('status.conditions', `updates may not remove a condition of type ${goQuote(t)}`));
    }
  }
  if (!opts.allowSettingApprovalConditions) {
    for (const t of ['Approved', 'Denied']) {
      const before = find(old, t);
      const after = find(csr, t);
      if (after.length < before.length) continue;
      if (after.length > before.length) {
        errs.push(forbidden('status.conditions', `updates may not add a condition of type ${goQuote(t)}`));
      } else if (!semanticEqual(before, after)) {
        errs.push(
          forbidden('status.conditions', `updates may not modify a condition of type ${goQuote(t)}\n${conditionDiff(before, after)}`),
        );
      }
    }
  }
  if (!sameBytes(obj(csr.status).certificate, obj(old.status).certificate)) {
    if (!opts.allowSettingCertificate) {
      errs.push(forbidden('status.certificate', 'updates may not set certificate content'));
    } else {
      const oldCert = bytesField(obj(old.status).certificate);
      if (!(oldCert instanceof CsrError) && oldCert !== undefined && oldCert.length > 0) {
        errs.push(forbidden('status.certificate', 'updates may not modify existing certificate content'));
      }
    }
  }
  errs.push(...validateObjectMetaUpdate(csr.metadata, old.metadata));
  return errs;
}

/**
 * Upstream's field errors for a CSR on create (no `old`) or on update through the object, its
 * /status or its /approval endpoint (after prepareCsrForUpdate). Feed them to formatErrors
 * (src/api/validation) for the 422 message.
 */
export function csrFieldErrors(csr: Obj, old?: Obj, subresource: CsrSubresource = ''): FieldError[] {
  const opts = optionsFor(csr, old, subresource);
  return old === undefined ? validateCsr(csr, opts) : validateCsrUpdate(csr, old, opts);
}

/** The same problems as { field, type, message } (the 422 Status's causes, type as reason). */
export async function validateCsrObject(csr: Obj, old?: Obj, subresource: CsrSubresource = ''): Promise<CsrProblem[]> {
  return csrFieldErrors(csr, old, subresource).map((e) => ({ field: e.field, type: e.type, message: errorBody(e) }));
}

// ---------------------------------------------------------------------------------------------
// Strategy resets

export interface CsrRequester {
  username: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/**
 * On create: the requester's identity replaces whatever spec.username/uid/groups/extra said,
 * and status starts empty (no pre-approved requests).
 */
export function prepareCsrForCreate(csr: Obj, user?: CsrRequester): Obj {
  const spec = obj(csr.spec);
  delete spec.username;
  delete spec.uid;
  delete spec.groups;
  delete spec.extra;
  if (user) {
    if (user.username) spec.username = user.username;
    if (user.uid) spec.uid = user.uid;
    if (user.groups && user.groups.length > 0) spec.groups = [...user.groups];
    if (user.extra && Object.keys(user.extra).length > 0) {
      spec.extra = Object.fromEntries(Object.entries(user.extra).map(([k, v]) => [k, [...v]]));
    }
  }
  csr.spec = spec;
  csr.status = {};
  return csr;
}


/** Fills missing lastUpdateTime (now) and lastTransitionTime (kept from a same type+status condition, else now). */
function populateConditionTimestamps(csr: Obj, old: Obj, now: number): void {
  const ts = rfc3339(now);
  const oldConds = conditionsOf(old);
  for (const c of arr(obj(csr.status).conditions)) {
    if (typeof c !== 'object' || c === null) continue;
    if (!c.lastUpdateTime) c.lastUpdateTime = ts;
    if (!c.lastTransitionTime) {
      const prior = oldConds.find((o) => o.type === c.type && o.status === c.status && o.lastTransitionTime);
      c.lastTransitionTime = prior ? prior.lastTransitionTime : ts;
    }
  }
}

/**
 * On update, what each endpoint may change: the object itself nothing in spec or status;
 * /status the status except Approved/Denied conditions (existing ones are kept as stored);
 * /approval only the conditions. `now` stamps conditions that lack times.
 */
export function prepareCsrForUpdate(csr: Obj, old: Obj, subresource: CsrSubresource, now: number): Obj {
  const clone = <T>(v: T): T => (v === undefined ? v : structuredClone(v));
  csr.spec = clone(old.spec);
  if (subresource === '') {
    csr.status = clone(old.status);
    if (csr.status === undefined) delete csr.status;
    return csr;
  }
  if (subresource === 'status') {
    const status = obj(csr.status);
    csr.status = status;
    const conds = arr(status.conditions);
    const oldConds = conditionsOf(old);
    for (const t of ['Approved', 'Denied']) {
      const oldIdx = oldConds.flatMap((c, i) => (c.type === t ? [i] : []));
      const newIdx = conds.flatMap((c, i) => (obj(c).type === t ? [i] : []));
      if (oldIdx.length !== newIdx.length) continue; // the change is reported by validation
      newIdx.forEach((ni, k) => {
        conds[ni] = clone(oldConds[oldIdx[k] as number]);
      });
    }
    populateConditionTimestamps(csr, old, now);
    return csr;
  }
  populateConditionTimestamps(csr, old, now);
  const conditions = obj(csr.status).conditions;
  const status = obj(clone(old.status));
  if (conditions === undefined) delete status.conditions;
  else status.conditions = conditions;
  csr.status = status;
  return csr;
}
