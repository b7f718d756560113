/**
 * Event detection with hysteresis and debounce, in event time.
 *
 * A definition watches one tag (name or glob pattern, see ../filter/tag-pattern.ts). Conditions
 * are plain predicates over the sample, so a rule-expression language can be plugged in later.
 *
 * Condition definitions (the default kind) run one state machine per (device, definition) — per
 * (device, definition, tag) when the definition's tag is a pattern, so that two tags matching it
 * do not clear each other's event:
 *
 * ```
 * inactive --enter holds for enterForMs--> active --exit holds for exitForMs--> inactive
 * ```
 *
 * - `exit` defaults to "not enter"; a separate exit condition gives hysteresis (Low Fuel enters
 *   below 5 and only clears at 6 or more, so a value wobbling around 5 does not flap).
 * - Debounce: the condition must hold on every sample from the first one where it held until a
 *   sample at least `enterForMs` (`exitForMs`) later in event time; one sample where it does not
 *   hold restarts the wait. With 0 (the default) the first sample where it holds is enough.
 * - The event's `ts` is the event time of the sample that completed the transition. `since` is
 *   the event time at which the active state's enter condition started holding (also on the
 *   `cleared` event, so `ts - since` is how long it lasted, debounce included).
 * - Samples with quality BAD are ignored unless the definition sets `acceptBad`.
 *
 * New-code definitions (`kind: 'new-code'`, e.g. a new DTC) split a string value into codes and
 * emit one `active` event per code never seen before for that device; codes are remembered (and
 * kept in snapshots), so a code that goes away and comes back is not reported again.
 */
import type { AttrValue, Sample, SampleValue, Source } from '../../../core/src/envelope';
import { compileTagPattern, type TagPattern } from '../filter/tag-pattern';

export type Severity = 'critical' | 'warning' | 'info';

interface EventDefBase {
  /** Stable identifier, snake_case (`high_rpm`); the event sample is named `event.<id>`. */
  id: string;
  /** Human-readable name (`High RPM`). */
  name: string;
  severity: Severity;
  /** The sample name it watches, or a glob pattern. */
  tag: string;
  /** Evaluate samples with quality BAD too (default: they are ignored). */
  acceptBad?: boolean;
}

export interface ConditionEventDef extends EventDefBase {
  kind?: 'condition';
  enter: (sample: Sample) => boolean;
  /** Default: not `enter`. */
  exit?: (sample: Sample) => boolean;
  /** Debounce: the enter condition must hold this long in event time. Default 0. */
  enterForMs?: number;
  /** Debounce: the exit condition must hold this long in event time. Default 0. */
  exitForMs?: number;
  /**
   * Also emit a 0/1 state sample on each change: `true` names it after the id (`low_fuel`), a
   * string names it explicitly.
   */
  stateMetric?: boolean | string;
}

export interface NewCodeEventDef extends EventDefBase {
  kind: 'new-code';
  /** Splits a value into codes. Default: a string split on commas, semicolons and white space. */
  codes?: (value: SampleValue) => string[];
}

export type EventDef = ConditionEventDef | NewCodeEventDef;

export interface Event {
  id: string;
  name: string;
  severity: Severity;
  device: string;
  /** Name of the sample that triggered it (the watched tag). */
  tag: string;
  /** Source of the sample that triggered it. */
  source: Source;
  state: 'active' | 'cleared';
  /** Event time of the sample that completed the transition. */
  ts: number;
  /** Value of that sample (for a new code: the code). */
  value: SampleValue;
  /** Event time at which the active state's condition started holding. */
  since: number;
  /** Name of the 0/1 state metric, when the definition asks for one. */
  stateMetric?: string;
}

interface ConditionState {
  active: boolean;
  /** Event time at which the pending transition's condition started holding, or null. */
  pendingSince: number | null;
  /** When active: event time at which the enter condition started holding. */
  since: number | null;
}

export interface EventSnapshot {
  v: 1;
  conditions: Array<{ def: string; device: string; tag: string; active: boolean; pendingSince: number | null; since: number | null }>;
  codes: Array<{ def: string; device: string; tag: string; seen: string[] }>;
}

export function checkEventDefs(defs: readonly EventDef[]): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  defs.forEach((d, i) => {
    const at = `/${i}`;
    if (typeof d.id !== 'string' || d.id.length === 0) problems.push(`${at}/id: must be a non-empty string`);
    else if (ids.has(d.id)) problems.push(`${at}/id: duplicate id "${d.id}"`);
    else ids.add(d.id);
    if (typeof d.tag !== 'string' || d.tag.length === 0) problems.push(`${at}/tag: must be a non-empty string`);
    if (d.severity !== 'critical' && d.severity !== 'warning' && d.severity !== 'info') problems.push(`${at}/severity: must be "critical", "warning" or "info"`);
    if (d.kind !== 'new-code') {
      if (typeof d.enter !== 'function') problems.push(`${at}/enter: must be a function`);
      if (d.exit !== undefined && typeof d.exit !== 'function') problems.push(`${at}/exit: must be a function`);
      for (const k of ['enterForMs', 'exitForMs'] as const) {
        const v = d[k];
        if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v >= 0)) problems.push(`${at}/${k}: must be a number >= 0`);
      }
    }
  });
  return problems;
}

export class EventDefError extends Error {
  readonly code = 'event_defs_invalid';
  constructor(readonly problems: readonly string[]) {
    super(`invalid event definitions: ${problems.join('; ')}`);
    this.name = 'EventDefError';
  }
}

/** Default code splitter: `"P0301, P0420"` → `["P0301", "P0420"]`. */
export function splitCodes(value: SampleValue): string[] {
  if (typeof value !== 'string') return [];
  return value
    .split(/[\s,;]+/)
    .map((c) => c.trim().toUpperCase())
    .filter((c) => c.length > 0);
}

const SEP = '\u0000';

/** What `process` returns when nothing happened (shared, frozen: callers only read it). */
const NO_EVENTS: Event[] = Object.freeze([]) as unknown as Event[];

/** A definition watching one tag name, and its condition states by device (the same objects as in `conditions`). */
interface Watch {
  def: EventDef;
  pattern: TagPattern;
  states: Map<string, ConditionState>;
}

export class EventDetector {
  private readonly defs: ReadonlyArray<{ def: EventDef; pattern: TagPattern }>;
  /** Per tag name, the definitions watching it. Cleared by restore (the states are linked again lazily). */
  private readonly byName = new Map<string, Watch[]>();
  private readonly conditions = new Map<string, ConditionState>();
  private readonly codes = new Map<string, Set<string>>();

  /** Throws EventDefError listing every problem in the definitions. */
  constructor(defs: readonly EventDef[]) {
    const problems = checkEventDefs(defs);
    if (problems.length > 0) throw new EventDefError(problems);
    this.defs = defs.map((def) => ({ def, pattern: compileTagPattern(def.tag) }));
  }

  /** Whether some definition watches this tag name (samples of other tags can skip `process`). */
  watches(name: string): boolean {
    return this.matching(name).length > 0;
  }

  private matching(name: string): Watch[] {
    let matching = this.byName.get(name);
    if (!matching) {
      matching = this.defs.filter((d) => d.pattern.matches(name)).map((d) => ({ def: d.def, pattern: d.pattern, states: new Map() }));
      this.byName.set(name, matching);
    }
    return matching;
  }

  /** The events this sample causes, in definition order (a shared empty array when none). */
  process(sample: Sample): Event[] {
    const matching = this.matching(sample.name);
    if (matching.length === 0) return NO_EVENTS;
    let out: Event[] | undefined;
    for (const w of matching) {
      const def = w.def;
      if (sample.quality === 'BAD' && !def.acceptBad) continue;
      if (def.kind === 'new-code') this.newCodes(def, sample, (out ??= []));
      else {
        const e = this.condition(def, this.stateOf(w, sample), sample);
        if (e) (out ??= []).push(e);
      }
    }
    return out ?? NO_EVENTS;
  }

  /** The condition state of (definition, device, tag), created inactive. */
  private stateOf(w: Watch, sample: Sample): ConditionState {
    let st = w.states.get(sample.device);
    if (st === undefined) {
      const key = stateKey(w.def.id, sample.device, sample.name);
      st = this.conditions.get(key);
      if (st === undefined) {
        st = { active: false, pendingSince: null, since: null };
        this.conditions.set(key, st);
      }
      w.states.set(sample.device, st);
    }
    return st;
  }

  /** Whether an event is active for a device (and tag, for a definition watching a pattern). */
  isActive(id: string, device: string, tag?: string): boolean {
    const def = this.defs.find((d) => d.def.id === id);
    if (!def) return false;
    return this.conditions.get(stateKey(id, device, tag ?? def.def.tag))?.active ?? false;
  }

  snapshot(): EventSnapshot {
    const conditions: EventSnapshot['conditions'] = [];
    for (const [key, st] of this.conditions) {
      const [def, device, tag] = splitKey(key);
      conditions.push({ def, device, tag, active: st.active, pendingSince: st.pendingSince, since: st.since });
    }
    const codes: EventSnapshot['codes'] = [];
    for (const [key, seen] of this.codes) {
      const [def, device, tag] = splitKey(key);
      codes.push({ def, device, tag, seen: [...seen] });
    }
    return { v: 1, conditions, codes };
  }

  /**
   * Replaces the state. Entries for definitions that no longer exist, or of the wrong kind, or
   * not well-formed, are skipped and counted.
   */
  restore(snapshot: EventSnapshot): { restored: number; skipped: number } {
    this.conditions.clear();
    this.codes.clear();
    this.byName.clear();
    if (!snapshot || snapshot.v !== 1) return { restored: 0, skipped: 0 };
    const kinds = new Map(this.defs.map(({ def }) => [def.id, def.kind ?? 'condition']));
    let restored = 0;
    let skipped = 0;
    const num = (x: unknown): boolean => x === null || (typeof x === 'number' && Number.isFinite(x));
    for (const c of Array.isArray(snapshot.conditions) ? snapshot.conditions : []) {
      if (kinds.get(c?.def) !== 'condition' || typeof c.device !== 'string' || typeof c.tag !== 'string' || typeof c.active !== 'boolean' || !num(c.pendingSince) || !num(c.since)) {
        skipped++;
        continue;
      }
      this.conditions.set(stateKey(c.def, c.device, c.tag), { active: c.active, pendingSince: c.pendingSince, since: c.active ? (c.since ?? null) : null });
      restored++;
    }
    for (const c of Array.isArray(snapshot.codes) ? snapshot.codes : []) {
      if (kinds.get(c?.def) !== 'new-code' || typeof c.device !== 'string' || typeof c.tag !== 'string' || !Array.isArray(c.seen) || !c.seen.every((x) => typeof x === 'string')) {
        skipped++;
        continue;
      }
      this.codes.set(stateKey(c.def, c.device, c.tag), new Set(c.seen));
      restored++;
    }
    return { restored, skipped };
  }

  private condition(def: ConditionEventDef, st: ConditionState, sample: Sample): Event | undefined {
    if (!st.active) {
      if (!def.enter(sample)) {
        st.pendingSince = null;
        return undefined;
      }
      if (st.pendingSince === null || sample.ts < st.pendingSince) st.pendingSince = sample.ts;
      if (sample.ts - st.pendingSince < (def.enterForMs ?? 0)) return undefined;
      st.active = true;
      st.since = st.pendingSince;
      st.pendingSince = null;
      return this.event(def, sample, 'active', st.since);
    }
    const leaving = def.exit ? def.exit(sample) : !def.enter(sample);
    if (!leaving) {
      st.pendingSince = null;
      return undefined;
    }
    if (st.pendingSince === null || sample.ts < st.pendingSince) st.pendingSince = sample.ts;
    if (sample.ts - st.pendingSince < (def.exitForMs ?? 0)) return undefined;
    const since = st.since ?? st.pendingSince;
    st.active = false;
    st.since = null;
    st.pendingSince = null;
    return this.event(def, sample, 'cleared', since);
  }

  private newCodes(def: NewCodeEventDef, sample: Sample, out: Event[]): void {
    const key = stateKey(def.id, sample.device, sample.name);
    let seen = this.codes.get(key);
    if (!seen) {
      seen = new Set();
      this.codes.set(key, seen);
    }
    for (const code of (def.codes ?? splitCodes)(sample.value)) {
      if (seen.has(code)) continue;
      seen.add(code);
      out.push({ ...this.event(def, sample, 'active', sample.ts), value: code });
    }
  }

  private event(def: EventDef, sample: Sample, state: Event['state'], since: number): Event {
    const e: Event = {
      id: def.id,
      name: def.name,
      severity: def.severity,
      device: sample.device,
      tag: sample.name,
      source: sample.source,
      state,
      ts: sample.ts,
      value: sample.value,
      since,
    };
    if (def.kind !== 'new-code' && def.stateMetric) e.stateMetric = typeof def.stateMetric === 'string' ? def.stateMetric : def.id;
    return e;
  }
}

/** State key: (definition, device, tag). */
function stateKey(def: string, device: string, tag: string): string {
  return def + SEP + device + SEP + tag;
}

function splitKey(key: string): [string, string, string] {
  const [def = '', device = '', tag = ''] = key.split(SEP);
  return [def, device, tag];
}

/**
 * The samples an event becomes on the critical stream: `event.<id>` with value `active` /
 * `cleared` and attrs {severity, name, since, tag, value?}, plus the 0/1 state metric when the
 * definition asks for one. Quality GOOD; ts and source from the triggering sample.
 */
export function eventToSamples(event: Event): Sample[] {
  const attrs: Record<string, AttrValue> = { severity: event.severity, name: event.name, since: event.since, tag: event.tag };
  if (event.value !== null) attrs['value'] = event.value;
  const out: Sample[] = [
    { device: event.device, source: event.source, name: `event.${event.id}`, value: event.state, quality: 'GOOD', ts: event.ts, attrs },
  ];
  if (event.stateMetric) {
    out.push({ device: event.device, source: event.source, name: event.stateMetric, value: event.state === 'active' ? 1 : 0, quality: 'GOOD', ts: event.ts });
  }
  return out;
}
