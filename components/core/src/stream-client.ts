/**
 * The stream client every component uses: the official stream manager client
 * (`aws-greengrass-core-sdk/stream-manager`) with its sharp edges on Node 20
 * guarded (research/stream-manager.md §5):
 *
 * - a failed first connect no longer crashes the process (the SDK leaves that
 *   promise unhandled): the attempt's promise is observed here;
 * - requests in flight when the socket drops no longer hang: the socket is
 *   watched, and every request has a timeout, so each call settles;
 * - a dropped connection is replaced on the next call, with capped, jittered
 *   backoff between failed attempts (no tight reconnect loops);
 * - the SDK writes header and payload in two writes, which with Nagle's algorithm
 *   waits ~40 ms on a delayed ACK for a lone request: the two are written as one;
 * - SDK exceptions become `StreamError`s with stable codes.
 */
import type * as NetTypes from 'node:net';
import {
  ConnectFailedException,
  InvalidRequestException,
  MessageStreamDefinition,
  NotEnoughMessagesException,
  Persistence,
  ReadMessagesOptions,
  ResourceNotFoundException,
  StrategyOnFull,
  StreamManagerClient,
  UnauthorizedException,
  UpdateNotAllowedException,
  ValidationException,
  type StreamManagerLogger,
} from 'aws-greengrass-core-sdk/stream-manager';
import { Backoff } from './backoff';
import { TributaryError } from './errors';

// The SDK looks up `net.createConnection` on the real module object at call time;
// a namespace import would be a copy, so take the module itself.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const realNet = require('node:net') as typeof NetTypes;

export const StreamErrorCode = {
  Unavailable: 'stream_manager_unavailable',
  ConnectionLost: 'stream_connection_lost',
  Timeout: 'stream_timeout',
  NotFound: 'stream_not_found',
  Full: 'stream_full',
  InvalidRequest: 'stream_invalid_request',
  DefinitionConflict: 'stream_definition_conflict',
  Unauthorized: 'stream_unauthorized',
  Closed: 'stream_client_closed',
  Failed: 'stream_failed',
} as const;
export type StreamErrorCode = (typeof StreamErrorCode)[keyof typeof StreamErrorCode];

export class StreamError extends TributaryError {
  constructor(code: StreamErrorCode, message: string, options: { cause?: unknown; retryable?: boolean; details?: Record<string, unknown> } = {}) {
    super(code, message, options);
  }
}

export type PersistenceName = 'File' | 'Memory';
export type StrategyName = 'RejectNewData' | 'OverwriteOldestData';

/** A stream definition as components declare it. */
export interface StreamSpec {
  name: string;
  persistence?: PersistenceName;
  /** Bytes; default 256 MiB. */
  maxSize?: number;
  /** Bytes; default 16 MiB, or a quarter of a smaller maxSize. */
  segmentSize?: number;
  strategyOnFull: StrategyName;
  /** Messages older than this may be removed; ≥ 60000. */
  ttlMs?: number;
  flushOnWrite?: boolean;
}

export interface StreamMessage {
  stream: string;
  sequenceNumber: number;
  ingestTime: number;
  payload: Buffer;
}

export interface StreamStatus {
  name: string;
  /** Oldest retained sequence number (equals newest + 1 when the stream is empty). */
  oldest: number;
  newest: number;
  totalBytes: number;
  spec: Required<Omit<StreamSpec, 'ttlMs'>> & { ttlMs?: number };
}

export interface ReadOptions {
  /** First sequence number wanted; the server starts at the oldest retained one if this is older. */
  start: number;
  /** Wait for at least this many messages (default 1). */
  min?: number;
  /** Return at most this many (default 100). */
  max?: number;
  /** How long the server may wait for `min` messages; 0 answers at once. */
  waitMs?: number;
}

export interface StreamClientLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export interface StreamClientOptions {
  host?: string;
  /** Default: STREAM_MANAGER_SERVER_PORT, else 8088 (as the SDK). */
  port?: number;
  /** Timeout of one request, on top of a read's own wait. Default 10 s. */
  requestTimeoutMs?: number;
  /** Timeout of one connection attempt. Default 5 s. */
  connectTimeoutMs?: number;
  /** Wait between failed connection attempts. Default 200 ms growing to 10 s, jittered. */
  backoff?: Backoff;
  logger?: StreamClientLogger;
}

/** The subset of the client the components use; tests may pass fakes of it. */
export interface StreamWriter {
  append(stream: string, payload: Buffer): Promise<number>;
}
export interface StreamReader {
  read(stream: string, opts: ReadOptions): Promise<StreamMessage[]>;
  describe(stream: string): Promise<StreamStatus>;
}

interface ConnectHooks {
  onSocket(socket: NetTypes.Socket): void;
}

let constructingHooks: ConnectHooks | undefined;

/** The official client, with its connect attempts observed and its socket handed to us. */
class GuardedClient extends StreamManagerClient {
  declare hooks: ConnectHooks;
  declare firstConnect: Promise<void>;

  constructor(opts: ConstructorParameters<typeof StreamManagerClient>[0], hooks: ConnectHooks) {
    constructingHooks = hooks;
    try {
      super(opts);
    } finally {
      constructingHooks = undefined;
    }
    this.hooks = hooks;
  }

  override __connect(): Promise<void> {
    const hooks = this.hooks ?? constructingHooks;
    const original = realNet.createConnection;
    let socket: NetTypes.Socket | undefined;
    (realNet as { createConnection: unknown }).createConnection = (...args: unknown[]) => {
      socket = (original as (...a: unknown[]) => NetTypes.Socket).apply(realNet, args);
      return socket;
    };
    let attempt: Promise<void>;
    try {
      attempt = super.__connect();
    } finally {
      (realNet as { createConnection: unknown }).createConnection = original;
    }
    if (socket && hooks) hooks.onSocket(socket);
    // The SDK's constructor drops this promise: observe it so a refused connection is not an unhandled rejection.
    attempt.catch(() => undefined);
    if (this.firstConnect === undefined) this.firstConnect = attempt;
    return attempt;
  }
}

interface Connection {
  client: GuardedClient;
  socket?: NetTypes.Socket;
  inflight: Set<(err: StreamError) => void>;
  /** Requests in flight that the server answers at once (not reads waiting for messages). */
  prompt: number;
  alive: boolean;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

const silentLogger: StreamClientLogger = { debug() {}, info() {}, warn() {} };

export class StreamClient implements StreamWriter, StreamReader {
  readonly host: string;
  readonly port: number;
  private readonly requestTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly backoff: Backoff;
  private readonly log: StreamClientLogger;
  private current?: Connection;
  private connecting?: Promise<Connection>;
  private nextAttemptAt = 0;
  private lastConnectError?: string;
  private closed = false;

  constructor(opts: StreamClientOptions = {}) {
    this.host = opts.host ?? '127.0.0.1';
    this.port = opts.port ?? Number.parseInt(process.env.STREAM_MANAGER_SERVER_PORT ?? '8088', 10);
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 10_000;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 5_000;
    this.backoff = opts.backoff ?? new Backoff({ initialMs: 200, maxMs: 10_000 });
    this.log = opts.logger ?? silentLogger;
  }

  /** True while a connection is open. */
  get connected(): boolean {
    return this.current?.alive === true;
  }

  /** Create the stream, or bring its definition in line with `spec`. Persistence cannot change. */
  async ensureStream(spec: StreamSpec): Promise<'created' | 'updated' | 'unchanged'> {
    const wanted = specToDefinition(spec);
    let status: StreamStatus | undefined;
    try {
      status = await this.describe(spec.name);
    } catch (err) {
      if (!(err instanceof StreamError && err.code === StreamErrorCode.NotFound)) throw err;
    }
    if (!status) {
      try {
        await this.request('create', (c) => c.createMessageStream(wanted));
        return 'created';
      } catch (err) {
        // Someone else created it in between: fall through to compare and update.
        if (!(err instanceof StreamError && err.code === StreamErrorCode.InvalidRequest)) throw err;
        status = await this.describe(spec.name).catch(() => {
          throw err; // it was not that: the definition itself is invalid
        });
      }
    }
    const have = status.spec;
    const want = normaliseSpec(spec);
    if (have.persistence !== want.persistence) {
      throw new StreamError(
        StreamErrorCode.DefinitionConflict,
        `stream ${spec.name} exists with ${have.persistence} persistence but ${want.persistence} is configured; persistence cannot be changed (delete the stream to change it)`,
      );
    }
    const same =
      have.maxSize === want.maxSize &&
      have.segmentSize === want.segmentSize &&
      have.strategyOnFull === want.strategyOnFull &&
      have.flushOnWrite === want.flushOnWrite &&
      have.ttlMs === want.ttlMs;
    if (same) return 'unchanged';
    await this.request('update', async (c) => {
      // Keep the export definitions the stream has: an update without them would delete them.
      const info = await c.describeMessageStream(spec.name);
      const def = specToDefinition(spec).withExportDefinition(info.definition.exportDefinition);
      await c.updateMessageStream(def);
    });
    return 'updated';
  }

  async append(stream: string, payload: Buffer): Promise<number> {
    return this.request('append', (c) => c.appendMessage(stream, payload), { stream });
  }

  /**
   * Read a batch. Fewer than `min` messages within `waitMs` is not an error here:
   * it returns the empty list.
   */
  async read(stream: string, opts: ReadOptions): Promise<StreamMessage[]> {
    const min = opts.min ?? 1;
    const options = new ReadMessagesOptions()
      .withDesiredStartSequenceNumber(opts.start)
      .withMinMessageCount(min)
      .withMaxMessageCount(Math.max(opts.max ?? 100, min))
      .withReadTimeoutMillis(opts.waitMs ?? 0);
    try {
      const messages = await this.request('read', (c) => c.readMessages(stream, options), { stream }, opts.waitMs ?? 0);
      return messages.map((m) => ({ stream: m.streamName, sequenceNumber: m.sequenceNumber ?? -1, ingestTime: m.ingestTime ?? 0, payload: m.payload }));
    } catch (err) {
      if (err instanceof NotEnoughMessagesException || (err instanceof StreamError && err.cause instanceof NotEnoughMessagesException)) return [];
      throw err;
    }
  }

  async describe(stream: string): Promise<StreamStatus> {
    const info = await this.request('describe', (c) => c.describeMessageStream(stream), { stream });
    const d = info.definition;
    const s = info.storageStatus;
    const ttl = d.timeToLiveMillis;
    return {
      name: d.name,
      oldest: s.oldestSequenceNumber ?? 0,
      newest: s.newestSequenceNumber ?? -1,
      totalBytes: s.totalBytes ?? 0,
      spec: {
        name: d.name,
        persistence: d.persistence === Persistence.Memory ? 'Memory' : 'File',
        maxSize: d.maxSize ?? 268435456,
        segmentSize: d.streamSegmentSize ?? 16777216,
        strategyOnFull: d.strategyOnFull === StrategyOnFull.OverwriteOldestData ? 'OverwriteOldestData' : 'RejectNewData',
        flushOnWrite: d.flushOnWrite ?? false,
        ...(typeof ttl === 'number' ? { ttlMs: ttl } : {}),
      },
    };
  }

  async list(): Promise<string[]> {
    return this.request('list', (c) => c.listStreams());
  }

  async delete(stream: string): Promise<void> {
    await this.request('delete', (c) => c.deleteMessageStream(stream), { stream });
  }

  /** Close the connection; pending calls reject with `stream_client_closed`. */
  close(): void {
    this.closed = true;
    if (this.current) this.drop(this.current, new StreamError(StreamErrorCode.Closed, 'stream client closed'));
  }

  private async request<T>(
    what: string,
    fn: (c: GuardedClient) => Promise<T>,
    fields: Record<string, unknown> = {},
    extraWaitMs = 0,
  ): Promise<T> {
    const conn = await this.connection();
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const settle = (err: StreamError | undefined, value?: T): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        conn.inflight.delete(onLost);
        if (prompt) conn.prompt--;
        if (err) reject(err);
        else resolve(value as T);
      };
      const onLost = (err: StreamError): void => settle(err);
      // setTimeout fires at once for delays above 2^31-1 ms.
      const timeoutMs = Math.min(this.requestTimeoutMs + extraWaitMs, MAX_TIMER_MS);
      const timer = setTimeout(() => {
        const err = new StreamError(StreamErrorCode.Timeout, `stream manager did not answer ${what} within ${timeoutMs} ms`, {
          retryable: true,
          details: fields,
        });
        settle(err);
        // The connection may be wedged (the SDK's read loop dies on a bad frame): start afresh.
        this.drop(conn, new StreamError(StreamErrorCode.ConnectionLost, 'connection dropped after a request timed out', { retryable: true }));
      }, timeoutMs);
      conn.inflight.add(onLost);
      const prompt = extraWaitMs === 0;
      if (prompt) conn.prompt++;
      fn(conn.client).then(
        (v) => settle(undefined, v),
        (e: unknown) => settle(mapError(e, what, fields)),
      );
    });
  }

  private async connection(): Promise<Connection> {
    if (this.closed) throw new StreamError(StreamErrorCode.Closed, 'stream client closed');
    if (this.current?.alive) return this.current;
    if (this.connecting) return this.connecting;
    const wait = this.nextAttemptAt - Date.now();
    if (wait > 0) {
      throw new StreamError(
        StreamErrorCode.Unavailable,
        `stream manager at ${this.host}:${this.port} is unreachable (${this.lastConnectError ?? 'unknown error'}); next attempt in ${wait} ms`,
        { retryable: true },
      );
    }
    this.connecting = this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async open(): Promise<Connection> {
    const conn: Connection = { client: undefined as unknown as GuardedClient, inflight: new Set(), prompt: 0, alive: false };
    const hooks: ConnectHooks = {
      onSocket: (socket) => {
        conn.socket = socket;
        coalesceWrites(socket, () => conn.prompt <= 1);
        socket.on('close', () => {
          if (conn.alive) {
            this.log.warn('Lost the connection to the stream manager; the next request reconnects.', { host: this.host, port: this.port });
          }
          this.drop(conn, new StreamError(StreamErrorCode.ConnectionLost, 'connection to the stream manager was lost', { retryable: true }));
        });
      },
    };
    const client = new GuardedClient(
      {
        host: this.host,
        port: this.port,
        logger: sdkLogger(this.log),
        // A socket error, or the SDK's read loop dying on a frame it cannot handle: every later
        // request on this connection would hang, so replace it now.
        onErrorCb: (err: unknown) => {
          if (conn.alive) {
            this.drop(conn, new StreamError(StreamErrorCode.ConnectionLost, `stream manager connection failed: ${describeConnectError(err)}`, { cause: err, retryable: true }));
          }
        },
      },
      hooks,
    );
    conn.client = client;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.firstConnect,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${this.connectTimeoutMs} ms`)), this.connectTimeoutMs);
        }),
      ]);
    } catch (err) {
      clearTimeout(timer);
      client.close();
      conn.socket?.destroy();
      const delay = this.backoff.next();
      this.nextAttemptAt = Date.now() + delay;
      this.lastConnectError = describeConnectError(err);
      if (err instanceof ConnectFailedException || err instanceof UnauthorizedException) {
        throw new StreamError(StreamErrorCode.Unauthorized, `stream manager at ${this.host}:${this.port} refused the connection (check AWS_CONTAINER_AUTHORIZATION_TOKEN)`, {
          cause: err,
          retryable: true,
        });
      }
      throw new StreamError(StreamErrorCode.Unavailable, `cannot connect to the stream manager at ${this.host}:${this.port}: ${this.lastConnectError}`, {
        cause: err,
        retryable: true,
      });
    }
    clearTimeout(timer);
    if (this.closed || conn.socket?.destroyed) {
      client.close();
      throw new StreamError(this.closed ? StreamErrorCode.Closed : StreamErrorCode.ConnectionLost, 'connection closed while opening', { retryable: !this.closed });
    }
    conn.alive = true;
    this.backoff.reset();
    this.nextAttemptAt = 0;
    this.current = conn;
    this.log.debug('Connected to the stream manager.', { host: this.host, port: this.port });
    return conn;
  }

  private drop(conn: Connection, err: StreamError): void {
    const wasAlive = conn.alive;
    conn.alive = false;
    if (this.current === conn) this.current = undefined;
    for (const reject of [...conn.inflight]) reject(err);
    conn.inflight.clear();
    if (wasAlive) {
      conn.client.close();
      conn.socket?.destroy();
    }
  }
}

/**
 * The SDK writes each frame as two writes, the 5-byte header and then the payload. With
 * Nagle's algorithm the payload waits for the ACK of the header, which the peer delays by
 * up to 40 ms when it has nothing to send: a lone request took ~44 ms. So when a request is
 * the only one in flight that the server answers at once (reads waiting for messages do not
 * count), its header is held back and written together with its payload
 * (which the SDK writes right after it, in the same tick). Under pipelined load the writes
 * pass through as they are: responses carry the ACKs, and Nagle packs many requests into
 * each segment, which is what makes pipelined appends fast.
 */
function coalesceWrites(socket: NetTypes.Socket, alone: () => boolean): void {
  const write = socket.write.bind(socket) as (chunk: unknown, ...rest: unknown[]) => boolean;
  let header: Buffer | undefined;
  (socket as { write: unknown }).write = (chunk: unknown, ...rest: unknown[]): boolean => {
    if (header) {
      const h = header;
      header = undefined;
      if (Buffer.isBuffer(chunk)) return write(Buffer.concat([h, chunk]), ...rest);
      write(h);
      return write(chunk, ...rest);
    }
    if (Buffer.isBuffer(chunk) && chunk.length === 5 && rest.length === 0 && alone()) {
      header = chunk;
      // Should no payload follow within this tick, the header goes out alone.
      process.nextTick(() => {
        if (header === chunk) {
          header = undefined;
          write(chunk);
        }
      });
      return true;
    }
    return write(chunk, ...rest);
  };
}

function describeConnectError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e?.code) return e.code;
  return e?.message || String(err);
}

function mapError(e: unknown, what: string, fields: Record<string, unknown>): StreamError {
  if (e instanceof StreamError) return e;
  const message = `${what} failed: ${(e as Error)?.message ?? String(e)}`;
  const opts = { cause: e, details: fields };
  if (e instanceof ResourceNotFoundException) return new StreamError(StreamErrorCode.NotFound, message, opts);
  if (e instanceof NotEnoughMessagesException) return new StreamError(StreamErrorCode.InvalidRequest, message, opts);
  if (e instanceof UpdateNotAllowedException) return new StreamError(StreamErrorCode.DefinitionConflict, message, opts);
  if (e instanceof InvalidRequestException) {
    // The stream manager reports a full RejectNewData stream as an invalid request.
    if (/\bis full\b/i.test((e as Error).message)) return new StreamError(StreamErrorCode.Full, message, { ...opts, retryable: true });
    return new StreamError(StreamErrorCode.InvalidRequest, message, opts);
  }
  if (e instanceof ValidationException) return new StreamError(StreamErrorCode.InvalidRequest, message, opts);
  if (e instanceof UnauthorizedException) return new StreamError(StreamErrorCode.Unauthorized, message, opts);
  const code = (e as { code?: string })?.code;
  if (typeof code === 'string' && /^E[A-Z]+/.test(code)) return new StreamError(StreamErrorCode.Unavailable, message, { ...opts, retryable: true });
  return new StreamError(StreamErrorCode.Failed, message, { ...opts, retryable: true });
}

function sdkLogger(log: StreamClientLogger): StreamManagerLogger {
  const text = (args: unknown[]): string => args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
  // The SDK logs every socket error itself; this client reports connection state, so its lines stay at debug.
  return {
    error: (...a: unknown[]) => log.debug(`stream manager SDK: ${text(a)}`),
    warn: (...a: unknown[]) => log.debug(`stream manager SDK: ${text(a)}`),
    info: (...a: unknown[]) => log.debug(`stream manager SDK: ${text(a)}`),
    debug: () => undefined,
  };
}

/**
 * Segments must be smaller than the stream (data is deleted segment by segment): by default
 * 16 MiB, or a quarter of a smaller stream.
 */
export function defaultSegmentSize(maxSize: number): number {
  return Math.min(16777216, Math.max(1024, Math.floor(maxSize / 4)));
}

function normaliseSpec(spec: StreamSpec): StreamStatus['spec'] {
  const maxSize = spec.maxSize ?? 268435456;
  return {
    name: spec.name,
    persistence: spec.persistence ?? 'File',
    maxSize,
    segmentSize: spec.segmentSize ?? defaultSegmentSize(maxSize),
    strategyOnFull: spec.strategyOnFull,
    flushOnWrite: spec.flushOnWrite ?? false,
    ...(spec.ttlMs !== undefined ? { ttlMs: spec.ttlMs } : {}),
  };
}

function specToDefinition(spec: StreamSpec): MessageStreamDefinition {
  const n = normaliseSpec(spec);
  const def = new MessageStreamDefinition()
    .withName(n.name)
    .withPersistence(n.persistence === 'Memory' ? Persistence.Memory : Persistence.File)
    .withMaxSize(n.maxSize)
    .withStreamSegmentSize(n.segmentSize)
    .withStrategyOnFull(n.strategyOnFull === 'OverwriteOldestData' ? StrategyOnFull.OverwriteOldestData : StrategyOnFull.RejectNewData)
    .withFlushOnWrite(n.flushOnWrite);
  if (n.ttlMs !== undefined) def.withTimeToLiveMillis(n.ttlMs);
  return def;
}
