import type { Sample } from '../../../core/src/envelope';
import { FilterChain, FilterRuleError, checkFilterRules } from './filter-chain';
import { compileTagPattern, TagSelector } from './tag-pattern';

const s = (name: string, value: Sample['value'], ts: number, extra: Partial<Sample> = {}): Sample => ({
  device: 'V1',
  source: 'obd',
  name,
  value,
  quality: 'GOOD',
  ts,
  ...extra,
});

describe('tag patterns', () => {
  it.each([
    ['rpm', 'rpm', true],
    ['rpm', 'rpm2', false],
    ['a/*/c', 'a/b/c', true],
    ['a/*/c', 'a/b/x/c', false],
    ['a/*/c', 'a/b.x/c', false],
    ['a/**/c', 'a/b/x/c', true],
    ['a/**', 'a/b.c/d', true],
    ['*.Temp', 'Tank.Temp', true],
    ['*.Temp', 'Area.Tank.Temp', false],
    ['**.Temp', 'Area.Tank.Temp', true],
    ['dtc_*', 'dtc_stored', true],
    ['a+b*', 'a+bc', true],
    ['a+b*', 'aab', false],
    ['(x)*', '(x)y', true],
  ])('%s matches %s: %s', (pattern, name, want) => {
    expect(compileTagPattern(pattern).matches(name)).toBe(want);
  });

  it('prefers an exact name, then the first matching pattern', () => {
    const sel = new TagSelector([
      { tag: '**', value: 'any' },
      { tag: 'a/*', value: 'a-star' },
      { tag: 'a/b', value: 'exact' },
    ]);
    expect(sel.select('a/b')).toBe('exact');
    expect(sel.select('a/c')).toBe('any');
    expect(new TagSelector([{ tag: 'x*', value: 1 }]).select('y')).toBeUndefined();
  });
});

describe('FilterChain', () => {
  it('reports every rule problem at once', () => {
    const problems = checkFilterRules([
      { tag: '', minIntervalMs: -1 },
      { tag: 'x', validity: { min: 5, max: 1, action: 'mark' }, deadband: { mode: 'percent', value: -2 } },
    ]);
    expect(problems).toEqual([
      '/0/tag: must be a non-empty string',
      '/0/minIntervalMs: must be a number >= 0',
      '/1/validity: min must not exceed max',
      '/1/deadband/value: must be a number >= 0',
    ]);
    expect(() => new FilterChain([{ tag: '' }])).toThrow(FilterRuleError);
  });

  it('does not mutate the input sample when marking it BAD', () => {
    const chain = new FilterChain([{ tag: 'rpm', validity: { max: 10000, action: 'mark' } }]);
    const input = s('rpm', 20000, 1, { attrs: { pid: '0C' } });
    const out = chain.process(input);
    expect(out.pass?.quality).toBe('BAD');
    expect(input.quality).toBe('GOOD');
    expect(input.attrs).toEqual({ pid: '0C' });
  });

  it('passes a changed string value through a deadband and drops a repeated one', () => {
    const chain = new FilterChain([{ tag: 'ignition', deadband: { mode: 'absolute', value: 0 } }]);
    expect(chain.process(s('ignition', 'on', 1)).pass).not.toBeNull();
    expect(chain.process(s('ignition', 'on', 2))).toEqual({ pass: null, reason: 'deadband' });
    expect(chain.process(s('ignition', 'off', 3)).pass?.value).toBe('off');
  });

  it('snapshot is plain JSON and restore replaces the state', () => {
    const rules = [{ tag: 'speed', deadband: { mode: 'absolute' as const, value: 5 } }];
    const a = new FilterChain(rules);
    a.process(s('speed', 50, 1));
    const snap = a.snapshot();
    expect(JSON.parse(JSON.stringify(snap))).toEqual({ v: 1, keys: [{ device: 'V1', name: 'speed', ts: 1, value: 50, quality: 'GOOD' }] });

    const b = new FilterChain(rules);
    expect(b.restore(snap)).toEqual({ restored: 1, skipped: 0 });
    expect(b.process(s('speed', 52, 2))).toEqual({ pass: null, reason: 'deadband' });

    const c = new FilterChain(rules);
    c.process(s('speed', 0, 0));
    const bad = { v: 1 as const, keys: [{ device: 'V1', name: 'speed', ts: 'x', value: 1, quality: 'GOOD' }] } as unknown as ReturnType<FilterChain['snapshot']>;
    expect(c.restore(bad)).toEqual({ restored: 0, skipped: 1 });
    // State was replaced, not merged: the first sample after restore passes.
    expect(c.process(s('speed', 1, 1)).pass).not.toBeNull();
  });

  it('keeps no state for tags whose rule has only a validity range', () => {
    const chain = new FilterChain([{ tag: 'x', validity: { max: 1, action: 'drop' } }]);
    chain.process(s('x', 0, 1));
    expect(chain.snapshot().keys).toEqual([]);
  });
});
