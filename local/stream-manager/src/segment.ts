/**
 * Segments hold a contiguous run of a stream's messages. A file segment is one
 * append-only file named after its first sequence number; each record is
 *
 *   uint32 LE payload length | uint32 LE crc32(bytes 8..end) | float64 LE sequence number
 *   | float64 LE ingest time (ms) | payload
 *
 * so a torn or corrupted tail is found by its length or checksum on recovery and
 * cut off, leaving every earlier record intact. A memory segment keeps the same
 * records in RAM and never touches the disk.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';

export const RECORD_HEADER = 24;

export interface StoredMessage {
  sequenceNumber: number;
  ingestTime: number;
  payload: Buffer;
}

export interface Segment {
  readonly firstSeq: number;
  /** Number of messages held. */
  readonly count: number;
  /** Bytes held, record headers included (what counts against maxSize). */
  readonly bytes: number;
  /** Ingest time of the newest message, or 0 when empty. */
  readonly lastIngest: number;
  append(records: StoredMessage[], encoded: Buffer): void;
  /** Messages [firstSeq + from, firstSeq + from + n). */
  read(from: number, n: number): StoredMessage[];
  sync(): void;
  /** Release what an older (no longer written) segment need not hold: its file descriptor. */
  seal(): void;
  close(): void;
  remove(): void;
}

/** fsync a directory, so that files created or removed in it stay so after a power cut. */
export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export function encodeRecords(records: StoredMessage[]): Buffer {
  let size = 0;
  for (const r of records) size += RECORD_HEADER + r.payload.length;
  const buf = Buffer.allocUnsafe(size);
  let off = 0;
  for (const r of records) {
    buf.writeUInt32LE(r.payload.length, off);
    buf.writeDoubleLE(r.sequenceNumber, off + 8);
    buf.writeDoubleLE(r.ingestTime, off + 16);
    r.payload.copy(buf, off + RECORD_HEADER);
    const end = off + RECORD_HEADER + r.payload.length;
    buf.writeUInt32LE(crc32(buf.subarray(off + 8, end)), off + 4);
    off = end;
  }
  return buf;
}

export class MemorySegment implements Segment {
  private messages: StoredMessage[] = [];
  bytes = 0;
  constructor(readonly firstSeq: number) {}
  get count(): number {
    return this.messages.length;
  }
  get lastIngest(): number {
    return this.messages.length ? this.messages[this.messages.length - 1].ingestTime : 0;
  }
  append(records: StoredMessage[], encoded: Buffer): void {
    for (const r of records) this.messages.push(r);
    this.bytes += encoded.length;
  }
  read(from: number, n: number): StoredMessage[] {
    return this.messages.slice(from, from + n);
  }
  sync(): void {}
  seal(): void {}
  close(): void {}
  remove(): void {
    this.messages = [];
  }
}

export interface RecoveryReport {
  file: string;
  records: number;
  /** Bytes cut from the tail because they did not form a whole, valid record. */
  truncatedBytes: number;
  reason?: string;
}

/**
 * Only the segment being written keeps its file open; older ones open for the span of a read,
 * so a stream of many small segments does not hold a descriptor for each.
 */
export class FileSegment implements Segment {
  /** Byte offset of every record; offsets[count] is the end of the last one. */
  private offsets: number[] = [0];
  lastIngest = 0;

  private constructor(
    readonly firstSeq: number,
    readonly file: string,
    private fd: number,
  ) {}

  static fileName(firstSeq: number): string {
    return `${String(firstSeq).padStart(16, '0')}.seg`;
  }

  static create(dir: string, firstSeq: number): FileSegment {
    const file = path.join(dir, FileSegment.fileName(firstSeq));
    const fd = fs.openSync(file, 'a+');
    fsyncDir(dir);
    return new FileSegment(firstSeq, file, fd);
  }

  /** Open an existing segment, verify every record and cut a torn or corrupt tail. */
  static recover(file: string, firstSeq: number): { segment: FileSegment; report: RecoveryReport } {
    const data = fs.readFileSync(file);
    const seg = new FileSegment(firstSeq, file, -1);
    let off = 0;
    let reason: string | undefined;
    while (off < data.length) {
      if (data.length - off < RECORD_HEADER) {
        reason = 'partial record header';
        break;
      }
      const len = data.readUInt32LE(off);
      const end = off + RECORD_HEADER + len;
      if (end > data.length) {
        reason = 'partial record payload';
        break;
      }
      if (data.readUInt32LE(off + 4) !== crc32(data.subarray(off + 8, end))) {
        reason = 'checksum mismatch';
        break;
      }
      const seq = data.readDoubleLE(off + 8);
      if (seq !== firstSeq + seg.count) {
        reason = `sequence ${seq} where ${firstSeq + seg.count} was expected`;
        break;
      }
      seg.lastIngest = data.readDoubleLE(off + 16);
      seg.offsets.push(end);
      off = end;
    }
    const truncatedBytes = data.length - off;
    if (truncatedBytes > 0) {
      fs.truncateSync(file, off);
    }
    return { segment: seg, report: { file, records: seg.count, truncatedBytes, ...(reason ? { reason } : {}) } };
  }

  get count(): number {
    return this.offsets.length - 1;
  }

  get bytes(): number {
    return this.offsets[this.offsets.length - 1];
  }

  append(records: StoredMessage[], encoded: Buffer): void {
    if (this.fd < 0) this.fd = fs.openSync(this.file, 'a+');
    let done = 0;
    try {
      // A short write (disk full) must not leave a torn record behind an acknowledged one.
      while (done < encoded.length) done += fs.writeSync(this.fd, encoded, done, encoded.length - done);
    } catch (err) {
      if (done > 0) fs.ftruncateSync(this.fd, this.bytes);
      throw err;
    }
    let end = this.bytes;
    for (const r of records) {
      end += RECORD_HEADER + r.payload.length;
      this.offsets.push(end);
      this.lastIngest = r.ingestTime;
    }
  }

  read(from: number, n: number): StoredMessage[] {
    const to = Math.min(from + n, this.count);
    if (to <= from) return [];
    const start = this.offsets[from];
    const buf = Buffer.allocUnsafe(this.offsets[to] - start);
    const fd = this.fd >= 0 ? this.fd : fs.openSync(this.file, 'r');
    try {
      let got = 0;
      while (got < buf.length) {
        const r = fs.readSync(fd, buf, got, buf.length - got, start + got);
        if (r === 0) throw new Error(`segment ${this.file} is shorter than its index`);
        got += r;
      }
    } finally {
      if (fd !== this.fd) fs.closeSync(fd);
    }
    const out: StoredMessage[] = new Array(to - from);
    let off = 0;
    for (let i = 0; i < out.length; i++) {
      const len = buf.readUInt32LE(off);
      out[i] = {
        sequenceNumber: buf.readDoubleLE(off + 8),
        ingestTime: buf.readDoubleLE(off + 16),
        payload: buf.subarray(off + RECORD_HEADER, off + RECORD_HEADER + len),
      };
      off += RECORD_HEADER + len;
    }
    return out;
  }

  sync(): void {
    if (this.fd >= 0) fs.fdatasyncSync(this.fd);
  }

  seal(): void {
    this.close();
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }

  /** Delete the file (the caller fsyncs the directory once for a batch of removals). */
  remove(): void {
    this.close();
    fs.rmSync(this.file, { force: true });
  }
}
