// Test support shared by the serviceaccount, rootcacert, resourcequota and certificates
// controller tests: an API server without built-in background work, one controller built
// directly on a ManualClock, reading as the controller manager and writing as the given
// identity (its per-controller ServiceAccount, so RBAC gaps show up as test failures).
import { issueClientCertificate } from '../../apiserver/index.ts';
import { Client, SharedInformerFactory } from '../../client/index.ts';
import { startEnv, type TestEnv } from '../../client/test-env.ts';
import { ManualClock } from '../../util/clock.ts';
import type { Controller } from '../controller.ts';

export interface HarnessContext {
  /** Writes as `account` (or the controller manager itself when account is absent). */
  client: Client;
  factory: SharedInformerFactory;
  clock: ManualClock;
  onError: (key: string, err: unknown) => void;
  env: TestEnv;
}

export interface Harness<C extends Controller> {
  env: TestEnv;
  /** Admin. */
  client: Client;
  clock: ManualClock;
  controller: C;
  errors: unknown[];
  close(): Promise<void>;
}

const CONTROLLER_MANAGER = 'CN=system:kube-controller-manager';

export async function clientAs(env: TestEnv, subject: string): Promise<Client> {
  return new Client({ server: env.api.url, ca: env.pki.ca.cert, ...(await issueClientCertificate(env.pki.ca, subject)) });
}

export async function startHarness<C extends Controller>(make: (ctx: HarnessContext) => C, o: { account?: string; workers?: number } = {}): Promise<Harness<C>> {
  const env = await startEnv({ builtinControllers: false });
  const clock = new ManualClock(Date.now());
  const errors: unknown[] = [];
  const reader = await clientAs(env, CONTROLLER_MANAGER);
  const writer = o.account
    ? await clientAs(env, `CN=system:serviceaccount:kube-system:${o.account}, O=system:serviceaccounts, O=system:serviceaccounts:kube-system`)
    : reader;
  const factory = new SharedInformerFactory(reader, { clock });
  const controller = make({ client: writer, factory, clock, onError: (_k, e) => errors.push(e), env });
  factory.start();
  const ac = new AbortController();
  if (!(await factory.waitForCacheSync(ac.signal))) throw new Error('caches did not sync');
  const running = controller.run(o.workers ?? 2, ac.signal);
  return {
    env,
    client: env.client,
    clock,
    controller,
    errors,
    async close() {
      ac.abort();
      await running;
      await factory.shutdown();
      reader.close();
      writer.close();
      await env.close();
    },
  };
}
