import { dtcAnswer, mode01Signals, parseElmVersion, parseVoltage, vinAnswer } from './answers';
import { readReplyCases, readTranscripts, type Transcript } from './fixtures';
import { normalizeCommand, parseReply, type ElmReply, type ObdMessage } from './reply';
import { hex2, toHex } from '../obd/pids';

const view = (messages: ObdMessage[]) => messages.map((m) => ({ ecu: m.ecu, data: toHex(m.data) }));

/** What the transcript README calls `decoded`, computed from a parsed reply. */
function decoded(reply: ElmReply, command: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (reply.kind === 'text') {
    const version = parseElmVersion(reply.lines);
    if (version !== undefined) out.elm_version = version;
    const voltage = normalizeCommand(command) === 'ATRV' ? parseVoltage(reply.lines) : undefined;
    if (voltage !== undefined) out.voltage = voltage;
    return out;
  }
  if (reply.kind !== 'data') return out;
  const cmd = normalizeCommand(command);
  if (cmd.startsWith('01')) {
    for (const ecu of mode01Signals(reply.messages)) {
      for (const s of ecu.signals) out[s.name] ??= Array.isArray(s.value) ? s.value.map(hex2) : s.value;
    }
  } else if (cmd === '0902') {
    out.vin = vinAnswer(reply.messages);
  } else if (cmd === '03' || cmd === '07') {
    const d = dtcAnswer(reply.messages, cmd === '03' ? 0x43 : 0x47);
    out.dtcs = d.codes;
    out.dtcs_by_ecu = d.byEcu;
  }
  return out;
}

function status(reply: ElmReply): string {
  return reply.kind === 'error' ? reply.condition : reply.kind;
}

describe('parseReply: the 15 raw transcripts', () => {
  const transcripts = readTranscripts();
  it('reads all 15 with their CR bytes intact', () => {
    expect(transcripts).toHaveLength(15);
    for (const t of transcripts) {
      expect(t.body.endsWith('>')).toBe(true);
      expect(t.body).not.toContain('\n');
      expect(t.body).toContain('\r');
    }
  });

  const check = (t: Transcript, reply: ElmReply) => {
    expect({
      echo: reply.echo,
      status: status(reply),
      searching: reply.searching,
      lines: reply.lines,
      messages: reply.kind === 'text' ? [] : view(reply.messages),
      decoded: decoded(reply, t.command),
    }).toEqual(t.expect);
    if (reply.ok) expect(reply.problems).toEqual([]);
  };

  it.each(transcripts.map((t) => [t.file, t] as const))('%s', (_f, t) => {
    const headers = typeof t.settings?.headers === 'boolean' ? t.settings.headers : undefined;
    check(t, parseReply(t.body, { command: t.command, ...(headers !== undefined ? { headers } : {}) }));
    // Header detection alone (no settings) gives the same result.
    check(t, parseReply(t.body, { command: t.command }));
    // The prompt may be stripped by the session: same result.
    check(t, parseReply(t.body.slice(0, -1), { command: t.command }));
  });
});

describe('parseReply: case folders', () => {
  it.each(readReplyCases().map((c) => [c.name, c] as const))('%s', (_n, c) => {
    const reply = parseReply(c.input, { command: c.command, ...(c.options ?? {}) });
    const { problems, ...expected } = c.expect;
    const actual: Record<string, unknown> = { ...reply, messages: reply.kind === 'text' ? undefined : view(reply.messages) };
    expect(actual).toMatchObject(expected);
    if (problems !== undefined) expect(reply.problems).toHaveLength(problems);
  });
});

describe('parseReply: garbage never throws', () => {
  // Deterministic xorshift so a failure can be reproduced from the printed seed.
  function rng(seed: number) {
    let x = seed >>> 0 || 1;
    return () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) / 0x100000000;
    };
  }
  const pieces = ['7E8', ' ', '\r', '\n', '>', '10', '21', '22', '0:', '1:', '014', '41', '0C', 'FF', 'SEARCHING...', 'NO DATA', '18 DA F1', '48 6B', '?', 'BUS INIT:', 'ERR', '<DATA ERROR', '\x00', '\xff'];

  it('random bytes and random frame-like soup give a typed result', () => {
    for (let seed = 1; seed <= 3000; seed++) {
      const r = rng(seed);
      let input = '';
      const n = Math.floor(r() * 80);
      for (let i = 0; i < n; i++) {
        input += seed % 2 === 0 ? String.fromCharCode(Math.floor(r() * 256)) : pieces[Math.floor(r() * pieces.length)]!;
      }
      const command = ['0100', '0902', '03', 'ATZ', '010C0D05', ''][seed % 6]!;
      let reply: ElmReply;
      try {
        reply = parseReply(input, { command });
      } catch (err) {
        throw new Error(`seed ${seed} threw ${String(err)} for ${JSON.stringify(input)}`);
      }
      expect(['data', 'text', 'error']).toContain(reply.kind);
      if (reply.kind === 'error') expect(reply.code).toMatch(/^elm327_[a-z_0-9]+$/);
      if (reply.kind === 'data') {
        expect(reply.messages.length).toBeGreaterThan(0);
        for (const m of reply.messages) for (const b of m.data) expect(b >= 0 && b <= 255).toBe(true);
      }
    }
  });

  it('non-string input is an error result, not an exception', () => {
    expect(parseReply(undefined as unknown as string, { command: '0100' }).kind).toBe('error');
  });
});
