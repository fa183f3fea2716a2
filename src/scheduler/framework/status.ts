// The result of a plugin call, as upstream's framework.Status: a code, reasons, the plugin that
// produced it and, for Error, the underlying error. Success is `null` (Go's nil status) so that
// the hot filter loop allocates nothing for nodes that pass.

export enum Code {
  Success = 0,
  Error = 1,
  Unschedulable = 2,
  UnschedulableAndUnresolvable = 3,
  Wait = 4,
  Skip = 5,
  Pending = 6,
}

export const CODE_NAMES: readonly string[] = [
  'Success',
  'Error',
  'Unschedulable',
  'UnschedulableAndUnresolvable',
  'Wait',
  'Skip',
  'Pending',
];

export class Status {
  /** The plugin that returned this status; the framework fills it in when empty. */
  plugin: string;

  constructor(
    readonly code: Code,
    readonly reasons: readonly string[] = [],
    plugin = '',
    readonly error?: Error,
  ) {
    this.plugin = plugin;
  }

  static error(err: Error | string): Status {
    return new Status(Code.Error, [], '', typeof err === 'string' ? new Error(err) : err);
  }
  static unschedulable(...reasons: string[]): Status {
    return new Status(Code.Unschedulable, reasons);
  }
  static unresolvable(...reasons: string[]): Status {
    return new Status(Code.UnschedulableAndUnresolvable, reasons);
  }
  static skip(): Status {
    return new Status(Code.Skip);
  }
  static pending(...reasons: string[]): Status {
    return new Status(Code.Pending, reasons);
  }
  static wait(...reasons: string[]): Status {
    return new Status(Code.Wait, reasons);
  }

  withPlugin(name: string): this {
    this.plugin = name;
    return this;
  }

  isSuccess(): boolean {
    return this.code === Code.Success;
  }
  isSkip(): boolean {
    return this.code === Code.Skip;
  }
  isWait(): boolean {
    return this.code === Code.Wait;
  }
  /** Unschedulable, UnschedulableAndUnresolvable or Pending: the pod was turned away, not failed. */
  isRejected(): boolean {
    return this.code === Code.Unschedulable || this.code === Code.UnschedulableAndUnresolvable || this.code === Code.Pending;
  }

  /** Upstream's Reasons(): the error's text first, then the reasons. */
  allReasons(): string[] {
    return this.error ? [this.error.message, ...this.reasons] : [...this.reasons];
  }

  message(): string {
    if (!this.error) return this.reasons.join(', ');
    return this.allReasons().join(', ');
  }

  codeName(): string {
    return CODE_NAMES[this.code] ?? String(this.code);
  }
}

/** A plugin result: `null` is Success. */
export type Result = Status | null | undefined;

export function isSuccess(s: Result): s is null | undefined {
  return s == null || s.code === Code.Success;
}

export function codeOf(s: Result): Code {
  return s == null ? Code.Success : s.code;
}

/** Wraps a non-rejection status as an Error status with a prefixed message (upstream's AsStatus(fmt.Errorf(...))). */
export function asErrorStatus(prefix: string, s: Status): Status {
  const inner = s.error ? s.error.message : s.message();
  return new Status(Code.Error, [], s.plugin, new Error(`${prefix}: ${inner}`));
}
