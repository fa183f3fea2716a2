// Encryption at rest, as kube-apiserver's --encryption-provider-config does it
// (apiserver.config.k8s.io/v1 EncryptionConfiguration). Stored values use upstream's exact
// byte layouts so an etcd written by kube-apiserver can be read here and vice versa:
//
//   aescbc:    "k8s:enc:aescbc:v1:<key>:"    IV(16) | AES-CBC(PKCS#7-padded plaintext)
//   aesgcm:    "k8s:enc:aesgcm:v1:<key>:"    nonce(12) | AES-GCM ciphertext | tag(16);
//              the storage key (e.g. /registry/secrets/ns/name) is the additional authenticated data
//   secretbox: "k8s:enc:secretbox:v1:<key>:" nonce(24) | tag(16) | XSalsa20 ciphertext
//   identity:  the plaintext as is
//
// Only aesgcm binds a value to its storage key, as upstream: aescbc and secretbox values can be
// copied between keys. kms (v1 and v2) is refused at parse time: it needs an external plugin.

import { type CipherGCMTypes, createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { SECRETBOX_NONCE_SIZE, SECRETBOX_OVERHEAD, secretboxOpen, secretboxSeal } from './secretbox.ts';

export interface ValueTransformer {
  /** Bytes to store for this plaintext (encrypted with the first provider listed for the resource). */
  toStorage(plain: Uint8Array, key: string): Uint8Array;
  /**
   * The plaintext of stored bytes; stale = it was not written by the first provider/key (so a
   * rewrite would re-encrypt it: key rotation). Throws EncryptionError when no provider can read it.
   */
  fromStorage(stored: Uint8Array, key: string): { plain: Uint8Array; stale: boolean };
}

export class EncryptionError extends Error {
  override name = 'EncryptionError';
}

export interface EncryptionConfig {
  /**
   * The transformer for a group/resource (core group = ''), matched as upstream: exact
   * `resource.group`, then `*.group`, then `*.*`. undefined when no rule matches: the value is
   * stored as is (upstream then still refuses to read `k8s:enc:` data as plaintext).
   */
  transformerFor(group: string, resource: string): ValueTransformer | undefined;
  /** The resources as written in the file, in order, for docs/diagnostics. */
  resources(): string[];
}

const API_VERSION = 'apiserver.config.k8s.io/v1';
const KIND = 'EncryptionConfiguration';
const ENCRYPTED_PREFIX = Buffer.from('k8s:enc:', 'utf8');
const PREFIXES = {
  aescbc: 'k8s:enc:aescbc:v1:',
  aesgcm: 'k8s:enc:aesgcm:v1:',
  secretbox: 'k8s:enc:secretbox:v1:',
} as const;
const AES_KEY_SIZES = [16, 24, 32];
const SECRETBOX_KEY_SIZES = [32];
const AES_BLOCK = 16;
const GCM_NONCE = 12;
const GCM_TAG = 16;
const SHORT_DATA = 'the stored data was shorter than the required size';
const GCM_AUTH_FAILED = 'cipher: message authentication failed';

// ---------------------------------------------------------------------------------------------
// Decoding (strict, as upstream's codec with serializer.EnableStrict)

interface RawKey {
  name: string;
  secret: string;
}
interface RawProvider {
  aesgcm?: RawKey[];
  aescbc?: RawKey[];
  secretbox?: RawKey[];
  identity?: true;
  kms?: true;
}
interface RawResourceConfig {
  resources: string[];
  providers: RawProvider[];
}

class Decoder {
  unknown: string[] = [];
  typeErrors: string[] = [];

  /** A mapping's fields; unknown ones are recorded as strict-decoding errors. */
  object(v: unknown, path: string, known: readonly string[]): Record<string, unknown> | undefined {
    if (v === null || v === undefined) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) {
      this.typeErrors.push(`${path || 'the document'} must be an object, got ${describe(v)}`);
      return undefined;
    }
    const obj = v as Record<string, unknown>;
    for (const k of Object.keys(obj)) {
      if (!known.includes(k)) this.unknown.push(`unknown field "${path ? `${path}.${k}` : k}"`);
    }
    return obj;
  }

  list(v: unknown, path: string): unknown[] {
    if (v === null || v === undefined) return [];
    if (!Array.isArray(v)) {
      this.typeErrors.push(`${path} must be a list, got ${describe(v)}`);
      return [];
    }
    return v;
  }

  string(v: unknown, path: string): string {
    if (v === null || v === undefined) return '';
    if (typeof v !== 'string') {
      this.typeErrors.push(`${path} must be a string, got ${describe(v)}`);
      return '';
    }
    return v;
  }
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'an object' : typeof v;
}

function decodeKeys(d: Decoder, v: unknown, path: string): RawKey[] | undefined {
  const obj = d.object(v, path, ['keys']);
  // A null provider body decodes to a nil pointer upstream: the provider is absent.
  if (obj === undefined) return undefined;
  return d.list(obj.keys, `${path}.keys`).map((k, i) => {
    const kp = `${path}.keys[${i}]`;
    const ko = d.object(k, kp, ['name', 'secret']) ?? {};
    return { name: d.string(ko.name, `${kp}.name`), secret: d.string(ko.secret, `${kp}.secret`) };
  });
}

function decode(text: string): RawResourceConfig[] {
  if (text.trim() === '') throw new EncryptionError('encryption provider configuration is empty');
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    // Only the first line: later lines quote the source, which may hold a secret.
    const first = (doc.errors[0]!.message.split('\n')[0] ?? '').replace(/:$/, '');
    throw new EncryptionError(`error decoding encryption provider configuration: ${first}`);
  }
  const root: unknown = doc.toJS();
  if (root === null || typeof root !== 'object' || Array.isArray(root)) {
    throw new EncryptionError('error decoding encryption provider configuration: the document must be an object');
  }
  const top = root as Record<string, unknown>;
  const kind = top.kind;
  const apiVersion = top.apiVersion;
  if (typeof kind !== 'string' || kind === '') throw new EncryptionError("Object 'Kind' is missing");
  if (typeof apiVersion !== 'string' || apiVersion === '') throw new EncryptionError("Object 'apiVersion' is missing");
  if (kind !== KIND || apiVersion !== API_VERSION) {
    const hint =
      kind === 'EncryptionConfig'
        ? ` (the pre-1.13 format is no longer accepted: use kind ${KIND}, apiVersion ${API_VERSION})`
        : ` (expected kind ${KIND}, apiVersion ${API_VERSION})`;
    throw new EncryptionError(`no kind ${JSON.stringify(kind)} is registered for version ${JSON.stringify(apiVersion)}${hint}`);
  }

  const d = new Decoder();
  const obj = d.object(root, '', ['kind', 'apiVersion', 'resources']) ?? {};
  const entries = d.list(obj.resources, 'resources').map((e, i): RawResourceConfig => {
    const ep = `resources[${i}]`;
    const eo = d.object(e, ep, ['resources', 'providers']) ?? {};
    const resources = d.list(eo.resources, `${ep}.resources`).map((r, j) => d.string(r, `${ep}.resources[${j}]`));
    const providers = d.list(eo.providers, `${ep}.providers`).map((p, j): RawProvider => {
      const pp = `${ep}.providers[${j}]`;
      const po = d.object(p, pp, ['aesgcm', 'aescbc', 'secretbox', 'identity', 'kms']) ?? {};
      const out: RawProvider = {};
      const aesgcm = decodeKeys(d, po.aesgcm, `${pp}.aesgcm`);
      if (aesgcm) out.aesgcm = aesgcm;
      const aescbc = decodeKeys(d, po.aescbc, `${pp}.aescbc`);
      if (aescbc) out.aescbc = aescbc;
      const secretbox = decodeKeys(d, po.secretbox, `${pp}.secretbox`);
      if (secretbox) out.secretbox = secretbox;
      if (d.object(po.identity, `${pp}.identity`, [])) out.identity = true;
      // kms fields are accepted by the decoder so that the refusal, not a typo report, is what the user sees.
      if (d.object(po.kms, `${pp}.kms`, ['apiVersion', 'name', 'cachesize', 'endpoint', 'timeout'])) out.kms = true;
      return out;
    });
    return { resources, providers };
  });
  if (d.typeErrors.length > 0) {
    throw new EncryptionError(`error decoding encryption provider configuration: ${d.typeErrors.join('; ')}`);
  }
  if (d.unknown.length > 0) throw new EncryptionError(`strict decoding error: ${d.unknown.join(', ')}`);
  return entries;
}

// ---------------------------------------------------------------------------------------------
// Validation (upstream's ValidateEncryptionConfiguration, same field paths and wording)

interface GroupResource {
  group: string;
  resource: string;
}

function parseGroupResource(s: string): GroupResource {
  const i = s.indexOf('.');
  return i >= 0 ? { group: s.slice(i + 1), resource: s.slice(0, i) } : { group: '', resource: s };
}

function grString(gr: GroupResource): string {
  if (gr.group === '' && gr.resource === '*') return '*.';
  return gr.group === '' ? gr.resource : `${gr.resource}.${gr.group}`;
}

function quote(s: string): string {
  return JSON.stringify(s);
}
function required(path: string, detail: string): string {
  return `${path}: Required value: ${detail}`;
}
function invalid(path: string, value: string | string[], detail: string): string {
  const shown = typeof value === 'string' ? quote(value) : `[]string{${value.map(quote).join(', ')}}`;
  return `${path}: Invalid value: ${shown}: ${detail}`;
}

const ERR = {
  moreThanOne: 'more than one provider specified in a single element, should split into different list elements',
  noProvider: 'provider does not contain any of the expected providers: KMS, AESGCM, AESCBC, Secretbox, Identity',
  base64: 'secrets must be base64 encoded',
  starResource: "use '*.' to encrypt all the resources from core API group or *.* to encrypt all resources",
  overlap: "using overlapping resources such as 'secrets' and '*.' in the same resource list is not allowed as they will be masked",
  nonREST: 'resources which do not have REST API/s cannot be encrypted',
  capital: 'resource name should not contain capital letters',
  acrossGroups: 'encrypting the same resource across groups is not supported',
  duplicate: 'the same resource cannot be specified multiple times',
  events: "'*.events.k8s.io' objects are stored using the 'events' API group in etcd. Use 'events' instead in the config file",
  extensions: "'extensions' group has been removed and cannot be used for encryption",
  kms: 'the kms provider is not supported by kubelite (no KMS plugin support); use aescbc, aesgcm or secretbox',
};

function validateResourceOverlap(resources: string[], path: string): string[] {
  if (resources.length < 2) return [];
  const grs = resources.map(parseGroupResource);
  let hasOverlap = false;
  let hasDuplicate = false;
  grs.forEach((r1, i) => {
    grs.forEach((r2, j) => {
      if (i === j) return;
      const same = r1.group === r2.group && r1.resource === r2.resource;
      if (same && !hasDuplicate) {
        hasDuplicate = true;
        return;
      }
      if (hasOverlap) return;
      if (r1.group === '*' && r1.resource === '*') {
        hasOverlap = true;
        return;
      }
      if (r1.group !== r2.group) return;
      if (r1.resource === '*' || r2.resource === '*') hasOverlap = true;
    });
  });
  const errs: string[] = [];
  if (hasDuplicate) errs.push(invalid(path, resources, ERR.duplicate));
  if (hasOverlap) errs.push(invalid(path, resources, ERR.overlap));
  return errs;
}

function validateResourceNames(resources: string[], path: string): string[] {
  const errs: string[] = [];
  resources.forEach((res, j) => {
    const p = `${path}[${j}]`;
    const gr = parseGroupResource(res);
    if (res.toLowerCase() !== res) errs.push(invalid(p, res, ERR.capital));
    else if (res === '*') errs.push(invalid(p, res, ERR.starResource));
    else if (res === 'apiserveripinfo' || res === 'serviceipallocations' || res === 'servicenodeportallocations')
      errs.push(invalid(p, res, ERR.nonREST));
    else if (gr.group === 'events.k8s.io') errs.push(invalid(p, res, ERR.events));
    else if (gr.group === 'extensions') errs.push(invalid(p, res, ERR.extensions));
    else if (gr.group === '*' && gr.resource !== '*') errs.push(invalid(p, res, ERR.acrossGroups));
  });
  return errs;
}

/** Go's base64.StdEncoding: padded alphabet, CR/LF ignored, anything else is an error. */
function decodeBase64Std(s: string): Buffer | undefined {
  const clean = s.replace(/[\r\n]/g, '');
  if (clean.length % 4 !== 0 || !/^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(clean)) {
    return undefined;
  }
  return Buffer.from(clean, 'base64');
}

function validateKeys(keys: RawKey[], path: string, sizes: number[]): string[] {
  if (keys.length === 0) return [required(path, 'at least one keys is required')];
  const errs: string[] = [];
  keys.forEach((key, i) => {
    const kp = `${path}[${i}]`;
    if (key.name === '') errs.push(required(`${kp}.name`, 'name is a mandatory field for a key'));
    if (key.secret === '') {
      errs.push(required(`${kp}.secret`, 'secret is a mandatory field for a key'));
      return;
    }
    const secret = decodeBase64Std(key.secret);
    if (!secret) {
      errs.push(invalid(`${kp}.secret`, 'REDACTED', ERR.base64));
      return;
    }
    if (!sizes.includes(secret.length)) {
      errs.push(
        invalid(
          `${kp}.secret`,
          'REDACTED',
          `secret is not of the expected length, got ${secret.length}, expected one of [${sizes.join(' ')}]`,
        ),
      );
    }
  });
  return errs;
}

function validate(entries: RawResourceConfig[]): string[] {
  if (entries.length === 0) return [required('resources', 'at least one resources is required')];
  const errs: string[] = [];
  entries.forEach((conf, i) => {
    const r = `resources[${i}].resources`;
    const p = `resources[${i}].providers`;
    if (conf.resources.length === 0) errs.push(required(r, `at least one ${r} is required`));
    errs.push(...validateResourceOverlap(conf.resources, r));
    errs.push(...validateResourceNames(conf.resources, r));
    if (conf.providers.length === 0) errs.push(required(p, `at least one ${p} is required`));
    conf.providers.forEach((provider, j) => {
      const pp = `${p}[${j}]`;
      const present = (['kms', 'aesgcm', 'aescbc', 'secretbox', 'identity'] as const).filter((k) => provider[k] !== undefined);
      if (present.length === 0) errs.push(`${pp}: Invalid value: {}: ${ERR.noProvider}`);
      else if (present.length > 1) errs.push(invalid(pp, present.join(', '), ERR.moreThanOne));
      if (provider.kms) errs.push(`${pp}.kms: Forbidden: ${ERR.kms}`);
      else if (provider.aesgcm) errs.push(...validateKeys(provider.aesgcm, `${pp}.aesgcm.keys`, AES_KEY_SIZES));
      else if (provider.aescbc) errs.push(...validateKeys(provider.aescbc, `${pp}.aescbc.keys`, AES_KEY_SIZES));
      else if (provider.secretbox)
        errs.push(...validateKeys(provider.secretbox, `${pp}.secretbox.keys`, SECRETBOX_KEY_SIZES));
    });
  });
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Providers and transformers

type CipherKind = keyof typeof PREFIXES;

interface NamedKey {
  name: string;
  /** `<name>:` as stored after the provider prefix. */
  prefix: Buffer;
  secret: Buffer;
}

type Provider = { kind: 'identity' } | { kind: CipherKind; prefix: Buffer; keys: NamedKey[] };

function cbcAlgorithm(secret: Buffer): string {
  return `aes-${secret.length * 8}-cbc`;
}
function gcmAlgorithm(secret: Buffer): CipherGCMTypes {
  return `aes-${secret.length * 8}-gcm` as CipherGCMTypes;
}

function seal(kind: CipherKind, secret: Buffer, plain: Uint8Array, aad: Buffer): Buffer {
  switch (kind) {
    case 'aescbc': {
      const iv = randomBytes(AES_BLOCK);
      // Node's default padding is PKCS#7 with a full block when aligned, as upstream pads.
      const c = createCipheriv(cbcAlgorithm(secret), secret, iv);
      return Buffer.concat([iv, c.update(plain), c.final()]);
    }
    case 'aesgcm': {
      const nonce = randomBytes(GCM_NONCE);
      const c = createCipheriv(gcmAlgorithm(secret), secret, nonce, { authTagLength: GCM_TAG });
      c.setAAD(aad);
      const body = Buffer.concat([c.update(plain), c.final()]);
      return Buffer.concat([nonce, body, c.getAuthTag()]);
    }
    case 'secretbox': {
      const nonce = randomBytes(SECRETBOX_NONCE_SIZE);
      return Buffer.concat([nonce, secretboxSeal(plain, nonce, secret)]);
    }
  }
}

/** The plaintext, or a reason string (upstream's wording where it has one). */
function open(kind: CipherKind, secret: Buffer, data: Buffer, aad: Buffer): Buffer | string {
  switch (kind) {
    case 'aescbc': {
      if (data.length < AES_BLOCK) return SHORT_DATA;
      const iv = data.subarray(0, AES_BLOCK);
      const body = data.subarray(AES_BLOCK);
      if (body.length % AES_BLOCK !== 0) return 'the stored data is not a multiple of the block size';
      // Padding is checked by hand to report upstream's errors rather than OpenSSL's.
      const d = createDecipheriv(cbcAlgorithm(secret), secret, iv);
      d.setAutoPadding(false);
      const out = Buffer.concat([d.update(body), d.final()]);
      const pad = out.length > 0 ? out[out.length - 1]! : 0;
      if (pad === 0 || pad > out.length) return 'invalid PKCS7 data (empty or not padded)';
      for (let i = out.length - pad; i < out.length; i++) {
        if (out[i] !== pad) return 'invalid padding on input';
      }
      return out.subarray(0, out.length - pad);
    }
    case 'aesgcm': {
      if (data.length < GCM_NONCE) return SHORT_DATA;
      const nonce = data.subarray(0, GCM_NONCE);
      const body = data.subarray(GCM_NONCE);
      if (body.length < GCM_TAG) return GCM_AUTH_FAILED;
      // authTagLength pins the tag to 16 bytes: Node would otherwise accept truncated tags.
      const d = createDecipheriv(gcmAlgorithm(secret), secret, nonce, { authTagLength: GCM_TAG });
      d.setAuthTag(body.subarray(body.length - GCM_TAG));
      d.setAAD(aad);
      try {
        return Buffer.concat([d.update(body.subarray(0, body.length - GCM_TAG)), d.final()]);
      } catch {
        return GCM_AUTH_FAILED;
      }
    }
    case 'secretbox': {
      if (data.length < SECRETBOX_NONCE_SIZE + SECRETBOX_OVERHEAD) return SHORT_DATA;
      const plain = secretboxOpen(data.subarray(SECRETBOX_NONCE_SIZE), data.subarray(0, SECRETBOX_NONCE_SIZE), secret);
      return plain ? Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength) : 'secretbox: message authentication failed';
    }
  }
}

function startsWith(data: Buffer, prefix: Buffer): boolean {
  return data.length >= prefix.length && data.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}

/** A printable rendering of the bytes up to `fields` colons, for error messages (never secret material). */
function leadingFields(data: Buffer, fields: number): string {
  let end = 0;
  let colons = 0;
  while (end < data.length && end < 100 && colons < fields) {
    if (data[end] === 0x3a) colons++;
    end++;
  }
  return data
    .subarray(0, end)
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, '?');
}

class PrefixTransformer implements ValueTransformer {
  constructor(
    private readonly providers: Provider[],
    private readonly label: string,
  ) {}

  toStorage(plain: Uint8Array, key: string): Uint8Array {
    const first = this.providers[0]!;
    if (first.kind === 'identity') return plain;
    const k = first.keys[0]!;
    return Buffer.concat([first.prefix, k.prefix, seal(first.kind, k.secret, plain, Buffer.from(key, 'utf8'))]);
  }

  fromStorage(stored: Uint8Array, key: string): { plain: Uint8Array; stale: boolean } {
    const data = Buffer.isBuffer(stored) ? stored : Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
    const aad = Buffer.from(key, 'utf8');
    const errs: string[] = [];
    for (const [i, p] of this.providers.entries()) {
      if (p.kind === 'identity') {
        // As upstream: identity declines encrypted data and the next provider is tried.
        if (startsWith(data, ENCRYPTED_PREFIX)) continue;
        return { plain: stored, stale: i !== 0 };
      }
      if (!startsWith(data, p.prefix)) continue;
      // Like upstream, a failure never short-circuits: the same provider type may be listed
      // again further down with other keys (rotation away from it).
      const rest = data.subarray(p.prefix.length);
      let matched = false;
      for (const [j, k] of p.keys.entries()) {
        if (!startsWith(rest, k.prefix)) continue;
        matched = true;
        const result = open(p.kind, k.secret, rest.subarray(k.prefix.length), aad);
        if (typeof result !== 'string') return { plain: result, stale: i !== 0 || j !== 0 };
        errs.push(`${p.kind} key ${quote(k.name)}: ${result}`);
      }
      if (!matched) {
        const family = p.kind === 'secretbox' ? 'Secretbox' : 'AES';
        const name = leadingFields(rest, 1).replace(/:$/, '');
        errs.push(
          `no matching key was found for the provided ${family} transformer (the value names ${p.kind} key ${quote(name)}, which is not configured)`,
        );
      }
    }
    let reason: string;
    if (errs.length > 0) reason = errs.join('; ');
    else if (startsWith(data, ENCRYPTED_PREFIX))
      reason = `no matching prefix found: the value was written by ${quote(leadingFields(data, 5))}, a provider not configured for ${this.label}`;
    else reason = `no matching prefix found: the value is not encrypted and the identity provider is not configured for ${this.label}`;
    throw new EncryptionError(`unable to transform value at ${quote(key)} from storage: ${reason}`);
  }
}

function buildProvider(raw: RawProvider): Provider {
  if (raw.identity) return { kind: 'identity' };
  const kind: CipherKind = raw.aesgcm ? 'aesgcm' : raw.aescbc ? 'aescbc' : 'secretbox';
  const keys = (raw[kind] ?? []).map((k) => ({
    name: k.name,
    prefix: Buffer.from(`${k.name}:`, 'utf8'),
    secret: decodeBase64Std(k.secret)!,
  }));
  return { kind, prefix: Buffer.from(PREFIXES[kind], 'utf8'), keys };
}

function grKey(gr: GroupResource): string {
  return `${gr.group}\u0000${gr.resource}`;
}

class Config implements EncryptionConfig {
  constructor(
    private readonly rules: Map<string, PrefixTransformer>,
    private readonly written: string[],
  ) {}

  transformerFor(group: string, resource: string): ValueTransformer | undefined {
    return (
      this.rules.get(grKey({ group, resource })) ??
      this.rules.get(grKey({ group, resource: '*' })) ??
      this.rules.get(grKey({ group: '*', resource: '*' }))
    );
  }

  resources(): string[] {
    return [...this.written];
  }
}

/**
 * Parses YAML or JSON text of kind EncryptionConfiguration (apiVersion apiserver.config.k8s.io/v1
 * only: the pre-1.13 `kind: EncryptionConfig, apiVersion: v1` is rejected, as in current
 * kube-apiserver). Throws EncryptionError with a one-line reason naming the field.
 */
export function parseEncryptionConfig(text: string): EncryptionConfig {
  const entries = decode(text);
  const errs = validate(entries);
  if (errs.length === 1) throw new EncryptionError(errs[0]!);
  if (errs.length > 1) throw new EncryptionError(`[${errs.join(', ')}]`);

  const lists = new Map<string, { label: string; providers: Provider[] }>();
  const written: string[] = [];
  for (const entry of entries) {
    const providers = entry.providers.map(buildProvider);
    for (const res of entry.resources) {
      written.push(res);
      const gr = parseGroupResource(res);
      // A wildcard listed earlier would shadow this rule for good: upstream refuses the file.
      for (const mask of [{ group: gr.group, resource: '*' }, { group: '*', resource: '*' }]) {
        if (lists.has(grKey(mask))) {
          throw new EncryptionError(`resource ${quote(grString(gr))} is masked by earlier rule ${quote(grString(mask))}`);
        }
      }
      // The same resource in a later entry appends that entry's providers (read-only fallbacks), as upstream.
      const existing = lists.get(grKey(gr));
      if (existing) existing.providers.push(...providers);
      else lists.set(grKey(gr), { label: grString(gr), providers: [...providers] });
    }
  }
  const rules = new Map<string, PrefixTransformer>();
  for (const [k, { label, providers }] of lists) rules.set(k, new PrefixTransformer(providers, label));
  return new Config(rules, written);
}

export async function loadEncryptionConfig(path: string): Promise<EncryptionConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new EncryptionError(
      `error reading encryption provider configuration file ${quote(path)}: ${(err as Error).message}`,
    );
  }
  if (text.length === 0) throw new EncryptionError(`encryption provider configuration file ${quote(path)} is empty`);
  try {
    return parseEncryptionConfig(text);
  } catch (err) {
    if (err instanceof EncryptionError) {
      throw new EncryptionError(`error while parsing encryption provider configuration file ${quote(path)}: ${err.message}`);
    }
    throw err;
  }
}
