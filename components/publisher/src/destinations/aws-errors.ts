/**
 * Classifies errors thrown by AWS SDK v3 clients (and the sockets under them) into what a
 * destination does next: retry later (network, throttling, 5xx, timeouts) or give up on the
 * items (validation). Configuration errors (missing stream, access denied, bad credentials)
 * are `config`: retried slowly, since an operator can fix them and nothing must be lost.
 */
import { errorMessage } from '../../../core/src';

export type AwsErrorKind = 'unreachable' | 'throttled' | 'server' | 'timeout' | 'validation' | 'config' | 'unknown';

export interface ClassifiedError {
  readonly kind: AwsErrorKind;
  /** The SDK error name (`ValidationException`) or the socket code (`ECONNREFUSED`). */
  readonly name: string;
  readonly message: string;
  readonly httpStatus?: number;
  /** True for kinds where sending again later may work without a person acting. */
  readonly transient: boolean;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ECONNABORTED',
  'ERR_SOCKET_CLOSED',
  'ERR_STREAM_PREMATURE_CLOSE',
]);
const TIMEOUT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'AbortError']);
const THROTTLE_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'RequestLimitExceeded',
  'SlowDown',
  'KMSThrottlingException',
]);
const VALIDATION_NAMES = new Set(['ValidationException', 'InvalidArgumentException', 'InvalidRequestException', 'SerializationException']);
const CONFIG_NAMES = new Set([
  'ResourceNotFoundException',
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'CredentialsProviderError',
  'KMSDisabledException',
  'KMSInvalidStateException',
  'KMSAccessDeniedException',
  'KMSNotFoundException',
  'KMSOptInRequired',
  'ResourceInUseException',
]);

function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; errno?: unknown; cause?: unknown };
  if (typeof e.code === 'string') return e.code;
  return e.cause ? codeOf(e.cause) : undefined;
}

export function classifyAwsError(err: unknown): ClassifiedError {
  const e = (typeof err === 'object' && err !== null ? err : {}) as {
    name?: string;
    $metadata?: { httpStatusCode?: number };
    $fault?: string;
    $retryable?: { throttling?: boolean };
  };
  const name = typeof e.name === 'string' && e.name !== 'Error' ? e.name : (codeOf(err) ?? 'Error');
  const message = errorMessage(err);
  const httpStatus = e.$metadata?.httpStatusCode;
  const code = codeOf(err);
  const base = { name, message, ...(httpStatus !== undefined ? { httpStatus } : {}) };

  if ((code && NETWORK_CODES.has(code)) || NETWORK_CODES.has(name)) return { ...base, kind: 'unreachable', transient: true };
  if (TIMEOUT_NAMES.has(name) || (code && TIMEOUT_NAMES.has(code))) return { ...base, kind: 'timeout', transient: true };
  if (THROTTLE_NAMES.has(name) || e.$retryable?.throttling === true || httpStatus === 429) return { ...base, kind: 'throttled', transient: true };
  if (CONFIG_NAMES.has(name) || httpStatus === 403) return { ...base, kind: 'config', transient: true };
  if (VALIDATION_NAMES.has(name)) return { ...base, kind: 'validation', transient: false };
  if ((httpStatus !== undefined && httpStatus >= 500) || e.$fault === 'server') return { ...base, kind: 'server', transient: true };
  if (httpStatus !== undefined && httpStatus >= 400) return { ...base, kind: 'validation', transient: false };
  // No HTTP response at all: treat as a network problem.
  if (httpStatus === undefined) return { ...base, kind: 'unreachable', transient: true };
  return { ...base, kind: 'unknown', transient: true };
}
