import { aliasOf, aliasTag } from './alias';

describe('M2C2 aliases', () => {
  const h = { site: 'plant1', area: 'hall2', process: 'mixing', machine: 'mixer-3' };
  test.each([
    ['Random.Real8', 'Random-Real8'],
    ['Channel1.Device1.Tag1', 'Channel1-Device1-Tag1'],
    ['Saw-toothed Waves.Real8', 'Saw-toothed Waves-Real8'],
    ['Area/Unit.PV', 'Area_Unit-PV'],
    ['Plain', 'Plain'],
  ])('%s → %s', (itemId, tag) => {
    expect(aliasTag(itemId)).toBe(tag);
    expect(aliasOf(h, itemId)).toBe(`plant1/hall2/mixing/mixer-3/${tag}`);
  });
});
