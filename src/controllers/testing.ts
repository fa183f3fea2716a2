// Test support for controller tests: a real API server, the controller manager on a ManualClock,
// and what the missing kubelet would do (pods becoming ready).
import { resources, type Client } from '../client/index.ts';
import { startEnv, type TestEnv } from '../client/test-env.ts';
import { rfc3339 } from '../client/timing.ts';
import { ManualClock } from '../util/clock.ts';
import { startControllerManager, type RunningControllerManager } from './manager.ts';
import { isPodActive, isPodReady } from './util.ts';

type Obj = Record<string, any>;

export interface ControllerTestEnv {
  env: TestEnv;
  client: Client;
  clock: ManualClock;
  cm: RunningControllerManager;
  errors: unknown[];
  close(): Promise<void>;
}

export async function startControllerTestEnv(controllers?: string[]): Promise<ControllerTestEnv> {
  const env = await startEnv();
  const clock = new ManualClock(Date.now());
  const errors: unknown[] = [];
  let cm: RunningControllerManager;
  try {
    cm = await startControllerManager({ client: env.newClient('controller-manager'), clock, ...(controllers ? { controllers } : {}), onError: (_k, e) => errors.push(e) });
  } catch (err) {
    await env.close();
    throw err;
  }
  return {
    env,
    client: env.client,
    clock,
    cm,
    errors,
    async close() {
      await cm.stop();
      await env.close();
    },
  };
}

/** Polls (real time) until `check` resolves truthy, returning its value. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function activePods(client: Client, labelSelector: string, ns = 'default'): Promise<Obj[]> {
  const list = await client.list(resources.pods, ns, { labelSelector });
  return list.items.filter(isPodActive);
}

/** What a kubelet would report for a running pod that passed its readiness probe. */
export async function markReady(client: Client, pod: Obj, at: number): Promise<void> {
  await client.patch(resources.pods, pod.metadata.namespace, pod.metadata.name, 'merge', {
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339(at) }] },
  }, { subresource: 'status' });
}

export async function markAllReady(client: Client, labelSelector: string, at: number): Promise<number> {
  const pods = (await activePods(client, labelSelector)).filter((p) => !isPodReady(p));
  await Promise.all(pods.map((p) => markReady(client, p, at)));
  return pods.length;
}

export const podTemplate = (labels: Record<string, string>, image = 'nginx:1.25') => ({
  metadata: { labels },
  spec: { containers: [{ name: 'c', image }] },
});
