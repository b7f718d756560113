/**
 * Durable checkpoints: small JSON documents written atomically (temp file in the same folder,
 * fsync, rename over the old one, fsync of the folder), so that after a crash or power loss a
 * checkpoint is either the old one or the new one, never a torn mix.
 *
 * A component keeps one CheckpointStore in its work directory and one key per position it
 * tracks (for example `tributary.out.critical@kinesis`). Keys may hold any characters; file
 * names are derived from them safely.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { TributaryError } from './errors';
import { writeFileAtomic } from './health';

export const CheckpointErrorCode = {
  /** The checkpoint file exists but is not the JSON this store wrote. */
  Corrupt: 'checkpoint_corrupt',
  /** Reading or writing the checkpoint failed (disk full, permissions, ...). */
  Io: 'checkpoint_io',
} as const;

/** File name for a key: readable characters kept, everything else percent-encoded. */
export function checkpointFileName(key: string): string {
  return `${key.replace(/[^A-Za-z0-9._@-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}.json`;
}

export class CheckpointStore {
  private ready: Promise<void> | undefined;

  constructor(readonly dir: string) {}

  /** The stored value of `key`, or undefined when none was saved. Throws `checkpoint_corrupt` for a damaged file. */
  async load<T = unknown>(key: string): Promise<T | undefined> {
    const file = this.fileOf(key);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new TributaryError(CheckpointErrorCode.Io, `cannot read checkpoint ${file}: ${(err as Error).message}`, { cause: err });
    }
    try {
      const doc = JSON.parse(text) as { key?: unknown; value?: T };
      if (doc === null || typeof doc !== 'object' || doc.key !== key || !('value' in doc)) throw new Error('not a checkpoint document');
      return doc.value;
    } catch (err) {
      throw new TributaryError(CheckpointErrorCode.Corrupt, `checkpoint ${file} is damaged: ${(err as Error).message}`, { cause: err, details: { file } });
    }
  }

  /** Store `value` (JSON-serialisable) under `key`; resolves once it is durable. */
  async save(key: string, value: unknown): Promise<void> {
    this.ready ??= fs.mkdir(this.dir, { recursive: true }).then(() => undefined);
    try {
      await this.ready;
      await writeFileAtomic(this.fileOf(key), JSON.stringify({ key, value, savedAt: new Date().toISOString() }));
    } catch (err) {
      this.ready = undefined;
      throw new TributaryError(CheckpointErrorCode.Io, `cannot write checkpoint ${key} in ${this.dir}: ${(err as Error).message}`, { cause: err, retryable: true });
    }
  }

  async remove(key: string): Promise<void> {
    await fs.rm(this.fileOf(key), { force: true });
  }

  fileOf(key: string): string {
    return path.join(this.dir, checkpointFileName(key));
  }
}
