/** Runs every case folder in ./cases (see cases/README.md). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Sample } from '../../../core/src';
import { GpsEnricher, type EnrichOptions } from './gps-enricher';

interface Case {
  description?: string;
  options: EnrichOptions;
  input: Array<Partial<Sample>>;
  expected: Array<{ at: number; attrs?: Sample['attrs'] | null; sample?: Sample }>;
  restoreAfter?: number[];
}

const DIR = path.join(__dirname, 'cases');
const cases = fs
  .readdirSync(DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

describe('GpsEnricher cases', () => {
  test('there are cases', () => expect(cases.length).toBeGreaterThanOrEqual(8));

  test.each(cases)('%s', (name) => {
    const c = JSON.parse(fs.readFileSync(path.join(DIR, name, 'case.json'), 'utf8')) as Case;
    let enricher = new GpsEnricher(c.options);
    const got: Case['expected'] = [];
    c.input.forEach((partial, i) => {
      const s = { device: 'V1', source: 'obd', quality: 'GOOD', ...partial } as Sample;
      const before = JSON.stringify(s);
      enricher.observe(s);
      if (s.source !== 'gps') {
        const out = enricher.enrich(s);
        expect(JSON.stringify(s)).toBe(before); // the input is never modified
        const want = c.expected.find((e) => e.at === i);
        got.push(want?.sample ? { at: i, sample: out } : { at: i, attrs: out.attrs ?? null });
      }
      if (c.restoreAfter?.includes(i)) {
        const next = new GpsEnricher(c.options);
        next.restore(JSON.parse(JSON.stringify(enricher.snapshot())));
        enricher = next;
      }
    });
    expect(got).toEqual(c.expected);
  });
});
