/**
 * The dead-letter stream: where every record (or part of one) that will never be delivered
 * goes, with the reason. One stream message per dead letter, JSON:
 *
 * ```
 * { "v": 1, "kind": "dead_letter", "at": "2026-…Z", "origin": { "stream": "…", "seq": 42 },
 *   "destination": "sitewise", "route": "…", "code": "sitewise_timestamp_out_of_range",
 *   "message": "…", "samples": [ … ], "payloadBase64": "…" (only when the message was not decodable) }
 * ```
 *
 * A write is retried (capped, jittered backoff) until the stream manager takes it: the caller
 * counts a record final only after its dead letter is stored. Only `close()` ends the retries,
 * with a rejection, so the record is not checkpointed and comes back after a restart.
 */
import {
  Backoff,
  type Clock,
  type Counters,
  type Logger,
  type Sample,
  type StreamWriter,
  TributaryError,
  errorCode,
  errorMessage,
  sleep,
  systemClock,
} from '../../core/src';

export interface DeadLetter {
  readonly code: string;
  readonly message: string;
  readonly samples: readonly Sample[];
  /** The raw stream message, when it could not be decoded (or had invalid samples). */
  readonly payload?: Buffer;
}

export interface DeadLetterRecord extends DeadLetter {
  readonly origin: { readonly stream: string; readonly sequenceNumber: number };
  readonly destination: string;
  readonly route: string;
}

export interface DeadLetterSink {
  write(letters: readonly DeadLetterRecord[]): Promise<void>;
}

export interface DeadLetterMessage {
  v: 1;
  kind: 'dead_letter';
  at: string;
  origin: { stream: string; seq: number };
  destination: string;
  route: string;
  code: string;
  message: string;
  samples: Sample[];
  payloadBase64?: string;
}

export function encodeDeadLetter(l: DeadLetterRecord, at: number): Buffer {
  const msg: DeadLetterMessage = {
    v: 1,
    kind: 'dead_letter',
    at: new Date(at).toISOString(),
    origin: { stream: l.origin.stream, seq: l.origin.sequenceNumber },
    destination: l.destination,
    route: l.route,
    code: l.code,
    message: l.message,
    samples: [...l.samples],
    ...(l.payload ? { payloadBase64: l.payload.toString('base64') } : {}),
  };
  return Buffer.from(JSON.stringify(msg), 'utf8');
}

export interface StreamDeadLetterSinkOptions {
  readonly writer: StreamWriter;
  readonly stream: string;
  readonly logger: Logger;
  readonly counters: Counters;
  readonly clock?: Clock;
  /** How often the same reason is logged at most. Default 60 s. */
  readonly logEveryMs?: number;
}

export class StreamDeadLetterSink implements DeadLetterSink {
  private closed = false;
  private readonly abort = new AbortController();
  private readonly lastLogged = new Map<string, number>();
  private readonly clock: Clock;

  constructor(private readonly options: StreamDeadLetterSinkOptions) {
    this.clock = options.clock ?? systemClock;
  }

  async write(letters: readonly DeadLetterRecord[]): Promise<void> {
    for (const l of letters) {
      const payload = encodeDeadLetter(l, this.clock.now());
      await this.appendUntilStored(payload, l);
      this.logOnce(l);
    }
  }

  close(): void {
    this.closed = true;
    this.abort.abort();
  }

  private async appendUntilStored(payload: Buffer, l: DeadLetterRecord): Promise<void> {
    const backoff = new Backoff({ initialMs: 200, maxMs: 10_000 });
    let warned = false;
    for (;;) {
      if (this.closed) throw new TributaryError('publisher_stopping', 'dead letter not written: the publisher is stopping');
      try {
        await this.options.writer.append(this.options.stream, payload);
        return;
      } catch (err) {
        this.options.counters.inc('dead_letter_write_errors', { code: errorCode(err) });
        if (!warned) {
          warned = true;
          this.options.logger.error('Cannot write to the dead-letter stream; the record is held (not checkpointed) until it can be.', {
            stream: this.options.stream,
            origin: `${l.origin.stream}#${l.origin.sequenceNumber}`,
            code: errorCode(err),
            error: errorMessage(err),
          });
        }
        await sleep(backoff.next(), this.abort.signal, this.clock).catch(() => undefined);
      }
    }
  }

  private logOnce(l: DeadLetterRecord): void {
    const key = `${l.destination}/${l.code}`;
    const now = this.clock.now();
    const last = this.lastLogged.get(key);
    if (last !== undefined && now - last < (this.options.logEveryMs ?? 60_000)) return;
    this.lastLogged.set(key, now);
    this.options.logger.error('Record dead-lettered: it will not be delivered.', {
      destination: l.destination,
      route: l.route,
      code: l.code,
      reason: l.message.slice(0, 500),
      origin: `${l.origin.stream}#${l.origin.sequenceNumber}`,
      deadLetterStream: this.options.stream,
    });
  }
}
