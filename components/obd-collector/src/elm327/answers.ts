/**
 * Turns parsed replies into OBD answers: Mode 01 signals per ECU, DTC lists, VIN, adapter
 * voltage and version, and the protocol named by ATDPN.
 */
import { decodeDtcResponse, type DtcLayout } from '../obd/dtc';
import { decodeMode01, type DecodedSignal } from '../obd/pids';
import { decodeVin } from '../obd/vin';
import type { ObdMessage } from './reply';

export interface EcuSignals {
  ecu: string | null;
  signals: DecodedSignal[];
  /** PIDs present in this ECU's answer. */
  pids: number[];
  problem?: string;
}

/** Decodes every Mode 01 message (single or multi-PID). Messages that are not `41 …` are skipped. */
export function mode01Signals(messages: readonly ObdMessage[]): EcuSignals[] {
  const out: EcuSignals[] = [];
  for (const m of messages) {
    if (m.data[0] !== 0x41) continue;
    const d = decodeMode01(m.data);
    out.push({ ecu: m.ecu, signals: d.signals, pids: d.pids, ...(d.problem !== undefined ? { problem: d.problem } : {}) });
  }
  return out;
}

export interface DtcAnswer {
  /** Every code, in ECU order, duplicates removed. */
  codes: string[];
  /** Codes per ECU id (`null` key written as `"null"` for headers-off answers). */
  byEcu: Record<string, string[]>;
  /** Messages that could not be decoded. */
  problems: string[];
}

/** Collects DTCs from `43`/`47`/`4A` messages of every ECU. */
export function dtcAnswer(messages: readonly ObdMessage[], responseMode = 0x43, layout: DtcLayout = 'auto'): DtcAnswer {
  const out: DtcAnswer = { codes: [], byEcu: {}, problems: [] };
  for (const m of messages) {
    if (m.data[0] !== responseMode) continue;
    const key = String(m.ecu);
    const d = decodeDtcResponse(m.data, layout);
    out.byEcu[key] ??= [];
    if (!d.ok) {
      out.problems.push(`${key}: ${d.problem}`);
      continue;
    }
    out.byEcu[key]!.push(...d.codes);
    for (const c of d.codes) if (!out.codes.includes(c)) out.codes.push(c);
  }
  return out;
}

/** The first VIN found in `49 02` messages; headers-off legacy frames (one message each) are joined first. */
export function vinAnswer(messages: readonly ObdMessage[]): string | null {
  const vinMessages = messages.filter((m) => m.data[0] === 0x49 && m.data[1] === 0x02);
  for (const m of vinMessages) {
    const vin = decodeVin(m.data);
    if (vin !== null && vin.length >= 17) return vin;
  }
  // Legacy: five 7-byte frames, one message each.
  const byEcu = new Map<string | null, number[]>();
  for (const m of vinMessages) byEcu.set(m.ecu, [...(byEcu.get(m.ecu) ?? []), ...m.data]);
  for (const data of byEcu.values()) {
    const vin = decodeVin(data);
    if (vin !== null) return vin;
  }
  for (const m of vinMessages) {
    const vin = decodeVin(m.data);
    if (vin !== null) return vin;
  }
  return null;
}

/** `13.3V` → 13.3; undefined when no voltage is in the lines. */
export function parseVoltage(lines: readonly string[]): number | undefined {
  for (const l of lines) {
    const m = /^(\d{1,2}(?:\.\d+)?)\s*V?$/i.exec(l.trim());
    if (m) return Number(m[1]);
  }
  return undefined;
}

/** The banner line after ATZ / ATI (`ELM327 v1.5`). */
export function parseElmVersion(lines: readonly string[]): string | undefined {
  return lines.find((l) => /ELM\s*327/i.test(l) || /^v\d/i.test(l));
}

export interface ProtocolInfo {
  /** ATDPN digit: 0 (none) 1-9, A-C. */
  number: string;
  /** Chosen by the automatic search (`A` prefix). */
  auto: boolean;
  name: string;
  /** CAN protocols (6-9, A-C) allow multi-PID requests. */
  isCan: boolean;
}

export const PROTOCOL_NAMES: Readonly<Record<string, string>> = {
  '0': 'automatic (none found yet)',
  '1': 'SAE J1850 PWM (41.6 kbaud)',
  '2': 'SAE J1850 VPW (10.4 kbaud)',
  '3': 'ISO 9141-2 (5 baud init, 10.4 kbaud)',
  '4': 'ISO 14230-4 KWP (5 baud init, 10.4 kbaud)',
  '5': 'ISO 14230-4 KWP (fast init, 10.4 kbaud)',
  '6': 'ISO 15765-4 CAN (11 bit ID, 500 kbaud)',
  '7': 'ISO 15765-4 CAN (29 bit ID, 500 kbaud)',
  '8': 'ISO 15765-4 CAN (11 bit ID, 250 kbaud)',
  '9': 'ISO 15765-4 CAN (29 bit ID, 250 kbaud)',
  A: 'SAE J1939 CAN (29 bit ID, 250 kbaud)',
  B: 'USER1 CAN (11 bit ID, 125 kbaud)',
  C: 'USER2 CAN (11 bit ID, 50 kbaud)',
};

/** Maps an ATDPN answer (`A6`, `6`, `A0`) to a protocol; undefined when the line is not one. */
export function parseProtocolNumber(lines: readonly string[]): ProtocolInfo | undefined {
  for (const l of lines) {
    const m = /^(A?)([0-9A-C])$/i.exec(l.trim());
    if (!m) continue;
    const number = m[2]!.toUpperCase();
    return { number, auto: m[1] !== '', name: PROTOCOL_NAMES[number]!, isCan: /^[6-9A-C]$/.test(number) };
  }
  return undefined;
}

/**
 * The engine ECU among those that answered 0100: the only one; else 7E8 (11-bit) or 18DAF110
 * (29-bit); else the one supporting the most PIDs (python-OBD's rule). Undefined when none answered.
 */
export function pickEngineEcu(supported: ReadonlyMap<string | null, ReadonlySet<number>>): string | null | undefined {
  const ids = [...supported.keys()];
  if (ids.length <= 1) return ids[0];
  for (const id of ['7E8', '18DAF110']) if (supported.has(id)) return id;
  let best: string | null | undefined;
  let most = -1;
  for (const [id, pids] of supported) {
    if (pids.size > most) {
      best = id;
      most = pids.size;
    }
  }
  return best;
}
