// Levels, policy versions and the namespace labels that select them, after
// k8s.io/pod-security-admission/api (ParseLevel, ParseVersion, PolicyToEvaluate, CompareLevels).

import { invalid, key, type FieldError } from '../../api/validation/errors.ts';

export type Level = 'privileged' | 'baseline' | 'restricted';
/** `version` is `latest` or `v1.N`. */
export interface LevelVersion {
  level: Level;
  version: string;
}
export interface NamespacePolicy {
  enforce: LevelVersion;
  audit: LevelVersion;
  warn: LevelVersion;
}

export const LABEL_PREFIX = 'pod-security.kubernetes.io/';
export const ENFORCE_LEVEL_LABEL = LABEL_PREFIX + 'enforce';
export const ENFORCE_VERSION_LABEL = LABEL_PREFIX + 'enforce-version';
export const AUDIT_LEVEL_LABEL = LABEL_PREFIX + 'audit';
export const AUDIT_VERSION_LABEL = LABEL_PREFIX + 'audit-version';
export const WARN_LEVEL_LABEL = LABEL_PREFIX + 'warn';
export const WARN_VERSION_LABEL = LABEL_PREFIX + 'warn-version';

/** `latest` sorts after every numbered version, including ones newer than this code knows. */
export const LATEST = Number.POSITIVE_INFINITY;

const LEVELS: readonly Level[] = ['privileged', 'baseline', 'restricted'];
const LEVEL_ERROR = `must be one of ${LEVELS.join(', ')}`;
const VERSION_ERROR = 'must be "latest" or "v1.x"';
const VERSION_RE = /^v1\.([0-9]|[1-9][0-9]*)$/;
// Go's strconv.Atoi fails past int64, and upstream then reports the label as malformed.
const GO_MAX_INT = 9223372036854775807n;

export function parseLevel(s: string): { level: Level; error?: string } {
  if ((LEVELS as readonly string[]).includes(s)) return { level: s as Level };
  // An unreadable enforce level fails closed.
  return { level: 'restricted', error: LEVEL_ERROR };
}

/** The minor version (LATEST for `latest`); an unreadable version falls back to latest. */
export function parseVersion(s: string): { minor: number; error?: string } {
  if (s === 'latest') return { minor: LATEST };
  const m = VERSION_RE.exec(s);
  if (!m) return { minor: LATEST, error: VERSION_ERROR };
  const digits = m[1] as string;
  if (BigInt(digits) > GO_MAX_INT) return { minor: LATEST, error: VERSION_ERROR };
  const n = Number(digits);
  // Beyond 2^53 every such version is newer than any check anyway.
  return { minor: Number.isSafeInteger(n) ? n : Number.MAX_SAFE_INTEGER };
}

export function versionString(minor: number): string {
  return minor === LATEST ? 'latest' : `v1.${minor}`;
}

/** `restricted:latest`, as upstream's LevelVersion.String(). */
export function levelVersionString(lv: LevelVersion): string {
  return `${lv.level}:${lv.version}`;
}

/** -1 if a is less strict than b, 0 if equal, 1 if stricter (upstream's CompareLevels). */
export function compareLevels(a: Level, b: Level): number {
  return Math.sign(LEVELS.indexOf(a) - LEVELS.indexOf(b));
}

export function defaultPolicy(): NamespacePolicy {
  return {
    enforce: { level: 'privileged', version: 'latest' },
    audit: { level: 'privileged', version: 'latest' },
    warn: { level: 'privileged', version: 'latest' },
  };
}

const labelsPath = 'metadata.labels';

/**
 * The policy a namespace's labels select, and the field errors for malformed labels (what the
 * admission rejects a Namespace with). Missing labels keep the defaults (privileged/latest); an
 * unreadable enforce level becomes restricted, an unreadable audit or warn level privileged,
 * an unreadable version latest.
 */
export function evaluateLabels(labels: Record<string, string> | undefined): {
  policy: NamespacePolicy;
  fieldErrors: FieldError[];
} {
  const policy = defaultPolicy();
  const fieldErrors: FieldError[] = [];
  if (!labels) return { policy, fieldErrors };
  const get = (k: string): string | undefined =>
    Object.prototype.hasOwnProperty.call(labels, k) && typeof labels[k] === 'string' ? labels[k] : undefined;
  const modes: [keyof NamespacePolicy, string, string, boolean][] = [
    ['enforce', ENFORCE_LEVEL_LABEL, ENFORCE_VERSION_LABEL, false],
    ['audit', AUDIT_LEVEL_LABEL, AUDIT_VERSION_LABEL, true],
    ['warn', WARN_LEVEL_LABEL, WARN_VERSION_LABEL, true],
  ];
  for (const [mode, levelLabel, versionLabel, failOpen] of modes) {
    const level = get(levelLabel);
    if (level !== undefined) {
      const r = parseLevel(level);
      policy[mode].level = r.level;
      if (r.error !== undefined) {
        fieldErrors.push(invalid(key(labelsPath, levelLabel), level, r.error));
        if (failOpen) policy[mode].level = 'privileged';
      }
    }
    const version = get(versionLabel);
    if (version !== undefined) {
      const r = parseVersion(version);
      policy[mode].version = versionString(r.minor);
      if (r.error !== undefined) fieldErrors.push(invalid(key(labelsPath, versionLabel), version, r.error));
    }
  }
  return { policy, fieldErrors };
}
