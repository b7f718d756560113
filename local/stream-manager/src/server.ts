/**
 * A local, wire-compatible stream manager: the official clients connect to it
 * unchanged. One TCP connection per client, requests multiplexed by requestId,
 * blocking reads that never hold up other requests on the same connection.
 * Export definitions are stored and described but not executed: in Tributary
 * the Publisher component does the exporting.
 */
import * as net from 'node:net';
import { validateStreamName } from './definition';
import {
  CONNECT_VERSION,
  decodePayload,
  encodeFrame,
  FrameReader,
  Op,
  PROTOCOL_VERSION,
  RequestError,
  RESPONSE_OP,
  SERVER_VERSION,
  Status,
} from './protocol';
import type { RecoveryReport } from './segment';
import { StreamStore, type StoreLogger } from './store';
import type { MessageStream } from './stream';

export interface StreamManagerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8088; 0 picks a free port. */
  port?: number;
  /** Store directory for File streams. Without it, File streams live in memory only. */
  dir?: string;
  /** When set, clients must present this AWS_CONTAINER_AUTHORIZATION_TOKEN. */
  authToken?: string;
  logger?: StoreLogger;
  /** Clock for ingest times and TTL (tests move it). */
  now?: () => number;
  /** How often TTL expiry runs. Default 1000 ms. */
  ttlSweepMs?: number;
  /** Cap on one read response's payload bytes (at least one message is always returned). Default 64 MiB. */
  maxResponseBytes?: number;
}

export interface StreamManagerStats {
  connections: number;
  appends: number;
  reads: number;
  rejectedConnections: number;
}

const silent: StoreLogger = { info() {}, warn() {}, error() {} };

export class LocalStreamManager {
  readonly store: StreamStore;
  readonly stats: StreamManagerStats = { connections: 0, appends: 0, reads: 0, rejectedConnections: 0 };
  recovery: RecoveryReport[] = [];
  private server?: net.Server;
  private connections = new Set<Connection>();
  private sweepTimer?: NodeJS.Timeout;
  private readonly log: StoreLogger;
  readonly now: () => number;
  /** Streams with flushOnWrite appends not yet fsynced. */
  readonly dirty = new Set<MessageStream>();

  constructor(readonly options: StreamManagerOptions = {}) {
    this.log = options.logger ?? silent;
    this.now = options.now ?? Date.now;
    this.store = new StreamStore(options.dir, this.log, {
      onDiscard: (stream, messages, reason) => this.log.info('Stream limit removed old messages.', { stream, messages, reason }),
    });
  }

  get port(): number {
    const addr = this.server?.address();
    return addr && typeof addr === 'object' ? addr.port : 0;
  }

  get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  get maxResponseBytes(): number {
    return this.options.maxResponseBytes ?? 64 * 1024 * 1024;
  }

  async start(): Promise<void> {
    this.recovery = this.store.open();
    const server = net.createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 8088, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.log.error('Stream manager server error.', { err: String(err) }));
    this.sweepTimer = setInterval(() => this.sweep(), this.options.ttlSweepMs ?? 1000);
    this.sweepTimer.unref();
    this.log.info('Stream manager listening.', { host: this.host, port: this.port, dir: this.options.dir ?? null, streams: this.store.names().length });
  }

  /** Run TTL expiry now (also runs on a timer). */
  sweep(): void {
    const now = this.now();
    for (const s of this.store.all()) {
      try {
        s.expire(now);
      } catch (err) {
        this.log.error('Could not expire old messages of a stream; will try again.', { stream: s.name, err: String(err) });
      }
    }
  }

  /** Stop listening, drop every connection, close the segment files. */
  async close(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    const server = this.server;
    this.server = undefined;
    for (const c of this.connections) c.destroy();
    this.connections.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    this.flushDirty();
    this.store.close();
  }

  /** fsync the flushOnWrite streams written this turn. Returns the streams whose fsync failed. */
  private lastWarnAt = -Infinity;
  private suppressedWarnings = 0;

  /** A warning that a misbehaving peer could repeat endlessly: at most one line per 10 s. */
  warnLimited(msg: string, fields: Record<string, unknown>): void {
    const now = Date.now();
    if (now - this.lastWarnAt < 10_000) {
      this.suppressedWarnings++;
      return;
    }
    this.lastWarnAt = now;
    this.log.warn(msg, this.suppressedWarnings > 0 ? { ...fields, suppressed: this.suppressedWarnings } : fields);
    this.suppressedWarnings = 0;
  }

  flushDirty(): Set<MessageStream> {
    const failed = new Set<MessageStream>();
    for (const s of this.dirty) {
      try {
        s.flush();
      } catch (err) {
        // After a failed fsync the kernel may have dropped the data: the stream takes no more appends.
        s.broken = String((err as Error)?.message ?? err);
        failed.add(s);
        this.log.error('fsync of a flushOnWrite stream failed; its appends of this turn are answered with an error.', { stream: s.name, err: String(err) });
      }
    }
    this.dirty.clear();
    return failed;
  }

  private accept(socket: net.Socket): void {
    socket.setNoDelay(true);
    const conn = new Connection(this, socket, this.log);
    this.connections.add(conn);
    this.stats.connections++;
    socket.on('close', () => {
      this.connections.delete(conn);
      conn.destroy();
    });
  }
}

/** A response decided when the queue is written: after the fsync of a flushOnWrite append. */
interface DurableAck {
  frame(): Buffer;
}

interface PendingRead {
  cancel(): void;
}

class Connection {
  private reader = new FrameReader();
  private state: 'version' | 'connect' | 'ready' | 'closed' = 'version';
  private out: (Buffer | DurableAck)[] = [];
  private flushScheduled = false;
  /** Set when the connection must end once the pending responses are written (a refused connect). */
  private endAfterWrite = false;
  private reads = new Set<PendingRead>();

  constructor(
    private readonly sm: LocalStreamManager,
    private readonly socket: net.Socket,
    private readonly log: StoreLogger,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.destroy());
  }

  destroy(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    for (const r of this.reads) r.cancel();
    this.reads.clear();
    this.socket.destroy();
  }

  private drop(reason: string): void {
    this.sm.stats.rejectedConnections++;
    this.sm.warnLimited('Closed a connection that sent bytes outside the protocol; other connections go on.', {
      remote: `${this.socket.remoteAddress}:${this.socket.remotePort}`,
      reason,
    });
    this.destroy();
  }

  private onData(chunk: Buffer): void {
    try {
      for (const ev of this.reader.push(chunk)) {
        if (this.state === 'closed' || this.endAfterWrite) return;
        if (ev.kind === 'error') return this.drop(ev.reason);
        if (ev.kind === 'version') {
          if (ev.version !== CONNECT_VERSION) return this.drop(`connect version ${ev.version}, expected ${CONNECT_VERSION}`);
          this.state = 'connect';
          continue;
        }
        let body: unknown;
        try {
          body = decodePayload(ev.payload);
        } catch (err) {
          return this.drop(`undecodable CBOR payload (${(err as Error).message})`);
        }
        if (body === null || typeof body !== 'object' || typeof (body as { requestId?: unknown }).requestId !== 'string') {
          return this.drop(`op ${ev.op} payload is not a map with a requestId`);
        }
        const req = body as Record<string, unknown> & { requestId: string };
        if (this.state === 'connect') {
          if (ev.op !== Op.Connect) return this.drop(`op ${ev.op} before Connect`);
          this.connect(req);
        } else {
          this.dispatch(ev.op, req);
        }
      }
    } catch (err) {
      this.log.error('Unexpected error while handling a connection; closing it.', { err: String((err as Error)?.stack ?? err) });
      this.destroy();
    }
  }

  /**
   * Responses are queued and written once per event-loop turn: under pipelined load many
   * responses leave in one write, and flushOnWrite appends are fsynced (once for the
   * whole turn) before any response acknowledges them.
   */
  private send(frame: Buffer | DurableAck): void {
    if (this.state === 'closed') return;
    this.out.push(frame);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushOut());
    }
  }

  private flushOut(): void {
    this.flushScheduled = false;
    if (this.sm.dirty.size > 0) this.sm.flushDirty();
    const out = this.out.map((f) => (Buffer.isBuffer(f) ? f : f.frame()));
    this.out = [];
    if (this.state === 'closed') return;
    if (out.length > 0) this.socket.write(out.length === 1 ? out[0] : Buffer.concat(out));
    if (this.endAfterWrite) {
      this.state = 'closed';
      for (const r of this.reads) r.cancel();
      this.socket.end();
    }
  }

  private connect(req: Record<string, unknown> & { requestId: string }): void {
    const expected = this.sm.options.authToken;
    const ok = expected === undefined || req.authToken === expected;
    const response: Record<string, unknown> = {
      requestId: req.requestId,
      status: ok ? Status.Success : Status.Unauthorized,
      protocolVersion: PROTOCOL_VERSION,
      supportedProtocolVersions: [PROTOCOL_VERSION, '1.0.0'],
      serverVersion: SERVER_VERSION,
      clientIdentifier: `${this.socket.remoteAddress}:${this.socket.remotePort}`,
    };
    if (!ok) response.errorMessage = 'authorization token is missing or wrong';
    this.send(Buffer.from([CONNECT_VERSION]));
    this.send(encodeFrame(Op.ConnectResponse, response));
    if (!ok) {
      this.sm.stats.rejectedConnections++;
      this.log.warn('Refused a client with a missing or wrong authorization token.', { remote: response.clientIdentifier });
      this.endAfterWrite = true;
      return;
    }
    this.state = 'ready';
  }

  private dispatch(op: number, req: Record<string, unknown> & { requestId: string }): void {
    const responseOp = RESPONSE_OP[op];
    if (responseOp === undefined) {
      this.send(
        encodeFrame(Op.UnknownOperationError, {
          requestId: req.requestId,
          status: Status.UnknownOperation,
          errorMessage: `unknown operation ${op}`,
        }),
      );
      return;
    }
    try {
      const result = this.execute(op, req);
      if (result !== undefined) this.send(encodeFrame(responseOp, { requestId: req.requestId, status: Status.Success, ...result }));
    } catch (err) {
      this.fail(responseOp, req.requestId, err);
    }
  }

  private fail(responseOp: number, requestId: string, err: unknown): void {
    if (err instanceof RequestError) {
      this.send(encodeFrame(responseOp, { requestId, status: err.status, errorMessage: err.message }));
      return;
    }
    this.log.error('Request failed inside the stream manager.', { err: String((err as Error)?.stack ?? err) });
    this.send(encodeFrame(responseOp, { requestId, status: Status.UnknownFailure, errorMessage: String((err as Error)?.message ?? err) }));
  }

  /** Returns the response fields, or undefined when the response is sent later (a waiting read). */
  private execute(op: number, req: Record<string, unknown> & { requestId: string }): Record<string, unknown> | undefined {
    const store = this.sm.store;
    switch (op) {
      case Op.CreateMessageStream:
        store.create(req.definition);
        return {};
      case Op.UpdateMessageStream:
        store.update(req.definition, this.sm.now());
        return {};
      case Op.DeleteMessageStream: {
        const name = validateStreamName(req.name);
        this.sm.dirty.delete(store.get(name));
        store.delete(name);
        return {};
      }
      case Op.DescribeMessageStream:
        return { messageStreamInfo: store.get(validateStreamName(req.name)).info() };
      case Op.ListStreams:
        return { streams: store.names() };
      case Op.AppendMessage: {
        const stream = store.get(validateStreamName(req.name));
        const payload = req.payload;
        if (!(payload instanceof Uint8Array) || payload.length === 0) {
          throw new RequestError(Status.InvalidRequest, 'payload must be a non-empty byte string');
        }
        const seq = stream.append(Buffer.isBuffer(payload) ? payload : Buffer.from(payload), this.sm.now());
        this.sm.stats.appends++;
        if (!stream.needsFlush) return { sequenceNumber: seq };
        // flushOnWrite: acknowledged only once the fsync of this turn has succeeded.
        this.sm.dirty.add(stream);
        const requestId = req.requestId;
        this.send({
          frame: () =>
            stream.broken
              ? encodeFrame(Op.AppendMessageResponse, { requestId, status: Status.UnknownFailure, errorMessage: `could not fsync stream ${stream.name}: ${stream.broken}` })
              : encodeFrame(Op.AppendMessageResponse, { requestId, status: Status.Success, sequenceNumber: seq }),
        });
        return undefined;
      }
      case Op.ReadMessages:
        this.read(req);
        return undefined;
      default:
        throw new RequestError(Status.UnexpectedOperation, `operation ${op} is not a request`);
    }
  }

  private read(req: Record<string, unknown> & { requestId: string }): void {
    const name = validateStreamName(req.streamName, 'streamName');
    let stream = this.sm.store.get(name);
    const o = (req.readMessagesOptions ?? {}) as Record<string, unknown>;
    const start = optInt(o.desiredStartSequenceNumber, 'desiredStartSequenceNumber', 0, 0);
    const min = optInt(o.minMessageCount, 'minMessageCount', 1, 1);
    const max = optInt(o.maxMessageCount, 'maxMessageCount', Math.max(min, 1), 1);
    // setTimeout fires at once above 2^31-1 ms.
    const timeout = Math.min(optInt(o.readTimeoutMillis, 'readTimeoutMillis', 0, 0), 2 ** 31 - 1);
    if (min > max) throw new RequestError(Status.InvalidRequest, `minMessageCount ${min} is above maxMessageCount ${max}`);
    const respond = (): void => {
      const messages = stream.read(start, max, this.sm.maxResponseBytes, min).map((m) => ({
        streamName: name,
        sequenceNumber: m.sequenceNumber,
        ingestTime: m.ingestTime,
        payload: m.payload,
      }));
      this.sm.stats.reads++;
      this.send(encodeFrame(Op.ReadMessagesResponse, { requestId: req.requestId, status: Status.Success, messages }));
    };
    if (stream.available(start) >= min) return respond();
    if (timeout === 0) throw notEnough(name, start, min, stream.available(start));

    const waiter = {
      wake: (): void => {
        if (!this.sm.store.has(name)) return finish(new RequestError(Status.ResourceNotFound, `stream ${JSON.stringify(name)} was deleted during the read`));
        if (stream.available(start) >= min) finish();
      },
    };
    const finish = (err?: RequestError): void => {
      clearTimeout(timer);
      stream.removeWaiter(waiter);
      this.reads.delete(pending);
      if (err) return this.fail(Op.ReadMessagesResponse, req.requestId, err);
      try {
        stream = this.sm.store.get(name);
        respond();
      } catch (e) {
        this.fail(Op.ReadMessagesResponse, req.requestId, e);
      }
    };
    const timer = setTimeout(() => {
      const n = this.sm.store.has(name) ? stream.available(start) : 0;
      finish(n >= min ? undefined : notEnough(name, start, min, n));
    }, timeout);
    const pending: PendingRead = {
      cancel: () => {
        clearTimeout(timer);
        stream.removeWaiter(waiter);
      },
    };
    stream.addWaiter(waiter);
    this.reads.add(pending);
  }
}

function notEnough(name: string, start: number, min: number, have: number): RequestError {
  return new RequestError(Status.NotEnoughMessages, `stream ${name} has ${have} message(s) from sequence ${start}; at least ${min} requested`);
}

function optInt(v: unknown, field: string, dflt: number, min: number): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new RequestError(Status.InvalidRequest, `readMessagesOptions.${field} must be an integer ≥ ${min}; got ${String(v)}`);
  }
  return v;
}
