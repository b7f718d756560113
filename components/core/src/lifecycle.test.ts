import { EventEmitter } from 'node:events';
import { ManualClock, flushPromises } from './clock';
import { TributaryError } from './errors';
import { installProcessGuards, runUntilSignal } from './lifecycle';
import { MemoryLogSink, createLogger } from './logger';

class FakeProcess extends EventEmitter {
  readonly exits: number[] = [];
  exit(code: number): void {
    this.exits.push(code);
  }
  signal(name: NodeJS.Signals): void {
    this.emit(name, name);
  }
}

function setup() {
  const proc = new FakeProcess();
  const clock = new ManualClock();
  const sink = new MemoryLogSink();
  const logger = createLogger({ component: 'aggregator', stream: sink, clock, env: {} });
  return { proc, clock, sink, logger };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('runUntilSignal', () => {
  it('starts, stops on SIGTERM and exits 0', async () => {
    const { proc, clock, sink, logger } = setup();
    const calls: string[] = [];
    const done = runUntilSignal({
      start: async () => void calls.push('start'),
      stop: async () => void calls.push('stop'),
      logger,
      process: proc,
      clock,
    });
    await flushPromises();
    expect(calls).toEqual(['start']);
    expect(proc.listenerCount('SIGTERM')).toBe(1);
    expect(proc.listenerCount('SIGINT')).toBe(1);
    proc.signal('SIGTERM');
    await expect(done).resolves.toBe(0);
    expect(calls).toEqual(['start', 'stop']);
    expect(proc.exits).toEqual([0]);
    expect(sink.records().map((r) => r.msg)).toEqual(['Started.', 'Stopping.', 'Stopped.']);
    expect(sink.withMsg('Stopping.')[0]).toMatchObject({ signal: 'SIGTERM' });
    expect(proc.listenerCount('SIGTERM')).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('listens to the given signals only', async () => {
    const { proc, clock, logger } = setup();
    const stop = jest.fn();
    const done = runUntilSignal({ start: () => undefined, stop, logger, process: proc, clock, signals: ['SIGINT'] });
    await flushPromises();
    proc.signal('SIGTERM');
    await flushPromises();
    expect(stop).not.toHaveBeenCalled();
    proc.signal('SIGINT');
    await expect(done).resolves.toBe(0);
  });

  it('exits 1 with an error line when stop takes longer than the timeout', async () => {
    const { proc, clock, sink, logger } = setup();
    const done = runUntilSignal({ start: () => undefined, stop: () => new Promise<void>(() => undefined), logger, process: proc, clock, timeoutMs: 5_000 });
    await flushPromises();
    proc.signal('SIGTERM');
    await clock.advanceAsync(4_999);
    expect(proc.exits).toEqual([]);
    await clock.advanceAsync(1);
    await expect(done).resolves.toBe(1);
    expect(proc.exits).toEqual([1]);
    expect(sink.records().at(-1)).toMatchObject({ level: 'error', msg: 'Stop did not finish in time; exiting without a clean stop.', timeoutMs: 5_000 });
  });

  it('exits 1 at once on a second signal while stopping', async () => {
    const { proc, clock, sink, logger } = setup();
    const slowStop = deferred();
    const done = runUntilSignal({ start: () => undefined, stop: () => slowStop.promise, logger, process: proc, clock });
    await flushPromises();
    proc.signal('SIGTERM');
    await flushPromises();
    proc.signal('SIGINT');
    await expect(done).resolves.toBe(1);
    expect(sink.records().at(-1)).toMatchObject({ level: 'error', msg: 'Second signal while stopping; exiting now.', signal: 'SIGINT' });
    slowStop.resolve();
    await flushPromises();
    expect(proc.exits).toEqual([1]);
  });

  it('exits 1 when stop throws', async () => {
    const { proc, clock, sink, logger } = setup();
    const done = runUntilSignal({
      start: () => undefined,
      stop: () => Promise.reject(new TributaryError('stream_timeout', 'Flush timed out.')),
      logger,
      process: proc,
      clock,
    });
    await flushPromises();
    proc.signal('SIGINT');
    await expect(done).resolves.toBe(1);
    expect(sink.records().at(-1)).toMatchObject({ msg: 'Stop failed; exiting.', err: { code: 'stream_timeout' } });
  });

  it('when start fails, logs it, still calls stop, and exits 1', async () => {
    const { proc, clock, sink, logger } = setup();
    const stop = jest.fn();
    const done = runUntilSignal({
      start: () => {
        throw new Error('port busy');
      },
      stop,
      logger,
      process: proc,
      clock,
    });
    await expect(done).resolves.toBe(1);
    expect(stop).toHaveBeenCalledTimes(1);
    expect(proc.exits).toEqual([1]);
    expect(sink.withMsg('Start failed; stopping.')[0]).toMatchObject({ level: 'error', err: { message: 'port busy' } });
  });

  it('a signal during a slow start waits for start before stopping', async () => {
    const { proc, clock, logger } = setup();
    const slowStart = deferred();
    const calls: string[] = [];
    const done = runUntilSignal({
      start: async () => {
        await slowStart.promise;
        calls.push('started');
      },
      stop: () => void calls.push('stop'),
      logger,
      process: proc,
      clock,
    });
    proc.signal('SIGTERM');
    await flushPromises();
    expect(calls).toEqual([]);
    slowStart.resolve();
    await expect(done).resolves.toBe(0);
    expect(calls).toEqual(['started', 'stop']);
  });
});

describe('runUntilSignal when started by a parent over a Node IPC channel', () => {
  it('stops cleanly (exit 0) when the channel closes because the parent is gone', async () => {
    const { proc, clock, sink, logger } = setup();
    const calls: string[] = [];
    const done = runUntilSignal({ start: () => void calls.push('start'), stop: () => void calls.push('stop'), logger, process: proc, clock, stopWhenParentGone: true });
    await flushPromises();
    proc.emit('disconnect');
    await expect(done).resolves.toBe(0);
    expect(calls).toEqual(['start', 'stop']);
    expect(sink.withMsg('Stopping: the parent process that started this one is gone.')).toHaveLength(1);
    expect(proc.listenerCount('disconnect')).toBe(0);
  });

  it('ignores a disconnect when not watching (no IPC channel, as under Greengrass)', async () => {
    const { proc, clock, logger } = setup();
    const done = runUntilSignal({ start: () => undefined, stop: () => undefined, logger, process: proc, clock });
    await flushPromises();
    expect(proc.listenerCount('disconnect')).toBe(0);
    proc.signal('SIGTERM');
    await expect(done).resolves.toBe(0);
  });
});

describe('installProcessGuards', () => {
  it('logs an uncaught exception at error level and exits 1', () => {
    const { proc, sink, logger } = setup();
    const guards = installProcessGuards(logger, { process: proc });
    proc.emit('uncaughtException', new Error('kaboom'), 'uncaughtException');
    expect(sink.records()[0]).toMatchObject({ level: 'error', msg: 'Uncaught exception; exiting.', err: { message: 'kaboom' } });
    expect(proc.exits).toEqual([1]);
    guards.uninstall();
    expect(proc.listenerCount('uncaughtException')).toBe(0);
    expect(proc.listenerCount('unhandledRejection')).toBe(0);
    expect(proc.listenerCount('warning')).toBe(0);
  });

  it('logs process warnings once each as JSON instead of Node\'s plain-text print, and gives the printer back on uninstall', () => {
    const { proc, sink, logger } = setup();
    const printed: string[] = [];
    const printer = (w: Error): void => void printed.push(w.message);
    proc.on('warning', printer);
    const guards = installProcessGuards(logger, { process: proc });
    const w = Object.assign(new Error('versions published after January 2027\nwill require node >=22.'), { name: 'NodeVersionSupportWarning' });
    proc.emit('warning', w);
    proc.emit('warning', w);
    expect(printed).toEqual([]);
    expect(sink.withMsg('Node.js process warning.')).toEqual([
      expect.objectContaining({ level: 'warn', name: 'NodeVersionSupportWarning', warning: 'versions published after January 2027 will require node >=22.' }),
    ]);
    guards.uninstall();
    proc.emit('warning', w);
    expect(printed).toHaveLength(1);
  });

  it('logs an unhandled rejection and keeps running by default', () => {
    const { proc, sink, logger } = setup();
    installProcessGuards(logger, { process: proc });
    proc.emit('unhandledRejection', new TributaryError('stream_closed', 'Socket closed.'), Promise.resolve());
    expect(sink.records()[0]).toMatchObject({ level: 'error', msg: 'Unhandled promise rejection.', err: { code: 'stream_closed' } });
    expect(proc.exits).toEqual([]);
  });

  it('can exit on unhandled rejections and keep running on uncaught exceptions', () => {
    const { proc, logger } = setup();
    installProcessGuards(logger, { process: proc, exitOnUncaughtException: false, exitOnUnhandledRejection: true });
    proc.emit('uncaughtException', new Error('a'));
    expect(proc.exits).toEqual([]);
    proc.emit('unhandledRejection', 'b');
    expect(proc.exits).toEqual([1]);
  });

  it('swallows errors declared harmless, logging them at debug only', () => {
    const { proc, sink, logger } = setup();
    logger.setLevel('debug');
    const guards = installProcessGuards(logger, { process: proc });
    const remove = guards.ignore('sm_client_reconnect', (err) => err instanceof Error && err.message.includes('EPIPE'));
    guards.ignore('broken_matcher', () => {
      throw new Error('bug');
    });
    proc.emit('unhandledRejection', new Error('write EPIPE'));
    proc.emit('uncaughtException', new Error('write EPIPE'));
    expect(proc.exits).toEqual([]);
    expect(sink.records().map((r) => [r.level, r.ignored])).toEqual([
      ['debug', 'sm_client_reconnect'],
      ['debug', 'sm_client_reconnect'],
    ]);
    remove();
    proc.emit('uncaughtException', new Error('write EPIPE'));
    expect(proc.exits).toEqual([1]);
  });

  it('installs on and removes from the real process by default', () => {
    const { logger } = setup();
    const before = process.listenerCount('unhandledRejection');
    const guards = installProcessGuards(logger);
    expect(process.listenerCount('unhandledRejection')).toBe(before + 1);
    guards.uninstall();
    expect(process.listenerCount('unhandledRejection')).toBe(before);
  });
});
