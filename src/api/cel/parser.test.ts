// Parse and check errors in cel-go's display format, and the shape of parsed expressions
// (precedence, associativity, macros).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CelError, compile } from './index.ts';
import { parse, type Expr } from './parser.ts';
import { compileErr, table } from './test-util.ts';

/** A compact rendering of the AST, cel-go debug style: calls as name(args). */
function show(e: Expr): string {
  switch (e.k) {
    case 'lit':
      return typeof e.v === 'bigint' ? `${e.v}` : typeof e.v === 'string' ? JSON.stringify(e.v) : String(e.v);
    case 'ident':
      return e.name;
    case 'select':
      return `${show(e.operand)}.${e.opt ? '?' : ''}${e.field}`;
    case 'has':
      return `has(${show(e.operand)}.${e.field})`;
    case 'call':
      return `${e.target ? show(e.target) + '.' : ''}${e.fn}(${e.args.map(show).join(', ')})`;
    case 'index':
      return `${show(e.operand)}[${e.opt ? '?' : ''}${show(e.index)}]`;
    case 'and':
    case 'or':
      return `${e.k}(${e.args.map(show).join(', ')})`;
    case 'cond':
      return `_?_:_(${show(e.c)}, ${show(e.t)}, ${show(e.f)})`;
    case 'list':
      return `[${e.elems.map((x, i) => (e.opt[i] ? '?' : '') + show(x)).join(', ')}]`;
    case 'map':
      return `{${e.entries.map((x) => `${x.opt ? '?' : ''}${show(x.key)}: ${show(x.value)}`).join(', ')}}`;
    case 'struct':
      return `${e.name}{${e.fields.map((f) => `${f.name}: ${show(f.value)}`).join(', ')}}`;
    case 'comp':
      return `${e.macro}(${show(e.range)}, ${e.v1}${e.v2 ? ', ' + e.v2 : ''}, ${e.args.map(show).join(', ')})`;
  }
}

test('parser: precedence and associativity follow the CEL grammar', () => {
  const cases: [string, string][] = [
    ['a || b && c', 'or(a, and(b, c))'],
    ['a && b || c && d', 'or(and(a, b), and(c, d))'],
    ['a || b || c', 'or(a, b, c)'],
    ['a ? b : c ? d : e', '_?_:_(a, b, _?_:_(c, d, e))'],
    ['a ? b || c : d', '_?_:_(a, or(b, c), d)'],
    ['1 + 2 * 3', '_+_(1, _*_(2, 3))'],
    ['1 - 2 - 3', '_-_(_-_(1, 2), 3)'],
    ['a < b == c', '_==_(_<_(a, b), c)'],
    ['a in b && c', 'and(@in(a, b), c)'],
    ['!a == b', '_==_(!_(a), b)'],
    ['-a.b', '-_(a.b)'],
    ['-1.5', '-1.5'],
    ['4--4', '_-_(4, -4)'],
    ['!!a', 'a'],
    ['a.b.c', 'a.b.c'],
    ['a.b(c)', 'a.b(c)'],
    ['a[b][c]', 'a[b][c]'],
    ['a.?b[?c]', 'a.?b[?c]'],
    ['[?a, b]', '[?a, b]'],
    ['{?a: b, c: d}', '{?a: b, c: d}'],
    ['has(a.b)', 'has(a.b)'],
    ['x.all(y, y > 0)', 'all(x, y, _>_(y, 0))'],
    ['x.map(y, y > 0, y * 2)', 'map(x, y, _>_(y, 0), _*_(y, 2))'],
    ['x.exists(k, v, k == v)', 'exists(x, k, v, _==_(k, v))'],
    ['x.transformMapEntry(k, v, {v: k})', 'transformMapEntry(x, k, v, {v: k})'],
    ['x.all(y)', 'x.all(y)'],
    ['a.b.C{f: 1}', 'a.b.C{f: 1}'],
    ['.a.b', '.a.b'],
    ['size(x) == x.size()', '_==_(size(x), x.size())'],
    ['authorizer.group("").resource("pods").namespace("default").check("create").allowed()', 'authorizer.group("").resource("pods").namespace("default").check("create").allowed()'],
  ];
  for (const [src, want] of cases) assert.equal(show(parse(src)), want, src);
});

// The syntax errors of cel-go's parser tests (sorted by location, as cel-go prints them).
table('syntax errors', [
  [
    '*@a | b',
    compileErr(
      [
        "ERROR: <input>:1:1: Syntax error: extraneous input '*' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}",
        ' | *@a | b',
        ' | ^',
        "ERROR: <input>:1:2: Syntax error: token recognition error at: '@'",
        ' | *@a | b',
        ' | .^',
        "ERROR: <input>:1:5: Syntax error: token recognition error at: '| '",
        ' | *@a | b',
        ' | ....^',
        "ERROR: <input>:1:7: Syntax error: extraneous input 'b' expecting <EOF>",
        ' | *@a | b',
        ' | ......^',
      ].join('\n'),
    ),
  ],
  [
    'a | b',
    compileErr(
      "ERROR: <input>:1:3: Syntax error: token recognition error at: '| '\n | a | b\n | ..^\nERROR: <input>:1:5: Syntax error: extraneous input 'b' expecting <EOF>\n | a | b\n | ....^",
    ),
  ],
  [
    '1 + $',
    compileErr(
      "ERROR: <input>:1:5: Syntax error: token recognition error at: '$'\n | 1 + $\n | ....^\nERROR: <input>:1:6: Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}\n | 1 + $\n | .....^",
    ),
  ],
  ['1 + 2\n3 +', compileErr("ERROR: <input>:2:1: Syntax error: mismatched input '3' expecting <EOF>\n | 3 +\n | ^")],
  [
    '1 + +',
    compileErr(
      "ERROR: <input>:1:5: Syntax error: mismatched input '+' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}\n | 1 + +\n | ....^\nERROR: <input>:1:6: Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}\n | 1 + +\n | .....^",
    ),
  ],
  ['{"a": 1}."a"', compileErr('ERROR: <input>:1:10: Syntax error: mismatched input \'"a"\' expecting IDENTIFIER\n | {"a": 1}."a"\n | .........^')],
  [
    '"\\xFh"',
    compileErr(
      'ERROR: <input>:1:1: Syntax error: token recognition error at: \'"\\xFh\'\n | "\\xFh"\n | ^\n' +
        'ERROR: <input>:1:6: Syntax error: token recognition error at: \'"\'\n | "\\xFh"\n | .....^\n' +
        "ERROR: <input>:1:7: Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}\n | \"\\xFh\"\n | ......^",
    ),
  ],
  [
    "'😁' in ['😁', '😑', '😦']\n\t\t\t&& in.😁",
    compileErr(
      "ERROR: <input>:2:7: Syntax error: extraneous input 'in' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}\n |    && in.😁\n | ......^\n" +
        "ERROR: <input>:2:10: Syntax error: token recognition error at: '😁'\n |    && in.😁\n | .........＾\n" +
        "ERROR: <input>:2:11: Syntax error: missing IDENTIFIER at '<EOF>'\n |    && in.😁\n | .........．^",
    ),
  ],
  ['1.all(2, 3)', compileErr('ERROR: <input>:1:7: argument must be a simple name\n | 1.all(2, 3)\n | ......^')],
  ['has(a)', compileErr('ERROR: <input>:1:5: invalid argument to has() macro\n | has(a)\n | ....^')],
  ['x.exists(k, k, true)', compileErr('ERROR: <input>:1:13: duplicate variable name: k\n | x.exists(k, k, true)\n | ............^')],
  ['if', compileErr('ERROR: <input>:1:1: reserved identifier: if\n | if\n | ^')],
  ['while(1)', compileErr('ERROR: <input>:1:1: reserved identifier: while\n | while(1)\n | ^')],
  ['9223372036854775808', compileErr('ERROR: <input>:1:1: invalid int literal\n | 9223372036854775808\n | ^')],
  ['-9223372036854775809', compileErr('ERROR: <input>:1:1: invalid int literal\n | -9223372036854775809\n | ^')],
  ['18446744073709551616u', compileErr('ERROR: <input>:1:1: invalid uint literal\n | 18446744073709551616u\n | ^')],
  ['(1 + 2', compileErr("ERROR: <input>:1:7: Syntax error: missing ')' at '<EOF>'\n | (1 + 2\n | ......^")],
  ['a = b', compileErr("ERROR: <input>:1:3: Syntax error: token recognition error at: '= '\n | a = b\n | ..^\nERROR: <input>:1:5: Syntax error: extraneous input 'b' expecting <EOF>\n | a = b\n | ....^")],
  ["'unterminated", compileErr("ERROR: <input>:1:1: Syntax error: token recognition error at: ''unterminated'\n | 'unterminated\n | ^\nERROR: <input>:1:14: Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}\n | 'unterminated\n | .............^")],
  ['', compileErr("ERROR: <input>:1:1: Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}\n | \n | ^")],
  ['a.b(', compileErr("ERROR: <input>:1:5: Syntax error: missing ')' at '<EOF>'\n | a.b(\n | ....^")],
  ['[1, 2', compileErr("ERROR: <input>:1:6: Syntax error: missing ']' at '<EOF>'\n | [1, 2\n | .....^")],
  ["{'a': 1", compileErr("ERROR: <input>:1:8: Syntax error: missing '}' at '<EOF>'\n | {'a': 1\n | .......^")],
  ["self.envars.filter(e, e.name = 'MY_ENV')", compileErr("ERROR: <input>:1:30: Syntax error: token recognition error at: '= '\n | self.envars.filter(e, e.name = 'MY_ENV')\n | .............................^\nERROR: <input>:1:32: Syntax error: extraneous input ''MY_ENV'' expecting ')'\n | self.envars.filter(e, e.name = 'MY_ENV')\n | ...............................^")],
]);

// Check errors: undeclared names and functions, argument counts, known-type mismatches.
table(
  'check errors',
  [
    ['x', compileErr("ERROR: <input>:1:1: undeclared reference to 'x' (in container '')\n | x\n | ^")],
    ['self.a + y', compileErr("ERROR: <input>:1:10: undeclared reference to 'y' (in container '')\n | self.a + y\n | .........^")],
    ['foo(1)', compileErr("ERROR: <input>:1:4: undeclared reference to 'foo' (in container '')\n | foo(1)\n | ...^")],
    ['self.foo()', compileErr("ERROR: <input>:1:9: undeclared reference to 'foo' (in container '')\n | self.foo()\n | ........^")],
    ['undeclared.of(1)', compileErr("ERROR: <input>:1:1: undeclared reference to 'undeclared' (in container '')\n | undeclared.of(1)\n | ^\nERROR: <input>:1:14: undeclared reference to 'of' (in container '')\n | undeclared.of(1)\n | .............^")],
    ['size(1, 2)', compileErr("ERROR: <input>:1:5: found no matching overload for 'size' applied to '(int, int)'\n | size(1, 2)\n | ....^")],
    ["'a'.startsWith()", compileErr("ERROR: <input>:1:15: found no matching overload for 'startsWith' applied to 'string.()'\n | 'a'.startsWith()\n | ..............^")],
    ["self.startsWith('a', 'b')", compileErr("ERROR: <input>:1:16: found no matching overload for 'startsWith' applied to 'dyn.(string, string)'\n | self.startsWith('a', 'b')\n | ...............^")],
    ["startsWith('a', 'b')", compileErr("ERROR: <input>:1:11: found no matching overload for 'startsWith' applied to '(string, string)'\n | startsWith('a', 'b')\n | ..........^")],
    ['1.size()', compileErr("ERROR: <input>:1:7: found no matching overload for 'size' applied to 'int.()'\n | 1.size()\n | ......^")],
    ['!1', compileErr("ERROR: <input>:1:1: found no matching overload for '!_' applied to '(int)'\n | !1\n | ^")],
    ["1 in 'abc'", compileErr("ERROR: <input>:1:3: found no matching overload for '@in' applied to '(int, string)'\n | 1 in 'abc'\n | ..^")],
    ['[1].all(x, y)', compileErr("ERROR: <input>:1:12: undeclared reference to 'y' (in container '')\n | [1].all(x, y)\n | ...........^")],
    ['[1].all(x, x > 0) && x', compileErr("ERROR: <input>:1:22: undeclared reference to 'x' (in container '')\n | [1].all(x, x > 0) && x\n | .....................^")],
    ['optional.of()', compileErr("ERROR: <input>:1:12: found no matching overload for 'optional.of' applied to '()'\n | optional.of()\n | ...........^")],
    ['x + y', compileErr("ERROR: <input>:1:1: undeclared reference to 'x' (in container '')\n | x + y\n | ^\nERROR: <input>:1:5: undeclared reference to 'y' (in container '')\n | x + y\n | ....^")],
    ['self.all(e, e) ? 1 : "a"', compileErr("ERROR: <input>:1:16: found no matching overload for '_?_:_' applied to '(bool, int, string)'\n | self.all(e, e) ? 1 : \"a\"\n | ...............^")],
    ['self.x', true, { self: { x: true } }],
    ['.self.x', true, { self: { x: true } }],
    ['[1].exists(self, self == 1)', true, { self: 0 }],
  ],
  { variables: ['self'] },
);

test('compile: CelError carries the located errors', () => {
  try {
    compile('1 + \n foo(2)', { variables: [] });
    assert.fail('expected a CelError');
  } catch (e) {
    assert.ok(e instanceof CelError);
    assert.deepEqual(e.errors, [{ line: 2, column: 5, message: "undeclared reference to 'foo' (in container '')" }]);
    assert.equal(e.message, "ERROR: <input>:2:5: undeclared reference to 'foo' (in container '')\n |  foo(2)\n | ....^");
  }
});

test('parser: deeply nested expressions hit the recursion limit instead of overflowing the stack', () => {
  const deep = '('.repeat(300) + '1' + ')'.repeat(300);
  assert.throws(() => compile(deep, { variables: [] }), (e: unknown) => e instanceof CelError && e.message.includes('expression recursion limit exceeded: 250'));
  const ok = '('.repeat(100) + '1' + ')'.repeat(100);
  assert.deepEqual(compile(ok, { variables: [] }).evaluate({}), { value: 1n, cost: 0 });
});
