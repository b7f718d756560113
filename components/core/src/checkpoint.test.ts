import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CheckpointStore, checkpointFileName } from './checkpoint';
import { writeFileAtomic } from './health';
import { TributaryError } from './errors';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-checkpoint-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('CheckpointStore', () => {
  it('returns undefined for a key never saved, and the last value saved otherwise', async () => {
    const store = new CheckpointStore(path.join(dir, 'nested', 'cp'));
    expect(await store.load('tributary.out.critical@kinesis')).toBeUndefined();
    await store.save('tributary.out.critical@kinesis', { next: 10 });
    await store.save('tributary.out.critical@kinesis', { next: 42 });
    expect(await store.load('tributary.out.critical@kinesis')).toEqual({ next: 42 });
    expect(await new CheckpointStore(path.join(dir, 'nested', 'cp')).load('tributary.out.critical@kinesis')).toEqual({ next: 42 });
  });

  it('keeps keys apart even when they differ only in characters a file name cannot hold', async () => {
    const store = new CheckpointStore(dir);
    await store.save('a/b', 1);
    await store.save('a%2fb', 2);
    await store.save('a b', 3);
    expect([await store.load('a/b'), await store.load('a%2fb'), await store.load('a b')]).toEqual([1, 2, 3]);
    expect(checkpointFileName('../x')).not.toContain('/');
  });

  it('leaves no temp files behind', async () => {
    const store = new CheckpointStore(dir);
    for (let i = 0; i < 20; i++) await store.save('k', i);
    expect(await fs.readdir(dir)).toEqual([checkpointFileName('k')]);
  });

  it('reports a damaged file as checkpoint_corrupt naming the file, instead of starting over silently', async () => {
    const store = new CheckpointStore(dir);
    await fs.writeFile(store.fileOf('k'), '{"key":"k","val');
    await expect(store.load('k')).rejects.toMatchObject({ code: 'checkpoint_corrupt' });
    await fs.writeFile(store.fileOf('k'), JSON.stringify({ key: 'other', value: 1 }));
    const err = await store.load('k').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TributaryError);
    expect((err as Error).message).toContain(store.fileOf('k'));
  });

  it('reports a write it cannot do as a retryable checkpoint_io error', async () => {
    const blocker = path.join(dir, 'file');
    await fs.writeFile(blocker, 'x');
    const store = new CheckpointStore(path.join(blocker, 'sub'));
    await expect(store.save('k', 1)).rejects.toMatchObject({ code: 'checkpoint_io', isRetryable: true });
  });
});

describe('writeFileAtomic', () => {
  it('replaces the whole file', async () => {
    const file = path.join(dir, 'f.json');
    await writeFileAtomic(file, 'a much longer first content');
    await writeFileAtomic(file, 'short');
    expect(await fs.readFile(file, 'utf8')).toBe('short');
  });
});
