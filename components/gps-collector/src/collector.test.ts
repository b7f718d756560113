import { Backoff, Health, ManualClock, StreamError, createLogger, decodeBatch, flushPromises, MemoryLogSink, systemClock, type Sample, type StreamSpec } from '../../core/src';
import { DEFAULT_STOP_DEADLINE_MS, GpsCollector, Metric, type CollectorSettings, type SampleWriter } from './collector';
import { nmeaChecksum } from './nmea/sentences';
import type { GpsRecord, GpsSource, SourceEvents } from './sources/source';

const nmea = (body: string): string => `$${body}*${nmeaChecksum(body)}`;
const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

/** Lines of one 3D-fix epoch at T0 + n seconds. */
function epoch(n: number, opts: { fix?: boolean; date?: boolean } = {}): string[] {
  const t = new Date(T0 + n * 1000);
  const hhmmss = t.toISOString().slice(11, 22).replace(/:/g, '');
  const lines: string[] = [];
  if (opts.fix === false) {
    if (opts.date !== false) lines.push(nmea(`GPRMC,${hhmmss},V,,,,,,,010125,,,N`));
    lines.push(nmea(`GPGGA,${hhmmss},,,,,0,00,99.9,,M,,M,,`));
    return lines;
  }
  if (opts.date !== false) lines.push(nmea(`GNRMC,${hhmmss},A,4807.0380,N,01131.0000,E,010.0,084.4,010125,,,A`));
  lines.push(nmea(`GNGGA,${hhmmss},4807.0380,N,01131.0000,E,1,08,0.9,545.4,M,46.9,M,,`));
  lines.push(nmea('GNGSA,A,3,04,05,09,12,24,,,,,,,,2.5,0.9,2.1'));
  return lines;
}

class FakeSource implements GpsSource {
  readonly description = 'fake';
  events?: SourceEvents;
  start(events: SourceEvents): void {
    this.events = events;
    events.state('connected', { attempts: 0 });
  }
  async stop(): Promise<void> {}
  lines(lines: string[]): void {
    for (const line of lines) this.events!.record({ kind: 'nmea', line });
  }
  record(r: GpsRecord): void {
    this.events!.record(r);
  }
}

class FakeWriter implements SampleWriter {
  batches: Sample[][] = [];
  specs: StreamSpec[] = [];
  failWith?: Error;
  async ensureStream(spec: StreamSpec): Promise<string> {
    if (this.failWith) throw this.failWith;
    this.specs.push(spec);
    return 'created';
  }
  async append(_stream: string, payload: Buffer): Promise<number> {
    if (this.failWith) throw this.failWith;
    const d = decodeBatch(payload);
    if (!d.ok) throw new Error('bad batch');
    this.batches.push(d.samples);
    return this.batches.length - 1;
  }
  get samples(): Sample[] {
    return this.batches.flat();
  }
}

const settings: CollectorSettings = {
  deviceId: 'truck-7',
  rateHz: 1,
  stream: { name: 'tributary.gps.raw', strategyOnFull: 'OverwriteOldestData', persistence: 'File', maxSize: 1 << 20 },
  maxBufferedSamples: 40,
  maxBatchBytes: 64 * 1024,
  maxGoodHdop: 20,
  staleAfterMs: 0,
};

function setup(over: Partial<CollectorSettings> = {}) {
  const clock = new ManualClock(T0 + 500);
  const sink = new MemoryLogSink();
  const logger = createLogger({ component: 'gps-collector', stream: sink, clock, env: {} });
  const health = new Health({ component: 'gps-collector', clock });
  const source = new FakeSource();
  const writer = new FakeWriter();
  const collector = new GpsCollector({
    source,
    writer,
    clock,
    logger,
    health,
    settings: { ...settings, ...over },
    writeBackoff: new Backoff({ initialMs: 100, maxMs: 100, jitter: 'none' }),
  });
  return { clock, sink, health, source, writer, collector };
}

async function tick(clock: ManualClock, ms = 1000): Promise<void> {
  await clock.advanceAsync(ms);
  await flushPromises();
}

describe('GpsCollector', () => {
  test('writes one set of position samples per tick, ts = GPS fix time, GOOD with a 3D fix', async () => {
    const { clock, source, writer, collector, health } = setup();
    collector.start();
    source.lines([...epoch(0), ...epoch(1)]); // epoch 0 complete once epoch 1 starts
    await tick(clock);
    expect(writer.specs[0]).toMatchObject({ name: 'tributary.gps.raw', strategyOnFull: 'OverwriteOldestData' });
    const byName = Object.fromEntries(writer.samples.map((s) => [s.name, s]));
    expect(Object.keys(byName).sort()).toEqual(['alt', 'fix', 'hdop', 'heading', 'lat', 'lon', 'satellites', 'speed']);
    expect(writer.samples.every((s) => s.ts === T0 && s.quality === 'GOOD' && s.source === 'gps' && s.device === 'truck-7')).toBe(true);
    expect(byName.lat!.value).toBeCloseTo(48.1173, 4);
    expect(byName.speed!.value).toBeCloseTo(5.144, 3);
    expect(byName.speed!.unit).toBe('m/s');
    expect(byName.alt).toMatchObject({ value: 545.4, unit: 'm', attrs: { datum: 'MSL', altHae: 592.3 } });
    expect(byName.fix).toMatchObject({ value: 3, attrs: { mode: '3d', ggaQuality: 1 } });
    expect(health.counters.counter(Metric.SentencesReceived)).toBe(6);
    expect(health.counters.counter(Metric.SamplesWritten)).toBe(8);
    await collector.stop();
  });

  test('downsamples a 5 Hz receiver to the configured rate, never rewrites timestamps', async () => {
    const { clock, source, writer, collector, health } = setup({ rateHz: 1 });
    collector.start();
    // 5 fixes with distinct times arrive within one tick: only the latest is written.
    for (let i = 0; i < 6; i++) source.lines(epoch(i * 0.2).map((l) => l));
    await tick(clock);
    const ts = new Set(writer.samples.map((s) => s.ts));
    expect(ts.size).toBe(1);
    expect(health.counters.counter(Metric.FixesSkipped, { reason: 'rate' })).toBeGreaterThanOrEqual(3);
    await tick(clock); // no new fix: nothing more written
    expect(new Set(writer.samples.map((s) => s.ts)).size).toBe(1);
    await collector.stop();
  });

  test('no fix: no position samples, fix and satellites reported BAD', async () => {
    const { clock, source, writer, collector } = setup();
    collector.start();
    source.lines([...epoch(0, { fix: false }), ...epoch(1, { fix: false })]);
    await tick(clock);
    expect(writer.samples.map((s) => s.name).sort()).toEqual(['fix', 'hdop', 'satellites']);
    expect(writer.samples.every((s) => s.quality === 'BAD')).toBe(true);
    expect(writer.samples.find((s) => s.name === 'fix')!.value).toBe(1);
    await collector.stop();
  });

  test('no date known: nothing written, counted', async () => {
    const { clock, source, writer, collector, health } = setup();
    collector.start();
    source.lines([...epoch(0, { date: false }), ...epoch(1, { date: false })]);
    await tick(clock);
    expect(writer.samples).toEqual([]);
    expect(health.counters.counter(Metric.FixesSkipped, { reason: 'undated' })).toBe(1);
    await collector.stop();
  });

  test('UNCERTAIN when hdop is too high or the fix is old', async () => {
    const { collector } = setup({ maxGoodHdop: 5, staleAfterMs: 2000 });
    expect(collector.qualityOf({ mode: 3, timeOfDayMs: 0, time: T0, hdop: 6, estimated: false })).toBe('UNCERTAIN');
    expect(collector.qualityOf({ mode: 2, timeOfDayMs: 0, time: T0, hdop: 1, estimated: false })).toBe('GOOD');
    expect(collector.qualityOf({ mode: 3, timeOfDayMs: 0, time: T0 - 5000, hdop: 1, estimated: false })).toBe('UNCERTAIN');
    expect(collector.qualityOf({ mode: 3, timeOfDayMs: 0, time: T0, estimated: true })).toBe('UNCERTAIN');
    expect(collector.qualityOf({ mode: 1, timeOfDayMs: 0, time: T0, estimated: false })).toBe('BAD');
  });

  test('buffers while the stream manager is away (bounded, drops counted) and delivers in order after', async () => {
    const { clock, source, writer, collector, health } = setup({ maxBufferedSamples: 40 });
    writer.failWith = new StreamError('stream_manager_unavailable', 'down', { retryable: true });
    collector.start();
    for (let i = 0; i < 8; i++) {
      source.lines(epoch(i));
      await tick(clock);
    }
    expect(writer.samples).toEqual([]);
    expect(collector.backlog).toBeLessThanOrEqual(40);
    const dropped = health.counters.counter(Metric.Dropped, { reason: 'buffer_full' });
    expect(dropped).toBeGreaterThan(0);
    expect(health.state).toBe('degraded');
    expect(health.status('stream_manager')!.state).toBe('backing_off');
    writer.failWith = undefined;
    await tick(clock, 300);
    expect(writer.samples.length).toBe(health.counters.counter(Metric.SamplesWritten));
    const written = health.counters.counter(Metric.SamplesWritten);
    // Everything emitted is either written or counted as dropped.
    expect(written + dropped).toBe(7 * 8);
    const ts = writer.samples.map((s) => s.ts);
    expect([...ts].sort((a, b) => a - b)).toEqual(ts);
    expect(health.state).toBe('running');
    await collector.stop();
  });

  test('a refused batch is dropped and counted, never retried forever', async () => {
    const { clock, source, writer, collector, health } = setup();
    writer.failWith = new StreamError('stream_invalid_request', 'no', { retryable: false });
    await writer.ensureStream(settings.stream).catch(() => undefined);
    collector.start();
    source.lines([...epoch(0), ...epoch(1)]);
    await tick(clock);
    await tick(clock, 500);
    // ensureStream itself fails non-retryably: kept buffered (a definition problem an operator fixes), retried with backoff.
    expect(health.counters.counter(Metric.SamplesWritten)).toBe(0);
    writer.failWith = undefined;
    await tick(clock, 200);
    expect(health.counters.counter(Metric.SamplesWritten)).toBe(8);
    const append = writer.append.bind(writer);
    writer.append = async () => {
      throw new StreamError('stream_invalid_request', 'refused', { retryable: false });
    };
    source.lines(epoch(2));
    await tick(clock);
    expect(health.counters.counter(Metric.Dropped, { reason: 'rejected' })).toBe(8);
    writer.append = append;
    await collector.stop();
  });

  test('gpsd TPV + SKY become samples', async () => {
    const { clock, source, writer, collector, health } = setup();
    collector.start();
    source.record({ kind: 'sky', sky: { class: 'SKY', hdop: 1.1, nSat: 12, uSat: 8 } });
    source.record({ kind: 'tpv', tpv: { class: 'TPV', mode: 3, time: new Date(T0).toISOString(), lat: 1.5, lon: -2.5, altMSL: 10, altHAE: 30, speed: 3, track: 90 } });
    await tick(clock);
    const byName = Object.fromEntries(writer.samples.map((s) => [s.name, s]));
    expect(byName.lat!.value).toBe(1.5);
    expect(byName.satellites).toMatchObject({ value: 8, attrs: { inView: 12 } });
    expect(byName.alt).toMatchObject({ value: 10, attrs: { altHae: 30 } });
    expect(health.counters.counter(Metric.ReportsReceived, { class: 'TPV' })).toBe(1);
    await collector.stop();
  });

  test('random garbage never crashes it; good epochs after it still come through', async () => {
    const { clock, source, writer, collector, health } = setup({ maxBufferedSamples: 1000 });
    collector.start();
    let seed = 1234;
    const rnd = (): number => (seed = (seed * 48271) % 0x7fffffff) / 0x7fffffff;
    for (let i = 0; i < 3000; i++) {
      const n = Math.floor(rnd() * 120);
      let line = rnd() < 0.3 ? '$GP' : '';
      for (let j = 0; j < n; j++) line += String.fromCharCode(Math.floor(rnd() * 256));
      source.lines([line]);
    }
    source.record({ kind: 'tpv', tpv: { class: 'TPV', mode: 3, time: 'garbage', lat: 'x' as unknown as number } });
    source.record({ kind: 'sky', sky: { class: 'SKY', satellites: [null as unknown as { used: boolean }] } });
    source.lines([...epoch(0), ...epoch(1)]);
    await tick(clock);
    expect(writer.samples.some((s) => s.name === 'lat' && s.ts === T0)).toBe(true);
    expect(health.counters.counter(Metric.SentencesInvalid) + health.counters.counter(Metric.BadChecksums)).toBeGreaterThan(2000);
    await collector.stop();
  });

  describe('stop() with a hung stream manager', () => {
    /** An append that never settles (the stream manager SIGSTOPped), until released. */
    function hang(writer: FakeWriter): { calls: number; release(): void } {
      const h = { calls: 0, release: (): void => undefined };
      writer.append = () => {
        h.calls++;
        return new Promise<number>((resolve) => {
          h.release = () => resolve(0);
        });
      };
      return h;
    }

    test('an append in flight that never ends: stop() returns at the deadline, its samples counted as dropped{shutdown}', async () => {
      const { clock, source, writer, collector, health } = setup();
      const hung = hang(writer);
      collector.start();
      source.lines([...epoch(0), ...epoch(1)]);
      await tick(clock); // the tick's samples go out, and the append hangs
      expect(hung.calls).toBe(1);
      expect(collector.backlog).toBe(8);
      let stopped = false;
      const stopping = collector.stop().then(() => (stopped = true));
      await clock.advanceAsync(DEFAULT_STOP_DEADLINE_MS - 1);
      expect(stopped).toBe(false); // still waiting for the write, within the deadline
      await clock.advanceAsync(1);
      await flushPromises();
      expect(stopped).toBe(true);
      await stopping;
      expect(health.counters.counter(Metric.Dropped, { reason: 'shutdown' })).toBe(8);
      expect(health.counters.counter(Metric.SamplesWritten)).toBe(0);
      expect(collector.backlog).toBe(0);
      expect(health.state).toBe('stopped');
      // The abandoned append ending late changes nothing: no double count, nothing re-buffered.
      hung.release();
      await flushPromises();
      expect(health.counters.counter(Metric.SamplesWritten)).toBe(0);
      expect(collector.backlog).toBe(0);
      expect(health.state).toBe('stopped');
    });

    test('the final attempt on stop hangs: cut at the (configured) deadline, everything buffered counted as dropped{shutdown}', async () => {
      const { clock, source, writer, collector, health } = setup({ stopDeadlineMs: 500 });
      writer.failWith = new StreamError('stream_manager_unavailable', 'down', { retryable: true });
      collector.start();
      source.lines([...epoch(0), ...epoch(1)]);
      await tick(clock);
      source.lines(epoch(2));
      await tick(clock); // two fixes buffered, the pump sleeping in backoff
      expect(collector.backlog).toBe(16);
      writer.failWith = undefined;
      const hung = hang(writer);
      let stopped = false;
      const stopping = collector.stop().then(() => (stopped = true));
      await flushPromises();
      expect(hung.calls).toBe(1); // stop's one last attempt, now hanging
      expect(stopped).toBe(false);
      await clock.advanceAsync(500);
      await flushPromises();
      expect(stopped).toBe(true);
      await stopping;
      expect(health.counters.counter(Metric.Dropped, { reason: 'shutdown' })).toBe(16);
      expect(health.state).toBe('stopped');
      hung.release();
      await flushPromises();
      expect(health.counters.counter(Metric.SamplesWritten)).toBe(0);
      expect(collector.backlog).toBe(0);
    });

    test('a hung stream manager with a real clock: stop() ends near the deadline, well inside the 10 s stop budget', async () => {
      const clock = new ManualClock(T0);
      const health = new Health({ component: 'gps-collector', clock });
      const source = new FakeSource();
      const writer = new FakeWriter();
      hang(writer);
      const collector = new GpsCollector({
        source,
        writer,
        clock: systemClock,
        logger: createLogger({ component: 'gps-collector', stream: new MemoryLogSink(), clock, env: {} }),
        health,
        settings: { ...settings, rateHz: 20, stopDeadlineMs: 150 },
      });
      collector.start();
      source.lines([...epoch(0), ...epoch(1)]);
      await new Promise((r) => setTimeout(r, 100)); // a tick (50 ms) has started the append
      expect(collector.backlog).toBe(8);
      const t = Date.now();
      await collector.stop();
      const took = Date.now() - t;
      expect(took).toBeGreaterThanOrEqual(140);
      expect(took).toBeLessThan(2000);
      expect(health.counters.counter(Metric.Dropped, { reason: 'shutdown' })).toBe(8);
      expect(health.state).toBe('stopped');
    });
  });

  test('a plain Error from the writer (not a TributaryError) is retried, not dropped as rejected', async () => {
    const { clock, source, writer, collector, health } = setup();
    const append = writer.append.bind(writer);
    let failures = 1;
    writer.append = async (stream, payload) => {
      if (failures-- > 0) throw new Error('socket hang up');
      return append(stream, payload);
    };
    collector.start();
    source.lines([...epoch(0), ...epoch(1)]);
    await tick(clock); // first append fails with a plain Error
    expect(health.counters.counter(Metric.Dropped, { reason: 'rejected' })).toBe(0);
    expect(health.status('stream_manager')!.state).toBe('backing_off');
    await tick(clock, 100); // backoff is 100 ms
    expect(health.counters.counter(Metric.SamplesWritten)).toBe(8);
    expect(writer.samples.length).toBe(8);
    expect(health.counters.counter(Metric.Dropped, { reason: 'rejected' })).toBe(0);
    await collector.stop();
  });

  test('when packing into batches throws, the samples taken are counted as dropped{invalid} and nothing stays in flight', async () => {
    // splitIntoBatches throws only for an unusable maxBatchBytes (no sample can make it throw: bad samples are reported, not thrown).
    const { clock, source, writer, collector, health } = setup({ maxBatchBytes: 0 });
    collector.start();
    source.lines([...epoch(0), ...epoch(1)]);
    await tick(clock);
    expect(writer.samples).toEqual([]);
    expect(health.counters.counter(Metric.Dropped, { reason: 'invalid' })).toBe(8);
    expect(collector.backlog).toBe(0);
    expect(health.counters.gauge('backlog')).toBe(0);
    expect(health.status('stream_manager')?.state).not.toBe('backing_off'); // not the stream manager's fault
    await collector.stop();
    expect(health.counters.counter(Metric.Dropped, { reason: 'shutdown' })).toBe(0);
  });

  test('stop() writes the last fix; what cannot be written is counted as dropped', async () => {
    const { source, writer, collector, health } = setup();
    collector.start();
    source.lines([...epoch(0), ...epoch(1)]);
    writer.failWith = new StreamError('stream_manager_unavailable', 'down', { retryable: true });
    await collector.stop();
    expect(health.counters.counter(Metric.Dropped, { reason: 'shutdown' })).toBe(8);
    expect(health.state).toBe('stopped');
  });
});
