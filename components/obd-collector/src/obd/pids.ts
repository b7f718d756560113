/**
 * SAE J1979 Mode 01 PID table: data length, signal name and unit, and the decoder for each PID.
 * Formulas as in the public PID tables (FleetWise Edge, python-OBD); J1979 itself was not read.
 * Names follow test/fixtures/elm327/decode.jsonl (python-OBD command names, snake_case).
 */

/** One decoded signal. Supported-PID bitmasks decode to the list of PID numbers. */
export interface DecodedSignal {
  /** Mode 01 PID the signal came from. */
  pid: number;
  name: string;
  value: number | boolean | number[];
  unit: string;
}

export interface PidDefinition {
  pid: number;
  /** Name of the main signal (PID 01 yields `mil` and `dtc_count` too). */
  name: string;
  unit: string;
  /** Number of data bytes after the PID byte. */
  bytes: number;
  decode(data: readonly number[]): DecodedSignal[];
}

const u16 = (d: readonly number[]): number => (d[0]! << 8) | d[1]!;

function scalar(pid: number, name: string, unit: string, bytes: 1 | 2, f: (d: readonly number[]) => number): PidDefinition {
  return { pid, name, unit, bytes, decode: (d) => [{ pid, name, unit, value: f(d) }] };
}

const percent = (pid: number, name: string) => scalar(pid, name, '%', 1, (d) => (d[0]! * 100) / 255);
const temperature = (pid: number, name: string) => scalar(pid, name, '°C', 1, (d) => d[0]! - 40);
const fuelTrim = (pid: number, name: string) => scalar(pid, name, '%', 1, (d) => ((d[0]! - 128) * 100) / 128);

/** The PIDs announced by a supported-PID bitmask at `base` (00, 20, 40 …): bit i (MSB first) ⇒ base+i+1. */
export function decodeSupportedPids(base: number, data: readonly number[]): number[] {
  const pids: number[] = [];
  for (let i = 0; i < 32; i++) {
    const byte = data[i >> 3] ?? 0;
    if (byte & (0x80 >> (i & 7))) pids.push(base + i + 1);
  }
  return pids;
}

function supported(base: number): PidDefinition {
  const name = `pids_supported_${hex2(base + 1)}_${hex2(base + 0x20)}`.toLowerCase();
  return { pid: base, name, unit: 'pid-list', bytes: 4, decode: (d) => [{ pid: base, name, unit: 'pid-list', value: decodeSupportedPids(base, d) }] };
}

export function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

const definitions: PidDefinition[] = [
  supported(0x00),
  {
    pid: 0x01,
    name: 'monitor_status',
    unit: '',
    bytes: 4,
    decode: (d) => [
      { pid: 0x01, name: 'mil', unit: '', value: (d[0]! & 0x80) !== 0 },
      { pid: 0x01, name: 'dtc_count', unit: '', value: d[0]! & 0x7f },
    ],
  },
  percent(0x04, 'engine_load'),
  temperature(0x05, 'coolant_temp'),
  fuelTrim(0x06, 'short_fuel_trim_1'),
  fuelTrim(0x07, 'long_fuel_trim_1'),
  fuelTrim(0x08, 'short_fuel_trim_2'),
  fuelTrim(0x09, 'long_fuel_trim_2'),
  scalar(0x0a, 'fuel_pressure', 'kPa', 1, (d) => 3 * d[0]!),
  scalar(0x0b, 'intake_pressure', 'kPa', 1, (d) => d[0]!),
  scalar(0x0c, 'rpm', 'rpm', 2, (d) => u16(d) / 4),
  scalar(0x0d, 'speed', 'km/h', 1, (d) => d[0]!),
  scalar(0x0e, 'timing_advance', '°', 1, (d) => d[0]! / 2 - 64),
  temperature(0x0f, 'intake_temp'),
  scalar(0x10, 'maf', 'g/s', 2, (d) => u16(d) / 100),
  percent(0x11, 'throttle_pos'),
  scalar(0x1f, 'run_time', 's', 2, u16),
  supported(0x20),
  scalar(0x21, 'distance_w_mil', 'km', 2, u16),
  percent(0x2f, 'fuel_level'),
  scalar(0x31, 'distance_since_dtc_clear', 'km', 2, u16),
  scalar(0x33, 'barometric_pressure', 'kPa', 1, (d) => d[0]!),
  supported(0x40),
  scalar(0x42, 'control_module_voltage', 'V', 2, (d) => u16(d) / 1000),
  scalar(0x43, 'absolute_load', '%', 2, (d) => (u16(d) * 100) / 255),
  scalar(0x44, 'commanded_equiv_ratio', 'ratio', 2, (d) => (u16(d) * 2) / 65536),
  percent(0x45, 'relative_throttle_pos'),
  temperature(0x46, 'ambient_air_temp'),
  percent(0x49, 'accelerator_pos_d'),
  percent(0x4a, 'accelerator_pos_e'),
  temperature(0x5c, 'oil_temp'),
  scalar(0x5e, 'fuel_rate', 'L/h', 2, (d) => u16(d) / 20),
  supported(0x60),
  scalar(0x61, 'driver_demand_torque', '%', 1, (d) => d[0]! - 125),
  scalar(0x62, 'actual_engine_torque', '%', 1, (d) => d[0]! - 125),
  scalar(0x63, 'engine_reference_torque', 'Nm', 2, u16),
  supported(0x80),
  supported(0xa0),
  supported(0xc0),
];

/** Mode 01 PIDs this library decodes, by PID number. */
export const MODE01_PIDS: ReadonlyMap<number, PidDefinition> = new Map(definitions.map((d) => [d.pid, d]));

/** Looks a PID up by number or by signal name (`rpm`, `coolant_temp`). */
export function findPid(key: number | string): PidDefinition | undefined {
  if (typeof key === 'number') return MODE01_PIDS.get(key);
  for (const d of definitions) if (d.name === key || (d.pid === 0x01 && (key === 'mil' || key === 'dtc_count'))) return d;
  return undefined;
}

/** True when `pid` is a supported-PID bitmask PID (00, 20, 40 … E0). */
export function isRangePid(pid: number): boolean {
  return pid % 0x20 === 0 && pid >= 0 && pid <= 0xe0;
}

export interface Mode01Decode {
  signals: DecodedSignal[];
  /** PIDs found in the answer, in answer order. */
  pids: number[];
  /** Why decoding stopped early (unknown PID, too few bytes, not a 41 answer), if it did. */
  problem?: string;
}

/**
 * Decodes a Mode 01 answer `41 PID data [PID data …]` (one PID or a multi-PID answer), using the
 * table's data lengths. Stops at the first PID it does not know or that is short of bytes, and says
 * so in `problem`; what was decoded before that is kept. Never throws.
 */
export function decodeMode01(payload: readonly number[]): Mode01Decode {
  const out: Mode01Decode = { signals: [], pids: [] };
  if (payload.length < 2 || payload[0] !== 0x41) {
    out.problem = `not a Mode 01 answer: ${toHex(payload)}`;
    return out;
  }
  let i = 1;
  while (i < payload.length) {
    const pid = payload[i]!;
    const def = MODE01_PIDS.get(pid);
    if (!def) {
      // Trailing zero padding after the last PID is not a PID.
      if (payload.slice(i).every((b) => b === 0)) break;
      out.problem = `unknown PID ${hex2(pid)} at byte ${i}`;
      break;
    }
    const data = payload.slice(i + 1, i + 1 + def.bytes);
    if (data.length < def.bytes) {
      out.problem = `PID ${hex2(pid)} needs ${def.bytes} data bytes, got ${data.length}`;
      break;
    }
    out.pids.push(pid);
    out.signals.push(...def.decode(data));
    i += 1 + def.bytes;
  }
  return out;
}

export function toHex(bytes: readonly number[]): string {
  return bytes.map(hex2).join(' ');
}

/** Parses `41 0C 1A F8` / `410C1AF8` into bytes; undefined when it is not whole hex bytes. */
export function parseHexBytes(text: string): number[] | undefined {
  const compact = text.replace(/\s+/g, '');
  if (compact.length === 0 || compact.length % 2 !== 0 || !/^[0-9A-Fa-f]+$/.test(compact)) return undefined;
  const out: number[] = [];
  for (let i = 0; i < compact.length; i += 2) out.push(parseInt(compact.slice(i, i + 2), 16));
  return out;
}
