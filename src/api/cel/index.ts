// Common Expression Language, as Kubernetes evaluates it (CRD x-kubernetes-validations,
// ValidatingAdmissionPolicy, admission webhook matchConditions): parse and check once with
// compile(), then evaluate the program against JSON-like variables as often as needed.
//
//   const p = compile('self.minReplicas <= self.replicas', { variables: ['self'] });
//   p.evaluate({ self: { minReplicas: 1, replicas: 3 } })  // { value: true, cost: 5 }
//
// Values handed in are used as they are (JSON numbers become ints when integral, doubles
// otherwise; wrap a number in Double to force a double). Results are CEL values (bigint for
// ints, Uint, List, CelMap, Timestamp...); toJs() turns them into plain JSON-like values.
// Functions registered by the caller are called for `f(a)` and for `x.f(a)` (as f(x, a)) with
// CEL values as arguments; what they return is converted like caller data, and what they throw
// becomes an evaluation error with the thrown message.

import { Quantity } from '../validation/quantity.ts';
import { check } from './checker.ts';
import { compileAst, CostExceeded, type Ctx } from './eval.ts';
import { formatErrors, location, parse, type SourceError, SyntaxErrors } from './parser.ts';
import { formatDuration, formatTimestamp, parseDuration, parseTimestamp } from './time.ts';
import {
  CelErr,
  CelMap,
  Double,
  CelType,
  Duration,
  isOpaque,
  List,
  mapEntries,
  Optional,
  Timestamp,
  Uint,
} from './values.ts';
import { keyString } from './stdlib.ts';

export { escapeFieldName, unescapeFieldName } from './eval.ts';
export { CelMap, CelType, Double, Duration, List, Optional, Timestamp, Uint } from './values.ts';
export { CIDR, IPAddr, NamedFormat, Semver, URLValue } from './k8s.ts';

/** Kubernetes' per-expression runtime cost limit (celconfig.PerCallLimit), the default here. */
export const PER_CALL_LIMIT = 1_000_000;

export interface CelErrorDetail {
  line: number;
  column: number;
  message: string;
}

/** A parse or check error; the message is cel-go's display form (`ERROR: <input>:1:5: ...`). */
export class CelError extends Error {
  constructor(
    message: string,
    readonly errors: CelErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'CelError';
  }
}

export type CelResult = { value: unknown; cost?: number } | { error: string; cost?: number };

export interface Program {
  evaluate(vars: Record<string, unknown>, opts?: { costLimit?: number }): CelResult;
}

export interface CelEnv {
  variables: string[];
  functions?: Record<string, (...args: unknown[]) => unknown>;
}

const NO_LOCALS: unknown[] = [];

/**
 * A `format: date-time` string field as a CEL timestamp (RFC 3339, as cel-go's timestamp()),
 * or undefined when it does not parse.
 */
export function timestampFromString(s: string): Timestamp | undefined {
  const t = parseTimestamp(s);
  return t instanceof Timestamp ? t : undefined;
}

/** A `format: duration` string field as a CEL duration (Go duration syntax), or undefined. */
export function durationFromString(s: string): Duration | undefined {
  const d = parseDuration(s);
  return d instanceof Duration ? d : undefined;
}

/**
 * Prepares a value from an earlier evaluate() for use as (part of) a variable of another
 * program: a double with an integral value would otherwise be read back as an int.
 */
export function asVariable(value: unknown): unknown {
  return typeof value === 'number' ? new Double(value) : value;
}

export function compile(expr: string, env: CelEnv): Program {
  const variables = new Set(env.variables);
  const functions = env.functions ?? {};
  const fail = (errors: SourceError[]): never => {
    throw new CelError(
      formatErrors(expr, errors),
      errors.map((e) => {
        const l = location(expr, e.pos);
        return { line: l.line, column: l.col + 1, message: e.message };
      }),
    );
  };
  let ast;
  try {
    ast = parse(expr);
  } catch (e) {
    if (e instanceof SyntaxErrors) fail(e.errors);
    throw e;
  }
  const { errors, programErrors } = check(ast, { variables, functions });
  if (errors.length) fail(errors);
  if (programErrors.length) throw new CelError(programErrors.join('\n'));
  const { ev, slots } = compileAst(ast, { variables, functions });
  return {
    evaluate(vars, opts) {
      const ctx: Ctx = {
        vars,
        locals: slots ? new Array<unknown>(slots) : NO_LOCALS,
        cost: 0,
        limit: opts?.costLimit ?? PER_CALL_LIMIT,
      };
      try {
        const v = ev(ctx);
        if (v instanceof CelErr) return { error: v.message, cost: ctx.cost };
        return { value: v, cost: ctx.cost };
      } catch (e) {
        if (e instanceof CostExceeded) return { error: e.message, cost: ctx.cost };
        throw e;
      }
    },
  };
}

function base64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

/** Converts a CEL result to a JSON-like value (for messageExpression, auditAnnotations...). */
export function toJs(value: unknown): unknown {
  switch (typeof value) {
    case 'bigint':
      return Number(value);
    case 'string':
    case 'boolean':
    case 'number':
    case 'undefined':
      return value;
    case 'object':
      break;
    default:
      return value;
  }
  if (value === null) return null;
  if (value instanceof Uint) return Number(value.v);
  if (value instanceof Uint8Array) return base64(value);
  if (value instanceof List) return value.items.map(toJs);
  if (Array.isArray(value)) return value.map(toJs);
  if (value instanceof CelMap || Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of mapEntries(value as CelMap)) out[keyString(k)] = toJs(v);
    return out;
  }
  if (value instanceof Timestamp) return formatTimestamp(value);
  if (value instanceof Duration) return formatDuration(value);
  if (value instanceof CelType) return value.name;
  if (value instanceof Optional) return value.hasValue ? toJs(value.value) : null;
  if (value instanceof Quantity) return value.toString();
  if (isOpaque(value)) return value.toJs();
  return value;
}
