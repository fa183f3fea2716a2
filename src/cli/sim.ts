// `kubelite sim nodes`: runs simulated nodes against a cluster until interrupted, and
// `kubelite explain pod`: prints why the scheduler put a pod where it did.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Client, isNotFound, resources } from '../client/index.ts';
import { EXPLANATION_ANNOTATION, renderExplanation, type CompactExplanation } from '../scheduler/explain-format.ts';
import { SimNodes, parseSimConfig, type SimConfig, type SimNodeGroup } from '../sim/nodes.ts';

export function kubeconfigPath(flag: string | undefined): string {
  return flag ?? process.env['KUBECONFIG']?.split(':')[0] ?? join(homedir(), '.kubelite', 'kubeconfig');
}

export interface SimNodesOptions {
  kubeconfig?: string;
  config?: string;
  count: number;
  prefix: string;
  capacity: Record<string, string>;
  labels: string[];
  taints: string[];
  podReadyMs?: number;
  log?: (line: string) => void;
  /** Resolves when the simulator should stop (SIGINT/SIGTERM by default). */
  until?: Promise<unknown>;
}

/** `key=value:Effect` or `key:Effect`, as `kubectl taint` writes taints. */
export function parseTaint(s: string): NonNullable<SimNodeGroup['taints']>[number] {
  const m = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(s);
  if (!m) throw new Error(`invalid taint ${JSON.stringify(s)}: want key[=value]:NoSchedule|PreferNoSchedule|NoExecute`);
  return { key: m[1]!, ...(m[2] !== undefined ? { value: m[2] } : {}), effect: m[3] as 'NoSchedule' };
}

export function parseLabel(s: string): [string, string] {
  const i = s.indexOf('=');
  if (i <= 0) throw new Error(`invalid label ${JSON.stringify(s)}: want key=value`);
  return [s.slice(0, i), s.slice(i + 1)];
}

export async function simNodes(o: SimNodesOptions): Promise<void> {
  const log = o.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const config: SimConfig = o.config
    ? parseSimConfig(await readFile(o.config, 'utf8'))
    : {
        nodes: [{ prefix: o.prefix, count: o.count, capacity: o.capacity, labels: Object.fromEntries(o.labels.map(parseLabel)), taints: o.taints.map(parseTaint) }],
        ...(o.podReadyMs !== undefined ? { podReadyMs: o.podReadyMs } : {}),
      };
  const client = Client.fromKubeconfig(kubeconfigPath(o.kubeconfig), { userAgent: 'kubelite-sim' });
  const sim = new SimNodes({ client, config, reportMetricsToApi: true, onError: (err) => log(`kubelite sim: ${(err as Error).message}`) });
  const started = performance.now();
  await sim.start();
  log(`kubelite sim: ${sim.nodeNames().length} simulated nodes running (${(performance.now() - started).toFixed(0)} ms); Ctrl-C removes them`);
  await (o.until ?? new Promise((resolve) => ['SIGINT', 'SIGTERM'].forEach((s) => process.once(s, resolve))));
  await sim.remove();
  client.close();
  log('kubelite sim: stopped, simulated nodes removed');
}

export async function explainPod(name: string, o: { namespace?: string; kubeconfig?: string; json?: boolean }): Promise<string> {
  const client = Client.fromKubeconfig(kubeconfigPath(o.kubeconfig), { userAgent: 'kubelite-explain' });
  const ns = o.namespace ?? client.namespace ?? 'default';
  try {
    const pod = await client.get(resources.pods, ns, name).catch((err: unknown) => {
      if (isNotFound(err)) throw new Error(`pods "${name}" not found in namespace "${ns}"`);
      throw err;
    });
    // A scheduled pod carries its explanation; an unschedulable one's is on its newest FailedScheduling event.
    let text: string | undefined = pod.spec?.nodeName ? pod.metadata?.annotations?.[EXPLANATION_ANNOTATION] : undefined;
    if (!text) {
      const events = await client.list(resources.events, ns, { fieldSelector: `involvedObject.uid=${pod.metadata.uid},reason=FailedScheduling` });
      const newest = events.items
        .filter((e) => e.metadata?.annotations?.[EXPLANATION_ANNOTATION])
        .sort((a, b) => String(b.lastTimestamp ?? b.eventTime ?? '').localeCompare(String(a.lastTimestamp ?? a.eventTime ?? '')))[0];
      text = newest?.metadata.annotations[EXPLANATION_ANNOTATION] ?? pod.metadata?.annotations?.[EXPLANATION_ANNOTATION];
    }
    if (!text) throw new Error(`pod ${ns}/${name} has no scheduling explanation yet (it has not been through a scheduling attempt of kubelite's scheduler)`);
    const e = JSON.parse(text) as CompactExplanation;
    return o.json ? JSON.stringify(e, null, 2) + '\n' : renderExplanation(e);
  } finally {
    client.close();
  }
}
