// node-opcua's own StatusCode table (the package node-opcua 2.182.2 re-exports), without loading the whole stack.
import { StatusCodes } from 'node-opcua';
import { DaQuality, UaStatus, daQualityOfStatusCode, describeDaQuality, qualityOfDa, statusCodeOfDaQuality } from './quality';

describe('DA quality', () => {
  test.each([
    [0xc0, 'GOOD'],
    [0xd8, 'GOOD'],
    [0xc3, 'GOOD'],
    [0x40, 'UNCERTAIN'],
    [0x44, 'UNCERTAIN'],
    [0x58, 'UNCERTAIN'],
    [0x00, 'BAD'],
    [0x18, 'BAD'],
    [0x20, 'BAD'],
    [0x80, 'BAD'],
    [0x12c0, 'GOOD'], // vendor byte ignored
  ])('0x%s is %s', (q, expected) => {
    expect(qualityOfDa(q)).toBe(expected);
  });

  test('names: primary, sub-status, limit', () => {
    expect(describeDaQuality(0xc0)).toBe('GOOD');
    expect(describeDaQuality(0xd8)).toBe('GOOD_LOCAL_OVERRIDE');
    expect(describeDaQuality(0x44)).toBe('UNCERTAIN_LAST_USABLE');
    expect(describeDaQuality(0x19)).toBe('BAD_COMM_FAILURE|LOW');
    expect(describeDaQuality(0x57)).toBe('UNCERTAIN_EGU_EXCEEDED|CONSTANT');
    expect(describeDaQuality(0x4c)).toBe('UNCERTAIN(0x4c)');
  });
});

describe('OPC 10000-8 Annex A mapping', () => {
  test('our UA code table agrees with node-opcua StatusCodes', () => {
    for (const [name, value] of Object.entries(UaStatus)) {
      expect({ name, value: value >>> 0 }).toEqual({ name, value: (StatusCodes as unknown as Record<string, { value: number }>)[name]!.value >>> 0 });
    }
  });

  // Table A.65 (UA → DA) and A.61 (DA → UA).
  const table: Array<[keyof typeof UaStatus, keyof typeof DaQuality]> = [
    ['Good', 'GOOD'],
    ['GoodLocalOverride', 'LOCAL_OVERRIDE'],
    ['Uncertain', 'UNCERTAIN'],
    ['UncertainSubNormal', 'SUB_NORMAL'],
    ['UncertainSensorNotAccurate', 'SENSOR_CAL'],
    ['UncertainEngineeringUnitsExceeded', 'EGU_EXCEEDED'],
    ['UncertainLastUsableValue', 'LAST_USABLE'],
    ['Bad', 'BAD'],
    ['BadConfigurationError', 'CONFIG_ERROR'],
    ['BadNotConnected', 'NOT_CONNECTED'],
    ['BadNoCommunication', 'COMM_FAILURE'],
    ['BadOutOfService', 'OUT_OF_SERVICE'],
    ['BadDeviceFailure', 'DEVICE_FAILURE'],
    ['BadSensorFailure', 'SENSOR_FAILURE'],
    ['BadWaitingForInitialData', 'WAITING_FOR_INITIAL_DATA'],
  ];
  test.each(table)('%s ↔ %s', (ua, da) => {
    expect(daQualityOfStatusCode(StatusCodes[ua].value)).toBe(DaQuality[da]);
    expect(statusCodeOfDaQuality(DaQuality[da])).toBe(StatusCodes[ua].value >>> 0);
  });

  test('LAST_KNOWN has no UA code of its own: it goes to BadOutOfService (and comes back as OUT_OF_SERVICE)', () => {
    expect(statusCodeOfDaQuality(DaQuality.LAST_KNOWN)).toBe(StatusCodes.BadOutOfService.value >>> 0);
  });

  test('codes outside the table fall back on their severity', () => {
    expect(daQualityOfStatusCode(StatusCodes.BadCommunicationError.value)).toBe(DaQuality.BAD);
    expect(daQualityOfStatusCode(StatusCodes.BadTimeout.value)).toBe(DaQuality.BAD);
    expect(daQualityOfStatusCode(StatusCodes.UncertainInitialValue.value)).toBe(DaQuality.UNCERTAIN);
    expect(daQualityOfStatusCode(StatusCodes.GoodClamped.value)).toBe(DaQuality.GOOD);
  });

  test('limit bits travel both ways (UA bits 8–9, DA bits 0–1)', () => {
    expect(daQualityOfStatusCode((UaStatus.UncertainEngineeringUnitsExceeded | 0x200) >>> 0)).toBe(0x56);
    expect(daQualityOfStatusCode((UaStatus.Good | 0x300) >>> 0)).toBe(0xc3);
    expect(daQualityOfStatusCode((UaStatus.BadSensorFailure | 0x100) >>> 0)).toBe(0x11);
    expect(statusCodeOfDaQuality(0x56)).toBe((UaStatus.UncertainEngineeringUnitsExceeded | 0x200) >>> 0);
    // Info bits other than the limit (e.g. overflow) are not quality.
    expect(daQualityOfStatusCode((UaStatus.Good | 0x480) >>> 0)).toBe(0xc0);
  });

  test('round trip for every defined DA quality with every limit', () => {
    for (const q of Object.values(DaQuality)) {
      if (q === DaQuality.LAST_KNOWN) continue;
      for (let l = 0; l < 4; l++) expect(daQualityOfStatusCode(statusCodeOfDaQuality(q | l))).toBe(q | l);
    }
  });
});
