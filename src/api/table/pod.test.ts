import { test } from 'node:test';
import assert from 'node:assert/strict';
import { columnsFor, rowFor, toTable } from './index.ts';
import { NOW, ago, metadata, MIN, HOUR } from './testing/fixtures.ts';

const running = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  ready: true,
  started: true,
  restartCount: 0,
  image: `${name}:1`,
  state: { running: { startedAt: ago(HOUR) } },
  ...extra,
});

const cases: { name: string; pod: Record<string, any>; cells: unknown[] }[] = [
  {
    name: 'running pod, one ready container',
    pod: {
      metadata: metadata('web-7d4b9c8f5-x2k9q', 3 * HOUR + 20 * MIN),
      spec: { nodeName: 'node-1', containers: [{ name: 'nginx', image: 'nginx:1.27' }] },
      status: {
        phase: 'Running',
        podIP: '10.244.1.7',
        podIPs: [{ ip: '10.244.1.7' }],
        conditions: [{ type: 'Ready', status: 'True' }],
        containerStatuses: [running('nginx')],
      },
    },
    cells: ['web-7d4b9c8f5-x2k9q', '1/1', 'Running', '0', '3h20m', '10.244.1.7', 'node-1', '<none>', '<none>'],
  },
  {
    name: 'one of two containers waiting in CrashLoopBackOff',
    pod: {
      metadata: metadata('api', 2 * 86400 + 5 * HOUR),
      spec: { nodeName: 'node-2', containers: [{ name: 'app' }, { name: 'proxy' }] },
      status: {
        phase: 'Running',
        podIPs: [{ ip: '10.244.2.3' }],
        containerStatuses: [
          {
            name: 'app',
            ready: false,
            restartCount: 5,
            state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 2m40s restarting failed container' } },
            lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(5 * MIN) } },
          },
          running('proxy'),
        ],
      },
    },
    cells: ['api', '1/2', 'CrashLoopBackOff', '5 (5m ago)', '2d5h', '10.244.2.3', 'node-2', '<none>', '<none>'],
  },
  {
    name: 'terminating pod',
    pod: {
      metadata: metadata('old', 10 * MIN, { deletionTimestamp: ago(-30), deletionGracePeriodSeconds: 30 }),
      spec: { nodeName: 'node-1', containers: [{ name: 'c' }] },
      status: { phase: 'Running', podIP: '10.0.0.9', containerStatuses: [running('c')] },
    },
    cells: ['old', '1/1', 'Terminating', '0', '10m', '10.0.0.9', 'node-1', '<none>', '<none>'],
  },
  {
    name: 'terminating on a lost node reads Unknown',
    pod: {
      metadata: metadata('lost', 400 * 86400, { deletionTimestamp: ago(60) }),
      spec: { nodeName: 'node-9', containers: [{ name: 'c' }] },
      status: { phase: 'Running', reason: 'NodeLost', containerStatuses: [running('c')] },
    },
    cells: ['lost', '1/1', 'Unknown', '0', '400d', '<none>', 'node-9', '<none>', '<none>'],
  },
  {
    name: 'init containers completed in sequence, main container running',
    pod: {
      metadata: metadata('db-0', 90),
      spec: {
        nodeName: 'node-1',
        initContainers: [{ name: 'init-perms' }, { name: 'init-schema' }],
        containers: [{ name: 'postgres' }],
      },
      status: {
        phase: 'Running',
        podIP: '10.0.0.4',
        conditions: [
          { type: 'Initialized', status: 'True' },
          { type: 'Ready', status: 'True' },
        ],
        initContainerStatuses: [
          { name: 'init-perms', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
          { name: 'init-schema', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
        ],
        containerStatuses: [running('postgres')],
      },
    },
    cells: ['db-0', '1/1', 'Running', '0', '90s', '10.0.0.4', 'node-1', '<none>', '<none>'],
  },
  {
    name: 'second of two init containers still running',
    pod: {
      metadata: metadata('db-1', 30),
      spec: { initContainers: [{ name: 'a' }, { name: 'b' }], containers: [{ name: 'main' }] },
      status: {
        phase: 'Pending',
        conditions: [{ type: 'Initialized', status: 'False' }],
        initContainerStatuses: [
          { name: 'a', restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
          { name: 'b', restartCount: 0, state: { running: { startedAt: ago(10) } } },
        ],
        containerStatuses: [{ name: 'main', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
      },
    },
    cells: ['db-1', '0/1', 'Init:1/2', '0', '30s', '<none>', '<none>', '<none>', '<none>'],
  },
  {
    name: 'init container in CrashLoopBackOff counts its restarts',
    pod: {
      metadata: metadata('migrate', 7 * MIN + 5),
      spec: { nodeName: 'n', initContainers: [{ name: 'migrate' }], containers: [{ name: 'app' }] },
      status: {
        phase: 'Pending',
        initContainerStatuses: [
          {
            name: 'migrate',
            restartCount: 3,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { exitCode: 2, reason: 'Error', finishedAt: ago(2 * MIN) } },
          },
        ],
        containerStatuses: [{ name: 'app', restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
      },
    },
    cells: ['migrate', '0/1', 'Init:CrashLoopBackOff', '3 (2m ago)', '7m5s', '<none>', 'n', '<none>', '<none>'],
  },
  {
    name: 'init container failed without a reason: exit code, then signal',
    pod: {
      metadata: metadata('sig', 5),
      spec: { initContainers: [{ name: 'a' }, { name: 'b' }], containers: [{ name: 'm' }] },
      status: {
        phase: 'Pending',
        initContainerStatuses: [
          { name: 'a', restartCount: 0, state: { terminated: { exitCode: 0 } } },
          { name: 'b', restartCount: 0, state: { terminated: { exitCode: 137, signal: 9 } } },
        ],
      },
    },
    cells: ['sig', '0/1', 'Init:Signal:9', '0', '5s', '<none>', '<none>', '<none>', '<none>'],
  },
  {
    name: 'init container exited non-zero without a reason',
    pod: {
      metadata: metadata('exit', 5),
      spec: { initContainers: [{ name: 'a' }], containers: [{ name: 'm' }] },
      status: { phase: 'Pending', initContainerStatuses: [{ name: 'a', state: { terminated: { exitCode: 3 } } }] },
    },
    cells: ['exit', '0/1', 'Init:ExitCode:3', '0', '5s', '<none>', '<none>', '<none>', '<none>'],
  },
  {
    name: 'completed pod',
    pod: {
      metadata: metadata('job-abc12', 2 * HOUR),
      spec: { nodeName: 'node-3', containers: [{ name: 'work' }] },
      status: {
        phase: 'Succeeded',
        podIP: '10.0.3.3',
        containerStatuses: [
          { name: 'work', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
        ],
      },
    },
    cells: ['job-abc12', '0/1', 'Completed', '0', '120m', '10.0.3.3', 'node-3', '<none>', '<none>'],
  },
  {
    name: 'container exited without reason',
    pod: {
      metadata: metadata('oom', 60),
      spec: { containers: [{ name: 'a' }] },
      status: { phase: 'Running', containerStatuses: [{ name: 'a', restartCount: 0, state: { terminated: { exitCode: 137 } } }] },
    },
    cells: ['oom', '0/1', 'ExitCode:137', '0', '60s', '<none>', '<none>', '<none>', '<none>'],
  },
  {
    name: 'one container completed while another runs, pod not ready',
    pod: {
      metadata: metadata('mixed', 60),
      spec: { containers: [{ name: 'done' }, { name: 'serve' }] },
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'False' }],
        containerStatuses: [
          { name: 'done', restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
          running('serve'),
        ],
      },
    },
    cells: ['mixed', '1/2', 'NotReady', '0', '60s', '<none>', '<none>', '<none>', '<none>'],
  },
  {
    name: 'sidecar (restartable init container) counts towards READY and RESTARTS',
    pod: {
      metadata: metadata('with-sidecar', 20 * MIN),
      spec: {
        nodeName: 'node-1',
        initContainers: [{ name: 'proxy', restartPolicy: 'Always' }],
        containers: [{ name: 'app' }],
      },
      status: {
        phase: 'Running',
        podIP: '10.1.1.1',
        conditions: [
          { type: 'Initialized', status: 'True' },
          { type: 'Ready', status: 'True' },
        ],
        initContainerStatuses: [
          running('proxy', { restartCount: 2, lastState: { terminated: { exitCode: 1, finishedAt: ago(15 * MIN) } } }),
        ],
        containerStatuses: [running('app')],
      },
    },
    cells: ['with-sidecar', '2/2', 'Running', '2 (15m ago)', '20m', '10.1.1.1', 'node-1', '<none>', '<none>'],
  },
  {
    name: 'scheduling gated, with nominated node and readiness gates',
    pod: {
      metadata: metadata('gated', 45),
      spec: {
        containers: [{ name: 'c' }],
        readinessGates: [{ conditionType: 'example.com/lb-ready' }, { conditionType: 'example.com/warm' }],
      },
      status: {
        phase: 'Pending',
        nominatedNodeName: 'node-7',
        conditions: [
          { type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' },
          { type: 'example.com/lb-ready', status: 'True' },
          { type: 'example.com/warm', status: 'False' },
        ],
      },
    },
    cells: ['gated', '0/1', 'SchedulingGated', '0', '45s', '<none>', '<none>', 'node-7', '1/2'],
  },
  {
    name: 'evicted pod shows its status reason',
    pod: {
      metadata: metadata('evicted', DAYS(3)),
      spec: { nodeName: 'node-1', containers: [{ name: 'c' }] },
      status: { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' },
    },
    cells: ['evicted', '0/1', 'Evicted', '0', '3d', '<none>', 'node-1', '<none>', '<none>'],
  },
  {
    name: 'a new pod without status is Pending',
    pod: { metadata: metadata('fresh', 0), spec: { containers: [{ name: 'c' }] } },
    cells: ['fresh', '0/1', 'Pending', '0', '0s', '<none>', '<none>', '<none>', '<none>'],
  },
];

function DAYS(n: number): number {
  return n * 86400;
}

for (const c of cases) {
  test(`Pod: ${c.name}`, () => {
    assert.deepEqual(rowFor('', 'Pod', c.pod, NOW), c.cells);
  });
}

test('Pod columns: wide ones have priority 1', () => {
  const cols = columnsFor('', 'Pod');
  assert.deepEqual(
    cols.map((c) => [c.name, c.type, c.format, c.priority]),
    [
      ['Name', 'string', 'name', 0],
      ['Ready', 'string', '', 0],
      ['Status', 'string', '', 0],
      ['Restarts', 'string', '', 0],
      ['Age', 'string', '', 0],
      ['IP', 'string', '', 1],
      ['Node', 'string', '', 1],
      ['Nominated Node', 'string', '', 1],
      ['Readiness Gates', 'string', '', 1],
    ],
  );
  assert.equal(cols[1]!.description, 'The aggregate readiness state of this pod for accepting traffic.');
  assert.match(cols[0]!.description, /^Name must be unique within a namespace/);
  assert.match(cols[4]!.description, /^CreationTimestamp is a timestamp/);
});

test('Pod rows carry the Completed condition for finished pods', () => {
  const done = cases.find((c) => c.name === 'completed pod')!.pod;
  const failed = cases.find((c) => c.name === 'evicted pod shows its status reason')!.pod;
  const live = cases[0]!.pod;
  const t = toTable('', 'Pod', [done, failed, live], NOW, { includeObject: 'None' });
  assert.deepEqual(t.rows[0]!.conditions, [
    { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
  ]);
  assert.deepEqual(t.rows[1]!.conditions, [
    { type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' },
  ]);
  assert.equal(t.rows[2]!.conditions, undefined);
});
