import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sample, SampleValue } from '../../../core/src/envelope';
import { EventDetector, type Event, type EventDef } from './event-detector';
import * as standard from './standard-events';

const casesDir = join(__dirname, 'cases');
const cases = readdirSync(casesDir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

type CaseDef =
  | { standard: 'highRpm' | 'highEngineLoad' | 'lowFuel' | 'newDtc' | 'vehicleOn'; options?: Record<string, unknown> }
  | {
      id: string;
      name: string;
      severity: 'critical' | 'warning' | 'info';
      tag: string;
      above?: number;
      below?: number;
      equals?: SampleValue;
      exitAbove?: number;
      exitBelow?: number;
      exitEquals?: SampleValue;
      enterForMs?: number;
      exitForMs?: number;
      stateMetric?: boolean | string;
      acceptBad?: boolean;
    };

interface Case {
  defs: CaseDef[];
  input: Array<Partial<Sample> & Pick<Sample, 'name' | 'value' | 'ts'>>;
  expected: Array<Partial<Event> & { at: number }>;
  restoreAfter?: number[];
}

function condition(above?: number, below?: number, equals?: SampleValue): ((s: Sample) => boolean) | undefined {
  if (above !== undefined) return (s) => typeof s.value === 'number' && s.value > above;
  if (below !== undefined) return (s) => typeof s.value === 'number' && s.value < below;
  if (equals !== undefined) return (s) => s.value === equals;
  return undefined;
}

function buildDef(d: CaseDef): EventDef {
  if ('standard' in d) return (standard[d.standard] as (o?: Record<string, unknown>) => EventDef)(d.options);
  const enter = condition(d.above, d.below, d.equals);
  if (!enter) throw new Error(`case def ${d.id} has no enter condition`);
  const exit = condition(d.exitAbove, d.exitBelow, d.exitEquals);
  const def: EventDef = { id: d.id, name: d.name, severity: d.severity, tag: d.tag, enter };
  if (exit) def.exit = exit;
  if (d.enterForMs !== undefined) def.enterForMs = d.enterForMs;
  if (d.exitForMs !== undefined) def.exitForMs = d.exitForMs;
  if (d.stateMetric !== undefined) def.stateMetric = d.stateMetric;
  if (d.acceptBad !== undefined) def.acceptBad = d.acceptBad;
  return def;
}

describe('event cases', () => {
  it('has cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(8);
  });

  it.each(cases)('%s', (name) => {
    const c = JSON.parse(readFileSync(join(casesDir, name, 'case.json'), 'utf8')) as Case;
    const defs = c.defs.map(buildDef);
    const input: Sample[] = c.input.map((s) => ({ device: 'V1', source: 'obd', quality: 'GOOD', ...s }) as Sample);
    const want: Array<Event & { at: number }> = c.expected.map((e) => {
      const def = defs.find((d) => d.id === e.id);
      if (!def) throw new Error(`expected event ${String(e.id)} has no definition`);
      const sample = input[e.at];
      if (!sample) throw new Error(`expected event at ${e.at}: no such input`);
      const full = { name: def.name, severity: def.severity, device: sample.device, tag: sample.name, source: sample.source, ...e } as Event & { at: number };
      if (def.kind !== 'new-code' && def.stateMetric && full.stateMetric === undefined) full.stateMetric = typeof def.stateMetric === 'string' ? def.stateMetric : def.id;
      return full;
    });

    const run = (restoreAfter: readonly number[]): Array<Event & { at: number }> => {
      let detector = new EventDetector(defs);
      const out: Array<Event & { at: number }> = [];
      input.forEach((s, at) => {
        for (const e of detector.process(s)) out.push({ at, ...e });
        if (restoreAfter.includes(at)) {
          const snap = JSON.parse(JSON.stringify(detector.snapshot()));
          detector = new EventDetector(defs);
          detector.restore(snap);
        }
      });
      return out;
    };

    expect(run([])).toEqual(want);
    if (c.restoreAfter) expect(run(c.restoreAfter)).toEqual(want);
  });
});
