// CEL lexer and parser (the cel-spec grammar, with cel-go's optional syntax `a.?b`, `a[?b]`,
// `[?x]`, `{?k: v}`), producing an AST in which the standard macros are already expanded into
// comprehension nodes, as cel-go's parser does.
//
// Syntax errors carry cel-go's wording (they come from its ANTLR parser there): token recognition
// errors from the lexer, then "mismatched input"/"extraneous input"/"missing" for the first
// grammar error. ANTLR goes on recovering and may report more; one parser error is reported here.

import { Uint } from './values.ts';

export interface Pos {
  pos: number;
}

export type Expr =
  | { k: 'lit'; pos: number; v: unknown }
  | { k: 'ident'; pos: number; name: string }
  | { k: 'select'; pos: number; operand: Expr; field: string; opt: boolean }
  | { k: 'has'; pos: number; operand: Expr; field: string }
  | { k: 'call'; pos: number; fn: string; target: Expr | null; args: Expr[] }
  | { k: 'index'; pos: number; operand: Expr; index: Expr; opt: boolean }
  | { k: 'and' | 'or'; pos: number; args: Expr[] }
  | { k: 'cond'; pos: number; c: Expr; t: Expr; f: Expr }
  | { k: 'list'; pos: number; elems: Expr[]; opt: boolean[] }
  | { k: 'map'; pos: number; entries: MapEntry[] }
  | { k: 'struct'; pos: number; name: string; fields: FieldEntry[] }
  | { k: 'comp'; pos: number; macro: Macro; v1: string; v2: string | null; range: Expr; args: Expr[] };

export interface MapEntry {
  pos: number;
  key: Expr;
  value: Expr;
  opt: boolean;
}

export interface FieldEntry {
  pos: number;
  name: string;
  value: Expr;
  opt: boolean;
}

export type Macro =
  | 'all'
  | 'exists'
  | 'exists_one'
  | 'map'
  | 'filter'
  | 'transformList'
  | 'transformMap'
  | 'transformMapEntry'
  | 'optMap'
  | 'optFlatMap';

export interface SourceError {
  pos: number;
  message: string;
}

export class SyntaxErrors extends Error {
  constructor(readonly errors: SourceError[]) {
    super(errors.map((e) => e.message).join('; '));
  }
}

// ---------------------------------------------------------------------------------------------
// Lexer

type TokType = 'int' | 'uint' | 'float' | 'string' | 'bytes' | 'ident' | 'punct' | 'eof';

interface Tok {
  t: TokType;
  s: number;
  e: number;
  text: string;
  v?: unknown;
}

const PUNCT2 = ['==', '!=', '<=', '>=', '&&', '||'];
const PUNCT1 = '<>[]{}().,-!?:+*/%';
const KEYWORDS = new Set(['true', 'false', 'null', 'in']);
export const RESERVED = new Set([
  'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package',
  'namespace', 'return', 'var', 'void', 'while',
]);

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const isHex = (c: string | undefined) => c !== undefined && /[0-9a-fA-F]/.test(c);
const isIdStart = (c: string | undefined) => c !== undefined && /[A-Za-z_]/.test(c);
const isIdPart = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_]/.test(c);

class LexError {
  constructor(
    readonly start: number,
    readonly failAt: number,
  ) {}
}

function lex(src: string, errors: SourceError[]): Tok[] {
  const toks: Tok[] = [];
  let p = 0;
  const n = src.length;
  while (p < n) {
    const c = src[p] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') {
      p++;
      continue;
    }
    if (c === '/' && src[p + 1] === '/') {
      while (p < n && src[p] !== '\n') p++;
      continue;
    }
    try {
      const tok = lexToken(src, p);
      toks.push(tok);
      p = tok.e;
    } catch (e) {
      if (!(e instanceof LexError)) throw e;
      // ANTLR reports the text scanned so far, including the character that failed, and then
      // resumes one character after the token's start
      const end = Math.min(e.failAt + (e.failAt < n && src.codePointAt(e.failAt)! > 0xffff ? 2 : 1), n);
      const text = codePointSlice(src, e.start, end);
      errors.push({ pos: e.start, message: `Syntax error: token recognition error at: '${text}'` });
      p = end;
    }
  }
  toks.push({ t: 'eof', s: n, e: n, text: '<EOF>' });
  return toks;
}

function codePointSlice(src: string, s: number, e: number): string {
  // never split a surrogate pair
  if (e < src.length && e > 0) {
    const c = src.charCodeAt(e - 1);
    if (c >= 0xd800 && c <= 0xdbff) e++;
  }
  return src.slice(s, e);
}

function lexToken(src: string, p: number): Tok {
  const c = src[p] as string;
  // string and bytes literals, with r/b prefixes
  {
    let q = p;
    let bytes = false;
    let raw = false;
    if (src[q] === 'b' || src[q] === 'B') {
      bytes = true;
      q++;
    }
    if (src[q] === 'r' || src[q] === 'R') {
      raw = true;
      q++;
    }
    if ((src[q] === '"' || src[q] === "'") && (q === p || isQuotePrefix(src, p, q))) {
      return lexString(src, p, q, bytes, raw);
    }
  }
  if (isDigit(c) || (c === '.' && isDigit(src[p + 1]))) return lexNumber(src, p);
  if (isIdStart(c)) {
    let q = p + 1;
    while (isIdPart(src[q])) q++;
    const text = src.slice(p, q);
    return { t: KEYWORDS.has(text) ? 'punct' : 'ident', s: p, e: q, text };
  }
  for (const op of PUNCT2) if (src.startsWith(op, p)) return { t: 'punct', s: p, e: p + 2, text: op };
  if (c === '=' || c === '&' || c === '|') throw new LexError(p, p + 1);
  if (PUNCT1.includes(c)) return { t: 'punct', s: p, e: p + 1, text: c };
  throw new LexError(p, p);
}

function isQuotePrefix(src: string, p: number, q: number): boolean {
  const prefix = src.slice(p, q);
  return /^(b|B)?(r|R)?$/.test(prefix);
}

function lexNumber(src: string, p: number): Tok {
  let q = p;
  if (src[q] === '0' && (src[q + 1] === 'x' || src[q + 1] === 'X') && isHex(src[q + 2])) {
    q += 2;
    while (isHex(src[q])) q++;
    if (src[q] === 'u' || src[q] === 'U') return { t: 'uint', s: p, e: q + 1, text: src.slice(p, q + 1) };
    return { t: 'int', s: p, e: q, text: src.slice(p, q) };
  }
  while (isDigit(src[q])) q++;
  let isFloat = false;
  if (src[q] === '.' && isDigit(src[q + 1])) {
    isFloat = true;
    q++;
    while (isDigit(src[q])) q++;
  }
  if (src[q] === 'e' || src[q] === 'E') {
    let r = q + 1;
    if (src[r] === '+' || src[r] === '-') r++;
    if (isDigit(src[r])) {
      while (isDigit(src[r])) r++;
      q = r;
      isFloat = true;
    }
  }
  if (isFloat) return { t: 'float', s: p, e: q, text: src.slice(p, q) };
  if (src[q] === 'u' || src[q] === 'U') return { t: 'uint', s: p, e: q + 1, text: src.slice(p, q + 1) };
  return { t: 'int', s: p, e: q, text: src.slice(p, q) };
}

const SIMPLE_ESC: Record<string, number> = {
  a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '"': 34, "'": 39, '\\': 92, '?': 63, '`': 96,
};

function lexString(src: string, p: number, q: number, bytes: boolean, raw: boolean): Tok {
  const quote = src[q] as string;
  const triple = src.startsWith(quote.repeat(3), q);
  const delim = triple ? quote.repeat(3) : quote;
  let r = q + delim.length;
  // code points for strings; for bytes, each element is a byte or a code point to encode
  const out: number[] = [];
  const byteOut: number[] = [];
  const pushCp = (cp: number) => {
    if (bytes) utf8Encode(cp, byteOut);
    else out.push(cp);
  };
  for (;;) {
    if (r >= src.length) throw new LexError(p, src.length - 1);
    if (src.startsWith(delim, r)) {
      r += delim.length;
      break;
    }
    const ch = src[r] as string;
    if (!triple && (ch === '\n' || ch === '\r')) throw new LexError(p, r);
    if (ch === '\\' && !raw) {
      const e = src[r + 1];
      if (e === undefined) throw new LexError(p, r);
      if (e in SIMPLE_ESC) {
        pushCp(SIMPLE_ESC[e] as number);
        r += 2;
      } else if (e === 'x' || e === 'X') {
        if (!isHex(src[r + 2])) throw new LexError(p, r + 2);
        if (!isHex(src[r + 3])) throw new LexError(p, r + 3);
        const v = parseInt(src.slice(r + 2, r + 4), 16);
        if (bytes) byteOut.push(v);
        else out.push(v);
        r += 4;
      } else if (e === 'u' || e === 'U') {
        const len = e === 'u' ? 4 : 8;
        for (let i = 0; i < len; i++) if (!isHex(src[r + 2 + i])) throw new LexError(p, r + 2 + i);
        const v = parseInt(src.slice(r + 2, r + 2 + len), 16);
        if ((v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff) throw new LexError(p, r + 1 + len);
        pushCp(v);
        r += 2 + len;
      } else if (e >= '0' && e <= '3') {
        for (let i = 0; i < 2; i++) {
          const d = src[r + 2 + i];
          if (d === undefined || d < '0' || d > '7') throw new LexError(p, r + 2 + i);
        }
        const v = parseInt(src.slice(r + 1, r + 4), 8);
        if (bytes) byteOut.push(v);
        else out.push(v);
        r += 4;
      } else {
        throw new LexError(p, r + 1);
      }
      continue;
    }
    const cp = src.codePointAt(r) as number;
    pushCp(cp);
    r += cp > 0xffff ? 2 : 1;
  }
  const text = src.slice(p, r);
  if (bytes) return { t: 'bytes', s: p, e: r, text, v: new Uint8Array(byteOut) };
  return { t: 'string', s: p, e: r, text, v: String.fromCodePoint(...out) };
}

export function utf8Encode(cp: number, out: number[]): void {
  if (cp < 0x80) out.push(cp);
  else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
  else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
}

// ---------------------------------------------------------------------------------------------
// Parser

const EXPR_START = "{'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}";
const MAX_DEPTH = 250;

class Stop {
  constructor(readonly err: SourceError) {}
}

const RELOPS = new Set(['<', '<=', '>=', '>', '==', '!=', 'in']);
const REL_FN: Record<string, string> = {
  '<': '_<_', '<=': '_<=_', '>=': '_>=_', '>': '_>_', '==': '_==_', '!=': '_!=_', in: '@in',
};

function canStartExpr(t: Tok): boolean {
  if (t.t === 'eof') return false;
  if (t.t !== 'punct') return true;
  return ['[', '{', '(', '.', '-', '!', 'true', 'false', 'null'].includes(t.text);
}

class Parser {
  private i = 0;
  private depth = 0;
  readonly macroErrors: SourceError[] = [];
  /** Syntax errors ANTLR would recover from (single-token deletion), reported before going on. */
  readonly recovered: SourceError[] = [];

  constructor(
    private readonly toks: Tok[],
  ) {}

  private get cur(): Tok {
    return this.toks[this.i] as Tok;
  }

  private peek(k = 1): Tok {
    return (this.toks[this.i + k] ?? this.toks[this.toks.length - 1]) as Tok;
  }

  private is(text: string): boolean {
    const t = this.cur;
    return t.t === 'punct' && t.text === text;
  }

  private fail(message: string, pos = this.cur.s): never {
    throw new Stop({ pos, message });
  }

  private display(t: Tok): string {
    return `'${t.text}'`;
  }

  /** Consumes the expected punctuation or reports the error ANTLR would. */
  private expect(text: string): Tok {
    if (this.is(text)) return this.toks[this.i++] as Tok;
    const t = this.cur;
    const next = this.peek();
    if (next.t === 'punct' && next.text === text) {
      this.recovered.push({ pos: t.s, message: `Syntax error: extraneous input ${this.display(t)} expecting '${text}'` });
      this.i += 2;
      return next;
    }
    if (t.t === 'eof' || (t.t === 'punct' && [')', ']', '}', ',', ':'].includes(t.text))) {
      this.fail(`Syntax error: missing '${text}' at ${this.display(t)}`);
    }
    this.fail(`Syntax error: mismatched input ${this.display(t)} expecting '${text}'`);
  }

  private expectIdent(): Tok {
    const t = this.cur;
    if (t.t === 'ident') {
      this.i++;
      return t;
    }
    if (t.t === 'eof') this.fail(`Syntax error: missing IDENTIFIER at '<EOF>'`);
    this.fail(`Syntax error: mismatched input ${this.display(t)} expecting IDENTIFIER`);
  }

  parseStart(): Expr {
    const e = this.parseExpr();
    if (this.cur.t !== 'eof') {
      const t = this.cur;
      const verb = this.peek().t === 'eof' ? 'extraneous' : 'mismatched';
      this.fail(`Syntax error: ${verb} input ${this.display(t)} expecting <EOF>`);
    }
    return e;
  }

  private parseExpr(): Expr {
    if (++this.depth > MAX_DEPTH) this.fail(`expression recursion limit exceeded: ${MAX_DEPTH}`);
    try {
      const c = this.parseOr();
      if (this.is('?')) {
        const q = this.toks[this.i++] as Tok;
        const t = this.parseOr();
        this.expect(':');
        const f = this.parseExpr();
        return { k: 'cond', pos: q.s, c, t, f };
      }
      return c;
    } finally {
      this.depth--;
    }
  }

  private parseOr(): Expr {
    const first = this.parseAnd();
    if (!this.is('||')) return first;
    const pos = this.cur.s;
    const args = [first];
    while (this.is('||')) {
      this.i++;
      args.push(this.parseAnd());
    }
    return { k: 'or', pos, args };
  }

  private parseAnd(): Expr {
    const first = this.parseRelation();
    if (!this.is('&&')) return first;
    const pos = this.cur.s;
    const args = [first];
    while (this.is('&&')) {
      this.i++;
      args.push(this.parseRelation());
    }
    return { k: 'and', pos, args };
  }

  private parseRelation(): Expr {
    let left = this.parseAdd();
    while (this.cur.t === 'punct' && RELOPS.has(this.cur.text)) {
      const op = this.toks[this.i++] as Tok;
      const right = this.parseAdd();
      left = { k: 'call', pos: op.s, fn: REL_FN[op.text] as string, target: null, args: [left, right] };
    }
    return left;
  }

  private parseAdd(): Expr {
    let left = this.parseMul();
    while (this.is('+') || this.is('-')) {
      const op = this.toks[this.i++] as Tok;
      const right = this.parseMul();
      left = { k: 'call', pos: op.s, fn: `_${op.text}_`, target: null, args: [left, right] };
    }
    return left;
  }

  private parseMul(): Expr {
    let left = this.parseUnary();
    while (this.is('*') || this.is('/') || this.is('%')) {
      const op = this.toks[this.i++] as Tok;
      const right = this.parseUnary();
      left = { k: 'call', pos: op.s, fn: `_${op.text}_`, target: null, args: [left, right] };
    }
    return left;
  }

  private parseUnary(): Expr {
    if (this.is('-') && (this.peek().t === 'int' || this.peek().t === 'float')) {
      // a signed numeric literal (cel-go's grammar folds the sign into the literal, so that
      // -9223372036854775808 is a valid int)
      return this.parseMember();
    }
    if (this.is('!') || this.is('-')) {
      const op = this.cur;
      let count = 0;
      while (this.is(op.text)) {
        this.i++;
        count++;
      }
      const operand = this.parseMember();
      // cel-go drops an even number of repeated operators
      if (count % 2 === 0) return operand;
      return { k: 'call', pos: op.s, fn: op.text === '!' ? '!_' : '-_', target: null, args: [operand] };
    }
    return this.parseMember();
  }

  private parseMember(): Expr {
    let e = this.parsePrimary();
    for (;;) {
      if (this.is('.')) {
        const dot = this.toks[this.i++] as Tok;
        let opt = false;
        if (this.is('?')) {
          this.i++;
          opt = true;
        }
        const id = this.expectIdent();
        if (!opt && this.is('(')) {
          const open = this.toks[this.i++] as Tok;
          const args = this.parseArgs(')');
          e = this.memberCallOrMacro(open.s, e, id.text, args);
        } else {
          e = { k: 'select', pos: dot.s, operand: e, field: id.text, opt };
        }
      } else if (this.is('[')) {
        const open = this.toks[this.i++] as Tok;
        let opt = false;
        if (this.is('?')) {
          this.i++;
          opt = true;
        }
        const index = this.parseExpr();
        this.expect(']');
        e = { k: 'index', pos: open.s, operand: e, index, opt };
      } else {
        return e;
      }
    }
  }

  private parseArgs(close: string): Expr[] {
    const args: Expr[] = [];
    if (this.is(close)) {
      this.i++;
      return args;
    }
    if (!canStartExpr(this.cur)) {
      // the optional argument list is skipped: ANTLR then misses the closing token
      this.expect(close);
      return args;
    }
    args.push(this.parseExpr());
    while (this.is(',')) {
      this.i++;
      args.push(this.parseExpr());
    }
    this.expect(close);
    return args;
  }

  private parsePrimary(): Expr {
    const t = this.cur;
    switch (t.t) {
      case 'int':
      case 'uint':
      case 'float':
      case 'string':
      case 'bytes':
        this.i++;
        return this.literal(t, false);
      case 'ident':
        return this.parseIdent(false);
      case 'punct':
        break;
      default:
        return this.badPrimary(t);
    }
    switch (t.text) {
      case '-': {
        // signed literal
        if (this.peek().t !== 'int' && this.peek().t !== 'float') return this.badPrimary(t);
        this.i++;
        const lit = this.cur;
        this.i++;
        return this.literal(lit, true, t.s);
      }
      case 'true':
      case 'false':
        this.i++;
        return { k: 'lit', pos: t.s, v: t.text === 'true' };
      case 'null':
        this.i++;
        return { k: 'lit', pos: t.s, v: null };
      case '.': {
        this.i++;
        if (this.cur.t !== 'ident') this.expectIdent();
        return this.parseIdent(true, t.s);
      }
      case '(': {
        this.i++;
        const e = this.parseExpr();
        this.expect(')');
        return e;
      }
      case '[': {
        this.i++;
        const elems: Expr[] = [];
        const opt: boolean[] = [];
        while (!this.is(']') && (canStartExpr(this.cur) || this.is('?'))) {
          let o = false;
          if (this.is('?')) {
            this.i++;
            o = true;
          }
          elems.push(this.parseExpr());
          opt.push(o);
          if (this.is(',')) {
            this.i++;
            continue;
          }
          break;
        }
        this.expect(']');
        return { k: 'list', pos: t.s, elems, opt };
      }
      case '{': {
        this.i++;
        const entries: MapEntry[] = [];
        while (!this.is('}') && (canStartExpr(this.cur) || this.is('?'))) {
          let o = false;
          if (this.is('?')) {
            this.i++;
            o = true;
          }
          const key = this.parseExpr();
          const col = this.expect(':');
          const value = this.parseExpr();
          entries.push({ pos: col.s, key, value, opt: o });
          if (this.is(',')) {
            this.i++;
            continue;
          }
          break;
        }
        this.expect('}');
        return { k: 'map', pos: t.s, entries };
      }
    }
    return this.badPrimary(t);
  }

  /**
   * A token that cannot start an expression: ANTLR deletes it when the next token can, else it
   * reports the mismatch and resynchronizes; either way parsing goes on to find more errors.
   */
  private badPrimary(t: Tok): Expr {
    if (canStartExpr(this.peek())) {
      this.recovered.push({ pos: t.s, message: `Syntax error: extraneous input ${this.display(t)} expecting ${EXPR_START}` });
      this.i++;
      return this.parsePrimary();
    }
    this.recovered.push({ pos: t.s, message: `Syntax error: mismatched input ${this.display(t)} expecting ${EXPR_START}` });
    if (t.t !== 'eof' && !(t.t === 'punct' && /^([-+*/%<>!=&|]+|in|[)\]},:?])$/.test(t.text))) this.i++;
    return { k: 'lit', pos: t.s, v: null };
  }

  private parseIdent(leadingDot: boolean, dotPos?: number): Expr {
    const id = this.toks[this.i++] as Tok;
    if (RESERVED.has(id.text)) this.fail(`reserved identifier: ${id.text}`, id.s);
    const name = (leadingDot ? '.' : '') + id.text;
    if (this.is('(')) {
      const open = this.toks[this.i++] as Tok;
      const args = this.parseArgs(')');
      return this.globalCallOrMacro(open.s, name, args);
    }
    // qualified message construction: a.b.C{field: value}
    if (this.is('{') || (this.is('.') && this.qualifiedStructAhead())) {
      let qname = name;
      while (this.is('.')) {
        this.i++;
        qname += '.' + this.expectIdent().text;
      }
      const open = this.toks[this.i++] as Tok;
      const fields: FieldEntry[] = [];
      while (!this.is('}')) {
        let o = false;
        if (this.is('?')) {
          this.i++;
          o = true;
        }
        const f = this.expectIdent();
        const col = this.expect(':');
        const value = this.parseExpr();
        fields.push({ pos: col.s, name: f.text, value, opt: o });
        if (this.is(',')) {
          this.i++;
          continue;
        }
        break;
      }
      this.expect('}');
      return { k: 'struct', pos: open.s, name: qname, fields };
    }
    return { k: 'ident', pos: dotPos ?? id.s, name };
  }

  /** Whether `.ident(.ident)* {` follows: the tail of a qualified message name. */
  private qualifiedStructAhead(): boolean {
    let k = 0;
    for (;;) {
      const dot = this.peek(k);
      if (!(dot.t === 'punct' && dot.text === '.')) break;
      if (this.peek(k + 1).t !== 'ident') return false;
      k += 2;
    }
    const t = this.peek(k);
    return k > 0 && t.t === 'punct' && t.text === '{';
  }

  private literal(t: Tok, negative: boolean, pos = t.s): Expr {
    switch (t.t) {
      case 'int': {
        const text = t.text;
        let v = /^0[xX]/.test(text) ? BigInt(text) : BigInt(text);
        if (negative) v = -v;
        if (v > 9223372036854775807n || v < -9223372036854775808n) this.fail('invalid int literal', pos);
        return { k: 'lit', pos, v };
      }
      case 'uint': {
        const v = BigInt(t.text.slice(0, -1));
        if (v > 18446744073709551615n) this.fail('invalid uint literal', pos);
        return { k: 'lit', pos, v: new Uint(v) };
      }
      case 'float': {
        const v = Number(t.text);
        return { k: 'lit', pos, v: negative ? -v : v };
      }
      case 'string':
      case 'bytes':
        return { k: 'lit', pos, v: t.v };
      default:
        this.fail(`Syntax error: mismatched input ${this.display(t)} expecting ${EXPR_START}`);
    }
  }

  private globalCallOrMacro(pos: number, fn: string, args: Expr[]): Expr {
    if (fn === 'has' && args.length === 1) {
      const a = args[0] as Expr;
      if (a.k !== 'select' || a.opt) {
        this.macroErrors.push({ pos: a.pos, message: 'invalid argument to has() macro' });
        return { k: 'call', pos, fn, target: null, args };
      }
      return { k: 'has', pos: a.pos, operand: a.operand, field: a.field };
    }
    return { k: 'call', pos, fn, target: null, args };
  }

  private simpleName(e: Expr): string | undefined {
    if (e.k === 'ident' && !e.name.startsWith('.')) return e.name;
    this.macroErrors.push({ pos: e.pos, message: 'argument must be a simple name' });
    return undefined;
  }

  private memberCallOrMacro(pos: number, target: Expr, fn: string, args: Expr[]): Expr {
    const n = args.length;
    let macro: Macro | undefined;
    let vars = 1;
    switch (fn) {
      case 'all':
      case 'exists':
        if (n === 2 || n === 3) {
          macro = fn;
          vars = n - 1;
        }
        break;
      case 'exists_one':
      case 'existsOne':
        if (n === 2 || n === 3) {
          macro = 'exists_one';
          vars = n - 1;
        }
        break;
      case 'map':
        if (n === 2 || n === 3) macro = 'map';
        break;
      case 'filter':
        if (n === 2) macro = 'filter';
        break;
      case 'transformList':
      case 'transformMap':
      case 'transformMapEntry':
        if (n === 3 || n === 4) {
          macro = fn;
          vars = 2;
        }
        break;
      case 'optMap':
      case 'optFlatMap':
        if (n === 2) macro = fn;
        break;
    }
    if (!macro) return { k: 'call', pos, fn, target, args };
    const v1 = this.simpleName(args[0] as Expr);
    let v2: string | null = null;
    if (vars === 2) {
      const name = this.simpleName(args[1] as Expr);
      if (name !== undefined) v2 = name;
      if (v1 !== undefined && v1 === v2) {
        this.macroErrors.push({ pos: (args[1] as Expr).pos, message: `duplicate variable name: ${v1}` });
      }
    }
    if (v1 === undefined || (vars === 2 && v2 === null)) return { k: 'call', pos, fn, target, args };
    return { k: 'comp', pos, macro, v1, v2, range: target, args: args.slice(vars) };
  }
}

/** Parses an expression; throws SyntaxErrors (all lexer errors, then the first parser error). */
export function parse(src: string): Expr {
  const errors: SourceError[] = [];
  const toks = lex(src, errors);
  const p = new Parser(toks);
  let ast: Expr | undefined;
  try {
    ast = p.parseStart();
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    errors.push(e.err);
  }
  errors.push(...p.recovered, ...p.macroErrors);
  if (errors.length || !ast) throw new SyntaxErrors(errors);
  return ast;
}

// ---------------------------------------------------------------------------------------------
// Error display (cel-go's common.Error.ToDisplayString)

/** 1-based line and 0-based column in code points, as cel-go's source locations. */
export function location(src: string, pos: number): { line: number; col: number; lineStart: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < pos && i < src.length; i++) {
    if (src[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  let col = 0;
  for (let i = lineStart; i < pos; ) {
    const cp = src.codePointAt(i) as number;
    i += cp > 0xffff ? 2 : 1;
    col++;
  }
  return { line, col, lineStart };
}

export function formatErrors(src: string, errors: SourceError[]): string {
  const sorted = errors
    .map((e, i) => ({ e, i, loc: location(src, e.pos) }))
    .sort((a, b) => a.loc.line - b.loc.line || a.loc.col - b.loc.col || a.i - b.i);
  return sorted
    .map(({ e, loc }) => {
      let out = `ERROR: <input>:${loc.line}:${loc.col + 1}: ${e.message}`;
      let end = src.indexOf('\n', loc.lineStart);
      if (end < 0) end = src.length;
      const snippet = src.slice(loc.lineStart, end).replaceAll('\t', ' ');
      let ind = '';
      const cps = Array.from(snippet);
      for (let i = 0; i < loc.col && i < cps.length; i++) ind += (cps[i] as string).codePointAt(0)! > 0x7f ? '\uff0e' : '.';
      const at = cps[loc.col];
      ind += at !== undefined && at.codePointAt(0)! > 0x7f ? '\uff3e' : '^';
      out += `\n | ${snippet}\n | ${ind}`;
      return out;
    })
    .join('\n');
}
