import { daItems, daValue, plantLayout, plantValue, TAGS_PER_MACHINE } from './plant';
import { optionsFromArgv } from './options';

describe('plant layout', () => {
  test('60 tags: Site1/AreaA, two lines of five machines, six tags each', () => {
    const tags = plantLayout(60);
    expect(tags).toHaveLength(60);
    expect(tags[0]).toMatchObject({ path: '/Site1/AreaA/Line1/Filler/Temperature', dataType: 'Double', range: { low: 0, high: 150 } });
    expect(tags.map((t) => t.name).slice(0, TAGS_PER_MACHINE)).toEqual(['Temperature', 'Pressure', 'Flow', 'Counter', 'State', 'Alarm']);
    expect(tags[59]!.path).toBe('/Site1/AreaA/Line2/Palletizer/Alarm');
    expect(new Set(tags.map((t) => t.path)).size).toBe(60);
  });

  test('5,000 tags: unique paths across areas and sites', () => {
    const tags = plantLayout(5000);
    expect(new Set(tags.map((t) => t.path)).size).toBe(5000);
    expect(tags[4999]!.path.startsWith('/Site2/')).toBe(true);
    expect(plantLayout(7)).toHaveLength(7);
  });

  test('values: analog within EURange, counter grows, state is an enum, alarm is boolean', () => {
    const tags = plantLayout(12);
    for (let t = 0; t < 60_000; t += 777) {
      for (const tag of tags) {
        const v = plantValue(tag, t, t);
        if (tag.range) expect(v as number).toBeGreaterThanOrEqual(tag.range.low);
        if (tag.range) expect(v as number).toBeLessThanOrEqual(tag.range.high);
        if (tag.kind === 'state') expect([0, 1, 2, 3]).toContain(v);
        if (tag.kind === 'alarm') expect(typeof v).toBe('boolean');
      }
    }
    expect(plantValue(tags[3]!, 0, 41)).toBe(41);
  });

  test('DA items (contract)', () => {
    const ids = daItems().map((i) => i.itemId);
    expect(ids).toEqual([
      'Random.Real8',
      'Random.Int4',
      'Random.Boolean',
      'Random.String',
      'Saw-toothed Waves.Real8',
      'Bucket Brigade.UInt2',
      ...Array.from({ length: 10 }, (_, i) => `Channel1.Device1.Tag${i + 1}`),
      'Quality.Uncertain',
      'Quality.Bad',
    ]);
    const r = (): number => 0.25;
    expect(typeof daValue(daItems()[3]!, 1, r)).toBe('string');
    expect(Number.isInteger(daValue(daItems()[1]!, 1, r))).toBe(true);
  });
});

describe('simulator options', () => {
  test('defaults and flags', () => {
    expect(optionsFromArgv([])).toMatchObject({ port: 4840, host: '127.0.0.1', tags: 60, rateHz: 1, security: 'both', daItems: true });
    expect(optionsFromArgv(['--port', '0', '--tags', '5000', '--rate', '10', '--security', 'none', '--pki', '/tmp/x', '--users', 'op:secret', '--max-monitored-items-per-call', '100', '--no-da'])).toMatchObject({
      port: 0,
      tags: 5000,
      rateHz: 10,
      security: 'none',
      pkiDir: '/tmp/x',
      users: [{ userName: 'op', password: 'secret' }],
      maxMonitoredItemsPerCall: 100,
      daItems: false,
    });
    expect(() => optionsFromArgv(['--security', 'max'])).toThrow(/--security/);
    expect(() => optionsFromArgv(['--tags', '-1'])).toThrow(/--tags/);
    expect(() => optionsFromArgv(['--bogus'])).toThrow(/unknown option --bogus/);
  });
});
