// Admission: an ordered chain of small named plugins, run after authentication and
// authorization and before storage, as kube-apiserver's admission chain. The mutating phase
// (`admit`) runs first and may change the object; the validating phase (`validate`) runs after
// the object has been defaulted and validated, just before it is stored, and may only refuse.
// Any plugin refuses by throwing a Status error.

import type { ResourceInfo } from '../../api/registry.ts';
import type { UserInfo } from '../authn.ts';
import type { Obj } from '../rest.ts';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE';

export interface AdmissionAttributes {
  info: ResourceInfo;
  operation: Operation;
  /** The object being written (mutable in `admit`); absent for DELETE. */
  object?: Obj;
  /** The stored object an UPDATE or DELETE acts on. */
  oldObject?: Obj;
  namespace?: string;
  name?: string;
  subresource?: string;
  user: UserInfo;
  dryRun: boolean;
  /** The request's CreateOptions, UpdateOptions or DeleteOptions, as webhooks are sent them. */
  options?: Obj;
  /** Warnings for the client (`Warning:` headers), added to by plugins. */
  warnings: string[];
  /** Audit annotations plugins attach to the request's audit event. */
  annotations: Record<string, string>;
}

export interface AdmissionPlugin {
  readonly name: string;
  admit?(a: AdmissionAttributes): Promise<void>;
  validate?(a: AdmissionAttributes): Promise<void>;
}

export class AdmissionChain {
  private readonly mutating: AdmissionPlugin[];
  private readonly validating: AdmissionPlugin[];

  constructor(readonly plugins: readonly AdmissionPlugin[]) {
    this.mutating = plugins.filter((p) => p.admit);
    this.validating = plugins.filter((p) => p.validate);
  }

  async admit(a: AdmissionAttributes): Promise<void> {
    for (const p of this.mutating) await p.admit!(a);
  }

  async validate(a: AdmissionAttributes): Promise<void> {
    for (const p of this.validating) await p.validate!(a);
  }
}

/** `pods "x"` or `deployments.apps "x"`: how upstream names the object in a Forbidden message. */
export function qualifiedName(info: ResourceInfo, name: string | undefined): string {
  return `${info.group ? `${info.resource}.${info.group}` : info.resource} "${name ?? ''}"`;
}

export function isPod(a: AdmissionAttributes): boolean {
  return a.info.group === '' && a.info.kind === 'Pod';
}
