/**
 * Ready-made definitions for the vehicle events of the brief (issue 6). Each takes optional
 * overrides (threshold, debounce, severity).
 */
import type { Sample, SampleValue } from '../../../core/src/envelope';
import type { ConditionEventDef, NewCodeEventDef, Severity } from './event-detector';

export interface ThresholdOptions {
  threshold?: number;
  enterForMs?: number;
  exitForMs?: number;
  severity?: Severity;
}

const num = (s: Sample): number | null => (typeof s.value === 'number' ? s.value : null);
const above = (t: number) => (s: Sample): boolean => (num(s) ?? -Infinity) > t;

function debounce(o: ThresholdOptions): Pick<ConditionEventDef, 'enterForMs' | 'exitForMs'> {
  const d: Pick<ConditionEventDef, 'enterForMs' | 'exitForMs'> = {};
  if (o.enterForMs !== undefined) d.enterForMs = o.enterForMs;
  if (o.exitForMs !== undefined) d.exitForMs = o.exitForMs;
  return d;
}

/** High RPM: `rpm > 2700`. */
export function highRpm(o: ThresholdOptions = {}): ConditionEventDef {
  const t = o.threshold ?? 2700;
  return { id: 'high_rpm', name: 'High RPM', severity: o.severity ?? 'warning', tag: 'rpm', enter: above(t), ...debounce(o) };
}

/** High Engine Load: `absolute_load > 97`. */
export function highEngineLoad(o: ThresholdOptions = {}): ConditionEventDef {
  const t = o.threshold ?? 97;
  return { id: 'high_engine_load', name: 'High Engine Load', severity: o.severity ?? 'warning', tag: 'absolute_load', enter: above(t), ...debounce(o) };
}

/** Low Fuel: `fuel_level < 5`, cleared at `>= 6` (hysteresis); state metric `low_fuel` (0/1). */
export function lowFuel(o: ThresholdOptions & { clearAt?: number } = {}): ConditionEventDef {
  const t = o.threshold ?? 5;
  const clearAt = o.clearAt ?? t + 1;
  return {
    id: 'low_fuel',
    name: 'Low Fuel',
    severity: o.severity ?? 'warning',
    tag: 'fuel_level',
    enter: (s) => {
      const v = num(s);
      return v !== null && v < t;
    },
    exit: (s) => {
      const v = num(s);
      return v !== null && v >= clearAt;
    },
    stateMetric: 'low_fuel',
    ...debounce(o),
  };
}

/** New DTC: a `dtc_stored` value (codes joined by commas) gaining a code not seen before for the device. */
export function newDtc(o: { severity?: Severity; tag?: string } = {}): NewCodeEventDef {
  return { kind: 'new-code', id: 'new_dtc', name: 'New DTC', severity: o.severity ?? 'critical', tag: o.tag ?? 'dtc_stored' };
}

/** Whether an ignition value means on (`"on"`, `true`, a non-zero number) / off. Anything else: neither. */
export function ignitionOn(v: SampleValue): boolean {
  return v === true || (typeof v === 'number' && v !== 0) || (typeof v === 'string' && v.toLowerCase() === 'on');
}
export function ignitionOff(v: SampleValue): boolean {
  return v === false || v === 0 || (typeof v === 'string' && v.toLowerCase() === 'off');
}

/**
 * Vehicle on/off: active while the `ignition` sample says on, cleared when it says off (a value
 * that is neither, e.g. "unknown", changes nothing). State metric `vehicle_on` (0/1).
 */
export function vehicleOn(o: { severity?: Severity } = {}): ConditionEventDef {
  return {
    id: 'vehicle_on',
    name: 'Vehicle on',
    severity: o.severity ?? 'info',
    tag: 'ignition',
    enter: (s) => ignitionOn(s.value),
    exit: (s) => ignitionOff(s.value),
    stateMetric: 'vehicle_on',
  };
}

/** All of the above with their defaults. */
export function standardVehicleEvents(): Array<ConditionEventDef | NewCodeEventDef> {
  return [highRpm(), highEngineLoad(), lowFuel(), newDtc(), vehicleOn()];
}
