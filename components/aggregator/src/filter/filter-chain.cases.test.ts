import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Sample } from '../../../core/src/envelope';
import { FilterChain, type FilterCounts, type FilterReason, type FilterRule } from './filter-chain';

const casesDir = join(__dirname, 'cases');
const cases = readdirSync(casesDir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

type PartialSample = Partial<Sample> & Pick<Sample, 'name' | 'value' | 'ts'>;

function withDefaults(s: PartialSample): Sample {
  return { device: 'V1', source: 'obd', quality: 'GOOD', ...s } as Sample;
}

function readJson<T>(dir: string, file: string): T {
  return JSON.parse(readFileSync(join(casesDir, dir, file), 'utf8')) as T;
}

describe('filter cases', () => {
  it('has cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(6);
  });

  it.each(cases)('%s', (name) => {
    for (const f of ['rules.json', 'input.json', 'expected.json']) expect(existsSync(join(casesDir, name, f))).toBe(true);
    const rules = readJson<FilterRule[]>(name, 'rules.json');
    const input = readJson<PartialSample[]>(name, 'input.json').map(withDefaults);
    const expected = readJson<{ results: Array<{ pass: PartialSample | null; reason?: FilterReason }>; counts: FilterCounts }>(name, 'expected.json');
    expect(expected.results).toHaveLength(input.length);

    const chain = new FilterChain(rules);
    const actual = input.map((s) => chain.process(s));
    const want = expected.results.map((r) => (r.reason ? { pass: r.pass && withDefaults(r.pass), reason: r.reason } : { pass: r.pass && withDefaults(r.pass) }));
    expect(actual).toEqual(want);
    expect(chain.counts()).toEqual(expected.counts);

    // Restoring a snapshot taken half-way gives the same second half as an uninterrupted run.
    const half = Math.floor(input.length / 2);
    const first = new FilterChain(rules);
    input.slice(0, half).forEach((s) => first.process(s));
    const second = new FilterChain(rules);
    second.restore(JSON.parse(JSON.stringify(first.snapshot())));
    expect(input.slice(half).map((s) => second.process(s))).toEqual(want.slice(half));
  });
});
