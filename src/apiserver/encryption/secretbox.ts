// NaCl crypto_secretbox (XSalsa20 + Poly1305), written from the NaCl/Salsa20 specifications
// because node:crypto offers neither Salsa20 nor a standalone Poly1305. kube-apiserver's
// secretbox provider uses golang.org/x/crypto/nacl/secretbox, whose output is
// tag(16) || ciphertext; the 24-byte nonce is stored in front of it by the caller.
//
// Poly1305 runs on BigInt: simple to check against the spec, but not constant-time. The MAC
// key is single-use (derived per nonce) and only at-rest values are authenticated here, so the
// exposure is limited to local timing of decryptions.

import { timingSafeEqual } from 'node:crypto';

export const SECRETBOX_KEY_SIZE = 32;
export const SECRETBOX_NONCE_SIZE = 24;
export const SECRETBOX_OVERHEAD = 16;

// "expand 32-byte k", little-endian words.
const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574] as const;

function rotl(v: number, n: number): number {
  return ((v << n) | (v >>> (32 - n))) >>> 0;
}

function readU32(b: Uint8Array, off: number): number {
  return ((b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0);
}

function writeU32(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
  b[off + 2] = (v >>> 16) & 0xff;
  b[off + 3] = (v >>> 24) & 0xff;
}

/** Initial Salsa20 state: constants on the diagonal, key around them, 16 input bytes in the middle. */
function initState(key: Uint8Array, input16: Uint8Array): Uint32Array {
  const s = new Uint32Array(16);
  s[0] = SIGMA[0];
  s[5] = SIGMA[1];
  s[10] = SIGMA[2];
  s[15] = SIGMA[3];
  for (let i = 0; i < 4; i++) {
    s[1 + i] = readU32(key, 4 * i);
    s[11 + i] = readU32(key, 16 + 4 * i);
    s[6 + i] = readU32(input16, 4 * i);
  }
  return s;
}

function quarter(x: Uint32Array, a: number, b: number, c: number, d: number): void {
  x[b] = (x[b]! ^ rotl((x[a]! + x[d]!) >>> 0, 7)) >>> 0;
  x[c] = (x[c]! ^ rotl((x[b]! + x[a]!) >>> 0, 9)) >>> 0;
  x[d] = (x[d]! ^ rotl((x[c]! + x[b]!) >>> 0, 13)) >>> 0;
  x[a] = (x[a]! ^ rotl((x[d]! + x[c]!) >>> 0, 18)) >>> 0;
}

/** Salsa20/20 rounds in place (10 double rounds: columns, then rows). */
function rounds(x: Uint32Array): void {
  for (let i = 0; i < 10; i++) {
    quarter(x, 0, 4, 8, 12);
    quarter(x, 5, 9, 13, 1);
    quarter(x, 10, 14, 2, 6);
    quarter(x, 15, 3, 7, 11);
    quarter(x, 0, 1, 2, 3);
    quarter(x, 5, 6, 7, 4);
    quarter(x, 10, 11, 8, 9);
    quarter(x, 15, 12, 13, 14);
  }
}

/** HSalsa20: derives the XSalsa20 subkey from the key and the first 16 nonce bytes. */
export function hsalsa20(key: Uint8Array, input16: Uint8Array): Uint8Array {
  const x = initState(key, input16);
  rounds(x);
  // No feed-forward addition here, unlike the Salsa20 block function.
  const out = new Uint8Array(32);
  const picks = [0, 5, 10, 15, 6, 7, 8, 9];
  picks.forEach((w, i) => writeU32(out, 4 * i, x[w]!));
  return out;
}

/** XSalsa20 keystream of `length` bytes, block counter starting at 0. */
export function xsalsa20Stream(key: Uint8Array, nonce: Uint8Array, length: number): Uint8Array {
  const subkey = hsalsa20(key, nonce.subarray(0, 16));
  const input = new Uint8Array(16);
  input.set(nonce.subarray(16, 24), 0);
  const out = new Uint8Array(length);
  const block = new Uint8Array(64);
  let counter = 0;
  for (let off = 0; off < length; off += 64, counter++) {
    // 64-bit little-endian block counter in words 8 and 9.
    writeU32(input, 8, counter >>> 0);
    writeU32(input, 12, Math.floor(counter / 0x100000000) >>> 0);
    const init = initState(subkey, input);
    const x = Uint32Array.from(init);
    rounds(x);
    for (let i = 0; i < 16; i++) writeU32(block, 4 * i, (x[i]! + init[i]!) >>> 0);
    out.set(block.subarray(0, Math.min(64, length - off)), off);
  }
  return out;
}

function leToBigInt(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  return v;
}

const P1305 = (1n << 130n) - 5n;
const CLAMP = 0x0ffffffc0ffffffc0ffffffc0fffffffn;
const MASK128 = (1n << 128n) - 1n;

/** One-time authenticator (RFC 8439 §2.5 / NaCl crypto_onetimeauth_poly1305). */
export function poly1305(key: Uint8Array, msg: Uint8Array): Uint8Array {
  const r = leToBigInt(key.subarray(0, 16)) & CLAMP;
  const s = leToBigInt(key.subarray(16, 32));
  let acc = 0n;
  for (let off = 0; off < msg.length; off += 16) {
    const chunk = msg.subarray(off, Math.min(off + 16, msg.length));
    const n = leToBigInt(chunk) | (1n << BigInt(8 * chunk.length));
    acc = ((acc + n) * r) % P1305;
  }
  let tag = (acc + s) & MASK128;
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    out[i] = Number(tag & 0xffn);
    tag >>= 8n;
  }
  return out;
}

function checkSizes(key: Uint8Array, nonce: Uint8Array): void {
  if (key.length !== SECRETBOX_KEY_SIZE) throw new RangeError(`secretbox key must be ${SECRETBOX_KEY_SIZE} bytes`);
  if (nonce.length !== SECRETBOX_NONCE_SIZE) throw new RangeError(`secretbox nonce must be ${SECRETBOX_NONCE_SIZE} bytes`);
}

/** crypto_secretbox: returns tag(16) || ciphertext. */
export function secretboxSeal(plain: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
  checkSizes(key, nonce);
  // The first 32 keystream bytes are the Poly1305 key; the message is XORed from byte 32 on.
  const stream = xsalsa20Stream(key, nonce, 32 + plain.length);
  const out = new Uint8Array(SECRETBOX_OVERHEAD + plain.length);
  for (let i = 0; i < plain.length; i++) out[SECRETBOX_OVERHEAD + i] = plain[i]! ^ stream[32 + i]!;
  out.set(poly1305(stream.subarray(0, 32), out.subarray(SECRETBOX_OVERHEAD)), 0);
  return out;
}

/** crypto_secretbox_open: the plaintext, or undefined when the box does not authenticate. */
export function secretboxOpen(box: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | undefined {
  checkSizes(key, nonce);
  if (box.length < SECRETBOX_OVERHEAD) return undefined;
  const ct = box.subarray(SECRETBOX_OVERHEAD);
  const stream = xsalsa20Stream(key, nonce, 32 + ct.length);
  const expected = poly1305(stream.subarray(0, 32), ct);
  if (!timingSafeEqual(expected, box.subarray(0, SECRETBOX_OVERHEAD))) return undefined;
  const plain = new Uint8Array(ct.length);
  for (let i = 0; i < ct.length; i++) plain[i] = ct[i]! ^ stream[32 + i]!;
  return plain;
}
