// A protobuf encoder for the gnostic OpenAPI v2 `Document` message
// (github.com/google/gnostic-models/openapiv2/OpenAPIv2.proto), which is what
// /openapi/v2 answers with for `Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`
// and what kubectl parses. Only the fields our documents use are written. Values of vendor
// extensions, `default`, `enum` and `example` go into `Any.yaml` as JSON text (JSON is YAML).

import type { Schema } from './schema.ts';
import type { SwaggerDocument, SwaggerOperation, SwaggerParameter, SwaggerPathItem } from './v2.ts';

/** Collects one message's fields; nested messages are encoded first and then length-prefixed. */
export class ProtoWriter {
  private chunks: Buffer[] = [];
  private size = 0;

  private push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
  }

  private varint(n: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(n));
    const bytes: number[] = [];
    while (v >= 0x80n) {
      bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    bytes.push(Number(v));
    this.push(Buffer.from(bytes));
  }

  private smallVarint(n: number): void {
    if (n < 0x80) {
      this.push(Buffer.of(n));
      return;
    }
    this.varint(n);
  }

  private tag(field: number, wire: number): void {
    this.smallVarint((field << 3) | wire);
  }

  string(field: number, s: string | undefined): this {
    if (s === undefined || s === '') return this;
    const b = Buffer.from(s, 'utf8');
    this.tag(field, 2);
    this.smallVarint(b.length);
    this.push(b);
    return this;
  }

  strings(field: number, list: readonly string[] | undefined): this {
    for (const s of list ?? []) {
      // Repeated strings keep empty entries.
      const b = Buffer.from(s, 'utf8');
      this.tag(field, 2);
      this.smallVarint(b.length);
      this.push(b);
    }
    return this;
  }

  bool(field: number, v: boolean | undefined): this {
    if (!v) return this;
    this.tag(field, 0);
    this.push(Buffer.of(1));
    return this;
  }

  /** A bool inside a oneof: written even when false, since its presence is the information. */
  oneofBool(field: number, v: boolean): this {
    this.tag(field, 0);
    this.push(Buffer.of(v ? 1 : 0));
    return this;
  }

  int64(field: number, v: number | undefined): this {
    if (v === undefined || v === 0) return this;
    this.tag(field, 0);
    this.varint(v);
    return this;
  }

  double(field: number, v: number | undefined): this {
    if (v === undefined || v === 0) return this;
    this.tag(field, 1);
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    this.push(b);
    return this;
  }

  /** A nested message; written even when empty (presence matters for some fields). */
  message(field: number, fill: (w: ProtoWriter) => void): this {
    const w = new ProtoWriter();
    fill(w);
    const b = w.finish();
    this.tag(field, 2);
    this.smallVarint(b.length);
    this.push(b);
    return this;
  }

  finish(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }
}

/** `Any { string yaml = 2; }` */
function any(w: ProtoWriter, value: unknown): void {
  w.string(2, JSON.stringify(value));
}

/** `repeated NamedAny vendor_extension` from the `x-*` keys of an object. */
function vendorExtensions(w: ProtoWriter, field: number, obj: object): void {
  for (const [k, v] of Object.entries(obj)) {
    if (!k.startsWith('x-') || v === undefined) continue;
    w.message(field, (n) => n.string(1, k).message(2, (a) => any(a, v)));
  }
}

function schema(w: ProtoWriter, s: Schema): void {
  w.string(1, s.$ref);
  w.string(2, s.format);
  w.string(3, s.title);
  w.string(4, s.description);
  if (s.default !== undefined) w.message(5, (a) => any(a, s.default));
  w.double(6, s.multipleOf);
  w.double(7, s.maximum);
  w.bool(8, s.exclusiveMaximum);
  w.double(9, s.minimum);
  w.bool(10, s.exclusiveMinimum);
  w.int64(11, s.maxLength);
  w.int64(12, s.minLength);
  w.string(13, s.pattern);
  w.int64(14, s.maxItems);
  w.int64(15, s.minItems);
  w.bool(16, s.uniqueItems);
  w.int64(17, s.maxProperties);
  w.int64(18, s.minProperties);
  w.strings(19, s.required);
  for (const e of s.enum ?? []) w.message(20, (a) => any(a, e));
  const ap = s.additionalProperties;
  if (ap !== undefined) {
    w.message(21, (m) => {
      // `oneof { Schema schema = 1; bool boolean = 2; }`
      if (typeof ap === 'boolean') m.oneofBool(2, ap);
      else m.message(1, (x) => schema(x, ap));
    });
  }
  if (s.type !== undefined) w.message(22, (t) => t.strings(1, [s.type!]));
  if (s.items) w.message(23, (it) => it.message(1, (x) => schema(x, s.items!)));
  for (const a of s.allOf ?? []) w.message(24, (x) => schema(x, a));
  if (s.properties) {
    w.message(25, (p) => {
      for (const [name, sub] of Object.entries(s.properties!)) p.message(1, (n) => n.string(1, name).message(2, (x) => schema(x, sub)));
    });
  }
  w.bool(27, s.readOnly);
  if (s.example !== undefined) w.message(30, (a) => any(a, s.example));
  vendorExtensions(w, 31, s);
}

function parameter(w: ProtoWriter, p: SwaggerParameter): void {
  // ParametersItem { Parameter parameter = 1; }
  w.message(1, (param) => {
    if (p.in === 'body') {
      // Parameter { BodyParameter body_parameter = 1; }
      param.message(1, (b) => {
        b.string(1, p.description).string(2, p.name).string(3, p.in).bool(4, p.required);
        if (p.schema) b.message(5, (x) => schema(x, p.schema!));
      });
      return;
    }
    // Parameter { NonBodyParameter non_body_parameter = 2; }
    param.message(2, (nb) => {
      if (p.in === 'path') {
        // PathParameterSubSchema: required 1, in 2, description 3, name 4, type 5, format 6, unique_items 19
        nb.message(4, (x) => x.bool(1, p.required).string(2, p.in).string(3, p.description).string(4, p.name).string(5, p.type).bool(19, p.uniqueItems));
      } else if (p.in === 'query') {
        // QueryParameterSubSchema: required 1, in 2, description 3, name 4, type 6, unique_items 20
        nb.message(3, (x) => x.bool(1, p.required).string(2, p.in).string(3, p.description).string(4, p.name).string(6, p.type).bool(20, p.uniqueItems));
      } else if (p.in === 'header') {
        // HeaderParameterSubSchema: required 1, in 2, description 3, name 4, type 5, unique_items 19
        nb.message(1, (x) => x.bool(1, p.required).string(2, p.in).string(3, p.description).string(4, p.name).string(5, p.type).bool(19, p.uniqueItems));
      } else {
        throw new Error(`openapi: unsupported parameter location ${p.in}`);
      }
    });
  });
}

const METHOD_FIELDS: [keyof SwaggerPathItem, number][] = [
  ['get', 2],
  ['put', 3],
  ['post', 4],
  ['delete', 5],
  ['options', 6],
  ['head', 7],
  ['patch', 8],
];

function operation(w: ProtoWriter, o: SwaggerOperation): void {
  w.strings(1, o.tags);
  w.string(3, o.description);
  w.string(5, o.operationId);
  w.strings(6, o.produces);
  w.strings(7, o.consumes);
  for (const p of o.parameters ?? []) w.message(8, (x) => parameter(x, p));
  w.message(9, (rs) => {
    for (const [code, r] of Object.entries(o.responses)) {
      // NamedResponseValue { name 1; ResponseValue value 2 { Response response 1 { description 1; SchemaItem schema 2 { Schema schema 1 } } } }
      rs.message(1, (n) =>
        n.string(1, code).message(2, (rv) =>
          rv.message(1, (resp) => {
            resp.string(1, r.description);
            if (r.schema) resp.message(2, (si) => si.message(1, (x) => schema(x, r.schema!)));
          }),
        ),
      );
    }
  });
  w.strings(10, o.schemes);
  vendorExtensions(w, 13, o);
}

function pathItem(w: ProtoWriter, item: SwaggerPathItem): void {
  for (const [method, field] of METHOD_FIELDS) {
    const op = item[method] as SwaggerOperation | undefined;
    if (op) w.message(field, (x) => operation(x, op));
  }
  for (const p of item.parameters ?? []) w.message(9, (x) => parameter(x, p));
}

/** Encodes a Swagger 2.0 document as a gnostic `openapi.v2.Document`. */
export function encodeDocument(doc: SwaggerDocument): Buffer {
  const w = new ProtoWriter();
  w.string(1, doc.swagger);
  w.message(2, (i) => i.string(1, doc.info.title).string(2, doc.info.version));
  w.message(8, (ps) => {
    for (const [path, item] of Object.entries(doc.paths)) ps.message(2, (n) => n.string(1, path).message(2, (x) => pathItem(x, item)));
  });
  w.message(9, (ds) => {
    for (const [name, s] of Object.entries(doc.definitions)) ds.message(1, (n) => n.string(1, name).message(2, (x) => schema(x, s)));
  });
  for (const req of doc.security ?? []) {
    // SecurityRequirement { repeated NamedStringArray additional_properties = 1 { name 1; StringArray value 2 { repeated string value 1 } } }
    w.message(12, (sr) => {
      for (const [name, scopes] of Object.entries(req)) sr.message(1, (n) => n.string(1, name).message(2, (sa) => sa.strings(1, scopes)));
    });
  }
  if (doc.securityDefinitions) {
    w.message(13, (sd) => {
      for (const [name, d] of Object.entries(doc.securityDefinitions)) {
        // NamedSecurityDefinitionsItem { name 1; SecurityDefinitionsItem value 2 { ApiKeySecurity api_key_security = 2 { type 1; name 2; in 3; description 4 } } }
        sd.message(1, (n) => n.string(1, name).message(2, (item) => item.message(2, (k) => k.string(1, d.type).string(2, d.name).string(3, d.in).string(4, d.description))));
      }
    });
  }
  return w.finish();
}
