/**
 * Turns the configuration's filter and event rules into the libraries' definitions, compiling
 * every rule expression once. Every problem (a bad expression, an impossible range) is reported
 * as `path: reason` naming the expression, so a bad rule stops the component at start-up.
 */
import { ConfigError, type ConfigProblem, type Sample } from '../../core/src';
import type { AggregatorConfig, EventRuleConfig } from './config';
import { checkEventDefs, highEngineLoad, highRpm, lowFuel, newDtc, vehicleOn, type ConditionEventDef, type EventDef } from './events';
import { ExpressionError, fieldsOf, parseExpression, type Expression, type FieldRecord } from './expr';
import { checkFilterRules, TagSelector, type FilterRule } from './filter';

/** Fields of a record that come from the sample itself (they shadow tags of the same name). */
export const SAMPLE_FIELDS: ReadonlySet<string> = new Set(['value', 'name', 'quality', 'device', 'source', 'ts', 'unit', 'attrs', 'gps']);

/** Builds the record an expression sees for a sample (see README: rule expressions). */
export type RecordOf = (sample: Sample) => FieldRecord;

export interface CompiledRules {
  /** Validity rules only (stateless): applied before events and windows. */
  validity: FilterRule[];
  /** Deadband and minimum-interval rules: applied to telemetry only. */
  reporting: FilterRule[];
  /** `where` expressions per tag (same selection as the filter rules: exact name first, then the first glob). */
  where: TagSelector<Expression | null>;
  events: EventDef[];
  /** Tag names some expression reads: their latest value per device is kept for records. */
  trackedTags: Set<string>;
}

/** The OPC alarm definition: a tag whose name ends in `Alarm`, from an OPC source, that is true (or 1). */
export function opcAlarm(): ConditionEventDef {
  const on = (s: Sample): boolean => (s.source === 'opcua' || s.source === 'opcda') && (s.value === true || s.value === 1);
  return { id: 'opc_alarm', name: 'OPC alarm', severity: 'critical', tag: '**Alarm', enter: on };
}

function standardDef(id: (typeof STANDARD)[number]): EventDef {
  switch (id) {
    case 'high_rpm':
      return highRpm();
    case 'high_engine_load':
      return highEngineLoad();
    case 'low_fuel':
      return lowFuel();
    case 'new_dtc':
      return newDtc();
    case 'vehicle_on':
      return vehicleOn();
    case 'opc_alarm':
      return opcAlarm();
  }
}
const STANDARD = ['high_rpm', 'high_engine_load', 'low_fuel', 'new_dtc', 'vehicle_on', 'opc_alarm'] as const;

/** Compiles the rules; throws ConfigError listing every problem. `record` builds an expression's input at run time. */
export function compileRules(config: AggregatorConfig, record: RecordOf, origin?: string): CompiledRules {
  const problems: ConfigProblem[] = [];
  const trackedTags = new Set<string>();
  const compile = (text: string, path: string): Expression | null => {
    try {
      const e = parseExpression(text);
      for (const f of fieldsOf(e)) if (!SAMPLE_FIELDS.has(f) && !SAMPLE_FIELDS.has(f.split('.')[0] ?? '')) trackedTags.add(f);
      return e;
    } catch (err) {
      problems.push({ path, reason: err instanceof ExpressionError ? `invalid expression ${err.message}` : String(err) });
      return null;
    }
  };

  const validity: FilterRule[] = [];
  const reporting: FilterRule[] = [];
  const whereEntries: Array<{ tag: string; value: Expression | null }> = [];
  config.filters.forEach((f, i) => {
    const at = `/filters/${i}`;
    whereEntries.push({ tag: f.tag, value: f.where !== undefined ? compile(f.where, `${at}/where`) : null });
    const v: FilterRule = { tag: f.tag };
    if (f.validity) {
      v.validity = { action: f.validity.action };
      if (f.validity.min !== undefined) v.validity.min = f.validity.min;
      if (f.validity.max !== undefined) v.validity.max = f.validity.max;
    }
    validity.push(v);
    const r: FilterRule = { tag: f.tag };
    if (f.deadband) {
      r.deadband = { mode: f.deadband.mode, value: f.deadband.value };
      if (f.deadband.maxSilenceMs !== undefined) r.deadband.maxSilenceMs = f.deadband.maxSilenceMs;
    }
    if (f.minIntervalMs !== undefined) r.minIntervalMs = f.minIntervalMs;
    reporting.push(r);
  });
  for (const p of checkFilterRules(validity)) problems.push(toProblem('/filters', p));

  const custom = new Map(config.events.rules.map((r) => [r.id, r] as const));
  const events: EventDef[] = [];
  for (const id of config.events.standard) if (!custom.has(id)) events.push(standardDef(id));
  config.events.rules.forEach((r, i) => {
    const def = eventDef(r, `/events/rules/${i}`, compile, record, problems);
    if (def) events.push(def);
  });
  const seen = new Set<string>();
  config.events.rules.forEach((r, i) => {
    if (seen.has(r.id)) problems.push({ path: `/events/rules/${i}/id`, reason: `duplicate id "${r.id}"` });
    seen.add(r.id);
  });
  if (problems.length === 0) for (const p of checkEventDefs(events)) problems.push(toProblem('/events', p));

  if (problems.length > 0) throw new ConfigError(problems, { origin, summary: `Invalid aggregator rules${origin ? ` in ${origin}` : ''}` });
  return { validity, reporting, where: new TagSelector(whereEntries), events, trackedTags };
}

function eventDef(
  r: EventRuleConfig,
  at: string,
  compile: (text: string, path: string) => Expression | null,
  record: RecordOf,
  problems: ConfigProblem[],
): ConditionEventDef | undefined {
  const when = compile(r.when, `${at}/when`);
  const clear = r.clearWhen !== undefined ? compile(r.clearWhen, `${at}/clearWhen`) : undefined;
  if (!when || clear === null) return undefined;
  const tag = r.tag ?? fieldsOf(when).find((f) => !SAMPLE_FIELDS.has(f));
  if (tag === undefined) {
    problems.push({ path: `${at}/tag`, reason: `required: the expression "${r.when}" names no tag to watch` });
    return undefined;
  }
  const def: ConditionEventDef = { id: r.id, name: r.name ?? r.id, severity: r.severity, tag, enter: (s) => when.test(record(s)) };
  if (clear) def.exit = (s) => clear.test(record(s));
  if (r.enterForMs !== undefined) def.enterForMs = r.enterForMs;
  if (r.exitForMs !== undefined) def.exitForMs = r.exitForMs;
  if (r.stateMetric !== undefined) def.stateMetric = r.stateMetric;
  if (r.acceptBad !== undefined) def.acceptBad = r.acceptBad;
  return def;
}

/** `/0/validity: min must not exceed max` under `/filters` → `{path: '/filters/0/validity', reason}`. */
function toProblem(prefix: string, problem: string): ConfigProblem {
  const i = problem.indexOf(': ');
  return i < 0 ? { path: prefix, reason: problem } : { path: prefix + problem.slice(0, i), reason: problem.slice(i + 2) };
}

/** Every problem of the rules in a schema-valid configuration (empty when they compile). */
export function ruleProblems(config: AggregatorConfig): ConfigProblem[] {
  try {
    compileRules(config, () => ({}));
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
}
