// Admission: an ordered chain of small named plugins, run after authentication and
// authorization and before storage, as kube-apiserver's admission chain. Mutating plugins
// (`admit`) may change the object; every plugin may refuse with a Status error.

import type { ResourceInfo } from '../../api/registry.ts';
import type { UserInfo } from '../authn.ts';
import type { Obj } from '../rest.ts';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE';

export interface AdmissionAttributes {
  info: ResourceInfo;
  operation: Operation;
  /** The object being written (mutable in `admit`); absent for DELETE. */
  object?: Obj;
  namespace?: string;
  name?: string;
  subresource?: string;
  user: UserInfo;
  dryRun: boolean;
}

export interface AdmissionPlugin {
  readonly name: string;
  admit?(a: AdmissionAttributes): Promise<void>;
}

export class AdmissionChain {
  constructor(readonly plugins: readonly AdmissionPlugin[]) {}

  async admit(a: AdmissionAttributes): Promise<void> {
    for (const p of this.plugins) await p.admit?.(a);
  }
}
