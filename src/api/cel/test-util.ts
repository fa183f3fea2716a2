// Table-driven test support for the CEL tests: an expected value is written with JS literals
// (bigint = int, number = double, arrays = lists, plain objects = string-keyed maps) and a few
// markers for the other CEL types; errors are matched exactly.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CelError, compile, type CelEnv } from './index.ts';
import { formatDuration, formatTimestamp } from './time.ts';
import { CelMap, CelType, Duration, isList, isMap, listItems, mapEntries, Optional, Timestamp, Uint } from './values.ts';
import { Quantity } from '../validation/quantity.ts';
import { keyString } from './stdlib.ts';

export class EvalErr {
  constructor(readonly message: string) {}
}
export class CompileErr {
  constructor(readonly message: string) {}
}
class UintOf {
  constructor(readonly v: bigint) {}
}
class TsOf {
  constructor(readonly s: string) {}
}
class DurOf {
  constructor(readonly s: string) {}
}
class TypeOf {
  constructor(readonly name: string) {}
}
class OptOf {
  constructor(readonly value: unknown, readonly has: boolean) {}
}
class MapOf {
  constructor(readonly entries: [unknown, unknown][]) {}
}
class StrOf {
  constructor(readonly s: string) {}
}

export const err = (m: string) => new EvalErr(m);
export const compileErr = (m: string) => new CompileErr(m);
export const u = (n: number | bigint) => new UintOf(BigInt(n));
export const ts = (s: string) => new TsOf(s);
export const dur = (s: string) => new DurOf(s);
export const type = (n: string) => new TypeOf(n);
export const some = (v: unknown) => new OptOf(v, true);
export const none = new OptOf(undefined, false);
export const mapOf = (...entries: [unknown, unknown][]) => new MapOf(entries);
/** A library object (quantity, IP, CIDR...) compared by its string form. */
export const str = (s: string) => new StrOf(s);

export type Case = [expr: string, expected: unknown, vars?: Record<string, unknown>];

function describe(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint ? `${x.v}u` : x));
  } catch {
    return String(v);
  }
}

/** Returns a mismatch description, or undefined when `actual` is the expected CEL value. */
export function mismatch(actual: unknown, expected: unknown, path = '$'): string | undefined {
  const bad = () => `${path}: expected ${describe(expected)}, got ${describe(actual)}`;
  if (expected instanceof UintOf) return actual instanceof Uint && actual.v === expected.v ? undefined : bad();
  if (expected instanceof TsOf) return actual instanceof Timestamp && formatTimestamp(actual) === expected.s ? undefined : bad();
  if (expected instanceof DurOf) return actual instanceof Duration && formatDuration(actual) === expected.s ? undefined : bad();
  if (expected instanceof TypeOf) return actual instanceof CelType && actual.name === expected.name ? undefined : bad();
  if (expected instanceof StrOf) {
    const s = actual instanceof Quantity ? actual.toString() : String(actual);
    return typeof actual === 'object' && actual !== null && s === expected.s ? undefined : bad();
  }
  if (expected instanceof OptOf) {
    if (!(actual instanceof Optional) || actual.hasValue !== expected.has) return bad();
    return expected.has ? mismatch(actual.value, expected.value, `${path}.value`) : undefined;
  }
  if (typeof expected === 'number') {
    if (typeof actual !== 'number') return bad();
    return Object.is(actual, expected) || (Number.isNaN(actual) && Number.isNaN(expected)) ? undefined : bad();
  }
  if (typeof expected !== 'object' || expected === null) return actual === expected ? undefined : bad();
  if (expected instanceof Uint8Array) {
    if (!(actual instanceof Uint8Array) || actual.length !== expected.length) return bad();
    return actual.every((b, i) => b === expected[i]) ? undefined : bad();
  }
  if (Array.isArray(expected)) {
    if (!isList(actual)) return bad();
    const items = listItems(actual);
    if (items.length !== expected.length) return bad();
    for (let i = 0; i < items.length; i++) {
      const m = mismatch(items[i], expected[i], `${path}[${i}]`);
      if (m) return m;
    }
    return undefined;
  }
  const entries = expected instanceof MapOf ? expected.entries : Object.entries(expected as object);
  if (!isMap(actual)) return bad();
  const got = mapEntries(actual as CelMap);
  if (got.length !== entries.length) return bad();
  for (const [k, v] of entries) {
    const hit = got.find(([gk]) => mismatch(gk, k) === undefined);
    if (!hit) return `${path}: missing key ${keyString(k)} in ${describe(actual)}`;
    const m = mismatch(hit[1], v, `${path}[${keyString(k)}]`);
    if (m) return m;
  }
  return undefined;
}

/** Compiles and evaluates one case; returns a failure description or undefined. */
export function runCase(c: Case, env: CelEnv, costLimit?: number): string | undefined {
  const [expr, expected, vars] = c;
  let program;
  try {
    program = compile(expr, env);
  } catch (e) {
    if (!(e instanceof CelError)) throw e;
    if (expected instanceof CompileErr) {
      return e.message === expected.message ? undefined : `compile error:\n${e.message}\nexpected:\n${expected.message}`;
    }
    return `unexpected compile error: ${e.message}`;
  }
  if (expected instanceof CompileErr) return `compiled, expected compile error ${expected.message}`;
  const r = program.evaluate(vars ?? {}, costLimit === undefined ? undefined : { costLimit });
  if ('error' in r) {
    if (expected instanceof EvalErr) return r.error === expected.message ? undefined : `error ${JSON.stringify(r.error)}, expected ${JSON.stringify(expected.message)}`;
    return `unexpected error: ${r.error}`;
  }
  if (expected instanceof EvalErr) return `value ${describe(r.value)}, expected error ${expected.message}`;
  return mismatch(r.value, expected);
}

/** Registers one test per case. */
export function table(group: string, cases: Case[], env: Partial<CelEnv> = {}): void {
  const full: CelEnv = { variables: env.variables ?? [], functions: env.functions };
  for (const c of cases) {
    const vars = c[2];
    const variables = [...new Set([...full.variables, ...Object.keys(vars ?? {})])];
    test(`${group}: ${c[0]}`, () => {
      const failure = runCase(c, { ...full, variables });
      assert.equal(failure, undefined, failure);
    });
  }
}
