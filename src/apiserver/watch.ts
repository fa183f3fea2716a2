// Kubernetes watch events from the store's watch: ADDED / MODIFIED / DELETED with selector
// transitions (an object that stops matching is DELETED for that watcher), BOOKMARKs, initial
// events (`sendInitialEvents`, ending with the `k8s.io/initial-events-end` bookmark, which
// client-go 1.35 informers wait for), and 410 ERROR events when history is gone.

import { StatusError, badRequest, gone } from '../api/errors.ts';
import type { ResourceInfo } from '../api/registry.ts';
import { groupVersion } from '../api/registry.ts';
import { CompactedError, type KeyValue } from '../storage/index.ts';
import type { Obj, ResourceStore } from './rest.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface ObjectEvent {
  type: WatchEventType;
  object: Obj;
}

export interface WatchParams {
  resourceVersion?: string;
  resourceVersionMatch?: string;
  sendInitialEvents?: boolean;
  allowWatchBookmarks?: boolean;
  labelSelector?: string;
  fieldSelector?: string;
  /** Interval between progress bookmarks. */
  bookmarkEveryMs?: number;
}

function bookmark(info: ResourceInfo, rv: number, initialEnd = false): ObjectEvent {
  const metadata: Obj = { resourceVersion: String(rv) };
  if (initialEnd) metadata.annotations = { 'k8s.io/initial-events-end': 'true' };
  return { type: 'BOOKMARK', object: { kind: info.kind, apiVersion: groupVersion(info), metadata } };
}

function errorEvent(err: StatusError): ObjectEvent {
  return { type: 'ERROR', object: err.toStatus() };
}

/**
 * Events for one watch request. Ends when `signal` aborts; a too-old resourceVersion ends it
 * with one ERROR event (410), as upstream streams it.
 */
export async function* watchEvents(
  rs: ResourceStore,
  info: ResourceInfo,
  namespace: string | undefined,
  params: WatchParams,
  signal: AbortSignal,
): AsyncGenerator<ObjectEvent> {
  const sel = rs.selectors(info, params);
  const prefix = rs.prefix(info, namespace);
  const rvParam = params.resourceVersion ?? '';
  if (rvParam !== '' && !/^\d+$/.test(rvParam)) throw badRequest(`invalid resource version: ${JSON.stringify(rvParam)}`);
  if (params.sendInitialEvents !== undefined && params.resourceVersionMatch !== 'NotOlderThan') {
    throw badRequest(
      "sendInitialEvents is forbidden for watch unless resourceVersionMatch is set to NotOlderThan",
    );
  }
  const initial = params.sendInitialEvents ?? (rvParam === '' || rvParam === '0');

  let start: number;
  if (initial) {
    // The current state as ADDED events, then changes after it.
    const list = await rs.list(info, namespace, {
      ...(params.labelSelector ? { labelSelector: params.labelSelector } : {}),
      ...(params.fieldSelector ? { fieldSelector: params.fieldSelector } : {}),
    });
    const rv = Number(list.resourceVersion);
    for (const item of list.items) yield { type: 'ADDED', object: item };
    if (params.sendInitialEvents && params.allowWatchBookmarks) yield bookmark(info, rv, true);
    start = rv + 1;
  } else {
    start = Number(rvParam) + 1;
  }

  const w = rs.store.watch(prefix, { prefix: true, startRevision: start, prevKv: true });
  const onAbort = () => w.cancel();
  signal.addEventListener('abort', onAbort, { once: true });
  const timer =
    params.allowWatchBookmarks && params.bookmarkEveryMs
      ? setInterval(() => w.requestProgress(), params.bookmarkEveryMs)
      : undefined;
  timer?.unref();
  const decode = (kv: KeyValue) => rs.decode(info, kv);
  try {
    for await (const resp of w) {
      if (resp.events.length === 0) {
        if (params.allowWatchBookmarks) yield bookmark(info, resp.revision);
        continue;
      }
      for (const e of resp.events) {
        const prev = e.prevKv ? decode(e.prevKv) : undefined;
        const prevMatched = prev !== undefined && rs.matches(info, sel, prev);
        if (e.type === 'delete') {
          if (!prev || !prevMatched) continue;
          prev.metadata.resourceVersion = String(e.kv.modRevision);
          yield { type: 'DELETED', object: prev };
          continue;
        }
        const obj = decode(e.kv);
        const matched = rs.matches(info, sel, obj);
        if (matched) yield { type: prevMatched ? 'MODIFIED' : 'ADDED', object: obj };
        else if (prevMatched) yield { type: 'DELETED', object: obj };
      }
    }
  } catch (err) {
    if (err instanceof CompactedError) {
      yield errorEvent(gone(`too old resource version: ${rvParam || start - 1} (${err.compactRevision})`));
      return;
    }
    if (signal.aborted) return;
    throw err;
  } finally {
    if (timer) clearInterval(timer);
    signal.removeEventListener('abort', onAbort);
    w.cancel();
  }
}
