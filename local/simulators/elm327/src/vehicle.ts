/**
 * A simulated car for the ELM327 emulator: an engine on a repeating driving cycle
 * (idle, accelerate, cruise, brake, idle), temperatures that warm up while it runs and cool
 * down while it is off, fuel that slowly drops, a VIN, and stored / pending DTCs per ECU.
 *
 * Deterministic given the clock: state is integrated on a fixed 100 ms grid counted from the
 * creation time, so the same sequence of `now()` values always gives the same readings.
 */

/** Milliseconds of one integration step. */
const STEP_MS = 100;

/** One phase of the driving cycle; speeds in km/h. */
export interface CyclePhase {
  readonly name: 'idle' | 'accelerate' | 'cruise' | 'brake';
  readonly seconds: number;
  readonly fromKmh: number;
  readonly toKmh: number;
}

/** 60 s: idle 10 s, 0→80 km/h in 15 s, cruise 20 s, 80→0 in 10 s, idle 5 s. */
export const DEFAULT_CYCLE: readonly CyclePhase[] = [
  { name: 'idle', seconds: 10, fromKmh: 0, toKmh: 0 },
  { name: 'accelerate', seconds: 15, fromKmh: 0, toKmh: 80 },
  { name: 'cruise', seconds: 20, fromKmh: 80, toKmh: 80 },
  { name: 'brake', seconds: 10, fromKmh: 80, toKmh: 0 },
  { name: 'idle', seconds: 5, fromKmh: 0, toKmh: 0 },
];

/** Physical readings, in the units of SAE J1979 (before byte encoding). */
export interface VehicleReadings {
  ignition: boolean;
  phase: CyclePhase['name'] | 'off';
  rpm: number;
  speedKmh: number;
  /** PID 04, calculated engine load, %. */
  engineLoadPct: number;
  /** PID 43, absolute load, %. */
  absoluteLoadPct: number;
  coolantC: number;
  intakeC: number;
  oilC: number;
  ambientC: number;
  mafGs: number;
  throttlePct: number;
  /** PID 45, relative throttle position, %. */
  relativeThrottlePct: number;
  /** PID 49, accelerator pedal position D, %. */
  pedalPct: number;
  timingAdvanceDeg: number;
  /** PID 0B, intake manifold absolute pressure, kPa. */
  mapKpa: number;
  baroKpa: number;
  fuelLevelPct: number;
  fuelRateLh: number;
  /** Short- and long-term fuel trim bank 1, %. */
  shortFuelTrimPct: number;
  longFuelTrimPct: number;
  moduleVoltage: number;
  /** Seconds since the engine started (PID 1F); 0 while off. */
  runTimeS: number;
  /** Odometer-like total distance driven, km (fractional). */
  distanceKm: number;
  /** Distance since DTCs were cleared (PID 31), km. */
  distanceSinceClearKm: number;
  /** Distance travelled with the MIL on (PID 21), km. */
  distanceWithMilKm: number;
  /** Driver's demand and actual engine torque (PIDs 61, 62), %. */
  demandTorquePct: number;
  actualTorquePct: number;
  referenceTorqueNm: number;
}

export type DtcKind = 'stored' | 'pending';

export interface VehicleOptions {
  /** The clock; defaults to Date.now. Inject a fake for deterministic tests. */
  now?: () => number;
  vin?: string;
  /** Starts with the ignition on (engine running); default true. */
  ignition?: boolean;
  ambientC?: number;
  /** Initial fuel level, %; default 75. */
  fuelLevelPct?: number;
  /** Tank size in litres; default 50. */
  tankLiters?: number;
  /** Multiplies fuel consumption (for demos of "Low fuel"); default 1. */
  fuelBurnFactor?: number;
  /** Coolant warm-up time constant in seconds; default 120. */
  warmupSeconds?: number;
  cycle?: readonly CyclePhase[];
  /** Initial DTCs of the engine ECU (ECU 0). */
  storedDtcs?: readonly string[];
  pendingDtcs?: readonly string[];
}

const DTC_PATTERN = /^[PCBU][0-3][0-9A-F]{3}$/;

/** Checks and upper-cases a DTC such as `P0301`; throws on anything else. */
export function normalizeDtc(code: string): string {
  const upper = code.trim().toUpperCase();
  if (!DTC_PATTERN.test(upper)) throw new Error(`invalid DTC "${code}" (expected e.g. P0301)`);
  return upper;
}

/** Two J1979 bytes of a DTC: `P0301` → [0x03, 0x01], `C0035` → [0x40, 0x35]. */
export function encodeDtc(code: string): [number, number] {
  const c = normalizeDtc(code);
  const letter = 'PCBU'.indexOf(c[0] as string);
  const value = (letter << 14) | (parseInt(c.slice(1), 16) & 0x3fff);
  return [(value >> 8) & 0xff, value & 0xff];
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

/** Gear-like rpm for a road speed. */
function cruiseRpm(speedKmh: number): number {
  if (speedKmh < 1) return 0;
  const ratio = speedKmh < 20 ? 110 : speedKmh < 40 ? 65 : speedKmh < 60 ? 45 : 32;
  return speedKmh * ratio;
}

export class Vehicle {
  readonly vin: string;
  private readonly now: () => number;
  private readonly cycle: readonly CyclePhase[];
  private readonly cycleMs: number;
  private readonly tankLiters: number;
  private readonly fuelBurnFactor: number;
  private readonly warmupSeconds: number;
  readonly ambientC: number;

  /** Time (ms since epoch) up to which the state has been integrated. */
  private integratedTo: number;
  private ignitionOn: boolean;
  /** Integrated ms since the engine started. */
  private runMs = 0;
  private coolant: number;
  private oil: number;
  private intake: number;
  private fuelPct: number;
  private distanceKm = 0;
  private distanceAtClear = 0;
  private distanceWithMil = 0;
  private readonly dtcs = new Map<string, string[]>();
  private held: Partial<VehicleReadings> = {};

  constructor(options: VehicleOptions = {}) {
    this.now = options.now ?? (() => Date.now());
    this.vin = (options.vin ?? '1HGCM82633A004352').toUpperCase();
    if (!/^[A-HJ-NPR-Z0-9]{17}$/.test(this.vin)) throw new Error(`invalid VIN "${this.vin}" (17 characters, no I, O or Q)`);
    this.cycle = options.cycle ?? DEFAULT_CYCLE;
    this.cycleMs = this.cycle.reduce((sum, p) => sum + p.seconds * 1000, 0);
    if (this.cycleMs <= 0) throw new Error('driving cycle must last longer than 0 s');
    this.tankLiters = options.tankLiters ?? 50;
    this.fuelBurnFactor = options.fuelBurnFactor ?? 1;
    this.warmupSeconds = options.warmupSeconds ?? 120;
    this.ambientC = options.ambientC ?? 20;
    this.fuelPct = clamp(options.fuelLevelPct ?? 75, 0, 100);
    this.ignitionOn = options.ignition ?? true;
    this.coolant = this.ambientC;
    this.oil = this.ambientC;
    this.intake = this.ambientC;
    this.integratedTo = this.now();
    for (const code of options.storedDtcs ?? []) this.addDtc(code, 'stored');
    for (const code of options.pendingDtcs ?? []) this.addDtc(code, 'pending');
  }

  get ignition(): boolean {
    this.advance();
    return this.ignitionOn;
  }

  /** Turns the ignition (and the engine) on or off from now on. */
  setIgnition(on: boolean): void {
    this.advance();
    if (on && !this.ignitionOn) this.runMs = 0;
    this.ignitionOn = on;
  }

  /** Pins some readings to fixed values (tests, demos) until `release()`. */
  hold(values: Partial<VehicleReadings>): void {
    this.held = { ...this.held, ...values };
  }

  release(): void {
    this.held = {};
  }

  /** DTCs of one ECU (0 = engine, 1 = transmission), in the order they were set. */
  getDtcs(kind: DtcKind, ecu = 0): string[] {
    return [...(this.dtcs.get(`${ecu}:${kind}`) ?? [])];
  }

  setDtcs(kind: DtcKind, codes: readonly string[], ecu = 0): void {
    this.advance();
    this.dtcs.set(`${ecu}:${kind}`, codes.map(normalizeDtc));
  }

  addDtc(code: string, kind: DtcKind = 'stored', ecu = 0): void {
    this.advance();
    const list = this.dtcs.get(`${ecu}:${kind}`) ?? [];
    const c = normalizeDtc(code);
    if (!list.includes(c)) list.push(c);
    this.dtcs.set(`${ecu}:${kind}`, list);
  }

  /** Mode 04: clears stored and pending DTCs of every ECU, turns the MIL off, resets PID 31. */
  clearDtcs(): void {
    this.advance();
    this.dtcs.clear();
    this.distanceAtClear = this.distanceKm;
    this.distanceWithMil = 0;
  }

  /** MIL is on while the engine ECU has a stored DTC. */
  get milOn(): boolean {
    return this.getDtcs('stored', 0).length > 0;
  }

  /** The readings at `now()`. */
  read(): VehicleReadings {
    this.advance();
    return { ...this.instant(), ...this.held };
  }

  /** Integrates the state on the 100 ms grid up to now(). */
  private advance(): void {
    const target = this.now();
    while (this.integratedTo + STEP_MS <= target) {
      this.step(STEP_MS / 1000);
      this.integratedTo += STEP_MS;
    }
  }

  private step(dt: number): void {
    const r = this.instant();
    const relax = (value: number, goal: number, tau: number): number => value + (goal - value) * (1 - Math.exp(-dt / tau));
    if (this.ignitionOn) {
      this.runMs += dt * 1000;
      this.coolant = relax(this.coolant, 90, this.warmupSeconds / 3);
      this.oil = relax(this.oil, 100, (this.warmupSeconds * 2) / 3);
      this.intake = relax(this.intake, this.ambientC + 12, this.warmupSeconds / 4);
      const km = (r.speedKmh * dt) / 3600;
      this.distanceKm += km;
      if (this.milOn) this.distanceWithMil += km;
      const liters = (r.fuelRateLh * dt * this.fuelBurnFactor) / 3600;
      this.fuelPct = Math.max(0, this.fuelPct - (liters / this.tankLiters) * 100);
    } else {
      this.coolant = relax(this.coolant, this.ambientC, 900);
      this.oil = relax(this.oil, this.ambientC, 1200);
      this.intake = relax(this.intake, this.ambientC, 300);
    }
  }

  /** Readings from the current integrated state and the cycle position (no holds). */
  private instant(): VehicleReadings {
    const base = {
      ambientC: this.ambientC,
      baroKpa: 101,
      coolantC: this.coolant,
      intakeC: this.intake,
      oilC: this.oil,
      fuelLevelPct: this.fuelPct,
      distanceKm: this.distanceKm,
      distanceSinceClearKm: this.distanceKm - this.distanceAtClear,
      distanceWithMilKm: this.distanceWithMil,
      referenceTorqueNm: 250,
      longFuelTrimPct: 2.3,
    };
    if (!this.ignitionOn) {
      return {
        ...base,
        ignition: false,
        phase: 'off',
        rpm: 0,
        speedKmh: 0,
        engineLoadPct: 0,
        absoluteLoadPct: 0,
        mafGs: 0,
        throttlePct: 0,
        relativeThrottlePct: 0,
        pedalPct: 0,
        timingAdvanceDeg: 0,
        mapKpa: 101,
        fuelRateLh: 0,
        shortFuelTrimPct: 0,
        moduleVoltage: 12.4,
        runTimeS: 0,
        demandTorquePct: 0,
        actualTorquePct: 0,
      };
    }
    const inCycle = this.runMs % this.cycleMs;
    let start = 0;
    let phase = this.cycle[0] as CyclePhase;
    for (const p of this.cycle) {
      if (inCycle < start + p.seconds * 1000) {
        phase = p;
        break;
      }
      start += p.seconds * 1000;
    }
    const frac = phase.seconds > 0 ? (inCycle - start) / (phase.seconds * 1000) : 0;
    const speedKmh = phase.fromKmh + (phase.toKmh - phase.fromKmh) * frac;
    // Cold engines idle higher.
    const idleRpm = 780 + Math.max(0, 60 - this.coolant) * 5;
    let rpm: number;
    let load: number;
    let throttle: number;
    let advance: number;
    switch (phase.name) {
      case 'accelerate':
        rpm = Math.max(idleRpm + 600, cruiseRpm(speedKmh) + 700 * (1 - ((speedKmh % 20) / 20) * 0.4));
        load = 70 + 28 * Math.sin(Math.PI * frac);
        throttle = 40 + 25 * Math.sin(Math.PI * frac);
        advance = 18;
        break;
      case 'cruise':
        rpm = cruiseRpm(speedKmh);
        load = 38 + 3 * Math.sin((2 * Math.PI * inCycle) / 7000);
        throttle = 20 + 2 * Math.sin((2 * Math.PI * inCycle) / 7000);
        advance = 32;
        break;
      case 'brake':
        rpm = Math.max(idleRpm, cruiseRpm(speedKmh) * 0.9);
        load = 12;
        throttle = 0;
        advance = 14;
        break;
      default:
        rpm = idleRpm + 15 * Math.sin((2 * Math.PI * inCycle) / 3000);
        load = 22;
        throttle = 0;
        advance = 10;
    }
    // Air: 2.0 l four-stroke, ~1.2 g/l air, volumetric efficiency ≈ load.
    const mafGs = (rpm / 60) * 1.0 * 1.2 * (load / 100);
    const fuelRateLh = (mafGs / 14.7 / 745) * 3600;
    const absoluteLoad = Math.min(100, load * (phase.name === 'accelerate' ? 1.02 : 0.95));
    return {
      ...base,
      ignition: true,
      phase: phase.name,
      rpm,
      speedKmh,
      engineLoadPct: load,
      absoluteLoadPct: absoluteLoad,
      mafGs,
      throttlePct: 14 + throttle * 0.86,
      relativeThrottlePct: throttle,
      pedalPct: 15 + throttle * 0.8,
      timingAdvanceDeg: advance,
      mapKpa: Math.round(25 + (load / 100) * 75),
      fuelRateLh,
      shortFuelTrimPct: 1.5 * Math.sin((2 * Math.PI * inCycle) / 5000),
      moduleVoltage: 14.2 + 0.05 * Math.sin((2 * Math.PI * inCycle) / 4000),
      runTimeS: Math.floor(this.runMs / 1000),
      demandTorquePct: Math.round(load * 0.9),
      actualTorquePct: Math.round(load * 0.88),
    };
  }
}
