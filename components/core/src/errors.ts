/**
 * Typed errors with stable codes. A code is a short snake_case identifier
 * (`config_invalid`, `elm327_no_data`) used in log lines and as a metric label, so it must
 * not change once released. Subclasses add their own codes; the base stays generic.
 */

/** Codes used by the core library itself. Components define theirs next to their code. */
export const CoreErrorCode = {
  /** Configuration failed validation or could not be read/parsed. */
  ConfigInvalid: 'config_invalid',
  /** The configuration source (Greengrass IPC) could not be reached. */
  ConfigUnavailable: 'config_unavailable',
  /** The operation was cancelled through an AbortSignal. */
  Aborted: 'aborted',
  /** The operation did not finish in time. */
  Timeout: 'timeout',
  /** A thrown value that was not a TributaryError (see `toTributaryError`). */
  Unknown: 'unknown',
} as const;
export type CoreErrorCode = (typeof CoreErrorCode)[keyof typeof CoreErrorCode];

/** A stable error code: lower-case snake_case, starting with a letter. */
export const ERROR_CODE_PATTERN = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

export interface TributaryErrorOptions {
  cause?: unknown;
  /** Identifiers and values that explain the error; logged as fields. */
  details?: Record<string, unknown>;
  /** True when trying the same operation again may succeed (network, throttling). Default false. */
  retryable?: boolean;
}

export class TributaryError extends Error {
  readonly code: string;
  readonly isRetryable: boolean;
  readonly details?: Record<string, unknown>;

  constructor(code: string, message: string, options: TributaryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.isRetryable = options.retryable ?? false;
    if (options.details !== undefined) this.details = options.details;
  }
}

export function isTributaryError(err: unknown): err is TributaryError {
  return err instanceof TributaryError;
}

/** The stable code of any thrown value: a TributaryError's code, else `unknown`. */
export function errorCode(err: unknown): string {
  return err instanceof TributaryError ? err.code : CoreErrorCode.Unknown;
}

/** A TributaryError's `isRetryable` flag; false for anything else. */
export function isRetryable(err: unknown): boolean {
  return err instanceof TributaryError && err.isRetryable;
}

/** The message of any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}

/** Returns `err` if it already is a TributaryError, else wraps it (keeping it as `cause`). */
export function toTributaryError(err: unknown, code: string = CoreErrorCode.Unknown): TributaryError {
  if (err instanceof TributaryError) return err;
  return new TributaryError(code, errorMessage(err), { cause: err });
}

/** The error `sleep`/`retry` reject with when their AbortSignal fires. */
export function abortedError(signal?: AbortSignal): TributaryError {
  return new TributaryError(CoreErrorCode.Aborted, 'The operation was aborted.', { cause: signal?.reason });
}

export function isAbortError(err: unknown): boolean {
  return (err instanceof TributaryError && err.code === CoreErrorCode.Aborted) || (err instanceof Error && err.name === 'AbortError');
}
