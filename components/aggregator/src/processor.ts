/**
 * The aggregator's processing, without I/O: decoded samples in, output samples out, in input
 * order, deterministically (the same state and the same input give the same output, which is
 * what makes a replay after a crash produce the same records again).
 *
 * Per record (the run of consecutive samples of one device with one timestamp): GPS fixes and
 * the latest values of the tags that rule expressions read are updated first, so that
 * `rpm > 2700 and absolute_load > 90` sees both values of one poll cycle; then each sample goes
 *
 *   enrich (GPS attrs) → where (rule expression) → validity (mark BAD / drop)
 *     ├─► event detection ─► events, state metrics
 *     ├─► tumbling windows ─► summaries
 *     └─► deadband / minimum interval ─► telemetry
 *
 * Events and windows see every valid sample (a deadband must not hide a threshold crossing or
 * bias a mean); telemetry is reported by exception.
 */
import type { Expression, FieldRecord } from './expr';
import type { Sample, SampleValue } from '../../core/src';
import type { AggregatorConfig } from './config';
import { GpsEnricher, type EnrichSnapshot } from './enrich';
import { EventDetector, eventToSamples, type EventSnapshot } from './events';
import { FilterChain, TagSelector, type FilterSnapshot, type NameSlot } from './filter';
import { compileRules } from './rules';
import { summaryToSamples, WindowAggregator, type KeySlot, type SummaryStat, type WindowSnapshot, type WindowSummary } from './window';

export interface ProcessorOutputs {
  events: Sample[];
  stateMetrics: Sample[];
  telemetry: Sample[];
  summaries: Sample[];
}

export function emptyOutputs(): ProcessorOutputs {
  return { events: [], stateMetrics: [], telemetry: [], summaries: [] };
}

/** Running totals since construction (the component turns them into health counters). */
export interface ProcessorStats {
  received: number;
  /** Dropped by reason: `rule` (a `where` expression), `invalid` (validity drop), `deadband`, `rate`. */
  dropped: { rule: number; invalid: number; deadband: number; rate: number };
  /** Out-of-range values kept with quality BAD. */
  marked: number;
  enriched: number;
  events: number;
  summaries: number;
}

export interface ProcessorSnapshot {
  v: 1;
  validity: FilterSnapshot;
  reporting: FilterSnapshot;
  events: EventSnapshot;
  /** Open windows per input stream. */
  windows: Record<string, WindowSnapshot>;
  enrich: EnrichSnapshot | null;
  /** Latest values of the tags that expressions read, per device. */
  latest: Array<{ device: string; values: Record<string, SampleValue> }>;
}

interface Plan {
  where: Expression | null;
  /** The validity filter's slot for this name, when it has a validity rule. */
  validity: NameSlot | null;
  events: boolean;
  windowed: boolean;
  /** The reporting filter's slot for this name, when it has a deadband or minimum interval. */
  reporting: NameSlot | null;
  /** The window aggregator `windowKeys` belong to (per input stream: looked up again when it changes). */
  windowsOf: WindowAggregator | null;
  windowKeys: Map<string, KeySlot> | null;
}

const EMPTY_RECORD: Record<string, SampleValue> = Object.freeze({}) as Record<string, SampleValue>;

export class Processor {
  readonly stats: ProcessorStats = { received: 0, dropped: { rule: 0, invalid: 0, deadband: 0, rate: 0 }, marked: 0, enriched: 0, events: 0, summaries: 0 };
  private readonly validity: FilterChain;
  private readonly reporting: FilterChain;
  private readonly where: TagSelector<Expression | null>;
  private readonly detector: EventDetector;
  /** One window aggregator per input stream: each stream's event time moves its own watermark. */
  private readonly windows = new Map<string, WindowAggregator>();
  private readonly windowOptions: import('./window').WindowOptions | null;
  private readonly windowTags: TagSelector<true>;
  private readonly statsToEmit: readonly SummaryStat[];
  private readonly enricher: GpsEnricher | null;
  private readonly tracked: ReadonlySet<string>;
  private readonly latest = new Map<string, Record<string, SampleValue>>();
  private currentWindows: WindowAggregator | null = null;
  private readonly plans = new Map<string, Plan>();
  private recordFor: Sample | undefined;
  private record: FieldRecord | undefined;

  /** Throws ConfigError when a rule does not compile. */
  constructor(config: AggregatorConfig) {
    const rules = compileRules(config, (s) => this.recordOf(s));
    this.validity = new FilterChain(rules.validity);
    this.reporting = new FilterChain(rules.reporting);
    this.where = rules.where;
    this.detector = new EventDetector(rules.events);
    this.tracked = rules.trackedTags;
    const w = config.windows;
    this.statsToEmit = w.stats;
    this.windowOptions = w.enabled
      ? {
          sizeMs: w.sizeMs,
          allowedLatenessMs: w.allowedLatenessMs,
          maxValuesPerWindow: w.maxValuesPerWindow,
          badQuality: w.badQuality,
          booleansAsNumbers: w.booleansAsNumbers,
          stats: w.stats,
        }
      : null;
    if (this.windowOptions) new WindowAggregator(this.windowOptions); // throws now on bad options
    this.windowTags = new TagSelector(w.tags.map((tag) => ({ tag, value: true as const })));
    const e = config.enrichment;
    this.enricher = e.enabled ? new GpsEnricher({ sources: e.sources, maxAgeMs: e.maxAgeMs, ...(e.gpsDevice !== undefined ? { gpsDevice: e.gpsDevice } : {}) }) : null;
  }

  /** The lowest window watermark over the input streams (null before any sample). */
  get watermark(): number | null {
    let wm: number | null = null;
    for (const w of this.windows.values()) if (w.watermark !== null && (wm === null || w.watermark < wm)) wm = w.watermark;
    return wm;
  }

  get openWindows(): number {
    let n = 0;
    for (const w of this.windows.values()) n += w.openWindows;
    return n;
  }

  /** Windowed samples that came after their window closed (not in any summary). */
  get lateSamples(): number {
    let n = 0;
    for (const w of this.windows.values()) n += w.counters().total.late;
    return n;
  }

  /**
   * Processes the samples of one message of input stream `stream`, in order.
   *
   * Telemetry is made only of the given samples themselves or copies of them with quality BAD
   * and/or attrs added whose values are finite numbers (GPS fix) or strings (`invalid`): valid
   * samples (e.g. from decodeBatch) give valid telemetry, which the aggregator therefore encodes
   * without checking it again. Events, state metrics and summaries have no such guarantee.
   */
  process(samples: readonly Sample[], out: ProcessorOutputs, stream = ''): void {
    this.currentWindows = this.windowsOf(stream);
    const n = samples.length;
    let i = 0;
    while (i < n) {
      const first = samples[i]!;
      let j = i + 1;
      while (j < n && samples[j]!.ts === first.ts && samples[j]!.device === first.device) j++;
      for (let k = i; k < j; k++) this.note(samples[k]!);
      for (let k = i; k < j; k++) this.one(samples[k]!, out);
      i = j;
    }
  }

  /** Moves every window watermark (idle inputs); summaries of the windows it closes go to `out`. */
  advance(watermark: number, out: ProcessorOutputs): void {
    for (const key of [...this.windows.keys()].sort()) this.summaries(this.windows.get(key)!.advance(watermark), out);
  }

  snapshot(): ProcessorSnapshot {
    return {
      v: 1,
      validity: this.validity.snapshot(),
      reporting: this.reporting.snapshot(),
      events: this.detector.snapshot(),
      windows: Object.fromEntries([...this.windows].map(([stream, w]) => [stream, w.snapshot()])),
      enrich: this.enricher ? this.enricher.snapshot() : null,
      latest: [...this.latest].map(([device, values]) => ({ device, values: { ...values } })),
    };
  }

  /**
   * Takes over a snapshot (after a restart or a configuration change). State for rules that no
   * longer exist is skipped. Open windows of a different window size (or with windows now
   * disabled) cannot continue: they are closed and their summaries go to `out`.
   */
  restore(s: ProcessorSnapshot, out: ProcessorOutputs): void {
    if (!s || s.v !== 1) return;
    this.validity.restore(s.validity);
    this.reporting.restore(s.reporting);
    this.detector.restore(s.events);
    this.enricher?.restore(s.enrich ?? undefined);
    this.latest.clear();
    for (const l of s.latest ?? []) {
      const values: Record<string, SampleValue> = {};
      for (const [k, v] of Object.entries(l.values)) if (this.tracked.has(k)) values[k] = v;
      this.latest.set(l.device, values);
    }
    this.windows.clear();
    for (const [stream, w] of Object.entries(s.windows ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const mine = this.windowsOf(stream);
      if (mine && w.sizeMs === mine.sizeMs) {
        mine.restore(w);
        continue;
      }
      const old = new WindowAggregator({ sizeMs: w.sizeMs, allowedLatenessMs: w.allowedLatenessMs, stats: this.statsToEmit });
      old.restore(w);
      this.summaries(old.flush(), out);
      if (mine && w.watermark !== null) mine.advance(w.watermark);
    }
  }

  /**
   * Closes the open windows of input streams that are no longer read (after a configuration
   * change): their summaries go to `out`, since no later sample would ever close them.
   */
  closeStreamsExcept(inputs: readonly string[], out: ProcessorOutputs): void {
    for (const [stream, w] of [...this.windows].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (inputs.includes(stream)) continue;
      this.summaries(w.flush(), out);
      this.windows.delete(stream);
    }
  }

  private windowsOf(stream: string): WindowAggregator | null {
    if (!this.windowOptions) return null;
    let w = this.windows.get(stream);
    if (w === undefined) {
      w = new WindowAggregator(this.windowOptions);
      this.windows.set(stream, w);
    }
    return w;
  }

  /** First pass over a record: GPS fixes and tracked tag values. */
  private note(s: Sample): void {
    this.enricher?.observe(s);
    if (this.tracked.size > 0 && this.tracked.has(s.name)) {
      let values = this.latest.get(s.device);
      if (values === undefined) {
        values = {};
        this.latest.set(s.device, values);
      }
      values[s.name] = s.value;
    }
  }

  private one(input: Sample, out: ProcessorOutputs): void {
    const st = this.stats;
    st.received++;
    this.recordFor = undefined;
    let s = input;
    if (this.enricher && this.enricher.applies(s)) {
      s = this.enricher.enrich(s);
      if (s !== input) st.enriched++;
    }
    const plan = this.planOf(s.name);
    if (plan.where && !plan.where.test(this.recordOf(s))) {
      st.dropped.rule++;
      return;
    }
    if (plan.validity) {
      const v = this.validity.applyAt(plan.validity, s);
      if (typeof v === 'string') {
        st.dropped.invalid++;
        return;
      }
      if (v !== s) st.marked++; // a marked copy
      s = v;
    }
    if (plan.events) {
      for (const e of this.detector.process(s)) {
        st.events++;
        const [event, metric] = eventToSamples(e);
        out.events.push(event!);
        if (metric) out.stateMetrics.push(metric);
      }
    }
    const windows = this.currentWindows;
    if (windows && plan.windowed) {
      if (plan.windowsOf !== windows) {
        plan.windowsOf = windows;
        plan.windowKeys = windows.keysOf(s.name);
      }
      const closed = windows.addAt(plan.windowKeys!, s);
      if (closed.length > 0) this.summaries(closed, out);
    }
    if (plan.reporting) {
      const r = this.reporting.applyAt(plan.reporting, s);
      if (typeof r === 'string') {
        st.dropped[r as 'deadband' | 'rate']++;
        return;
      }
      s = r;
    }
    out.telemetry.push(s);
  }

  /** What applies to a tag name, worked out once per name. */
  private planOf(name: string): Plan {
    let plan = this.plans.get(name);
    if (plan === undefined) {
      const reporting = this.reporting.ruleFor(name);
      plan = {
        where: this.where.select(name) ?? null,
        validity: this.validity.ruleFor(name)?.validity !== undefined ? this.validity.slotFor(name) : null,
        events: this.detector.watches(name),
        windowed: this.windowTags.select(name) === true,
        reporting: reporting !== undefined && (reporting.deadband !== undefined || reporting.minIntervalMs !== undefined) ? this.reporting.slotFor(name) : null,
        windowsOf: null,
        windowKeys: null,
      };
      this.plans.set(name, plan);
    }
    return plan;
  }

  private summaries(closed: WindowSummary[], out: ProcessorOutputs): void {
    for (const summary of closed) {
      this.stats.summaries++;
      for (const x of summaryToSamples(summary, { stats: this.statsToEmit })) out.summaries.push(x);
    }
  }

  /** The record an expression sees for a sample: the device's tracked tags, then the sample's own fields. */
  private recordOf(s: Sample): FieldRecord {
    if (this.recordFor === s && this.record) return this.record;
    const r = Object.create(this.latest.get(s.device) ?? EMPTY_RECORD) as Record<string, unknown>;
    r.value = s.value;
    r.name = s.name;
    r.quality = s.quality;
    r.device = s.device;
    r.source = s.source;
    r.ts = s.ts;
    r.unit = s.unit;
    r.attrs = s.attrs ?? {};
    const fix = this.enricher?.fixFor(s);
    if (fix) r.gps = fix;
    this.recordFor = s;
    this.record = r;
    return r;
  }
}
