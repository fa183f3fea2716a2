import { test } from 'node:test';
import assert from 'node:assert/strict';
import { columnsFor, customResourceColumns, printedKinds, rowFor, toTable, type PrinterColumn } from './index.ts';
import { NOW, ago, metadata, MIN, HOUR, DAY } from './testing/fixtures.ts';

const widget = {
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: metadata('blue', 2 * DAY + 5 * HOUR),
  spec: { replicas: 3, size: 'large', weight: 2.5, ports: [80, 443], paused: false },
  status: {
    readyReplicas: 2,
    lastSync: ago(90),
    conditions: [
      { type: 'Synced', status: 'True' },
      { type: 'Ready', status: 'False', reason: 'Scaling' },
    ],
  },
};

const printerColumns: PrinterColumn[] = [
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: 'Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason', priority: 1 },
  { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas', description: 'Desired replicas' },
  { name: 'Weight', type: 'number', jsonPath: '.spec.weight' },
  { name: 'Paused', type: 'boolean', jsonPath: '.spec.paused' },
  { name: 'Ports', type: 'string', jsonPath: '.spec.ports' },
  { name: 'Available', type: 'integer', jsonPath: '.status.availableReplicas' },
  { name: 'Last Sync', type: 'date', jsonPath: '.status.lastSync' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];

test('custom resource: printer columns after NAME, typed cells', () => {
  const { columns, cells } = customResourceColumns(printerColumns, widget, NOW);
  assert.deepEqual(
    columns.map((c) => [c.name, c.type, c.format, c.priority]),
    [
      ['Name', 'string', 'name', 0],
      ['Ready', 'string', '', 0],
      ['Reason', 'string', '', 1],
      ['Replicas', 'integer', '', 0],
      ['Weight', 'number', '', 0],
      ['Paused', 'boolean', '', 0],
      ['Ports', 'string', '', 0],
      ['Available', 'integer', '', 0],
      ['Last Sync', 'date', '', 0],
      ['Age', 'date', '', 0],
    ],
  );
  assert.equal(columns[2]!.description, 'Custom resource definition column (in JSONPath format): .status.conditions[?(@.type=="Ready")].reason');
  assert.equal(columns[3]!.description, 'Desired replicas');
  assert.deepEqual(cells, ['blue', 'False', 'Scaling', 3, 2.5, false, '[80,443]', null, '90s', '2d5h']);
});

test('custom resource without printer columns: NAME, AGE', () => {
  const { columns, cells } = customResourceColumns([], widget, NOW);
  assert.deepEqual(
    columns.map((c) => [c.name, c.type]),
    [
      ['Name', 'string'],
      ['Age', 'date'],
    ],
  );
  assert.match(columns[1]!.description, /^CreationTimestamp is a timestamp/);
  assert.deepEqual(cells, ['blue', '2d5h']);
  assert.deepEqual(customResourceColumns(undefined, widget, NOW).cells, ['blue', '2d5h']);
});

test('custom resource: no implicit Age when columns are given', () => {
  const { columns, cells } = customResourceColumns([{ name: 'Size', type: 'string', jsonPath: '.spec.size' }], widget, NOW);
  assert.deepEqual(
    columns.map((c) => c.name),
    ['Name', 'Size'],
  );
  assert.deepEqual(cells, ['blue', 'large']);
});

test('custom resource: type mismatches and bad dates become null or <invalid>', () => {
  const obj = { metadata: { name: 'x' }, spec: { n: 'seven', when: 'not a date', zero: '0001-01-01T00:00:00Z', i: 3.9 } };
  const { cells } = customResourceColumns(
    [
      { name: 'N', type: 'integer', jsonPath: '.spec.n' },
      { name: 'When', type: 'date', jsonPath: '.spec.when' },
      { name: 'Zero', type: 'date', jsonPath: '.spec.zero' },
      { name: 'I', type: 'integer', jsonPath: '.spec.i' },
      { name: 'S', type: 'string', jsonPath: '.spec.i' },
    ],
    obj,
    NOW,
  );
  assert.deepEqual(cells, ['x', null, '<invalid>', '<unknown>', 3, '3.9']);
});

test('custom resource: a column whose path cannot be parsed ends the column list', () => {
  const { columns, cells } = customResourceColumns(
    [
      { name: 'Size', type: 'string', jsonPath: '.spec.size' },
      { name: 'Bad', type: 'string', jsonPath: '.spec[' },
      { name: 'After', type: 'string', jsonPath: '.spec.size' },
    ],
    widget,
    NOW,
  );
  assert.deepEqual(
    columns.map((c) => c.name),
    ['Name', 'Size'],
  );
  assert.deepEqual(cells, ['blue', 'large']);
});

test('toTable: the meta.k8s.io/v1 Table with PartialObjectMetadata rows', () => {
  const ns = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: metadata('default', 40 * DAY, { namespace: undefined }), status: { phase: 'Active' } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: metadata('dev', 5 * MIN), status: { phase: 'Active' } },
  ];
  const t = toTable('', 'Namespace', ns, NOW, { includeObject: 'Metadata', resourceVersion: '4242' });
  assert.equal(t.kind, 'Table');
  assert.equal(t.apiVersion, 'meta.k8s.io/v1');
  assert.deepEqual(t.metadata, { resourceVersion: '4242' });
  assert.deepEqual(
    t.columnDefinitions.map((c) => c.name),
    ['Name', 'Status', 'Age'],
  );
  assert.deepEqual(
    t.rows.map((r) => r.cells),
    [
      ['default', 'Active', '40d'],
      ['dev', 'Active', '5m'],
    ],
  );
  assert.deepEqual(t.rows[1]!.object, {
    kind: 'PartialObjectMetadata',
    apiVersion: 'meta.k8s.io/v1',
    metadata: ns[1]!.metadata,
  });
  // round-trips as JSON the way kubectl reads it
  const wire = JSON.parse(JSON.stringify(t));
  assert.deepEqual(Object.keys(wire), ['kind', 'apiVersion', 'metadata', 'columnDefinitions', 'rows']);
  assert.deepEqual(Object.keys(wire.columnDefinitions[0]), ['name', 'type', 'format', 'description', 'priority']);
});

test('toTable: includeObject Object and None; noHeaders; list metadata', () => {
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata('cfg', 60, { resourceVersion: '77' }), data: { a: 'b' } };
  const full = toTable('', 'ConfigMap', [cm], NOW, { includeObject: 'Object' });
  assert.equal(full.rows[0]!.object, cm);
  assert.deepEqual(full.metadata, { resourceVersion: '77' }, 'a single object lends its resourceVersion');
  const none = toTable('', 'ConfigMap', [cm], NOW, {
    includeObject: 'None',
    noHeaders: true,
    resourceVersion: '90',
    continue: 'token',
    remainingItemCount: 12,
  });
  assert.equal('object' in none.rows[0]!, false);
  assert.deepEqual(none.columnDefinitions, []);
  assert.deepEqual(none.metadata, { resourceVersion: '90', continue: 'token', remainingItemCount: 12 });
  const empty = toTable('apps', 'Deployment', [], NOW, { includeObject: 'Metadata', resourceVersion: '5' });
  assert.deepEqual(empty.rows, []);
  assert.equal(empty.columnDefinitions.length, 8);
});

test('toTable: custom resources use their printer columns', () => {
  const t = toTable('example.com', 'Widget', [widget], NOW, {
    includeObject: 'Metadata',
    printerColumns: [{ name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' }],
  });
  assert.deepEqual(
    t.columnDefinitions.map((c) => c.name),
    ['Name', 'Replicas'],
  );
  assert.deepEqual(t.rows[0]!.cells, ['blue', 3]);
  const plain = toTable('example.com', 'Widget', [widget], NOW, { includeObject: 'None', printerColumns: [] });
  assert.deepEqual(plain.rows[0]!.cells, ['blue', '2d5h']);
});

test('toTable: FlowSchemas list in matching precedence order', () => {
  const fs = (name: string, precedence: number) => ({
    metadata: metadata(name, DAY),
    spec: { priorityLevelConfiguration: { name: 'global-default' }, matchingPrecedence: precedence },
  });
  const t = toTable('flowcontrol.apiserver.k8s.io', 'FlowSchema', [fs('global-default', 9900), fs('b', 1000), fs('a', 1000), fs('exempt', 1)], NOW, {
    includeObject: 'None',
  });
  assert.deepEqual(
    t.rows.map((r) => r.cells[0]),
    ['exempt', 'a', 'b', 'global-default'],
  );
  assert.deepEqual(t.rows[3]!.cells, ['global-default', 'global-default', 9900, '<none>', '24h', '?']);
});

test('columnsFor: every printed kind has one cell per column for a bare object', () => {
  for (const gk of printedKinds()) {
    const [group, kind] = gk.split('/') as [string, string];
    const cells = rowFor(group, kind, { metadata: { name: 'x', creationTimestamp: ago(1) } }, NOW);
    assert.equal(cells.length, columnsFor(group, kind).length, gk);
    assert.equal(cells.filter((c) => c === undefined).length, 0, `${gk} has no undefined cells`);
    const cols = columnsFor(group, kind);
    for (const c of cols) {
      assert.equal(typeof c.description, 'string', `${gk} ${c.name}`);
      assert.ok(c.priority === 0 || c.priority === 1);
    }
  }
});

test('columnsFor: wide columns and the default table', () => {
  const wide = (group: string, kind: string) =>
    columnsFor(group, kind)
      .filter((c) => c.priority === 1)
      .map((c) => c.name);
  assert.deepEqual(wide('apps', 'Deployment'), ['Containers', 'Images', 'Selector']);
  assert.deepEqual(wide('', 'Service'), ['Selector']);
  assert.deepEqual(wide('', 'Node'), ['Internal-IP', 'External-IP', 'OS-Image', 'Kernel-Version', 'Container-Runtime']);
  assert.deepEqual(wide('batch', 'Job'), ['Containers', 'Images', 'Selector']);
  assert.deepEqual(wide('', 'Event'), ['Subobject', 'Source', 'First Seen', 'Count', 'Name']);
  assert.deepEqual(wide('rbac.authorization.k8s.io', 'RoleBinding'), ['Users', 'Groups', 'ServiceAccounts']);
  assert.deepEqual(
    columnsFor('batch', 'Job')
      .filter((c) => c.priority === 0)
      .map((c) => c.name),
    ['Name', 'Status', 'Completions', 'Duration', 'Age'],
  );
  assert.deepEqual(
    columnsFor('batch', 'CronJob').map((c) => `${c.name}:${c.type}`),
    [
      'Name:string',
      'Schedule:string',
      'Timezone:string',
      'Suspend:boolean',
      'Active:integer',
      'Last Schedule:string',
      'Age:string',
      'Containers:string',
      'Images:string',
      'Selector:string',
    ],
  );
  assert.deepEqual(
    columnsFor('rbac.authorization.k8s.io', 'ClusterRole').map((c) => [c.name, c.type, c.format]),
    [
      ['Name', 'string', 'name'],
      ['Created At', 'date', ''],
    ],
  );
  // the legacy extensions group prints as apps does
  assert.deepEqual(columnsFor('extensions', 'Deployment'), columnsFor('apps', 'Deployment'));
  // callers cannot mutate the registry through a returned column
  columnsFor('', 'Pod')[0]!.name = 'changed';
  assert.equal(columnsFor('', 'Pod')[0]!.name, 'Name');
});
