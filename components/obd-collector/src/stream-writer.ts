/**
 * A StreamWriter that makes sure its streams exist: the first write to a stream, and any write
 * that finds the stream missing (stream manager restarted with a fresh store, stream deleted),
 * creates it from its spec first. So the collector starts even while the stream manager is away.
 */
import { StreamError, StreamErrorCode, type StreamSpec, type StreamWriter } from '../../core/src';

export interface StreamAdmin extends StreamWriter {
  ensureStream(spec: StreamSpec): Promise<unknown>;
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
      await this.client.ensureStream(spec);
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
