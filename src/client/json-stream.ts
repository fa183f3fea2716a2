// The watch body is a stream of JSON objects, one after another, in chunks that may cut an
// object (or a multi-byte character: callers feed decoded text) anywhere. This splits it back
// into objects without buffering more than the object in progress.

export class JsonObjectStream {
  private buf = '';
  /** Where scanning resumes in buf. */
  private pos = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;

  /** Feeds text; returns the objects it completed. */
  push(text: string): unknown[] {
    this.buf += text;
    const out: unknown[] = [];
    let start = 0;
    const buf = this.buf;
    for (let i = this.pos; i < buf.length; i++) {
      const c = buf.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c /* \ */) this.escaped = true;
        else if (c === 0x22 /* " */) this.inString = false;
        continue;
      }
      if (c === 0x22) {
        if (this.depth === 0) throw new SyntaxError(`unexpected string outside an object in the watch stream`);
        this.inString = true;
      } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
        if (this.depth === 0) {
          if (c === 0x5b) throw new SyntaxError('unexpected array in the watch stream');
          start = i;
        }
        this.depth++;
      } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
        if (this.depth === 0) throw new SyntaxError(`unexpected ${String.fromCharCode(c)} in the watch stream`);
        this.depth--;
        if (this.depth === 0) {
          out.push(JSON.parse(buf.slice(start, i + 1)));
          start = i + 1;
        }
      } else if (this.depth === 0 && c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) {
        throw new SyntaxError(`unexpected ${JSON.stringify(buf[i])} in the watch stream`);
      }
    }
    if (this.depth === 0) {
      this.buf = '';
      this.pos = 0;
    } else {
      this.buf = buf.slice(start);
      this.pos = this.buf.length;
    }
    return out;
  }

  /** True when no object is cut off. */
  get idle(): boolean {
    return this.depth === 0 && !this.inString;
  }
}
