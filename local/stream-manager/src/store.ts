/**
 * The set of streams of one stream manager: create, update, delete, look up,
 * recover File streams from the store directory on start.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { normaliseDefinition, Persistence, streamFolderName, type StreamDefinition } from './definition';
import { RequestError, Status } from './protocol';
import type { RecoveryReport } from './segment';
import { MessageStream, type StreamEvents } from './stream';

export interface StoreLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Folder of a File stream under the store. */
export function streamFolder(root: string, name: string): string {
  return path.join(root, 'streams', streamFolderName(name));
}

export class StreamStore {
  private streams = new Map<string, MessageStream>();

  constructor(
    /** Store directory for File streams; without one, File streams are kept in memory (documented). */
    private readonly root: string | undefined,
    private readonly logger: StoreLogger,
    private readonly events: StreamEvents = {},
  ) {}

  /** Load every File stream found under the store directory. */
  open(): RecoveryReport[] {
    if (!this.root) return [];
    const dir = path.join(this.root, 'streams');
    fs.mkdirSync(dir, { recursive: true });
    const all: RecoveryReport[] = [];
    for (const entry of fs.readdirSync(dir)) {
      const folder = path.join(dir, entry);
      if (!/^[sh]_/.test(entry) || !fs.existsSync(MessageStream.definitionFile(folder))) continue;
      try {
        const { stream, reports } = MessageStream.recover(folder, this.events);
        this.streams.set(stream.name, stream);
        for (const r of reports) {
          if (r.truncatedBytes > 0) {
            this.logger.warn('Cut a torn or corrupt tail from a segment on recovery; every earlier message is intact.', {
              stream: stream.name,
              file: r.file,
              keptRecords: r.records,
              truncatedBytes: r.truncatedBytes,
              reason: r.reason,
            });
          }
        }
        all.push(...reports);
      } catch (err) {
        // Moved aside, not deleted: a later create of the same name must not wipe what it holds.
        const quarantine = path.join(this.root, 'quarantine');
        const movedTo = path.join(quarantine, `${entry}.${new Date().toISOString().replace(/[:.]/g, '-')}`);
        fs.mkdirSync(quarantine, { recursive: true });
        fs.renameSync(folder, movedTo);
        this.logger.error('Could not recover a stream folder; moved it aside untouched for a person to look at.', {
          folder,
          movedTo,
          err: String(err),
        });
      }
    }
    return all;
  }

  get(name: string): MessageStream {
    const s = this.streams.get(name);
    if (!s) throw new RequestError(Status.ResourceNotFound, `stream ${JSON.stringify(name)} does not exist`);
    return s;
  }

  has(name: string): boolean {
    return this.streams.has(name);
  }

  names(): string[] {
    return [...this.streams.keys()];
  }

  all(): MessageStream[] {
    return [...this.streams.values()];
  }

  create(raw: unknown): MessageStream {
    const def = normaliseDefinition(raw);
    checkSegmentSize(def);
    if (this.streams.has(def.name)) {
      throw new RequestError(Status.InvalidRequest, `stream ${JSON.stringify(def.name)} already exists`);
    }
    const dir = def.persistence === Persistence.File && this.root ? streamFolder(this.root, def.name) : undefined;
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    const s = MessageStream.create(def, dir, this.events);
    this.streams.set(def.name, s);
    return s;
  }

  update(raw: unknown, now: number): MessageStream {
    const def: StreamDefinition = normaliseDefinition(raw);
    const s = this.get(def.name);
    const old = s.definition;
    if (def.persistence !== old.persistence) {
      throw new RequestError(Status.UpdateNotAllowed, `persistence of stream ${def.name} cannot be changed`);
    }
    if (def.maxSize < s.totalBytes) {
      throw new RequestError(Status.InvalidRequest, `maxSize ${def.maxSize} is below the ${s.totalBytes} bytes stream ${def.name} holds`);
    }
    checkSegmentSize(def);
    s.update(def, now);
    return s;
  }

  delete(name: string): void {
    const s = this.get(name);
    this.streams.delete(name);
    s.destroy();
  }

  close(): void {
    for (const s of this.streams.values()) s.close();
    this.streams.clear();
  }
}

/** Data is deleted segment by segment, so a segment must be smaller than the stream. */
function checkSegmentSize(def: StreamDefinition): void {
  if (def.streamSegmentSize >= def.maxSize) {
    throw new RequestError(Status.InvalidRequest, `streamSegmentSize ${def.streamSegmentSize} must be below maxSize ${def.maxSize}`);
  }
}
