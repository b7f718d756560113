import { isPattern, matches, patternProblem, resolveTags } from './tags';

const SERVER = [
  'Random.Real8',
  'Random.Int4',
  'Random.Boolean',
  'Saw-toothed Waves.Real8',
  'Channel1.Device1.Tag1',
  'Channel1.Device1.Tag10',
  'Channel1.Device2.Tag1',
  'Tag1',
];

describe('tag patterns', () => {
  test.each([
    ['Random.*', ['Random.Real8', 'Random.Int4', 'Random.Boolean']],
    ['Channel1.Device1.*', ['Channel1.Device1.Tag1', 'Channel1.Device1.Tag10']],
    ['Channel1.*.Tag1', ['Channel1.Device1.Tag1', 'Channel1.Device2.Tag1']],
    ['Channel1.**', ['Channel1.Device1.Tag1', 'Channel1.Device1.Tag10', 'Channel1.Device2.Tag1']],
    ['**.Tag1', ['Channel1.Device1.Tag1', 'Channel1.Device2.Tag1', 'Tag1']],
    ['**', SERVER],
    ['*', ['Tag1']],
    ['Channel1.Device1.Tag?', ['Channel1.Device1.Tag1']],
    ['*.Real8', ['Random.Real8', 'Saw-toothed Waves.Real8']],
    ['Random.Real8', ['Random.Real8']],
  ])('%s', (pattern, expected) => {
    expect(SERVER.filter((id) => matches(pattern, id))).toEqual(expected);
  });

  test('regex characters in item ids are literal', () => {
    expect(matches('A(1)+.*', 'A(1)+.x')).toBe(true);
    expect(matches('A.B', 'AxB')).toBe(false);
  });

  test('problems', () => {
    expect(patternProblem('a.***')).toContain('***');
    expect(patternProblem('  ')).toBe('must not be blank');
    expect(patternProblem('Random.*')).toBeUndefined();
    expect(isPattern('Random.Real8')).toBe(false);
    expect(isPattern('Random.*')).toBe(true);
  });
});

describe('resolveTags', () => {
  test('browses once, only when a tag is a pattern; keeps tag order, each item once; reports empty patterns', async () => {
    let browses = 0;
    const browse = async (): Promise<string[]> => {
      browses++;
      return SERVER;
    };
    const r = await resolveTags(['Random.Int4', 'Random.*', 'Nothing.*', 'Not.Listed'], browse, 100);
    expect(browses).toBe(1);
    expect(r).toEqual({ items: ['Random.Int4', 'Random.Real8', 'Random.Boolean', 'Not.Listed'], unmatched: ['Nothing.*'], truncated: 0, browsed: true, serverItems: 8 });
    const plain = await resolveTags(['A', 'B', 'A'], browse, 100);
    expect(browses).toBe(1);
    expect(plain.items).toEqual(['A', 'B']);
  });

  test('maxItems cuts and counts the rest', async () => {
    const r = await resolveTags(['**'], async () => SERVER, 3);
    expect(r.items).toEqual(SERVER.slice(0, 3));
    expect(r.truncated).toBe(5);
  });
});
