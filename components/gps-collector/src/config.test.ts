import { checkConfig, configDefaults, validateConfig } from '../../core/src';
import { GpsCollectorConfigSchema } from './config';

describe('GpsCollector config', () => {
  test('defaults', () => {
    const c = validateConfig(GpsCollectorConfigSchema, {});
    expect(c).toMatchObject({
      deviceId: 'gps-1',
      rateHz: 1,
      source: { type: 'nmea-tcp', host: '127.0.0.1', baudRate: 4800 },
      stream: { name: 'tributary.gps.raw', persistence: 'File', strategyOnFull: 'OverwriteOldestData', maxSize: 67108864 },
    });
    expect(configDefaults(GpsCollectorConfigSchema)).toBeDefined();
  });

  test('numbers as strings, gpsd source', () => {
    const c = validateConfig(GpsCollectorConfigSchema, { rateHz: '2', source: { type: 'gpsd', port: '2947' } });
    expect(c.rateHz).toBe(2);
    expect(c.source).toMatchObject({ type: 'gpsd', port: 2947 });
  });

  test('every problem is reported', () => {
    const r = checkConfig(GpsCollectorConfigSchema, { rateHz: 0, source: { type: 'usb', baudRate: 1 }, stream: { name: 'Bad Name' }, extra: 1 });
    expect(r.ok).toBe(false);
    const paths = r.ok ? [] : r.problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['/rateHz', '/source/type', '/source/baudRate', '/stream/name']));
    expect(paths.length).toBeGreaterThanOrEqual(5);
  });
});
