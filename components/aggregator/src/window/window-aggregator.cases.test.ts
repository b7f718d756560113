/**
 * Case folders under ./cases: see cases/README.md. Every case also runs a second time with its
 * `restart` steps removed; both runs must give the same summaries (a restart changes nothing).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Sample } from '../../../core/src/envelope';
import { WindowAggregator, type WindowOptions, type WindowSnapshot, type WindowSummary } from './window-aggregator';

type Step = { add: Array<Partial<Sample>> } | { advance: number } | { flush: true } | { restart: true };
interface CaseInput {
  defaults?: Partial<Sample>;
  steps: Step[];
}
interface CaseExpected {
  summaries: Array<Record<string, unknown>>;
  counters?: unknown;
}

const CASES_DIR = path.join(__dirname, 'cases');
const SAMPLE_DEFAULTS: Partial<Sample> = { device: 'V1', source: 'obd', name: 'rpm', quality: 'GOOD' };

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

interface Run {
  summaries: Array<WindowSummary & { step: number }>;
  agg: WindowAggregator;
}

function run(options: WindowOptions, input: CaseInput, withRestarts: boolean): Run {
  let agg = new WindowAggregator(options);
  const summaries: Run['summaries'] = [];
  input.steps.forEach((step, i) => {
    const emit = (out: WindowSummary[]): void => {
      for (const s of out) summaries.push({ ...s, step: i });
    };
    if ('add' in step) for (const s of step.add) emit(agg.add({ ...SAMPLE_DEFAULTS, ...input.defaults, ...s } as Sample));
    else if ('advance' in step) emit(agg.advance(step.advance));
    else if ('flush' in step) emit(agg.flush());
    else if ('restart' in step && withRestarts) {
      const persisted = JSON.stringify(agg.snapshot());
      agg = new WindowAggregator(options);
      agg.restore(JSON.parse(persisted) as WindowSnapshot);
    }
  });
  return { summaries, agg };
}

/** Every expected key must match (numbers to 1e-9 relative; "*" matches any value) and no other key may be present. */
function mismatches(actual: Record<string, unknown>, expected: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const key of new Set([...Object.keys(actual), ...Object.keys(expected)])) {
    const a = actual[key];
    const e = expected[key];
    if (e === '*' && a !== undefined) continue;
    if (typeof a === 'number' && typeof e === 'number') {
      if (Math.abs(a - e) > 1e-9 * Math.max(1, Math.abs(e))) problems.push(`${key}: ${a} ≠ ${e}`);
    } else if (JSON.stringify(a) !== JSON.stringify(e)) problems.push(`${key}: ${JSON.stringify(a)} ≠ ${JSON.stringify(e)}`);
  }
  return problems;
}

const caseNames = fs
  .readdirSync(CASES_DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

describe('window cases', () => {
  it('has cases', () => {
    expect(caseNames.length).toBeGreaterThanOrEqual(10);
  });

  describe.each(caseNames)('%s', (name) => {
    const dir = path.join(CASES_DIR, name);
    const options = readJson<WindowOptions>(path.join(dir, 'config.json'));
    const input = readJson<CaseInput>(path.join(dir, 'input.json'));
    const expected = readJson<CaseExpected>(path.join(dir, 'expected.json'));

    it('gives the expected summaries and counters', () => {
      const { summaries, agg } = run(options, input, true);
      const problems: string[] = [];
      if (summaries.length !== expected.summaries.length)
        problems.push(`got ${summaries.length} summaries, expected ${expected.summaries.length}: ${JSON.stringify(summaries)}`);
      expected.summaries.forEach((e, i) => {
        const a = summaries[i];
        if (a === undefined) return;
        for (const p of mismatches(a as unknown as Record<string, unknown>, e)) problems.push(`summary ${i} (${a.device}/${a.name}@${a.windowStart}) ${p}`);
      });
      expect(problems).toEqual([]);
      if (expected.counters !== undefined) expect(agg.counters()).toEqual(expected.counters);
    });

    it('gives the same summaries and counters without its restarts', () => {
      const interrupted = run(options, input, true);
      const uninterrupted = run(options, input, false);
      expect(interrupted.summaries).toEqual(uninterrupted.summaries);
      expect(interrupted.agg.counters()).toEqual(uninterrupted.agg.counters());
    });
  });
});
