// A small protobuf decoder for tests: reads a gnostic `openapi.v2.Document` back into the
// Swagger 2.0 JSON it encodes. Its field tables are written from OpenAPIv2.proto
// (github.com/google/gnostic-models/openapiv2), independently of the encoder.

type Wire = { wire: 0 | 1 | 2 | 5; value: bigint | Buffer };
type Fields = Map<number, Wire[]>;

export function readFields(buf: Buffer): Fields {
  const out: Fields = new Map();
  let i = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (i >= buf.length) throw new Error('truncated varint');
      const b = buf[i++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new Error('varint too long');
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    if (field === 0) throw new Error('field number 0');
    let w: Wire;
    if (wire === 0) w = { wire: 0, value: varint() };
    else if (wire === 1) {
      w = { wire: 1, value: buf.subarray(i, i + 8) };
      i += 8;
    } else if (wire === 2) {
      const len = Number(varint());
      if (i + len > buf.length) throw new Error('truncated field');
      w = { wire: 2, value: buf.subarray(i, i + len) };
      i += len;
    } else if (wire === 5) {
      w = { wire: 5, value: buf.subarray(i, i + 4) };
      i += 4;
    } else throw new Error(`unsupported wire type ${wire}`);
    if (i > buf.length) throw new Error('truncated');
    let list = out.get(field);
    if (!list) out.set(field, (list = []));
    list.push(w);
  }
  return out;
}

function bytes(f: Fields, n: number): Buffer[] {
  return (f.get(n) ?? []).map((w) => {
    if (w.wire !== 2) throw new Error(`field ${n}: expected length-delimited, got wire type ${w.wire}`);
    return w.value as Buffer;
  });
}
const str = (f: Fields, n: number): string | undefined => bytes(f, n).pop()?.toString('utf8');
const strs = (f: Fields, n: number): string[] => bytes(f, n).map((b) => b.toString('utf8'));
const msg = (f: Fields, n: number): Fields | undefined => {
  const b = bytes(f, n).pop();
  return b ? readFields(b) : undefined;
};
const msgs = (f: Fields, n: number): Fields[] => bytes(f, n).map(readFields);
function bool(f: Fields, n: number): boolean | undefined {
  const w = f.get(n)?.pop();
  if (!w) return undefined;
  if (w.wire !== 0) throw new Error(`field ${n}: expected varint`);
  return w.value !== 0n;
}
function int(f: Fields, n: number): number | undefined {
  const w = f.get(n)?.pop();
  if (!w) return undefined;
  if (w.wire !== 0) throw new Error(`field ${n}: expected varint`);
  return Number(BigInt.asIntN(64, w.value as bigint));
}
function dbl(f: Fields, n: number): number | undefined {
  const w = f.get(n)?.pop();
  if (!w) return undefined;
  if (w.wire !== 1) throw new Error(`field ${n}: expected fixed64`);
  return (w.value as Buffer).readDoubleLE(0);
}

/** Any { google.protobuf.Any value = 1; string yaml = 2; } — our yaml is JSON text. */
function anyValue(f: Fields): unknown {
  const yaml = str(f, 2);
  return yaml === undefined ? undefined : JSON.parse(yaml);
}

/** repeated NamedAny { string name = 1; Any value = 2; } */
function extensions(f: Fields, n: number, into: Record<string, unknown>): void {
  for (const na of msgs(f, n)) {
    const name = str(na, 1)!;
    const v = msg(na, 2);
    into[name] = v ? anyValue(v) : undefined;
  }
}

function set(o: Record<string, unknown>, k: string, v: unknown): void {
  if (v !== undefined && !(Array.isArray(v) && v.length === 0)) o[k] = v;
}

/** message Schema (fields 1..31). */
export function decodeSchema(f: Fields): Record<string, unknown> {
  const s: Record<string, unknown> = {};
  set(s, '$ref', str(f, 1));
  set(s, 'format', str(f, 2));
  set(s, 'title', str(f, 3));
  set(s, 'description', str(f, 4));
  const def = msg(f, 5);
  if (def) s.default = anyValue(def);
  set(s, 'multipleOf', dbl(f, 6));
  set(s, 'maximum', dbl(f, 7));
  set(s, 'exclusiveMaximum', bool(f, 8));
  set(s, 'minimum', dbl(f, 9));
  set(s, 'exclusiveMinimum', bool(f, 10));
  set(s, 'maxLength', int(f, 11));
  set(s, 'minLength', int(f, 12));
  set(s, 'pattern', str(f, 13));
  set(s, 'maxItems', int(f, 14));
  set(s, 'minItems', int(f, 15));
  set(s, 'uniqueItems', bool(f, 16));
  set(s, 'maxProperties', int(f, 17));
  set(s, 'minProperties', int(f, 18));
  set(s, 'required', strs(f, 19));
  set(s, 'enum', msgs(f, 20).map(anyValue));
  // AdditionalPropertiesItem { oneof { Schema schema = 1; bool boolean = 2; } }
  const ap = msg(f, 21);
  if (ap) s.additionalProperties = ap.has(1) ? decodeSchema(msg(ap, 1)!) : bool(ap, 2);
  // TypeItem { repeated string value = 1; }
  const t = msg(f, 22);
  if (t) {
    const v = strs(t, 1);
    s.type = v.length === 1 ? v[0] : v;
  }
  // ItemsItem { repeated Schema schema = 1; }
  const items = msg(f, 23);
  if (items) {
    const list = msgs(items, 1).map(decodeSchema);
    s.items = list.length === 1 ? list[0] : list;
  }
  set(s, 'allOf', msgs(f, 24).map(decodeSchema));
  // Properties { repeated NamedSchema additional_properties = 1; }
  const props = msg(f, 25);
  if (props) {
    const p: Record<string, unknown> = {};
    for (const ns of msgs(props, 1)) p[str(ns, 1)!] = decodeSchema(msg(ns, 2) ?? new Map());
    s.properties = p;
  }
  set(s, 'discriminator', str(f, 26));
  set(s, 'readOnly', bool(f, 27));
  const ex = msg(f, 30);
  if (ex) s.example = anyValue(ex);
  extensions(f, 31, s);
  return s;
}

/** ParametersItem { oneof { Parameter parameter = 1; JsonReference json_reference = 2; } } */
function decodeParameter(f: Fields): Record<string, unknown> {
  const ref = msg(f, 2);
  if (ref) return { $ref: str(ref, 1) };
  const p = msg(f, 1)!;
  // Parameter { oneof { BodyParameter body_parameter = 1; NonBodyParameter non_body_parameter = 2; } }
  const body = msg(p, 1);
  if (body) {
    const out: Record<string, unknown> = {};
    set(out, 'name', str(body, 2));
    set(out, 'in', str(body, 3));
    set(out, 'description', str(body, 1));
    set(out, 'required', bool(body, 4));
    const schema = msg(body, 5);
    if (schema) out.schema = decodeSchema(schema);
    return out;
  }
  const nb = msg(p, 2)!;
  // NonBodyParameter { header 1; form_data 2; query 3; path 4 }
  const out: Record<string, unknown> = {};
  const header = msg(nb, 1);
  const query = msg(nb, 3);
  const path = msg(nb, 4);
  if (query) {
    set(out, 'name', str(query, 4));
    set(out, 'in', str(query, 2));
    set(out, 'description', str(query, 3));
    set(out, 'required', bool(query, 1));
    set(out, 'type', str(query, 6));
    set(out, 'uniqueItems', bool(query, 20));
  } else if (path) {
    set(out, 'name', str(path, 4));
    set(out, 'in', str(path, 2));
    set(out, 'description', str(path, 3));
    set(out, 'required', bool(path, 1));
    set(out, 'type', str(path, 5));
    set(out, 'uniqueItems', bool(path, 19));
  } else if (header) {
    set(out, 'name', str(header, 4));
    set(out, 'in', str(header, 2));
    set(out, 'description', str(header, 3));
    set(out, 'required', bool(header, 1));
    set(out, 'type', str(header, 5));
    set(out, 'uniqueItems', bool(header, 19));
  } else throw new Error('unsupported non-body parameter');
  return out;
}

/** message Operation. */
function decodeOperation(f: Fields): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  set(o, 'description', str(f, 3));
  set(o, 'consumes', strs(f, 7));
  set(o, 'produces', strs(f, 6));
  set(o, 'schemes', strs(f, 10));
  set(o, 'tags', strs(f, 1));
  set(o, 'operationId', str(f, 5));
  set(o, 'parameters', msgs(f, 8).map(decodeParameter));
  const responses: Record<string, unknown> = {};
  const rs = msg(f, 9);
  for (const nrv of rs ? msgs(rs, 1) : []) {
    // NamedResponseValue { name 1; ResponseValue value 2 { oneof { Response response 1; JsonReference 2 } } }
    const rv = msg(nrv, 2)!;
    const r = msg(rv, 1)!;
    const out: Record<string, unknown> = { description: str(r, 1) ?? '' };
    // SchemaItem { oneof { Schema schema 1; FileSchema file_schema 2 } }
    const si = msg(r, 2);
    if (si) out.schema = decodeSchema(msg(si, 1)!);
    responses[str(nrv, 1)!] = out;
  }
  o.responses = responses;
  extensions(f, 13, o);
  return o;
}

/** Decodes a gnostic `openapi.v2.Document` into Swagger 2.0 JSON. */
export function decodeDocument(buf: Buffer): Record<string, unknown> {
  const f = readFields(buf);
  const doc: Record<string, unknown> = {};
  set(doc, 'swagger', str(f, 1));
  const info = msg(f, 2);
  if (info) doc.info = { title: str(info, 1), version: str(info, 2) };
  const paths: Record<string, unknown> = {};
  const ps = msg(f, 8);
  for (const np of ps ? msgs(ps, 2) : []) {
    const item = msg(np, 2)!;
    const out: Record<string, unknown> = {};
    const methods: [string, number][] = [
      ['get', 2],
      ['put', 3],
      ['post', 4],
      ['delete', 5],
      ['options', 6],
      ['head', 7],
      ['patch', 8],
    ];
    for (const [m, n] of methods) {
      const op = msg(item, n);
      if (op) out[m] = decodeOperation(op);
    }
    set(out, 'parameters', msgs(item, 9).map(decodeParameter));
    paths[str(np, 1)!] = out;
  }
  doc.paths = paths;
  const defs: Record<string, unknown> = {};
  const ds = msg(f, 9);
  for (const ns of ds ? msgs(ds, 1) : []) defs[str(ns, 1)!] = decodeSchema(msg(ns, 2) ?? new Map());
  doc.definitions = defs;
  const sd = msg(f, 13);
  if (sd) {
    const out: Record<string, unknown> = {};
    for (const n of msgs(sd, 1)) {
      const item = msg(n, 2)!;
      const k = msg(item, 2)!; // ApiKeySecurity { type 1; name 2; in 3; description 4 }
      out[str(n, 1)!] = { description: str(k, 4), in: str(k, 3), name: str(k, 2), type: str(k, 1) };
    }
    doc.securityDefinitions = out;
  }
  const sec = msgs(f, 12).map((sr) => Object.fromEntries(msgs(sr, 1).map((n) => [str(n, 1)!, strs(msg(n, 2) ?? new Map(), 1)])));
  set(doc, 'security', sec);
  return doc;
}
