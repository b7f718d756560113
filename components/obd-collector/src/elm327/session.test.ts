import { ManualClock, flushPromises } from '../../../core/src/clock';
import { canFrames, carHandler, FakeAdapter, replyOf, type AdapterHandler } from './fake-adapter';
import { readTranscripts } from './fixtures';
import { Elm327Session, expectedFrames, type Elm327SessionOptions } from './session';
import { toHex } from '../obd/pids';

const FAST: Elm327SessionOptions = { commandTimeoutMs: 200, resetTimeoutMs: 200, searchTimeoutMs: 200, vinTimeoutMs: 200, resyncTimeoutMs: 50 };

function open(handler: AdapterHandler, options: Elm327SessionOptions = {}) {
  const adapter = new FakeAdapter(handler);
  const session = new Elm327Session(adapter, { ...FAST, ...options });
  return { adapter, session };
}

const errorCode = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (err) {
    return (err as { code?: string }).code ?? 'no code';
  }
  throw new Error('expected a rejection');
};

/** A car on CAN 11-bit with an engine ECU (7E8) and a transmission ECU (7E9). */
const ENGINE = {
  0x00: [0xbe, 0x1f, 0xa8, 0x13],
  0x01: [0x83, 0x07, 0x65, 0x04],
  0x04: [0x99],
  0x05: [0x7b],
  0x0c: [0x1a, 0xf8],
  0x0d: [0x3c],
  0x0f: [0x46],
  0x10: [0x01, 0x2c],
  0x11: [0x33],
  0x20: [0x80, 0x01, 0x80, 0x01],
  0x40: [0x40, 0x00, 0x00, 0x00],
};
const GEARBOX = { 0x00: [0x80, 0x00, 0x00, 0x00], 0x01: [0x00, 0x00, 0x00, 0x00] };

describe('Elm327Session: prompt framing and lockstep', () => {
  it('replays every transcript through the transport in small chunks', async () => {
    for (const t of readTranscripts()) {
      const { adapter, session } = open(() => t.body);
      const reply = await session.send(t.command.replace(/\r\n?$/, ''));
      expect(reply.kind === 'error' ? reply.condition : reply.kind).toBe(t.expect.status);
      expect(reply.kind === 'text' ? [] : reply.messages.map((m) => ({ ecu: m.ecu, data: toHex(m.data) }))).toEqual(t.expect.messages);
      expect(adapter.written).toHaveLength(1);
      expect(session.counters.strayBytes).toBe(0);
    }
  });

  it('discards and counts bytes that arrive with no command pending', async () => {
    const { adapter, session } = open(() => '13.1V\r\r>');
    adapter.emit('\xfc\r\rELM327 v1.5\r\r>');
    await flushPromises();
    expect(session.counters.strayBytes).toBe(17); // every byte of the banner and its prompt
    const reply = await session.send('ATRV');
    expect(reply).toMatchObject({ kind: 'text', lines: ['13.1V'] });
  });

  it('sends one command at a time: concurrent calls are queued, each gets its own reply', async () => {
    let n = 0;
    const { adapter, session } = open((cmd) => `${cmd}-${++n}\r\r>`);
    const [a, b, c] = await Promise.all([session.send('ATI'), session.send('AT@1'), session.send('ATRV')]);
    expect([a.lines, b.lines, c.lines]).toEqual([['ATI-1'], ['AT@1-2'], ['ATRV-3']]);
    expect(adapter.written).toEqual(['ATI\r', 'AT@1\r', 'ATRV\r']);
  });

  it('an adapter that never answers gives elm327_timeout, then the late reply is discarded', async () => {
    const clock = new ManualClock();
    const adapter = new FakeAdapter(() => null);
    const session = new Elm327Session(adapter, { clock, commandTimeoutMs: 1000, resyncTimeoutMs: 500 });
    const first = session.send('0100');
    await flushPromises();
    clock.advance(999);
    let settled = false;
    first.catch(() => undefined).finally(() => (settled = true));
    await flushPromises();
    expect(settled).toBe(false);
    clock.advance(1);
    expect(await errorCode(first)).toBe('elm327_timeout');
    expect(session.counters.timeouts).toBe(1);

    // The next command waits for the late prompt, which belongs to the abandoned 0100.
    adapter.setHandler(() => '41 0D 3C \r\r>');
    const second = session.send('010D');
    await flushPromises();
    expect(adapter.written).toEqual(['0100\r']);
    adapter.emit('7E8 06 41 00 BE 1F A8 13 \r\r>');
    await flushPromises();
    await flushPromises();
    expect(adapter.written).toEqual(['0100\r', '010D\r']);
    const reply = await second;
    expect(reply.kind === 'data' && toHex(reply.messages[0]!.data)).toBe('41 0D 3C');
    expect(session.counters.strayBytes).toBeGreaterThan(0);
  });

  it('after a timeout with no late prompt, the next command goes out once the resync wait ends', async () => {
    const clock = new ManualClock();
    const adapter = new FakeAdapter(() => null);
    const session = new Elm327Session(adapter, { clock, commandTimeoutMs: 100, resyncTimeoutMs: 50 });
    const first = session.send('0100');
    await clock.advanceAsync(100);
    expect(await errorCode(first)).toBe('elm327_timeout');
    adapter.setHandler(() => 'OK\r\r>');
    const second = session.send('ATE0');
    await clock.advanceAsync(49);
    expect(adapter.written).toHaveLength(1);
    await clock.advanceAsync(1);
    expect(adapter.written).toHaveLength(2);
    expect((await second).lines).toEqual(['OK']);
  });

  it('a prompt never comes when garbage has no >: timeout, not a hang', async () => {
    const { session } = open(() => '\x00\xff\x13garbage with no prompt', { commandTimeoutMs: 30 });
    expect(await errorCode(session.send('0100'))).toBe('elm327_timeout');
  });

  it('the transport closing fails the pending command and every later one with elm327_closed', async () => {
    const { adapter, session } = open(() => null);
    const pending = session.send('0100');
    await flushPromises();
    adapter.drop(new Error('ECONNRESET'));
    expect(await errorCode(pending)).toBe('elm327_closed');
    expect(await errorCode(session.send('ATRV'))).toBe('elm327_closed');
    expect(session.isClosed).toBe(true);
  });

  it('close() fails the pending command and closes the transport', async () => {
    const { adapter, session } = open(() => null);
    const pending = session.send('0100');
    await flushPromises();
    session.close();
    expect(await errorCode(pending)).toBe('elm327_closed');
    expect(adapter.closed).toBe(true);
  });
});

describe('Elm327Session: initialize', () => {
  const adapterScript = (overrides: Record<string, string> = {}): AdapterHandler => {
    let echo = true;
    return (cmd) => {
      const replies: Record<string, string> = {
        ATZ: '\r\rELM327 v1.5',
        ATE0: 'OK',
        ATRV: '12.6V',
        '0100': 'SEARCHING...\r7E8 06 41 00 BE 1F A8 13 ',
        ATDPN: 'A6',
        ...overrides,
      };
      const body = replies[cmd] ?? 'OK';
      const out = `${echo ? `${cmd}\r` : ''}${body}\r\r>`;
      if (cmd === 'ATZ') echo = true;
      if (cmd === 'ATE0') echo = false;
      return out;
    };
  };

  it('resets, turns echo and linefeeds off, spaces off, headers on, auto protocol, reads voltage and protocol', async () => {
    const { adapter, session } = open(adapterScript());
    const info = await session.initialize();
    expect(adapter.commands).toEqual(['ATZ', 'ATE0', 'ATL0', 'ATS0', 'ATH1', 'ATSP0', 'ATRV', '0100', 'ATDPN']);
    expect(info).toEqual({
      elmVersion: 'ELM327 v1.5',
      voltage: 12.6,
      protocol: { number: '6', auto: true, name: 'ISO 15765-4 CAN (11 bit ID, 500 kbaud)', isCan: true },
      vehicleConnected: true,
    });
    expect(session.protocol?.isCan).toBe(true);
  });

  it('uses a configured protocol and keeps spaces when asked', async () => {
    const { adapter, session } = open(adapterScript({ ATDPN: '3' }), { protocol: '3', spaces: true });
    const info = await session.initialize();
    expect(adapter.commands).toContain('ATSP3');
    expect(adapter.commands).toContain('ATS1');
    expect(info.protocol).toEqual({ number: '3', auto: false, name: 'ISO 9141-2 (5 baud init, 10.4 kbaud)', isCan: false });
    expect(session.multiPidActive).toBe(false);
  });

  it('ignition off: the adapter initialises, the vehicle does not answer', async () => {
    const { session } = open(adapterScript({ '0100': 'SEARCHING...\rUNABLE TO CONNECT', ATDPN: 'A0', ATRV: '12.1V' }));
    const info = await session.initialize();
    expect(info).toMatchObject({ vehicleConnected: false, vehicleError: 'elm327_unable_to_connect', voltage: 12.1 });
    expect(info.protocol).toMatchObject({ number: '0', auto: true });
  });

  it('an AT command answered with ? fails the init with a typed error', async () => {
    const { session } = open(adapterScript({ ATH1: '?' }));
    expect(await errorCode(session.initialize())).toBe('elm327_unknown_command');
  });

  it('an adapter that never answers ATZ fails with elm327_timeout', async () => {
    const { session } = open(() => null, { resetTimeoutMs: 30 });
    expect(await errorCode(session.initialize())).toBe('elm327_timeout');
  });
});

describe('Elm327Session: supported PIDs, multi-PID reads and fallback', () => {
  it('discovers supported PIDs per ECU while the range bit is set', async () => {
    const { adapter, session } = open(carHandler({ ecus: { '7E8': ENGINE, '7E9': GEARBOX } }));
    const supported = await session.discoverSupportedPids();
    expect(adapter.commands).toEqual(['0100', '0120', '0140']);
    expect([...supported.keys()]).toEqual(['7E8', '7E9']);
    expect([...supported.get('7E8')!]).toEqual([0x01, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x13, 0x15, 0x1c, 0x1f, 0x20, 0x21, 0x30, 0x31, 0x40, 0x42]);
    expect([...supported.get('7E9')!]).toEqual([0x01]);
  });

  it('0100 NO DATA: discovery throws elm327_no_data', async () => {
    const { session } = open(() => 'NO DATA\r\r>');
    expect(await errorCode(session.discoverSupportedPids())).toBe('elm327_no_data');
  });

  it('reads up to 6 PIDs per request on CAN and decodes each per ECU', async () => {
    const { adapter, session } = open(carHandler({ ecus: { '7E8': ENGINE } }));
    const result = await session.readPids([0x0c, 0x0d, 0x05, 0x04, 0x11, 0x0f, 0x10]);
    expect(adapter.commands).toEqual(['010C0D0504110F', '0110']);
    expect(result.requests).toBe(2);
    expect(result.missing).toEqual([]);
    expect(result.errors).toEqual([]);
    expect(Object.fromEntries(result.signals.map((s) => [s.name, s.value]))).toEqual({
      rpm: 1726,
      speed: 60,
      coolant_temp: 83,
      engine_load: 60,
      throttle_pos: 20,
      intake_temp: 30,
      maf: 3,
    });
    expect(new Set(result.signals.map((s) => s.ecu))).toEqual(new Set(['7E8']));
    expect(session.multiPidActive).toBe(true);
  });

  it('appends the expected reply-count digit when configured', async () => {
    const { adapter, session } = open(carHandler({ ecus: { '7E8': ENGINE } }), { replyCountHint: true, maxPidsPerRequest: 3 });
    await session.readPids([0x0c, 0x0d, 0x05, 0x04]);
    expect(adapter.commands).toEqual(['010C0D052', '01041']);
    expect(expectedFrames([0x0c, 0x0d, 0x05])).toBe(2); // 41 0C A B 0D A 05 A = 8 bytes: FF + CF
    expect(expectedFrames([0x0c, 0x0d])).toBe(1);
  });

  it('an adapter that answers only the first PID (obdsim): lacking PIDs asked singly, then one PID per request', async () => {
    const { adapter, session } = open(carHandler({ ecus: { '7E8': ENGINE }, multiPid: 'first-only' }));
    const first = await session.readPids([0x0c, 0x0d, 0x05]);
    expect(adapter.commands).toEqual(['010C0D05', '010D', '0105']);
    expect(first.signals.map((s) => s.name)).toEqual(['rpm', 'speed', 'coolant_temp']);
    expect(session.multiPidActive).toBe(true);
    await session.readPids([0x0c, 0x0d]);
    expect(session.multiPidActive).toBe(false);
    expect(session.counters.multiPidFallbacks).toBe(2);
    adapter.written.length = 0;
    const third = await session.readPids([0x0c, 0x0d, 0x05]);
    expect(adapter.commands).toEqual(['010C', '010D', '0105']);
    expect(third.signals).toHaveLength(3);
  });

  it('a silent ECU (NO DATA to a multi-PID request that worked before) is not asked PID by PID', async () => {
    let off = false;
    const car = carHandler({ ecus: { '7E8': ENGINE } });
    const { adapter, session } = open((command) => (off && /^01/.test(command) ? 'NO DATA\r\r>' : car(command)));
    await session.readPids([0x0c, 0x0d, 0x05]);
    off = true;
    adapter.written.length = 0;
    const silent = await session.readPids([0x0c, 0x0d, 0x05]);
    expect(adapter.commands).toEqual(['010C0D05']);
    expect(silent.missing).toEqual([0x0c, 0x0d, 0x05]);
    expect(silent.errors.map((e) => e.code)).toEqual(['elm327_no_data']);
    expect(session.multiPidActive).toBe(true);
    off = false;
    expect((await session.readPids([0x0c, 0x0d, 0x05])).signals).toHaveLength(3);
  });

  it('an adapter that answers ? to multi-PID requests falls back', async () => {
    const { session } = open(carHandler({ ecus: { '7E8': ENGINE }, multiPid: 'question' }), { multiPidFailuresBeforeFallback: 1 });
    const result = await session.readPids([0x0c, 0x0d]);
    expect(result.signals.map((s) => s.value)).toEqual([1726, 60]);
    expect(result.errors.map((e) => e.code)).toEqual(['elm327_unknown_command']);
    expect(session.multiPidActive).toBe(false);
  });

  it('unsupported PIDs are reported missing without disabling multi-PID requests', async () => {
    const { adapter, session } = open(carHandler({ ecus: { '7E8': ENGINE } }), { multiPidFailuresBeforeFallback: 1 });
    const result = await session.readPids([0x0c, 0x5c, 0xfe]);
    expect(adapter.commands).toEqual(['010C5C', '015C']);
    expect(result.missing).toEqual([0xfe, 0x5c]);
    expect(result.errors.map((e) => e.code)).toEqual(['elm327_unexpected_reply', 'elm327_no_data']);
    expect(session.multiPidActive).toBe(true);
  });

  it('garbage replies never throw out of readPids', async () => {
    let seed = 7;
    const { session } = open(() => {
      let s = '';
      for (let i = 0; i < 40; i++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        const c = seed % 256;
        s += String.fromCharCode(c === 0x3e ? 0x3f : c);
      }
      return `${s}\r\r>`;
    });
    for (let i = 0; i < 20; i++) {
      const result = await session.readPids([0x0c, 0x0d, 0x05]);
      expect(result.errors.length).toBeGreaterThan(0);
    }
  });
});

describe('Elm327Session: DTCs, MIL and VIN', () => {
  const transcript = (prefix: string) => readTranscripts().find((t) => t.file.startsWith(prefix))!.body;

  it('reads stored DTCs from every ECU (multi-frame, interleaved)', async () => {
    const { adapter, session } = open(() => transcript('08-'));
    const dtcs = await session.readDtcs('stored');
    expect(adapter.commands).toEqual(['03']);
    expect(dtcs).toEqual({ codes: ['P0301', 'C0035', 'B1234', 'U0100', 'P0700'], byEcu: { '7E8': ['P0301', 'C0035', 'B1234', 'U0100'], '7E9': ['P0700'] }, problems: [] });
  });

  it('pending DTCs use mode 07; an empty list is a success', async () => {
    const { adapter, session } = open(() => replyOf([...canFrames('7E8', [0x47, 0x00]), ...canFrames('7E9', [0x47, 0x00])]));
    expect(await session.readDtcs('pending')).toEqual({ codes: [], byEcu: { '7E8': [], '7E9': [] }, problems: [] });
    expect(adapter.commands).toEqual(['07']);
  });

  it('NO DATA to 03 is a typed error', async () => {
    const { session } = open(() => 'NO DATA\r\r>');
    expect(await errorCode(session.readDtcs())).toBe('elm327_no_data');
  });

  it('MIL state and DTC count from 0101 across ECUs', async () => {
    const { session } = open(carHandler({ ecus: { '7E8': ENGINE, '7E9': GEARBOX } }));
    expect(await session.readMilStatus()).toEqual({ mil: true, dtcCount: 3, byEcu: { '7E8': { mil: true, dtcCount: 3 }, '7E9': { mil: false, dtcCount: 0 } } });
  });

  it('reads the VIN (headers on, and the headers-off 0: 1: form)', async () => {
    expect(await open(() => transcript('06-')).session.readVin()).toBe('UU1B5220X65966756');
    expect(await open(() => transcript('07-'), { headers: false }).session.readVin()).toBe('1D4GP00R55B123456');
  });

  it('reads a legacy VIN (five 49 02 0n frames) and legacy DTCs (no count byte)', async () => {
    const vinFrames = '48 6B 10 49 02 01 00 00 00 31 E1\r48 6B 10 49 02 02 47 31 4A 43 E2\r48 6B 10 49 02 03 35 34 34 34 E3\r48 6B 10 49 02 04 52 37 32 35 E4\r48 6B 10 49 02 05 32 33 36 37 E5\r\r>';
    expect(await open(() => vinFrames).session.readVin()).toBe('1G1JC5444R7252367');
    const dtcs = await open(() => '48 6B 10 43 01 33 01 04 00 00 D0\r\r>').session.readDtcs();
    expect(dtcs.codes).toEqual(['P0133', 'P0104']);
  });

  it('VIN: 49 02 without characters is null; NO DATA is a typed error; a negative response is unexpected', async () => {
    expect(await open(() => replyOf(canFrames('7E8', [0x49, 0x02]))).session.readVin()).toBeNull();
    expect(await errorCode(open(() => 'NO DATA\r\r>').session.readVin())).toBe('elm327_no_data');
    expect(await errorCode(open(() => replyOf(canFrames('7E8', [0x7f, 0x09, 0x12]))).session.readVin())).toBe('elm327_unexpected_reply');
  });
});
