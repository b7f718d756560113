import { parseProtocolNumber, parseVoltage, pickEngineEcu } from './answers';

describe('answers', () => {
  it('ATDPN: A prefix means chosen automatically; 0 means nothing found', () => {
    expect(parseProtocolNumber(['A6'])).toEqual({ number: '6', auto: true, name: 'ISO 15765-4 CAN (11 bit ID, 500 kbaud)', isCan: true });
    expect(parseProtocolNumber(['7'])).toMatchObject({ number: '7', auto: false, isCan: true });
    expect(parseProtocolNumber(['A0'])).toMatchObject({ number: '0', auto: true, isCan: false });
    expect(parseProtocolNumber(['A'])).toMatchObject({ number: 'A', auto: false, isCan: true });
    expect(parseProtocolNumber(['?'])).toBeUndefined();
    expect(parseProtocolNumber(['AZ'])).toBeUndefined();
  });

  it('ATRV voltage', () => {
    expect(parseVoltage(['13.3V'])).toBe(13.3);
    expect(parseVoltage(['12.1'])).toBe(12.1);
    expect(parseVoltage(['OK'])).toBeUndefined();
  });

  it('engine ECU: the only one, else 7E8 / 18DAF110, else the one with most PIDs', () => {
    expect(pickEngineEcu(new Map())).toBeUndefined();
    expect(pickEngineEcu(new Map([[null, new Set([1])]]))).toBeNull();
    expect(pickEngineEcu(new Map([['7E9', new Set([1, 2, 3])], ['7E8', new Set([1])]]))).toBe('7E8');
    expect(pickEngineEcu(new Map([['18DAF118', new Set([1])], ['18DAF110', new Set([1])]]))).toBe('18DAF110');
    expect(pickEngineEcu(new Map([['7EA', new Set([1])], ['7E9', new Set([1, 2])]]))).toBe('7E9');
  });
});
