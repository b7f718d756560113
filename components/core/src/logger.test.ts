import { ManualClock } from './clock';
import { TributaryError } from './errors';
import { LogLevel, MemoryLogSink, RateLimitedLog, createLogger, parseLogLevel, serializeError } from './logger';

const T0 = Date.parse('2026-11-24T00:00:00.000Z');

function setup(level: LogLevel = 'info', env: Record<string, string | undefined> = {}) {
  const sink = new MemoryLogSink();
  const clock = new ManualClock(T0);
  const logger = createLogger({ component: 'publisher', level, stream: sink, clock, env });
  return { sink, clock, logger };
}

describe('createLogger', () => {
  it('writes one JSON object per line with t, level, component, msg and fields, in that order', () => {
    const { sink, logger } = setup();
    logger.info('Connected.', { endpoint: 'localhost:8088', attempts: 3 });
    expect(sink.lines).toEqual([
      '{"t":"2026-11-24T00:00:00.000Z","level":"info","component":"publisher","msg":"Connected.","endpoint":"localhost:8088","attempts":3}',
    ]);
  });

  it('drops lines below the level', () => {
    const { sink, logger } = setup('warn');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(sink.records().map((r) => r.level)).toEqual(['warn', 'error']);
    expect(logger.isLevelEnabled('info')).toBe(false);
    expect(logger.isLevelEnabled('error')).toBe(true);
  });

  it('takes the level from LOG_LEVEL over the configured level, and ignores an unknown LOG_LEVEL with a warning', () => {
    expect(setup('info', { LOG_LEVEL: 'debug' }).logger.level).toBe('debug');
    expect(setup('info', { LOG_LEVEL: 'WARNING' }).logger.level).toBe('warn');
    const { logger, sink } = setup('error', { LOG_LEVEL: 'verbose' });
    expect(logger.level).toBe('error');
    // The warning about the bad LOG_LEVEL is itself below `error`, so it is not written.
    expect(sink.lines).toHaveLength(0);
    const info = setup('info', { LOG_LEVEL: 'verbose' });
    expect(info.sink.records()[0]).toMatchObject({ level: 'warn', logLevel: 'verbose' });
  });

  it('defaults to info', () => {
    const sink = new MemoryLogSink();
    const logger = createLogger({ component: 'x', stream: sink, env: {} });
    expect(logger.level).toBe('info');
  });

  it('child loggers add their fields after component and share level and sink', () => {
    const { sink, logger } = setup();
    const kinesis = logger.child({ module: 'kinesis' });
    const shard = kinesis.child({ shard: 'shard-1' });
    shard.warn('Throttled.', { retryInMs: 200 });
    expect(sink.lines[0]).toBe(
      '{"t":"2026-11-24T00:00:00.000Z","level":"warn","component":"publisher","module":"kinesis","shard":"shard-1","msg":"Throttled.","retryInMs":200}',
    );
    shard.setLevel('error');
    logger.warn('hidden');
    expect(sink.lines).toHaveLength(1);
    expect(logger.level).toBe('error');
  });

  it('does not let fields overwrite t, level, component or msg', () => {
    const { sink, logger } = setup();
    logger.info('real', { msg: 'fake', level: 'error', t: 0, component: 'other' });
    expect(sink.records()[0]).toEqual({
      t: '2026-11-24T00:00:00.000Z',
      level: 'info',
      component: 'publisher',
      msg: 'real',
      field_msg: 'fake',
      field_level: 'error',
      field_t: 0,
      field_component: 'other',
    });
  });

  it('serialises errors with code, details and cause; stack only at debug', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const err = new TributaryError('stream_unavailable', 'Stream manager is down.', { cause, details: { port: 8088 } });
    const info = setup('info');
    info.logger.error('Append failed.', { err });
    expect(info.sink.records()[0].err).toEqual({
      name: 'TributaryError',
      message: 'Stream manager is down.',
      code: 'stream_unavailable',
      details: { port: 8088 },
      cause: { message: 'connect ECONNREFUSED', code: 'ECONNREFUSED' },
    });
    const debug = setup('debug');
    debug.logger.error('Append failed.', { err });
    const logged = debug.sink.records()[0].err as Record<string, unknown>;
    expect(typeof logged.stack).toBe('string');
    expect((logged.cause as Record<string, unknown>).stack).toEqual(expect.stringContaining('ECONNREFUSED'));
  });

  it('writes awkward values as JSON without throwing', () => {
    const { sink, logger } = setup();
    const circular: Record<string, unknown> = { name: 'loop' };
    circular.self = circular;
    logger.info('values', {
      big: 10n,
      nan: Number.NaN,
      when: new Date(T0),
      bytes: Buffer.from('abc'),
      map: new Map([['a', 1]]),
      set: new Set([1, 2]),
      circular,
      fn: () => 1,
      missing: undefined,
      list: [1, undefined, 'x'],
    });
    expect(sink.records()[0]).toMatchObject({
      big: '10',
      nan: 'NaN',
      when: '2026-11-24T00:00:00.000Z',
      bytes: '<3 bytes>',
      map: { a: 1 },
      set: [1, 2],
      circular: { name: 'loop', self: '[Circular]' },
      list: [1, null, 'x'],
    });
    expect(sink.records()[0]).not.toHaveProperty('fn');
    expect(sink.records()[0]).not.toHaveProperty('missing');
  });

  it('survives a sink that throws', () => {
    const logger = createLogger({
      component: 'x',
      env: {},
      stream: {
        write: () => {
          throw new Error('EPIPE');
        },
      },
    });
    expect(() => logger.error('still fine')).not.toThrow();
  });
});

describe('serializeError', () => {
  it('returns message and code', () => {
    expect(serializeError(new TributaryError('timeout', 'slow'))).toEqual({ name: 'TributaryError', message: 'slow', code: 'timeout' });
  });
});

describe('parseLogLevel', () => {
  it('accepts the four levels in any case and rejects others', () => {
    expect(parseLogLevel(' Info ')).toBe('info');
    expect(parseLogLevel('trace')).toBeUndefined();
    expect(parseLogLevel(undefined)).toBeUndefined();
  });
});

describe('rate limiting', () => {
  it('writes the first line, swallows repeats within the interval and reports how many were swallowed', () => {
    const { sink, clock, logger } = setup();
    const log = logger.rateLimited('sm-connect', 10_000);
    log.warn('Cannot reach stream manager; retrying.', { attempt: 1 });
    clock.advance(1_000);
    log.warn('Cannot reach stream manager; retrying.', { attempt: 2 });
    clock.advance(1_000);
    log.warn('Cannot reach stream manager; retrying.', { attempt: 3 });
    expect(sink.lines).toHaveLength(1);
    expect(log.suppressed).toBe(2);
    clock.advance(8_000);
    log.warn('Cannot reach stream manager; retrying.', { attempt: 4 });
    const records = sink.records();
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({ attempt: 1 });
    expect(records[0]).not.toHaveProperty('suppressed');
    expect(records[1]).toMatchObject({ attempt: 4, suppressed: 2, t: '2026-11-24T00:00:10.000Z' });
  });

  it('returns the same limiter for the same key, separate ones for different keys', () => {
    const { sink, logger } = setup();
    expect(logger.rateLimited('a', 1000)).toBe(logger.rateLimited('a', 1000));
    logger.rateLimited('a', 1000).warn('a');
    logger.rateLimited('b', 1000).warn('b');
    logger.rateLimited('a', 1000).warn('a');
    expect(sink.records().map((r) => r.msg)).toEqual(['a', 'b']);
  });

  it('flush writes the last swallowed line so the count is not lost; reset lets the next line through', () => {
    const { sink, clock, logger } = setup();
    const log = new RateLimitedLog(logger, 5_000, clock);
    log.error('Port closed.', { n: 1 });
    log.error('Port closed.', { n: 2 });
    log.error('Port closed.', { n: 3 });
    log.flush();
    expect(sink.records().map((r) => [r.n, r.suppressed])).toEqual([
      [1, undefined],
      [3, 1],
    ]);
    log.flush();
    expect(sink.lines).toHaveLength(2);
    log.reset();
    log.error('Port closed.', { n: 4 });
    expect(sink.lines).toHaveLength(3);
  });

  it('does not count lines below the level', () => {
    const { sink, logger } = setup('warn');
    const log = logger.rateLimited('k', 1000);
    log.info('quiet');
    log.warn('loud');
    expect(sink.records()).toHaveLength(1);
    expect(sink.records()[0]).not.toHaveProperty('suppressed');
  });
});
