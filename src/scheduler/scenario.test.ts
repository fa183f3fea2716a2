// Scripted scenarios, replayed deterministically (etcd-io/raft's datadriven style): each file in
// testdata/ is a list of blocks "command\n----\nexpected output", separated by blank lines. The
// clock is a ManualClock that only `advance` moves; ties between nodes keep the first node.
// Run with REWRITE=1 to regenerate the expected outputs after an intended change.

import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Obj } from '../apiserver/rest.ts';
import { ManualClock } from '../util/clock.ts';
import { Scheduler } from './scheduler.ts';
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
  for (const [k, v] of kv(args)) {
    if (k === 'priority') p.priority = Number(v);
    else if (k === 'gate') p.gates = [...(p.gates ?? []), v];
    else if (k === 'toleration') p.tolerations = [...(p.tolerations ?? []), { key: v, operator: 'Exists' }];
    else if (k === 'scheduler') p.schedulerName = v;
    else if (k === 'nodeSelector') {
      const [sk, sv] = v.split('=') as [string, string];
      p.nodeSelector = { ...p.nodeSelector, [sk]: sv };
    } else if (k === 'port') p.hostPorts = [...(p.hostPorts ?? []), { port: Number(v) }];
    else p.req![k] = v;
  }
  return p;
}

class Harness {
  clock = new ManualClock(1_700_000_000_000);
  cluster = new FakeCluster();
  sched!: Scheduler;
  pods = new Map<string, Obj>();
  nodes = new Map<string, Obj>();
  seenEvents = 0;

  init(args: string[]): void {
    const opts = Object.fromEntries(kv(args));
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
        }
        lines.push(this.queueState());
        return lines.join('\n');
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
