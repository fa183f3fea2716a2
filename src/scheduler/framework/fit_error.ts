// Why a pod fits nowhere: the status of every rejected node (and one shared status for nodes
// never evaluated), and upstream's FitError message, "0/N nodes are available: <prefilter>.
// <counted reasons, sorted>. <postfilter>".

import { Code, Status } from './status.ts';
import type { NodeInfo } from './types.ts';

export class NodeToStatus {
  private readonly map = new Map<string, Status>();
  /** The status of nodes absent from the map (filtered out before Filter ran). */
  absentNodesStatus: Status = new Status(Code.UnschedulableAndUnresolvable);

  get(nodeName: string): Status {
    return this.map.get(nodeName) ?? this.absentNodesStatus;
  }

  set(nodeName: string, s: Status): void {
    this.map.set(nodeName, s);
  }

  /** Number of nodes with an explicit status. */
  len(): number {
    return this.map.size;
  }

  forEachExplicitNode(fn: (nodeName: string, s: Status) => void): void {
    for (const [n, s] of this.map) fn(n, s);
  }

  /** Nodes whose status (explicit or absent) has this code, in `nodes` order. */
  nodesForStatusCode(nodes: readonly NodeInfo[], code: Code): NodeInfo[] {
    const out: NodeInfo[] = [];
    for (const n of nodes) if (this.get(n.name).code === code) out.push(n);
    return out;
  }
}

export interface Diagnosis {
  nodeToStatus: NodeToStatus;
  /** Plugins that returned Unschedulable or UnschedulableAndUnresolvable. */
  unschedulablePlugins: Set<string>;
  /** Plugins that returned Pending. */
  pendingPlugins: Set<string>;
  preFilterMsg: string;
  postFilterMsg: string;
}

export function newDiagnosis(): Diagnosis {
  return { nodeToStatus: new NodeToStatus(), unschedulablePlugins: new Set(), pendingPlugins: new Set(), preFilterMsg: '', postFilterMsg: '' };
}

export function addPluginStatus(d: Diagnosis, s: Status): void {
  if (!s.plugin) return;
  if (s.isRejected()) d.unschedulablePlugins.add(s.plugin);
  if (s.code === Code.Pending) d.pendingPlugins.add(s.plugin);
}

/** Go's sort.Strings: byte order, which is UTF-16 order for the ASCII reasons the scheduler uses. */
function byteSort(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class FitError extends Error {
  constructor(
    readonly podKey: string,
    readonly numAllNodes: number,
    readonly diagnosis: Diagnosis,
  ) {
    // No message argument: Error would define an own `message` that hides the getter below.
    super();
    this.name = 'FitError';
  }

  override get message(): string {
    return formatFitError(this.numAllNodes, this.diagnosis);
  }
}

/** Upstream FitError.Error(). */
export function formatFitError(numAllNodes: number, d: Diagnosis): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (d.preFilterMsg !== '') {
    // The PreFilter rejection applies to every node; counting it per node would repeat it.
    msg += ` ${d.preFilterMsg}.`;
  } else {
    const counts = new Map<string, number>();
    d.nodeToStatus.forEachExplicitNode((_, s) => {
      for (const r of s.allReasons()) counts.set(r, (counts.get(r) ?? 0) + 1);
    });
    const absent = numAllNodes - d.nodeToStatus.len();
    if (absent > 0) {
      for (const r of d.nodeToStatus.absentNodesStatus.allReasons()) counts.set(r, (counts.get(r) ?? 0) + absent);
    }
    const parts: string[] = [];
    for (const [r, n] of counts) parts.push(`${n} ${r}`);
    parts.sort(byteSort);
    if (parts.length > 0) msg += ` ${parts.join(', ')}.`;
  }
  if (d.postFilterMsg !== '') msg += ` ${d.postFilterMsg}`;
  return msg;
}
