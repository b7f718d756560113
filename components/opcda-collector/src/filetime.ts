/**
 * Timestamps. OPC DA gives a FILETIME: 100-ns intervals since 1601-01-01 UTC, as a 64-bit value
 * (two 32-bit halves over DCOM). An OPC UA DateTime is the same count; node-opcua decodes it into
 * a Date (whole ms) plus the rest in picoseconds. Samples carry epoch ms plus nanoseconds within
 * the ms (`ts`, `tsNanos`), so nothing finer than the source's 100 ns is invented or lost.
 */

/** FILETIME ticks (100 ns) between 1601-01-01 and 1970-01-01. */
export const FILETIME_EPOCH_OFFSET = 116_444_736_000_000_000n;
const TICKS_PER_MS = 10_000n;

export interface EpochTime {
  /** Milliseconds since 1970-01-01 UTC. */
  ms: number;
  /** Nanoseconds within that millisecond (0–999 999, a multiple of 100 for a FILETIME). */
  nanos: number;
}

/**
 * A FILETIME (ticks as a bigint, or its high and low 32-bit halves) as epoch ms + nanos.
 * Undefined for 0 (DA's "no timestamp") and for times before 1970, which a sample cannot hold.
 */
export function fromFiletime(ticks: bigint): EpochTime | undefined;
export function fromFiletime(high: number, low: number): EpochTime | undefined;
export function fromFiletime(a: bigint | number, low?: number): EpochTime | undefined {
  const ticks = typeof a === 'bigint' ? a : (BigInt(a >>> 0) << 32n) | BigInt((low ?? 0) >>> 0);
  if (ticks <= 0n) return undefined;
  const since1970 = ticks - FILETIME_EPOCH_OFFSET;
  if (since1970 < 0n) return undefined;
  return { ms: Number(since1970 / TICKS_PER_MS), nanos: Number(since1970 % TICKS_PER_MS) * 100 };
}

/** Epoch ms + nanos as FILETIME ticks (the nanos rounded down to 100 ns). */
export function toFiletime(t: EpochTime): bigint {
  return BigInt(t.ms) * TICKS_PER_MS + BigInt(Math.floor(t.nanos / 100)) + FILETIME_EPOCH_OFFSET;
}

/**
 * A node-opcua timestamp (Date + picoseconds beyond the ms) as epoch ms + nanos. Undefined for
 * a missing date, UA's minimum date (1601, "no timestamp") and times before 1970.
 */
export function fromUaDateTime(date: Date | null | undefined, picoseconds?: number | null): EpochTime | undefined {
  if (!date) return undefined;
  const ms = date.getTime();
  if (!Number.isFinite(ms) || ms < 0) return undefined;
  const nanos = Math.min(999_999, Math.max(0, Math.floor((picoseconds ?? 0) / 1000)));
  return { ms, nanos };
}

/** A JavaScript Date (what node-opc-da returns: it converts the FILETIME to whole ms) as epoch ms. */
export function fromDate(date: Date | null | undefined): EpochTime | undefined {
  return fromUaDateTime(date, 0);
}
