import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock, flushPromises } from './clock';
import { TributaryError } from './errors';
import { Counters, Health, HealthReporter, HealthSnapshot, metricKey, writeFileAtomic } from './health';
import { MemoryLogSink, createLogger } from './logger';

const T0 = Date.parse('2026-11-24T00:00:00.000Z');

function setup() {
  const clock = new ManualClock(T0);
  const sink = new MemoryLogSink();
  const logger = createLogger({ component: 'publisher', stream: sink, clock, env: {} });
  const health = new Health({ component: 'publisher', clock });
  return { clock, sink, logger, health };
}

describe('metricKey', () => {
  it('writes labels sorted, quoted and escaped', () => {
    expect(metricKey('received')).toBe('received');
    expect(metricKey('dropped', { reason: 'invalid' })).toBe('dropped{reason="invalid"}');
    expect(metricKey('written', { stream: 'a', destination: 'kinesis' })).toBe('written{destination="kinesis",stream="a"}');
    expect(metricKey('x', { v: 'say "hi" \\' })).toBe('x{v="say \\"hi\\" \\\\"}');
    expect(metricKey('x', {})).toBe('x');
  });

  it('rejects names and labels that are not snake_case', () => {
    expect(() => metricKey('Dropped')).toThrow(RangeError);
    expect(() => metricKey('dropped', { 'bad-label': 1 })).toThrow(RangeError);
  });
});

describe('Counters', () => {
  it('counts per label set and only grows', () => {
    const c = new Counters();
    c.inc('dropped', { reason: 'invalid' });
    c.inc('dropped', { reason: 'invalid' }, 4);
    c.inc('dropped', { reason: 'rejected' });
    c.inc('received', undefined, 10);
    expect(c.counter('dropped', { reason: 'invalid' })).toBe(5);
    expect(c.counter('dropped', { reason: 'overflow' })).toBe(0);
    expect(() => c.inc('received', undefined, -1)).toThrow(RangeError);
    expect(() => c.inc('received', undefined, Number.NaN)).toThrow(RangeError);
    expect(c.counter('received')).toBe(10);
  });

  it('keeps gauges that can be set and adjusted', () => {
    const c = new Counters();
    c.set('lag_ms', 1200);
    c.set('lag_ms', 300);
    c.adjust('backlog', 5, { stream: 'a' });
    c.adjust('backlog', -2, { stream: 'a' });
    expect(c.gauge('lag_ms')).toBe(300);
    expect(c.gauge('backlog', { stream: 'a' })).toBe(3);
    expect(c.gauge('nothing')).toBeUndefined();
    expect(c.snapshot()).toEqual({ counters: {}, gauges: { 'backlog{stream="a"}': 3, lag_ms: 300 } });
  });
});

describe('Health', () => {
  it('starts in starting, tracks state changes with since, and snapshots as plain JSON', () => {
    const { clock, health } = setup();
    expect(health.state).toBe('starting');
    clock.advance(1_500);
    health.setState('running');
    clock.advance(500);
    health.counters.inc('received', undefined, 3);
    health.counters.inc('dropped', { reason: 'invalid' });
    health.counters.set('backlog', 42);
    const snap = health.snapshot();
    expect(snap).toEqual({
      component: 'publisher',
      state: 'running',
      since: '2026-11-24T00:00:01.500Z',
      at: '2026-11-24T00:00:02.000Z',
      uptimeMs: 2_000,
      lastError: null,
      statuses: {},
      counters: { 'dropped{reason="invalid"}': 1, received: 3 },
      gauges: { backlog: 42 },
    });
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
    health.counters.inc('received');
    expect(snap.counters.received).toBe(3);
  });

  it('records the last error with its code, message and time', () => {
    const { clock, health } = setup();
    clock.advance(10);
    health.recordError(new TributaryError('kinesis_throttled', 'Rate exceeded.'));
    clock.advance(10);
    health.recordError(new Error('socket hang up'));
    expect(health.snapshot().lastError).toEqual({ code: 'unknown', message: 'socket hang up', at: '2026-11-24T00:00:00.020Z' });
  });

  it('keeps named sub-statuses: since changes only with the state, attempts reset on connected', () => {
    const { clock, health } = setup();
    health.setStatus('stream_manager', 'connecting');
    clock.advance(100);
    const err = new TributaryError('stream_unavailable', 'Connection refused.');
    health.setStatus('stream_manager', 'backing_off', { attempts: 1, error: err });
    clock.advance(1_000);
    health.setStatus('stream_manager', 'backing_off', { attempts: 2 });
    let s = health.status('stream_manager')!;
    expect(s).toEqual({
      state: 'backing_off',
      since: '2026-11-24T00:00:00.100Z',
      attempts: 2,
      lastError: { code: 'stream_unavailable', message: 'Connection refused.', at: '2026-11-24T00:00:00.100Z' },
    });
    expect(health.lastError?.code).toBe('stream_unavailable');
    clock.advance(1_000);
    s = health.setStatus('stream_manager', 'connected', { detail: { port: 8088 } });
    expect(s.attempts).toBe(0);
    expect(s.since).toBe('2026-11-24T00:00:02.100Z');
    expect(s.detail).toEqual({ port: 8088 });
    health.setStatus('opcua:plc-1', 'down');
    expect(Object.keys(health.snapshot().statuses)).toEqual(['opcua:plc-1', 'stream_manager']);
    health.removeStatus('opcua:plc-1');
    expect(health.status('opcua:plc-1')).toBeUndefined();
  });

  it('logs state changes when given a logger', () => {
    const { clock, sink, logger } = setup();
    const health = new Health({ component: 'publisher', clock, logger });
    health.setState('running');
    health.setState('running');
    health.setState('degraded', 'kinesis unreachable');
    expect(sink.records().map((r) => [r.level, r.msg, r.reason])).toEqual([
      ['info', 'Health is now running.', undefined],
      ['warn', 'Health is now degraded.', 'kinesis unreachable'],
    ]);
  });
});

describe('HealthReporter', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-health-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('logs a health line at start and every interval, and stops on stop()', async () => {
    const { clock, sink, logger, health } = setup();
    const reporter = new HealthReporter({ health, logger, clock, intervalMs: 30_000 });
    reporter.start();
    reporter.start();
    expect(sink.withMsg('health')).toHaveLength(1);
    health.setState('running');
    health.counters.inc('received', undefined, 7);
    clock.advance(30_000);
    clock.advance(30_000);
    const lines = sink.withMsg('health');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatchObject({ state: 'running', counters: { received: 7 }, uptimeMs: 60_000 });
    expect(lines[2]).not.toHaveProperty('field_component');
    await reporter.stop();
    expect(sink.withMsg('health')).toHaveLength(4);
    expect(clock.pendingTimers).toBe(0);
    clock.advance(120_000);
    await reporter.stop();
    expect(sink.withMsg('health')).toHaveLength(4);
  });

  it('writes the snapshot to a JSON file that always parses', async () => {
    const { clock, logger, health } = setup();
    const file = path.join(dir, 'sub', 'health.json');
    const reporter = new HealthReporter({ health, logger, clock, intervalMs: 1_000, filePath: file });
    reporter.start();
    health.setState('running');
    health.counters.inc('delivered', { destination: 'kinesis' }, 2);
    clock.advance(1_000);
    await reporter.report();
    const written = JSON.parse(await fs.readFile(file, 'utf8')) as HealthSnapshot;
    expect(written).toMatchObject({ component: 'publisher', state: 'running', counters: { 'delivered{destination="kinesis"}': 2 } });
    health.setState('stopped');
    await reporter.stop();
    expect(JSON.parse(await fs.readFile(file, 'utf8'))).toMatchObject({ state: 'stopped' });
    expect((await fs.readdir(path.dirname(file))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('collapses reports that arrive while a write is in flight into the newest', async () => {
    const { logger, health, clock } = setup();
    const file = path.join(dir, 'health.json');
    const reporter = new HealthReporter({ health, logger, clock, intervalMs: 1_000, filePath: file });
    const writes = [1, 2, 3, 4, 5].map((n) => {
      health.counters.set('backlog', n);
      return reporter.report();
    });
    await Promise.all(writes);
    expect(JSON.parse(await fs.readFile(file, 'utf8')).gauges.backlog).toBe(5);
  });

  it('logs (rate-limited) when the file cannot be written and keeps going', async () => {
    const { sink, logger, health, clock } = setup();
    const blocker = path.join(dir, 'not-a-dir');
    await fs.writeFile(blocker, 'x');
    const reporter = new HealthReporter({ health, logger, clock, intervalMs: 1_000, filePath: path.join(blocker, 'health.json') });
    await reporter.report();
    await reporter.report();
    await flushPromises();
    const warnings = sink.withMsg('Cannot write the health file.');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 'warn', err: { code: expect.stringMatching(/^E/) } });
  });
});

describe('writeFileAtomic', () => {
  it('replaces the file content and leaves no temp files', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-atomic-'));
    try {
      const file = path.join(dir, 'a.json');
      await writeFileAtomic(file, '{"v":1}');
      await writeFileAtomic(file, '{"v":2}');
      expect(await fs.readFile(file, 'utf8')).toBe('{"v":2}');
      expect(await fs.readdir(dir)).toEqual(['a.json']);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
