import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ResourceRegistry } from '../api/registry.ts';
import { openStore } from '../storage/index.ts';
import { ManualClock } from '../util/clock.ts';
import { ResourceStore, spliceResourceVersion } from './rest.ts';

test('spliceResourceVersion puts the revision into stored JSON, with or without other metadata', () => {
  assert.equal(spliceResourceVersion('{"metadata":{"name":"a"},"data":{}}', 7), '{"metadata":{"resourceVersion":"7","name":"a"},"data":{}}');
  assert.equal(spliceResourceVersion('{"metadata":{},"x":1}', 9), '{"metadata":{"resourceVersion":"9"},"x":1}');
  assert.equal(spliceResourceVersion('{"apiVersion":"v1","metadata":{}}', 9), undefined, 'older stored form: parse instead');
});

test('the spliced list is the parsed list, item for item', async () => {
  const store = await openStore({});
  const rest = new ResourceStore(store, new ManualClock(1_700_000_000_000));
  const info = new ResourceRegistry().get('', 'v1', 'configmaps')!;
  for (let i = 0; i < 25; i++) await rest.create(info, 'ns', { metadata: { name: `cm-${i}`, labels: { i: String(i) } }, data: { v: String(i) } });
  for (const opts of [{}, { limit: 10 }]) {
    const parsed = await rest.list(info, 'ns', opts);
    const raw = await rest.listJson(info, 'ns', opts);
    assert.ok(raw);
    assert.deepEqual(raw.items.map((parts) => JSON.parse(Buffer.concat(parts).toString('utf8'))), parsed.items);
    assert.equal(raw.continue, parsed.continue);
    assert.equal(raw.resourceVersion, parsed.resourceVersion);
  }
  assert.equal(await rest.listJson(info, 'ns', { labelSelector: 'i=1' }), undefined, 'selectors take the parsing path');
  await store.close();
});
