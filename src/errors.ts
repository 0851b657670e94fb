/**
 * One error family for the whole tool. The exit code travels with the error; only bin/ turns it into
 * `process.exitCode`, so every layer can throw without knowing how the process ends.
 *
 * Exit codes (documented in docs/concepts.md, "Exit codes"): 0 ok, 1 failed, 2 bad input/usage,
 * 3 locked or conflicting, 130 interrupted.
 */
export type ErrorCode =
  'INPUT' | 'LOCKED' | 'CONFLICT' | 'INTERRUPTED' | 'STATE' | 'PROVIDER' | 'PREREQUISITE' | 'NOT_FOUND' | 'FAILED';

export interface KsctlErrorOptions {
  cause?: unknown;
  /** One line telling the user what to do about it. */
  hint?: string;
}

export class KsctlError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  readonly hint: string | undefined;
  /** True when the user can fix it by changing their input (no bug, no cloud failure). */
  readonly userError: boolean;

  constructor(message: string, code: ErrorCode, exitCode: number, userError: boolean, opts: KsctlErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
    this.userError = userError;
    this.hint = opts.hint;
  }
}

/** Bad flags, file or values: exit 2, and nothing was called or written. */
export class InputError extends KsctlError {
  /** Dotted path of the offending field(s), e.g. `spec.etcd.count`. */
  readonly fields: string[];
  constructor(message: string, fields: string[] = [], opts: KsctlErrorOptions = {}) {
    super(message, 'INPUT', 2, true, opts);
    this.fields = fields;
  }
}

/** Someone else holds the cluster's lock, or the request conflicts with what exists: exit 3. */
export class LockedError extends KsctlError {
  constructor(message: string, opts: KsctlErrorOptions = {}) {
    super(message, 'LOCKED', 3, true, opts);
  }
}

export class ConflictError extends KsctlError {
  constructor(message: string, opts: KsctlErrorOptions = {}) {
    super(message, 'CONFLICT', 3, true, opts);
  }
}

/** Ctrl-C (or SIGTERM): exit 130 after recording where we stopped. */
export class InterruptedError extends KsctlError {
  constructor(message = 'interrupted', opts: KsctlErrorOptions = {}) {
    super(message, 'INTERRUPTED', 130, true, opts);
  }
}

/** A state file we refuse to touch (corrupt, future schema). */
export class StateError extends KsctlError {
  constructor(message: string, opts: KsctlErrorOptions = {}) {
    super(message, 'STATE', 1, false, opts);
  }
}

/** A missing tool on the operator's machine (kind, docker, ...): exit 1, the hint says what to install. */
export class PrerequisiteError extends KsctlError {
  constructor(message: string, opts: KsctlErrorOptions = {}) {
    super(message, 'PREREQUISITE', 1, true, opts);
  }
}

export class NotFoundError extends KsctlError {
  constructor(message: string, opts: KsctlErrorOptions = {}) {
    super(message, 'NOT_FOUND', 2, true, opts);
  }
}

/** A cloud, SSH or distribution step failed: exit 1. */
export class ProviderError extends KsctlError {
  constructor(message: string, opts: KsctlErrorOptions = {}) {
    super(message, 'PROVIDER', 1, false, opts);
  }
}

export function isKsctlError(e: unknown): e is KsctlError {
  return e instanceof KsctlError;
}

/** The exit code for any thrown value (unknown errors are failures, code 1). */
export function exitCodeOf(e: unknown): number {
  return isKsctlError(e) ? e.exitCode : 1;
}
