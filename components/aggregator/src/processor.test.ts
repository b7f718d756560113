import { ConfigError, type Sample } from '../../core/src';
import { Processor, emptyOutputs, type ProcessorOutputs } from './processor';
import { ruleProblems } from './rules';
import { T0, sample, testConfig } from './testing/fixtures';

function run(p: Processor, messages: Sample[][]): ProcessorOutputs {
  const out = emptyOutputs();
  for (const m of messages) p.process(m, out);
  return out;
}

describe('Processor', () => {
  test('telemetry passes untouched (timestamps and quality), standard events fire, windows summarise', () => {
    const p = new Processor(testConfig({ windows: { sizeMs: 10_000, allowedLatenessMs: 0 } }));
    const input: Sample[][] = [
      [sample({ name: 'rpm', value: 2000, ts: T0, unit: 'rpm' }), sample({ name: 'speed', value: 50, ts: T0, quality: 'UNCERTAIN' })],
      [sample({ name: 'rpm', value: 3000, ts: T0 + 1000, unit: 'rpm' })],
      [sample({ name: 'rpm', value: 2500, ts: T0 + 10_000, unit: 'rpm' })],
    ];
    const out = run(p, input);
    expect(out.telemetry).toEqual(input.flat());
    expect(out.events).toEqual([
      expect.objectContaining({ name: 'event.high_rpm', value: 'active', ts: T0 + 1000, device: 'V1' }),
      expect.objectContaining({ name: 'event.high_rpm', value: 'cleared', ts: T0 + 10_000 }),
    ]);
    const count = out.summaries.find((s) => s.name === 'rpm.count');
    expect(count).toMatchObject({ value: 2, ts: T0, attrs: { window: '10s', stat: 'count' } });
    expect(out.summaries.find((s) => s.name === 'speed.mean')).toMatchObject({ value: 50, quality: 'UNCERTAIN' });
  });

  test('filters: where expression, validity drop and mark, deadband on telemetry only', () => {
    const p = new Processor(
      testConfig({
        windows: { sizeMs: 10_000, allowedLatenessMs: 0 },
        filters: [
          { tag: 'speed', where: 'value >= 0 and quality != "BAD"' },
          { tag: 'rpm', validity: { min: 0, max: 10000, action: 'drop' }, deadband: { mode: 'absolute', value: 100, maxSilenceMs: 60000 } },
          { tag: 'coolant_temp', validity: { max: 150, action: 'mark' } },
        ],
      }),
    );
    const out = run(p, [
      [sample({ name: 'speed', value: -1, ts: T0 }), sample({ name: 'speed', value: 10, ts: T0 + 1 })],
      [sample({ name: 'rpm', value: 20000, ts: T0 + 2 }), sample({ name: 'rpm', value: 1000, ts: T0 + 3 }), sample({ name: 'rpm', value: 1050, ts: T0 + 4 })],
      [sample({ name: 'coolant_temp', value: 300, ts: T0 + 5 })],
      [sample({ name: 'rpm', value: 1000, ts: T0 + 20_000 })],
    ]);
    expect(out.telemetry.map((s) => [s.name, s.value])).toEqual([
      ['speed', 10],
      ['rpm', 1000],
      ['coolant_temp', 300],
    ]);
    expect(out.telemetry[2]).toMatchObject({ quality: 'BAD', attrs: { invalid: 'above maximum 150' } });
    // The deadband hid 1050 from telemetry, not from the window.
    expect(out.summaries.find((s) => s.name === 'rpm.count')?.value).toBe(2);
    expect(p.stats.dropped).toEqual({ rule: 1, invalid: 1, deadband: 2, rate: 0 });
    expect(p.stats.marked).toBe(1);
  });

  test('a rule expression over several tags of one record, with hysteresis and a state metric', () => {
    const p = new Processor(
      testConfig({
        events: {
          standard: [],
          rules: [{ id: 'hard_pull', name: 'Hard pull', severity: 'critical', tag: 'rpm', when: 'rpm > 2700 and absolute_load > 90', clearWhen: 'rpm < 2000', stateMetric: true }],
        },
      }),
    );
    const record = (ts: number, rpm: number, load: number): Sample[] => [sample({ name: 'rpm', value: rpm, ts }), sample({ name: 'absolute_load', value: load, ts })];
    const out = run(p, [record(T0, 2800, 50), record(T0 + 500, 2800, 95), record(T0 + 1000, 2500, 95), record(T0 + 1500, 1900, 20)]);
    expect(out.events.map((e) => [e.value, e.ts])).toEqual([
      ['active', T0 + 500],
      ['cleared', T0 + 1500],
    ]);
    expect(out.stateMetrics.map((s) => [s.name, s.value])).toEqual([
      ['hard_pull', 1],
      ['hard_pull', 0],
    ]);
  });

  test('the OPC alarm is in the default set', () => {
    const p = new Processor(testConfig());
    const out = run(p, [[sample({ device: 'plant', source: 'opcua', name: 'site/area/line1/filler/HighTempAlarm', value: true, ts: T0 })]]);
    expect(out.events).toEqual([expect.objectContaining({ name: 'event.opc_alarm', value: 'active', attrs: expect.objectContaining({ severity: 'critical' }) })]);
  });

  test('GPS enrichment adds the fix as attrs to vehicle samples; expressions can read gps.*', () => {
    const p = new Processor(testConfig({ events: { standard: [], rules: [{ id: 'fast_here', tag: 'rpm', when: 'gps.speed > 30', severity: 'info' }] } }));
    const out = run(p, [
      [sample({ source: 'gps', name: 'lat', value: 48.1, ts: T0 }), sample({ source: 'gps', name: 'lon', value: 11.5, ts: T0 }), sample({ source: 'gps', name: 'speed', value: 33, ts: T0 })],
      [sample({ name: 'rpm', value: 2000, ts: T0 + 400 })],
    ]);
    expect(out.telemetry[3]).toEqual(sample({ name: 'rpm', value: 2000, ts: T0 + 400, attrs: { gps_lat: 48.1, gps_lon: 11.5, gps_speed: 33, gps_ts: T0 } }));
    expect(out.events).toHaveLength(1);
  });

  test('snapshot → restore gives the same outputs as running straight through', () => {
    const config = testConfig({ windows: { sizeMs: 5000, allowedLatenessMs: 1000 }, filters: [{ tag: '**', deadband: { mode: 'percent', value: 5 } }] });
    const input: Sample[][] = [];
    let seed = 7;
    const rnd = (): number => (seed = (seed * 48271) % 0x7fffffff) / 0x7fffffff;
    for (let i = 0; i < 200; i++) {
      const ts = T0 + i * 250;
      input.push([sample({ name: 'rpm', value: Math.round(1500 + rnd() * 2000), ts }), sample({ name: 'fuel_level', value: Math.round(10 - i / 20), ts }), sample({ source: 'gps', name: 'lat', value: 48 + rnd(), ts }), sample({ source: 'gps', name: 'lon', value: 11, ts })]);
    }
    const straight = run(new Processor(config), input);
    const a = new Processor(config);
    const first = run(a, input.slice(0, 77));
    const b = new Processor(config);
    const carry = emptyOutputs();
    b.restore(JSON.parse(JSON.stringify(a.snapshot())), carry);
    const second = run(b, input.slice(77));
    for (const k of ['events', 'stateMetrics', 'telemetry', 'summaries'] as const) expect([...first[k], ...carry[k], ...second[k]]).toEqual(straight[k]);
  });

  test('a changed window size closes the restored windows instead of losing them', () => {
    const a = new Processor(testConfig({ windows: { sizeMs: 60_000 } }));
    run(a, [[sample({ name: 'rpm', value: 1000, ts: T0 + 1000 }), sample({ name: 'rpm', value: 3000, ts: T0 + 2000 })]]);
    const b = new Processor(testConfig({ windows: { sizeMs: 10_000 } }));
    const carry = emptyOutputs();
    b.restore(a.snapshot(), carry);
    expect(carry.summaries.find((s) => s.name === 'rpm.count')).toMatchObject({ value: 2, attrs: { window: '60s' } });
    expect(b.openWindows).toBe(0);
  });

  test('a bad expression is a config error naming its path and the expression', () => {
    const config = testConfig({ filters: [{ tag: 'speed', where: 'speed >> 120' }], events: { rules: [{ id: 'x', when: 'rpm > ', severity: 'warning' }] } });
    expect(() => new Processor(config)).toThrow(ConfigError);
    const problems = ruleProblems(config).map((p) => `${p.path}: ${p.reason}`);
    expect(problems).toEqual([expect.stringMatching(/^\/filters\/0\/where: invalid expression speed >> 120: .* at column \d+$/), expect.stringMatching(/^\/events\/rules\/0\/when: invalid expression rpm > : .*column 7$/)]);
  });
});
