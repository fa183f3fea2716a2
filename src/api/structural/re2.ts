// Regular expressions as the API server evaluates a schema's `pattern`: upstream compiles them
// with Go's regexp package (RE2 syntax, kube-openapi validate.compileRegexp), so a pattern is
// accepted or refused, and matches, as RE2 does - not as ECMAScript does: no lookaround, no
// backreferences, `(?i)` flags, `\pL`, `[[:alpha:]]`, `\z`, `$` only at the end of the text.
//
// The matcher is a Thompson NFA simulated breadth-first (a Pike VM without captures), so its
// time is O(len(input) x len(program)) for every pattern: no catastrophic backtracking. Two
// bounds keep a single evaluation cheap: programs larger than MAX_PROGRAM instructions are
// refused at compile time ("expression too large", as Go refuses oversized programs), and an
// evaluation whose input length times program size exceeds MAX_WORK is abandoned and reported
// as not matching.
//
// Go's error texts are kept (`error parsing regexp: missing closing ): `(a``), since the CRD
// validation quotes them.

export const MAX_PROGRAM = 200_000;
export const MAX_WORK = 200_000_000;
const MAX_REPEAT = 1000;
const MAX_NESTING = 1000;

type Pred = (cp: number) => boolean;
type AssertKind = 'bot' | 'eot' | 'bol' | 'eol' | 'wb' | 'nwb';

type Node =
  | { t: 'empty' }
  | { t: 'char'; test: Pred }
  | { t: 'assert'; k: AssertKind }
  | { t: 'cat'; subs: Node[] }
  | { t: 'alt'; subs: Node[] }
  | { t: 'rep'; sub: Node; min: number; max: number };

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  U: boolean;
}

export class RegexpSyntaxError extends Error {
  constructor(
    readonly code: string,
    readonly expr: string,
  ) {
    super(`error parsing regexp: ${code}: \`${expr}\``);
  }
}

const ERR = {
  invalidCharClass: 'invalid character class',
  invalidCharRange: 'invalid character class range',
  invalidEscape: 'invalid escape sequence',
  invalidNamedCapture: 'invalid named capture',
  invalidPerlOp: 'invalid or unsupported Perl syntax',
  invalidRepeatOp: 'invalid nested repetition operator',
  invalidRepeatSize: 'invalid repeat count',
  missingBracket: 'missing closing ]',
  missingParen: 'missing closing )',
  missingRepeatArgument: 'missing argument to repetition operator',
  trailingBackslash: 'trailing backslash at end of expression',
  unexpectedParen: 'unexpected )',
  nestingDepth: 'expression nests too deeply',
  large: 'expression too large',
} as const;

// ---------------------------------------------------------------------------------------------
// Character predicates

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isUpperAscii = (c: number) => c >= 0x41 && c <= 0x5a;
const isLowerAscii = (c: number) => c >= 0x61 && c <= 0x7a;
const isWordChar = (c: number) => isDigit(c) || isUpperAscii(c) || isLowerAscii(c) || c === 0x5f;
const isAlnumAscii = (c: number) => isDigit(c) || isUpperAscii(c) || isLowerAscii(c);

const PERL: Record<string, Pred> = {
  d: isDigit,
  s: (c) => c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d || c === 0x20,
  w: isWordChar,
};

const POSIX: Record<string, Pred> = {
  alnum: isAlnumAscii,
  alpha: (c) => isUpperAscii(c) || isLowerAscii(c),
  ascii: (c) => c <= 0x7f,
  blank: (c) => c === 0x09 || c === 0x20,
  cntrl: (c) => c <= 0x1f || c === 0x7f,
  digit: isDigit,
  graph: (c) => c >= 0x21 && c <= 0x7e,
  lower: isLowerAscii,
  print: (c) => c >= 0x20 && c <= 0x7e,
  punct: (c) => (c >= 0x21 && c <= 0x2f) || (c >= 0x3a && c <= 0x40) || (c >= 0x5b && c <= 0x60) || (c >= 0x7b && c <= 0x7e),
  space: (c) => c === 0x09 || c === 0x0a || c === 0x0b || c === 0x0c || c === 0x0d || c === 0x20,
  upper: isUpperAscii,
  word: isWordChar,
  xdigit: (c) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66),
};

/** The general categories Go's unicode.Categories knows (scripts are looked up separately). */
const CATEGORIES = new Set([
  'C', 'Cc', 'Cf', 'Co', 'Cs', 'L', 'Ll', 'Lm', 'Lo', 'Lt', 'Lu', 'M', 'Mc', 'Me', 'Mn', 'N', 'Nd', 'Nl', 'No',
  'P', 'Pc', 'Pd', 'Pe', 'Pf', 'Pi', 'Po', 'Ps', 'S', 'Sc', 'Sk', 'Sm', 'So', 'Z', 'Zl', 'Zp', 'Zs',
]);

const unicodeClassCache = new Map<string, Pred | null>();

function unicodeClass(name: string): Pred | null {
  const hit = unicodeClassCache.get(name);
  if (hit !== undefined) return hit;
  let pred: Pred | null = null;
  if (name === 'Any') pred = () => true;
  else if (/^[A-Za-z_]+$/.test(name)) {
    let re: RegExp | undefined;
    try {
      re = CATEGORIES.has(name) ? new RegExp(`^\\p{${name}}$`, 'u') : new RegExp(`^\\p{Script=${name}}$`, 'u');
    } catch {
      re = undefined;
    }
    if (re) {
      const r = re;
      pred = (c) => r.test(String.fromCodePoint(c));
    }
  }
  unicodeClassCache.set(name, pred);
  return pred;
}

function lowerCp(c: number): number {
  const s = String.fromCodePoint(c).toLowerCase();
  const l = s.codePointAt(0) as number;
  return s.length === String.fromCodePoint(l).length ? l : c;
}

function upperCp(c: number): number {
  const s = String.fromCodePoint(c).toUpperCase();
  const u = s.codePointAt(0) as number;
  return s.length === String.fromCodePoint(u).length ? u : c;
}

/** The simple case-folding orbit of c (approximating Go's unicode.SimpleFold). */
function foldSet(c: number): number[] {
  const out = new Set<number>([c, lowerCp(c), upperCp(c)]);
  for (const x of [...out]) {
    out.add(lowerCp(x));
    out.add(upperCp(x));
  }
  const extra: Record<number, number[]> = { 0x6b: [0x212a], 0x4b: [0x212a], 0x212a: [0x6b, 0x4b], 0x73: [0x17f], 0x53: [0x17f], 0x17f: [0x73, 0x53] };
  for (const x of extra[c] ?? []) out.add(x);
  return [...out];
}

function literal(c: number, fold: boolean): Node {
  if (!fold) return { t: 'char', test: (x) => x === c };
  const set = foldSet(c);
  if (set.length === 1) return { t: 'char', test: (x) => x === c };
  return { t: 'char', test: (x) => set.includes(x) };
}

function foldPred(p: Pred): Pred {
  return (c) => p(c) || p(lowerCp(c)) || p(upperCp(c)) || ((c === 0x212a && (p(0x6b) || p(0x4b))) || (c === 0x17f && (p(0x73) || p(0x53))));
}

// ---------------------------------------------------------------------------------------------
// Parser

/** The text of code points [from, to) (no argument spreading: patterns may be long). */
function cpText(cps: number[], from: number, to: number): string {
  let out = '';
  for (let i = from; i < to && i < cps.length; i++) out += String.fromCodePoint(cps[i] as number);
  return out;
}

class Parser {
  private pos = 0;
  private depth = 0;
  private readonly whole: string;

  constructor(private readonly src: number[]) {
    this.whole = cpText(src, 0, src.length);
  }

  private text(from: number, to = this.src.length): string {
    return cpText(this.src, from, to);
  }

  private peek(off = 0): number | undefined {
    return this.src[this.pos + off];
  }

  parse(): Node {
    const flags: Flags = { i: false, m: false, s: false, U: false };
    const node = this.parseAlt(flags);
    if (this.pos < this.src.length) {
      // only a ')' can stop the top-level alternation early
      throw new RegexpSyntaxError(ERR.unexpectedParen, this.whole);
    }
    return node;
  }

  private parseAlt(flags: Flags): Node {
    if (++this.depth > MAX_NESTING) throw new RegexpSyntaxError(ERR.nestingDepth, this.whole);
    const alts: Node[] = [this.parseCat(flags)];
    while (this.peek() === 0x7c /* | */) {
      this.pos++;
      alts.push(this.parseCat(flags));
    }
    this.depth--;
    return alts.length === 1 ? (alts[0] as Node) : { t: 'alt', subs: alts };
  }

  /** A concatenation; stops before `|`, `)` or the end. `flags` may change mid-way via `(?i)`. */
  private parseCat(flags: Flags): Node {
    const items: Node[] = [];
    // text of the last repetition operator, to refuse `a**`
    let lastRepeatStart = -1;
    while (this.pos < this.src.length) {
      const c = this.src[this.pos] as number;
      if (c === 0x7c || c === 0x29) break;
      if (c === 0x2a || c === 0x2b || c === 0x3f || c === 0x7b) {
        const start = this.pos;
        let min: number;
        let max: number;
        if (c === 0x7b) {
          const rep = this.tryRepeat();
          if (!rep) {
            // not a repeat: a literal '{'
            this.pos++;
            items.push(literal(c, flags.i));
            lastRepeatStart = -1;
            continue;
          }
          ({ min, max } = rep);
          if (min < 0 || min > MAX_REPEAT || max > MAX_REPEAT || (max >= 0 && min > max)) {
            throw new RegexpSyntaxError(ERR.invalidRepeatSize, this.text(start, this.pos));
          }
        } else {
          this.pos++;
          min = c === 0x2b ? 1 : 0;
          max = c === 0x3f ? 1 : -1;
        }
        if (this.peek() === 0x3f) this.pos++; // non-greedy: irrelevant to a yes/no match
        if (lastRepeatStart >= 0) {
          throw new RegexpSyntaxError(ERR.invalidRepeatOp, this.text(lastRepeatStart, this.pos));
        }
        const prev = items.pop();
        if (!prev) throw new RegexpSyntaxError(ERR.missingRepeatArgument, this.text(start, this.pos));
        items.push({ t: 'rep', sub: prev, min, max });
        lastRepeatStart = start;
        continue;
      }
      lastRepeatStart = -1;
      const atom = this.parseAtom(flags);
      if (atom) items.push(atom);
    }
    if (items.length === 0) return { t: 'empty' };
    return items.length === 1 ? (items[0] as Node) : { t: 'cat', subs: items };
  }

  /** `{n}`, `{n,}`, `{n,m}` at the current position, or undefined (then `{` is literal). */
  private tryRepeat(): { min: number; max: number } | undefined {
    let p = this.pos + 1;
    const num = (): number | undefined => {
      const s = p;
      while (p < this.src.length && isDigit(this.src[p] as number)) p++;
      if (p === s) return undefined;
      const digits = this.text(s, p);
      // Go refuses leading zeros in a count other than "0"; such a brace is literal
      if (digits.length > 1 && digits[0] === '0') return undefined;
      return digits.length > 8 ? -1 : Number(digits);
    };
    const min = num();
    if (min === undefined) return undefined;
    let max = min;
    if (this.src[p] === 0x2c) {
      p++;
      if (this.src[p] === 0x7d) max = -1;
      else {
        const m = num();
        if (m === undefined) return undefined;
        max = m;
      }
    }
    if (this.src[p] !== 0x7d) return undefined;
    p++;
    this.pos = p;
    // a count too large to parse is reported as a bad count
    if (min === -1 || (max === -1 && this.src[p - 2] !== 0x2c)) return { min: -1, max: -1 };
    return { min, max };
  }

  private parseAtom(flags: Flags): Node | undefined {
    const c = this.src[this.pos] as number;
    switch (c) {
      case 0x28 /* ( */:
        return this.parseGroup(flags);
      case 0x5b /* [ */:
        return this.parseClass(flags);
      case 0x2e /* . */:
        this.pos++;
        return flags.s ? { t: 'char', test: () => true } : { t: 'char', test: (x) => x !== 0x0a };
      case 0x5e /* ^ */:
        this.pos++;
        return { t: 'assert', k: flags.m ? 'bol' : 'bot' };
      case 0x24 /* $ */:
        this.pos++;
        return { t: 'assert', k: flags.m ? 'eol' : 'eot' };
      case 0x5c /* \ */:
        return this.parseBackslash(flags);
      default:
        this.pos++;
        return literal(c, flags.i);
    }
  }

  private parseGroup(flags: Flags): Node | undefined {
    const start = this.pos;
    this.pos++; // (
    if (this.peek() === 0x3f /* ? */) {
      const p1 = this.peek(1);
      const p2 = this.peek(2);
      if ((p1 === 0x50 /* P */ && p2 === 0x3c) || p1 === 0x3c /* < */) {
        const nameStart = this.pos + (p1 === 0x50 ? 3 : 2);
        let end = nameStart;
        while (end < this.src.length && this.src[end] !== 0x3e /* > */) end++;
        if (end >= this.src.length) throw new RegexpSyntaxError(ERR.invalidNamedCapture, this.text(start));
        const name = this.text(nameStart, end);
        if (!/^[A-Za-z0-9_]+$/.test(name)) throw new RegexpSyntaxError(ERR.invalidNamedCapture, this.text(start, end + 1));
        this.pos = end + 1;
        return this.groupBody(start, { ...flags });
      }
      // flags: (?i) (?i-s) (?i:re)
      let p = this.pos + 1;
      const next: Flags = { ...flags };
      let sign = 1;
      let sawFlag = false;
      for (;;) {
        const f = this.src[p];
        if (f === undefined) throw new RegexpSyntaxError(ERR.missingParen, this.whole);
        p++;
        if (f === 0x69 || f === 0x6d || f === 0x73 || f === 0x55) {
          const key = String.fromCodePoint(f) as keyof Flags;
          next[key] = sign > 0;
          sawFlag = true;
          continue;
        }
        if (f === 0x2d /* - */) {
          if (sign < 0) throw new RegexpSyntaxError(ERR.invalidPerlOp, this.text(start, p));
          sign = -1;
          sawFlag = false;
          continue;
        }
        if (f === 0x3a /* : */ || f === 0x29 /* ) */) {
          if (sign < 0 && !sawFlag) throw new RegexpSyntaxError(ERR.invalidPerlOp, this.text(start, p));
          this.pos = p;
          if (f === 0x29) {
            // flags for the rest of the enclosing group
            Object.assign(flags, next);
            return undefined;
          }
          return this.groupBody(start, next);
        }
        throw new RegexpSyntaxError(ERR.invalidPerlOp, this.text(start, p));
      }
    }
    return this.groupBody(start, { ...flags });
  }

  private groupBody(_start: number, flags: Flags): Node {
    const node = this.parseAlt(flags);
    if (this.peek() !== 0x29) throw new RegexpSyntaxError(ERR.missingParen, this.whole);
    this.pos++;
    return node;
  }

  private parseBackslash(flags: Flags): Node {
    const start = this.pos;
    const c = this.peek(1);
    if (c === undefined) throw new RegexpSyntaxError(ERR.trailingBackslash, '');
    switch (c) {
      case 0x41 /* A */:
        this.pos += 2;
        return { t: 'assert', k: 'bot' };
      case 0x7a /* z */:
        this.pos += 2;
        return { t: 'assert', k: 'eot' };
      case 0x62 /* b */:
        this.pos += 2;
        return { t: 'assert', k: 'wb' };
      case 0x42 /* B */:
        this.pos += 2;
        return { t: 'assert', k: 'nwb' };
      case 0x51 /* Q */: {
        this.pos += 2;
        const lits: Node[] = [];
        while (this.pos < this.src.length) {
          if (this.src[this.pos] === 0x5c && this.src[this.pos + 1] === 0x45) {
            this.pos += 2;
            break;
          }
          lits.push(literal(this.src[this.pos] as number, flags.i));
          this.pos++;
        }
        return lits.length === 0 ? { t: 'empty' } : { t: 'cat', subs: lits };
      }
      case 0x64:
      case 0x44:
      case 0x73:
      case 0x53:
      case 0x77:
      case 0x57: {
        this.pos += 2;
        const base = PERL[String.fromCodePoint(c).toLowerCase()] as Pred;
        const neg = c === 0x44 || c === 0x53 || c === 0x57;
        const p: Pred = neg ? (x) => !base(x) : base;
        return { t: 'char', test: flags.i ? foldPred(p) : p };
      }
      case 0x70 /* p */:
      case 0x50 /* P */: {
        const p = this.parseUnicodeClass(start);
        return { t: 'char', test: flags.i ? foldPred(p) : p };
      }
      default: {
        const cp = this.parseEscape(start);
        return literal(cp, flags.i);
      }
    }
  }

  /** `\pL`, `\p{Greek}`, `\PL`, `\p{^L}` starting at `start` (the backslash). */
  private parseUnicodeClass(start: number): Pred {
    const neg0 = this.src[start + 1] === 0x50;
    let p = start + 2;
    let name: string;
    if (this.src[p] === 0x7b) {
      const end = this.src.indexOf(0x7d, p);
      if (end < 0) throw new RegexpSyntaxError(ERR.invalidCharRange, this.text(start));
      name = this.text(p + 1, end);
      p = end + 1;
    } else {
      const ch = this.src[p];
      if (ch === undefined) throw new RegexpSyntaxError(ERR.invalidCharRange, this.text(start));
      name = String.fromCodePoint(ch);
      p++;
    }
    let neg = neg0;
    if (name.startsWith('^')) {
      neg = !neg;
      name = name.slice(1);
    }
    const pred = unicodeClass(name);
    if (!pred) throw new RegexpSyntaxError(ERR.invalidCharRange, this.text(start, p));
    this.pos = p;
    return neg ? (x) => !pred(x) : pred;
  }

  /** A single escaped character (outside or inside a class); `start` is the backslash. */
  private parseEscape(start: number): number {
    let p = start + 1;
    const c = this.src[p];
    if (c === undefined) throw new RegexpSyntaxError(ERR.trailingBackslash, '');
    p++;
    const bad = () => new RegexpSyntaxError(ERR.invalidEscape, this.text(start, p));
    // octal: \0, \012; a lone \1-\7 would be a backreference, which RE2 refuses
    if (c >= 0x30 && c <= 0x37) {
      const nx = this.src[p];
      if (c !== 0x30 && (nx === undefined || nx < 0x30 || nx > 0x37)) throw bad();
      let v = c - 0x30;
      for (let k = 0; k < 2; k++) {
        const d = this.src[p];
        if (d === undefined || d < 0x30 || d > 0x37) break;
        v = v * 8 + (d - 0x30);
        p++;
      }
      this.pos = p;
      return v;
    }
    if (c === 0x78 /* x */) {
      const hexOf = (x: number | undefined) =>
        x === undefined ? -1 : isDigit(x) ? x - 0x30 : x >= 0x61 && x <= 0x66 ? x - 0x57 : x >= 0x41 && x <= 0x46 ? x - 0x37 : -1;
      if (this.src[p] === 0x7b) {
        p++;
        let v = 0;
        let n = 0;
        for (;;) {
          const x = this.src[p];
          if (x === undefined) throw bad();
          p++;
          if (x === 0x7d) break;
          const h = hexOf(x);
          if (h < 0) throw bad();
          v = v * 16 + h;
          n++;
          if (v > 0x10ffff) throw bad();
        }
        if (n === 0) throw bad();
        this.pos = p;
        return v;
      }
      const h1 = hexOf(this.src[p]);
      const h2 = hexOf(this.src[p + 1]);
      if (h1 < 0 || h2 < 0) {
        p = Math.min(p + 2, this.src.length);
        throw bad();
      }
      this.pos = p + 2;
      return h1 * 16 + h2;
    }
    const simple: Record<number, number> = { 0x61: 7, 0x66: 12, 0x6e: 10, 0x72: 13, 0x74: 9, 0x76: 11 };
    if (simple[c] !== undefined) {
      this.pos = p;
      return simple[c] as number;
    }
    if (c < 0x80 && !isAlnumAscii(c)) {
      this.pos = p;
      return c;
    }
    throw bad();
  }

  private parseClass(flags: Flags): Node {
    const start = this.pos;
    this.pos++; // [
    let neg = false;
    if (this.peek() === 0x5e) {
      neg = true;
      this.pos++;
    }
    const preds: Pred[] = [];
    const ranges: number[] = [];
    let first = true;
    const missing = () => new RegexpSyntaxError(ERR.missingBracket, this.text(start));
    for (;;) {
      const c = this.peek();
      if (c === undefined) throw missing();
      if (c === 0x5d && !first) break;
      first = false;
      // [:alpha:]
      if (c === 0x5b && this.peek(1) === 0x3a) {
        const end = this.findPosixEnd();
        if (end >= 0) {
          let name = this.text(this.pos + 2, end);
          let pneg = false;
          if (name.startsWith('^')) {
            pneg = true;
            name = name.slice(1);
          }
          const pp = POSIX[name];
          if (!pp) throw new RegexpSyntaxError(ERR.invalidCharRange, this.text(this.pos, end + 2));
          preds.push(pneg ? (x) => !pp(x) : pp);
          this.pos = end + 2;
          continue;
        }
      }
      if (c === 0x5c) {
        const e = this.peek(1);
        if (e === 0x70 || e === 0x50) {
          preds.push(this.parseUnicodeClass(this.pos));
          continue;
        }
        if (e !== undefined && 'dDsSwW'.includes(String.fromCodePoint(e))) {
          const base = PERL[String.fromCodePoint(e).toLowerCase()] as Pred;
          preds.push(e === 0x44 || e === 0x53 || e === 0x57 ? (x) => !base(x) : base);
          this.pos += 2;
          continue;
        }
      }
      const rangeStart = this.pos;
      const lo = this.classChar(missing);
      let hi = lo;
      if (this.peek() === 0x2d && this.peek(1) !== undefined && this.peek(1) !== 0x5d) {
        this.pos++;
        hi = this.classChar(missing);
        if (hi < lo) throw new RegexpSyntaxError(ERR.invalidCharRange, this.text(rangeStart, this.pos));
      }
      ranges.push(lo, hi);
    }
    this.pos++; // ]
    const inRanges = (x: number) => {
      for (let k = 0; k < ranges.length; k += 2) if (x >= (ranges[k] as number) && x <= (ranges[k + 1] as number)) return true;
      return false;
    };
    let test: Pred = preds.length === 0 ? inRanges : (x) => inRanges(x) || preds.some((p) => p(x));
    if (flags.i) test = foldPred(test);
    const positive = test;
    return { t: 'char', test: neg ? (x) => !positive(x) : positive };
  }

  private findPosixEnd(): number {
    for (let p = this.pos + 2; p + 1 < this.src.length; p++) {
      if (this.src[p] === 0x3a && this.src[p + 1] === 0x5d) return p;
      if (this.src[p] === 0x5d) return -1;
    }
    return -1;
  }

  private classChar(missing: () => Error): number {
    const c = this.peek();
    if (c === undefined) throw missing();
    if (c === 0x5c) {
      if (this.peek(1) === undefined) throw missing();
      return this.parseEscape(this.pos);
    }
    this.pos++;
    return c;
  }
}

// ---------------------------------------------------------------------------------------------
// Compiler

const OP_CHAR = 0;
const OP_SPLIT = 1;
const OP_JMP = 2;
const OP_ASSERT = 3;
const OP_MATCH = 4;

interface Inst {
  op: number;
  x: number;
  y: number;
  test?: Pred;
  k?: AssertKind;
}

class Compiler {
  readonly prog: Inst[] = [];

  private emit(i: Inst): number {
    if (this.prog.length >= MAX_PROGRAM) throw new RegexpSyntaxError(ERR.large, '');
    this.prog.push(i);
    return this.prog.length - 1;
  }

  private at(pc: number): Inst {
    return this.prog[pc] as Inst;
  }

  compile(n: Node): void {
    switch (n.t) {
      case 'empty':
        return;
      case 'char':
        this.emit({ op: OP_CHAR, x: 0, y: 0, test: n.test });
        return;
      case 'assert':
        this.emit({ op: OP_ASSERT, x: 0, y: 0, k: n.k });
        return;
      case 'cat':
        for (const s of n.subs) this.compile(s);
        return;
      case 'alt': {
        const jumps: number[] = [];
        for (let k = 0; k < n.subs.length - 1; k++) {
          const split = this.emit({ op: OP_SPLIT, x: 0, y: 0 });
          this.at(split).x = this.prog.length;
          this.compile(n.subs[k] as Node);
          jumps.push(this.emit({ op: OP_JMP, x: 0, y: 0 }));
          this.at(split).y = this.prog.length;
        }
        this.compile(n.subs[n.subs.length - 1] as Node);
        for (const j of jumps) this.at(j).x = this.prog.length;
        return;
      }
      case 'rep': {
        for (let k = 0; k < n.min; k++) this.compile(n.sub);
        if (n.max < 0) {
          // x*
          const split = this.emit({ op: OP_SPLIT, x: 0, y: 0 });
          this.at(split).x = this.prog.length;
          this.compile(n.sub);
          this.emit({ op: OP_JMP, x: split, y: 0 });
          this.at(split).y = this.prog.length;
          return;
        }
        // (x(x(x)?)?)? for the optional max-min copies
        const splits: number[] = [];
        for (let k = n.min; k < n.max; k++) {
          const split = this.emit({ op: OP_SPLIT, x: 0, y: 0 });
          this.at(split).x = this.prog.length;
          splits.push(split);
          this.compile(n.sub);
        }
        for (const s of splits) this.at(s).y = this.prog.length;
        return;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Matcher

export class RE2 {
  private constructor(
    readonly source: string,
    private readonly prog: Inst[],
  ) {}

  static compile(pattern: string): RE2 {
    const cps = Array.from(pattern, (ch) => ch.codePointAt(0) as number);
    const ast = new Parser(cps).parse();
    const c = new Compiler();
    c.compile(ast);
    c.prog.push({ op: OP_MATCH, x: 0, y: 0 });
    return new RE2(pattern, c.prog);
  }

  get programSize(): number {
    return this.prog.length;
  }

  /**
   * Whether the pattern matches somewhere in `input` (Go's MatchString). Lone surrogates count
   * as U+FFFD, as Go decodes invalid UTF-8. Returns false when the work bound is exceeded.
   */
  test(input: string): boolean {
    const cps: number[] = [];
    for (const ch of input) {
      const cp = ch.codePointAt(0) as number;
      cps.push(cp >= 0xd800 && cp <= 0xdfff ? 0xfffd : cp);
    }
    const n = cps.length;
    const m = this.prog.length;
    if ((n + 1) * m > MAX_WORK) return false;
    let clist = new Int32Array(m);
    let clen = 0;
    let nlist = new Int32Array(m);
    let nlen = 0;
    // generation stamps instead of clearing the "on list" marks
    const mark = new Int32Array(m).fill(-1);
    const stack = new Int32Array(m + 1);
    const prog = this.prog;

    const assertOk = (k: AssertKind, pos: number): boolean => {
      const prev = pos > 0 ? (cps[pos - 1] as number) : -1;
      const next = pos < n ? (cps[pos] as number) : -1;
      switch (k) {
        case 'bot':
          return pos === 0;
        case 'eot':
          return pos === n;
        case 'bol':
          return pos === 0 || prev === 0x0a;
        case 'eol':
          return pos === n || next === 0x0a;
        case 'wb':
        case 'nwb': {
          const a = prev >= 0 && isWordChar(prev);
          const b = next >= 0 && isWordChar(next);
          return (a !== b) === (k === 'wb');
        }
      }
    };

    // adds pc (following jumps, splits and satisfied assertions) to the list; gen = list stamp
    const add = (list: Int32Array, len: number, pc0: number, pos: number, gen: number): number => {
      let sp = 0;
      stack[sp++] = pc0;
      while (sp > 0) {
        const pc = stack[--sp] as number;
        if (mark[pc] === gen) continue;
        mark[pc] = gen;
        const inst = prog[pc] as Inst;
        switch (inst.op) {
          case OP_JMP:
            stack[sp++] = inst.x;
            break;
          case OP_SPLIT:
            stack[sp++] = inst.y;
            stack[sp++] = inst.x;
            break;
          case OP_ASSERT:
            if (assertOk(inst.k as AssertKind, pos)) stack[sp++] = pc + 1;
            break;
          default:
            list[len++] = pc;
        }
      }
      return len;
    };

    let gen = 0;
    clen = add(clist, 0, 0, 0, gen);
    for (let pos = 0; ; pos++) {
      const c = pos < n ? (cps[pos] as number) : -1;
      gen++;
      nlen = 0;
      for (let k = 0; k < clen; k++) {
        const pc = clist[k] as number;
        const inst = prog[pc] as Inst;
        if (inst.op === OP_MATCH) return true;
        if (inst.op === OP_CHAR && c >= 0 && (inst.test as Pred)(c)) nlen = add(nlist, nlen, pc + 1, pos + 1, gen);
      }
      if (pos >= n) return false;
      // unanchored search: a new thread starts at every position
      nlen = add(nlist, nlen, 0, pos + 1, gen);
      const t = clist;
      clist = nlist;
      nlist = t;
      clen = nlen;
    }
  }
}

const cache = new Map<string, RE2 | RegexpSyntaxError>();

/** Compiles (cached) a pattern; returns the RE2 or the Go-worded syntax error. */
export function compileRE2(pattern: string): RE2 | RegexpSyntaxError {
  const hit = cache.get(pattern);
  if (hit) return hit;
  let out: RE2 | RegexpSyntaxError;
  try {
    out = RE2.compile(pattern);
  } catch (err) {
    if (err instanceof RegexpSyntaxError) out = err;
    else if (err instanceof RangeError) out = new RegexpSyntaxError(ERR.nestingDepth, pattern);
    else throw err;
  }
  if (cache.size > 2000) cache.clear();
  cache.set(pattern, out);
  return out;
}
