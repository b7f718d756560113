import type { Sample } from '../../../core/src/envelope';
import { EventDefError, EventDetector, checkEventDefs, eventToSamples, splitCodes, type Event } from './event-detector';
import { highRpm, ignitionOff, ignitionOn, lowFuel, newDtc, standardVehicleEvents, vehicleOn } from './standard-events';

const s = (name: string, value: Sample['value'], ts: number, extra: Partial<Sample> = {}): Sample => ({
  device: 'V1',
  source: 'obd',
  name,
  value,
  quality: 'GOOD',
  ts,
  ...extra,
});

describe('EventDetector', () => {
  it('reports every definition problem at once', () => {
    const enter = (): boolean => true;
    const problems = checkEventDefs([
      { id: 'a', name: 'A', severity: 'info', tag: 'x', enter, enterForMs: -1 },
      { id: 'a', name: 'A2', severity: 'loud' as 'info', tag: '', enter },
    ]);
    expect(problems).toEqual(['/0/enterForMs: must be a number >= 0', '/1/id: duplicate id "a"', '/1/tag: must be a non-empty string', '/1/severity: must be "critical", "warning" or "info"']);
    expect(() => new EventDetector([highRpm(), highRpm()])).toThrow(EventDefError);
  });

  it('gives the full event shape and the critical-stream samples, with the state metric', () => {
    const d = new EventDetector([lowFuel()]);
    const [active] = d.process(s('fuel_level', 4, 1000, { device: 'VIN1' }));
    expect(active).toEqual<Event>({
      id: 'low_fuel',
      name: 'Low Fuel',
      severity: 'warning',
      device: 'VIN1',
      tag: 'fuel_level',
      source: 'obd',
      state: 'active',
      ts: 1000,
      value: 4,
      since: 1000,
      stateMetric: 'low_fuel',
    });
    expect(eventToSamples(active as Event)).toEqual<Sample[]>([
      { device: 'VIN1', source: 'obd', name: 'event.low_fuel', value: 'active', quality: 'GOOD', ts: 1000, attrs: { severity: 'warning', name: 'Low Fuel', since: 1000, tag: 'fuel_level', value: 4 } },
      { device: 'VIN1', source: 'obd', name: 'low_fuel', value: 1, quality: 'GOOD', ts: 1000 },
    ]);
    const [cleared] = d.process(s('fuel_level', 50, 5000, { device: 'VIN1' }));
    expect(eventToSamples(cleared as Event).map((x) => x.value)).toEqual(['cleared', 0]);
    expect(d.isActive('low_fuel', 'VIN1')).toBe(false);
  });

  it('emits no state metric sample for a definition without one; a null value is left out of attrs', () => {
    const d = new EventDetector([{ id: 'gone', name: 'Signal gone', severity: 'info', tag: 'x', enter: (x) => x.value === null }]);
    const events = d.process(s('x', null, 7));
    expect(events).toHaveLength(1);
    const samples = eventToSamples(events[0] as Event);
    expect(samples).toHaveLength(1);
    expect(samples[0]?.attrs).toEqual({ severity: 'info', name: 'Signal gone', since: 7, tag: 'x' });
  });

  it('ignores samples of other tags and BAD samples unless acceptBad', () => {
    const d = new EventDetector([highRpm(), { ...highRpm(), id: 'high_rpm_any', acceptBad: true }]);
    expect(d.process(s('speed', 9999, 1))).toEqual([]);
    expect(d.process(s('rpm', 9999, 2, { quality: 'BAD' })).map((e) => e.id)).toEqual(['high_rpm_any']);
  });

  it('restarts a debounce on a sample where the condition does not hold', () => {
    const d = new EventDetector([highRpm({ enterForMs: 1000 })]);
    expect(d.process(s('rpm', 3000, 0))).toEqual([]);
    expect(d.process(s('rpm', 1000, 900))).toEqual([]);
    expect(d.process(s('rpm', 3000, 1000))).toEqual([]);
    expect(d.process(s('rpm', 3000, 1999))).toEqual([]);
    expect(d.process(s('rpm', 3000, 2000)).map((e) => [e.state, e.since])).toEqual([['active', 1000]]);
  });

  it('restore skips entries of unknown definitions or the wrong shape and replaces the state', () => {
    const a = new EventDetector([lowFuel(), newDtc()]);
    a.process(s('fuel_level', 1, 0));
    a.process(s('dtc_stored', 'P0301', 0));
    const snap = JSON.parse(JSON.stringify(a.snapshot())) as ReturnType<EventDetector['snapshot']>;
    expect(snap.conditions).toEqual([{ def: 'low_fuel', device: 'V1', tag: 'fuel_level', active: true, pendingSince: null, since: 0 }]);
    expect(snap.codes).toEqual([{ def: 'new_dtc', device: 'V1', tag: 'dtc_stored', seen: ['P0301'] }]);

    const b = new EventDetector([lowFuel()]);
    b.process(s('fuel_level', 1, 0, { device: 'V9' }));
    expect(b.restore(snap)).toEqual({ restored: 1, skipped: 1 });
    expect(b.isActive('low_fuel', 'V1')).toBe(true);
    expect(b.isActive('low_fuel', 'V9')).toBe(false);
    expect(b.process(s('fuel_level', 1, 1))).toEqual([]);
    expect(b.process(s('fuel_level', 6, 2)).map((e) => [e.state, e.since])).toEqual([['cleared', 0]]);
  });
});

describe('standard events', () => {
  it('splits DTC strings', () => {
    expect(splitCodes('P0301,P0420')).toEqual(['P0301', 'P0420']);
    expect(splitCodes(' p0301 ;U0100 ')).toEqual(['P0301', 'U0100']);
    expect(splitCodes('')).toEqual([]);
    expect(splitCodes(3)).toEqual([]);
  });

  it('reads ignition values', () => {
    expect([true, 1, 'on', 'ON'].map(ignitionOn)).toEqual([true, true, true, true]);
    expect([false, 0, 'off', 'unknown', null].map(ignitionOn)).toEqual([false, false, false, false, false]);
    expect([false, 0, 'off', 'OFF'].map(ignitionOff)).toEqual([true, true, true, true]);
    expect(['unknown', null, 'on'].map(ignitionOff)).toEqual([false, false, false]);
  });

  it('uses the brief thresholds', () => {
    const d = new EventDetector(standardVehicleEvents());
    expect(d.process(s('rpm', 2700, 0))).toEqual([]);
    expect(d.process(s('rpm', 2700.5, 1)).map((e) => e.id)).toEqual(['high_rpm']);
    expect(d.process(s('absolute_load', 97, 0))).toEqual([]);
    expect(d.process(s('absolute_load', 98, 1)).map((e) => e.id)).toEqual(['high_engine_load']);
    expect(d.process(s('fuel_level', 5, 0))).toEqual([]);
    expect(d.process(s('fuel_level', 4.99, 1)).map((e) => e.id)).toEqual(['low_fuel']);
    expect(d.process(s('ignition', 'on', 1)).map((e) => [e.id, e.severity, e.stateMetric])).toEqual([['vehicle_on', 'info', 'vehicle_on']]);
    expect(d.process(s('dtc_stored', 'P0301', 1)).map((e) => [e.id, e.severity, e.value])).toEqual([['new_dtc', 'critical', 'P0301']]);
    expect(vehicleOn({ severity: 'warning' }).severity).toBe('warning');
    expect(lowFuel({ threshold: 10 }).exit?.(s('fuel_level', 10.5, 0))).toBe(false);
    expect(lowFuel({ threshold: 10 }).exit?.(s('fuel_level', 11, 0))).toBe(true);
  });
});
