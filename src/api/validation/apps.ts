// apps/v1 validation (Deployment, ReplicaSet, StatefulSet, DaemonSet, ControllerRevision),
// after k8s.io/kubernetes/pkg/apis/apps/validation and the selector-immutability checks of the
// apps/v1 registry strategies.

import { child, forbidden, goQuote, goStringMap, GoValue, invalid, notSupported, required, type FieldError } from './errors.ts';
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
  validateAnnotations,
  validateImmutableField,
  validateLabels,
  validateLabelSelector,
  validateObjectMeta,
  validateObjectMetaUpdate,
  type Obj,
} from './meta.ts';
import { isValidPercent, nameIsDNSLabel, nameIsDNSSubdomain } from './names.ts';
import { validatePodTemplateSpec } from './core.ts';

/** An int-or-string as %#v prints it: `intstr.IntOrString{Type:1, IntVal:0, StrVal:"25%"}`. */
export function goIntOrString(v: unknown): GoValue {
  if (typeof v === 'string') return new GoValue(`intstr.IntOrString{Type:1, IntVal:0, StrVal:${goQuote(v)}}`);
  const n = typeof v === 'number' ? v : 0;
  return new GoValue(`intstr.IntOrString{Type:0, IntVal:${n}, StrVal:""}`);
}

export function validatePositiveIntOrPercent(v: unknown, field: string): FieldError[] {
  if (typeof v === 'string') return isValidPercent(v).map((m) => invalid(field, goIntOrString(v), m));
  if (typeof v === 'number') return nonNegative(v, field);
  return [invalid(field, goIntOrString(v), "must be an integer or percentage (e.g '5%%')")];
}

function percentValue(v: unknown): number | undefined {
  if (typeof v !== 'string' || isValidPercent(v).length > 0) return undefined;
  return Number(v.slice(0, -1));
}

export function intOrPercentValue(v: unknown): number {
  const p = percentValue(v);
  if (p !== undefined) return p;
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^[+-]?[0-9]+$/.test(v)) return Number(v);
  return 0;
}

export function isNotMoreThan100Percent(v: unknown, field: string): FieldError[] {
  const p = percentValue(v);
  if (p === undefined || p <= 100) return [];
  return [invalid(field, goIntOrString(v), 'must not be greater than 100%')];
}

/** Selector present, valid, non-empty, and matching the template's labels. */
function validateSelectorAndTemplate(spec: Obj, kindWord: string, validateTemplate: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (spec.selector === undefined || spec.selector === null) {
    errs.push(required('spec.selector'));
  } else {
    errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
    const s = asObj(spec.selector);
    if (Object.keys(asObj(s.matchLabels)).length + asArr(s.matchExpressions).length === 0) {
      errs.push(invalid('spec.selector', goLabelSelector(spec.selector), `empty selector is invalid for ${kindWord}`));
    }
  }
  const sel = compileSelector(spec.selector);
  if ('error' in sel) {
    errs.push(invalid('spec.selector', goLabelSelector(spec.selector), 'invalid label selector'));
    return errs;
  }
  const tmeta = asObj(asObj(spec.template).metadata);
  if (sel.kind !== 'everything' && !selectorMatches(sel, tmeta.labels)) {
    errs.push(invalid('spec.template.metadata.labels', goStringMap(tmeta.labels), '`selector` does not match template `labels`'));
  }
  if (validateTemplate) {
    errs.push(...validatePodTemplateSpec(spec.template, 'spec.template'));
    const tspec = asObj(spec.template.spec);
    const rp = asStr(tspec.restartPolicy);
    if (rp !== 'Always') errs.push(notSupported('spec.template.spec.restartPolicy', rp, ['Always']));
    if (tspec.activeDeadlineSeconds !== undefined && tspec.activeDeadlineSeconds !== null) {
      // Deployments share ReplicaSet's template check, wording included.
      errs.push(forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in ReplicaSet is not Supported'));
    }
  }
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Deployment

function goDeploymentStrategy(strategy: Obj): GoValue {
  const ru = isObj(strategy.rollingUpdate) ? '(*apps.RollingUpdateDeployment)(0xc000000000)' : '(*apps.RollingUpdateDeployment)(nil)';
  return new GoValue(`apps.DeploymentStrategy{Type:${goQuote(asStr(strategy.type))}, RollingUpdate:${ru}}`);
}

function validateDeploymentStrategy(strategy: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const p = 'spec.strategy';
  switch (strategy.type) {
    case 'Recreate':
      if (strategy.rollingUpdate !== undefined && strategy.rollingUpdate !== null) {
        errs.push(forbidden(child(p, 'rollingUpdate'), "may not be specified when strategy `type` is 'Recreate'"));
      }
      break;
    case 'RollingUpdate': {
      if (!isObj(strategy.rollingUpdate)) {
        errs.push(required(child(p, 'rollingUpdate'), 'this should be defaulted and never be nil'));
        break;
      }
      const ru = strategy.rollingUpdate;
      const rp = child(p, 'rollingUpdate');
      errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, child(rp, 'maxUnavailable')));
      errs.push(...validatePositiveIntOrPercent(ru.maxSurge, child(rp, 'maxSurge')));
      if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
        errs.push(invalid(child(rp, 'maxUnavailable'), goIntOrString(ru.maxUnavailable), 'may not be 0 when `maxSurge` is 0'));
      }
      errs.push(...isNotMoreThan100Percent(ru.maxUnavailable, child(rp, 'maxUnavailable')));
      break;
    }
    default:
      errs.push(notSupported(p, goDeploymentStrategy(strategy), ['Recreate', 'RollingUpdate']));
  }
  return errs;
}

export function validateDeployment(obj: Obj, old?: Obj): FieldError[] {
  const errs = old ? validateObjectMetaUpdate(obj.metadata, old.metadata) : validateObjectMeta(obj.metadata, nameIsDNSSubdomain);
  const spec = asObj(obj.spec);
  errs.push(...nonNegative(asInt(spec.replicas), 'spec.replicas'));
  errs.push(...validateSelectorAndTemplate(spec, 'deployment', true));
  errs.push(...validateDeploymentStrategy(asObj(spec.strategy)));
  errs.push(...nonNegative(asInt(spec.minReadySeconds), 'spec.minReadySeconds'));
  if (typeof spec.revisionHistoryLimit === 'number') errs.push(...nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  if (isObj(spec.rollbackTo)) errs.push(...nonNegative(asInt(spec.rollbackTo.revision), 'spec.rollback.version'));
  if (typeof spec.progressDeadlineSeconds === 'number') {
    errs.push(...nonNegative(spec.progressDeadlineSeconds, 'spec.progressDeadlineSeconds'));
    if (spec.progressDeadlineSeconds <= asInt(spec.minReadySeconds)) {
      errs.push(invalid('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
  }
  if (old) errs.push(...validateImmutableField(spec.selector, asObj(old.spec).selector, 'spec.selector', goLabelSelector(spec.selector)));
  return errs;
}

// ---------------------------------------------------------------------------------------------
// ReplicaSet

export function validateReplicaSet(obj: Obj, old?: Obj): FieldError[] {
  const errs = old ? validateObjectMetaUpdate(obj.metadata, old.metadata) : validateObjectMeta(obj.metadata, nameIsDNSSubdomain);
  const spec = asObj(obj.spec);
  errs.push(...nonNegative(asInt(spec.replicas), 'spec.replicas'));
  errs.push(...nonNegative(asInt(spec.minReadySeconds), 'spec.minReadySeconds'));
  // Upstream says "deployment" here too.
  errs.push(...validateSelectorAndTemplate(spec, 'deployment', true));
  if (old) errs.push(...validateImmutableField(spec.selector, asObj(old.spec).selector, 'spec.selector', goLabelSelector(spec.selector)));
  return errs;
}

// ---------------------------------------------------------------------------------------------
// StatefulSet

function goStatefulSetStrategy(s: Obj): GoValue {
  const ru = isObj(s.rollingUpdate) ? '(*apps.RollingUpdateStatefulSetStrategy)(0xc000000000)' : '(*apps.RollingUpdateStatefulSetStrategy)(nil)';
  return new GoValue(`apps.StatefulSetUpdateStrategy{Type:${goQuote(asStr(s.type))}, RollingUpdate:${ru}}`);
}

function validateStatefulSetSpec(spec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const pmp = asStr(spec.podManagementPolicy);
  if (pmp === '') errs.push(required('spec.podManagementPolicy'));
  else if (pmp !== 'OrderedReady' && pmp !== 'Parallel') {
    errs.push(invalid('spec.podManagementPolicy', pmp, "must be 'OrderedReady' or 'Parallel'"));
  }
  const us = asObj(spec.updateStrategy);
  switch (asStr(us.type)) {
    case '':
      errs.push(required('spec.updateStrategy'));
      break;
    case 'OnDelete':
      if (isObj(us.rollingUpdate)) {
        const ru = us.rollingUpdate;
        const mu = ru.maxUnavailable === undefined || ru.maxUnavailable === null ? '(*intstr.IntOrString)(nil)' : '(*intstr.IntOrString)(0xc000000000)';
        errs.push(
          invalid(
            'spec.updateStrategy.rollingUpdate',
            new GoValue(`apps.RollingUpdateStatefulSetStrategy{Partition:${asInt(ru.partition)}, MaxUnavailable:${mu}}`),
            "only allowed for updateStrategy 'RollingUpdate'",
          ),
        );
      }
      break;
    case 'RollingUpdate':
      if (isObj(us.rollingUpdate)) {
        const ru = us.rollingUpdate;
        const p = 'spec.updateStrategy.rollingUpdate';
        errs.push(...nonNegative(asInt(ru.partition), child(p, 'partition')));
        if (ru.maxUnavailable !== undefined && ru.maxUnavailable !== null) {
          errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, child(p, 'maxUnavailable')));
          if (intOrPercentValue(ru.maxUnavailable) === 0) errs.push(invalid(child(p, 'maxUnavailable'), goIntOrString(ru.maxUnavailable), 'cannot be 0'));
          errs.push(...isNotMoreThan100Percent(ru.maxUnavailable, child(p, 'maxUnavailable')));
        }
      }
      break;
    default:
      errs.push(invalid('spec.updateStrategy', goStatefulSetStrategy(us), "must be 'RollingUpdate' or 'OnDelete'"));
  }
  if (isObj(spec.persistentVolumeClaimRetentionPolicy)) {
    const pol = spec.persistentVolumeClaimRetentionPolicy;
    for (const f of ['whenDeleted', 'whenScaled']) {
      const v = asStr(pol[f]);
      if (v !== 'Retain' && v !== 'Delete') {
        errs.push(notSupported(`spec.persistentVolumeClaimRetentionPolicy.${f}`, v, ['Retain', 'Delete']));
      }
    }
  }
  errs.push(...nonNegative(asInt(spec.replicas), 'spec.replicas'));
  errs.push(...nonNegative(asInt(spec.minReadySeconds), 'spec.minReadySeconds'));
  if (isObj(spec.ordinals)) errs.push(...nonNegative(asInt(spec.ordinals.start), 'spec.ordinals.start'));
  if (spec.selector === undefined || spec.selector === null) {
    errs.push(required('spec.selector'));
  } else {
    errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
    const s = asObj(spec.selector);
    if (Object.keys(asObj(s.matchLabels)).length + asArr(s.matchExpressions).length === 0) {
      errs.push(invalid('spec.selector', goLabelSelector(spec.selector), 'empty selector is invalid for statefulset'));
    }
  }
  const sel = compileSelector(spec.selector);
  const template = asObj(spec.template);
  const tmeta = asObj(template.metadata);
  if ('error' in sel) {
    errs.push(invalid('spec.selector', goLabelSelector(spec.selector), ''));
  } else {
    if (sel.kind !== 'everything' && !selectorMatches(sel, tmeta.labels)) {
      errs.push(invalid('spec.template.metadata.labels', goStringMap(tmeta.labels), '`selector` does not match template `labels`'));
    }
    errs.push(...validateLabels(tmeta.labels, 'spec.template.labels'));
    errs.push(...validateAnnotations(tmeta.annotations, 'spec.template.annotations'));
  }
  const tspec = asObj(template.spec);
  const rp = asStr(tspec.restartPolicy);
  if (rp !== 'Always') errs.push(notSupported('spec.template.spec.restartPolicy', rp, ['Always']));
  if (tspec.activeDeadlineSeconds !== undefined && tspec.activeDeadlineSeconds !== null) {
    errs.push(forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in StatefulSet is not Supported'));
  }
  return errs;
}

export function validateStatefulSet(obj: Obj, old?: Obj): FieldError[] {
  const spec = asObj(obj.spec);
  if (!old) {
    const errs = validateObjectMeta(obj.metadata, nameIsDNSLabel);
    errs.push(...validateStatefulSetSpec(spec));
    return errs;
  }
  const errs = validateObjectMetaUpdate(obj.metadata, old.metadata);
  errs.push(...validateStatefulSetSpec(spec));
  const a: Obj = { ...spec };
  const b: Obj = { ...asObj(old.spec) };
  for (const f of ['replicas', 'template', 'updateStrategy', 'minReadySeconds', 'ordinals', 'persistentVolumeClaimRetentionPolicy']) {
    delete a[f];
    delete b[f];
  }
  if (!semanticEqual(a, b)) {
    errs.push(
      forbidden(
        'spec',
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ),
    );
  }
  return errs;
}

// ---------------------------------------------------------------------------------------------
// DaemonSet

export function validateDaemonSet(obj: Obj, old?: Obj): FieldError[] {
  const errs = old ? validateObjectMetaUpdate(obj.metadata, old.metadata) : validateObjectMeta(obj.metadata, nameIsDNSSubdomain);
  const spec = asObj(obj.spec);
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const sel = compileSelector(spec.selector);
  const template = asObj(spec.template);
  const tmeta = asObj(template.metadata);
  if (!('error' in sel) && !selectorMatches(sel, tmeta.labels)) {
    errs.push(invalid('spec.template.metadata.labels', goStringMap(tmeta.labels), '`selector` does not match template `labels`'));
  }
  if (isObj(spec.selector)) {
    const s = spec.selector;
    if (Object.keys(asObj(s.matchLabels)).length + asArr(s.matchExpressions).length === 0) {
      errs.push(invalid('spec.selector', goLabelSelector(spec.selector), 'empty selector is invalid for daemonset'));
    }
  }
  errs.push(...validatePodTemplateSpec(template, 'spec.template'));
  const tspec = asObj(template.spec);
  const rp = asStr(tspec.restartPolicy);
  if (rp !== 'Always') errs.push(notSupported('spec.template.spec.restartPolicy', rp, ['Always']));
  if (tspec.activeDeadlineSeconds !== undefined && tspec.activeDeadlineSeconds !== null) {
    errs.push(forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in DaemonSet is not Supported'));
  }
  errs.push(...nonNegative(asInt(spec.minReadySeconds), 'spec.minReadySeconds'));
  errs.push(...nonNegative(asInt(spec.templateGeneration), 'spec.templateGeneration'));
  const us = asObj(spec.updateStrategy);
  switch (us.type) {
    case 'OnDelete':
      break;
    case 'RollingUpdate': {
      if (!isObj(us.rollingUpdate)) {
        errs.push(required('spec.updateStrategy.rollingUpdate'));
        break;
      }
      const ru = us.rollingUpdate;
      const p = 'spec.updateStrategy.rollingUpdate';
      errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, child(p, 'maxUnavailable')));
      errs.push(...validatePositiveIntOrPercent(ru.maxSurge, child(p, 'maxSurge')));
      errs.push(...isNotMoreThan100Percent(ru.maxUnavailable, child(p, 'maxUnavailable')));
      errs.push(...isNotMoreThan100Percent(ru.maxSurge, child(p, 'maxSurge')));
      const hasUnavailable = intOrPercentValue(ru.maxUnavailable) !== 0;
      const hasSurge = intOrPercentValue(ru.maxSurge) !== 0;
      if (hasUnavailable && hasSurge) {
        errs.push(invalid(child(p, 'maxSurge'), goIntOrString(ru.maxSurge), 'may not be set when maxUnavailable is non-zero'));
      } else if (!hasUnavailable && !hasSurge) {
        errs.push(required(child(p, 'maxUnavailable'), 'cannot be 0 when maxSurge is 0'));
      }
      break;
    }
    default: {
      const ru = isObj(us.rollingUpdate) ? '(*apps.RollingUpdateDaemonSet)(0xc000000000)' : '(*apps.RollingUpdateDaemonSet)(nil)';
      errs.push(
        notSupported(
          'spec.updateStrategy',
          new GoValue(`apps.DaemonSetUpdateStrategy{Type:${goQuote(asStr(us.type))}, RollingUpdate:${ru}}`),
          ['RollingUpdate', 'OnDelete'],
        ),
      );
    }
  }
  if (typeof spec.revisionHistoryLimit === 'number') errs.push(...nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  if (old) errs.push(...validateImmutableField(spec.selector, asObj(old.spec).selector, 'spec.selector', goLabelSelector(spec.selector)));
  return errs;
}

// ---------------------------------------------------------------------------------------------
// ControllerRevision

export function validateControllerRevision(obj: Obj, old?: Obj): FieldError[] {
  const errs = old ? validateObjectMetaUpdate(obj.metadata, old.metadata) : [];
  errs.push(...validateObjectMeta(obj.metadata, nameIsDNSSubdomain, 'metadata', !old));
  if (obj.data === undefined || obj.data === null) errs.push(required('data', 'data is mandatory'));
  errs.push(...nonNegative(asInt(obj.revision), 'revision'));
  if (old) errs.push(...validateImmutableField(obj.data, old.data, 'data'));
  return errs;
}
