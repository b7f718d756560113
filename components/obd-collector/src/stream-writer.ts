/**
 * A StreamWriter that makes sure its streams exist: the first write to a stream, and any write
 * that finds the stream missing (stream manager restarted with a fresh store, stream deleted),
 * creates it from its spec first. So the collector starts even while the stream manager is away.
 *
 * An ensure that fails for a reason retrying the same request cannot fix (a definition conflict,
 * an invalid spec) is a condition of the stream, not of the message being written: it is thrown
 * as a retryable `StreamEnsureError` naming the stream, so the caller keeps the message, backs off
 * on that stream and reports the problem, instead of dropping every message as rejected.
 */
import { StreamError, StreamErrorCode, TributaryError, type StreamSpec, type StreamWriter } from '../../core/src';

export interface StreamAdmin extends StreamWriter {
  ensureStream(spec: StreamSpec): Promise<unknown>;
}

export const STREAM_ENSURE_FAILED = 'stream_ensure_failed';

/** The stream could not be created or checked; `cause` holds the stream manager's error. */
export class StreamEnsureError extends TributaryError {
  constructor(
    readonly stream: string,
    cause: unknown,
  ) {
    const code = cause instanceof TributaryError ? cause.code : 'unknown';
    super(STREAM_ENSURE_FAILED, `Stream ${stream} could not be created or checked (${code}): ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
      retryable: true,
      details: { stream, code },
    });
  }
}

export class EnsuringStreamWriter implements StreamWriter {
  private readonly ensured = new Set<string>();
  private readonly specs: Map<string, StreamSpec>;

  constructor(
    private readonly client: StreamAdmin,
    specs: readonly StreamSpec[],
  ) {
    this.specs = new Map(specs.map((s) => [s.name, s]));
  }

  async append(stream: string, payload: Buffer): Promise<number> {
    const spec = this.specs.get(stream);
    if (spec && !this.ensured.has(stream)) {
      try {
        await this.client.ensureStream(spec);
      } catch (err) {
        // Unreachable stream manager (retryable) passes through: that is the connection's condition.
        if (err instanceof TributaryError && !err.isRetryable) throw new StreamEnsureError(stream, err);
        throw err;
      }
      this.ensured.add(stream);
    }
    try {
      return await this.client.append(stream, payload);
    } catch (err) {
      if (spec && err instanceof StreamError && err.code === StreamErrorCode.NotFound) {
        this.ensured.delete(stream);
        throw new StreamError(StreamErrorCode.NotFound, `Stream ${stream} is missing; it will be created again.`, { cause: err, retryable: true });
      }
      throw err;
    }
  }
}
