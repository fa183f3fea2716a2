// KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1): parsing, upstream's defaults
// (one "default-scheduler" profile, the default MultiPoint plugin set with its weights, default
// plugin args, adaptive percentageOfNodesToScore) and the merge of a profile's plugins into the
// defaults (enabled entries override a default of the same name in place, `*` disables all).

import { parse as parseYAML } from 'yaml';
import type { Obj } from '../../apiserver/rest.ts';
import { DEFAULT_SCHEDULER_NAME } from './types.ts';

export const EXTENSION_POINTS = [
  'preEnqueue',
  'queueSort',
  'preFilter',
  'filter',
  'postFilter',
  'preScore',
  'score',
  'reserve',
  'permit',
  'preBind',
  'bind',
  'postBind',
] as const;
export type ExtensionPoint = (typeof EXTENSION_POINTS)[number];
export type PluginsKey = ExtensionPoint | 'multiPoint';

export interface PluginRef {
  name: string;
  /** Score weight; 0 or absent means 1. */
  weight?: number;
  /** Came from upstream's default set rather than the user's configuration. */
  fromDefault?: boolean;
}

export interface PluginSet {
  enabled: PluginRef[];
  disabled: string[];
}

export type Plugins = Record<PluginsKey, PluginSet>;

export interface ProfileConfig {
  schedulerName: string;
  /** The profile's own percentage; undefined uses the global one. */
  percentageOfNodesToScore: number | undefined;
  plugins: Plugins;
  /** Plugin args by plugin name, with upstream's defaults applied. */
  pluginConfig: Map<string, Obj>;
}

export interface SchedulerConfig {
  parallelism: number;
  /** 0 means the adaptive default (50% minus 1% per 125 nodes, at least 5%). */
  percentageOfNodesToScore: number;
  podInitialBackoffSeconds: number;
  podMaxBackoffSeconds: number;
  profiles: ProfileConfig[];
}

export class ConfigError extends Error {
  constructor(readonly errors: string[]) {
    super(`invalid KubeSchedulerConfiguration: ${errors.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Upstream getDefaultPlugins (v1.35), in order. */
export const DEFAULT_MULTIPOINT: readonly PluginRef[] = [
  { name: 'SchedulingGates' },
  { name: 'PrioritySort' },
  { name: 'NodeUnschedulable' },
  { name: 'NodeName' },
  { name: 'TaintToleration', weight: 3 },
  { name: 'NodeAffinity', weight: 2 },
  { name: 'NodePorts' },
  { name: 'NodeResourcesFit', weight: 1 },
  { name: 'VolumeRestrictions' },
  { name: 'NodeVolumeLimits' },
  { name: 'VolumeBinding' },
  { name: 'VolumeZone' },
  { name: 'PodTopologySpread', weight: 2 },
  { name: 'InterPodAffinity', weight: 2 },
  { name: 'DynamicResources' },
  { name: 'DefaultPreemption' },
  { name: 'NodeResourcesBalancedAllocation', weight: 1 },
  { name: 'ImageLocality', weight: 1 },
  { name: 'DefaultBinder' },
];

export function defaultPlugins(): Plugins {
  const p = emptyPlugins();
  p.multiPoint.enabled = DEFAULT_MULTIPOINT.map((r) => ({ ...r, fromDefault: true }));
  return p;
}

function emptyPlugins(): Plugins {
  const p = {} as Plugins;
  for (const k of ['multiPoint', ...EXTENSION_POINTS] as PluginsKey[]) p[k] = { enabled: [], disabled: [] };
  return p;
}

const DEFAULT_RESOURCES = () => [
  { name: 'cpu', weight: 1 },
  { name: 'memory', weight: 1 },
];

/** Upstream's SetDefaults_<Plugin>Args, for the plugins that take args. */
const ARG_DEFAULTS: Record<string, (given: Obj) => Obj> = {
  NodeResourcesFit(a) {
    const s: Obj = a.scoringStrategy ? { ...a.scoringStrategy } : { type: 'LeastAllocated', resources: DEFAULT_RESOURCES() };
    if (!s.type) s.type = 'LeastAllocated';
    s.resources = Array.isArray(s.resources) && s.resources.length > 0 ? s.resources.map((r: Obj) => ({ ...r, weight: r.weight || 1 })) : DEFAULT_RESOURCES();
    return { ignoredResources: [], ignoredResourceGroups: [], ...a, scoringStrategy: s };
  },
  NodeResourcesBalancedAllocation(a) {
    const resources = Array.isArray(a.resources) && a.resources.length > 0 ? a.resources.map((r: Obj) => ({ ...r, weight: r.weight || 1 })) : DEFAULT_RESOURCES();
    return { ...a, resources };
  },
  NodeAffinity: (a) => ({ ...a }),
  InterPodAffinity: (a) => ({ hardPodAffinityWeight: 1, ignorePreferredTermsOfExistingPods: false, ...a }),
  PodTopologySpread: (a) => ({ defaultingType: 'System', defaultConstraints: [], ...a }),
  DefaultPreemption: (a) => ({ minCandidateNodesPercentage: 10, minCandidateNodesAbsolute: 100, ...a }),
  VolumeBinding: (a) => ({ bindTimeoutSeconds: 600, ...a }),
};

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

function validateResources(path: string, list: unknown, errs: string[]): void {
  if (!Array.isArray(list)) return;
  list.forEach((r: Obj, i) => {
    if (!isInt(r?.weight) || r.weight < 1 || r.weight > 100) {
      errs.push(`${path}[${i}].weight: Invalid value: ${JSON.stringify(r?.weight)}: resource weight of ${r?.name} should be in range [1, 100]`);
    }
  });
}

/** Upstream's ValidateNodeResourcesFitArgs and friends, for what these plugins read. */
function validateArgs(path: string, name: string, a: Obj, errs: string[]): void {
  if (name === 'NodeResourcesFit') {
    const s = a.scoringStrategy as Obj;
    const types = ['LeastAllocated', 'MostAllocated', 'RequestedToCapacityRatio'];
    if (!types.includes(s.type)) {
      errs.push(`${path}.scoringStrategy.type: Unsupported value: ${JSON.stringify(s.type)}: supported values: ${types.map((t) => JSON.stringify(t)).join(', ')}`);
    }
    validateResources(`${path}.scoringStrategy.resources`, s.resources, errs);
    if (s.type === 'RequestedToCapacityRatio') {
      const shape: Obj[] = s.requestedToCapacityRatio?.shape ?? [];
      if (!Array.isArray(shape) || shape.length === 0) errs.push(`${path}.scoringStrategy.requestedToCapacityRatio.shape: Required value: at least one point must be specified`);
      else {
        shape.forEach((pt, i) => {
          const p = `${path}.scoringStrategy.requestedToCapacityRatio.shape[${i}]`;
          if (!isInt(pt?.utilization) || pt.utilization < 0 || pt.utilization > 100) errs.push(`${p}.utilization: Invalid value: ${JSON.stringify(pt?.utilization)}: not in valid range [0, 100]`);
          else if (i > 0 && pt.utilization <= (shape[i - 1]?.utilization ?? -1)) errs.push(`${p}.utilization: Invalid value: ${pt.utilization}: utilization values must be sorted in increasing order`);
          if (!isInt(pt?.score) || pt.score < 0 || pt.score > 10) errs.push(`${p}.score: Invalid value: ${JSON.stringify(pt?.score)}: not in valid range [0, 10]`);
        });
      }
    }
  } else if (name === 'NodeResourcesBalancedAllocation') {
    validateResources(`${path}.resources`, a.resources, errs);
  }
}

function parsePluginSet(path: string, raw: unknown, errs: string[]): PluginSet {
  const set: PluginSet = { enabled: [], disabled: [] };
  if (raw == null) return set;
  if (typeof raw !== 'object') {
    errs.push(`${path}: Invalid value: must be an object`);
    return set;
  }
  const r = raw as Obj;
  for (const [i, e] of ((r.enabled ?? []) as Obj[]).entries()) {
    if (!e?.name) {
      errs.push(`${path}.enabled[${i}].name: Required value`);
      continue;
    }
    if (e.weight !== undefined && (!isInt(e.weight) || e.weight < 0)) {
      errs.push(`${path}.enabled[${i}].weight: Invalid value: ${JSON.stringify(e.weight)}: must be a non-negative integer`);
      continue;
    }
    set.enabled.push(e.weight === undefined ? { name: String(e.name) } : { name: String(e.name), weight: e.weight });
  }
  for (const [i, d] of ((r.disabled ?? []) as Obj[]).entries()) {
    if (!d?.name) errs.push(`${path}.disabled[${i}].name: Required value`);
    else set.disabled.push(String(d.name));
  }
  return set;
}

/**
 * Upstream mergePluginSet: defaults minus disabled (all of them with `*`), a user entry with a
 * default's name replaces it in place, other user entries are appended.
 */
export function mergePluginSet(defaults: PluginSet, custom: PluginSet): PluginSet {
  const disabled = new Set([...custom.disabled, ...defaults.disabled]);
  const customByName = new Map<string, number>();
  custom.enabled.forEach((p, i) => customByName.set(p.name, i));
  const replaced = new Set<number>();
  const enabled: PluginRef[] = [];
  if (!disabled.has('*')) {
    for (const d of defaults.enabled) {
      if (disabled.has(d.name)) continue;
      const ci = customByName.get(d.name);
      if (ci !== undefined) {
        enabled.push(custom.enabled[ci]!);
        replaced.add(ci);
      } else enabled.push(d);
    }
  }
  custom.enabled.forEach((p, i) => {
    if (!replaced.has(i)) enabled.push(p);
  });
  return { enabled, disabled: [...custom.disabled, ...defaults.disabled] };
}

function parseProfile(path: string, raw: Obj, errs: string[]): ProfileConfig {
  const schedulerName = raw.schedulerName ?? DEFAULT_SCHEDULER_NAME;
  if (typeof schedulerName !== 'string' || schedulerName === '') errs.push(`${path}.schedulerName: Required value`);
  let pct: number | undefined;
  if (raw.percentageOfNodesToScore != null) {
    pct = raw.percentageOfNodesToScore;
    if (!isInt(pct) || pct < 0 || pct > 100) errs.push(`${path}.percentageOfNodesToScore: Invalid value: ${JSON.stringify(pct)}: not in valid range [0-100]`);
  }
  const defaults = defaultPlugins();
  const plugins = emptyPlugins();
  const rawPlugins = (raw.plugins ?? {}) as Obj;
  for (const k of Object.keys(rawPlugins)) {
    if (!(k in plugins)) errs.push(`${path}.plugins.${k}: Invalid value: unknown extension point`);
  }
  for (const k of Object.keys(plugins) as PluginsKey[]) {
    plugins[k] = mergePluginSet(defaults[k], parsePluginSet(`${path}.plugins.${k}`, rawPlugins[k], errs));
  }
  const pluginConfig = new Map<string, Obj>();
  for (const [i, pc] of ((raw.pluginConfig ?? []) as Obj[]).entries()) {
    const name = pc?.name;
    if (!name) {
      errs.push(`${path}.pluginConfig[${i}].name: Required value`);
      continue;
    }
    if (pluginConfig.has(name)) {
      errs.push(`${path}.pluginConfig[${i}]: Duplicate value: ${JSON.stringify(name)}`);
      continue;
    }
    const args = { ...((pc.args ?? {}) as Obj) };
    delete args.kind;
    delete args.apiVersion;
    pluginConfig.set(name, args);
  }
  // Upstream gives every enabled plugin with args its defaults, filling gaps in user args.
  const enabledNames = new Set<string>();
  for (const k of Object.keys(plugins) as PluginsKey[]) for (const p of plugins[k].enabled) enabledNames.add(p.name);
  for (const name of new Set([...enabledNames, ...pluginConfig.keys()])) {
    const def = ARG_DEFAULTS[name];
    if (!def) continue;
    const args = def(pluginConfig.get(name) ?? {});
    validateArgs(`${path}.pluginConfig[${JSON.stringify(name)}].args`, name, args, errs);
    pluginConfig.set(name, args);
  }
  return { schedulerName: String(schedulerName), percentageOfNodesToScore: pct, plugins, pluginConfig };
}

function queueSortKey(p: ProfileConfig): string {
  // The queue is shared by all profiles, so its ordering must be too.
  const explicit = p.plugins.queueSort.enabled.map((e) => e.name);
  if (explicit.length > 0 || p.plugins.queueSort.disabled.includes('*')) return explicit.join(',');
  return p.plugins.multiPoint.enabled.filter((e) => e.name === 'PrioritySort').map((e) => e.name).join(',');
}

/**
 * Parses a KubeSchedulerConfiguration (YAML/JSON text or an object). No input gives upstream's
 * defaults. Throws ConfigError listing every problem found.
 */
export function parseSchedulerConfig(input?: string | Obj): SchedulerConfig {
  const raw: Obj = typeof input === 'string' ? ((parseYAML(input) as Obj | null) ?? {}) : (input ?? {});
  const errs: string[] = [];
  if (raw.apiVersion !== undefined && raw.apiVersion !== 'kubescheduler.config.k8s.io/v1') {
    errs.push(`apiVersion: Unsupported value: ${JSON.stringify(raw.apiVersion)}: supported values: "kubescheduler.config.k8s.io/v1"`);
  }
  if (raw.kind !== undefined && raw.kind !== 'KubeSchedulerConfiguration') {
    errs.push(`kind: Unsupported value: ${JSON.stringify(raw.kind)}: supported values: "KubeSchedulerConfiguration"`);
  }
  if (Array.isArray(raw.extenders) && raw.extenders.length > 0) errs.push('extenders: Forbidden: scheduler extenders are not supported');
  const parallelism = raw.parallelism ?? 16;
  if (!isInt(parallelism) || parallelism <= 0) errs.push(`parallelism: Invalid value: ${JSON.stringify(parallelism)}: should be an integer value greater than zero`);
  const pct = raw.percentageOfNodesToScore ?? 0;
  if (!isInt(pct) || pct < 0 || pct > 100) errs.push(`percentageOfNodesToScore: Invalid value: ${JSON.stringify(pct)}: not in valid range [0-100]`);
  const initial = raw.podInitialBackoffSeconds ?? 1;
  const max = raw.podMaxBackoffSeconds ?? 10;
  if (!isInt(initial) || initial <= 0) errs.push(`podInitialBackoffSeconds: Invalid value: ${JSON.stringify(initial)}: must be greater than 0`);
  if (!isInt(max) || max < initial) errs.push(`podMaxBackoffSeconds: Invalid value: ${JSON.stringify(max)}: must be greater than or equal to PodInitialBackoffSeconds`);

  const rawProfiles: Obj[] = Array.isArray(raw.profiles) && raw.profiles.length > 0 ? raw.profiles : [{ schedulerName: DEFAULT_SCHEDULER_NAME }];
  const profiles = rawProfiles.map((p, i) => parseProfile(`profiles[${i}]`, p ?? {}, errs));
  const seen = new Set<string>();
  profiles.forEach((p, i) => {
    if (seen.has(p.schedulerName)) errs.push(`profiles[${i}].schedulerName: Duplicate value: ${JSON.stringify(p.schedulerName)}`);
    seen.add(p.schedulerName);
    if (i > 0 && queueSortKey(p) !== queueSortKey(profiles[0]!)) {
      errs.push(`profiles[${i}].plugins.queueSort: Invalid value: queueSort must be the same for all profiles`);
    }
  });
  if (errs.length) throw new ConfigError(errs);
  return { parallelism, percentageOfNodesToScore: pct, podInitialBackoffSeconds: initial, podMaxBackoffSeconds: max, profiles };
}

export const MIN_FEASIBLE_NODES_TO_FIND = 100;
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

/**
 * Upstream numFeasibleNodesToFind: how many feasible nodes to find before scoring. Small clusters
 * are searched fully; otherwise a percentage (adaptive when 0) with a floor of 100 nodes.
 */
export function numFeasibleNodesToFind(percentage: number, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let pct = percentage;
  if (pct === 0) {
    pct = 50 - Math.trunc(numAllNodes / 125);
    if (pct < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) pct = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  const n = Math.trunc((numAllNodes * pct) / 100);
  return n < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : n;
}
