// Simulated resource usage, after KWOK's ResourceUsage: rules (data in SimConfig.usage) give
// each container of a running pod a cpu and memory usage, either a quantity or a CEL
// expression. The first rule matching the pod (and the container) wins; containers no rule
// covers use KWOK's default metrics-usage values, 1m cpu and 1Mi memory.
//
// Expressions see:
//   pod           the Pod object
//   node          the Node object (or {} when unknown)
//   container     the container's name
//   now           seconds since the epoch (double)
//   started       when the pod started (status.startTime, else creationTimestamp), seconds since the epoch
//   sinceSeconds  now - started
// and must yield a quantity: a string ('250m'), a number of cores/bytes, or quantity('1Gi').
//   cpu: "sinceSeconds > 60 ? '800m' : '100m'"
//   cpu: "'sim.kubelite.dev/cpu' in pod.metadata.annotations ? pod.metadata.annotations['sim.kubelite.dev/cpu'] : '1m'"
// A value is taken as an expression unless it parses as a quantity.
import { compile, Double, toJs, type Program } from '../api/cel/index.ts';
import { fromLabelSelectorObject, matchesLabels } from '../api/selectors.ts';
import { tryParseQuantity, type Quantity } from '../api/validation/quantity.ts';

type Obj = Record<string, any>;

export interface UsageRule {
  /** A pod label selector (metav1.LabelSelector); absent matches every pod. */
  selector?: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
  namespace?: string;
  /** Container names the rule covers; absent covers all. */
  containers?: string[];
  cpu: string | number;
  memory: string | number;
}

export const DEFAULT_CPU_USAGE = '1m';
export const DEFAULT_MEMORY_USAGE = '1Mi';

const VARIABLES = ['pod', 'node', 'container', 'now', 'started', 'sinceSeconds'];

type Value = { quantity: Quantity } | { program: Program; source: string };

function valueOf(v: string | number, where: string): Value {
  const q = tryParseQuantity(v);
  if (q) return { quantity: q };
  if (typeof v !== 'string') throw new Error(`${where}: must be a quantity or a CEL expression`);
  try {
    return { program: compile(v, { variables: VARIABLES }), source: v };
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  }
}

interface Compiled {
  rule: UsageRule;
  cpu: Value;
  memory: Value;
}

export interface ContainerUsage {
  name: string;
  usage: { cpu: string; memory: string };
}

/** Compiled usage rules; construction fails with the offending rule's index on a bad value. */
export class UsageRules {
  private readonly rules: Compiled[];

  constructor(rules: readonly UsageRule[] = []) {
    this.rules = rules.map((rule, i) => ({ rule, cpu: valueOf(rule.cpu, `usage[${i}].cpu`), memory: valueOf(rule.memory, `usage[${i}].memory`) }));
  }

  private evaluate(v: Value, vars: Record<string, unknown>, what: string): Quantity {
    if ('quantity' in v) return v.quantity;
    const r = v.program.evaluate(vars);
    if ('error' in r) throw new Error(`usage ${what} ${JSON.stringify(v.source)}: ${r.error}`);
    const out = toJs(r.value);
    if (typeof out !== 'string' && typeof out !== 'number') throw new Error(`usage ${what} ${JSON.stringify(v.source)}: expected a quantity, got ${JSON.stringify(out)}`);
    const q = tryParseQuantity(out);
    if (!q) throw new Error(`usage ${what} ${JSON.stringify(v.source)}: not a quantity: ${JSON.stringify(out)}`);
    if (q.sign() < 0) throw new Error(`usage ${what} ${JSON.stringify(v.source)}: negative quantity ${out}`);
    return q;
  }

  /** Each container's usage at `nowMs`; an expression error throws (the caller reports it). */
  podUsage(pod: Obj, node: Obj | undefined, nowMs: number): ContainerUsage[] {
    const startedMs = Date.parse(pod.status?.startTime ?? pod.metadata?.creationTimestamp ?? '') || nowMs;
    const labels = pod.metadata?.labels ?? {};
    const out: ContainerUsage[] = [];
    for (const c of (pod.spec?.containers ?? []) as Obj[]) {
      const match = this.rules.find(
        ({ rule }) =>
          (rule.namespace === undefined || rule.namespace === pod.metadata?.namespace) &&
          (rule.containers === undefined || rule.containers.includes(c.name)) &&
          (!rule.selector || matchesLabels(fromLabelSelectorObject(rule.selector), labels)),
      );
      if (!match) {
        out.push({ name: c.name, usage: { cpu: DEFAULT_CPU_USAGE, memory: DEFAULT_MEMORY_USAGE } });
        continue;
      }
      const vars = {
        pod: { ...pod, metadata: { annotations: {}, labels: {}, ...pod.metadata } },
        node: node ?? {},
        container: c.name,
        now: new Double(nowMs / 1000),
        started: new Double(startedMs / 1000),
        sinceSeconds: new Double((nowMs - startedMs) / 1000),
      };
      out.push({
        name: c.name,
        usage: { cpu: this.evaluate(match.cpu, vars, 'cpu').toString(), memory: this.evaluate(match.memory, vars, 'memory').toString() },
      });
    }
    return out;
  }
}
