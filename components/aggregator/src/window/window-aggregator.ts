/**
 * Tumbling event-time windows per (device, name).
 *
 * A sample goes to the window [floor(ts/sizeMs)*sizeMs, +sizeMs). The watermark is the largest
 * event time seen minus `allowedLatenessMs` (or a later value given to `advance`); it never goes
 * back. Every window whose end ≤ watermark is closed and summarised; a sample for a window that is
 * already closed is late: counted per key, not included. The watermark is global (over all keys).
 */
import type { Quality, Sample, Source } from '../../../core/src/envelope';
import { TributaryError } from '../../../core/src/errors';
import { addValue, computeStats, emptyStats, type WindowStatsState } from './window-stats';

export interface WindowOptions {
  sizeMs: number;
  allowedLatenessMs: number;
  /** Values kept per window for median and mode; beyond it a reservoir sample (approximate: true). Default 10,000. */
  maxValuesPerWindow?: number;
  /** Count booleans as 0/1 instead of skipping them as non-numeric. Default false. */
  booleansAsNumbers?: boolean;
  /** BAD-quality values: 'skip' (default, counted) or 'include' (the summary is then UNCERTAIN). */
  badQuality?: 'skip' | 'include';
  /** Close windows on every `add` as the watermark moves. Default true; otherwise only `advance`/`flush`. */
  autoAdvance?: boolean;
  /** Which statistics to emit through `summaryToSamples` (all by default); the summary always has all. */
  stats?: readonly SummaryStat[];
}

export const SUMMARY_STATS = ['count', 'mean', 'median', 'mode', 'stdev', 'variance', 'min', 'max', 'first', 'last'] as const;
export type SummaryStat = (typeof SUMMARY_STATS)[number];

/** One closed window. `stdev` and `variance` are population (divide by n). */
export interface WindowSummary {
  device: string;
  source: Source;
  name: string;
  unit?: string;
  windowStart: number;
  windowEnd: number;
  count: number;
  mean: number;
  median: number;
  mode: number;
  /** Population standard deviation. */
  stdev: number;
  /** Population variance. */
  variance: number;
  min: number;
  max: number;
  first: number;
  last: number;
  quality: Extract<Quality, 'GOOD' | 'UNCERTAIN'>;
  /** Present and true when median/mode come from a reservoir sample (count > maxValuesPerWindow). */
  approximate?: true;
}

export interface KeyCounters {
  /** Values included in a window. */
  included: number;
  /** Values for a window already closed. */
  late: number;
  /** String, boolean (unless booleansAsNumbers), null or non-finite values. */
  nonNumeric: number;
  /** BAD-quality values skipped. */
  bad: number;
}

interface OpenWindow {
  device: string;
  source: Source;
  name: string;
  unit?: string;
  start: number;
  stats: WindowStatsState;
}

/** Plain-JSON state: open windows, watermark and counters. */
export interface WindowSnapshot {
  v: 1;
  sizeMs: number;
  allowedLatenessMs: number;
  maxEventTs: number | null;
  watermark: number | null;
  windows: Array<Omit<OpenWindow, 'stats'> & { stats: WindowStatsState }>;
  counters: Record<string, { device: string; name: string } & KeyCounters>;
}

const DEFAULT_MAX_VALUES = 10_000;

/** What `add` returns when no window closed (shared, frozen: callers only read it). */
const NONE: WindowSummary[] = Object.freeze([]) as unknown as WindowSummary[];

/** One (device, name): its counters and open windows (the same objects as in `perKey` / `open`). */
export interface KeySlot {
  key: string;
  c: { device: string; name: string } & KeyCounters;
  byStart: Map<number, OpenWindow>;
}

function keyOf(device: string, name: string): string {
  return `${device}\u0000${name}`;
}

function hashSeed(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

export class WindowAggregator {
  readonly sizeMs: number;
  readonly allowedLatenessMs: number;
  private readonly maxValues: number;
  private readonly booleansAsNumbers: boolean;
  private readonly includeBad: boolean;
  private readonly autoAdvance: boolean;
  /** The statistics to emit as samples (`summaryToSamples(summary, { stats: aggregator.stats })`). */
  readonly stats: readonly SummaryStat[];
  /** key → windowStart → window */
  private readonly open = new Map<string, Map<number, OpenWindow>>();
  private readonly perKey = new Map<string, { device: string; name: string } & KeyCounters>();
  /** name → device → slot: no key string built per sample. The inner maps are emptied by restore (they stay valid). */
  private readonly slots = new Map<string, Map<string, KeySlot>>();
  private maxEventTs: number | null = null;
  private wm: number | null = null;
  /** Smallest open window end: nothing to close while the watermark is below it. */
  private nextEnd = Infinity;

  constructor(opts: WindowOptions) {
    const problems: string[] = [];
    if (!Number.isInteger(opts.sizeMs) || opts.sizeMs <= 0) problems.push('sizeMs: must be a positive integer');
    if (!Number.isInteger(opts.allowedLatenessMs) || opts.allowedLatenessMs < 0)
      problems.push('allowedLatenessMs: must be an integer ≥ 0');
    const maxValues = opts.maxValuesPerWindow ?? DEFAULT_MAX_VALUES;
    if (!Number.isInteger(maxValues) || maxValues < 1) problems.push('maxValuesPerWindow: must be an integer ≥ 1');
    for (const st of opts.stats ?? []) if (!(SUMMARY_STATS as readonly string[]).includes(st)) problems.push(`stats: unknown statistic "${st}"`);
    if (problems.length) throw new TributaryError('window_config_invalid', problems.join('; '));
    this.sizeMs = opts.sizeMs;
    this.allowedLatenessMs = opts.allowedLatenessMs;
    this.maxValues = maxValues;
    this.booleansAsNumbers = opts.booleansAsNumbers ?? false;
    this.includeBad = (opts.badQuality ?? 'skip') === 'include';
    this.autoAdvance = opts.autoAdvance ?? true;
    this.stats = opts.stats ?? SUMMARY_STATS;
  }

  /** The current watermark (null before any sample or advance). */
  get watermark(): number | null {
    return this.wm;
  }

  windowStartOf(ts: number): number {
    return Math.floor(ts / this.sizeMs) * this.sizeMs;
  }

  /** Adds one sample; returns the summaries of windows this closed (with autoAdvance; a shared empty array when none). */
  add(sample: Sample): WindowSummary[] {
    return this.addAt(this.keysOf(sample.name), sample);
  }

  /** The per-device slots of a tag name, for `addAt` (valid for the life of the aggregator, across restores). */
  keysOf(name: string): Map<string, KeySlot> {
    let byDevice = this.slots.get(name);
    if (byDevice === undefined) {
      byDevice = new Map();
      this.slots.set(name, byDevice);
    }
    return byDevice;
  }

  /** `add` with `keysOf(sample.name)` already looked up. */
  addAt(keys: Map<string, KeySlot>, sample: Sample): WindowSummary[] {
    const slot = this.slotOf(keys, sample.device, sample.name);
    const c = slot.c;
    let value: number;
    const raw = sample.value;
    if (typeof raw === 'number' && Number.isFinite(raw)) value = raw;
    else if (typeof raw === 'boolean' && this.booleansAsNumbers) value = raw ? 1 : 0;
    else {
      c.nonNumeric++;
      return this.noteEventTime(sample.ts);
    }
    if (sample.quality === 'BAD' && !this.includeBad) {
      c.bad++;
      return this.noteEventTime(sample.ts);
    }
    const start = this.windowStartOf(sample.ts);
    const end = start + this.sizeMs;
    if (this.wm !== null && end <= this.wm) {
      c.late++;
      return this.noteEventTime(sample.ts);
    }
    const byStart = slot.byStart;
    if (byStart.size === 0 && !this.open.has(slot.key)) this.open.set(slot.key, byStart);
    let w = byStart.get(start);
    if (w === undefined) {
      w = { device: sample.device, source: sample.source, name: sample.name, start, stats: emptyStats(hashSeed(`${slot.key}\u0000${start}`)) };
      if (sample.unit !== undefined) w.unit = sample.unit;
      byStart.set(start, w);
      if (end < this.nextEnd) this.nextEnd = end;
    } else if (w.unit === undefined && sample.unit !== undefined) {
      w.unit = sample.unit;
    }
    addValue(w.stats, value, sample.ts, sample.quality === 'GOOD', this.maxValues);
    c.included++;
    return this.noteEventTime(sample.ts);
  }

  /** Moves the watermark to at least `watermark` and returns the summaries of the windows it closes (a shared empty array when none). */
  advance(watermark: number): WindowSummary[] {
    if (this.wm === null || watermark > this.wm) this.wm = watermark;
    if (this.wm < this.nextEnd) return NONE;
    return this.close((end) => end <= (this.wm as number));
  }

  /** Closes every open window (shutdown). The watermark is unchanged, so later samples for these windows are not late. */
  flush(): WindowSummary[] {
    return this.close(() => true);
  }

  /** Counters per key, and totals. */
  counters(): { total: KeyCounters; perKey: Array<{ device: string; name: string } & KeyCounters> } {
    const total: KeyCounters = { included: 0, late: 0, nonNumeric: 0, bad: 0 };
    const perKey = [...this.perKey.values()].map((c) => ({ ...c }));
    for (const c of perKey) {
      total.included += c.included;
      total.late += c.late;
      total.nonNumeric += c.nonNumeric;
      total.bad += c.bad;
    }
    perKey.sort((a, b) => cmp(a.device, b.device) || cmp(a.name, b.name));
    return { total, perKey };
  }

  /** Number of open windows. */
  get openWindows(): number {
    let n = 0;
    for (const m of this.open.values()) n += m.size;
    return n;
  }

  snapshot(): WindowSnapshot {
    const windows: WindowSnapshot['windows'] = [];
    for (const byStart of this.open.values()) {
      for (const w of byStart.values()) {
        windows.push({ ...w, stats: { ...w.stats, first: { ...w.stats.first }, last: { ...w.stats.last }, values: [...w.stats.values] } });
      }
    }
    const counters: WindowSnapshot['counters'] = {};
    for (const [k, c] of this.perKey) counters[k] = { ...c };
    return { v: 1, sizeMs: this.sizeMs, allowedLatenessMs: this.allowedLatenessMs, maxEventTs: this.maxEventTs, watermark: this.wm, windows, counters };
  }

  /** Replaces this aggregator's state with a snapshot (e.g. after a restart). The window size must match. */
  restore(state: WindowSnapshot): void {
    if (state === null || typeof state !== 'object' || state.v !== 1 || !Array.isArray(state.windows))
      throw new TributaryError('window_snapshot_invalid', 'window snapshot: not a version 1 snapshot');
    if (state.sizeMs !== this.sizeMs)
      throw new TributaryError('window_snapshot_mismatch', `window snapshot: sizeMs ${state.sizeMs} differs from the configured ${this.sizeMs}`);
    this.open.clear();
    this.perKey.clear();
    for (const byDevice of this.slots.values()) byDevice.clear();
    this.nextEnd = Infinity;
    this.maxEventTs = state.maxEventTs;
    this.wm = state.watermark;
    for (const w of state.windows) {
      const key = keyOf(w.device, w.name);
      let byStart = this.open.get(key);
      if (byStart === undefined) {
        byStart = new Map();
        this.open.set(key, byStart);
      }
      const stats: WindowStatsState = { ...w.stats, first: { ...w.stats.first }, last: { ...w.stats.last }, values: [...w.stats.values] };
      const copy: OpenWindow = { device: w.device, source: w.source, name: w.name, start: w.start, stats };
      if (w.unit !== undefined) copy.unit = w.unit;
      byStart.set(w.start, copy);
      this.nextEnd = Math.min(this.nextEnd, w.start + this.sizeMs);
    }
    for (const [k, c] of Object.entries(state.counters)) this.perKey.set(k, { ...c });
  }

  private noteEventTime(ts: number): WindowSummary[] {
    if (this.maxEventTs === null || ts > this.maxEventTs) this.maxEventTs = ts;
    if (!this.autoAdvance) return NONE;
    const candidate = this.maxEventTs - this.allowedLatenessMs;
    if (this.wm !== null && candidate <= this.wm) return NONE;
    return this.advance(candidate);
  }

  private slotOf(byDevice: Map<string, KeySlot>, device: string, name: string): KeySlot {
    let slot = byDevice.get(device);
    if (slot === undefined) {
      const key = keyOf(device, name);
      let c = this.perKey.get(key);
      if (c === undefined) {
        c = { device, name, included: 0, late: 0, nonNumeric: 0, bad: 0 };
        this.perKey.set(key, c);
      }
      // Registered in `open` when its first window opens (see add), as before.
      slot = { key, c, byStart: this.open.get(key) ?? new Map() };
      byDevice.set(device, slot);
    }
    return slot;
  }

  private close(shouldClose: (end: number) => boolean): WindowSummary[] {
    const out: WindowSummary[] = [];
    let nextEnd = Infinity;
    for (const [key, byStart] of this.open) {
      for (const [start, w] of byStart) {
        const end = start + this.sizeMs;
        if (shouldClose(end)) {
          byStart.delete(start);
          out.push(this.summarise(w));
        } else if (end < nextEnd) nextEnd = end;
      }
      if (byStart.size === 0) this.open.delete(key);
    }
    this.nextEnd = nextEnd;
    out.sort((a, b) => a.windowStart - b.windowStart || cmp(a.device, b.device) || cmp(a.name, b.name));
    return out;
  }

  private summarise(w: OpenWindow): WindowSummary {
    const s = computeStats(w.stats);
    const summary: WindowSummary = {
      device: w.device,
      source: w.source,
      name: w.name,
      windowStart: w.start,
      windowEnd: w.start + this.sizeMs,
      count: s.count,
      mean: s.mean,
      median: s.median,
      mode: s.mode,
      stdev: s.stdev,
      variance: s.variance,
      min: s.min,
      max: s.max,
      first: s.first,
      last: s.last,
      quality: s.allGood ? 'GOOD' : 'UNCERTAIN',
    };
    if (w.unit !== undefined) summary.unit = w.unit;
    if (s.approximate) summary.approximate = true;
    return summary;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
