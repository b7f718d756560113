/** Vehicle identification number from Mode 09 PID 02. */

/**
 * Decodes a reassembled `49 02 …` answer. CAN: `49 02 01` + 17 ASCII bytes. Legacy: five frames
 * `49 02 0n` + 4 bytes each, concatenated (sorted by n here), with leading 00 padding.
 * Returns null when the answer carries no VIN (`49 02` alone, or no printable characters).
 */
export function decodeVin(payload: readonly number[]): string | null {
  if (payload.length < 2 || payload[0] !== 0x49 || payload[1] !== 0x02) return null;
  let body: number[];
  if (payload.length % 7 === 0 && payload.length >= 14 && payload.every((b, i) => (i % 7 === 0 ? b === 0x49 : i % 7 === 1 ? b === 0x02 : true))) {
    const frames: number[][] = [];
    for (let i = 0; i < payload.length; i += 7) frames.push(payload.slice(i, i + 7));
    frames.sort((a, b) => a[2]! - b[2]!);
    body = frames.flatMap((f) => f.slice(3));
  } else {
    // Skip the number-of-data-items byte when present (01), keep the rest.
    body = payload.slice(payload.length >= 20 ? 3 : 2);
  }
  const text = String.fromCharCode(...body.filter((b) => b !== 0)).trim();
  if (text.length === 0 || !/^[\x21-\x7e]+$/.test(text)) return null;
  return text;
}
