// An informer from @kubernetes/client-node 1.x: initial list, live events, and resuming
// after the API server restarts on the same data.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { generatePki, kubeconfig, startApiServer, type ApiServer } from '../../src/apiserver/index.ts';
import { openStore, type EmbeddedStore } from '../../src/storage/index.ts';

async function waitFor(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('an informer lists, watches, and resumes across an API server restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-informer-'));
  const pki = await generatePki();
  let store: EmbeddedStore | undefined;
  let api: ApiServer | undefined;
  const start = async (port = 0) => {
    store = await openStore({ dir: join(dir, 'store') });
    api = await startApiServer({ store, pki, port });
  };
  const stop = async () => {
    await api?.close();
    await store?.close();
  };
  // The informer restarts itself on errors: it must be stopped even when an assertion fails.
  let stopInformer = async () => {};
  try {
    await start();
    const port = api!.port;
    const cfgPath = join(dir, 'kubeconfig');
    writeFileSync(cfgPath, kubeconfig(pki, api!.url));
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(cfgPath);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const cm = (name: string) => core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name }, data: { v: name } } });
    await cm('before-start');

    const seen: string[] = [];
    const informer = k8s.makeInformer(kc, '/api/v1/namespaces/default/configmaps', () =>
      core.listNamespacedConfigMap({ namespace: 'default' }),
    );
    // Every namespace also holds the cluster's kube-root-ca.crt; only the test's own count.
    const ours = (o: k8s.V1ConfigMap) => o.metadata?.name !== 'kube-root-ca.crt';
    informer.on('add', (o) => ours(o) && seen.push(`add ${o.metadata?.name}`));
    informer.on('update', (o) => ours(o) && seen.push(`update ${o.metadata?.name} ${o.data?.v}`));
    informer.on('delete', (o) => ours(o) && seen.push(`delete ${o.metadata?.name}`));
    let errors = 0;
    let stopped = false;
    stopInformer = async () => {
      stopped = true;
      await informer.stop();
    };
    informer.on('error', () => {
      errors++;
      // client-node leaves restarting to the user, as its docs show.
      if (!stopped) setTimeout(() => void (stopped ? undefined : informer.start().catch(() => {})), 200);
    });
    await informer.start();
    await waitFor(() => seen.includes('add before-start'), 'the initial list');

    await cm('live');
    await core.replaceNamespacedConfigMap({ name: 'live', namespace: 'default', body: { metadata: { name: 'live' }, data: { v: 'changed' } } });
    await core.deleteNamespacedConfigMap({ name: 'before-start', namespace: 'default' });
    await waitFor(() => seen.includes('delete before-start'), 'live events');
    assert.deepEqual(seen, ['add before-start', 'add live', 'update live changed', 'delete before-start']);
    assert.deepEqual(informer.list().filter(ours).map((o) => o.metadata?.name).sort(), ['live']);

    // Restart the server on the same port and data; the informer reconnects by itself.
    await stop();
    await start(port);
    await cm('after-restart');
    await waitFor(() => seen.includes('add after-restart'), 'an event after the restart', 20_000);
    assert.ok(errors >= 1, 'the informer noticed the restart');
    assert.deepEqual(informer.list().filter(ours).map((o) => o.metadata?.name).sort(), ['after-restart', 'live']);
  } finally {
    await stopInformer();
    await stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
