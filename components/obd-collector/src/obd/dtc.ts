/**
 * Diagnostic trouble codes (Mode 03 stored, 07 pending, 0A permanent): two bytes per code.
 * Top two bits of byte 1: letter (P C B U); next two bits: first digit 0-3; the remaining
 * 12 bits: three hex digits. `00 00` is padding, never `P0000`.
 */
import { hex2 } from './pids';

const LETTERS = ['P', 'C', 'B', 'U'] as const;

/** `01 33` → `P0133`; `00 00` → null (padding). */
export function decodeDtc(b1: number, b2: number): string | null {
  if (b1 === 0 && b2 === 0) return null;
  const letter = LETTERS[(b1 >> 6) & 3]!;
  const digit = (b1 >> 4) & 3;
  return `${letter}${digit}${(b1 & 0x0f).toString(16).toUpperCase()}${hex2(b2 & 0xff)}`;
}

export type DtcLayout = 'can' | 'legacy' | 'auto';

export type DtcDecode = { ok: true; codes: string[] } | { ok: false; problem: string };

/**
 * Decodes one ECU's DTC answer `43 …` / `47 …` / `4A …`.
 * CAN layout: `43 NN` then exactly NN two-byte codes (anything else is refused, as FWE does).
 * Legacy layout (K-line, J1850; also obdsim on CAN): `43 d1 d2 d3 …` without a count, zero-padded;
 * several legacy frames may be concatenated, each starting with the mode byte again.
 * `auto`: CAN when the count byte matches the length, legacy when the length is odd.
 */
export function decodeDtcResponse(payload: readonly number[], layout: DtcLayout = 'auto'): DtcDecode {
  const mode = payload[0];
  if (mode === undefined || (mode !== 0x43 && mode !== 0x47 && mode !== 0x4a)) {
    return { ok: false, problem: 'not a DTC answer (43, 47 or 4A expected)' };
  }
  const canFits = payload.length >= 2 && payload.length === 2 + 2 * payload[1]!;
  const useCan = layout === 'can' || (layout === 'auto' && canFits);
  if (useCan) {
    if (!canFits) return { ok: false, problem: `count byte says ${payload[1] ?? '?'} codes but ${payload.length} bytes arrived` };
    return { ok: true, codes: pairs(payload.slice(2)) };
  }
  if (layout === 'auto' && payload.length % 2 === 0) {
    return { ok: false, problem: `count byte says ${payload[1]} codes but ${payload.length} bytes arrived` };
  }
  // Legacy: split into frames at each repeated mode byte on a 7-byte boundary, else take pairs after the mode byte.
  const codes: string[] = [];
  if (payload.length % 7 === 0 && payload.every((b, i) => i % 7 !== 0 || b === mode)) {
    for (let i = 0; i < payload.length; i += 7) codes.push(...pairs(payload.slice(i + 1, i + 7)));
  } else {
    if ((payload.length - 1) % 2 !== 0) return { ok: false, problem: 'odd number of DTC bytes' };
    codes.push(...pairs(payload.slice(1)));
  }
  return { ok: true, codes };
}

function pairs(bytes: readonly number[]): string[] {
  const codes: string[] = [];
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    const code = decodeDtc(bytes[i]!, bytes[i + 1]!);
    if (code !== null) codes.push(code);
  }
  return codes;
}
