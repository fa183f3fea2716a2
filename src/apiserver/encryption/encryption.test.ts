import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { EncryptionError, loadEncryptionConfig, parseEncryptionConfig, type ValueTransformer } from './index.ts';
import { secretboxSeal } from './secretbox.ts';

const KEY = '/registry/secrets/default/mysecret';
const PLAIN = Buffer.from('{"kind":"Secret","apiVersion":"v1","data":{"password":"c3VwZXItc2VjcmV0LXZhbHVl"}}');
const MARKER = 'c3VwZXItc2VjcmV0LXZhbHVl';

/** Deterministic key material of `n` bytes, different per seed. */
function keyBytes(n: number, seed: number): Buffer {
  return Buffer.from(Array.from({ length: n }, (_, i) => (seed * 31 + i * 7) & 0xff));
}
const b64 = (b: Buffer) => b.toString('base64');

type ProviderSpec = Record<string, unknown>;
const aescbc = (...keys: [string, Buffer][]) => ({ aescbc: { keys: keys.map(([name, k]) => ({ name, secret: b64(k) })) } });
const aesgcm = (...keys: [string, Buffer][]) => ({ aesgcm: { keys: keys.map(([name, k]) => ({ name, secret: b64(k) })) } });
const secretbox = (...keys: [string, Buffer][]) => ({
  secretbox: { keys: keys.map(([name, k]) => ({ name, secret: b64(k) })) },
});
const identity = { identity: {} };

function configText(...entries: [string[], ProviderSpec[]][]): string {
  return JSON.stringify({
    kind: 'EncryptionConfiguration',
    apiVersion: 'apiserver.config.k8s.io/v1',
    resources: entries.map(([resources, providers]) => ({ resources, providers })),
  });
}

function secretsTransformer(...providers: ProviderSpec[]): ValueTransformer {
  const t = parseEncryptionConfig(configText([['secrets'], providers])).transformerFor('', 'secrets');
  assert.ok(t);
  return t;
}

function contains(hay: Uint8Array, needle: string): boolean {
  return Buffer.from(hay).includes(Buffer.from(needle));
}

function parseError(text: string): string {
  try {
    parseEncryptionConfig(text);
  } catch (err) {
    assert.ok(err instanceof EncryptionError, `expected EncryptionError, got ${String(err)}`);
    assert.ok(!err.message.includes('\n'), `one line: ${err.message}`);
    return err.message;
  }
  assert.fail('expected the config to be rejected');
}

function readError(t: ValueTransformer, stored: Uint8Array, key = KEY): string {
  try {
    t.fromStorage(stored, key);
  } catch (err) {
    assert.ok(err instanceof EncryptionError, `expected EncryptionError, got ${String(err)}`);
    return err.message;
  }
  assert.fail('expected the read to fail');
}

const K1 = keyBytes(32, 1);
const K2 = keyBytes(32, 2);

// ---------------------------------------------------------------------------------------------
// Round trips and formats

for (const [name, spec, prefix] of [
  ['aescbc 16-byte key', aescbc(['key1', keyBytes(16, 3)]), 'k8s:enc:aescbc:v1:key1:'],
  ['aescbc 24-byte key', aescbc(['key1', keyBytes(24, 3)]), 'k8s:enc:aescbc:v1:key1:'],
  ['aescbc 32-byte key', aescbc(['key1', K1]), 'k8s:enc:aescbc:v1:key1:'],
  ['aesgcm 16-byte key', aesgcm(['k', keyBytes(16, 4)]), 'k8s:enc:aesgcm:v1:k:'],
  ['aesgcm 24-byte key', aesgcm(['k', keyBytes(24, 4)]), 'k8s:enc:aesgcm:v1:k:'],
  ['aesgcm 32-byte key', aesgcm(['k', K1]), 'k8s:enc:aesgcm:v1:k:'],
  ['secretbox', secretbox(['sb', K1]), 'k8s:enc:secretbox:v1:sb:'],
] as const) {
  test(`${name}: round trip, prefix, no plaintext in storage`, () => {
    const t = secretsTransformer(spec);
    const stored = t.toStorage(PLAIN, KEY);
    assert.equal(Buffer.from(stored.subarray(0, prefix.length)).toString(), prefix);
    assert.ok(!contains(stored, MARKER));
    assert.ok(!contains(stored, '"kind"'));
    const { plain, stale } = t.fromStorage(stored, KEY);
    assert.deepEqual(Buffer.from(plain), PLAIN);
    assert.equal(stale, false);
    // Fresh randomness per write: the same plaintext never stores the same bytes twice.
    assert.notDeepEqual(Buffer.from(t.toStorage(PLAIN, KEY)), Buffer.from(stored));
  });
}

test('identity: stored bytes are the plaintext and read back unchanged', () => {
  const t = secretsTransformer(identity);
  const stored = t.toStorage(PLAIN, KEY);
  assert.deepEqual(Buffer.from(stored), PLAIN);
  const { plain, stale } = t.fromStorage(stored, KEY);
  assert.deepEqual(Buffer.from(plain), PLAIN);
  assert.equal(stale, false);
});

test('round trip holds for arbitrary bytes and storage keys (property)', () => {
  const transformers = [
    secretsTransformer(aescbc(['a', K1])),
    secretsTransformer(aesgcm(['g', K2])),
    secretsTransformer(secretbox(['s', K1])),
  ];
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.string(), (bytes, key) => {
      for (const t of transformers) {
        const { plain, stale } = t.fromStorage(t.toStorage(bytes, key), key);
        assert.deepEqual(Buffer.from(plain), Buffer.from(bytes));
        assert.equal(stale, false);
      }
    }),
    { numRuns: 60 },
  );
});

test('aescbc known answer: IV(16) | AES-CBC(PKCS#7) after the prefix, no authenticated data', () => {
  const iv = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
  const c = createCipheriv('aes-256-cbc', K1, iv);
  c.setAutoPadding(false);
  // 16-byte-aligned plaintext gets a whole block of 0x10 padding, as upstream pads.
  const plain16 = Buffer.from('0123456789abcdef');
  const padded = Buffer.concat([plain16, Buffer.alloc(16, 16)]);
  const stored = Buffer.concat([Buffer.from('k8s:enc:aescbc:v1:key1:'), iv, c.update(padded), c.final()]);
  const t = secretsTransformer(aescbc(['key1', K1]));
  assert.deepEqual(Buffer.from(t.fromStorage(stored, KEY).plain), plain16);
  // CBC does not bind the value to its storage key.
  assert.deepEqual(Buffer.from(t.fromStorage(stored, '/registry/secrets/other/x').plain), plain16);
});

test('aescbc output decrypts by hand following the documented layout', () => {
  const t = secretsTransformer(aescbc(['key1', K1]));
  const stored = Buffer.from(t.toStorage(PLAIN, KEY));
  const body = stored.subarray('k8s:enc:aescbc:v1:key1:'.length);
  assert.equal(body.length, 16 + Math.ceil((PLAIN.length + 1) / 16) * 16);
  const d = createDecipheriv('aes-256-cbc', K1, body.subarray(0, 16));
  assert.deepEqual(Buffer.concat([d.update(body.subarray(16)), d.final()]), PLAIN);
});

test('aesgcm known answer: nonce(12) | ciphertext | tag(16), storage key as AAD', () => {
  const nonce = Buffer.from('cafebabefacedbaddecaf888', 'hex');
  const c = createCipheriv('aes-128-gcm', keyBytes(16, 5), nonce);
  c.setAAD(Buffer.from(KEY));
  const ct = Buffer.concat([c.update(PLAIN), c.final()]);
  const stored = Buffer.concat([Buffer.from('k8s:enc:aesgcm:v1:kgcm:'), nonce, ct, c.getAuthTag()]);
  const t = secretsTransformer(aesgcm(['kgcm', keyBytes(16, 5)]));
  const { plain, stale } = t.fromStorage(stored, KEY);
  assert.deepEqual(Buffer.from(plain), PLAIN);
  assert.equal(stale, false);
  // The same bytes under another storage key fail authentication: the key is the AAD.
  assert.match(readError(t, stored, '/registry/secrets/default/copied'), /message authentication failed/);
});

test('aesgcm output decrypts by hand with the storage key as AAD', () => {
  const t = secretsTransformer(aesgcm(['g', K2]));
  const body = Buffer.from(t.toStorage(PLAIN, KEY)).subarray('k8s:enc:aesgcm:v1:g:'.length);
  assert.equal(body.length, 12 + PLAIN.length + 16);
  const d = createDecipheriv('aes-256-gcm', K2, body.subarray(0, 12));
  d.setAAD(Buffer.from(KEY));
  d.setAuthTag(body.subarray(body.length - 16));
  assert.deepEqual(Buffer.concat([d.update(body.subarray(12, body.length - 16)), d.final()]), PLAIN);
});

test('secretbox known answer: nonce(24) | tag(16) | ciphertext, not bound to the storage key', () => {
  const nonce = Buffer.alloc(24, 0x24);
  const stored = Buffer.concat([Buffer.from('k8s:enc:secretbox:v1:sb:'), nonce, secretboxSeal(PLAIN, nonce, K1)]);
  const t = secretsTransformer(secretbox(['sb', K1]));
  assert.deepEqual(Buffer.from(t.fromStorage(stored, KEY).plain), PLAIN);
  assert.deepEqual(Buffer.from(t.fromStorage(stored, '/registry/secrets/x/y').plain), PLAIN);
  assert.equal(stored.length, 'k8s:enc:secretbox:v1:sb:'.length + 24 + 16 + PLAIN.length);
});

// ---------------------------------------------------------------------------------------------
// Rotation and provider order

test('key rotation: key2 first, key1 second; key1 data reads stale, new writes use key2', () => {
  const old = secretsTransformer(aescbc(['key1', K1]));
  const rotated = secretsTransformer(aescbc(['key2', K2], ['key1', K1]));
  const underKey1 = old.toStorage(PLAIN, KEY);
  const read = rotated.fromStorage(underKey1, KEY);
  assert.deepEqual(Buffer.from(read.plain), PLAIN);
  assert.equal(read.stale, true);
  const rewritten = rotated.toStorage(read.plain, KEY);
  assert.ok(Buffer.from(rewritten).toString('latin1').startsWith('k8s:enc:aescbc:v1:key2:'));
  assert.equal(rotated.fromStorage(rewritten, KEY).stale, false);
});

test('rotation across providers: aesgcm first, aescbc second reads aescbc data as stale', () => {
  const cbcData = secretsTransformer(aescbc(['key1', K1])).toStorage(PLAIN, KEY);
  const t = secretsTransformer(aesgcm(['new', K2]), aescbc(['key1', K1]));
  const read = t.fromStorage(cbcData, KEY);
  assert.deepEqual(Buffer.from(read.plain), PLAIN);
  assert.equal(read.stale, true);
  assert.ok(Buffer.from(t.toStorage(PLAIN, KEY)).toString('latin1').startsWith('k8s:enc:aesgcm:v1:new:'));
});

test('the same provider type listed twice: a failing earlier match does not stop the search', () => {
  // Upstream's example: two aescbc entries share a prefix; data under the second one's key must read.
  const data = secretsTransformer(aescbc(['1', K1])).toStorage(PLAIN, KEY);
  const t = secretsTransformer(aescbc(['2', K2]), aescbc(['1', K1]));
  const read = t.fromStorage(data, KEY);
  assert.deepEqual(Buffer.from(read.plain), PLAIN);
  assert.equal(read.stale, true);
  // Same key name with different secrets: the first fails to decrypt, the second succeeds.
  const sameName = secretsTransformer(aesgcm(['k', K2]), aesgcm(['k', K1]));
  const gcmData = secretsTransformer(aesgcm(['k', K1])).toStorage(PLAIN, KEY);
  assert.equal(sameName.fromStorage(gcmData, KEY).stale, true);
});

test('identity first: writes are plaintext, encrypted data still reads (stale)', () => {
  const encrypted = secretsTransformer(aesgcm(['k', K1])).toStorage(PLAIN, KEY);
  const t = secretsTransformer(identity, aesgcm(['k', K1]));
  assert.deepEqual(Buffer.from(t.toStorage(PLAIN, KEY)), PLAIN);
  const read = t.fromStorage(encrypted, KEY);
  assert.deepEqual(Buffer.from(read.plain), PLAIN);
  assert.equal(read.stale, true);
  assert.equal(t.fromStorage(PLAIN, KEY).stale, false);
});

test('encryption first, identity second: plaintext data reads as stale (to be encrypted)', () => {
  const t = secretsTransformer(secretbox(['s', K1]), identity);
  const read = t.fromStorage(PLAIN, KEY);
  assert.deepEqual(Buffer.from(read.plain), PLAIN);
  assert.equal(read.stale, true);
});

// ---------------------------------------------------------------------------------------------
// Unreadable data

test('data under a key no longer listed is an EncryptionError naming the key', () => {
  const data = secretsTransformer(aescbc(['key1', K1])).toStorage(PLAIN, KEY);
  const msg = readError(secretsTransformer(aescbc(['key2', K2])), data);
  assert.match(msg, /no matching key was found for the provided AES transformer/);
  assert.match(msg, /"key1"/);
  assert.match(msg, /\/registry\/secrets\/default\/mysecret/);
  const sb = secretsTransformer(secretbox(['old', K1])).toStorage(PLAIN, KEY);
  assert.match(readError(secretsTransformer(secretbox(['new', K1])), sb), /Secretbox transformer.*"old"/);
});

test('data from a provider not listed is an EncryptionError', () => {
  const data = secretsTransformer(aesgcm(['key1', K1])).toStorage(PLAIN, KEY);
  const msg = readError(secretsTransformer(aescbc(['key1', K1])), data);
  assert.match(msg, /no matching prefix found/);
  assert.match(msg, /k8s:enc:aesgcm:v1:key1:/);
});

test('encrypted data with only identity configured is an EncryptionError, not garbage', () => {
  const data = secretsTransformer(aescbc(['key1', K1])).toStorage(PLAIN, KEY);
  assert.match(readError(secretsTransformer(identity), data), /no matching prefix found/);
});

test('unencrypted data without identity listed is an EncryptionError', () => {
  assert.match(readError(secretsTransformer(aescbc(['key1', K1])), PLAIN), /not encrypted and the identity provider is not configured/);
});

test('tampered aesgcm and secretbox values are rejected', () => {
  for (const t of [secretsTransformer(aesgcm(['k', K1])), secretsTransformer(secretbox(['k', K1]))]) {
    const stored = Buffer.from(t.toStorage(PLAIN, KEY));
    const headerEnd = Buffer.from(stored).indexOf(':k:') + 3;
    for (const i of [headerEnd, headerEnd + 13, headerEnd + 30, stored.length - 1]) {
      const bad = Buffer.from(stored);
      bad[i]! ^= 0x80;
      assert.match(readError(t, bad), /message authentication failed/, `byte ${i}`);
    }
    assert.match(readError(t, stored.subarray(0, headerEnd + 5)), /shorter than the required size|authentication failed/);
  }
});

test('tampered aescbc values: framing and padding errors are detected, CBC itself is unauthenticated', () => {
  const t = secretsTransformer(aescbc(['key1', K1]));
  const prefix = Buffer.from('k8s:enc:aescbc:v1:key1:');
  const stored = Buffer.from(t.toStorage(PLAIN, KEY));
  assert.match(readError(t, stored.subarray(0, stored.length - 3)), /not a multiple of the block size/);
  assert.match(readError(t, stored.subarray(0, prefix.length + 10)), /shorter than the required size/);
  // Hand-made bad padding: last byte 0x03 but the two before it are not 0x03.
  const iv = Buffer.alloc(16, 1);
  const c = createCipheriv('aes-256-cbc', K1, iv);
  c.setAutoPadding(false);
  const badPad = Buffer.concat([prefix, iv, c.update(Buffer.from('abcdefghijklm\x01\x02\x03')), c.final()]);
  assert.match(readError(t, badPad), /invalid padding on input/);
  const c0 = createCipheriv('aes-256-cbc', K1, iv);
  c0.setAutoPadding(false);
  const zeroPad = Buffer.concat([prefix, iv, c0.update(Buffer.from('abcdefghijklmno\x00')), c0.final()]);
  assert.match(readError(t, zeroPad), /invalid PKCS7 data/);
  // As upstream (aescbc is the "weak" provider): a flipped IV bit silently flips a plaintext bit.
  const flipped = Buffer.from(stored);
  flipped[prefix.length]! ^= 0x01;
  assert.notDeepEqual(Buffer.from(t.fromStorage(flipped, KEY).plain), PLAIN);
});

// ---------------------------------------------------------------------------------------------
// Resource matching

test('resource matching: exact, *.group, *. and *.*; first matching rule wins', () => {
  const cfg = parseEncryptionConfig(
    configText(
      [['secrets', 'deployments.apps'], [aesgcm(['exact', K1])]],
      [['*.apps'], [secretbox(['apps', K1])]],
      [['*.'], [aescbc(['core', K1])]],
      [['*.*'], [aescbc(['all', K2])]],
    ),
  );
  const prefixFor = (group: string, resource: string) => {
    const t = cfg.transformerFor(group, resource);
    assert.ok(t, `${resource}.${group}`);
    const fields = Buffer.from(t.toStorage(PLAIN, KEY)).toString('latin1').split(':');
    return `${fields.slice(0, 5).join(':')}:`;
  };
  assert.equal(prefixFor('', 'secrets'), 'k8s:enc:aesgcm:v1:exact:');
  assert.equal(prefixFor('apps', 'deployments'), 'k8s:enc:aesgcm:v1:exact:');
  assert.equal(prefixFor('apps', 'statefulsets'), 'k8s:enc:secretbox:v1:apps:');
  assert.equal(prefixFor('', 'configmaps'), 'k8s:enc:aescbc:v1:core:');
  assert.equal(prefixFor('batch', 'jobs'), 'k8s:enc:aescbc:v1:all:');
  // "secrets" means the core group only.
  assert.equal(prefixFor('example.com', 'secrets'), 'k8s:enc:aescbc:v1:all:');
  assert.deepEqual(cfg.resources(), ['secrets', 'deployments.apps', '*.apps', '*.', '*.*']);
});

test('resource matching: no rule means no transformer; dotted CRD groups split at the first dot', () => {
  const cfg = parseEncryptionConfig(configText([['widgets.stable.example.com', 'secrets'], [aesgcm(['k', K1])]]));
  assert.ok(cfg.transformerFor('stable.example.com', 'widgets'));
  assert.ok(cfg.transformerFor('', 'secrets'));
  assert.equal(cfg.transformerFor('', 'configmaps'), undefined);
  assert.equal(cfg.transformerFor('example.com', 'widgets'), undefined);
  assert.equal(cfg.transformerFor('apps', 'secrets'), undefined);
});

test('a resource in two entries gets both provider lists (the later ones read-only), as upstream', () => {
  const cbcData = secretsTransformer(aescbc(['old', K1])).toStorage(PLAIN, KEY);
  const cfg = parseEncryptionConfig(configText([['secrets'], [aesgcm(['new', K2])]], [['secrets'], [aescbc(['old', K1])]]));
  const t = cfg.transformerFor('', 'secrets')!;
  assert.ok(Buffer.from(t.toStorage(PLAIN, KEY)).toString('latin1').startsWith('k8s:enc:aesgcm:v1:new:'));
  const read = t.fromStorage(cbcData, KEY);
  assert.deepEqual(Buffer.from(read.plain), PLAIN);
  assert.equal(read.stale, true);
});

test('an exact rule before a wildcard for its group is allowed and wins', () => {
  const cfg = parseEncryptionConfig(configText([['secrets'], [identity]], [['*.'], [aesgcm(['k', K1])]]));
  assert.deepEqual(Buffer.from(cfg.transformerFor('', 'secrets')!.toStorage(PLAIN, KEY)), PLAIN);
  assert.ok(!contains(cfg.transformerFor('', 'configmaps')!.toStorage(PLAIN, KEY), MARKER));
});

// ---------------------------------------------------------------------------------------------
// Parsing

test('parses the YAML form from the Kubernetes documentation', () => {
  const cfg = parseEncryptionConfig(`
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources:
      - secrets
      - configmaps
      - pandas.awesome.bears.example
    providers:
      - aesgcm:
          keys:
            - name: key1
              secret: c2VjcmV0IGlzIHNlY3VyZQ==
            - name: key2
              secret: dGhpcyBpcyBwYXNzd29yZA==
      - aescbc:
          keys:
            - name: key1
              secret: ${b64(K1)}
      - secretbox:
          keys:
            - name: key1
              secret: YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY=
      - identity: {}
`);
  assert.deepEqual(cfg.resources(), ['secrets', 'configmaps', 'pandas.awesome.bears.example']);
  const t = cfg.transformerFor('awesome.bears.example', 'pandas')!;
  assert.ok(Buffer.from(t.toStorage(PLAIN, KEY)).toString('latin1').startsWith('k8s:enc:aesgcm:v1:key1:'));
  assert.equal(t.fromStorage(PLAIN, KEY).stale, true);
});

const VALID_HEAD = 'kind: EncryptionConfiguration\napiVersion: apiserver.config.k8s.io/v1\n';
const yamlWith = (providers: string, resources = '[secrets]') =>
  `${VALID_HEAD}resources:\n  - resources: ${resources}\n    providers:\n${providers}`;

test('parse errors: document level', () => {
  assert.match(parseError(''), /empty/);
  assert.match(parseError('kind: [unclosed'), /^error decoding encryption provider configuration: /);
  assert.match(parseError('- a\n- b\n'), /must be an object/);
  assert.equal(parseError('apiVersion: apiserver.config.k8s.io/v1\nresources: []'), "Object 'Kind' is missing");
  assert.equal(parseError('kind: EncryptionConfiguration\nresources: []'), "Object 'apiVersion' is missing");
  assert.match(
    parseError('kind: EncryptionConfiguration\napiVersion: apiserver.config.k8s.io/v2\nresources: []'),
    /^no kind "EncryptionConfiguration" is registered for version "apiserver.config.k8s.io\/v2"/,
  );
  // The pre-1.13 kind is not accepted by current kube-apiserver either.
  assert.match(
    parseError('kind: EncryptionConfig\napiVersion: v1\nresources:\n  - resources: [secrets]\n    providers: [{identity: {}}]'),
    /no kind "EncryptionConfig" is registered for version "v1".*pre-1\.13/,
  );
  assert.equal(parseError(`${VALID_HEAD}resources: []`), 'resources: Required value: at least one resources is required');
  assert.match(parseError(`${VALID_HEAD}resources: secrets`), /resources must be a list, got string/);
});

test('parse errors: strict decoding of unknown fields and unknown providers', () => {
  assert.equal(
    parseError(yamlWith('      - aescbc:\n          kyes: []\n')),
    'strict decoding error: unknown field "resources[0].providers[0].aescbc.kyes"',
  );
  assert.equal(
    parseError(yamlWith('      - aesxyz:\n          keys: []\n')),
    'strict decoding error: unknown field "resources[0].providers[0].aesxyz"',
  );
  assert.equal(parseError(`${VALID_HEAD}metadata: {}\nresources: []`), 'strict decoding error: unknown field "metadata"');
  assert.match(parseError(yamlWith('      - identity: {}\n        extra: 1\n')), /unknown field "resources\[0\]\.providers\[0\]\.extra"/);
  assert.match(parseError(yamlWith('      - identity: {mode: x}\n')), /unknown field "resources\[0\]\.providers\[0\]\.identity\.mode"/);
  assert.match(parseError(yamlWith('      - aescbc: {keys: [{name: k, secret: 5}]}\n')), /keys\[0\]\.secret must be a string, got number/);
});

test('parse errors: providers', () => {
  assert.equal(
    parseError(`${VALID_HEAD}resources:\n  - resources: [secrets]\n    providers: []\n`),
    'resources[0].providers: Required value: at least one resources[0].providers is required',
  );
  assert.equal(
    parseError(yamlWith('      - {}\n')),
    'resources[0].providers[0]: Invalid value: {}: provider does not contain any of the expected providers: KMS, AESGCM, AESCBC, Secretbox, Identity',
  );
  // A null provider body is an absent provider, as Go decodes it into a nil pointer.
  assert.match(parseError(yamlWith('      - identity:\n')), /does not contain any of the expected providers/);
  assert.match(
    parseError(yamlWith(`      - identity: {}\n        aescbc: {keys: [{name: k, secret: ${b64(K1)}}]}\n`)),
    /^resources\[0\]\.providers\[0\]: Invalid value: .*more than one provider specified in a single element/,
  );
  const kms = parseError(yamlWith('      - kms:\n          apiVersion: v2\n          name: myKms\n          endpoint: unix:///tmp/kms.sock\n'));
  assert.match(kms, /^resources\[0\]\.providers\[0\]\.kms: Forbidden: the kms provider is not supported/);
});

test('parse errors: keys', () => {
  assert.equal(
    parseError(yamlWith('      - aescbc:\n          keys: []\n')),
    'resources[0].providers[0].aescbc.keys: Required value: at least one keys is required',
  );
  assert.equal(
    parseError(yamlWith(`      - aesgcm:\n          keys: [{secret: ${b64(K1)}}]\n`)),
    'resources[0].providers[0].aesgcm.keys[0].name: Required value: name is a mandatory field for a key',
  );
  assert.equal(
    parseError(yamlWith('      - secretbox:\n          keys: [{name: k}]\n')),
    'resources[0].providers[0].secretbox.keys[0].secret: Required value: secret is a mandatory field for a key',
  );
  const badB64 = parseError(yamlWith('      - aescbc:\n          keys: [{name: k, secret: "not*base64!!"}]\n'));
  assert.equal(badB64, 'resources[0].providers[0].aescbc.keys[0].secret: Invalid value: "REDACTED": secrets must be base64 encoded');
  // Go's StdEncoding wants padding.
  assert.match(parseError(yamlWith('      - aescbc:\n          keys: [{name: k, secret: "YWJj ZA"}]\n')), /base64/);
  assert.match(parseError(yamlWith('      - aescbc:\n          keys: [{name: k, secret: "YWJjZA"}]\n')), /base64/);
  assert.equal(
    parseError(yamlWith(`      - aescbc:\n          keys: [{name: k, secret: ${b64(keyBytes(8, 1))}}]\n`)),
    'resources[0].providers[0].aescbc.keys[0].secret: Invalid value: "REDACTED": secret is not of the expected length, got 8, expected one of [16 24 32]',
  );
  assert.match(
    parseError(yamlWith(`      - aesgcm:\n          keys: [{name: k, secret: ${b64(keyBytes(33, 1))}}]\n`)),
    /got 33, expected one of \[16 24 32\]/,
  );
  assert.equal(
    parseError(yamlWith(`      - identity: {}\n      - secretbox:\n          keys: [{name: k, secret: ${b64(keyBytes(16, 1))}}]\n`)),
    'resources[0].providers[1].secretbox.keys[0].secret: Invalid value: "REDACTED": secret is not of the expected length, got 16, expected one of [32]',
  );
  // Secrets never appear in messages.
  const secret = b64(keyBytes(20, 9));
  assert.ok(!parseError(yamlWith(`      - aescbc:\n          keys: [{name: k, secret: "${secret}"}]\n`)).includes(secret));
});

test('parse errors: resources', () => {
  const withResources = (r: string) => yamlWith('      - identity: {}\n', r);
  assert.equal(
    parseError(withResources('[]')),
    'resources[0].resources: Required value: at least one resources[0].resources is required',
  );
  assert.equal(
    parseError(withResources('[secrets, secrets]')),
    'resources[0].resources: Invalid value: []string{"secrets", "secrets"}: the same resource cannot be specified multiple times',
  );
  assert.match(
    parseError(withResources('[secrets, "*."]')),
    /^resources\[0\]\.resources: Invalid value: \[\]string\{"secrets", "\*\."\}: using overlapping resources such as 'secrets' and '\*\.' in the same resource list/,
  );
  assert.match(parseError(withResources('["*.*", deployments.apps]')), /overlapping resources/);
  assert.match(parseError(withResources('["*"]')), /resources\[0\]\.resources\[0\]: Invalid value: "\*": use '\*\.' to encrypt all the resources from core API group/);
  assert.match(parseError(withResources('[Secrets]')), /resource name should not contain capital letters/);
  assert.match(parseError(withResources('[serviceipallocations]')), /resources which do not have REST API\/s cannot be encrypted/);
  assert.match(parseError(withResources('[events.events.k8s.io]')), /Use 'events' instead in the config file/);
  assert.match(parseError(withResources('[deployments.extensions]')), /'extensions' group has been removed/);
  assert.match(parseError(withResources('["secrets.*"]')), /encrypting the same resource across groups is not supported/);
  // Several problems are reported together, as upstream's aggregate.
  assert.match(
    parseError(withResources('[Secrets, "secrets.*"]')),
    /^\[resources\[0\]\.resources\[0\]: .*capital letters, resources\[0\]\.resources\[1\]: .*across groups is not supported\]$/,
  );
});

test('parse errors: a rule masked by an earlier wildcard', () => {
  assert.equal(
    parseError(configText([['*.'], [identity]], [['secrets'], [aesgcm(['k', K1])]])),
    'resource "secrets" is masked by earlier rule "*."',
  );
  assert.equal(
    parseError(configText([['*.apps'], [identity]], [['deployments.apps'], [aesgcm(['k', K1])]])),
    'resource "deployments.apps" is masked by earlier rule "*.apps"',
  );
  assert.equal(
    parseError(configText([['*.*'], [identity]], [['*.'], [aesgcm(['k', K1])]])),
    'resource "*." is masked by earlier rule "*.*"',
  );
});

test('JSON text is accepted as well as YAML', () => {
  const cfg = parseEncryptionConfig(configText([['secrets'], [aescbc(['k', K1])]]));
  assert.deepEqual(cfg.resources(), ['secrets']);
});

test('loadEncryptionConfig reads a file and names it in errors', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kubelite-enc-'));
  try {
    const good = join(dir, 'enc.yaml');
    await writeFile(good, configText([['secrets'], [aesgcm(['k', K1])]]));
    const cfg = await loadEncryptionConfig(good);
    const t = cfg.transformerFor('', 'secrets')!;
    assert.deepEqual(Buffer.from(t.fromStorage(t.toStorage(PLAIN, KEY), KEY).plain), PLAIN);

    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, configText([['secrets'], []]));
    await assert.rejects(loadEncryptionConfig(bad), (err: unknown) => {
      assert.ok(err instanceof EncryptionError);
      assert.match(err.message, /bad\.yaml".*resources\[0\]\.providers: Required value/);
      return true;
    });
    const empty = join(dir, 'empty.yaml');
    await writeFile(empty, '');
    await assert.rejects(loadEncryptionConfig(empty), /empty\.yaml" is empty/);
    await assert.rejects(loadEncryptionConfig(join(dir, 'missing.yaml')), (err: unknown) => {
      assert.ok(err instanceof EncryptionError);
      assert.match(err.message, /error reading encryption provider configuration file ".*missing\.yaml"/);
      return true;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
