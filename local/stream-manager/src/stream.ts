/**
 * One message stream: its definition, its segments, the size and time limits,
 * and the readers waiting for new messages.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { definitionToWire, normaliseDefinition, Persistence, StrategyOnFull, streamFolderName, type StreamDefinition } from './definition';
import { RequestError, Status } from './protocol';
import { encodeRecords, FileSegment, fsyncDir, MemorySegment, RECORD_HEADER, type RecoveryReport, type Segment, type StoredMessage } from './segment';

export interface StreamEvents {
  /** Messages were lost to a limit: overwritten by OverwriteOldestData or expired by TTL. */
  onDiscard?(stream: string, messages: number, reason: 'overwritten' | 'expired'): void;
}

interface Waiter {
  wake(): void;
}

export class MessageStream {
  private segments: Segment[] = [];
  private waiters = new Set<Waiter>();
  private dirty = false;
  /** Bytes held by all segments, kept as a running total (it is checked on every append). */
  private bytes = 0;
  nextSeq = 0;
  /** Set when an fsync failed: what was written may be lost, so appends are refused until restart. */
  broken?: string;

  private constructor(
    public definition: StreamDefinition,
    /** Folder of a File stream; undefined for Memory. */
    readonly dir: string | undefined,
    private readonly events: StreamEvents,
  ) {}

  static definitionFile(dir: string): string {
    return path.join(dir, 'definition.json');
  }

  static create(def: StreamDefinition, dir: string | undefined, events: StreamEvents): MessageStream {
    const s = new MessageStream(def, def.persistence === Persistence.File ? dir : undefined, events);
    if (s.dir) {
      fs.mkdirSync(s.dir, { recursive: true });
      s.saveDefinition();
    }
    s.segments.push(s.newSegment(0));
    return s;
  }

  /** Re-open a File stream from its folder, cutting any torn tail. */
  static recover(dir: string, events: StreamEvents): { stream: MessageStream; reports: RecoveryReport[] } {
    // Validate what was read back: a broken definition must not register a stream named `undefined`
    // (it hangs the official client's listStreams) or shadow another folder's stream of the same name.
    const def = normaliseDefinition(JSON.parse(fs.readFileSync(MessageStream.definitionFile(dir), 'utf8')));
    if (def.persistence !== Persistence.File || path.basename(dir) !== streamFolderName(def.name)) {
      throw new Error(`definition.json describes ${JSON.stringify(def.name)} (persistence ${def.persistence}), not the File stream of folder ${path.basename(dir)}`);
    }
    const s = new MessageStream(def, dir, events);
    const files = fs
      .readdirSync(dir)
      .filter((f) => /^\d+\.seg$/.test(f))
      .map((f) => ({ f, first: Number(f.slice(0, -4)) }))
      .sort((a, b) => a.first - b.first);
    const reports: RecoveryReport[] = [];
    for (const { f, first } of files) {
      const { segment, report } = FileSegment.recover(path.join(dir, f), first);
      s.segments.push(segment);
      s.bytes += segment.bytes;
      reports.push(report);
    }
    if (s.segments.length === 0) s.segments.push(s.newSegment(0));
    const last = s.segments[s.segments.length - 1];
    s.nextSeq = last.firstSeq + last.count;
    return { stream: s, reports };
  }

  get name(): string {
    return this.definition.name;
  }

  get oldestSeq(): number {
    for (const seg of this.segments) if (seg.count > 0) return seg.firstSeq;
    return this.nextSeq;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  storageStatus(): Record<string, number> {
    return { oldestSequenceNumber: this.oldestSeq, newestSequenceNumber: this.nextSeq - 1, totalBytes: this.totalBytes };
  }

  info(): Record<string, unknown> {
    return { definition: definitionToWire(this.definition), storageStatus: this.storageStatus(), exportStatuses: [] };
  }

  /**
   * Append one message and return its sequence number. With flushOnWrite the caller
   * must call flush() before acknowledging (the server does it once per batch).
   */
  append(payload: Buffer, now: number): number {
    if (this.broken) throw new RequestError(Status.UnknownFailure, `stream ${this.name} cannot take appends after a storage error (${this.broken}); restart the stream manager`);
    const size = RECORD_HEADER + payload.length;
    const def = this.definition;
    if (size > def.maxSize) {
      throw new RequestError(Status.InvalidRequest, `message of ${payload.length} bytes can never fit in stream ${def.name} (maxSize ${def.maxSize})`);
    }
    if (this.totalBytes + size > def.maxSize) {
      if (def.strategyOnFull === StrategyOnFull.RejectNewData) {
        throw new RequestError(
          Status.InvalidRequest,
          `stream ${def.name} is full: ${this.totalBytes} of ${def.maxSize} bytes used and strategyOnFull is RejectNewData`,
        );
      }
      this.makeRoom(size);
    }
    let active = this.segments[this.segments.length - 1];
    if (active.count > 0 && active.bytes + size > def.streamSegmentSize) {
      active = this.roll();
    }
    const record: StoredMessage = { sequenceNumber: this.nextSeq, ingestTime: now, payload };
    const encoded = encodeRecords([record]);
    active.append([record], encoded);
    this.bytes += encoded.length;
    this.nextSeq++;
    if (def.flushOnWrite && this.dir) this.dirty = true;
    for (const w of this.waiters) w.wake();
    return record.sequenceNumber;
  }

  /** fsync what flushOnWrite appends wrote since the last flush. */
  flush(): void {
    if (!this.dirty) return;
    this.dirty = false;
    this.segments.at(-1)?.sync();
  }

  get needsFlush(): boolean {
    return this.dirty;
  }

  /**
   * Messages from `start` (raised to the oldest retained), at most `max`; past `min` messages,
   * no more than `maxBytes` of payload.
   */
  read(start: number, max: number, maxBytes: number, min = 1): StoredMessage[] {
    let seq = Math.max(start, this.oldestSeq);
    const out: StoredMessage[] = [];
    let bytes = 0;
    for (const seg of this.segments) {
      if (out.length >= max || bytes >= maxBytes) break;
      const segEnd = seg.firstSeq + seg.count;
      if (seq >= segEnd || seg.count === 0) continue;
      const from = Math.max(0, seq - seg.firstSeq);
      for (const m of seg.read(from, max - out.length)) {
        if (out.length >= min && bytes + m.payload.length > maxBytes) return out;
        out.push(m);
        bytes += m.payload.length;
      }
      seq = segEnd;
    }
    return out;
  }

  /** Number of messages available from `start` (raised to the oldest retained). */
  available(start: number): number {
    // Counted per segment: after recovery cut a damaged older segment, its tail is a gap that
    // nextSeq - start would count as messages (and a read could return fewer than minMessageCount).
    let n = 0;
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const seg = this.segments[i];
      const end = seg.firstSeq + seg.count;
      if (end <= start) break;
      n += end - Math.max(start, seg.firstSeq);
    }
    return n;
  }

  addWaiter(w: Waiter): void {
    this.waiters.add(w);
  }

  removeWaiter(w: Waiter): void {
    this.waiters.delete(w);
  }

  /** Apply a new definition (already checked by the caller for what may not change). */
  update(def: StreamDefinition, now: number): void {
    this.definition = def;
    if (this.dir) this.saveDefinition();
    if (this.totalBytes > def.maxSize && def.strategyOnFull === StrategyOnFull.OverwriteOldestData) this.makeRoom(0);
    this.expire(now);
  }

  /** Drop segments whose newest message is older than the TTL. */
  expire(now: number): void {
    const ttl = this.definition.timeToLiveMillis;
    if (ttl === undefined) return;
    const cutoff = now - ttl;
    const active = this.segments[this.segments.length - 1];
    if (active.count > 0 && active.lastIngest < cutoff) this.roll();
    let dropped = 0;
    while (this.segments.length > 1 && this.segments[0].lastIngest < cutoff) {
      dropped += this.removeOldest();
    }
    if (dropped > 0) {
      if (this.dir) fsyncDir(this.dir);
      this.events.onDiscard?.(this.name, dropped, 'expired');
    }
  }

  close(): void {
    for (const seg of this.segments) seg.close();
    for (const w of this.waiters) w.wake();
  }

  /** Remove the stream and all its stored data. */
  destroy(): void {
    this.close();
    this.segments = [];
    this.bytes = 0;
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private makeRoom(size: number): void {
    let dropped = 0;
    while (this.totalBytes + size > this.definition.maxSize) {
      if (this.segments.length === 1) {
        if (this.segments[0].count === 0) break;
        this.roll();
      }
      dropped += this.removeOldest();
    }
    if (dropped > 0) {
      if (this.dir) fsyncDir(this.dir);
      this.events.onDiscard?.(this.name, dropped, 'overwritten');
    }
  }

  /** Delete the oldest segment; returns how many messages it held. */
  private removeOldest(): number {
    const seg = this.segments.shift()!;
    this.bytes -= seg.bytes;
    seg.remove();
    return seg.count;
  }

  private roll(): Segment {
    this.flush();
    this.segments.at(-1)?.seal();
    const seg = this.newSegment(this.nextSeq);
    this.segments.push(seg);
    return seg;
  }

  private newSegment(firstSeq: number): Segment {
    return this.dir ? FileSegment.create(this.dir, firstSeq) : new MemorySegment(firstSeq);
  }

  private saveDefinition(): void {
    const file = MessageStream.definitionFile(this.dir!);
    const tmp = `${file}.tmp`;
    const fd = fs.openSync(tmp, 'w');
    fs.writeSync(fd, JSON.stringify(this.definition, null, 2));
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, file);
    fsyncDir(this.dir!);
  }
}
