import { compileFilter, filterMatches, filterMayMatchDeeper, filterProblem, pathSegments } from './browse-path';

const cases: Array<[string, string, boolean]> = [
  ['/Site1/AreaA/Line1/Filler/Temperature', '/Site1/AreaA/Line1/Filler/Temperature', true],
  ['/Site1/AreaA/Line1/Filler/Temperature', '/Site1/AreaA/Line1/Filler/Pressure', false],
  ['/Site1/*/Line1/*/Temperature', '/Site1/AreaA/Line1/Capper/Temperature', true],
  ['/Site1/*/Temperature', '/Site1/AreaA/Line1/Capper/Temperature', false],
  ['/**/Temperature', '/Site1/AreaA/Line1/Capper/Temperature', true],
  ['/**/Temperature', '/Temperature', true],
  ['/**/Temp*', '/Site1/AreaA/Line1/Capper/Temperature', true],
  ['/**/Temp*', '/Site1/AreaA/Line1/Capper/Pressure', false],
  ['/Site1/**', '/Site1/AreaA/Line1/Capper/Pressure', true],
  ['/Site1/**', '/Site2/AreaA/Line1/Capper/Pressure', false],
  ['/Site1/**/Line2/**/Alarm', '/Site1/AreaA/Line2/Packer/Alarm', true],
  ['/Site1/**/Line2/**/Alarm', '/Site1/AreaA/Line1/Packer/Alarm', false],
  ['/**', '/DAServer/Random/Real8', true],
  ['/DAServer/Saw-toothed Waves/*', '/DAServer/Saw-toothed Waves/Real8', true],
  ['/a.b/c+d', '/a.b/c+d', true],
  ['/a.b/c+d', '/aXb/c+d', false],
];

test.each(cases)('%s matches %s: %s', (filter, path, expected) => {
  expect(filterMatches(compileFilter(filter), pathSegments(path))).toBe(expected);
});

test('browse pruning: descend only where a deeper match is possible', () => {
  const f = compileFilter('/Site1/*/Line1/**');
  expect(filterMayMatchDeeper(f, [])).toBe(true);
  expect(filterMayMatchDeeper(f, ['Site1'])).toBe(true);
  expect(filterMayMatchDeeper(f, ['Site2'])).toBe(false);
  expect(filterMayMatchDeeper(f, ['Site1', 'AreaA', 'Line2'])).toBe(false);
  expect(filterMayMatchDeeper(f, ['Site1', 'AreaA', 'Line1', 'Filler'])).toBe(true);
  const exact = compileFilter('/Site1/AreaA');
  expect(filterMayMatchDeeper(exact, ['Site1', 'AreaA'])).toBe(false);
  expect(filterMayMatchDeeper(compileFilter('/**'), ['a', 'b', 'c'])).toBe(true);
});

test('invalid filters are named', () => {
  expect(filterProblem('Site1/**')).toMatch(/must start with \//);
  expect(filterProblem('/Site1//Line1')).toMatch(/empty path segment/);
  expect(filterProblem('/Site1/a**')).toMatch(/whole segment/);
  expect(filterProblem('/')).toMatch(/empty/);
  expect(filterProblem('/Site1/**/Temp*')).toBeUndefined();
});
