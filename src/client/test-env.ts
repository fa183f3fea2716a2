// A real API server on a memory store for this folder's tests, and the client talking to it.
import { generatePki, kubeconfig, startApiServer, type ApiServer, type Pki } from '../apiserver/index.ts';
import { openStore, type EmbeddedStore } from '../storage/index.ts';
import { Client } from './client.ts';

export interface TestEnv {
  store: EmbeddedStore;
  pki: Pki;
  api: ApiServer;
  kubeconfig: string;
  client: Client;
  /** A new client (its own connection pool) as the admin. */
  newClient(userAgent?: string): Client;
  /** Stops the API server and starts a new one on the same store and port. */
  restart(between?: () => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

/** builtinControllers: false gives an API server that, like upstream's, leaves background work to a controller manager. */
export async function startEnv(o: { bookmarkEveryMs?: number; tokenAuthFile?: string; builtinControllers?: boolean } = {}): Promise<TestEnv> {
  const store = await openStore({});
  const pki = await generatePki();
  const opts = { store, pki, ...(o.bookmarkEveryMs ? { bookmarkEveryMs: o.bookmarkEveryMs } : {}), ...(o.tokenAuthFile ? { tokenAuthFile: o.tokenAuthFile } : {}), ...(o.builtinControllers === false ? { builtinControllers: false } : {}) };
  const api = await startApiServer({ ...opts, port: 0 });
  const cfg = kubeconfig(pki, api.url);
  const clients: Client[] = [];
  const newClient = (userAgent?: string) => {
    const c = Client.fromKubeconfig(cfg, userAgent ? { userAgent } : {});
    clients.push(c);
    return c;
  };
  const env: TestEnv = {
    store,
    pki,
    api,
    kubeconfig: cfg,
    client: newClient(),
    newClient,
    async restart(between) {
      const port = env.api.port;
      await env.api.close();
      await between?.();
      env.api = await startApiServer({ ...opts, port });
    },
    async close() {
      for (const c of clients) c.close();
      await env.api.close();
      await store.close();
    },
  };
  return env;
}

/** Polls until `check` holds (real time), or fails after `ms`. */
export async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
