import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hsalsa20, poly1305, secretboxOpen, secretboxSeal } from './secretbox.ts';

const hex = (s: string) => Buffer.from(s, 'hex');
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// The crypto_secretbox vector from "Cryptography in NaCl" (D. J. Bernstein), also used by
// libsodium's tests/default/secretbox.c and PyNaCl's tests/test_secret.py.
const NACL = {
  key: '1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389',
  nonce: '69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37',
  plain:
    'be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffce5ecbaaf33bd751a1ac728d45e6c61296cdc3c01233561f41db66cce314adb310e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f937763848645e0705',
  box:
    'f3ffc7703f9400e52a7dfb4b3d3305d98e993b9f48681273c29650ba32fc76ce48332ea7164d96a4476fb8c531a1186ac0dfc17c98dce87b4da7f011ec48c97271d2c20f9b928fe2270d6fb863d51738b48eeee314a7cc8ab932164548e526ae90224368517acfeabd6bb3732bc0e9da99832b61ca01b6de56244a9e88d5f9b37973f622a43d14a6599b1f654cb45a74e355a5',
};

test('secretbox seal matches the NaCl paper vector (tag || ciphertext)', () => {
  assert.equal(toHex(secretboxSeal(hex(NACL.plain), hex(NACL.nonce), hex(NACL.key))), NACL.box);
});

test('secretbox open recovers the NaCl paper plaintext', () => {
  const plain = secretboxOpen(hex(NACL.box), hex(NACL.nonce), hex(NACL.key));
  assert.ok(plain);
  assert.equal(toHex(plain), NACL.plain);
});

test('secretbox open rejects any flipped bit, a wrong key and a wrong nonce', () => {
  const box = hex(NACL.box);
  for (const i of [0, 15, 16, 80, box.length - 1]) {
    const bad = Buffer.from(box);
    bad[i]! ^= 0x01;
    assert.equal(secretboxOpen(bad, hex(NACL.nonce), hex(NACL.key)), undefined, `byte ${i}`);
  }
  const otherKey = hex(NACL.key);
  otherKey[0]! ^= 1;
  assert.equal(secretboxOpen(box, hex(NACL.nonce), otherKey), undefined);
  const otherNonce = hex(NACL.nonce);
  otherNonce[23]! ^= 1;
  assert.equal(secretboxOpen(box, otherNonce, hex(NACL.key)), undefined);
  assert.equal(secretboxOpen(box.subarray(0, 15), hex(NACL.nonce), hex(NACL.key)), undefined);
});

test('secretbox handles empty and multi-block messages', () => {
  const key = Buffer.alloc(32, 7);
  const nonce = Buffer.alloc(24, 9);
  for (const n of [0, 1, 31, 32, 63, 64, 65, 1000]) {
    const plain = Buffer.alloc(n, 0x41 + (n % 26));
    const box = secretboxSeal(plain, nonce, key);
    assert.equal(box.length, n + 16);
    assert.deepEqual(Buffer.from(secretboxOpen(box, nonce, key)!), plain);
  }
});

test('poly1305 matches RFC 8439 section 2.5.2', () => {
  const key = hex('85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b');
  assert.equal(toHex(poly1305(key, Buffer.from('Cryptographic Forum Research Group'))), 'a8061dc1305136c6c22b8baf0c0127a9');
});

test('hsalsa20 matches NaCl tests/core2 (the XSalsa20 subkey of the vector above)', () => {
  const sub = hsalsa20(hex(NACL.key), hex(NACL.nonce).subarray(0, 16));
  assert.equal(toHex(sub), 'dc908dda0b9344a953629b733820778880f3ceb421bb61b91cbd4c3e66256ce4');
});

test('wrong key or nonce sizes are programming errors', () => {
  assert.throws(() => secretboxSeal(Buffer.alloc(1), Buffer.alloc(24), Buffer.alloc(16)), RangeError);
  assert.throws(() => secretboxSeal(Buffer.alloc(1), Buffer.alloc(12), Buffer.alloc(32)), RangeError);
});
