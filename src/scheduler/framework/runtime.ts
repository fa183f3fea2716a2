// The framework of one profile (upstream frameworkImpl): builds the plugins named by the
// profile from the registry, expands MultiPoint into the extension points each plugin
// implements, and runs each extension point with upstream's rules (first rejection wins in
// Filter, PreFilter Skip disables the Filter, weights apply after NormalizeScore, ...).

import type { Obj } from '../../apiserver/rest.ts';
import type { Clock, Timer } from '../../util/clock.ts';
import { ConfigError, EXTENSION_POINTS, type ExtensionPoint, type PluginRef, type ProfileConfig } from './config.ts';
import type { CycleState } from './cycle_state.ts';
import { ActionType, type ClusterEvent, type QueueingHintFn } from './events.ts';
import type { NodeToStatus } from './fit_error.ts';
import { MAX_NODE_SCORE, MIN_NODE_SCORE } from './helpers.ts';
import {
  DEFAULT_FEATURES,
  PreFilterResult,
  isBind,
  isEnqueueExtensions,
  isFilter,
  isPermit,
  isPostBind,
  isPostFilter,
  isPreBind,
  isPreEnqueue,
  isPreFilter,
  isPreScore,
  isQueueSort,
  isReserve,
  isScore,
  type BindPlugin,
  type ClusterAPI,
  type Features,
  type FilterPlugin,
  type Handle,
  type PermitPlugin,
  type Plugin,
  type PodNominator,
  type PostBindPlugin,
  type PostFilterPlugin,
  type PostFilterResult,
  type PreBindPlugin,
  type PreEnqueuePlugin,
  type PreFilterPlugin,
  type PreScorePlugin,
  type QueueSortPlugin,
  type QueuedPodInfo,
  type ReservePlugin,
  type ScorePlugin,
  type SharedLister,
  type WaitingPod,
} from './interfaces.ts';
import { Parallelizer } from './parallelize.ts';
import type { Registry } from './registry.ts';
import { Code, Status, asErrorStatus, isSuccess, type Result } from './status.ts';
import type { NodeInfo, PodInfo } from './types.ts';

/** Upstream caps Permit waits at 15 minutes. */
const MAX_PERMIT_TIMEOUT_MS = 15 * 60 * 1000;

export interface FrameworkOptions {
  profile: ProfileConfig;
  registry: Registry;
  clock: Clock;
  cluster: ClusterAPI;
  snapshot: SharedLister;
  nominator: PodNominator;
  /** Global percentageOfNodesToScore, used when the profile has none. */
  percentageOfNodesToScore?: number;
  features?: Partial<Features>;
  parallelism?: number;
  /** Moves pods to activeQ (PodsToActivate). */
  activate?: (pods: Obj[]) => void;
}

/** A plugin's interest in an event, for the queue's hint map. */
export interface RegisteredEvent {
  plugin: string;
  event: ClusterEvent;
  hint: QueueingHintFn | undefined;
}

/** Scores of the feasible nodes: per plugin the normalized score (0-100) and its weight. */
export interface ScoreResult {
  plugins: string[];
  weights: number[];
  /** scores[p][n]: plugin p's normalized score for node n. */
  scores: Float64Array[];
  /** totals[n]: sum over plugins of score * weight. */
  totals: Float64Array;
}

function goDuration(ms: number): string {
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

class WaitingPodImpl implements WaitingPod {
  private readonly timers = new Map<string, Timer>();
  private settle!: (s: Result) => void;
  readonly done: Promise<Result>;
  private settled = false;

  constructor(
    readonly pod: PodInfo,
    waits: Map<string, number>,
    clock: Clock,
  ) {
    this.done = new Promise((resolve) => (this.settle = resolve));
    for (const [plugin, ms] of waits) {
      this.timers.set(
        plugin,
        clock.setTimeout(() => this.reject(plugin, `rejected due to timeout after waiting ${goDuration(ms)} at plugin ${plugin}`), ms),
      );
    }
  }

  pendingPlugins(): string[] {
    return [...this.timers.keys()];
  }

  allow(plugin: string): void {
    const t = this.timers.get(plugin);
    if (!t || this.settled) return;
    t.cancel();
    this.timers.delete(plugin);
    if (this.timers.size === 0) this.finish(null);
  }

  reject(plugin: string, message: string): void {
    if (this.settled) return;
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
    this.finish(Status.unschedulable(message).withPlugin(plugin));
  }

  private finish(s: Result): void {
    this.settled = true;
    this.settle(s);
  }
}

export class Framework implements Handle {
  readonly profileName: string;
  readonly profile: ProfileConfig;
  readonly clock: Clock;
  readonly cluster: ClusterAPI;
  readonly features: Features;
  readonly parallelism: number;
  readonly parallelizer: Parallelizer;
  readonly percentageOfNodesToScore: number | undefined;
  /** Instantiated plugins by name. */
  readonly plugins = new Map<string, Plugin>();
  /** Default plugins the registry does not provide (yet); skipped rather than failing. */
  readonly missingDefaultPlugins: string[] = [];

  preEnqueuePlugins: PreEnqueuePlugin[] = [];
  queueSortPlugins: QueueSortPlugin[] = [];
  preFilterPlugins: PreFilterPlugin[] = [];
  filterPlugins: FilterPlugin[] = [];
  postFilterPlugins: PostFilterPlugin[] = [];
  preScorePlugins: PreScorePlugin[] = [];
  scorePlugins: ScorePlugin[] = [];
  reservePlugins: ReservePlugin[] = [];
  permitPlugins: PermitPlugin[] = [];
  preBindPlugins: PreBindPlugin[] = [];
  bindPlugins: BindPlugin[] = [];
  postBindPlugins: PostBindPlugin[] = [];
  /** Score plugin name -> weight. */
  readonly scoreWeights = new Map<string, number>();

  private readonly snapshot: SharedLister;
  private readonly nominator: PodNominator;
  private readonly waitingPods = new Map<string, WaitingPodImpl>();
  private lastFilterSkip: ReadonlySet<string> | undefined;
  private lastActiveFilters: FilterPlugin[] = [];
  private readonly activateFn: ((pods: Obj[]) => void) | undefined;

  constructor(opts: FrameworkOptions) {
    this.profile = opts.profile;
    this.profileName = opts.profile.schedulerName;
    this.clock = opts.clock;
    this.cluster = opts.cluster;
    this.features = { ...DEFAULT_FEATURES, ...opts.features };
    this.parallelism = opts.parallelism ?? 16;
    this.parallelizer = new Parallelizer(this.parallelism);
    this.percentageOfNodesToScore = opts.profile.percentageOfNodesToScore ?? opts.percentageOfNodesToScore;
    this.snapshot = opts.snapshot;
    this.nominator = opts.nominator;
    this.activateFn = opts.activate;
    this.build(opts.registry);
  }

  // ---- construction ----

  private build(registry: Registry): void {
    const p = this.profile.plugins;
    const needed = new Map<string, PluginRef>();
    for (const key of ['multiPoint', ...EXTENSION_POINTS] as const) {
      for (const ref of p[key].enabled) {
        const prev = needed.get(ref.name);
        // A plugin is optional only if every mention of it is a default.
        needed.set(ref.name, prev && !prev.fromDefault ? prev : ref);
      }
    }
    for (const [name, ref] of needed) {
      const factory = registry.get(name);
      if (!factory) {
        if (ref.fromDefault) {
          this.missingDefaultPlugins.push(name);
          continue;
        }
        throw new ConfigError([`profile ${JSON.stringify(this.profileName)}: plugin ${JSON.stringify(name)} does not exist`]);
      }
      const plugin = factory(this.profile.pluginConfig.get(name), this);
      if (plugin.name !== name) throw new ConfigError([`plugin registered as ${JSON.stringify(name)} calls itself ${JSON.stringify(plugin.name)}`]);
      this.plugins.set(name, plugin);
    }

    const lists = {} as Record<ExtensionPoint, Plugin[]>;
    for (const point of EXTENSION_POINTS) lists[point] = this.expand(point);
    this.preEnqueuePlugins = lists.preEnqueue as PreEnqueuePlugin[];
    this.queueSortPlugins = lists.queueSort as QueueSortPlugin[];
    this.preFilterPlugins = lists.preFilter as PreFilterPlugin[];
    this.filterPlugins = lists.filter as FilterPlugin[];
    this.postFilterPlugins = lists.postFilter as PostFilterPlugin[];
    this.preScorePlugins = lists.preScore as PreScorePlugin[];
    this.scorePlugins = lists.score as ScorePlugin[];
    this.reservePlugins = lists.reserve as ReservePlugin[];
    this.permitPlugins = lists.permit as PermitPlugin[];
    this.preBindPlugins = lists.preBind as PreBindPlugin[];
    this.bindPlugins = lists.bind as BindPlugin[];
    this.postBindPlugins = lists.postBind as PostBindPlugin[];

    // The Score point's own weight wins over MultiPoint's; 0 means 1.
    for (const ref of [...p.score.enabled, ...p.multiPoint.enabled]) {
      const pl = this.plugins.get(ref.name);
      if (!pl || !isScore(pl) || this.scoreWeights.has(ref.name)) continue;
      this.scoreWeights.set(ref.name, ref.weight || 1);
    }

    if (this.queueSortPlugins.length === 0) throw new ConfigError([`profile ${JSON.stringify(this.profileName)}: no queue sort plugin is enabled`]);
    if (this.queueSortPlugins.length > 1) throw new ConfigError([`profile ${JSON.stringify(this.profileName)}: only one queue sort plugin can be enabled`]);
    if (this.bindPlugins.length === 0) throw new ConfigError([`profile ${JSON.stringify(this.profileName)}: at least one bind plugin is needed`]);
  }

  /** Upstream expandMultiPointPlugins for one extension point. */
  private expand(point: ExtensionPoint): Plugin[] {
    const implementsPoint = POINT_CHECKS[point];
    const set = this.profile.plugins[point];
    const explicit: string[] = [];
    for (const ref of set.enabled) {
      const pl = this.plugins.get(ref.name);
      if (!pl) continue;
      if (!implementsPoint(pl)) throw new ConfigError([`plugin ${JSON.stringify(ref.name)} does not extend ${point} plugin`]);
      if (explicit.includes(ref.name)) throw new ConfigError([`plugin ${JSON.stringify(ref.name)} already registered as ${point}`]);
      explicit.push(ref.name);
    }
    const disabled = new Set(set.disabled);
    if (disabled.has('*')) return explicit.map((n) => this.plugins.get(n)!);
    const overrides = new Set<string>();
    const multi: string[] = [];
    for (const ref of this.profile.plugins.multiPoint.enabled) {
      const pl = this.plugins.get(ref.name);
      if (!pl || !implementsPoint(pl) || disabled.has(ref.name)) continue;
      if (explicit.includes(ref.name)) {
        overrides.add(ref.name);
        continue;
      }
      if (multi.includes(ref.name)) throw new ConfigError([`plugin ${JSON.stringify(ref.name)} already registered as ${point}`]);
      multi.push(ref.name);
    }
    // Explicit entries that override a MultiPoint one come first, then MultiPoint, then the rest.
    const ordered = [...explicit.filter((n) => overrides.has(n)), ...multi, ...explicit.filter((n) => !overrides.has(n))];
    return ordered.map((n) => this.plugins.get(n)!);
  }

  /** Every plugin's registered events; plugins without EnqueueExtensions get every event. */
  eventsToRegister(): RegisteredEvent[] {
    const out: RegisteredEvent[] = [];
    for (const [name, pl] of this.plugins) {
      if (!isEnqueueExtensions(pl)) {
        out.push({ plugin: name, event: { resource: '*', actionType: ActionType.All }, hint: undefined });
        continue;
      }
      for (const e of pl.eventsToRegister()) out.push({ plugin: name, event: e.event, hint: e.hint });
    }
    return out;
  }

  queueSortLess(): (a: QueuedPodInfo, b: QueuedPodInfo) => boolean {
    const pl = this.queueSortPlugins[0]!;
    return (a, b) => pl.less(a, b);
  }

  hasFilterPlugins(): boolean {
    return this.filterPlugins.length > 0;
  }
  hasScorePlugins(): boolean {
    return this.scorePlugins.length > 0;
  }
  hasPostFilterPlugins(): boolean {
    return this.postFilterPlugins.length > 0;
  }

  // ---- Handle ----

  snapshotSharedLister(): SharedLister {
    return this.snapshot;
  }

  nominatedPodsForNode(nodeName: string): PodInfo[] {
    return this.nominator.nominatedPodsForNode(nodeName);
  }

  activatePods(pods: Obj[]): void {
    this.activateFn?.(pods);
  }

  getWaitingPod(uid: string): WaitingPod | undefined {
    return this.waitingPods.get(uid);
  }

  rejectWaitingPod(uid: string): boolean {
    const wp = this.waitingPods.get(uid);
    if (!wp) return false;
    wp.reject('', 'removed');
    return true;
  }

  iterateOverWaitingPods(fn: (wp: WaitingPod) => void): void {
    for (const wp of this.waitingPods.values()) fn(wp);
  }

  // ---- PreFilter / Filter ----

  /** Upstream RunPreFilterPlugins. */
  runPreFilterPlugins(
    state: CycleState,
    pod: PodInfo,
    nodes: readonly NodeInfo[],
  ): { result: PreFilterResult | undefined; status: Result; unschedulablePlugins: Set<string>; statuses: [string, Result][] } {
    let result: PreFilterResult | undefined;
    let returnStatus: Result = null;
    const pluginsWithNodes = new Set<string>();
    const skip = new Set<string>();
    const statuses: [string, Result][] = [];
    for (const pl of this.preFilterPlugins) {
      const out = pl.preFilter(state, pod, nodes);
      const r = out instanceof PreFilterResult ? out : undefined;
      const s = out instanceof PreFilterResult ? null : out;
      statuses.push([pl.name, s ?? null]);
      if (s?.isSkip()) {
        skip.add(pl.name);
        continue;
      }
      if (!isSuccess(s)) {
        s.plugin = pl.name;
        if (s.code === Code.UnschedulableAndUnresolvable) return { result: undefined, status: s, unschedulablePlugins: new Set(), statuses };
        if (s.code === Code.Unschedulable) {
          // Keep running: preemption needs every PreFilter's state.
          returnStatus = s;
          continue;
        }
        return { result: undefined, status: asErrorStatus(`running PreFilter plugin "${pl.name}"`, s).withPlugin(pl.name), unschedulablePlugins: new Set(), statuses };
      }
      if (r && !r.allNodes()) pluginsWithNodes.add(pl.name);
      result = result ? result.merge(r) : r;
      if (result && !result.allNodes() && result.nodeNames!.size === 0) {
        const names = [...pluginsWithNodes].sort();
        const msg = names.length === 1 ? `node(s) didn't satisfy plugin ${names[0]}` : `node(s) didn't satisfy plugin(s) [${names.join(' ')}] simultaneously`;
        return { result, status: Status.unresolvable(msg), unschedulablePlugins: pluginsWithNodes, statuses };
      }
    }
    state.skipFilterPlugins = skip;
    return { result, status: returnStatus, unschedulablePlugins: pluginsWithNodes, statuses };
  }

  runPreFilterExtensionAddPod(state: CycleState, podToSchedule: PodInfo, podInfoToAdd: PodInfo, nodeInfo: NodeInfo): Result {
    for (const pl of this.preFilterPlugins) {
      if (state.skipFilterPlugins.has(pl.name)) continue;
      const ext = pl.preFilterExtensions?.();
      if (!ext) continue;
      const s = ext.addPod(state, podToSchedule, podInfoToAdd, nodeInfo);
      if (!isSuccess(s)) return asErrorStatus(`running AddPod on PreFilter plugin "${pl.name}"`, s);
    }
    return null;
  }

  runPreFilterExtensionRemovePod(state: CycleState, podToSchedule: PodInfo, podInfoToRemove: PodInfo, nodeInfo: NodeInfo): Result {
    for (const pl of this.preFilterPlugins) {
      if (state.skipFilterPlugins.has(pl.name)) continue;
      const ext = pl.preFilterExtensions?.();
      if (!ext) continue;
      const s = ext.removePod(state, podToSchedule, podInfoToRemove, nodeInfo);
      if (!isSuccess(s)) return asErrorStatus(`running RemovePod on PreFilter plugin "${pl.name}"`, s);
    }
    return null;
  }

  /** The filter plugins not skipped by this skip set; cycles (and their clones) share one set. */
  private activeFilterPlugins(skip: ReadonlySet<string>): FilterPlugin[] {
    if (skip !== this.lastFilterSkip) {
      this.lastFilterSkip = skip;
      this.lastActiveFilters = skip.size === 0 ? this.filterPlugins : this.filterPlugins.filter((pl) => !skip.has(pl.name));
    }
    return this.lastActiveFilters;
  }

  /** Upstream RunFilterPlugins: the first plugin that does not succeed decides. */
  runFilterPlugins(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): Result {
    // Per cycle, not per node: with many plugins skipped the per-node loop stays short.
    const plugins = this.activeFilterPlugins(state.skipFilterPlugins);
    for (let i = 0; i < plugins.length; i++) {
      const pl = plugins[i]!;
      const s = pl.filter(state, pod, nodeInfo);
      if (s != null && s.code !== Code.Success) return this.filterFailure(pl.name, s);
    }
    return null;
  }

  private filterFailure(plugin: string, s: Status): Status {
    // Filters may only succeed or reject; anything else is a plugin error.
    const out = s.isRejected() ? s : asErrorStatus(`running "${plugin}" filter plugin`, s);
    if (out.plugin === '') out.plugin = plugin;
    return out;
  }

  /**
   * Runs every (non-skipped) filter plugin, recording each result in `out` (parallel to
   * filterPlugins, undefined for skipped ones): what an explanation shows for a rejected node.
   */
  runAllFilterPlugins(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo, out: (Result | 'skipped')[]): void {
    const skip = state.skipFilterPlugins;
    this.filterPlugins.forEach((pl, i) => {
      if (skip.has(pl.name)) {
        out[i] = 'skipped';
        return;
      }
      const s = pl.filter(state, pod, nodeInfo);
      out[i] = s == null || s.code === Code.Success ? null : this.filterFailure(pl.name, s);
    });
  }

  /**
   * Upstream RunFilterPluginsWithNominatedPods: when the node has nominated pods of higher or
   * equal priority, the pod must fit both with them (first pass) and without them (second pass).
   */
  runFilterPluginsWithNominatedPods(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): Result {
    const nominated = this.nominator.nominatedPodsForNode(nodeInfo.name);
    if (nominated.length === 0) return this.runFilterPlugins(state, pod, nodeInfo);
    let stateWith: CycleState | undefined;
    let nodeWith: NodeInfo | undefined;
    for (const np of nominated) {
      if (np.priority < pod.priority || np.uid === pod.uid) continue;
      if (!stateWith) {
        stateWith = state.clone();
        nodeWith = nodeInfo.snapshot();
      }
      nodeWith!.addPodInfo(np);
      const s = this.runPreFilterExtensionAddPod(stateWith, pod, np, nodeWith!);
      if (!isSuccess(s)) return s;
    }
    if (!stateWith) return this.runFilterPlugins(state, pod, nodeInfo);
    const first = this.runFilterPlugins(stateWith, pod, nodeWith!);
    if (!isSuccess(first)) return first;
    return this.runFilterPlugins(state, pod, nodeInfo);
  }

  // ---- PostFilter ----

  /** Upstream RunPostFilterPlugins. */
  runPostFilterPlugins(state: CycleState, pod: PodInfo, filtered: NodeToStatus): { result: PostFilterResult | undefined; status: Result } {
    let result: PostFilterResult | undefined;
    const reasons: string[] = [];
    let rejector = '';
    for (const pl of this.postFilterPlugins) {
      const { result: r, status: s } = pl.postFilter(state, pod, filtered);
      if (isSuccess(s)) return { result: r, status: s };
      if (s.code === Code.UnschedulableAndUnresolvable) return { result: r, status: s.withPlugin(pl.name) };
      if (!s.isRejected()) return { result: undefined, status: asErrorStatus(`running PostFilter plugin "${pl.name}"`, s).withPlugin(pl.name) };
      if (r?.nominatingInfo && r.nominatingInfo.mode !== 'Noop') result = r;
      reasons.push(...s.allReasons());
      if (rejector === '') rejector = pl.name;
    }
    return { result, status: new Status(Code.Unschedulable, reasons, rejector) };
  }

  // ---- PreScore / Score ----

  runPreScorePlugins(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Result {
    const skip = new Set<string>();
    for (const pl of this.preScorePlugins) {
      const s = pl.preScore(state, pod, nodes);
      if (s?.isSkip()) {
        skip.add(pl.name);
        continue;
      }
      if (!isSuccess(s)) return asErrorStatus(`running PreScore plugin "${pl.name}"`, s).withPlugin(pl.name);
    }
    state.skipScorePlugins = skip;
    return null;
  }

  /** Upstream RunScorePlugins: score, normalize, check the range, weight and sum. */
  runScorePlugins(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): ScoreResult | Status {
    const skip = state.skipScorePlugins;
    const plugins = this.scorePlugins.filter((pl) => !skip.has(pl.name));
    const n = nodes.length;
    const totals = new Float64Array(n);
    const result: ScoreResult = { plugins: [], weights: [], scores: [], totals };
    for (const pl of plugins) {
      const scores = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = pl.score(state, pod, nodes[i]!);
        if (typeof v !== 'number') return asErrorStatus(`running Score plugin "${pl.name}"`, v).withPlugin(pl.name);
        scores[i] = v;
      }
      const ext = pl.scoreExtensions?.();
      if (ext) {
        const s = ext.normalizeScore(state, pod, scores, nodes);
        if (!isSuccess(s)) return asErrorStatus(`running Normalize on Score plugin "${pl.name}"`, s).withPlugin(pl.name);
      }
      const weight = this.scoreWeights.get(pl.name) ?? 1;
      for (let i = 0; i < n; i++) {
        const v = scores[i]!;
        if (v > MAX_NODE_SCORE || v < MIN_NODE_SCORE) {
          return Status.error(`plugin "${pl.name}" returns an invalid score ${v}, it should in the range of [${MIN_NODE_SCORE}, ${MAX_NODE_SCORE}] after normalizing`).withPlugin(pl.name);
        }
        totals[i]! += v * weight;
      }
      result.plugins.push(pl.name);
      result.weights.push(weight);
      result.scores.push(scores);
    }
    return result;
  }

  // ---- Reserve / Permit / Bind ----

  runReservePluginsReserve(state: CycleState, pod: PodInfo, nodeName: string): Result {
    for (const pl of this.reservePlugins) {
      const s = pl.reserve(state, pod, nodeName);
      if (isSuccess(s)) continue;
      if (s.isRejected()) return s.withPlugin(pl.name);
      return asErrorStatus(`running Reserve plugin "${pl.name}"`, s).withPlugin(pl.name);
    }
    return null;
  }

  /** Unreserve runs in reverse order, so plugins undo in the opposite order of reserving. */
  runReservePluginsUnreserve(state: CycleState, pod: PodInfo, nodeName: string): void {
    for (let i = this.reservePlugins.length - 1; i >= 0; i--) this.reservePlugins[i]!.unreserve(state, pod, nodeName);
  }

  runPermitPlugins(state: CycleState, pod: PodInfo, nodeName: string): Result {
    const waits = new Map<string, number>();
    for (const pl of this.permitPlugins) {
      const { status: s, timeoutMs } = pl.permit(state, pod, nodeName);
      if (isSuccess(s)) continue;
      if (s.isRejected()) return s.withPlugin(pl.name);
      if (s.isWait()) {
        waits.set(pl.name, Math.min(timeoutMs ?? 0, MAX_PERMIT_TIMEOUT_MS));
        continue;
      }
      return asErrorStatus(`running Permit plugin "${pl.name}"`, s).withPlugin(pl.name);
    }
    if (waits.size === 0) return null;
    this.waitingPods.set(pod.uid, new WaitingPodImpl(pod, waits, this.clock));
    return Status.wait(`one or more plugins asked to wait and no plugin rejected pod "${pod.name}"`);
  }

  async waitOnPermit(pod: PodInfo): Promise<Result> {
    const wp = this.waitingPods.get(pod.uid);
    if (!wp) return null;
    try {
      const s = await wp.done;
      if (isSuccess(s) || s.isRejected()) return s;
      return asErrorStatus('waiting on permit for pod', s).withPlugin(s.plugin);
    } finally {
      this.waitingPods.delete(pod.uid);
    }
  }

  async runPreBindPlugins(state: CycleState, pod: PodInfo, nodeName: string): Promise<Result> {
    for (const pl of this.preBindPlugins) {
      const s = await pl.preBind(state, pod, nodeName);
      if (isSuccess(s) || s.isSkip()) continue;
      if (s.isRejected()) return s.withPlugin(pl.name);
      return asErrorStatus(`running PreBind plugin "${pl.name}"`, s).withPlugin(pl.name);
    }
    return null;
  }

  async runBindPlugins(state: CycleState, pod: PodInfo, nodeName: string): Promise<Result> {
    let last: Result = Status.skip();
    for (const pl of this.bindPlugins) {
      const s = await pl.bind(state, pod, nodeName);
      last = s;
      if (s?.isSkip()) continue;
      if (isSuccess(s)) return null;
      if (s.isRejected()) return s.withPlugin(pl.name);
      return asErrorStatus(`running Bind plugin "${pl.name}"`, s).withPlugin(pl.name);
    }
    return last;
  }

  runPostBindPlugins(state: CycleState, pod: PodInfo, nodeName: string): void {
    for (const pl of this.postBindPlugins) pl.postBind(state, pod, nodeName);
  }
}

const POINT_CHECKS: Record<ExtensionPoint, (p: Plugin) => boolean> = {
  preEnqueue: isPreEnqueue,
  queueSort: isQueueSort,
  preFilter: isPreFilter,
  filter: isFilter,
  postFilter: isPostFilter,
  preScore: isPreScore,
  score: isScore,
  reserve: isReserve,
  permit: isPermit,
  preBind: isPreBind,
  bind: isBind,
  postBind: isPostBind,
};

