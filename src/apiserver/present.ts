// Renders objects as the meta.k8s.io Table kubectl asks for, with the columns upstream's
// printers give each kind (src/api/table).
import { toTable } from '../api/table/index.ts';
import type { ResourceInfo } from '../api/registry.ts';
import type { Obj } from './rest.ts';
import type { Presenter } from './server.ts';

export function tablePresenter(now: () => number = Date.now): Presenter {
  return {
    table(info: ResourceInfo, objects: Obj[], listMeta: Obj, includeObject: string, withColumns: boolean): Obj {
      const t = toTable(info.group, info.kind, objects, new Date(now()), {
        includeObject: includeObject === 'None' || includeObject === 'Object' ? includeObject : 'Metadata',
        ...(listMeta.resourceVersion !== undefined ? { resourceVersion: listMeta.resourceVersion } : {}),
        ...(listMeta.continue ? { continue: listMeta.continue } : {}),
        ...(listMeta.remainingItemCount !== undefined ? { remainingItemCount: listMeta.remainingItemCount } : {}),
        ...(info.printerColumns ? { printerColumns: info.printerColumns } : {}),
      }) as unknown as Obj;
      // A watch sends the column definitions with its first event only, as upstream does.
      if (!withColumns) t.columnDefinitions = [];
      return t;
    },
  };
}
