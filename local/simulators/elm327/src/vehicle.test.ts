import { Vehicle, encodeDtc, normalizeDtc } from './vehicle';

function clock(start = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('Vehicle', () => {
  it('gives the same readings for the same clock, however often it is read', () => {
    const a = clock();
    const b = clock();
    const va = new Vehicle({ now: a.now });
    const vb = new Vehicle({ now: b.now });
    for (let i = 0; i < 50; i += 1) {
      a.advance(1234);
      va.read();
    }
    b.advance(50 * 1234);
    expect(vb.read()).toEqual(va.read());
  });

  it('drives the cycle: idle, accelerate, cruise, brake', () => {
    const c = clock();
    const v = new Vehicle({ now: c.now });
    c.advance(5_000);
    let r = v.read();
    expect(r.phase).toBe('idle');
    expect(r.speedKmh).toBe(0);
    expect(r.rpm).toBeGreaterThan(700);
    expect(r.rpm).toBeLessThan(1200);
    expect(r.moduleVoltage).toBeGreaterThan(14.1);
    c.advance(12_000); // 17 s
    r = v.read();
    expect(r.phase).toBe('accelerate');
    expect(r.speedKmh).toBeGreaterThan(20);
    expect(r.engineLoadPct).toBeGreaterThan(70);
    c.advance(15_000); // 32 s
    r = v.read();
    expect(r.phase).toBe('cruise');
    expect(r.speedKmh).toBe(80);
    expect(r.rpm).toBeCloseTo(2560, 0);
    c.advance(18_000); // 50 s
    r = v.read();
    expect(r.phase).toBe('brake');
    expect(r.speedKmh).toBeLessThan(80);
    expect(r.throttlePct).toBeLessThan(15);
    c.advance(70_000); // 120 s: second cycle, 0 s + 60 s
    expect(v.read().phase).toBe('idle');
  });

  it('warms up while running, cools down while off, and uses fuel', () => {
    const c = clock();
    const v = new Vehicle({ now: c.now, ambientC: 10, fuelLevelPct: 50 });
    expect(v.read().coolantC).toBe(10);
    c.advance(600_000);
    const warm = v.read();
    expect(warm.coolantC).toBeGreaterThan(88);
    expect(warm.oilC).toBeGreaterThan(warm.ambientC + 50);
    expect(warm.fuelLevelPct).toBeLessThan(50);
    expect(warm.fuelLevelPct).toBeGreaterThan(45);
    expect(warm.distanceKm).toBeGreaterThan(5);
    expect(warm.runTimeS).toBe(600);
    v.setIgnition(false);
    c.advance(3_600_000);
    const cold = v.read();
    expect(cold.ignition).toBe(false);
    expect(cold.rpm).toBe(0);
    expect(cold.moduleVoltage).toBe(12.4);
    expect(cold.coolantC).toBeLessThan(warm.coolantC - 40);
    expect(cold.fuelLevelPct).toBe(warm.fuelLevelPct);
    expect(cold.runTimeS).toBe(0);
    v.setIgnition(true);
    c.advance(2_000);
    expect(v.read().runTimeS).toBe(2);
  });

  it('keeps DTCs per ECU, clears them all, and counts distance with the MIL on', () => {
    const c = clock();
    const v = new Vehicle({ now: c.now, storedDtcs: ['p0301'] });
    v.addDtc('P0420', 'pending');
    v.addDtc('P0700', 'stored', 1);
    expect(v.getDtcs('stored')).toEqual(['P0301']);
    expect(v.getDtcs('pending')).toEqual(['P0420']);
    expect(v.getDtcs('stored', 1)).toEqual(['P0700']);
    expect(v.milOn).toBe(true);
    c.advance(120_000);
    expect(v.read().distanceWithMilKm).toBeGreaterThan(1);
    v.clearDtcs();
    expect(v.getDtcs('stored')).toEqual([]);
    expect(v.getDtcs('stored', 1)).toEqual([]);
    expect(v.milOn).toBe(false);
    expect(v.read().distanceWithMilKm).toBe(0);
    expect(v.read().distanceSinceClearKm).toBe(0);
  });

  it('holds readings until released', () => {
    const c = clock();
    const v = new Vehicle({ now: c.now });
    v.hold({ rpm: 1726, speedKmh: 60 });
    c.advance(30_000);
    expect(v.read().rpm).toBe(1726);
    v.release();
    expect(v.read().rpm).not.toBe(1726);
  });

  it('rejects a bad VIN and bad DTCs, and encodes DTCs as J1979 does', () => {
    expect(() => new Vehicle({ vin: 'SHORT' })).toThrow(/invalid VIN/);
    expect(() => normalizeDtc('X0301')).toThrow(/invalid DTC/);
    expect(encodeDtc('P0301')).toEqual([0x03, 0x01]);
    expect(encodeDtc('C0035')).toEqual([0x40, 0x35]);
    expect(encodeDtc('B1234')).toEqual([0x92, 0x34]);
    expect(encodeDtc('U0100')).toEqual([0xc1, 0x00]);
  });
});
