import {
  CoreErrorCode,
  ERROR_CODE_PATTERN,
  TributaryError,
  abortedError,
  errorCode,
  errorMessage,
  isAbortError,
  isRetryable,
  isTributaryError,
  toTributaryError,
} from './errors';

class StreamError extends TributaryError {
  constructor(code: 'stream_timeout' | 'stream_closed', message: string, cause?: unknown) {
    super(code, message, { cause, retryable: true, details: { stream: 'tributary.obd.raw' } });
  }
}

describe('TributaryError', () => {
  it('carries code, message, cause, details and the retryable flag', () => {
    const cause = new Error('socket hang up');
    const err = new TributaryError('stream_timeout', 'Append timed out.', { cause, details: { stream: 's' }, retryable: true });
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe('stream_timeout');
    expect(err.message).toBe('Append timed out.');
    expect(err.cause).toBe(cause);
    expect(err.details).toEqual({ stream: 's' });
    expect(err.isRetryable).toBe(true);
    expect(err.name).toBe('TributaryError');
  });

  it('is not retryable by default and has no cause unless given', () => {
    const err = new TributaryError('config_invalid', 'Bad.');
    expect(err.isRetryable).toBe(false);
    expect('cause' in err).toBe(false);
    expect(err.details).toBeUndefined();
  });

  it('can be subclassed with its own codes; name follows the subclass', () => {
    const err = new StreamError('stream_closed', 'Closed.');
    expect(err).toBeInstanceOf(TributaryError);
    expect(err.name).toBe('StreamError');
    expect(isRetryable(err)).toBe(true);
    expect(errorCode(err)).toBe('stream_closed');
  });

  it('core codes are stable snake_case', () => {
    for (const code of Object.values(CoreErrorCode)) expect(code).toMatch(ERROR_CODE_PATTERN);
    expect('ConfigInvalid').not.toMatch(ERROR_CODE_PATTERN);
    expect('config-invalid').not.toMatch(ERROR_CODE_PATTERN);
  });
});

describe('helpers', () => {
  it('errorCode and isRetryable handle foreign errors', () => {
    expect(errorCode(new Error('x'))).toBe('unknown');
    expect(errorCode('x')).toBe('unknown');
    expect(isRetryable(new Error('x'))).toBe(false);
    expect(isTributaryError(new Error('x'))).toBe(false);
    expect(isTributaryError(new TributaryError('timeout', 'x'))).toBe(true);
  });

  it('errorMessage handles errors, strings and objects', () => {
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage('plain')).toBe('plain');
    expect(errorMessage({ a: 1 })).toBe('{"a":1}');
    expect(errorMessage(undefined)).toBe('undefined');
  });

  it('toTributaryError wraps foreign errors and keeps TributaryErrors as they are', () => {
    const original = new TypeError('bad');
    const wrapped = toTributaryError(original, 'stream_timeout');
    expect(wrapped.code).toBe('stream_timeout');
    expect(wrapped.cause).toBe(original);
    expect(wrapped.message).toBe('bad');
    const own = new TributaryError('timeout', 't');
    expect(toTributaryError(own)).toBe(own);
  });

  it('abortedError keeps the abort reason and is recognised', () => {
    const ac = new AbortController();
    ac.abort('shutdown');
    const err = abortedError(ac.signal);
    expect(err.code).toBe('aborted');
    expect(err.cause).toBe('shutdown');
    expect(isAbortError(err)).toBe(true);
    const domAbort = new Error('aborted');
    domAbort.name = 'AbortError';
    expect(isAbortError(domAbort)).toBe(true);
    expect(isAbortError(new Error('x'))).toBe(false);
  });
});
