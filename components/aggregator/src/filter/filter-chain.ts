/**
 * Per-tag filters on core envelope samples: validity range, deadband (report by exception)
 * with a maximum silence, and a minimum interval (rate limit by event time).
 *
 * A rule is selected by tag name or glob pattern (see tag-pattern.ts): an exact name wins, then
 * the first matching pattern. Samples whose name matches no rule pass untouched.
 *
 * Order for one sample: validity → minimum interval → deadband.
 * - Validity applies to numbers only. An out-of-range value is either dropped
 *   (`{pass: null, reason: 'invalid'}`) or marked: value kept, quality BAD, `attrs.invalid` = the
 *   reason; a marked sample goes on through the other filters and, if it passes, comes back as
 *   `{pass: marked, reason: 'invalid'}`.
 * - Minimum interval: a sample less than `minIntervalMs` (event time) after the last sent one of
 *   the same (device, tag) is dropped (`'rate'`). Out-of-order samples (older than the last sent)
 *   are dropped too when a minimum interval is set.
 * - Deadband: passed when there is no last sent value, the quality changed, `maxSilenceMs` passed
 *   since the last sent value, a non-numeric value changed, or a number moved strictly more than
 *   the deadband (absolute, or percent of the last sent value; from a last sent 0 any change
 *   passes a percent deadband). Otherwise dropped (`'deadband'`).
 *
 * State per (device, tag) is the last *sent* sample's ts, value and quality; `snapshot()` gives
 * it as plain JSON and `restore()` takes it back (after a restart).
 */
import type { Quality, Sample, SampleValue } from '../../../core/src/envelope';
import { TagSelector } from './tag-pattern';

export interface ValidityRule {
  /** Smallest valid value (inclusive). */
  min?: number;
  /** Largest valid value (inclusive). */
  max?: number;
  /** What happens to an out-of-range value: `mark` keeps it with quality BAD; `drop` discards it. */
  action: 'mark' | 'drop';
}

export interface DeadbandRule {
  mode: 'absolute' | 'percent';
  /** The change (in the value's unit, or percent of the last sent value) that must be exceeded. */
  value: number;
  /** Re-send the value when this long (event time) passed since the last sent one. */
  maxSilenceMs?: number;
}

export interface FilterRule {
  /** Tag name, or glob (`*` within a segment, `**` across `/` and `.`). */
  tag: string;
  validity?: ValidityRule;
  deadband?: DeadbandRule;
  /** Minimum event-time interval between two sent samples of one (device, tag). */
  minIntervalMs?: number;
}

export type FilterReason = 'invalid' | 'deadband' | 'rate';

export interface FilterResult {
  pass: Sample | null;
  reason?: FilterReason;
}

export interface FilterCounts {
  passed: number;
  /** Out-of-range samples marked BAD (they may still be dropped later by deadband or rate). */
  marked: number;
  dropped: Record<FilterReason, number>;
}

/** Last sent sample of one (device, tag). */
export interface FilterKeyState {
  device: string;
  name: string;
  ts: number;
  value: SampleValue;
  quality: Quality;
}

export interface FilterSnapshot {
  v: 1;
  keys: FilterKeyState[];
}

/** Problems in the rules, as `path: reason`; empty when they are fine. */
export function checkFilterRules(rules: readonly FilterRule[]): string[] {
  const problems: string[] = [];
  const nonNegative = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x) && x >= 0;
  rules.forEach((r, i) => {
    const at = `/${i}`;
    if (typeof r.tag !== 'string' || r.tag.length === 0) problems.push(`${at}/tag: must be a non-empty string`);
    if (r.validity) {
      const { min, max, action } = r.validity;
      if (action !== 'mark' && action !== 'drop') problems.push(`${at}/validity/action: must be "mark" or "drop"`);
      if (min !== undefined && !Number.isFinite(min)) problems.push(`${at}/validity/min: must be a finite number`);
      if (max !== undefined && !Number.isFinite(max)) problems.push(`${at}/validity/max: must be a finite number`);
      if (min !== undefined && max !== undefined && min > max) problems.push(`${at}/validity: min must not exceed max`);
    }
    if (r.deadband) {
      if (r.deadband.mode !== 'absolute' && r.deadband.mode !== 'percent') problems.push(`${at}/deadband/mode: must be "absolute" or "percent"`);
      if (!nonNegative(r.deadband.value)) problems.push(`${at}/deadband/value: must be a number >= 0`);
      if (r.deadband.maxSilenceMs !== undefined && !nonNegative(r.deadband.maxSilenceMs)) problems.push(`${at}/deadband/maxSilenceMs: must be a number >= 0`);
    }
    if (r.minIntervalMs !== undefined && !nonNegative(r.minIntervalMs)) problems.push(`${at}/minIntervalMs: must be a number >= 0`);
  });
  return problems;
}

export class FilterRuleError extends Error {
  readonly code = 'filter_rules_invalid';
  constructor(readonly problems: readonly string[]) {
    super(`invalid filter rules: ${problems.join('; ')}`);
    this.name = 'FilterRuleError';
  }
}

const SEP = '\u0000';

/** What applies to one tag name: its rule and the state of each device sending it (see `FilterChain.slotFor`). */
export interface NameSlot {
  rule: FilterRule | undefined;
  /** device → last sent sample (the same objects as in `state`). */
  byDevice: Map<string, FilterKeyState>;
}

const DROPPED: Readonly<Record<FilterReason, FilterResult>> = {
  invalid: Object.freeze({ pass: null, reason: 'invalid' }),
  deadband: Object.freeze({ pass: null, reason: 'deadband' }),
  rate: Object.freeze({ pass: null, reason: 'rate' }),
};

export class FilterChain {
  private readonly selector: TagSelector<FilterRule>;
  /** Last sent sample per `device SEP name`, in first-sent order (what snapshots list). */
  private readonly state = new Map<string, FilterKeyState>();
  /** The same state reached by name, then device: no key string built per sample. */
  private readonly slots = new Map<string, NameSlot>();
  private readonly counters: FilterCounts = { passed: 0, marked: 0, dropped: { invalid: 0, deadband: 0, rate: 0 } };

  /** Throws FilterRuleError listing every problem in the rules. */
  constructor(rules: readonly FilterRule[]) {
    const problems = checkFilterRules(rules);
    if (problems.length > 0) throw new FilterRuleError(problems);
    this.selector = new TagSelector(rules.map((r) => ({ tag: r.tag, value: r })));
  }

  /** The rule that applies to a tag name, if any. */
  ruleFor(name: string): FilterRule | undefined {
    return this.selector.select(name);
  }

  process(sample: Sample): FilterResult {
    const r = this.apply(sample);
    if (typeof r === 'string') return DROPPED[r];
    return r === sample ? { pass: r } : { pass: r, reason: 'invalid' };
  }

  /**
   * `process` without a result object (for the hot path): the sample that passes — the same
   * object, or a marked copy (quality BAD, `attrs.invalid`) — or why it was dropped.
   */
  apply(sample: Sample): Sample | FilterReason {
    return this.applyAt(this.slotFor(sample.name), sample);
  }

  /**
   * `apply` with the slot of the sample's name already looked up (`slotFor(sample.name)`; a slot
   * stays valid for the life of the chain, across restores).
   */
  applyAt(slot: NameSlot, sample: Sample): Sample | FilterReason {
    const rule = slot.rule;
    if (!rule) {
      this.counters.passed++;
      return sample;
    }
    let out = sample;
    if (rule.validity && typeof sample.value === 'number') {
      const why = invalidReason(sample.value, rule.validity);
      if (why !== null) {
        if (rule.validity.action === 'drop') return this.drop('invalid');
        out = { ...sample, quality: 'BAD', attrs: { ...sample.attrs, invalid: why } };
        this.counters.marked++;
      }
    }
    if (rule.minIntervalMs !== undefined || rule.deadband) {
      const last = slot.byDevice.get(sample.device);
      if (last) {
        if (rule.minIntervalMs !== undefined && out.ts - last.ts < rule.minIntervalMs) return this.drop('rate');
        if (rule.deadband && !movedEnough(out, last, rule.deadband)) return this.drop('deadband');
        // In place: snapshots copy these objects.
        last.ts = out.ts;
        last.value = out.value;
        last.quality = out.quality;
      } else {
        const st: FilterKeyState = { device: out.device, name: out.name, ts: out.ts, value: out.value, quality: out.quality };
        this.state.set(sample.device + SEP + sample.name, st);
        slot.byDevice.set(sample.device, st);
      }
    }
    this.counters.passed++;
    return out;
  }

  counts(): FilterCounts {
    return { passed: this.counters.passed, marked: this.counters.marked, dropped: { ...this.counters.dropped } };
  }

  snapshot(): FilterSnapshot {
    return { v: 1, keys: [...this.state.values()].map((k) => ({ ...k })) };
  }

  /** Replaces the per-key state. Entries that are not well-formed are skipped and counted in the result. */
  restore(snapshot: FilterSnapshot): { restored: number; skipped: number } {
    this.state.clear();
    for (const slot of this.slots.values()) slot.byDevice.clear();
    let skipped = 0;
    if (!snapshot || snapshot.v !== 1 || !Array.isArray(snapshot.keys)) return { restored: 0, skipped: 0 };
    for (const k of snapshot.keys) {
      if (!isKeyState(k)) {
        skipped++;
        continue;
      }
      const st: FilterKeyState = { device: k.device, name: k.name, ts: k.ts, value: k.value, quality: k.quality };
      const key = k.device + SEP + k.name;
      this.state.set(key, st);
      // A later duplicate replaces an earlier one, as in `state`.
      this.slotFor(k.name).byDevice.set(k.device, st);
    }
    return { restored: this.state.size, skipped };
  }

  /** The rule and per-device state of a tag name. */
  slotFor(name: string): NameSlot {
    let slot = this.slots.get(name);
    if (slot === undefined) {
      slot = { rule: this.selector.select(name), byDevice: new Map() };
      this.slots.set(name, slot);
    }
    return slot;
  }

  private drop(reason: FilterReason): FilterReason {
    this.counters.dropped[reason]++;
    return reason;
  }
}

function invalidReason(value: number, v: ValidityRule): string | null {
  if (v.min !== undefined && value < v.min) return `below minimum ${v.min}`;
  if (v.max !== undefined && value > v.max) return `above maximum ${v.max}`;
  return null;
}

function movedEnough(s: Sample, last: FilterKeyState, db: DeadbandRule): boolean {
  if (s.quality !== last.quality) return true;
  if (db.maxSilenceMs !== undefined && s.ts - last.ts >= db.maxSilenceMs) return true;
  if (typeof s.value !== 'number' || typeof last.value !== 'number') return s.value !== last.value;
  const change = Math.abs(s.value - last.value);
  if (db.mode === 'absolute') return change > db.value;
  if (last.value === 0) return change > 0;
  return (change / Math.abs(last.value)) * 100 > db.value;
}

function isKeyState(k: unknown): k is FilterKeyState {
  if (typeof k !== 'object' || k === null) return false;
  const o = k as Record<string, unknown>;
  const v = o['value'];
  return (
    typeof o['device'] === 'string' &&
    typeof o['name'] === 'string' &&
    typeof o['ts'] === 'number' &&
    Number.isFinite(o['ts']) &&
    (o['quality'] === 'GOOD' || o['quality'] === 'UNCERTAIN' || o['quality'] === 'BAD') &&
    (v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)))
  );
}
