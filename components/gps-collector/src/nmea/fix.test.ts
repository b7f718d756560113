import { FixAssembler } from './fix';
import { NmeaReader } from './reader';
import { nmeaChecksum } from './sentences';

const nmea = (body: string): string => `$${body}*${nmeaChecksum(body)}\r\n`;

const EPOCH_1 = [
  nmea('GPRMC,235959.00,A,4807.0380,N,01131.0000,E,010.0,084.4,311224,,,A'),
  nmea('GPVTG,084.4,T,,M,010.0,N,018.5,K,A'),
  nmea('GPGGA,235959.00,4807.0380,N,01131.0000,E,1,08,0.9,545.4,M,46.9,M,,'),
  nmea('GPGSA,A,3,04,05,09,12,24,,,,,,,,2.5,0.9,2.1'),
  nmea('GPGSV,1,1,02,04,40,083,46,05,17,308,40'),
  nmea('GLGSV,1,1,01,65,40,083,46'),
].join('');
const EPOCH_2_GGA_ONLY = nmea('GNGGA,000000.00,4807.0390,N,01131.0010,E,1,08,0.9,546.0,M,46.9,M,,');

describe('FixAssembler / NmeaReader', () => {
  test('merges one epoch into a 3D fix with MSL and HAE altitude, m/s speed, date from RMC', () => {
    const r = new NmeaReader();
    const fixes = [...r.feed(EPOCH_1), ...r.flush()];
    expect(fixes).toHaveLength(1);
    const f = fixes[0]!;
    expect(f).toMatchObject({ mode: 3, quality: 1, altMsl: 545.4, geoidSep: 46.9, track: 84.4, hdop: 0.9, satellitesUsed: 8, satellitesInView: 3 });
    expect(f.altHae).toBeCloseTo(592.3, 6);
    expect(f.speed).toBeCloseTo(10 * 0.514444, 5);
    expect(f.time).toBe(Date.UTC(2024, 11, 31, 23, 59, 59));
    expect(r.stats).toMatchObject({ sentences: 6, fixes: 1, badChecksum: 0, undated: 0 });
  });

  test('the date carries over midnight for epochs without RMC', () => {
    const r = new NmeaReader();
    const fixes = [...r.feed(EPOCH_1 + EPOCH_2_GGA_ONLY), ...r.flush()];
    expect(fixes.map((f) => f.time)).toEqual([Date.UTC(2024, 11, 31, 23, 59, 59), Date.UTC(2025, 0, 1, 0, 0, 0)]);
  });

  test('no date known: the fix has no timestamp and is counted, never "today"', () => {
    const r = new NmeaReader();
    const fixes = [...r.feed(EPOCH_2_GGA_ONLY), ...r.flush()];
    expect(fixes).toHaveLength(1);
    expect(fixes[0]!.time).toBeUndefined();
    expect(fixes[0]!.lat).toBeCloseTo(48.11731667, 6);
    expect(r.stats.undated).toBe(1);
  });

  test('no fix: no position, quality and mode still reported', () => {
    const r = new NmeaReader();
    const fixes = [
      ...r.feed(nmea('GPRMC,120000,V,4807.0380,N,01131.0000,E,0.0,0.0,010125,,,N') + nmea('GPGGA,120000,4807.0380,N,01131.0000,E,0,00,99.9,,M,,M,,')),
      ...r.flush(),
    ];
    expect(fixes).toHaveLength(1);
    expect(fixes[0]).toMatchObject({ mode: 1, quality: 0, hdop: 99.9, satellitesUsed: 0 });
    expect(fixes[0]!.lat).toBeUndefined();
    expect(fixes[0]!.time).toBe(Date.UTC(2025, 0, 1, 12));
  });

  test('GNS alone gives a 3D fix; all-N modes give none', () => {
    const r = new NmeaReader();
    const fixes = [
      ...r.feed(nmea('GNRMC,120000,A,4807.0380,N,01131.0000,E,0.0,0.0,010125,,,A') + nmea('GNGNS,120000,4807.0380,N,01131.0000,E,ANNN,07,1.2,153.8,8.3,,')),
      ...r.feed(nmea('GNRMC,120001,V,,,,,,,010125,,,N') + nmea('GNGNS,120001,,,,,NNNN,00,,,,,')),
      ...r.flush(),
    ];
    expect(fixes[0]).toMatchObject({ mode: 3, altMsl: 153.8, satellitesUsed: 7, hdop: 1.2 });
    expect(fixes[1]).toMatchObject({ mode: 1 });
    expect(fixes[1]!.lat).toBeUndefined();
  });

  test('2D fix: no altitude', () => {
    const a = new FixAssembler();
    const r = new NmeaReader();
    void a;
    const fixes = [...r.feed(nmea('GPGSA,A,2,04,05,09,,,,,,,,,,2.5,0.9,2.1') + nmea('GPRMC,120000,A,4807.0380,N,01131.0000,E,0.0,0.0,010125,,,A') + nmea('GPGGA,120000,4807.0380,N,01131.0000,E,1,03,2.0,,M,,M,,')), ...r.flush()];
    expect(fixes[0]).toMatchObject({ mode: 2 });
    expect(fixes[0]!.altMsl).toBeUndefined();
  });

  test('bad checksums, truncated lines and garbage are counted and dropped, the rest still forms fixes', () => {
    const r = new NmeaReader();
    const good = EPOCH_1;
    const bad = '$GPGGA,235959.00,4807.0380,N,01131.0000,E,1,08,0.9,545.4,M,46.9,M,,*00\r\n';
    const truncated = '$GPRMC,000001.00,A,4807.03\r\n';
    const junk = Buffer.from([0x00, 0xff, 0x24, 0x0a, 0x41, 0x42, 0x0d, 0x0a]);
    const fixes = [...r.feed(bad), ...r.feed(truncated), ...r.feed(junk), ...r.feed(good), ...r.flush()];
    expect(r.stats.badChecksum).toBe(1);
    expect(r.stats.invalid).toBeGreaterThanOrEqual(2);
    expect(fixes.filter((f) => f.mode === 3)).toHaveLength(1);
  });

  test('a line split across chunks is joined; an endless line is dropped', () => {
    const r = new NmeaReader();
    const text = EPOCH_1;
    const fixes = [];
    for (let i = 0; i < text.length; i += 7) fixes.push(...r.feed(text.slice(i, i + 7)));
    fixes.push(...r.flush());
    expect(fixes).toHaveLength(1);
    const r2 = new NmeaReader();
    r2.feed('$GPGGA' + 'x'.repeat(2000));
    r2.feed('still garbage\n');
    r2.feed(EPOCH_1);
    expect(r2.flush()).toHaveLength(1);
    expect(r2.stats.invalid).toBe(1);
  });
});
