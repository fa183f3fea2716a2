// Scripted scenarios, replayed deterministically (etcd-io/raft's datadriven style): each file in
// testdata/ is a list of blocks "command\n----\nexpected output", separated by blank lines. The
// clock is a ManualClock that only `advance` moves; ties between nodes keep the first node.
// Run with REWRITE=1 to regenerate the expected outputs after an intended change.
//
// `init status=apply` plays the informer for the scheduler's own writes: status updates
// (nominatedNodeName, conditions) and pod deletions come back as pod updates and deletes after
// each attempt, printed as "  ~ ..." lines. With `deletion=graceful` a deleted pod first only gets
// a deletionTimestamp, and `terminate` removes the terminating pods.

import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Obj } from '../apiserver/rest.ts';
import { ManualClock } from '../util/clock.ts';
import { Scheduler } from './scheduler.ts';
import { ActionType } from './framework/events.ts';
import type { PodStatusUpdate } from './framework/interfaces.ts';
import { FakeCluster, makeNode, makePod, type NodeSpecLite, type PodSpecLite } from './testing.ts';

const DIR = join(fileURLToPath(new URL('.', import.meta.url)), 'testdata');

function parseDuration(s: string): number {
  const m = /^(\d+)(ms|s|m)$/.exec(s);
  if (!m) throw new Error(`bad duration ${s}`);
  return Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60_000);
}

function kv(args: string[]): [string, string][] {
  return args.map((a) => {
    const i = a.indexOf('=');
    return i < 0 ? [a, ''] : [a.slice(0, i), a.slice(i + 1)];
  });
}

function nodeSpec(name: string, args: string[]): NodeSpecLite {
  const n: NodeSpecLite = { name, alloc: {}, labels: {}, taints: [] };
  for (const [k, v] of kv(args)) {
    if (k === 'taint') {
      // key=value:Effect
      const [kvPart, effect] = v.split(':') as [string, string];
      const [key, value] = kvPart.split('=') as [string, string | undefined];
      n.taints!.push({ key, value, effect });
    } else if (k === 'label') {
      const [lk, lv] = v.split('=') as [string, string];
      n.labels![lk] = lv;
    } else if (k === 'unschedulable') n.unschedulable = true;
    else n.alloc![k] = v;
  }
  return n;
}

function podSpec(name: string, args: string[]): PodSpecLite {
  const p: PodSpecLite = { name, req: {} };
  const selfSelector = () => ({ matchLabels: { app: p.labels?.app ?? name } });
  // Selectors refer to the pod's final labels, whatever the order of the arguments.
  const later: (() => void)[] = [];
  for (const [k, v] of kv(args)) {
    if (k === 'label') {
      const [lk, lv] = v.split('=') as [string, string];
      p.labels = { ...p.labels, [lk]: lv };
    } else if (k === 'preemption') p.preemptionPolicy = v as PodSpecLite['preemptionPolicy'];
    else if (k === 'spread' || k === 'soft-spread') {
      // KEY:MAXSKEW over the pods with the same app label.
      const [key, skew] = v.split(':') as [string, string];
      later.push(() => {
        const c = { maxSkew: Number(skew), topologyKey: key, whenUnsatisfiable: k === 'spread' ? 'DoNotSchedule' : 'ScheduleAnyway', labelSelector: selfSelector() };
        p.topologySpreadConstraints = [...(p.topologySpreadConstraints ?? []), c];
      });
    } else if (k === 'anti' || k === 'affinity') {
      // KEY[@APP]: required (anti-)affinity over topology key KEY to the pods with app label APP
      // (by default the pod's own).
      const kind = k === 'anti' ? 'podAntiAffinity' : 'podAffinity';
      const [key, app] = v.split('@') as [string, string | undefined];
      later.push(() => {
        const labelSelector = app ? { matchLabels: { app } } : selfSelector();
        p.affinity = { ...p.affinity, [kind]: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector, topologyKey: key }] } };
      });
    } else if (k === 'pvc') p.volumes = [...(p.volumes ?? []), { name: v, persistentVolumeClaim: { claimName: v } }];
    else if (k === 'priority') p.priority = Number(v);
    else if (k === 'gate') p.gates = [...(p.gates ?? []), v];
    else if (k === 'toleration') p.tolerations = [...(p.tolerations ?? []), { key: v, operator: 'Exists' }];
    else if (k === 'scheduler') p.schedulerName = v;
    else if (k === 'nodeSelector') {
      const [sk, sv] = v.split('=') as [string, string];
      p.nodeSelector = { ...p.nodeSelector, [sk]: sv };
    } else if (k === 'port') p.hostPorts = [...(p.hostPorts ?? []), { port: Number(v) }];
    else p.req![k] = v;
  }
  for (const f of later) f();
  return p;
}

class Harness {
  clock = new ManualClock(1_700_000_000_000);
  cluster = new FakeCluster();
  sched!: Scheduler;
  pods = new Map<string, Obj>();
  nodes = new Map<string, Obj>();
  seenEvents = 0;
  /** Informer deliveries of the scheduler's own writes, applied after each attempt. */
  private informer: (() => string | undefined)[] = [];
  private graceful = false;
  private terminating: string[] = [];

  init(args: string[]): void {
    const opts = Object.fromEntries(kv(args));
    this.graceful = opts.deletion === 'graceful';
    if (opts.status === 'apply') {
      this.cluster.onStatusUpdate = (pod, update) => this.informer.push(() => this.applyStatus(pod, update));
      this.cluster.onDelete = (pod) => this.informer.push(() => this.applyDelete(pod));
    }
    this.sched = new Scheduler({
      cluster: this.cluster,
      clock: this.clock,
      random: () => 0.999,
      popFromBackoffQ: opts.popFromBackoffQ !== 'false',
      config: opts.percentageOfNodesToScore ? { percentageOfNodesToScore: Number(opts.percentageOfNodesToScore) } : undefined,
    });
    this.sched.queue.run();
    this.cluster.onBind = (b) => {
      const old = this.pods.get(`${b.namespace}/${b.name}`)!;
      const bound = { ...old, metadata: { ...old.metadata, resourceVersion: String(Number(old.metadata.resourceVersion) + 1) }, spec: { ...old.spec, nodeName: b.nodeName } };
      this.pods.set(`${b.namespace}/${b.name}`, bound);
      this.sched.onPodUpdate(old, bound);
    };
  }

  private ensure(): void {
    if (!this.sched) this.init([]);
  }

  private bump(pod: Obj, change: (p: Obj) => void): Obj {
    const next = structuredClone(pod);
    next.metadata.resourceVersion = String(Number(pod.metadata.resourceVersion) + 1);
    change(next);
    return next;
  }

  private applyStatus(pod: Obj, update: PodStatusUpdate): string | undefined {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const old = this.pods.get(key);
    if (!old) return undefined;
    const next = this.bump(old, (p) => {
      if (update.condition) p.status.conditions = [...((p.status.conditions ?? []) as Obj[]).filter((c) => c.type !== update.condition!.type), update.condition];
      if (update.nominatedNodeName !== undefined) p.status.nominatedNodeName = update.nominatedNodeName;
    });
    this.pods.set(key, next);
    this.sched.onPodUpdate(old, next);
    if (update.nominatedNodeName !== undefined) return `  ~ ${key} nominatedNodeName=${update.nominatedNodeName || '""'}`;
    if (update.condition?.type === 'DisruptionTarget') return `  ~ ${key} DisruptionTarget=${update.condition.status} (${update.condition.reason})`;
    return undefined;
  }

  private applyDelete(pod: Obj): string | undefined {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const old = this.pods.get(key);
    if (!old) return undefined;
    if (this.graceful) {
      const next = this.bump(old, (p) => (p.metadata.deletionTimestamp = new Date(this.clock.now()).toISOString()));
      this.pods.set(key, next);
      this.terminating.push(key);
      this.sched.onPodUpdate(old, next);
      return `  ~ ${key} terminating`;
    }
    this.pods.delete(key);
    this.sched.onPodDelete(old);
    return `  ~ ${key} deleted`;
  }

  /** Lets preemption's victim deletions finish, then delivers the informer updates. */
  private async settle(): Promise<string[]> {
    const fwk = this.sched.profiles.get('default-scheduler');
    const preemption = fwk?.plugins.get('DefaultPreemption') as { settled?: () => Promise<void> } | undefined;
    await preemption?.settled?.();
    const lines: string[] = [];
    while (this.informer.length > 0) {
      const line = this.informer.shift()!();
      if (line) lines.push(line);
    }
    return lines;
  }

  async run(cmd: string): Promise<string> {
    const [verb, ...rest] = cmd.trim().split(/\s+/);
    if (verb === 'init') {
      this.init(rest);
      return '';
    }
    this.ensure();
    const [name = '', ...args] = rest;
    switch (verb) {
      case 'add-node': {
        const n = makeNode(nodeSpec(name, args));
        this.nodes.set(name, n);
        this.sched.onNodeAdd(n);
        return this.queueState();
      }
      case 'update-node': {
        const old = this.nodes.get(name)!;
        const n = makeNode(nodeSpec(name, args));
        this.nodes.set(name, n);
        this.sched.onNodeUpdate(old, n);
        return this.queueState();
      }
      case 'delete-node':
        this.sched.onNodeDelete(this.nodes.get(name)!);
        this.nodes.delete(name);
        return this.queueState();
      case 'add-pod': {
        const p = makePod(podSpec(name, args));
        this.pods.set(`default/${name}`, p);
        this.sched.onPodAdd(p);
        return this.queueState();
      }
      case 'delete-pod': {
        const p = this.pods.get(`default/${name}`)!;
        this.pods.delete(`default/${name}`);
        this.sched.onPodDelete(p);
        return this.queueState();
      }
      case 'ungate': {
        const old = this.pods.get(`default/${name}`)!;
        const p = { ...old, metadata: { ...old.metadata, resourceVersion: String(Number(old.metadata.resourceVersion) + 1) }, spec: { ...old.spec, schedulingGates: [] } };
        this.pods.set(`default/${name}`, p);
        this.sched.onPodUpdate(old, p);
        return this.queueState();
      }
      case 'advance':
        this.clock.advance(parseDuration(name));
        return this.queueState();
      case 'schedule': {
        const lines: string[] = [];
        for (let r = this.sched.scheduleOne(); r; r = this.sched.scheduleOne()) {
          lines.push(r.outcome === 'Scheduled' ? `${r.pod.key} -> ${r.node}` : `${r.pod.key}: ${r.outcome}: ${r.message ?? ''}`);
          await r.binding;
          lines.push(...(await this.settle()));
        }
        lines.push(this.queueState());
        return lines.join('\n');
      }
      case 'terminate': {
        // The kubelet is done with the terminating pods: they go away for good.
        const lines: string[] = [];
        for (const key of this.terminating.splice(0)) {
          const p = this.pods.get(key);
          if (!p) continue;
          this.pods.delete(key);
          this.sched.onPodDelete(p);
          lines.push(`  ~ ${key} deleted`);
        }
        lines.push(this.queueState());
        return lines.join('\n');
      }
      case 'add-pdb': {
        // NAME app=X allowed=N
        const o = Object.fromEntries(kv(args));
        this.cluster.pdbs.push({
          metadata: { name, namespace: 'default' },
          spec: { selector: { matchLabels: { app: o.app ?? '' } } },
          status: { disruptionsAllowed: Number(o.allowed ?? 0) },
        });
        return '';
      }
      case 'add-pvc': {
        // NAME [volume=PV] [bound] [class=C]
        const o = Object.fromEntries(kv(args));
        this.cluster.addObject('PersistentVolumeClaim', {
          metadata: { name, namespace: 'default', ...('bound' in o ? { annotations: { 'pv.kubernetes.io/bind-completed': 'yes' } } : {}) },
          spec: { ...(o.volume ? { volumeName: o.volume } : {}), ...(o.class ? { storageClassName: o.class } : {}) },
          status: { phase: 'bound' in o ? 'Bound' : 'Pending' },
        });
        this.sched.onClusterEvent({ resource: 'PersistentVolumeClaim', actionType: ActionType.Add });
        return this.queueState();
      }
      case 'add-pv': {
        // NAME [zone=Z]: a volume usable only in zone Z
        const o = Object.fromEntries(kv(args));
        const required = o.zone ? { nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: [o.zone] }] }] } : undefined;
        const pv = { metadata: { name }, spec: required ? { nodeAffinity: { required } } : {} };
        this.cluster.addObject('PersistentVolume', pv);
        this.sched.onClusterEvent({ resource: 'PersistentVolume', actionType: ActionType.Add }, undefined, pv);
        return this.queueState();
      }
      case 'queue':
        return this.queueState();
      case 'events': {
        const out = this.cluster.events.slice(this.seenEvents).map((e) => `${e.type} ${e.reason} ${e.regarding.namespace}/${e.regarding.name}: ${e.note}`);
        this.seenEvents = this.cluster.events.length;
        return out.join('\n');
      }
      case 'explain':
        return this.explain(`uid-default-${name}`);
      default:
        throw new Error(`unknown command ${verb}`);
    }
  }

  private queueState(): string {
    const p = this.sched.queue.pendingPods();
    const f = (l: string[]) => `[${l.map((k) => k.replace(/^default\//, '')).join(' ')}]`;
    return `queue: active=${f(p.active)} backoff=${f(p.backoff)} unschedulable=${f(p.unschedulable.sort())}`;
  }

  private explain(uid: string): string {
    const e = this.sched.explain(uid);
    if (!e) return 'no explanation';
    const lines = [`attempt ${e.attempt}: ${e.outcome}${e.selectedNode ? ` on ${e.selectedNode}` : ''}${e.message ? `: ${e.message}` : ''}`];
    if (e.nominatedNode) lines.push(`  nominated to ${e.nominatedNode}`);
    for (const f of e.filters) {
      const failed = f.plugins.filter((p) => p.code !== 'Success' && p.code !== 'Skip');
      lines.push(`  ${f.node}: ${f.feasible ? 'feasible' : failed.map((p) => `${p.plugin}=${p.code}(${p.reasons.join('; ')})`).join(' ')}`);
    }
    for (const s of e.scores) lines.push(`  score ${s.node}: ${s.plugins.map((p) => `${p.plugin}=${p.score}x${p.weight}`).join(' ')} total=${s.total}`);
    return lines.join('\n');
  }
}

interface Block {
  cmd: string;
  expected: string;
}

function parseFile(text: string): Block[] {
  const blocks: Block[] = [];
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length) {
    if (lines[i]!.trim() === '' || lines[i]!.startsWith('#')) {
      i++;
      continue;
    }
    const cmd = lines[i++]!;
    if (lines[i] !== '----') throw new Error(`expected ---- after "${cmd}"`);
    i++;
    const out: string[] = [];
    while (i < lines.length && lines[i] !== '') out.push(lines[i++]!);
    blocks.push({ cmd, expected: out.join('\n') });
  }
  return blocks;
}

for (const file of readdirSync(DIR).filter((f) => f.endsWith('.txt')).sort()) {
  test(`scenario ${file}`, async () => {
    const path = join(DIR, file);
    const text = readFileSync(path, 'utf8');
    const h = new Harness();
    const blocks = parseFile(text);
    const actual: string[] = [];
    for (const b of blocks) actual.push(await h.run(b.cmd));
    if (process.env.REWRITE) {
      const header = text.split('\n').filter((l, i, all) => l.startsWith('#') && all.slice(0, i).every((x) => x.startsWith('#'))).join('\n');
      const body = blocks.map((b, i) => `${b.cmd}\n----\n${actual[i]}`.trimEnd()).join('\n\n');
      writeFileSync(path, `${header ? `${header}\n\n` : ''}${body}\n`);
      return;
    }
    blocks.forEach((b, i) => assert.equal(actual[i], b.expected, `${file}: ${b.cmd}`));
  });
}
