// Renders objects as the meta.k8s.io Table kubectl asks for.

import type { ResourceInfo } from '../api/registry.ts';
import type { Obj } from './rest.ts';
import type { Presenter } from './server.ts';

function age(ts: string | undefined, now: number): string {
  if (!ts) return '<unknown>';
  const s = Math.max(0, Math.floor((now - Date.parse(ts)) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60 ? `${s % 60}s` : ''}`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return `${h}h${m % 60 ? `${m % 60}m` : ''}`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  return d < 8 ? `${d}d${h % 24 ? `${h % 24}h` : ''}` : `${d}d`;
}

export const defaultPresenter: Presenter = {
  table(info: ResourceInfo, objects: Obj[], listMeta: Obj, includeObject: string, withColumns: boolean): Obj {
    const now = Date.now();
    return {
      kind: 'Table',
      apiVersion: 'meta.k8s.io/v1',
      metadata: listMeta,
      columnDefinitions: withColumns
        ? [
            { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
            { name: 'Age', type: 'string', format: '', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.', priority: 0 },
          ]
        : [],
      rows: objects.map((o) => ({
        cells: [o.metadata?.name, age(o.metadata?.creationTimestamp, now)],
        ...(includeObject === 'None'
          ? {}
          : {
              object:
                includeObject === 'Object'
                  ? o
                  : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
            }),
      })),
    };
  },
};
