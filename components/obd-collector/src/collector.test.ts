import { Backoff, Health, ManualClock, MemoryLogSink, StreamError, StreamErrorCode, createLogger, flushPromises, type StreamSpec, type StreamWriter } from '../../core/src';
import { ObdCollector, Metric, type CollectorSettings } from './collector';
import { resolvePids, type PidConfig } from './config';
import { EnsuringStreamWriter, type StreamAdmin } from './stream-writer';
import { FakeCar, FakeLink, FakeSession, MemoryWriter } from './testing/fakes';

const RAW = 'tributary.obd.raw';
const EVENTS = 'tributary.obd.events';
const T0 = 1_795_481_186_000;

function plans(pids: PidConfig[]) {
  const r = resolvePids(pids);
  expect(r.problems).toEqual([]);
  return r.plans;
}

function rig(
  over: Partial<CollectorSettings> = {},
  pids: PidConfig[] = [{ pid: '0C', intervalMs: 500 }],
  deps: { writer?: (memory: MemoryWriter) => StreamWriter; writerBackoff?: Backoff } = {},
) {
  const clock = new ManualClock(T0);
  const car = new FakeCar();
  const link = new FakeLink();
  const writer = new MemoryWriter();
  const sink = new MemoryLogSink();
  const logger = createLogger({ component: 'obd-collector', stream: sink, env: {}, clock });
  const health = new Health({ component: 'obd-collector', clock });
  const sessions: FakeSession[] = [];
  const collector = new ObdCollector({
    link,
    sessionFactory: () => {
      const s = new FakeSession(car, clock);
      sessions.push(s);
      return s;
    },
    writer: deps.writer ? deps.writer(writer) : writer,
    clock,
    logger,
    health,
    writerBackoff: deps.writerBackoff ?? new Backoff({ initialMs: 100, maxMs: 1000, jitter: 'none' }),
    settings: {
      pids: plans(pids),
      pidsPerRead: 6,
      dtcIntervalMs: 60_000,
      ignitionOffPollMs: 5000,
      ignitionOffVoltage: 13,
      stream: RAW,
      eventStream: EVENTS,
      maxBufferedSamples: 100_000,
      maxBatchBytes: 128 * 1024,
      stopFlushMs: 0,
      ...over,
    },
  });
  const run = async (ms: number) => {
    await clock.advanceAsync(ms);
    await flushPromises();
  };
  return { clock, car, link, writer, sink, health, collector, sessions, run };
}

const counter = (h: Health, name: string, labels?: Record<string, string>) => h.counters.counter(name, labels);

describe('ObdCollector', () => {
  test('polls each PID on its own interval; samples carry name, unit, quality, reply time and the VIN as device', async () => {
    const r = rig({}, [
      { pid: '0C', intervalMs: 500 },
      { name: 'coolant_temp', intervalMs: 2000 },
    ]);
    r.collector.start();
    await r.run(4000);
    await r.collector.stop();
    const rpm = r.writer.samples(RAW, 'rpm');
    const coolant = r.writer.samples(RAW, 'coolant_temp');
    expect(rpm.map((s) => s.ts - T0)).toEqual([0, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000]);
    expect(coolant.map((s) => s.ts - T0)).toEqual([0, 2000, 4000]);
    expect(rpm[0]).toEqual({ device: '1HGCM82633A004352', source: 'obd', name: 'rpm', value: 2750, unit: 'rpm', quality: 'GOOD', ts: T0 });
    expect(coolant[0]).toMatchObject({ value: 90, unit: '°C' });
    // One stream message per cycle: the first holds the VIN, then the first cycle's samples (DTCs, MIL, rpm, coolant).
    const first = r.writer.messages.filter((m) => m.stream === RAW)[1]!.samples.map((s) => s.name);
    expect(first).toEqual(['mil', 'dtc_count', 'dtc_stored', 'dtc_pending', 'rpm', 'coolant_temp']);
    expect(r.writer.samples(RAW, 'vin')[0]!.value).toBe('1HGCM82633A004352');
    expect(r.writer.samples(RAW, 'dtc_stored')[0]!.value).toBe('P0133');
    expect(r.writer.samples(RAW, 'mil')[0]!.value).toBe(true);
    expect(counter(r.health, Metric.Cycles)).toBe(9);
    expect(counter(r.health, Metric.SkippedCycles)).toBe(0);
  });

  test('a configured device id wins over the VIN; without both, unknown-vehicle', async () => {
    const a = rig({ deviceId: 'van-7' });
    a.collector.start();
    await a.run(100);
    await a.collector.stop();
    expect(new Set(a.writer.samples(RAW).map((s) => s.device))).toEqual(new Set(['van-7']));

    const b = rig();
    b.car.vin = null;
    b.collector.start();
    await b.run(100);
    await b.collector.stop();
    expect(new Set(b.writer.samples(RAW).map((s) => s.device))).toEqual(new Set(['unknown-vehicle']));
  });

  test('DTCs and MIL are read every dtcIntervalMs', async () => {
    const r = rig({ dtcIntervalMs: 2000 });
    r.collector.start();
    await r.run(1000);
    r.car.pending = ['P0300', 'U0100'];
    await r.run(3100);
    await r.collector.stop();
    expect(r.writer.samples(RAW, 'dtc_pending').map((s) => [s.ts - T0, s.value])).toEqual([
      [0, ''],
      [2000, 'P0300,U0100'],
      [4000, 'P0300,U0100'],
    ]);
  });

  test('PIDs the vehicle does not support are skipped, counted and logged once', async () => {
    const r = rig({}, [
      { pid: '0C', intervalMs: 500 },
      { pid: '5C', intervalMs: 500 },
    ]);
    r.car.supported = new Set([0x0c]);
    r.collector.start();
    await r.run(2000);
    await r.collector.stop();
    expect(r.car.calls.every((c) => !c.pids.includes(0x5c))).toBe(true);
    expect(r.writer.samples(RAW, 'oil_temp')).toEqual([]);
    expect(r.health.counters.gauge(Metric.UnsupportedPids)).toBe(1);
    expect(r.sink.lines.filter((l) => l.includes('does not support')).length).toBe(1);
  });

  test('a slow bus skips cycles instead of queueing requests', async () => {
    const r = rig({ pidsPerRead: 1 }, [
      { pid: '0C', intervalMs: 500 },
      { pid: '0D', intervalMs: 500 },
    ]);
    r.car.latencyMs = 400; // two requests per cycle: 800 ms > 500 ms
    r.collector.start();
    await r.run(5000);
    await r.collector.stop();
    const rpmCalls = r.car.calls.filter((c) => c.pids[0] === 0x0c).map((c) => c.at - T0);
    // The first cycle also reads the DTCs (3 × 400 ms); after that the cycles keep to the 500 ms
    // grid (one 800 ms cycle, then the next free slot), never starting late ones back to back.
    expect(rpmCalls.length).toBeGreaterThan(3);
    for (const at of rpmCalls.slice(2)) expect((at - rpmCalls[1]!) % 1000).toBe(0);
    // Never more requests than the bus can carry: no backlog builds up.
    expect(r.car.calls.length).toBeLessThanOrEqual(Math.ceil(5000 / 400) + 1);
    expect(counter(r.health, Metric.SkippedCycles)).toBeGreaterThanOrEqual(4);
    expect(r.health.counters.gauge(Metric.CycleMs)).toBe(800);
  });

  test('ignition off when the ECU goes silent with low voltage; slow polling; on again when it answers', async () => {
    const r = rig({ ignitionOffPollMs: 5000 });
    r.collector.start();
    await r.run(1000);
    r.car.ignition = false;
    await r.run(1000);
    expect(r.collector.ignition).toBe('off');
    const before = r.car.calls.length;
    await r.run(20_000);
    const whileOff = r.car.calls.length - before;
    expect(whileOff).toBeGreaterThanOrEqual(3);
    expect(whileOff).toBeLessThanOrEqual(5);
    const rawWhileOff = r.writer.samples(RAW).length;
    r.car.ignition = true;
    await r.run(6000);
    await r.collector.stop();
    expect(r.collector.ignition).toBe('on');
    const events = r.writer.samples(EVENTS);
    expect(events.map((e) => [e.name, e.value])).toEqual([
      ['ignition', 'on'],
      ['ignition', 'off'],
      ['ignition', 'on'],
    ]);
    expect(events[1]!.ts - T0).toBe(1500); // the first silent cycle after the car was switched off
    expect(events[1]!.device).toBe('1HGCM82633A004352');
    expect(r.writer.samples(RAW).length).toBeGreaterThan(rawWhileOff);
    // No BAD samples were written for the silent cycles.
    expect(r.writer.samples(RAW).filter((s) => s.quality === 'BAD')).toEqual([]);
  });

  test('a silent cycle stops at the first unanswered request once the voltage says off', async () => {
    const r = rig({ pidsPerRead: 1 }, [
      { pid: '0C', intervalMs: 500 },
      { pid: '0D', intervalMs: 500 },
      { pid: '05', intervalMs: 500 },
    ]);
    r.collector.start();
    await r.run(600);
    r.car.ignition = false;
    const before = r.car.calls.length;
    await r.run(500);
    expect(r.collector.ignition).toBe('off');
    expect(r.car.calls.length - before).toBe(1);
    await r.collector.stop();
  });

  test('a silent ECU with charging voltage is not ignition off', async () => {
    const r = rig();
    r.collector.start();
    await r.run(500);
    r.car.ignition = false;
    r.car.offVoltage = 14.1;
    await r.run(3000);
    await r.collector.stop();
    expect(r.collector.ignition).toBe('on');
    expect(r.writer.samples(EVENTS).map((e) => e.value)).toEqual(['on']);
    expect(counter(r.health, Metric.SilentCycles)).toBeGreaterThan(0);
  });

  test('starting with the ignition off: off event, then VIN and samples once the car answers', async () => {
    const r = rig();
    r.car.ignition = false;
    r.collector.start();
    await r.run(12_000);
    expect(r.collector.ignition).toBe('off');
    expect(r.writer.samples(RAW)).toEqual([]);
    r.car.ignition = true;
    await r.run(6000);
    await r.collector.stop();
    expect(r.writer.samples(EVENTS).map((e) => e.value)).toEqual(['off', 'on']);
    expect(r.writer.samples(RAW, 'rpm').length).toBeGreaterThan(0);
    expect(r.writer.samples(RAW, 'rpm')[0]!.device).toBe('1HGCM82633A004352');
  });

  test('a stream manager outage is buffered and written later, in order', async () => {
    const r = rig();
    r.writer.failing = true;
    r.collector.start();
    await r.run(3000);
    expect(r.writer.messages).toEqual([]);
    expect(r.collector.bufferedSamples).toBeGreaterThan(0);
    expect(r.health.status('stream_manager')?.state).toBe('backing_off');
    r.writer.failing = false;
    await r.run(2000);
    await r.collector.stop();
    const ts = r.writer.samples(RAW, 'rpm').map((s) => s.ts - T0);
    expect(ts).toEqual(Array.from({ length: 11 }, (_, i) => i * 500));
    expect(r.collector.bufferedSamples).toBe(0);
    expect(counter(r.health, Metric.Written)).toBe(counter(r.health, Metric.Samples) + 1 + 1); // + VIN + ignition event
    expect(r.health.status('stream_manager')?.state).toBe('connected');
  });

  test('a full buffer drops the oldest raw samples, counted by reason; events are kept', async () => {
    const r = rig({ maxBufferedSamples: 20 });
    r.writer.failing = true;
    r.collector.start();
    await r.run(10_000);
    await r.collector.stop();
    const dropped = counter(r.health, Metric.Dropped, { reason: 'buffer_full' });
    const atStop = counter(r.health, Metric.Dropped, { reason: 'shutdown' });
    expect(dropped).toBeGreaterThan(0);
    expect(atStop).toBeLessThanOrEqual(21);
    // Every sample is accounted for: nothing written, everything dropped with a reason.
    expect(dropped + atStop).toBe(counter(r.health, Metric.Samples) + 2);
  });

  test('a dropped connection is reopened and the session initialised again', async () => {
    const r = rig();
    r.collector.start();
    await r.run(1000);
    r.sessions[0]!.close(); // the transport went away: every call now fails with elm327_closed
    await r.run(1000);
    await r.collector.stop();
    expect(r.link.connects).toBe(2);
    expect(r.link.lostErrors.length).toBe(1);
    expect(r.car.sessions).toBe(2);
    expect(counter(r.health, Metric.Reconnects)).toBe(1);
    // Polling went on after the reconnect; the VIN was read again for the new connection.
    expect(r.writer.samples(RAW, 'vin').length).toBe(2);
    expect(r.writer.samples(RAW, 'rpm').at(-1)!.ts - T0).toBeGreaterThanOrEqual(1500);
  });

  test('an adapter that stops answering (timeouts) is reopened', async () => {
    const r = rig({ unresponsiveCyclesBeforeReconnect: 3 });
    r.collector.start();
    await r.run(600);
    const s = r.sessions[0]!;
    const { Elm327Error, Elm327ErrorCode } = await import('./elm327');
    s.readPids = async (pids) => ({ signals: [], missing: [...pids], errors: [new Elm327Error(Elm327ErrorCode.Timeout, 'timeout')], requests: 1 });
    await r.run(3000);
    await r.collector.stop();
    expect(r.link.connects).toBeGreaterThanOrEqual(2);
    expect(counter(r.health, Metric.Timeouts)).toBeGreaterThanOrEqual(3);
  });

  describe('stop', () => {
    /** Resolves `done` when stop() has returned. */
    function stopping(r: ReturnType<typeof rig>) {
      const state = { done: false };
      const p = r.collector.stop().then(() => {
        state.done = true;
      });
      return { state, p };
    }

    test('a write backoff in progress is cut short: what is buffered is written at once when the stream manager is back', async () => {
      const r = rig({ stopFlushMs: 2000 }, undefined, { writerBackoff: new Backoff({ initialMs: 100, maxMs: 10_000, jitter: 'none' }) });
      r.writer.failing = true;
      r.collector.start();
      await r.run(30_000); // the write backoff has grown to its 10 s cap
      const buffered = r.collector.bufferedSamples;
      expect(buffered).toBeGreaterThan(0);
      expect(r.health.status('stream_manager')?.detail).toEqual({ delayMs: 10_000 });
      const appendsBefore = r.writer.appends;
      r.writer.failing = false; // reachable again, while the flush loop sleeps for up to 10 s
      const s = stopping(r);
      await r.run(0);
      await flushPromises();
      // Written without any time passing: the sleep was woken, the backoff reset.
      expect(s.state.done).toBe(true);
      await s.p;
      expect(r.writer.appends).toBeGreaterThan(appendsBefore);
      expect(counter(r.health, Metric.Dropped, { reason: 'shutdown' })).toBe(0);
      expect(counter(r.health, Metric.Written)).toBe(buffered);
      expect(r.writer.samples(RAW, 'rpm').length).toBeGreaterThan(10);
      expect(r.collector.bufferedSamples).toBe(0);
      expect(r.health.state).toBe('stopped');
    });

    test('while the stream manager stays away, writes are retried until the deadline; only then is the rest dropped as shutdown', async () => {
      const r = rig({ stopFlushMs: 2000 }, undefined, { writerBackoff: new Backoff({ initialMs: 100, maxMs: 10_000, jitter: 'none' }) });
      r.writer.failing = true;
      r.collector.start();
      await r.run(30_000);
      const appendsBefore = r.writer.appends;
      const s = stopping(r);
      await r.run(1000);
      expect(s.state.done).toBe(false);
      // Retried at once, then with the backoff from its first delay (100, 200, 400 ms ...).
      expect(r.writer.appends - appendsBefore).toBeGreaterThanOrEqual(4);
      r.writer.failing = false;
      await r.run(500);
      expect(s.state.done).toBe(true);
      await s.p;
      expect(counter(r.health, Metric.Dropped, { reason: 'shutdown' })).toBe(0);
      expect(counter(r.health, Metric.Written)).toBe(counter(r.health, Metric.Samples) + 2);
    });

    test('a hung stream manager: stop returns at the deadline, the in-flight message and the rest are dropped as shutdown', async () => {
      const hung: { release: () => void }[] = [];
      const r = rig({ stopFlushMs: 2000 }, undefined, {
        writer: (memory) => ({
          // Like a SIGSTOPped stream manager: the append is neither answered nor refused.
          append: (stream, payload) => {
            memory.appends++;
            return new Promise<number>((resolve) => hung.push({ release: () => resolve(memory.append(stream, payload)) }));
          },
        }),
      });
      r.collector.start();
      await r.run(3000);
      expect(hung.length).toBe(1); // one append in flight, never answered
      const samples = counter(r.health, Metric.Samples) + 2; // + VIN + ignition event
      expect(r.collector.bufferedSamples).toBe(samples);
      const s = stopping(r);
      await r.run(1999);
      expect(s.state.done).toBe(false);
      await r.run(1);
      expect(s.state.done).toBe(true); // 2 s, not the stream client's 10 s request timeout
      await s.p;
      expect(counter(r.health, Metric.Dropped, { reason: 'shutdown' })).toBe(samples);
      expect(r.collector.bufferedSamples).toBe(0);
      expect(r.health.state).toBe('stopped');
      // The stream manager wakes up later: the late answer is not counted a second time.
      for (const h of hung.splice(0)) h.release();
      await r.run(1000);
      expect(counter(r.health, Metric.Written)).toBe(0);
      expect(r.collector.bufferedSamples).toBe(0);
      expect(hung.length).toBe(0);
    });
  });

  describe('a stream that cannot be created', () => {
    class Admin implements StreamAdmin {
      ensures: string[] = [];
      conflict = new Set<string>([RAW]);
      constructor(private readonly memory: MemoryWriter) {}
      async ensureStream(spec: StreamSpec): Promise<unknown> {
        this.ensures.push(spec.name);
        if (this.conflict.has(spec.name)) {
          throw new StreamError(StreamErrorCode.DefinitionConflict, `stream ${spec.name} exists with Memory persistence but File is configured`);
        }
        return 'created';
      }
      append(stream: string, payload: Buffer): Promise<number> {
        return this.memory.append(stream, payload);
      }
    }

    test('is retried with backoff, its samples kept; health degraded with the error; one error line a minute; other streams go on', async () => {
      let admin: Admin | undefined;
      const r = rig({}, undefined, {
        writer: (memory) => {
          admin = new Admin(memory);
          return new EnsuringStreamWriter(admin, [{ name: RAW, strategyOnFull: 'OverwriteOldestData' }, { name: EVENTS, strategyOnFull: 'OverwriteOldestData' }]);
        },
      });
      r.collector.start();
      await r.run(10_000);
      const a = admin!;
      // Nothing dropped as rejected; the raw samples wait in the buffer.
      expect(counter(r.health, Metric.Dropped, { reason: 'rejected' })).toBe(0);
      expect(r.collector.bufferedSamples).toBe(counter(r.health, Metric.Samples) + 1); // + VIN
      // One ensure per backoff step (100 ms doubling to 1 s), not one per message.
      const rawEnsures = a.ensures.filter((n) => n === RAW).length;
      expect(rawEnsures).toBeGreaterThan(3);
      expect(rawEnsures).toBeLessThanOrEqual(16);
      // The event stream is not held up by the raw stream.
      expect(r.writer.samples(EVENTS).map((e) => e.value)).toEqual(['on']);
      // Visible: degraded, the stream's sub-status carries the stream manager's error, one error line.
      expect(r.health.state).toBe('degraded');
      const st = r.health.status(`stream:${RAW}`);
      expect(st?.state).toBe('ensure_failed');
      expect(st?.lastError?.code).toBe(StreamErrorCode.DefinitionConflict);
      const errorLines = () => r.sink.lines.filter((l) => l.includes('"level":"error"'));
      expect(errorLines().length).toBe(1);
      expect(errorLines()[0]).toContain('stream_definition_conflict');
      await r.run(60_000);
      expect(errorLines().length).toBe(2); // still visible once a minute
      expect(r.health.state).toBe('degraded');

      // The definition is fixed (stream deleted): everything kept is written, in order.
      a.conflict.clear();
      await r.run(2000);
      await r.collector.stop();
      const ts = r.writer.samples(RAW, 'rpm').map((s) => s.ts - T0);
      expect(ts).toEqual(Array.from({ length: ts.length }, (_, i) => i * 500));
      expect(ts.length).toBeGreaterThan(140);
      expect(counter(r.health, Metric.Written)).toBe(counter(r.health, Metric.Samples) + 2);
      expect(r.health.status(`stream:${RAW}`)?.state).toBe('ready');
      expect(r.health.state).toBe('stopped');
    });

    test('recovers to running once the stream can be created', async () => {
      let admin: Admin | undefined;
      const r = rig({}, undefined, {
        writer: (memory) => {
          admin = new Admin(memory);
          return new EnsuringStreamWriter(admin, [{ name: RAW, strategyOnFull: 'OverwriteOldestData' }, { name: EVENTS, strategyOnFull: 'OverwriteOldestData' }]);
        },
      });
      r.collector.start();
      await r.run(3000);
      expect(r.health.state).toBe('degraded');
      admin!.conflict.clear();
      await r.run(2000);
      expect(r.health.state).toBe('running');
      expect(r.collector.bufferedSamples).toBe(0);
      await r.collector.stop();
    });
  });
});
