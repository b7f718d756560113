import { nmeaChecksum, parseSentence, parseCoord, parseTime, type ParseResult } from './sentences';

/** Adds a valid checksum to a sentence body (without `$`). */
const nmea = (body: string): string => `$${body}*${nmeaChecksum(body)}`;

function sentence(r: ParseResult) {
  if (r.kind !== 'sentence') throw new Error(`expected a sentence, got ${JSON.stringify(r)}`);
  return r.sentence;
}

describe('parseSentence', () => {
  test('GGA with any talker id', () => {
    for (const talker of ['GP', 'GN', 'GL', 'GA', 'GB', 'BD']) {
      const s = sentence(parseSentence(nmea(`${talker}GGA,123519.50,4807.038,N,01131.000,W,1,08,0.9,545.4,M,46.9,M,,`)));
      expect(s).toEqual({
        type: 'GGA',
        talker,
        time: (12 * 3600 + 35 * 60 + 19.5) * 1000,
        lat: 48 + 7.038 / 60,
        lon: -(11 + 31 / 60),
        quality: 1,
        satellitesUsed: 8,
        hdop: 0.9,
        altMsl: 545.4,
        geoidSep: 46.9,
      });
    }
  });

  test('bad checksum is reported, not thrown', () => {
    const r = parseSentence('$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*00');
    expect(r).toEqual({ kind: 'bad_checksum', expected: '00', actual: '47' });
  });

  test('RMC: speed in m/s, date, south/east, magnetic variation west', () => {
    const s = sentence(parseSentence(nmea('GNRMC,225446,A,4916.45,S,12311.12,E,000.5,054.7,191194,020.3,W,A')));
    expect(s).toMatchObject({ type: 'RMC', talker: 'GN', status: 'A', track: 54.7, date: { year: 1994, month: 11, day: 19 }, magvar: -20.3, modeIndicator: 'A' });
    expect((s as { lat: number }).lat).toBeCloseTo(-(49 + 16.45 / 60), 9);
    expect((s as { speed: number }).speed).toBeCloseTo(0.5 * 0.514444, 5);
  });

  test('RMC with status V and empty fields', () => {
    expect(sentence(parseSentence('$GPRMC,,V,,,,,,,,,,N*53'))).toEqual({ type: 'RMC', talker: 'GP', status: 'V', modeIndicator: 'N' });
  });

  test('VTG modern and NMEA 1.5 forms', () => {
    expect(sentence(parseSentence(nmea('GPVTG,054.7,T,034.4,M,005.5,N,010.2,K,A')))).toMatchObject({ track: 54.7, magTrack: 34.4, modeIndicator: 'A' });
    const old = sentence(parseSentence(nmea('GPVTG,054.7,034.4,005.5,010.2')));
    expect(old).toMatchObject({ track: 54.7, magTrack: 34.4 });
    expect((old as { speed: number }).speed).toBeCloseTo(5.5 * 0.514444, 5);
  });

  test('GSA, GSV, GLL, ZDA', () => {
    expect(sentence(parseSentence(nmea('GNGSA,A,3,04,05,,09,12,,,24,,,,,2.5,1.3,2.1,1')))).toEqual({
      type: 'GSA', talker: 'GN', fixMode: 3, prns: [4, 5, 9, 12, 24], pdop: 2.5, hdop: 1.3, vdop: 2.1, systemId: 1,
    });
    const gsv = sentence(parseSentence(nmea('GLGSV,2,1,07,65,40,083,46,66,17,308,,67,07,344,39,72,25,210,40')));
    expect(gsv).toMatchObject({ type: 'GSV', talker: 'GL', messageCount: 2, messageNumber: 1, satellitesInView: 7 });
    expect((gsv as { satellites: unknown[] }).satellites).toHaveLength(4);
    expect((gsv as { satellites: unknown[] }).satellites[1]).toEqual({ prn: 66, elevation: 17, azimuth: 308 });
    expect(sentence(parseSentence(nmea('GAGLL,4916.45,N,12311.12,W,225444,A,A')))).toMatchObject({ type: 'GLL', status: 'A', time: (22 * 3600 + 54 * 60 + 44) * 1000 });
    expect(sentence(parseSentence(nmea('GPZDA,201530.00,04,07,2002,00,00')))).toMatchObject({ type: 'ZDA', date: { year: 2002, month: 7, day: 4 } });
  });

  test('GNS (multi-constellation GGA)', () => {
    expect(sentence(parseSentence('$GNGNS,053232.438,3114.8789,N,12135.2442,E,ANNA,07,1.2,153.8,8.3,,0000*5F'))).toMatchObject({
      type: 'GNS', talker: 'GN', modes: 'ANNA', satellitesUsed: 7, hdop: 1.2, altMsl: 153.8, geoidSep: 8.3,
    });
  });

  test('a sentence without checksum is invalid unless allowed (a truncated line looks like one)', () => {
    const truncated = '$GPGGA,012530.562,4131.7353,N,09336.8150,W,1,05,1.2,50.';
    expect(parseSentence(truncated)).toEqual({ kind: 'invalid', reason: 'no_checksum' });
    expect(parseSentence(truncated, { allowMissingChecksum: true }).kind).toBe('sentence');
  });

  test('proprietary and unknown sentences are skipped, garbage is invalid', () => {
    expect(parseSentence(nmea('PSRFE,1,2,3'))).toEqual({ kind: 'unsupported', id: 'PSRFE' });
    expect(parseSentence(nmea('GPTXT,01,01,02,hello'))).toEqual({ kind: 'unsupported', id: 'GPTXT' });
    expect(parseSentence('hello world').kind).toBe('invalid');
    expect(parseSentence(nmea('GPGGA,1,2')).kind).toBe('invalid');
    expect(parseSentence('$GPGGA,123519,4807.038,N*Z1').kind).toBe('invalid');
    expect(parseSentence('$' + 'A'.repeat(300)).kind).toBe('invalid');
  });

  test('field helpers reject out-of-range values', () => {
    expect(parseCoord('9100.000', 'N', true)).toBeUndefined();
    expect(parseCoord('4807.038', 'X', true)).toBeUndefined();
    expect(parseCoord('4860.000', 'N', true)).toBeUndefined();
    expect(parseTime('256000')).toBeUndefined();
    expect(parseTime('000000')).toBe(0);
  });

  test('random garbage never throws', () => {
    let seed = 42;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const alphabet = '$GPNRMCA*,.0123456789ENSW\r\n\x00\xff';
    for (let i = 0; i < 5000; i++) {
      let line = '';
      const n = Math.floor(rnd() * 90);
      for (let j = 0; j < n; j++) line += alphabet[Math.floor(rnd() * alphabet.length)];
      expect(() => parseSentence(line)).not.toThrow();
    }
  });
});
