/**
 * The dcom backend with the real node-opc-da 1.0.6 / node-dcom (no DCOM server exists here):
 * the module has the surface the backend and its fake use, and against 127.0.0.1 (nothing on
 * port 135) a connect ends by the hard timeout or a refusal, never hangs; without
 * --openssl-legacy-provider the backend says what is missing.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { childEnv, runnableEntry } from '../../../../local/simulators/opcua/src/child';

const PROBE = path.join(__dirname, '..', 'testing', 'dcom-probe');

interface ProbeResult {
  code?: string;
  message?: string;
  connected?: boolean;
  elapsedMs: number;
}

/** Runs the probe in its own process with `nodeArgs`; killed by PID if it outlives 20 s. */
function runProbe(nodeArgs: string[], callTimeoutMs: number): Promise<ProbeResult> {
  const entry = runnableEntry(PROBE);
  const env = childEnv();
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [...nodeArgs, entry, '127.0.0.1', String(callTimeoutMs)], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      reject(new Error(`probe did not finish: ${out}${err}`));
    }, 20_000);
    child.once('exit', () => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (!line) reject(new Error(`probe printed no result: ${out}${err}`));
      else resolve(JSON.parse(line) as ProbeResult);
    });
  });
}

describe('dcom backend with the real node-opc-da', () => {
  test('node-opc-da exposes what the backend uses', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const m = require('node-opc-da') as Record<string, any>;
    const methods = (cls: { prototype: object }, names: string[]): string[] => names.filter((n) => typeof (cls.prototype as Record<string, unknown>)[n] !== 'function');
    expect(methods(m.OPCServer, ['init', 'addGroup', 'getBrowser', 'end'])).toEqual([]);
    expect(methods(m.OPCGroupStateManager, ['getItemManager', 'getSyncIO'])).toEqual([]);
    expect(methods(m.OPCItemManager, ['add'])).toEqual([]);
    expect(methods(m.OPCSyncIO, ['read'])).toEqual([]);
    expect(methods(m.OPCBrowser, ['browseAllFlat'])).toEqual([]);
    expect(methods(m.dcom.Session, ['createSession', 'setGlobalSocketTimeout', 'destroySession'])).toEqual([]);
    expect(methods(m.dcom.ComServer, ['init', 'createInstance', 'closeStub'])).toEqual([]);
    expect(typeof m.dcom.Clsid).toBe('function');
    expect(m.constants.opc.dataSource).toEqual({ UNKNOWN: 0, CACHE: 1, DEVICE: 2 });
  });

  test('with --openssl-legacy-provider: a connect to a host without DCOM ends (timeout or refusal), it does not hang', async () => {
    const r = await runProbe(['--openssl-legacy-provider'], 1500);
    expect(r.connected).toBeUndefined();
    expect(['opcda_timeout', 'opcda_connect_failed']).toContain(r.code);
  });

  test('without it: opcda_backend_unavailable, naming the Node option', async () => {
    const r = await runProbe([], 1500);
    expect(r).toMatchObject({ code: 'opcda_backend_unavailable' });
    expect(r.message).toContain('--openssl-legacy-provider');
  });
});
