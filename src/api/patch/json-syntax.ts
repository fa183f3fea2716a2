// The first syntax error of a JSON text, worded as Go's encoding/json scanner words it
// ("invalid character 'x' looking for beginning of value"), for the 400 the API server answers
// to a patch body that is not JSON. Only called after JSON.parse has failed.

export function goJsonSyntaxError(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  let i = 0;
  const EOF = 'unexpected end of JSON input';

  class SyntaxFail extends Error {}
  const fail = (what: string): never => {
    throw new SyntaxFail(`invalid character ${quoteChar(bytes[i] ?? 0)} ${what}`);
  };
  const peek = (): number => {
    if (i >= bytes.length) throw new SyntaxFail(EOF);
    return bytes[i] as number;
  };
  const ws = (): void => {
    while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  };
  const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

  const literal = (word: string): void => {
    for (let k = 1; k < word.length; k++) {
      i++;
      if (peek() !== word.charCodeAt(k)) fail(`in literal ${word} (expecting '${word[k]}')`);
    }
    i++;
  };

  const string = (): void => {
    i++; // opening quote
    for (;;) {
      const c = peek();
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail('in string literal');
      if (c === 0x5c) {
        i++;
        const e = peek();
        if (e === 0x75) {
          for (let k = 0; k < 4; k++) {
            i++;
            if (!/[0-9a-fA-F]/.test(String.fromCharCode(peek()))) fail('in \\u hexadecimal character escape');
          }
        } else if (!'"\\/bfnrt'.includes(String.fromCharCode(e))) {
          fail('in string escape code');
        }
      }
      i++;
    }
  };

  const number = (): void => {
    if (peek() === 0x2d) {
      i++;
      if (!isDigit(peek())) fail('in numeric literal');
    }
    if (peek() === 0x30) i++;
    else while (i < bytes.length && isDigit(bytes[i] as number)) i++;
    if (i < bytes.length && bytes[i] === 0x2e) {
      i++;
      if (!isDigit(peek())) fail('after decimal point in numeric literal');
      while (i < bytes.length && isDigit(bytes[i] as number)) i++;
    }
    if (i < bytes.length && (bytes[i] === 0x65 || bytes[i] === 0x45)) {
      i++;
      if (peek() === 0x2b || peek() === 0x2d) i++;
      if (!isDigit(peek())) fail('in exponent of numeric literal');
      while (i < bytes.length && isDigit(bytes[i] as number)) i++;
    }
  };

  const value = (): void => {
    ws();
    const c = peek();
    if (c === 0x7b) {
      i++;
      ws();
      if (peek() === 0x7d) {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (peek() !== 0x22) fail('looking for beginning of object key string');
        string();
        ws();
        if (peek() !== 0x3a) fail('after object key');
        i++;
        value();
        ws();
        const d = peek();
        i++;
        if (d === 0x7d) return;
        if (d !== 0x2c) {
          i--;
          fail('after object key:value pair');
        }
      }
    }
    if (c === 0x5b) {
      i++;
      ws();
      if (peek() === 0x5d) {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        const d = peek();
        i++;
        if (d === 0x5d) return;
        if (d !== 0x2c) {
          i--;
          fail('after array element');
        }
      }
    }
    if (c === 0x22) return string();
    if (c === 0x2d || isDigit(c)) return number();
    if (c === 0x74) return literal('true');
    if (c === 0x66) return literal('false');
    if (c === 0x6e) return literal('null');
    fail('looking for beginning of value');
  };

  try {
    value();
    ws();
    if (i < bytes.length) fail('after top-level value');
    return EOF; // not reached for a text JSON.parse rejected
  } catch (err) {
    if (err instanceof SyntaxFail) return err.message;
    throw err;
  }
}

/** Go's quoteChar: the byte in single quotes, escaped as strconv.Quote escapes it. */
function quoteChar(c: number): string {
  if (c === 0x27) return `'\\''`;
  if (c === 0x22) return `'"'`;
  if (c >= 0x20 && c < 0x7f) return `'${String.fromCharCode(c)}'`;
  const named: Record<number, string> = { 0x07: '\\a', 0x08: '\\b', 0x0c: '\\f', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x0b: '\\v' };
  return `'${named[c] ?? `\\x${c.toString(16).padStart(2, '0')}`}'`;
}
