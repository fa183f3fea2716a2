// batch/v1 validation (Job, CronJob), after k8s.io/kubernetes/pkg/apis/batch/validation, with
// a cron parser that accepts and rejects what github.com/robfig/cron/v3's ParseStandard does,
// with its error messages.

import {
  child,
  duplicate,
  goQuote,
  goStringMap,
  GoValue,
  index,
  invalid,
  notSupported,
  OMIT_VALUE,
  required,
  tooLongMaxLength,
  tooMany,
  type FieldError,
} from './errors.ts';
import {
  asArr,
  asInt,
  asObj,
  asStr,
  compileSelector,
  goLabelSelector,
  isObj,
  nonNegative,
  selectorMatches,
  semanticEqual,
  validateImmutableField,
  validateLabelSelector,
  validateObjectMeta,
  validateObjectMetaUpdate,
  type Obj,
} from './meta.ts';
import { domainPrefixedPathErrors, isDNS1123Label, isQualifiedName, nameIsDNSSubdomain } from './names.ts';
import { validatePodTemplateSpec } from './core.ts';

// ---------------------------------------------------------------------------------------------
// Cron

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = {
  min: 1,
  max: 12,
  names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 },
};
const DOW: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };

class CronError extends Error {}

/** Go's strconv.Atoi, with its error text. */
function atoi(s: string): number {
  if (!/^[+-]?[0-9]+$/.test(s)) throw new CronError(`strconv.Atoi: parsing ${goQuote(s)}: invalid syntax`);
  const n = Number(s);
  if (!Number.isSafeInteger(n) || Math.abs(n) > 9223372036854775807) {
    throw new CronError(`strconv.Atoi: parsing ${goQuote(s)}: value out of range`);
  }
  return n;
}

function mustParseInt(expr: string): number {
  let num: number;
  try {
    num = atoi(expr);
  } catch (e) {
    throw new CronError(`failed to parse int from ${expr}: ${(e as Error).message}`);
  }
  if (num < 0) throw new CronError(`negative number (${num}) not allowed: ${expr}`);
  return num;
}

function parseIntOrName(expr: string, names?: Record<string, number>): number {
  if (names) {
    const n = names[expr.toLowerCase()];
    if (n !== undefined) return n;
  }
  return mustParseInt(expr);
}

function checkRange(expr: string, r: Bounds): void {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = (rangeAndStep[0] ?? '').split('-');
  const single = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = r.min;
    end = r.max;
  } else {
    start = parseIntOrName(lowAndHigh[0] ?? '', r.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1] ?? '', r.names);
    else throw new CronError(`too many hyphens: ${expr}`);
  }
  let step: number;
  if (rangeAndStep.length === 1) step = 1;
  else if (rangeAndStep.length === 2) {
    step = mustParseInt(rangeAndStep[1] ?? '');
    if (single) end = r.max;
  } else throw new CronError(`too many slashes: ${expr}`);
  if (start < r.min) throw new CronError(`beginning of range (${start}) below minimum (${r.min}): ${expr}`);
  if (end > r.max) throw new CronError(`end of range (${end}) above maximum (${r.max}): ${expr}`);
  if (start > end) throw new CronError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronError(`step of range should be a positive number: ${expr}`);
}

function checkField(field: string, r: Bounds): void {
  for (const expr of field.split(',').filter((x) => x.length > 0)) checkRange(expr, r);
}

const DURATION_UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration (validation only). */
function checkGoDuration(s: string): void {
  const orig = s;
  const bad = (): CronError => new CronError(`time: invalid duration ${goQuote(orig)}`);
  if (s.startsWith('-') || s.startsWith('+')) s = s.slice(1);
  if (s === '0') return;
  if (s === '') throw bad();
  while (s.length > 0) {
    const m = /^([0-9]*)(\.[0-9]*)?/.exec(s);
    const numPart = m ? (m[1] ?? '') + (m[2] ?? '') : '';
    if (numPart === '' || numPart === '.') throw bad();
    s = s.slice(numPart.length);
    const u = /^[^0-9.]*/.exec(s)?.[0] ?? '';
    if (u === '') throw new CronError(`time: missing unit in duration ${goQuote(orig)}`);
    if (!(u in DURATION_UNITS)) throw new CronError(`time: unknown unit ${goQuote(u)} in duration ${goQuote(orig)}`);
    s = s.slice(u.length);
  }
}

function isKnownTimeZone(tz: string): boolean {
  if (tz === 'UTC' || tz === 'Local' || tz === '') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The error message of robfig/cron/v3 ParseStandard, or undefined when the schedule parses. */
export function cronParseError(spec: string): string | undefined {
  try {
    parseStandard(spec);
    return undefined;
  } catch (e) {
    if (e instanceof CronError) return e.message;
    throw e;
  }
}

function parseStandard(input: string): void {
  let spec = input;
  if (spec.length === 0) throw new CronError('empty spec string');
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    let i = spec.indexOf(' ');
    if (i < 0) i = spec.length;
    const eq = spec.indexOf('=');
    const loc = spec.slice(eq + 1, i);
    if (!isKnownTimeZone(loc)) throw new CronError(`provided bad location ${loc}: unknown time zone ${loc}`);
    spec = spec.slice(i).trim();
  }
  if (spec.startsWith('@')) {
    switch (spec) {
      case '@yearly':
      case '@annually':
      case '@monthly':
      case '@weekly':
      case '@daily':
      case '@midnight':
      case '@hourly':
        return;
    }
    const every = '@every ';
    if (spec.startsWith(every)) {
      try {
        checkGoDuration(spec.slice(every.length));
      } catch (e) {
        throw new CronError(`failed to parse duration ${spec}: ${(e as Error).message}`);
      }
      return;
    }
    throw new CronError(`unrecognized descriptor: ${spec}`);
  }
  const fields = spec.split(/\s+/).filter((f) => f.length > 0);
  if (fields.length !== 5) throw new CronError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  checkField(minute, MINUTES);
  checkField(hour, HOURS);
  checkField(dom, DOM);
  checkField(month, MONTHS);
  checkField(dow, DOW);
}

// ---------------------------------------------------------------------------------------------
// Job

const PF_ACTIONS = ['Count', 'FailIndex', 'FailJob', 'Ignore'];

function validateHasLabel(meta: Obj, field: string, k: string, expected: string): FieldError[] {
  const labels = asObj(meta.labels);
  if (!(k in labels)) return [required(`${field}.labels[${k}]`, `must be '${expected}'`)];
  if (labels[k] !== expected) return [invalid(`${field}.labels[${k}]`, goStringMap(labels), `must be '${expected}'`)];
  return [];
}

function validateGeneratedSelector(job: Obj): FieldError[] {
  const spec = asObj(job.spec);
  if (spec.manualSelector === true || spec.selector === undefined || spec.selector === null) return [];
  const errs: FieldError[] = [];
  const meta = asObj(job.metadata);
  const uid = asStr(meta.uid);
  const name = asStr(meta.name);
  if (uid === '') errs.push(required('metadata.uid'));
  const tmeta = asObj(asObj(spec.template).metadata);
  const p = 'spec.template.metadata';
  errs.push(...validateHasLabel(tmeta, p, 'controller-uid', uid));
  errs.push(...validateHasLabel(tmeta, p, 'job-name', name));
  errs.push(...validateHasLabel(tmeta, p, 'batch.kubernetes.io/controller-uid', uid));
  errs.push(...validateHasLabel(tmeta, p, 'batch.kubernetes.io/job-name', name));
  const sel = compileSelector(spec.selector);
  const expected = {
    'batch.kubernetes.io/controller-uid': uid,
    'batch.kubernetes.io/job-name': name,
    'controller-uid': uid,
    'job-name': name,
  };
  if (!('error' in sel) && !selectorMatches(sel, expected)) {
    errs.push(invalid('spec.selector', goLabelSelector(spec.selector), '`selector` not auto-generated'));
  }
  return errs;
}

function validatePodFailurePolicy(spec: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const rules = asArr(asObj(spec.podFailurePolicy).rules).map(asObj);
  const rulesPath = child(field, 'rules');
  if (rules.length > 20) errs.push(tooMany(rulesPath, rules.length, 20));
  const tspec = asObj(asObj(spec.template).spec);
  const names = new Set([...asArr(tspec.containers), ...asArr(tspec.initContainers)].map((c) => asStr(asObj(c).name)));
  rules.forEach((rule, i) => {
    const rp = index(rulesPath, i);
    const action = asStr(rule.action);
    if (action === '') errs.push(required(child(rp, 'action'), `valid values: [${PF_ACTIONS.map(goQuote).join(' ')}]`));
    else if (action === 'FailIndex') {
      if (spec.backoffLimitPerIndex === undefined || spec.backoffLimitPerIndex === null) {
        errs.push(invalid(child(rp, 'action'), action, 'requires the backoffLimitPerIndex to be set'));
      }
    } else if (!PF_ACTIONS.includes(action)) errs.push(notSupported(child(rp, 'action'), action, PF_ACTIONS));
    if (isObj(rule.onExitCodes)) {
      const oc = rule.onExitCodes;
      const op = child(rp, 'onExitCodes');
      const operator = asStr(oc.operator);
      if (operator === '') errs.push(required(child(op, 'operator'), 'valid values: ["In" "NotIn"]'));
      else if (operator !== 'In' && operator !== 'NotIn') errs.push(notSupported(child(op, 'operator'), operator, ['In', 'NotIn']));
      if (typeof oc.containerName === 'string' && !names.has(oc.containerName)) {
        errs.push(invalid(child(op, 'containerName'), oc.containerName, 'must be one of the container or initContainer names in the pod template'));
      }
      const values = asArr(oc.values).map(asInt);
      const vp = child(op, 'values');
      if (values.length === 0) errs.push(invalid(vp, new GoValue('[]int32(nil)'), 'at least one value is required'));
      else if (values.length > 255) errs.push(tooMany(vp, values.length, 255));
      const seen = new Set<number>();
      let ordered = true;
      values.forEach((v, j) => {
        if (operator === 'In' && v === 0) errs.push(invalid(index(vp, j), v, 'must not be 0 for the In operator'));
        if (seen.has(v)) errs.push(duplicate(index(vp, j), v));
        seen.add(v);
        if (j > 0 && (values[j - 1] as number) > v) ordered = false;
      });
      if (!ordered) errs.push(invalid(vp, values, 'must be ordered'));
    }
    const conds = asArr(rule.onPodConditions);
    conds.forEach((raw, j) => {
      const c = asObj(raw);
      const cp = index(child(rp, 'onPodConditions'), j);
      for (const m of isQualifiedName(asStr(c.type))) errs.push(invalid(child(cp, 'type'), asStr(c.type), m));
      const st = asStr(c.status);
      if (st === '') errs.push(required(child(cp, 'status'), 'valid values: ["False" "True" "Unknown"]'));
      else if (!['False', 'True', 'Unknown'].includes(st)) errs.push(notSupported(child(cp, 'status'), st, ['False', 'True', 'Unknown']));
    });
    if (isObj(rule.onExitCodes) && conds.length > 0) {
      errs.push(invalid(rp, OMIT_VALUE, 'specifying both OnExitCodes and OnPodConditions is not supported'));
    }
    if (!isObj(rule.onExitCodes) && conds.length === 0) {
      errs.push(invalid(rp, OMIT_VALUE, 'specifying one of OnExitCodes and OnPodConditions is required'));
    }
  });
  return errs;
}

/** validateJobSpec: the parts shared by Jobs and CronJob job templates. */
function validateJobSpecCommon(spec: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished', 'backoffLimitPerIndex']) {
    if (typeof spec[f] === 'number') errs.push(...nonNegative(spec[f], child(field, f)));
  }
  if (typeof spec.maxFailedIndexes === 'number') {
    errs.push(...nonNegative(spec.maxFailedIndexes, child(field, 'maxFailedIndexes')));
    if (spec.backoffLimitPerIndex === undefined || spec.backoffLimitPerIndex === null) {
      errs.push(required(child(field, 'backoffLimitPerIndex'), 'when maxFailedIndexes is specified'));
    }
  }
  if (typeof spec.managedBy === 'string') {
    for (const e of domainPrefixedPathErrors(spec.managedBy)) errs.push(invalid(child(field, 'managedBy'), e.value, e.msg));
    if (Buffer.byteLength(spec.managedBy) > 63) errs.push(tooLongMaxLength(child(field, 'managedBy'), spec.managedBy, 63));
  }
  const mode = spec.completionMode;
  if (mode !== undefined && mode !== null) {
    if (mode !== 'NonIndexed' && mode !== 'Indexed') errs.push(notSupported(child(field, 'completionMode'), asStr(mode), ['NonIndexed', 'Indexed']));
    if (mode === 'Indexed') {
      if (spec.completions === undefined || spec.completions === null) {
        errs.push(required(child(field, 'completions'), 'when completion mode is Indexed'));
      }
      if (typeof spec.parallelism === 'number' && spec.parallelism > 100000) {
        errs.push(invalid(child(field, 'parallelism'), spec.parallelism, 'must be less than or equal to 100000 when completion mode is Indexed'));
      }
      if (typeof spec.completions === 'number' && typeof spec.maxFailedIndexes === 'number' && spec.maxFailedIndexes > spec.completions) {
        errs.push(invalid(child(field, 'maxFailedIndexes'), spec.maxFailedIndexes, 'must be less than or equal to completions'));
      }
    }
  }
  if (mode === undefined || mode === null || mode === 'NonIndexed') {
    if (typeof spec.backoffLimitPerIndex === 'number') {
      errs.push(invalid(child(field, 'backoffLimitPerIndex'), spec.backoffLimitPerIndex, 'requires indexed completion mode'));
    }
    if (typeof spec.maxFailedIndexes === 'number') {
      errs.push(invalid(child(field, 'maxFailedIndexes'), spec.maxFailedIndexes, 'requires indexed completion mode'));
    }
  }
  if (isObj(spec.podFailurePolicy)) errs.push(...validatePodFailurePolicy(spec, child(field, 'podFailurePolicy')));
  if (isObj(spec.successPolicy) && mode !== 'Indexed') {
    errs.push(invalid(child(field, 'successPolicy'), new GoValue('batch.SuccessPolicy{...}'), 'requires indexed completion mode'));
  }
  if (spec.podReplacementPolicy !== undefined && spec.podReplacementPolicy !== null) {
    const prp = asStr(spec.podReplacementPolicy);
    if (isObj(spec.podFailurePolicy)) {
      if (prp !== 'Failed') errs.push(notSupported(child(field, 'podReplacementPolicy'), prp, ['Failed']));
    } else if (prp !== 'Failed' && prp !== 'TerminatingOrFailed') {
      errs.push(notSupported(child(field, 'podReplacementPolicy'), prp, ['Failed', 'TerminatingOrFailed']));
    }
  }
  errs.push(...validatePodTemplateSpec(spec.template, child(field, 'template')));
  const rp = asStr(asObj(asObj(spec.template).spec).restartPolicy);
  const rpPath = child(field, 'template', 'spec', 'restartPolicy');
  if (rp === 'Always' || rp === '') {
    errs.push(required(rpPath, 'valid values: "OnFailure", "Never"'));
  } else if (rp !== 'OnFailure' && rp !== 'Never') {
    errs.push(notSupported(rpPath, rp, ['OnFailure', 'Never']));
  } else if (isObj(spec.podFailurePolicy) && rp !== 'Never') {
    errs.push(invalid(rpPath, rp, 'only "Never" is supported when podFailurePolicy is specified'));
  }
  return errs;
}

function validateJobSpec(spec: Obj): FieldError[] {
  const errs = validateJobSpecCommon(spec, 'spec');
  if (spec.selector === undefined || spec.selector === null) errs.push(required('spec.selector'));
  else errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const sel = compileSelector(spec.selector);
  const tmeta = asObj(asObj(spec.template).metadata);
  if (!('error' in sel) && !selectorMatches(sel, tmeta.labels)) {
    errs.push(invalid('spec.template.metadata.labels', goStringMap(tmeta.labels), '`selector` does not match template `labels`'));
  }
  return errs;
}

/** A rough Go rendering of a pod template for `field is immutable` messages. */
function goPodTemplateSpec(t: unknown): GoValue {
  return new GoValue(`core.PodTemplateSpec{${JSON.stringify(t ?? {})}}`);
}

export function validateJob(obj: Obj, old?: Obj): FieldError[] {
  const spec = asObj(obj.spec);
  if (!old) {
    const errs = validateObjectMeta(obj.metadata, nameIsDNSSubdomain);
    errs.push(...validateGeneratedSelector(obj));
    errs.push(...validateJobSpec(spec));
    const name = asStr(asObj(obj.metadata).name);
    if (spec.completionMode === 'Indexed' && typeof spec.completions === 'number' && spec.completions > 0) {
      const host = `${name}-${spec.completions - 1}`;
      if (isDNS1123Label(host).length > 0) {
        errs.push(invalid('metadata.name', name, `will not able to create pod with invalid DNS label: ${host}`));
      }
    }
    return errs;
  }
  const oldSpec = asObj(old.spec);
  const errs = validateObjectMetaUpdate(obj.metadata, old.metadata);
  errs.push(...validateJobSpec(spec));
  const indexed = spec.completionMode === 'Indexed';
  if (!indexed || !semanticEqual(spec.completions, oldSpec.completions)) {
    if (!indexed) errs.push(...validateImmutableField(spec.completions, oldSpec.completions, 'spec.completions'));
    else if (typeof spec.completions === 'number' && spec.completions !== spec.parallelism) {
      errs.push(invalid('spec.completions', spec.completions, 'can only be modified in tandem with spec.parallelism'));
    }
  }
  errs.push(...validateImmutableField(spec.selector, oldSpec.selector, 'spec.selector', goLabelSelector(spec.selector)));
  // Scheduling directives may change while a suspended job has never started.
  let template: Obj = asObj(spec.template);
  let oldTemplate: Obj = asObj(oldSpec.template);
  if (spec.suspend === true && !asObj(old.status).startTime) {
    template = structuredClone(template);
    oldTemplate = structuredClone(oldTemplate);
    const ts = asObj(template.spec);
    const os = asObj(oldTemplate.spec);
    for (const f of ['nodeSelector', 'tolerations', 'schedulingGates']) os[f] = ts[f];
    if (isObj(os.affinity) || isObj(ts.affinity)) os.affinity = { ...asObj(os.affinity), nodeAffinity: asObj(ts.affinity).nodeAffinity };
    oldTemplate.spec = os;
    oldTemplate.metadata = { ...asObj(oldTemplate.metadata), labels: asObj(template.metadata).labels, annotations: asObj(template.metadata).annotations };
  }
  errs.push(...validateImmutableField(template, oldTemplate, 'spec.template', goPodTemplateSpec(spec.template)));
  for (const f of ['completionMode', 'podFailurePolicy', 'backoffLimitPerIndex', 'managedBy', 'successPolicy']) {
    errs.push(...validateImmutableField(spec[f], oldSpec[f], `spec.${f}`));
  }
  return errs;
}

// ---------------------------------------------------------------------------------------------
// CronJob

const VALID_TZ_PART = /^[A-Za-z.\-_0-9+]{1,14}$/;

function validateTimeZone(tz: unknown, field: string): FieldError[] {
  if (tz === undefined || tz === null) return [];
  const s = asStr(tz);
  if (s.length === 0) return [invalid(field, s, 'timeZone must be nil or non-empty string')];
  for (const part of s.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !VALID_TZ_PART.test(part)) {
      return [invalid(field, s, `unknown time zone ${s}`)];
    }
  }
  const errs: FieldError[] = [];
  if (s.toLowerCase() === 'local') {
    errs.push(invalid(field, s, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
  }
  if (!isKnownTimeZone(s)) errs.push(invalid(field, s, `unknown time zone ${s}`));
  return errs;
}

function validateJobTemplateSpec(jt: unknown, field: string): FieldError[] {
  const spec = asObj(asObj(jt).spec);
  const errs = validateJobSpecCommon(spec, child(field, 'spec'));
  if (spec.selector !== undefined && spec.selector !== null) {
    errs.push(invalid(child(field, 'spec', 'selector'), goLabelSelector(spec.selector), '`selector` will be auto-generated'));
  }
  if (spec.manualSelector === true) errs.push(notSupported(child(field, 'spec', 'manualSelector'), true, ['nil', 'false']));
  return errs;
}

export function validateCronJob(obj: Obj, old?: Obj): FieldError[] {
  const spec = asObj(obj.spec);
  const oldSpec = old ? asObj(old.spec) : undefined;
  const errs = old ? validateObjectMetaUpdate(obj.metadata, old.metadata) : validateObjectMeta(obj.metadata, nameIsDNSSubdomain);
  const schedule = asStr(spec.schedule);
  if (schedule === '') errs.push(required('spec.schedule'));
  else {
    const e = cronParseError(schedule);
    if (e !== undefined) errs.push(invalid('spec.schedule', schedule, e));
    const allowTZ = oldSpec ? asStr(oldSpec.schedule).includes('TZ') : false;
    if (allowTZ && schedule.includes('TZ') && spec.timeZone !== undefined && spec.timeZone !== null) {
      errs.push(invalid('spec.schedule', schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
    } else if (!allowTZ && schedule.includes('TZ')) {
      errs.push(invalid('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
    }
  }
  if (typeof spec.startingDeadlineSeconds === 'number') errs.push(...nonNegative(spec.startingDeadlineSeconds, 'spec.startingDeadlineSeconds'));
  if (!oldSpec || oldSpec.timeZone !== spec.timeZone) errs.push(...validateTimeZone(spec.timeZone, 'spec.timeZone'));
  const cp = asStr(spec.concurrencyPolicy);
  if (cp === '') errs.push(required('spec.concurrencyPolicy'));
  else if (!['Allow', 'Forbid', 'Replace'].includes(cp)) errs.push(notSupported('spec.concurrencyPolicy', cp, ['Allow', 'Forbid', 'Replace']));
  errs.push(...validateJobTemplateSpec(spec.jobTemplate, 'spec.jobTemplate'));
  for (const f of ['successfulJobsHistoryLimit', 'failedJobsHistoryLimit']) {
    if (typeof spec[f] === 'number') errs.push(...nonNegative(spec[f], `spec.${f}`));
  }
  if (!old) {
    const name = asStr(asObj(obj.metadata).name);
    if (name.length > 52) errs.push(invalid('metadata.name', name, 'must be no more than 52 characters'));
  }
  return errs;
}
