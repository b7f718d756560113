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
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { GetAssetPropertyValueCommand } from '@aws-sdk/client-iotsitewise';
import { localKinesisClient } from '../../local/kinesis/src/kinesis';
import { siteWiseClient } from '../../local/sitewise/src/client';
import { freePort, REPO, tempDir } from '../helpers/stream-manager';

jest.setTimeout(150_000);

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

test('tributary start runs the whole chain: samples reach the raw and out streams, Kinesis and SiteWise; SIGINT stops every piece', async () => {
  const dir = tempDir();
  const ports: Record<string, number> = {};
  for (const flag of ['port', 'obd-port', 'gps-port', 'opcua-port', 'kinesis-port', 'sitewise-port', 'mqtt-port']) ports[flag] = await freePort();
  const port = ports.port!;
  const args = Object.entries(ports).flatMap(([flag, p]) => [`--${flag}`, String(p)]);
  const child = spawn(process.execPath, [BIN, 'start', ...args, '--dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start-up table: ${out}`)), 60000);
      const check = setInterval(() => {
        if (out.includes('See the streams with')) {
          clearTimeout(timer);
          clearInterval(check);
          resolve();
        }
      }, 50);
    });
    const pids = [...out.matchAll(/^ {2}(\S+)\s+pid (\d+)/gm)].map((m) => [m[1], Number(m[2])] as const);
    expect(pids.map(([name]) => name)).toEqual([
      'stream-manager',
      'kinesis',
      'sitewise',
      'mqtt-broker',
      'sim-obd',
      'sim-gps',
      'sim-opcua',
      'gps-collector',
      'obd-collector',
      'opcua-collector',
      'opcda-collector',
      'aggregator',
      'publisher',
    ]);
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
      expect(obd[0].device).toBe('demo-vehicle');
      // The aggregator writes filtered telemetry (GPS-enriched) ...
      let telemetry: Sample[] = [];
      for (let i = 0; i < 150 && !telemetry.some((x) => x.name === 'rpm'); i++) {
        const messages = await client.read('tributary.out.telemetry', { start: 0, max: 50 }).catch(() => []);
        telemetry = messages.flatMap((m) => {
          const d = decodeBatch(m.payload);
          return d.ok ? d.samples : [];
        });
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(telemetry.find((x) => x.name === 'rpm')).toMatchObject({ device: 'demo-vehicle', source: 'obd' });
      // The plant side: the OPC UA collector (SignAndEncrypt, the simulator's certificate trusted) and the DA one.
      for (const stream of ['tributary.opcua.raw', 'tributary.opcda.raw']) {
        let plant: Sample[] = [];
        for (let i = 0; i < 300 && plant.length === 0; i++) {
          const messages = await client.read(stream, { start: 0, max: 5 }).catch(() => []);
          plant = messages.flatMap((m) => {
            const d = decodeBatch(m.payload);
            return d.ok ? d.samples : [];
          });
          if (plant.length === 0) await new Promise((r) => setTimeout(r, 100));
        }
        expect({ stream, alias: plant.find((x) => x.quality === 'GOOD')?.alias }).toEqual({ stream, alias: expect.stringMatching(/Site1|site/i) });
      }
    } finally {
      client.close();
    }
    // ... and the publisher delivers it to Kinesis and SiteWise.
    const kinesis = localKinesisClient(`http://127.0.0.1:${ports['kinesis-port']}`);
    const sitewise = siteWiseClient(`http://127.0.0.1:${ports['sitewise-port']}`);
    try {
      let kinesisRecords = 0;
      for (let i = 0; i < 150 && kinesisRecords === 0; i++) {
        for (const s of (await kinesis.send(new ListShardsCommand({ StreamName: 'tributary-telemetry' }))).Shards ?? []) {
          const it = (await kinesis.send(new GetShardIteratorCommand({ StreamName: 'tributary-telemetry', ShardId: s.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
          kinesisRecords += ((await kinesis.send(new GetRecordsCommand({ ShardIterator: it! }))).Records ?? []).length;
        }
        if (kinesisRecords === 0) await new Promise((r) => setTimeout(r, 100));
      }
      expect(kinesisRecords).toBeGreaterThan(0);
      let rpm: number | undefined;
      for (let i = 0; i < 150 && rpm === undefined; i++) {
        const v = await sitewise.send(new GetAssetPropertyValueCommand({ propertyAlias: '/demo-vehicle/rpm' })).catch(() => undefined);
        rpm = v?.propertyValue?.value?.doubleValue;
        if (rpm === undefined) await new Promise((r) => setTimeout(r, 100));
      }
      expect(typeof rpm).toBe('number');
    } finally {
      kinesis.destroy();
      sitewise.destroy();
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

test('a piece started over an IPC channel (as the runner starts them) stops cleanly when that channel closes, e.g. when the runner was SIGKILLed', async () => {
  const dir = tempDir();
  const child = spawn(process.execPath, [path.join(REPO, 'dist', 'local', 'cli', 'run.js'), 'stream-manager', '--port', '0', '--dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    for (let i = 0; i < 200 && !out.includes('Stream manager listening.'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(out).toContain('Stream manager listening.');
    child.disconnect();
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([exited, new Promise((r) => (timer = setTimeout(() => r('still running'), 10_000)))]);
    clearTimeout(timer);
    expect(outcome).toBe(0);
    expect(out).toContain('the parent process that started this one is gone');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

