/**
 * Mode 01 PIDs the simulated engine ECU answers: readings → data bytes with the SAE J1979
 * formulas (the ones in /work/shared/fixtures/elm327/README.md), and supported-PID bitmasks.
 */
import { VehicleReadings } from './vehicle';

export interface PidContext {
  readonly readings: VehicleReadings;
  readonly milOn: boolean;
  readonly storedDtcCount: number;
}

type Encoder = (ctx: PidContext) => number[];

const byte = (x: number): number => Math.max(0, Math.min(255, Math.round(x)));
const word = (x: number): number[] => {
  const v = Math.max(0, Math.min(0xffff, Math.round(x)));
  return [v >> 8, v & 0xff];
};
const pct = (p: number): number => byte((p * 255) / 100);
const temp = (c: number): number => byte(c + 40);
const trim = (p: number): number => byte((p * 128) / 100 + 128);

/** Data-byte encoders by PID (upper-case hex). The range PIDs 00/20/40/60 are handled by `pidBitmask`. */
export const MODE01_ENCODERS: Readonly<Record<string, Encoder>> = {
  // Monitor status: MIL bit + DTC count, then fixed readiness bytes (spark ignition).
  '01': (c) => [(c.milOn ? 0x80 : 0) | Math.min(0x7f, c.storedDtcCount), 0x07, 0x65, 0x00],
  // Fuel system status: closed loop once warm.
  '03': (c) => [c.readings.ignition && c.readings.coolantC > 40 ? 0x02 : 0x01, 0x00],
  '04': (c) => [pct(c.readings.engineLoadPct)],
  '05': (c) => [temp(c.readings.coolantC)],
  '06': (c) => [trim(c.readings.shortFuelTrimPct)],
  '07': (c) => [trim(c.readings.longFuelTrimPct)],
  '0B': (c) => [byte(c.readings.mapKpa)],
  '0C': (c) => word(c.readings.rpm * 4),
  '0D': (c) => [byte(c.readings.speedKmh)],
  '0E': (c) => [byte((c.readings.timingAdvanceDeg + 64) * 2)],
  '0F': (c) => [temp(c.readings.intakeC)],
  '10': (c) => word(c.readings.mafGs * 100),
  '11': (c) => [pct(c.readings.throttlePct)],
  // O2 sensors present: bank 1 sensors 1 and 2.
  '13': () => [0x03],
  // O2 sensor 2 voltage (0.005 V/bit) and trim (FF = not used for trim).
  '15': () => [0x5a, 0xff],
  // OBD standard: 06 = EOBD.
  '1C': () => [0x06],
  '1F': (c) => word(c.readings.runTimeS),
  '21': (c) => word(c.readings.distanceWithMilKm),
  '2F': (c) => [pct(c.readings.fuelLevelPct)],
  '31': (c) => word(c.readings.distanceSinceClearKm),
  '33': (c) => [byte(c.readings.baroKpa)],
  '42': (c) => word(c.readings.moduleVoltage * 1000),
  '43': (c) => word((c.readings.absoluteLoadPct * 255) / 100),
  '44': (c) => word(c.readings.ignition ? 32768 : 0),
  '45': (c) => [pct(c.readings.relativeThrottlePct)],
  '46': (c) => [temp(c.readings.ambientC)],
  '49': (c) => [pct(c.readings.pedalPct)],
  '4A': (c) => [pct(c.readings.pedalPct / 2)],
  // Fuel type: 01 = gasoline.
  '51': () => [0x01],
  '5C': (c) => [temp(c.readings.oilC)],
  '5E': (c) => word(c.readings.fuelRateLh * 20),
  '61': (c) => [byte(c.readings.demandTorquePct + 125)],
  '62': (c) => [byte(c.readings.actualTorquePct + 125)],
  '63': (c) => word(c.readings.referenceTorqueNm),
};

/** Every non-range PID the engine ECU can answer, sorted. */
export const ENGINE_PIDS: readonly string[] = Object.keys(MODE01_ENCODERS).sort();

const hex2 = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');

/**
 * The full supported set for a list of data PIDs: adds the range PIDs (20, 40, 60) needed to
 * reach the highest one, so bit 0x20 of 0100 is set when any PID above 0x20 is supported.
 */
export function withRangePids(pids: readonly string[]): Set<string> {
  const set = new Set(pids.map((p) => p.toUpperCase()));
  const max = Math.max(0, ...[...set].map((p) => parseInt(p, 16)));
  for (let range = 0x20; range < max && range <= 0xe0; range += 0x20) set.add(hex2(range));
  return set;
}

/** Four bitmask bytes answering PID `base` (00, 20, 40, ...): bit i ⇒ PID base+i+1. */
export function pidBitmask(base: number, supported: ReadonlySet<string>): number[] {
  let mask = 0;
  for (let i = 0; i < 32; i += 1) {
    if (supported.has(hex2(base + i + 1))) mask |= 1 << (31 - i);
  }
  mask >>>= 0;
  return [(mask >>> 24) & 0xff, (mask >>> 16) & 0xff, (mask >>> 8) & 0xff, mask & 0xff];
}

/** True for 00, 20, 40, ... E0. */
export function isRangePid(pid: string): boolean {
  return parseInt(pid, 16) % 0x20 === 0;
}
