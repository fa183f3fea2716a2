// DefaultBinder: writes the binding through the cluster API (pods/binding).

import type { CycleState } from '../framework/cycle_state.ts';
import type { BindPlugin, Handle } from '../framework/interfaces.ts';
import { Status, type Result } from '../framework/status.ts';
import type { PodInfo } from '../framework/types.ts';
import { Names } from './names.ts';

export class DefaultBinder implements BindPlugin {
  readonly name = Names.DefaultBinder;

  constructor(private readonly handle: Pick<Handle, 'cluster'>) {}

  async bind(_state: CycleState, pod: PodInfo, nodeName: string): Promise<Result> {
    try {
      await this.handle.cluster.bind({ namespace: pod.namespace, name: pod.name, uid: pod.uid, nodeName });
      return null;
    } catch (err) {
      return Status.error(err instanceof Error ? err : new Error(String(err)));
    }
  }
}
