/**
 * The stream manager wire protocol, as the official clients speak it
 * (research/stream-manager.md §1): a connect-version byte, then frames of
 * `int32 BE length (payload + 1) | int8 operation | CBOR map payload`.
 *
 * Server → client encoding rules that keep the official client's read loop alive:
 * every response carries `requestId` and a `status` in 0..18, arrays are arrays
 * (never null), numbers stay below 2^53, payloads are byte strings, and a payload
 * is never empty.
 */
import * as cbor from 'cbor';

export const CONNECT_VERSION = 1;
export const PROTOCOL_VERSION = '1.1.0';
export const SERVER_VERSION = 'tributary-local-1.0.0';
/** Same cap as the clients' MAX_PACKET_SIZE: a frame's length field counts the op byte. */
export const MAX_FRAME_LENGTH = 1 << 30;

export const Op = {
  Unknown: 0,
  Connect: 1,
  CreateMessageStream: 2,
  DeleteMessageStream: 3,
  AppendMessage: 4,
  ReadMessages: 5,
  ConnectResponse: 6,
  CreateMessageStreamResponse: 7,
  DeleteMessageStreamResponse: 8,
  AppendMessageResponse: 9,
  ReadMessagesResponse: 10,
  ListStreams: 11,
  ListStreamsResponse: 12,
  DescribeMessageStream: 13,
  DescribeMessageStreamResponse: 14,
  UpdateMessageStream: 15,
  UpdateMessageStreamResponse: 16,
  UnknownOperationError: 17,
} as const;

/** Request op → response op. */
export const RESPONSE_OP: Readonly<Record<number, number>> = {
  [Op.CreateMessageStream]: Op.CreateMessageStreamResponse,
  [Op.DeleteMessageStream]: Op.DeleteMessageStreamResponse,
  [Op.AppendMessage]: Op.AppendMessageResponse,
  [Op.ReadMessages]: Op.ReadMessagesResponse,
  [Op.ListStreams]: Op.ListStreamsResponse,
  [Op.DescribeMessageStream]: Op.DescribeMessageStreamResponse,
  [Op.UpdateMessageStream]: Op.UpdateMessageStreamResponse,
};

export const Status = {
  Success: 0,
  UnknownFailure: 1,
  Unauthorized: 2,
  InvalidRequest: 3,
  RequestPayloadTooLarge: 4,
  ResourceNotFound: 5,
  ServerTimeout: 6,
  ResponsePayloadTooLarge: 7,
  UnsupportedConnectVersion: 8,
  UnexpectedOperation: 9,
  UnsupportedProtocolVersion: 10,
  InvalidProtocolVersion: 11,
  FailedToConnect: 12,
  NotEnoughMessages: 13,
  MessageStoreReadError: 14,
  OutOfMemoryError: 15,
  UpdateFailed: 16,
  UpdateNotAllowed: 17,
  UnknownOperation: 18,
} as const;
export type StatusCode = (typeof Status)[keyof typeof Status];

/** A failure that becomes an error response (status + message) for one request. */
export class RequestError extends Error {
  constructor(
    readonly status: StatusCode,
    message: string,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

/**
 * cbor's encoder is a stream whose default highWaterMark (16 KiB) silently truncates larger
 * items: lift it to the frame cap. (The option reaches the underlying Transform; the typings
 * do not list it.)
 */
const ENCODE_OPTIONS = { highWaterMark: MAX_FRAME_LENGTH } as unknown as Parameters<typeof cbor.encodeOne>[1];

/** Decodes one CBOR item; trailing bytes or a truncated item throw. */
export function decodePayload(payload: Buffer): unknown {
  return cbor.decodeFirstSync(payload, { extendedResults: false, required: true });
}

/** One encoded frame: header and CBOR payload in a single buffer. */
export function encodeFrame(op: number, body: Record<string, unknown>): Buffer {
  const payload = cbor.encodeOne(body, ENCODE_OPTIONS);
  const frame = Buffer.allocUnsafe(5 + payload.length);
  frame.writeInt32BE(payload.length + 1, 0);
  frame.writeInt8(op, 4);
  payload.copy(frame, 5);
  return frame;
}

export type FrameEvent =
  | { kind: 'version'; version: number }
  | { kind: 'frame'; op: number; payload: Buffer }
  | { kind: 'error'; reason: string };

/**
 * Incremental frame reader: feed socket chunks, get whole frames back. The client
 * writes header and payload separately and pipelines requests, so frames arrive
 * split and coalesced in any way.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private versionRead = false;
  private failed = false;

  push(chunk: Buffer): FrameEvent[] {
    if (this.failed) return [];
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: FrameEvent[] = [];
    for (;;) {
      if (!this.versionRead) {
        if (this.buffered < 1) break;
        const v = this.take(1)[0];
        this.versionRead = true;
        out.push({ kind: 'version', version: v });
        continue;
      }
      if (this.buffered < 5) break;
      const head = this.peek(5);
      const length = head.readInt32BE(0);
      if (length < 2 || length > MAX_FRAME_LENGTH) {
        this.failed = true;
        out.push({ kind: 'error', reason: `invalid frame length ${length}` });
        break;
      }
      if (this.buffered < 4 + length) break;
      const frame = this.take(4 + length);
      out.push({ kind: 'frame', op: frame.readInt8(4), payload: frame.subarray(5) });
    }
    return out;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0].length >= n) return this.chunks[0].subarray(0, n);
    const all = Buffer.concat(this.chunks);
    this.chunks = [all];
    return all.subarray(0, n);
  }

  private take(n: number): Buffer {
    const first = this.chunks[0];
    if (first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return out;
    }
    const all = Buffer.concat(this.chunks);
    this.chunks = all.length > n ? [all.subarray(n)] : [];
    this.buffered -= n;
    return all.subarray(0, n);
  }
}
