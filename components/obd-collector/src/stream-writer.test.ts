import { StreamError, StreamErrorCode, type StreamSpec } from '../../core/src';
import { EnsuringStreamWriter, STREAM_ENSURE_FAILED, StreamEnsureError, type StreamAdmin } from './stream-writer';

class FakeAdmin implements StreamAdmin {
  readonly calls: string[] = [];
  missing = new Set<string>();
  ensureError: unknown;
  async ensureStream(spec: StreamSpec): Promise<unknown> {
    this.calls.push(`ensure ${spec.name}`);
    if (this.ensureError !== undefined) throw this.ensureError;
    this.missing.delete(spec.name);
    return 'created';
  }
  async append(stream: string): Promise<number> {
    this.calls.push(`append ${stream}`);
    if (this.missing.has(stream)) throw new StreamError(StreamErrorCode.NotFound, 'no such stream');
    return 0;
  }
}

const spec: StreamSpec = { name: 'tributary.obd.raw', strategyOnFull: 'OverwriteOldestData' };

test('ensures a stream before its first write, and again after a write finds it missing (retryable)', async () => {
  const admin = new FakeAdmin();
  const w = new EnsuringStreamWriter(admin, [spec]);
  await w.append('tributary.obd.raw', Buffer.from('x'));
  await w.append('tributary.obd.raw', Buffer.from('x'));
  expect(admin.calls).toEqual(['ensure tributary.obd.raw', 'append tributary.obd.raw', 'append tributary.obd.raw']);
  admin.missing.add('tributary.obd.raw');
  const err = await w.append('tributary.obd.raw', Buffer.from('x')).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(StreamError);
  expect((err as StreamError).isRetryable).toBe(true);
  await w.append('tributary.obd.raw', Buffer.from('x'));
  expect(admin.calls.slice(3)).toEqual(['append tributary.obd.raw', 'ensure tributary.obd.raw', 'append tributary.obd.raw']);
});

test('a stream without a spec is written as is; errors pass through', async () => {
  const admin = new FakeAdmin();
  admin.missing.add('other');
  const w = new EnsuringStreamWriter(admin, [spec]);
  const err = await w.append('other', Buffer.from('x')).catch((e: unknown) => e);
  expect((err as StreamError).code).toBe(StreamErrorCode.NotFound);
  expect((err as StreamError).isRetryable).toBe(false);
  expect(admin.calls).toEqual(['append other']);
});

test('an ensure that cannot succeed as is (definition conflict) is a retryable stream-level error naming the stream and the cause', async () => {
  const admin = new FakeAdmin();
  const conflict = new StreamError(StreamErrorCode.DefinitionConflict, 'persistence cannot be changed');
  admin.ensureError = conflict;
  const w = new EnsuringStreamWriter(admin, [spec]);
  const err = await w.append('tributary.obd.raw', Buffer.from('x')).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(StreamEnsureError);
  expect((err as StreamEnsureError).code).toBe(STREAM_ENSURE_FAILED);
  expect((err as StreamEnsureError).isRetryable).toBe(true);
  expect((err as StreamEnsureError).stream).toBe('tributary.obd.raw');
  expect((err as StreamEnsureError).cause).toBe(conflict);
  expect((err as StreamEnsureError).message).toContain('stream_definition_conflict');
  expect(admin.calls).toEqual(['ensure tributary.obd.raw']); // no append without the stream
  // Fixed: the next write ensures again and goes through.
  admin.ensureError = undefined;
  await w.append('tributary.obd.raw', Buffer.from('x'));
  expect(admin.calls).toEqual(['ensure tributary.obd.raw', 'ensure tributary.obd.raw', 'append tributary.obd.raw']);
});

test('an ensure that fails because the stream manager is away passes through unchanged (a connection condition)', async () => {
  const admin = new FakeAdmin();
  const away = new StreamError(StreamErrorCode.Unavailable, 'connection refused', { retryable: true });
  admin.ensureError = away;
  const w = new EnsuringStreamWriter(admin, [spec]);
  await expect(w.append('tributary.obd.raw', Buffer.from('x'))).rejects.toBe(away);
});
