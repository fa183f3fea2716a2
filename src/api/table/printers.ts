// Server-side printers: for each built-in kind, the columns the API server
// registers and the cells it computes (after k8s.io/kubernetes
// pkg/printers/internalversion). The server always prints "wide": every
// column is filled, and kubectl hides priority > 0 ones unless `-o wide`.

import { arr, get, has, int, isRecord, meta, name, optInt, rec, str, type Obj } from './access.ts';
import { doc } from './descriptions.ts';
import { humanDuration, parseTime, translateTimestampSince } from './duration.ts';
import { formatLabels, formatLabelSelector, selectorString } from './labels.ts';
import { formatQuantity, formatQuantityPtr } from './quantity.ts';
import type { TableColumnDefinition, TableRowCondition } from './types.ts';

export interface Printer {
  columns: TableColumnDefinition[];
  cells(obj: Obj, now: Date): unknown[];
  conditions?(obj: Obj): TableRowCondition[] | undefined;
  /** list printers that order their rows (FlowSchema) */
  compare?(a: Obj, b: Obj): number;
}

// ---------------------------------------------------------------- columns

function col(name: string, type: string, description: string, priority = 0, format = ''): TableColumnDefinition {
  return { name, type, format, description, priority };
}

const NAME_DESC = doc('meta/v1.ObjectMeta.name');
const AGE_DESC = doc('meta/v1.ObjectMeta.creationTimestamp');
const nameCol = () => col('Name', 'string', NAME_DESC, 0, 'name');
const ageCol = () => col('Age', 'string', AGE_DESC);
const containersCol = (p = 1) => col('Containers', 'string', 'Names of each container in the template.', p);
const imagesCol = (p = 1) => col('Images', 'string', 'Images referenced by each container in the template.', p);

// ---------------------------------------------------------------- helpers

const age = (o: Obj, now: Date) => translateTimestampSince(meta(o).creationTimestamp, now);
const deleting = (o: Obj) => has(meta(o), 'deletionTimestamp');

/** Container names and images, comma-joined (layoutContainerCells). */
function containerCells(containers: unknown): [string, string] {
  const list = arr(containers).map(rec);
  return [list.map((c) => str(c.name)).join(','), list.map((c) => str(c.image)).join(',')];
}

function templateContainers(o: Obj): unknown {
  return get(o, 'spec', 'template', 'spec', 'containers');
}

/** Spec replicas as the server stores them: defaulted to 1. */
function replicas(o: Obj): number {
  return optInt(get(o, 'spec', 'replicas')) ?? 1;
}

function boolPtr(v: unknown): string {
  if (typeof v !== 'boolean') return '<unset>';
  return v ? 'True' : 'False';
}

/** intstr.IntOrString.String() */
function intOrString(v: unknown): string {
  return typeof v === 'number' ? String(Math.trunc(v)) : str(v);
}

function conditionStatus(conditions: unknown, type: string): string | undefined {
  for (const c of arr(conditions).map(rec)) if (c.type === type) return str(c.status);
  return undefined;
}

/** "+ N more..." lists (listWithMoreString). */
function withMore(list: string[], more: boolean, count: number, max: number): string {
  const ret = list.join(',');
  if (more) return `${ret} + ${count - max} more...`;
  return ret === '' ? '<unset>' : ret;
}

/** net.JoinHostPort */
function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Unique, sorted IPs or hostnames of load-balancer ingress points (wide: unclipped). */
function loadBalancerStatus(status: unknown): string {
  const set = new Set<string>();
  for (const ing of arr(get(status, 'ingress')).map(rec)) {
    const ip = str(ing.ip);
    const host = str(ing.hostname);
    if (ip) set.add(ip);
    else if (host) set.add(host);
  }
  return [...set].sort().join(',');
}

// ---------------------------------------------------------------- Pod

const podSucceeded: TableRowCondition[] = [
  { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
];
const podFailed: TableRowCondition[] = [
  { type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' },
];

function isRestartable(container: Obj | undefined): boolean {
  return container !== undefined && container.restartPolicy === 'Always';
}

/** Latest lastState.terminated.finishedAt, as epoch ms (undefined = zero time). */
function laterTermination(current: number | undefined, status: Obj): number | undefined {
  const term = get(status, 'lastState', 'terminated');
  if (!isRecord(term)) return current;
  const t = parseTime(term.finishedAt);
  if (t === undefined) return current;
  return current === undefined || current < t ? t : current;
}

function podCells(pod: Obj, now: Date): unknown[] {
  const spec = rec(pod.spec);
  const status = rec(pod.status);
  let restarts = 0;
  let restartableInitRestarts = 0;
  let total = arr(spec.containers).length;
  let ready = 0;
  let lastRestart: number | undefined;
  let lastRestartableInitRestart: number | undefined;

  // The apiserver stores every new pod as Pending.
  const phase = str(status.phase) || 'Pending';
  let reason = str(status.reason) || phase;

  for (const c of arr(status.conditions).map(rec)) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  const initSpecs = arr(spec.initContainers).map(rec);
  const initByName = new Map<string, Obj>();
  for (const c of initSpecs) {
    initByName.set(str(c.name), c);
    if (isRestartable(c)) total++;
  }

  let initializing = false;
  const initStatuses = arr(status.initContainerStatuses).map(rec);
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i]!;
    restarts += int(c.restartCount);
    lastRestart = laterTermination(lastRestart, c);
    const restartable = isRestartable(initByName.get(str(c.name)));
    if (restartable) {
      restartableInitRestarts += int(c.restartCount);
      lastRestartableInitRestart = laterTermination(lastRestartableInitRestart, c);
    }
    const state = rec(c.state);
    const term = isRecord(state.terminated) ? state.terminated : undefined;
    const waiting = isRecord(state.waiting) ? state.waiting : undefined;
    if (term && int(term.exitCode) === 0) continue;
    if (restartable && c.started === true) {
      if (c.ready === true) ready++;
      continue;
    }
    if (term) {
      if (!str(term.reason)) {
        reason = int(term.signal) !== 0 ? `Init:Signal:${int(term.signal)}` : `Init:ExitCode:${int(term.exitCode)}`;
      } else {
        reason = `Init:${str(term.reason)}`;
      }
    } else if (waiting && str(waiting.reason) && waiting.reason !== 'PodInitializing') {
      reason = `Init:${str(waiting.reason)}`;
    } else {
      reason = `Init:${i}/${initSpecs.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || conditionStatus(status.conditions, 'Initialized') === 'True') {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    const statuses = arr(status.containerStatuses).map(rec);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i]!;
      restarts += int(c.restartCount);
      lastRestart = laterTermination(lastRestart, c);
      const state = rec(c.state);
      const term = isRecord(state.terminated) ? state.terminated : undefined;
      const waiting = isRecord(state.waiting) ? state.waiting : undefined;
      if (waiting && str(waiting.reason)) {
        reason = str(waiting.reason);
      } else if (term && str(term.reason)) {
        reason = str(term.reason);
      } else if (term) {
        reason = int(term.signal) !== 0 ? `Signal:${int(term.signal)}` : `ExitCode:${int(term.exitCode)}`;
      } else if (c.ready === true && isRecord(state.running)) {
        hasRunning = true;
        ready++;
      }
    }
    // back to Running if a container still runs after one completed
    if (reason === 'Completed' && hasRunning) {
      reason = conditionStatus(status.conditions, 'Ready') === 'True' ? 'Running' : 'NotReady';
    }
  }

  if (deleting(pod) && status.reason === 'NodeLost') {
    reason = 'Unknown';
  } else if (deleting(pod) && phase !== 'Failed' && phase !== 'Succeeded') {
    reason = 'Terminating';
  }

  let restartsStr = String(restarts);
  if (restarts !== 0 && lastRestart !== undefined) {
    restartsStr = `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)`;
  }

  const podIPs = arr(status.podIPs).map(rec);
  const podIP = str(podIPs[0]?.ip) || str(status.podIP) || '<none>';
  const nodeName = str(spec.nodeName) || '<none>';
  const nominated = str(status.nominatedNodeName) || '<none>';
  let readinessGates = '<none>';
  const gates = arr(spec.readinessGates).map(rec);
  if (gates.length > 0) {
    let trueConditions = 0;
    for (const gate of gates) {
      if (conditionStatus(status.conditions, str(gate.conditionType)) === 'True') trueConditions++;
    }
    readinessGates = `${trueConditions}/${gates.length}`;
  }
  return [
    name(pod),
    `${ready}/${total}`,
    reason,
    restartsStr,
    age(pod, now),
    podIP,
    nodeName,
    nominated,
    readinessGates,
  ];
}

const pod: Printer = {
  columns: [
    nameCol(),
    col('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'string', 'The aggregate status of the containers in this pod.'),
    col(
      'Restarts',
      'string',
      'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
    ),
    ageCol(),
    col('IP', 'string', doc('core/v1.PodStatus.podIP'), 1),
    col('Node', 'string', doc('core/v1.PodSpec.nodeName'), 1),
    col('Nominated Node', 'string', doc('core/v1.PodStatus.nominatedNodeName'), 1),
    col('Readiness Gates', 'string', doc('core/v1.PodSpec.readinessGates'), 1),
  ],
  cells: podCells,
  conditions(o) {
    const phase = get(o, 'status', 'phase');
    if (phase === 'Succeeded') return podSucceeded;
    if (phase === 'Failed') return podFailed;
    return undefined;
  },
};

const podTemplate: Printer = {
  columns: [
    nameCol(),
    containersCol(0),
    imagesCol(0),
    col('Pod Labels', 'string', 'The labels for the pod template.'),
  ],
  cells(o) {
    const [names, images] = containerCells(get(o, 'template', 'spec', 'containers'));
    return [name(o), names, images, formatLabels(get(o, 'template', 'metadata', 'labels'))];
  },
};

// ---------------------------------------------------------------- workloads

/** ReplicationController and ReplicaSet print alike; only the selector's form differs. */
function replicatedPrinter(type: 'core/v1.ReplicationController' | 'apps/v1.ReplicaSet', selector: (o: Obj) => string): Printer {
  return {
    columns: [
      nameCol(),
      col('Desired', 'integer', doc(`${type}Spec.replicas`)),
      col('Current', 'integer', doc(`${type}Status.replicas`)),
      col('Ready', 'integer', doc(`${type}Status.readyReplicas`)),
      ageCol(),
      containersCol(),
      imagesCol(),
      col('Selector', 'string', doc(`${type}Spec.selector`), 1),
    ],
    cells(o, now) {
      const [names, images] = containerCells(templateContainers(o));
      return [
        name(o),
        replicas(o),
        int(get(o, 'status', 'replicas')),
        int(get(o, 'status', 'readyReplicas')),
        age(o, now),
        names,
        images,
        selector(o),
      ];
    },
  };
}

const replicationController = replicatedPrinter('core/v1.ReplicationController', (o) => formatLabels(get(o, 'spec', 'selector')));
const replicaSet = replicatedPrinter('apps/v1.ReplicaSet', (o) => formatLabelSelector(get(o, 'spec', 'selector')));

const daemonSet: Printer = {
  columns: [
    nameCol(),
    col('Desired', 'integer', doc('apps/v1.DaemonSetStatus.desiredNumberScheduled')),
    col('Current', 'integer', doc('apps/v1.DaemonSetStatus.currentNumberScheduled')),
    col('Ready', 'integer', doc('apps/v1.DaemonSetStatus.numberReady')),
    col('Up-to-date', 'integer', doc('apps/v1.DaemonSetStatus.updatedNumberScheduled')),
    col('Available', 'integer', doc('apps/v1.DaemonSetStatus.numberAvailable')),
    col('Node Selector', 'string', doc('core/v1.PodSpec.nodeSelector')),
    ageCol(),
    containersCol(),
    imagesCol(),
    col('Selector', 'string', doc('extensions/v1beta1.DaemonSetSpec.selector'), 1),
  ],
  cells(o, now) {
    const s = rec(o.status);
    const [names, images] = containerCells(templateContainers(o));
    return [
      name(o),
      int(s.desiredNumberScheduled),
      int(s.currentNumberScheduled),
      int(s.numberReady),
      int(s.updatedNumberScheduled),
      int(s.numberAvailable),
      formatLabels(get(o, 'spec', 'template', 'spec', 'nodeSelector')),
      age(o, now),
      names,
      images,
      formatLabelSelector(get(o, 'spec', 'selector')),
    ];
  },
};

const statefulSet: Printer = {
  columns: [
    nameCol(),
    col('Ready', 'string', 'Number of the pod with ready state'),
    ageCol(),
    containersCol(),
    imagesCol(),
  ],
  cells(o, now) {
    const [names, images] = containerCells(templateContainers(o));
    return [name(o), `${int(get(o, 'status', 'readyReplicas'))}/${replicas(o)}`, age(o, now), names, images];
  },
};

const deployment: Printer = {
  columns: [
    nameCol(),
    col('Ready', 'string', 'Number of the pod with ready state'),
    col('Up-to-date', 'string', doc('apps/v1.DeploymentStatus.updatedReplicas')),
    col('Available', 'string', doc('apps/v1.DeploymentStatus.availableReplicas')),
    ageCol(),
    containersCol(),
    imagesCol(),
    col('Selector', 'string', doc('extensions/v1beta1.DeploymentSpec.selector'), 1),
  ],
  cells(o, now) {
    const s = rec(o.status);
    const [names, images] = containerCells(templateContainers(o));
    const selector = selectorString(get(o, 'spec', 'selector'));
    return [
      name(o),
      `${int(s.readyReplicas)}/${replicas(o)}`,
      int(s.updatedReplicas),
      int(s.availableReplicas),
      age(o, now),
      names,
      images,
      selector === undefined ? '<invalid>' : selector,
    ];
  },
};

function jobCondition(o: Obj, type: string): boolean {
  return conditionStatus(get(o, 'status', 'conditions'), type) === 'True';
}

const job: Printer = {
  columns: [
    nameCol(),
    col('Status', 'string', 'Status of the job.'),
    col('Completions', 'string', doc('batch/v1.JobStatus.succeeded')),
    col('Duration', 'string', 'Time required to complete the job.'),
    ageCol(),
    containersCol(),
    imagesCol(),
    col('Selector', 'string', doc('batch/v1.JobSpec.selector'), 1),
  ],
  cells(o, now) {
    const spec = rec(o.spec);
    const st = rec(o.status);
    const succeeded = int(st.succeeded);
    const completionsSpec = optInt(spec.completions);
    let completions: string;
    if (completionsSpec !== undefined) {
      completions = `${succeeded}/${completionsSpec}`;
    } else {
      const parallelism = optInt(spec.parallelism) ?? 0;
      completions = parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
    }
    let duration = '';
    const start = parseTime(st.startTime);
    const end = parseTime(st.completionTime);
    if (start !== undefined) duration = humanDuration((end ?? now.getTime()) - start);
    let status: string;
    if (jobCondition(o, 'Complete')) status = 'Complete';
    else if (jobCondition(o, 'Failed')) status = 'Failed';
    else if (deleting(o)) status = 'Terminating';
    else if (jobCondition(o, 'Suspended')) status = 'Suspended';
    else if (jobCondition(o, 'FailureTarget')) status = 'FailureTarget';
    else status = 'Running';
    const [names, images] = containerCells(templateContainers(o));
    return [
      name(o),
      status,
      completions,
      duration,
      age(o, now),
      names,
      images,
      formatLabelSelector(spec.selector),
    ];
  },
};

const cronJob: Printer = {
  columns: [
    nameCol(),
    col('Schedule', 'string', doc('batch/v1.CronJobSpec.schedule')),
    col('Timezone', 'string', doc('batch/v1.CronJobSpec.timeZone')),
    col('Suspend', 'boolean', doc('batch/v1.CronJobSpec.suspend')),
    col('Active', 'integer', doc('batch/v1.CronJobStatus.active')),
    col('Last Schedule', 'string', doc('batch/v1.CronJobStatus.lastScheduleTime')),
    ageCol(),
    containersCol(),
    imagesCol(),
    col('Selector', 'string', doc('batch/v1.JobSpec.selector'), 1),
  ],
  cells(o, now) {
    const spec = rec(o.spec);
    const st = rec(o.status);
    const last = has(st, 'lastScheduleTime') ? translateTimestampSince(st.lastScheduleTime, now) : '<none>';
    const tz = typeof spec.timeZone === 'string' ? spec.timeZone : '<none>';
    const jobSpec = get(spec, 'jobTemplate', 'spec');
    const [names, images] = containerCells(get(jobSpec, 'template', 'spec', 'containers'));
    return [
      name(o),
      str(spec.schedule),
      tz,
      boolPtr(spec.suspend),
      arr(st.active).length,
      last,
      age(o, now),
      names,
      images,
      formatLabelSelector(get(jobSpec, 'selector')),
    ];
  },
};

const controllerRevision: Printer = {
  columns: [
    nameCol(),
    col('Controller', 'string', 'Controller of the object'),
    col('Revision', 'string', doc('apps/v1.ControllerRevision.revision')),
    ageCol(),
  ],
  cells(o, now) {
    let controller = '<none>';
    const ref = arr(meta(o).ownerReferences)
      .map(rec)
      .find((r) => r.controller === true);
    if (ref) {
      const apiVersion = str(ref.apiVersion);
      const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
      const kind = str(ref.kind);
      if (!group && !kind) controller = str(ref.name);
      else controller = `${(group ? `${kind}.${group}` : kind).toLowerCase()}/${str(ref.name)}`;
    }
    return [name(o), controller, int(o.revision), age(o, now)];
  },
};

const podDisruptionBudget: Printer = {
  columns: [
    nameCol(),
    col('Min Available', 'string', 'The minimum number of pods that must be available.'),
    col('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
    col('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
    ageCol(),
  ],
  cells(o, now) {
    const spec = rec(o.spec);
    const min = spec.minAvailable === undefined || spec.minAvailable === null ? 'N/A' : intOrString(spec.minAvailable);
    const max =
      spec.maxUnavailable === undefined || spec.maxUnavailable === null ? 'N/A' : intOrString(spec.maxUnavailable);
    return [name(o), min, max, int(get(o, 'status', 'disruptionsAllowed')), age(o, now)];
  },
};

// ---------------------------------------------------------------- HPA

interface Metric {
  spec: Obj;
  status: Obj | undefined;
}

/** autoscaling/v1's single CPU target, read as the v2 metric it converts to. */
function hpaMetrics(o: Obj): { specs: Obj[]; statuses: Obj[] } {
  const spec = rec(o.spec);
  const status = rec(o.status);
  if (Array.isArray(spec.metrics) || Array.isArray(status.currentMetrics)) {
    return { specs: arr(spec.metrics).map(rec), statuses: arr(status.currentMetrics).map(rec) };
  }
  const specs: Obj[] = [];
  const statuses: Obj[] = [];
  const target = optInt(spec.targetCPUUtilizationPercentage);
  if (target !== undefined) {
    specs.push({
      type: 'Resource',
      resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: target } },
    });
  }
  const current = optInt(status.currentCPUUtilizationPercentage);
  if (current !== undefined) {
    statuses.push({ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: current } } });
  }
  return { specs, statuses };
}

const METRIC_SOURCE_FIELD: Record<string, string> = {
  External: 'external',
  Pods: 'pods',
  Object: 'object',
  Resource: 'resource',
  ContainerResource: 'containerResource',
};

function formatHPAMetric({ spec, status }: Metric): string {
  const type = str(spec.type);
  const k = METRIC_SOURCE_FIELD[type];
  if (!k) return '<unknown type>';
  const src = rec(spec[k]);
  const target = rec(src.target);
  const cur = status && isRecord(status[k]) ? rec(status[k]) : undefined;
  const current = rec(cur?.current);
  switch (type) {
    case 'External':
    case 'Object':
      if (has(target, 'averageValue')) {
        const c = cur && has(current, 'averageValue') ? formatQuantity(current.averageValue) : '<unknown>';
        return `${c}/${formatQuantity(target.averageValue)} (avg)`;
      } else {
        const c = cur ? formatQuantityPtr(current.value) : '<unknown>';
        return `${c}/${formatQuantityPtr(target.value)}`;
      }
    case 'Pods': {
      const c = cur ? formatQuantityPtr(current.averageValue) : '<unknown>';
      return `${c}/${formatQuantityPtr(target.averageValue)}`;
    }
    default: {
      // Resource, ContainerResource
      const resource = str(src.name);
      if (has(target, 'averageValue')) {
        const c = cur ? formatQuantityPtr(current.averageValue) : '<unknown>';
        return `${resource}: ${c}/${formatQuantity(target.averageValue)}`;
      }
      const util = optInt(current.averageUtilization);
      const c = cur && util !== undefined ? `${util}%` : '<unknown>';
      const t = optInt(target.averageUtilization);
      return `${resource}: ${c}/${t !== undefined ? `${t}%` : '<auto>'}`;
    }
  }
}

export function formatHPAMetrics(o: Obj): string {
  const { specs, statuses } = hpaMetrics(o);
  if (specs.length === 0) return '<none>';
  const max = 2;
  const list = specs.map((spec, i) => formatHPAMetric({ spec, status: statuses[i] }));
  if (list.length > max) return `${list.slice(0, max).join(', ')} + ${list.length - max} more...`;
  return list.join(', ');
}

const horizontalPodAutoscaler: Printer = {
  columns: [
    nameCol(),
    col('Reference', 'string', doc('autoscaling/v2.HorizontalPodAutoscalerSpec.scaleTargetRef')),
    col('Targets', 'string', doc('autoscaling/v2.HorizontalPodAutoscalerSpec.metrics')),
    col('MinPods', 'string', doc('autoscaling/v2.HorizontalPodAutoscalerSpec.minReplicas')),
    col('MaxPods', 'string', doc('autoscaling/v2.HorizontalPodAutoscalerSpec.maxReplicas')),
    col('Replicas', 'string', doc('autoscaling/v2.HorizontalPodAutoscalerStatus.currentReplicas')),
    ageCol(),
  ],
  cells(o, now) {
    const spec = rec(o.spec);
    const ref = rec(spec.scaleTargetRef);
    const min = optInt(spec.minReplicas);
    return [
      name(o),
      `${str(ref.kind)}/${str(ref.name)}`,
      formatHPAMetrics(o),
      min === undefined ? '<unset>' : String(min),
      int(spec.maxReplicas),
      int(get(o, 'status', 'currentReplicas')),
      age(o, now),
    ];
  },
};

// ---------------------------------------------------------------- services & networking

function serviceType(o: Obj): string {
  return str(get(o, 'spec', 'type')) || 'ClusterIP';
}

function serviceExternalIP(o: Obj): string {
  const spec = rec(o.spec);
  const externalIPs = arr(spec.externalIPs).map(str);
  switch (serviceType(o)) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerStatus(get(o, 'status', 'loadBalancer'));
      if (externalIPs.length > 0) return [...(lb ? lb.split(',') : []), ...externalIPs].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return str(spec.externalName);
  }
  return '<unknown>';
}

export function servicePorts(ports: unknown): string {
  return arr(ports)
    .map(rec)
    .map((p) => {
      const protocol = str(p.protocol) || 'TCP';
      const nodePort = int(p.nodePort);
      return nodePort > 0 ? `${int(p.port)}:${nodePort}/${protocol}` : `${int(p.port)}/${protocol}`;
    })
    .join(',');
}

const service: Printer = {
  columns: [
    nameCol(),
    col('Type', 'string', doc('core/v1.ServiceSpec.type')),
    col('Cluster-IP', 'string', doc('core/v1.ServiceSpec.clusterIP')),
    col('External-IP', 'string', doc('core/v1.ServiceSpec.externalIPs')),
    col('Port(s)', 'string', doc('core/v1.ServiceSpec.ports')),
    ageCol(),
    col('Selector', 'string', doc('core/v1.ServiceSpec.selector'), 1),
  ],
  cells(o, now) {
    const spec = rec(o.spec);
    const clusterIP = str(arr(spec.clusterIPs)[0]) || str(spec.clusterIP) || '<none>';
    return [
      name(o),
      serviceType(o),
      clusterIP,
      serviceExternalIP(o),
      servicePorts(spec.ports) || '<none>',
      age(o, now),
      formatLabels(spec.selector),
    ];
  },
};

export function formatEndpoints(o: Obj): string {
  const subsets = arr(o.subsets).map(rec);
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addresses = arr(ss.addresses).map(rec);
    const ports = arr(ss.ports).map(rec);
    if (ports.length === 0) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(str(a.ip));
      }
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(joinHostPort(str(a.ip), int(port.port)));
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}

const endpoints: Printer = {
  columns: [nameCol(), col('Endpoints', 'string', doc('core/v1.Endpoints.subsets')), ageCol()],
  cells: (o, now) => [name(o), formatEndpoints(o), age(o, now)],
};

const endpointSlice: Printer = {
  columns: [
    nameCol(),
    col('AddressType', 'string', doc('discovery/v1.EndpointSlice.addressType')),
    col('Ports', 'string', doc('discovery/v1.EndpointSlice.ports')),
    col('Endpoints', 'string', doc('discovery/v1.EndpointSlice.endpoints')),
    ageCol(),
  ],
  cells(o, now) {
    const max = 3;
    const ports: string[] = [];
    let count = 0;
    let more = false;
    for (const p of arr(o.ports).map(rec)) {
      if (ports.length < max) {
        ports.push(typeof p.port === 'number' ? String(int(p.port)) : typeof p.name === 'string' ? p.name : '*');
      } else if (ports.length === max) more = true;
      count++;
    }
    const portStr = withMore(ports, more, count, max);
    const addrs: string[] = [];
    count = 0;
    more = false;
    for (const ep of arr(o.endpoints).map(rec)) {
      for (const a of arr(ep.addresses)) {
        if (addrs.length < max) addrs.push(str(a));
        else if (addrs.length === max) more = true;
        count++;
      }
    }
    return [name(o), str(o.addressType), portStr, withMore(addrs, more, count, max), age(o, now)];
  },
};

function ingressHosts(rules: unknown): string {
  const list: string[] = [];
  const all = arr(rules).map(rec);
  const max = 3;
  let more = false;
  for (const rule of all) {
    if (list.length === max) more = true;
    if (!more && str(rule.host)) list.push(str(rule.host));
  }
  if (list.length === 0) return '*';
  const ret = list.join(',');
  return more ? `${ret} + ${all.length - max} more...` : ret;
}

const ingress: Printer = {
  columns: [
    nameCol(),
    col(
      'Class',
      'string',
      'The name of the IngressClass resource that should be used for additional configuration',
    ),
    col('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
    col('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
    col('Ports', 'string', 'Ports of TLS configurations that open'),
    ageCol(),
  ],
  cells(o, now) {
    const spec = rec(o.spec);
    return [
      name(o),
      typeof spec.ingressClassName === 'string' ? spec.ingressClassName : '<none>',
      ingressHosts(spec.rules),
      loadBalancerStatus(get(o, 'status', 'loadBalancer')),
      arr(spec.tls).length > 0 ? '80, 443' : '80',
      age(o, now),
    ];
  },
};

const ingressClass: Printer = {
  columns: [
    nameCol(),
    col('Controller', 'string', 'Controller that is responsible for handling this class'),
    col('Parameters', 'string', 'A reference to a resource with additional parameters'),
    ageCol(),
  ],
  cells(o, now) {
    const spec = rec(o.spec);
    let parameters = '<none>';
    if (isRecord(spec.parameters)) {
      const p = spec.parameters;
      parameters = str(p.kind);
      if (typeof p.apiGroup === 'string') parameters += `.${p.apiGroup}`;
      parameters += `/${str(p.name)}`;
    }
    return [name(o), str(spec.controller), parameters, age(o, now)];
  },
};

const networkPolicy: Printer = {
  columns: [nameCol(), col('Pod-Selector', 'string', doc('networking/v1.NetworkPolicySpec.podSelector')), ageCol()],
  cells: (o, now) => [name(o), formatLabelSelector(get(o, 'spec', 'podSelector') ?? {}), age(o, now)],
};

const serviceCIDR: Printer = {
  columns: [nameCol(), col('CIDRs', 'string', doc('networking/v1alpha1.ServiceCIDRSpec.cidrs')), ageCol()],
  cells: (o, now) => [name(o), arr(get(o, 'spec', 'cidrs')).map(str).join(','), age(o, now)],
};

const ipAddress: Printer = {
  columns: [nameCol(), col('ParentRef', 'string', doc('networking/v1alpha1.IPAddressSpec.parentRef'))],
  cells(o) {
    let parent = '<none>';
    const ref = get(o, 'spec', 'parentRef');
    if (isRecord(ref)) {
      const group = str(ref.group);
      const resource = str(ref.resource);
      parent = (group ? `${resource}.${group}` : resource).toLowerCase();
      if (str(ref.namespace)) parent += `/${str(ref.namespace)}`;
      parent += `/${str(ref.name)}`;
    }
    // (upstream appends an age cell too, which its two columns do not declare)
    return [name(o), parent];
  },
};

// ---------------------------------------------------------------- cluster & config

function nodeRoles(o: Obj): string[] {
  const roles = new Set<string>();
  const labels = rec(meta(o).labels);
  for (const [k, v] of Object.entries(labels)) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && str(v)) {
      roles.add(str(v));
    }
  }
  return [...roles].sort();
}

function nodeAddress(o: Obj, type: string): string {
  for (const a of arr(get(o, 'status', 'addresses')).map(rec)) if (a.type === type) return str(a.address);
  return '<none>';
}

const node: Printer = {
  columns: [
    nameCol(),
    col('Status', 'string', 'The status of the node'),
    col('Roles', 'string', 'The roles of the node'),
    ageCol(),
    col('Version', 'string', doc('core/v1.NodeSystemInfo.kubeletVersion')),
    col('Internal-IP', 'string', doc('core/v1.NodeStatus.addresses'), 1),
    col('External-IP', 'string', doc('core/v1.NodeStatus.addresses'), 1),
    col('OS-Image', 'string', doc('core/v1.NodeSystemInfo.osImage'), 1),
    col('Kernel-Version', 'string', doc('core/v1.NodeSystemInfo.kernelVersion'), 1),
    col('Container-Runtime', 'string', doc('core/v1.NodeSystemInfo.containerRuntimeVersion'), 1),
  ],
  cells(o, now) {
    const conditions = new Map<string, Obj>();
    for (const c of arr(get(o, 'status', 'conditions')).map(rec)) conditions.set(str(c.type), c);
    const status: string[] = [];
    const readyCond = conditions.get('Ready');
    if (readyCond) status.push(readyCond.status === 'True' ? 'Ready' : 'NotReady');
    if (status.length === 0) status.push('Unknown');
    if (get(o, 'spec', 'unschedulable') === true) status.push('SchedulingDisabled');
    const info = rec(get(o, 'status', 'nodeInfo'));
    return [
      name(o),
      status.join(','),
      nodeRoles(o).join(',') || '<none>',
      age(o, now),
      str(info.kubeletVersion),
      nodeAddress(o, 'InternalIP'),
      nodeAddress(o, 'ExternalIP'),
      str(info.osImage) || '<unknown>',
      str(info.kernelVersion) || '<unknown>',
      str(info.containerRuntimeVersion) || '<unknown>',
    ];
  },
};

const namespace: Printer = {
  columns: [nameCol(), col('Status', 'string', 'The status of the namespace'), ageCol()],
  // the apiserver stores every new namespace as Active
  cells: (o, now) => [name(o), str(get(o, 'status', 'phase')) || 'Active', age(o, now)],
};

const configMap: Printer = {
  columns: [nameCol(), col('Data', 'string', doc('core/v1.ConfigMap.data')), ageCol()],
  cells: (o, now) => [name(o), Object.keys(rec(o.data)).length + Object.keys(rec(o.binaryData)).length, age(o, now)],
};

const secret: Printer = {
  columns: [
    nameCol(),
    col('Type', 'string', doc('core/v1.Secret.type')),
    col('Data', 'string', doc('core/v1.Secret.data')),
    ageCol(),
  ],
  cells(o, now) {
    // stringData is write-only: the apiserver merges it into data
    const keys = new Set([...Object.keys(rec(o.data)), ...Object.keys(rec(o.stringData))]);
    return [name(o), str(o.type) || 'Opaque', keys.size, age(o, now)];
  },
};

const serviceAccount: Printer = {
  columns: [nameCol(), col('Secrets', 'string', doc('core/v1.ServiceAccount.secrets')), ageCol()],
  cells: (o, now) => [name(o), arr(o.secrets).length, age(o, now)],
};

function normalizeEvent(o: Obj): Obj {
  // events.k8s.io/v1 names the core/v1 fields differently
  if (!('regarding' in o) && !('note' in o) && !('deprecatedCount' in o) && !('reportingController' in o)) return o;
  return {
    ...o,
    involvedObject: o.involvedObject ?? o.regarding,
    message: o.message ?? o.note,
    firstTimestamp: o.firstTimestamp ?? o.deprecatedFirstTimestamp,
    lastTimestamp: o.lastTimestamp ?? o.deprecatedLastTimestamp,
    count: o.count ?? o.deprecatedCount,
    source: o.source ?? o.deprecatedSource,
    reportingComponent: o.reportingComponent ?? o.reportingController,
  };
}

const event: Printer = {
  columns: [
    col('Last Seen', 'string', doc('core/v1.Event.lastTimestamp')),
    col('Type', 'string', doc('core/v1.Event.type')),
    col('Reason', 'string', doc('core/v1.Event.reason')),
    col('Object', 'string', doc('core/v1.Event.involvedObject')),
    col('Subobject', 'string', doc('core/v1.ObjectReference.fieldPath'), 1),
    col('Source', 'string', doc('core/v1.Event.source'), 1),
    col('Message', 'string', doc('core/v1.Event.message')),
    col('First Seen', 'string', doc('core/v1.Event.firstTimestamp'), 1),
    col('Count', 'string', doc('core/v1.Event.count'), 1),
    col('Name', 'string', NAME_DESC, 1, 'name'),
  ],
  cells(raw, now) {
    const o = normalizeEvent(raw);
    let first = translateTimestampSince(o.firstTimestamp, now);
    if (parseTime(o.firstTimestamp) === undefined) first = translateTimestampSince(o.eventTime, now);
    let last = translateTimestampSince(o.lastTimestamp, now);
    if (parseTime(o.lastTimestamp) === undefined) last = first;
    let count = int(o.count);
    if (isRecord(o.series)) {
      last = translateTimestampSince(o.series.lastObservedTime, now);
      count = int(o.series.count);
    } else if (count === 0) {
      count = 1;
    }
    const involved = rec(o.involvedObject);
    const kind = str(involved.kind).toLowerCase();
    const target = str(involved.name) ? `${kind}/${str(involved.name)}` : kind;
    const source = rec(o.source);
    const component = str(source.component) || str(o.reportingComponent);
    const instance = str(source.host) || str(o.reportingInstance);
    return [
      last,
      str(o.type),
      str(o.reason),
      target,
      str(involved.fieldPath),
      instance ? `${component}, ${instance}` : component,
      str(o.message).trim(),
      first,
      count,
      name(o),
    ];
  },
};

const componentStatus: Printer = {
  columns: [
    nameCol(),
    col('Status', 'string', 'Status of the component conditions'),
    col('Message', 'string', 'Message of the component conditions'),
    col('Error', 'string', 'Error of the component conditions'),
  ],
  cells(o) {
    let status = 'Unknown';
    let message = '';
    let error = '';
    const c = arr(o.conditions)
      .map(rec)
      .find((x) => x.type === 'Healthy');
    if (c) {
      status = c.status === 'True' ? 'Healthy' : 'Unhealthy';
      message = str(c.message);
      error = str(c.error);
    }
    return [name(o), status, message, error];
  },
};

/** "limits.*" resources go to the Limit column, the rest to Request. */
const resourceQuota: Printer = {
  columns: [
    nameCol(),
    col('Request', 'string', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
    col(
      'Limit',
      'string',
      'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.',
    ),
    ageCol(),
  ],
  cells(o, now) {
    const hard = rec(get(o, 'status', 'hard'));
    const used = rec(get(o, 'status', 'used'));
    const request: string[] = [];
    const limit: string[] = [];
    for (const r of Object.keys(hard).sort()) {
      const pieces = r.split('.');
      const target = pieces.length > 1 && pieces[0] === 'limits' ? limit : request;
      target.push(`${r}: ${formatQuantity(used[r])}/${formatQuantity(hard[r])}`);
    }
    return [name(o), request.join(', '), limit.join(', '), age(o, now)];
  },
};

const priorityClass: Printer = {
  columns: [
    nameCol(),
    col('Value', 'integer', doc('scheduling/v1.PriorityClass.value')),
    col('Global-Default', 'boolean', doc('scheduling/v1.PriorityClass.globalDefault')),
    ageCol(),
    col('PreemptionPolicy', 'string', doc('scheduling/v1.PriorityClass.preemptionPolicy')),
  ],
  cells: (o, now) => [name(o), int(o.value), o.globalDefault === true, age(o, now), str(o.preemptionPolicy)],
};

const runtimeClass: Printer = {
  columns: [nameCol(), col('Handler', 'string', doc('meta/v1.ObjectMeta.handler')), ageCol()],
  cells: (o, now) => [name(o), str(o.handler), age(o, now)],
};

const lease: Printer = {
  columns: [nameCol(), col('Holder', 'string', doc('coordination/v1.LeaseSpec.holderIdentity')), ageCol()],
  cells: (o, now) => [name(o), str(get(o, 'spec', 'holderIdentity')), age(o, now)],
};

const leaseCandidate: Printer = {
  columns: [
    nameCol(),
    col('LeaseName', 'string', doc('coordination/v1alpha2.LeaseCandidateSpec.leaseName')),
    col('BinaryVersion', 'string', doc('meta/v1.ObjectMeta.binaryVersion')),
    col('EmulationVersion', 'string', doc('meta/v1.ObjectMeta.emulationVersion')),
    ageCol(),
  ],
  cells(o, now) {
    const spec = rec(o.spec);
    return [name(o), str(spec.leaseName), str(spec.binaryVersion), str(spec.emulationVersion), age(o, now)];
  },
};

// ---------------------------------------------------------------- RBAC & certificates

function subjects(o: Obj): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  for (const s of arr(o.subjects).map(rec)) {
    if (s.kind === 'ServiceAccount') sas.push(`${str(s.namespace)}/${str(s.name)}`);
    else if (s.kind === 'User') users.push(str(s.name));
    else if (s.kind === 'Group') groups.push(str(s.name));
  }
  return [users.join(', '), groups.join(', '), sas.join(', ')];
}

function binding(what: string, roleRefDoc: string): Printer {
  return {
    columns: [
      nameCol(),
      col('Role', 'string', doc(roleRefDoc)),
      ageCol(),
      col('Users', 'string', `Users in the ${what}`, 1),
      col('Groups', 'string', `Groups in the ${what}`, 1),
      col('ServiceAccounts', 'string', `ServiceAccounts in the ${what}`, 1),
    ],
    cells(o, now) {
      const ref = rec(o.roleRef);
      return [name(o), `${str(ref.kind)}/${str(ref.name)}`, age(o, now), ...subjects(o)];
    },
  };
}

const roleBinding = binding('roleBinding', 'rbac/v1.RoleBinding.roleRef');
const clusterRoleBinding = binding('clusterRoleBinding', 'rbac/v1.ClusterRoleBinding.roleRef');

function csrCondition(o: Obj): string {
  let approved = false;
  let denied = false;
  let failed = false;
  for (const c of arr(get(o, 'status', 'conditions')).map(rec)) {
    if (c.type === 'Approved') approved = true;
    else if (c.type === 'Denied') denied = true;
    else if (c.type === 'Failed') failed = true;
  }
  let status = denied ? 'Denied' : approved ? 'Approved' : 'Pending';
  if (failed) status += ',Failed';
  if (str(get(o, 'status', 'certificate')).length > 0) status += ',Issued';
  return status;
}

const certificateSigningRequest: Printer = {
  columns: [
    nameCol(),
    ageCol(),
    col('SignerName', 'string', doc('certificates/v1.CertificateSigningRequestSpec.signerName')),
    col('Requestor', 'string', doc('certificates/v1.CertificateSigningRequestSpec.request')),
    col('RequestedDuration', 'string', doc('certificates/v1.CertificateSigningRequestSpec.expirationSeconds')),
    col('Condition', 'string', doc('certificates/v1.CertificateSigningRequestStatus.conditions')),
  ],
  cells(o, now) {
    const spec = rec(o.spec);
    const seconds = optInt(spec.expirationSeconds);
    return [
      name(o),
      age(o, now),
      str(spec.signerName) || '<none>',
      str(spec.username),
      seconds === undefined ? '<none>' : humanDuration(seconds * 1000),
      csrCondition(o),
    ];
  },
};

const clusterTrustBundle: Printer = {
  columns: [nameCol(), col('SignerName', 'string', doc('certificates/v1alpha1.ClusterTrustBundleSpec.signerName'))],
  cells: (o) => [name(o), str(get(o, 'spec', 'signerName')) || '<none>'],
};

// ---------------------------------------------------------------- storage

const BETA_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';

const ACCESS_MODES: [string, string][] = [
  ['ReadWriteOnce', 'RWO'],
  ['ReadOnlyMany', 'ROX'],
  ['ReadWriteMany', 'RWX'],
  ['ReadWriteOncePod', 'RWOP'],
];

export function accessModes(modes: unknown): string {
  const set = new Set(arr(modes).map(str));
  return ACCESS_MODES.filter(([m]) => set.has(m))
    .map(([, short]) => short)
    .join(',');
}

function storageClassOf(o: Obj): string {
  const ann = rec(meta(o).annotations);
  if (typeof ann[BETA_STORAGE_CLASS] === 'string') return ann[BETA_STORAGE_CLASS];
  const cls = get(o, 'spec', 'storageClassName');
  return typeof cls === 'string' ? cls : '';
}

const persistentVolume: Printer = {
  columns: [
    nameCol(),
    col('Capacity', 'string', doc('core/v1.PersistentVolumeSpec.capacity')),
    col('Access Modes', 'string', doc('core/v1.PersistentVolumeSpec.accessModes')),
    col('Reclaim Policy', 'string', doc('core/v1.PersistentVolumeSpec.persistentVolumeReclaimPolicy')),
    col('Status', 'string', doc('core/v1.PersistentVolumeStatus.phase')),
    col('Claim', 'string', doc('core/v1.PersistentVolumeSpec.claimRef')),
    col('StorageClass', 'string', 'StorageClass of the pv'),
    col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pv'),
    col('Reason', 'string', doc('core/v1.PersistentVolumeStatus.reason')),
    ageCol(),
    col('VolumeMode', 'string', doc('core/v1.PersistentVolumeSpec.volumeMode'), 1),
  ],
  cells(o, now) {
    const spec = rec(o.spec);
    const claimRef = isRecord(spec.claimRef) ? `${str(spec.claimRef.namespace)}/${str(spec.claimRef.name)}` : '';
    const phase = deleting(o) ? 'Terminating' : str(get(o, 'status', 'phase'));
    return [
      name(o),
      formatQuantity(get(spec, 'capacity', 'storage')),
      accessModes(spec.accessModes),
      str(spec.persistentVolumeReclaimPolicy),
      phase,
      claimRef,
      storageClassOf(o),
      typeof spec.volumeAttributesClassName === 'string' ? spec.volumeAttributesClassName : '<unset>',
      str(get(o, 'status', 'reason')),
      age(o, now),
      typeof spec.volumeMode === 'string' ? spec.volumeMode : '<unset>',
    ];
  },
};

const persistentVolumeClaim: Printer = {
  columns: [
    nameCol(),
    col('Status', 'string', doc('core/v1.PersistentVolumeClaimStatus.phase')),
    col('Volume', 'string', doc('core/v1.PersistentVolumeClaimSpec.volumeName')),
    col('Capacity', 'string', doc('core/v1.PersistentVolumeClaimStatus.capacity')),
    col('Access Modes', 'string', doc('core/v1.PersistentVolumeClaimStatus.accessModes')),
    col('StorageClass', 'string', 'StorageClass of the pvc'),
    col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pvc'),
    ageCol(),
    col('VolumeMode', 'string', doc('core/v1.PersistentVolumeClaimSpec.volumeMode'), 1),
  ],
  cells(o, now) {
    const spec = rec(o.spec);
    const status = rec(o.status);
    const phase = deleting(o) ? 'Terminating' : str(status.phase);
    const volumeName = str(spec.volumeName);
    const capacity = volumeName ? formatQuantity(get(status, 'capacity', 'storage')) : '';
    const modes = volumeName ? accessModes(status.accessModes) : '';
    return [
      name(o),
      phase,
      volumeName,
      capacity,
      modes,
      storageClassOf(o),
      typeof spec.volumeAttributesClassName === 'string' ? spec.volumeAttributesClassName : '<unset>',
      age(o, now),
      typeof spec.volumeMode === 'string' ? spec.volumeMode : '<unset>',
    ];
  },
};

function isDefaultClass(o: Obj): boolean {
  const ann = rec(meta(o).annotations);
  return (
    ann['storageclass.kubernetes.io/is-default-class'] === 'true' ||
    ann['storageclass.beta.kubernetes.io/is-default-class'] === 'true'
  );
}

const storageClass: Printer = {
  columns: [
    nameCol(),
    col('Provisioner', 'string', doc('storage/v1.StorageClass.provisioner')),
    col('ReclaimPolicy', 'string', doc('storage/v1.StorageClass.reclaimPolicy')),
    col('VolumeBindingMode', 'string', doc('storage/v1.StorageClass.volumeBindingMode')),
    col('AllowVolumeExpansion', 'string', doc('storage/v1.StorageClass.allowVolumeExpansion')),
    ageCol(),
  ],
  cells: (o, now) => [
    isDefaultClass(o) ? `${name(o)} (default)` : name(o),
    str(o.provisioner),
    str(o.reclaimPolicy) || 'Delete',
    str(o.volumeBindingMode) || 'Immediate',
    o.allowVolumeExpansion === true,
    age(o, now),
  ],
};

const volumeAttributesClass: Printer = {
  columns: [nameCol(), col('DriverName', 'string', doc('storage/v1alpha1.VolumeAttributesClass.driverName')), ageCol()],
  cells: (o, now) => [name(o), str(o.driverName), age(o, now)],
};

const volumeAttachment: Printer = {
  columns: [
    nameCol(),
    col('Attacher', 'string', doc('storage/v1.VolumeAttachmentSpec.attacher'), 0, 'name'),
    col('PV', 'string', doc('storage/v1.VolumeAttachmentSource.persistentVolumeName')),
    col('Node', 'string', doc('storage/v1.VolumeAttachmentSpec.nodeName')),
    col('Attached', 'boolean', doc('storage/v1.VolumeAttachmentStatus.attached')),
    ageCol(),
  ],
  cells(o, now) {
    const spec = rec(o.spec);
    return [
      name(o),
      str(spec.attacher),
      str(get(spec, 'source', 'persistentVolumeName')),
      str(spec.nodeName),
      get(o, 'status', 'attached') === true,
      age(o, now),
    ];
  },
};

const csiNode: Printer = {
  columns: [
    nameCol(),
    col('Drivers', 'integer', 'Drivers indicates the number of CSI drivers registered on the node'),
    ageCol(),
  ],
  cells: (o, now) => [name(o), arr(get(o, 'spec', 'drivers')).length, age(o, now)],
};

const csiDriver: Printer = {
  columns: [
    nameCol(),
    col('AttachRequired', 'boolean', doc('storage/v1.CSIDriverSpec.attachRequired')),
    col('PodInfoOnMount', 'boolean', doc('storage/v1.CSIDriverSpec.podInfoOnMount')),
    col('StorageCapacity', 'boolean', doc('storage/v1.CSIDriverSpec.storageCapacity')),
    col('TokenRequests', 'string', doc('storage/v1.CSIDriverSpec.tokenRequests')),
    col('RequiresRepublish', 'boolean', doc('storage/v1.CSIDriverSpec.requiresRepublish')),
    col('Modes', 'string', doc('storage/v1.CSIDriverSpec.volumeLifecycleModes')),
    ageCol(),
  ],
  cells(o, now) {
    const spec = rec(o.spec);
    const tokenRequests = Array.isArray(spec.tokenRequests)
      ? spec.tokenRequests.map((t) => str(rec(t).audience)).join(',')
      : '<unset>';
    return [
      name(o),
      typeof spec.attachRequired === 'boolean' ? spec.attachRequired : true,
      spec.podInfoOnMount === true,
      spec.storageCapacity === true,
      tokenRequests,
      spec.requiresRepublish === true,
      arr(spec.volumeLifecycleModes).map(str).join(',') || '<none>',
      age(o, now),
    ];
  },
};

const csiStorageCapacity: Printer = {
  columns: [
    nameCol(),
    col('StorageClassName', 'string', doc('storage/v1.CSIStorageCapacity.storageClassName')),
    col('Capacity', 'string', doc('storage/v1.CSIStorageCapacity.capacity')),
  ],
  cells: (o) => [name(o), str(o.storageClassName), has(o, 'capacity') ? formatQuantity(o.capacity) : '<unset>'],
};

// ---------------------------------------------------------------- admission, flow control, misc

function countOf(what: string, description: string): Printer {
  return {
    columns: [nameCol(), col(what, 'integer', description), ageCol()],
    cells: (o, now) => [name(o), arr(o.webhooks).length, age(o, now)],
  };
}

const WEBHOOKS_DESC = 'Webhooks indicates the number of webhooks registered in this configuration';
const mutatingWebhook = countOf('Webhooks', WEBHOOKS_DESC);
const validatingWebhook = countOf('Webhooks', WEBHOOKS_DESC);

function admissionPolicy(what: string, field: string, description: string): Printer {
  return {
    columns: [
      nameCol(),
      col(what, 'integer', description),
      col('ParamKind', 'string', 'ParamKind specifies the kind of resources used to parameterize this policy'),
      ageCol(),
    ],
    cells(o, now) {
      const spec = rec(o.spec);
      const pk = isRecord(spec.paramKind) ? `${str(spec.paramKind.apiVersion)}/${str(spec.paramKind.kind)}` : '<unset>';
      return [name(o), arr(spec[field]).length, pk, age(o, now)];
    },
  };
}

function admissionPolicyBinding(): Printer {
  return {
    columns: [
      nameCol(),
      col('PolicyName', 'string', 'PolicyName indicates the policy definition which the policy binding binded to'),
      col('ParamRef', 'string', 'ParamRef indicates the param resource which sets the configration param'),
      ageCol(),
    ],
    cells(o, now) {
      const spec = rec(o.spec);
      let param = '<unset>';
      if (isRecord(spec.paramRef)) {
        const pr = spec.paramRef;
        if (str(pr.name)) param = str(pr.namespace) ? `${str(pr.namespace)}/${str(pr.name)}` : `*/${str(pr.name)}`;
        else if (isRecord(pr.selector)) param = selectorString(pr.selector) ?? '';
      }
      return [name(o), str(spec.policyName), param, age(o, now)];
    },
  };
}

const validatingAdmissionPolicy = admissionPolicy(
  'Validations',
  'validations',
  'Validations indicates the number of validation rules defined in this configuration',
);
const mutatingAdmissionPolicy = admissionPolicy(
  'Mutations',
  'mutations',
  'Mutation indicates the number of mutations rules defined in this configuration',
);

const flowSchema: Printer = {
  columns: [
    nameCol(),
    col('PriorityLevel', 'string', doc('flowcontrol/v1.PriorityLevelConfigurationReference.name')),
    col('MatchingPrecedence', 'string', doc('flowcontrol/v1.FlowSchemaSpec.matchingPrecedence')),
    col('DistinguisherMethod', 'string', doc('flowcontrol/v1.FlowSchemaSpec.distinguisherMethod')),
    ageCol(),
    col('MissingPL', 'string', 'references a broken or non-existent PriorityLevelConfiguration'),
  ],
  cells(o, now) {
    const spec = rec(o.spec);
    const dm = isRecord(spec.distinguisherMethod) ? str(spec.distinguisherMethod.type) : '<none>';
    const dangling = arr(get(o, 'status', 'conditions'))
      .map(rec)
      .find((c) => c.type === 'Dangling');
    return [
      name(o),
      str(get(spec, 'priorityLevelConfiguration', 'name')),
      int(spec.matchingPrecedence),
      dm,
      age(o, now),
      dangling ? str(dangling.status) : '?',
    ];
  },
  compare(a, b) {
    const pa = int(get(a, 'spec', 'matchingPrecedence'));
    const pb = int(get(b, 'spec', 'matchingPrecedence'));
    if (pa !== pb) return pa - pb;
    const na = name(a);
    const nb = name(b);
    return na < nb ? -1 : na > nb ? 1 : 0;
  },
};

const priorityLevelConfiguration: Printer = {
  columns: [
    nameCol(),
    col('Type', 'string', doc('flowcontrol/v1.PriorityLevelConfigurationSpec.type')),
    col('NominalConcurrencyShares', 'string', doc('flowcontrol/v1.LimitedPriorityLevelConfiguration.nominalConcurrencyShares')),
    col('Queues', 'string', doc('flowcontrol/v1.QueuingConfiguration.queues')),
    col('HandSize', 'string', doc('flowcontrol/v1.QueuingConfiguration.handSize')),
    col('QueueLengthLimit', 'string', doc('flowcontrol/v1.QueuingConfiguration.queueLengthLimit')),
    ageCol(),
  ],
  cells(o, now) {
    const spec = rec(o.spec);
    let ncs: unknown = '<none>';
    let queues: unknown = '<none>';
    let handSize: unknown = '<none>';
    let queueLengthLimit: unknown = '<none>';
    if (isRecord(spec.limited)) {
      ncs = int(spec.limited.nominalConcurrencyShares);
      const q = get(spec.limited, 'limitResponse', 'queuing');
      if (isRecord(q)) {
        queues = int(q.queues);
        handSize = int(q.handSize);
        queueLengthLimit = int(q.queueLengthLimit);
      }
    }
    return [name(o), str(spec.type), ncs, queues, handSize, queueLengthLimit, age(o, now)];
  },
};

const storageVersion: Printer = {
  columns: [
    nameCol(),
    col('CommonEncodingVersion', 'string', doc('apiserverinternal/v1alpha1.StorageVersionStatus.commonEncodingVersion')),
    col('StorageVersions', 'string', doc('apiserverinternal/v1alpha1.StorageVersionStatus.storageVersions')),
    ageCol(),
  ],
  cells(o, now) {
    const st = rec(o.status);
    const max = 3;
    const list: string[] = [];
    let more = false;
    let count = 0;
    for (const sv of arr(st.storageVersions).map(rec)) {
      if (list.length < max) list.push(`${str(sv.apiServerID)}=${str(sv.encodingVersion)}`);
      else if (list.length === max) more = true;
      count++;
    }
    const common = typeof st.commonEncodingVersion === 'string' ? st.commonEncodingVersion : '<unset>';
    return [name(o), common, withMore(list, more, count, max), age(o, now)];
  },
};

const nameAndAge: Printer = {
  columns: [nameCol(), ageCol()],
  cells: (o, now) => [name(o), age(o, now)],
};

/** kube-aggregator's APIService table. */
const apiService: Printer = {
  columns: [
    nameCol(),
    col('Service', 'string', 'The reference to the service that hosts this API endpoint.'),
    col('Available', 'string', 'Whether this service is available.'),
    ageCol(),
  ],
  cells(o, now) {
    const svc = get(o, 'spec', 'service');
    const service = isRecord(svc) ? `${str(svc.namespace)}/${str(svc.name)}` : 'Local';
    let status = 'Unknown';
    const c = arr(get(o, 'status', 'conditions'))
      .map(rec)
      .find((x) => x.type === 'Available');
    if (c) {
      if (c.status === 'True') status = 'True';
      else if (str(c.reason)) status = `${str(c.status)} (${str(c.reason)})`;
      else status = str(c.status);
    }
    return [name(o), service, status, age(o, now)];
  },
};

// ---------------------------------------------------------------- registry

const BY_KIND: Record<string, Printer> = {
  '/Pod': pod,
  '/PodTemplate': podTemplate,
  '/ReplicationController': replicationController,
  '/Service': service,
  '/Endpoints': endpoints,
  '/Node': node,
  '/Event': event,
  '/Namespace': namespace,
  '/Secret': secret,
  '/ServiceAccount': serviceAccount,
  '/PersistentVolume': persistentVolume,
  '/PersistentVolumeClaim': persistentVolumeClaim,
  '/ComponentStatus': componentStatus,
  '/ConfigMap': configMap,
  '/ResourceQuota': resourceQuota,
  'apps/ReplicaSet': replicaSet,
  'apps/DaemonSet': daemonSet,
  'apps/Deployment': deployment,
  'apps/StatefulSet': statefulSet,
  'apps/ControllerRevision': controllerRevision,
  'extensions/ReplicaSet': replicaSet,
  'extensions/DaemonSet': daemonSet,
  'extensions/Deployment': deployment,
  'extensions/Ingress': ingress,
  'extensions/NetworkPolicy': networkPolicy,
  'batch/Job': job,
  'batch/CronJob': cronJob,
  'autoscaling/HorizontalPodAutoscaler': horizontalPodAutoscaler,
  'policy/PodDisruptionBudget': podDisruptionBudget,
  'networking.k8s.io/Ingress': ingress,
  'networking.k8s.io/IngressClass': ingressClass,
  'networking.k8s.io/NetworkPolicy': networkPolicy,
  'networking.k8s.io/ServiceCIDR': serviceCIDR,
  'networking.k8s.io/IPAddress': ipAddress,
  'discovery.k8s.io/EndpointSlice': endpointSlice,
  'coordination.k8s.io/Lease': lease,
  'coordination.k8s.io/LeaseCandidate': leaseCandidate,
  'rbac.authorization.k8s.io/RoleBinding': roleBinding,
  'rbac.authorization.k8s.io/ClusterRoleBinding': clusterRoleBinding,
  'certificates.k8s.io/CertificateSigningRequest': certificateSigningRequest,
  'certificates.k8s.io/ClusterTrustBundle': clusterTrustBundle,
  'storage.k8s.io/StorageClass': storageClass,
  'storage.k8s.io/VolumeAttributesClass': volumeAttributesClass,
  'storage.k8s.io/VolumeAttachment': volumeAttachment,
  'storage.k8s.io/CSINode': csiNode,
  'storage.k8s.io/CSIDriver': csiDriver,
  'storage.k8s.io/CSIStorageCapacity': csiStorageCapacity,
  'scheduling.k8s.io/PriorityClass': priorityClass,
  'node.k8s.io/RuntimeClass': runtimeClass,
  'admissionregistration.k8s.io/MutatingWebhookConfiguration': mutatingWebhook,
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration': validatingWebhook,
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy': validatingAdmissionPolicy,
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding': admissionPolicyBinding(),
  'admissionregistration.k8s.io/MutatingAdmissionPolicy': mutatingAdmissionPolicy,
  'admissionregistration.k8s.io/MutatingAdmissionPolicyBinding': admissionPolicyBinding(),
  'flowcontrol.apiserver.k8s.io/FlowSchema': flowSchema,
  'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration': priorityLevelConfiguration,
  'internal.apiserver.k8s.io/StorageVersion': storageVersion,
  'resource.k8s.io/DeviceClass': nameAndAge,
  'resource.k8s.io/ResourceClaimTemplate': nameAndAge,
  'events.k8s.io/Event': event,
  'apiregistration.k8s.io/APIService': apiService,
};

/** The built-in printer for a kind, if the apiserver registers one. */
export function printerFor(group: string, kind: string): Printer | undefined {
  return BY_KIND[`${group}/${kind}`];
}

/** Every group/kind with a printer, as "group/Kind" ("/Kind" for core). */
export function printedKinds(): string[] {
  return Object.keys(BY_KIND);
}
