/**
 * Fault injection for the ELM327 emulator. Faults hit OBD requests only (AT commands always
 * answer). Each request first takes a queued one-shot fault, if any, and otherwise draws
 * against the configured probabilities with a seeded generator, so runs are repeatable.
 */

export type FaultKind =
  /** `NO DATA` instead of the answer. */
  | 'noData'
  /** Random bytes (never `>` or CR) followed by CR CR `>`. */
  | 'garbage'
  /** `CAN ERROR`, printed as is on either profile. */
  | 'canError'
  /** `BUS INIT: ...ERROR`, printed as is on either profile (a real one only on K-line). */
  | 'busInitError'
  /** `STOPPED`, as when a character interrupts the request. */
  | 'stopped'
  /** Echo only: no answer and no prompt (the adapter hangs on this command). */
  | 'unanswered'
  /** The connection is closed (the TCP server ends the socket). */
  | 'disconnect';

export const FAULT_KINDS: readonly FaultKind[] = ['noData', 'garbage', 'canError', 'busInitError', 'stopped', 'unanswered', 'disconnect'];

/** Probability per OBD request, 0..1, for each fault kind. */
export type FaultProbabilities = Partial<Record<FaultKind, number>>;

/** mulberry32: small, fast, deterministic. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  readonly random: () => number;
  private probabilities: FaultProbabilities;
  private readonly queue: FaultKind[] = [];
  private readonly counts = new Map<FaultKind, number>();

  constructor(probabilities: FaultProbabilities = {}, seed = 1) {
    FaultInjector.check(probabilities);
    this.probabilities = { ...probabilities };
    this.random = seededRandom(seed);
  }

  private static check(p: FaultProbabilities): void {
    const problems: string[] = [];
    for (const [kind, value] of Object.entries(p)) {
      if (!FAULT_KINDS.includes(kind as FaultKind)) problems.push(`${kind}: unknown fault kind`);
      else if (typeof value !== 'number' || !(value >= 0 && value <= 1)) problems.push(`${kind}: probability must be between 0 and 1`);
    }
    const total = Object.values(p).reduce<number>((s, v) => s + (v ?? 0), 0);
    if (total > 1) problems.push(`probabilities add up to ${total}, more than 1`);
    if (problems.length > 0) throw new Error(`invalid fault probabilities: ${problems.join('; ')}`);
  }

  setProbabilities(probabilities: FaultProbabilities): void {
    FaultInjector.check(probabilities);
    this.probabilities = { ...probabilities };
  }

  /** Queues faults that hit the next OBD requests, one each, in order. */
  inject(...kinds: FaultKind[]): void {
    this.queue.push(...kinds);
  }

  get pending(): number {
    return this.queue.length;
  }

  /** How many times each fault has fired. */
  fired(kind: FaultKind): number {
    return this.counts.get(kind) ?? 0;
  }

  /** The fault for the next OBD request, or undefined. */
  next(): FaultKind | undefined {
    let kind = this.queue.shift();
    if (kind === undefined) {
      const draw = this.random();
      let edge = 0;
      for (const k of FAULT_KINDS) {
        edge += this.probabilities[k] ?? 0;
        if (draw < edge) {
          kind = k;
          break;
        }
      }
    }
    if (kind !== undefined) this.counts.set(kind, this.fired(kind) + 1);
    return kind;
  }
}
