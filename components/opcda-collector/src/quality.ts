/**
 * OPC DA quality and its OPC UA counterpart.
 *
 * A DA quality is 16 bits: the high byte is vendor specific, the low byte is `QQSSSSLL`
 * (QQ primary quality, SSSS sub-status, LL limit). Primary quality: 0xC0 GOOD, 0x40 UNCERTAIN,
 * 0x00 BAD (0x80 is not defined by DA; it is treated as BAD).
 *
 * OPC 10000-8 Annex A (A.3.2.3 Table A.61, wrapper direction; A.4.3.3 Table A.65, proxy direction)
 * maps the quality+sub-status to a UA StatusCode and the limit bits to the StatusCode's LimitBits.
 * A wrapper therefore hands us StatusCodes; `daQualityOfStatusCode` turns them back into the DA
 * quality byte, codes outside the table falling back on their severity (as the OPC Foundation's
 * COM proxy does).
 */
import type { Quality } from '../../core/src';

/** DA quality values (low byte, limit bits clear), named as in the OPC DA specification. */
export const DaQuality = {
  BAD: 0x00,
  CONFIG_ERROR: 0x04,
  NOT_CONNECTED: 0x08,
  DEVICE_FAILURE: 0x0c,
  SENSOR_FAILURE: 0x10,
  LAST_KNOWN: 0x14,
  COMM_FAILURE: 0x18,
  OUT_OF_SERVICE: 0x1c,
  WAITING_FOR_INITIAL_DATA: 0x20,
  UNCERTAIN: 0x40,
  LAST_USABLE: 0x44,
  SENSOR_CAL: 0x50,
  EGU_EXCEEDED: 0x54,
  SUB_NORMAL: 0x58,
  GOOD: 0xc0,
  LOCAL_OVERRIDE: 0xd8,
} as const;

/** DA limit bits (LL). */
export const DaLimit = { NONE: 0, LOW: 1, HIGH: 2, CONSTANT: 3 } as const;

/** UA StatusCode values of Annex A's table (code bits, i.e. the top 16 bits). */
export const UaStatus = {
  Good: 0x00000000,
  GoodLocalOverride: 0x00960000,
  Uncertain: 0x40000000,
  UncertainSubNormal: 0x40950000,
  UncertainSensorNotAccurate: 0x40930000,
  UncertainEngineeringUnitsExceeded: 0x40940000,
  UncertainLastUsableValue: 0x40900000,
  Bad: 0x80000000,
  BadConfigurationError: 0x80890000,
  BadNotConnected: 0x808a0000,
  BadNoCommunication: 0x80310000,
  BadOutOfService: 0x808d0000,
  BadDeviceFailure: 0x808b0000,
  BadSensorFailure: 0x808c0000,
  BadWaitingForInitialData: 0x80320000,
} as const;

/** The primary quality of a DA quality word. */
export function qualityOfDa(daQuality: number): Quality {
  switch (daQuality & 0xc0) {
    case 0xc0:
      return 'GOOD';
    case 0x40:
      return 'UNCERTAIN';
    default:
      return 'BAD'; // 0x00, and 0x80 which DA leaves undefined
  }
}

/** DA quality+sub-status (limit bits clear) → UA code bits; the table of OPC 10000-8 A.3.2.3. */
const DA_TO_UA: ReadonlyMap<number, number> = new Map([
  [DaQuality.GOOD, UaStatus.Good],
  [DaQuality.LOCAL_OVERRIDE, UaStatus.GoodLocalOverride],
  [DaQuality.UNCERTAIN, UaStatus.Uncertain],
  [DaQuality.SUB_NORMAL, UaStatus.UncertainSubNormal],
  [DaQuality.SENSOR_CAL, UaStatus.UncertainSensorNotAccurate],
  [DaQuality.EGU_EXCEEDED, UaStatus.UncertainEngineeringUnitsExceeded],
  [DaQuality.LAST_USABLE, UaStatus.UncertainLastUsableValue],
  [DaQuality.BAD, UaStatus.Bad],
  [DaQuality.CONFIG_ERROR, UaStatus.BadConfigurationError],
  [DaQuality.NOT_CONNECTED, UaStatus.BadNotConnected],
  [DaQuality.COMM_FAILURE, UaStatus.BadNoCommunication],
  [DaQuality.DEVICE_FAILURE, UaStatus.BadDeviceFailure],
  [DaQuality.SENSOR_FAILURE, UaStatus.BadSensorFailure],
  [DaQuality.LAST_KNOWN, UaStatus.BadOutOfService],
  [DaQuality.OUT_OF_SERVICE, UaStatus.BadOutOfService],
  [DaQuality.WAITING_FOR_INITIAL_DATA, UaStatus.BadWaitingForInitialData],
]);

/** UA code bits → DA quality+sub-status; the table of OPC 10000-8 A.4.3.3 (LAST_KNOWN has no UA code of its own). */
const UA_TO_DA: ReadonlyMap<number, number> = new Map([
  [UaStatus.Good, DaQuality.GOOD],
  [UaStatus.GoodLocalOverride, DaQuality.LOCAL_OVERRIDE],
  [UaStatus.Uncertain, DaQuality.UNCERTAIN],
  [UaStatus.UncertainSubNormal, DaQuality.SUB_NORMAL],
  [UaStatus.UncertainSensorNotAccurate, DaQuality.SENSOR_CAL],
  [UaStatus.UncertainEngineeringUnitsExceeded, DaQuality.EGU_EXCEEDED],
  [UaStatus.UncertainLastUsableValue, DaQuality.LAST_USABLE],
  [UaStatus.Bad, DaQuality.BAD],
  [UaStatus.BadConfigurationError, DaQuality.CONFIG_ERROR],
  [UaStatus.BadNotConnected, DaQuality.NOT_CONNECTED],
  [UaStatus.BadNoCommunication, DaQuality.COMM_FAILURE],
  [UaStatus.BadOutOfService, DaQuality.OUT_OF_SERVICE],
  [UaStatus.BadDeviceFailure, DaQuality.DEVICE_FAILURE],
  [UaStatus.BadSensorFailure, DaQuality.SENSOR_FAILURE],
  [UaStatus.BadWaitingForInitialData, DaQuality.WAITING_FOR_INITIAL_DATA],
]);

/** UA LimitBits are bits 8–9 of the StatusCode: 01 Low, 10 High, 11 Constant (the same order as DA's LL). */
const UA_LIMIT_SHIFT = 8;

/** A UA StatusCode (32-bit) as the DA quality a COM proxy would report for it. */
export function daQualityOfStatusCode(statusCode: number): number {
  const code = statusCode >>> 0;
  const bits = (code & 0xffff0000) >>> 0;
  let q = UA_TO_DA.get(bits);
  if (q === undefined) {
    const severity = code >>> 30; // 00 good, 01 uncertain, 10/11 bad
    q = severity === 0 ? DaQuality.GOOD : severity === 1 ? DaQuality.UNCERTAIN : DaQuality.BAD;
  }
  return q | ((code >>> UA_LIMIT_SHIFT) & 0x3);
}

/** A DA quality word as the UA StatusCode a COM wrapper would report for it (vendor byte dropped, as the spec says). */
export function statusCodeOfDaQuality(daQuality: number): number {
  const qs = daQuality & 0xfc;
  const bits = DA_TO_UA.get(qs) ?? (qualityOfDa(qs) === 'GOOD' ? UaStatus.Good : qualityOfDa(qs) === 'UNCERTAIN' ? UaStatus.Uncertain : UaStatus.Bad);
  return (bits | ((daQuality & 0x3) << UA_LIMIT_SHIFT)) >>> 0;
}

const NAMES = new Map<number, string>(Object.entries(DaQuality).map(([k, v]) => [v, k]));
const LIMITS = ['', 'LOW', 'HIGH', 'CONSTANT'];

/** `UNCERTAIN_LAST_USABLE`, `BAD_COMM_FAILURE|LOW`, `GOOD`; unknown sub-statuses in hex. */
export function describeDaQuality(daQuality: number): string {
  const qs = daQuality & 0xfc;
  const primary = qualityOfDa(qs);
  const name = NAMES.get(qs);
  const base = name === undefined ? `${primary}(0x${qs.toString(16).padStart(2, '0')})` : name === primary ? primary : `${primary}_${name}`;
  const limit = LIMITS[daQuality & 0x3];
  return limit ? `${base}|${limit}` : base;
}
