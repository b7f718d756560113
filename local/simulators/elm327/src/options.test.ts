import { parseElm327Args } from './options';

describe('parseElm327Args', () => {
  it('reads every option', () => {
    const o = parseElm327Args(['--port', '35000', '--profile', 'legacy', '--latency', '20', '--uncounted-wait', '100', '--pty', '/tmp/elm', '--faults', 'noData=0.05,garbage=0.01', '--seed', '7', '--vin', 'UU1B5220X65966756', '--ignition', 'off']);
    expect(o).toEqual({
      server: { port: 35000, profile: 'legacy', ecuLatencyMs: 20, uncountedWaitMs: 100, pty: '/tmp/elm', faults: { noData: 0.05, garbage: 0.01 }, faultSeed: 7 },
      vin: 'UU1B5220X65966756',
      ignition: false,
    });
    expect(parseElm327Args(['--pty']).server.pty).toBe(true);
  });

  it('lists every problem at once', () => {
    expect(() => parseElm327Args(['--port', 'x', '--profile', 'j1850', '--faults', 'smoke=1', '--bogus'])).toThrow(
      /--port: expected an integer[\s\S]*--profile: expected can or legacy[\s\S]*unknown fault "smoke"[\s\S]*--bogus: unknown option/,
    );
  });
});
