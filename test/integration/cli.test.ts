/**
 * The `tributary` command as a user runs it: `start` brings up the local chain and Ctrl-C
 * (SIGINT) stops it with every piece; `streams` shows what the stream manager holds.
 */
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { decodeBatch, type Sample } from '../../components/core/src/envelope';
import { StreamClient } from '../../components/core/src/stream-client';
import { freePort, REPO, tempDir } from '../helpers/stream-manager';

const run = promisify(execFile);
const BIN = path.join(REPO, 'bin', 'tributary.js');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('tributary start runs the chain, GPS and OBD samples reach their streams, SIGINT stops every piece', async () => {
  const dir = tempDir();
  const [port, obdPort, gpsPort] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(process.execPath, [BIN, 'start', '--port', String(port), '--obd-port', String(obdPort), '--gps-port', String(gpsPort), '--dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start-up table: ${out}`)), 15000);
      const check = setInterval(() => {
        if (out.includes('See the streams with')) {
          clearTimeout(timer);
          clearInterval(check);
          resolve();
        }
      }, 50);
    });
    const pids = [...out.matchAll(/^ {2}(\S+)\s+pid (\d+)/gm)].map((m) => [m[1], Number(m[2])] as const);
    expect(pids.map(([name]) => name)).toEqual(['stream-manager', 'sim-obd', 'sim-gps', 'gps-collector', 'obd-collector']);
    expect(out).toContain(`127.0.0.1:${port}`);
    expect(out).toContain(path.join(dir, 'logs', 'stream-manager.log'));

    const client = new StreamClient({ port });
    try {
      await client.ensureStream({ name: 'tributary.cli.test', strategyOnFull: 'RejectNewData' });
      await client.append('tributary.cli.test', Buffer.from('hello'));
      // The GPS chain runs: simulator → collector → stream manager.
      let gps: ReturnType<typeof decodeBatch> | undefined;
      for (let i = 0; i < 100 && !gps; i++) {
        const [m] = await client.read('tributary.gps.raw', { start: 0, max: 1 }).catch(() => []);
        if (m) gps = decodeBatch(m.payload);
        else await new Promise((r) => setTimeout(r, 100));
      }
      expect(gps?.ok).toBe(true);
      if (gps?.ok) expect(gps.samples.map((x) => x.name)).toEqual(expect.arrayContaining(['lat', 'lon', 'speed', 'fix']));
      // And the OBD chain: emulator → collector → stream manager, the VIN as device id.
      const obd: Sample[] = [];
      for (let i = 0; i < 100 && !obd.some((x) => x.name === 'rpm'); i++) {
        const messages = await client.read('tributary.obd.raw', { start: 0, max: 20 }).catch(() => []);
        obd.length = 0;
        for (const m of messages) {
          const d = decodeBatch(m.payload);
          if (d.ok) obd.push(...d.samples);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(obd.map((x) => x.name)).toEqual(expect.arrayContaining(['vin', 'rpm', 'speed', 'coolant_temp']));
      expect(obd[0].device).toMatch(/^[A-HJ-NPR-Z0-9]{17}$/);
    } finally {
      client.close();
    }
    const listed = await run(process.execPath, [BIN, 'streams', '--port', String(port)]);
    expect(listed.stdout).toMatch(/^STREAM\s+OLDEST\s+NEWEST\s+MESSAGES\s+BYTES/m);
    expect(listed.stdout).toMatch(/tributary\.cli\.test\s+0\s+0\s+1\s+29\s/);
    const json = JSON.parse((await run(process.execPath, [BIN, 'streams', '--port', String(port), '--json'])).stdout) as { name: string }[];
    expect(json.map((s) => s.name)).toEqual(expect.arrayContaining(['tributary.cli.test', 'tributary.gps.raw', 'tributary.obd.raw']));

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toContain('Stopped.');
    for (const [name, pid] of pids) expect([name, alive(pid)]).toEqual([name, false]);
    const log = fs.readFileSync(path.join(dir, 'logs', 'stream-manager.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { msg: string });
    expect(log.map((l) => l.msg)).toContain('Stream manager listening.');
    expect(log[log.length - 1].msg).toBe('Stopped.');
  } finally {
    // When an assertion failed: stop the chain as Ctrl-C would, and make sure no piece outlives the test.
    if (child.exitCode === null) {
      child.kill('SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 12000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    for (const m of out.matchAll(/^ {2}(\S+)\s+pid (\d+)/gm)) {
      if (alive(Number(m[2]))) process.kill(Number(m[2]), 'SIGKILL');
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('tributary reports bad usage and an unreachable stream manager with a non-zero exit', async () => {
  const bad = await run(process.execPath, [BIN, 'stream-manager', '--port', 'abc']).catch((e: { code: number; stderr: string }) => e);
  expect(bad).toMatchObject({ code: 2 });
  expect((bad as { stderr: string }).stderr).toContain('--port must be an integer in 0..65535; got "abc"');
  const port = await freePort();
  const down = await run(process.execPath, [BIN, 'streams', '--port', String(port)]).catch((e: { code: number; stderr: string }) => e);
  expect(down).toMatchObject({ code: 1 });
  expect((down as { stderr: string }).stderr).toMatch(/cannot connect to the stream manager at 127\.0\.0\.1:\d+: ECONNREFUSED/);
});
