/**
 * main.ts as a process (bundled with esbuild, dependencies from node_modules): a bad rule
 * expression exits 78 naming it; a good configuration runs against the local stream manager and
 * stops cleanly on SIGTERM with a checkpoint.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { StreamClient, encodeBatch } from '../../core/src';
import { REPO, startStreamManager, tempDir } from '../../../test/helpers/stream-manager';
import { waitFor } from '../../../test/helpers/wait';
import { T0, readAllSamples, sample } from './testing/fixtures';

let dir: string;
let bundle: string;

beforeAll(() => {
  dir = tempDir('tributary-aggregator-main-');
  bundle = path.join(dir, 'main.js');
  buildSync({ entryPoints: [path.join(__dirname, 'main.ts')], bundle: true, platform: 'node', target: 'node20', packages: 'external', outfile: bundle, logLevel: 'silent' });
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string> = {}): { exited: Promise<number | null>; output: () => string; kill: (s: NodeJS.Signals) => void } {
  const child = spawn(process.execPath, [bundle, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', NODE_PATH: path.join(REPO, 'node_modules'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { exited, output: () => out, kill: (s) => child.kill(s) };
}

test('a bad rule expression exits 78 and names the path and the expression', async () => {
  const file = path.join(dir, 'bad.yaml');
  fs.writeFileSync(file, 'events:\n  rules:\n    - id: speeding\n      when: "speed >> 120"\n');
  const p = run(['--config', file]);
  expect(await p.exited).toBe(78);
  const line = p.output().split('\n').find((l) => l.includes('Invalid configuration'))!;
  expect(JSON.parse(line)).toMatchObject({ level: 'error', problems: [expect.stringMatching(/^\/events\/rules\/0\/when: invalid expression speed >> 120: .*column \d+$/)] });
});

test('runs against the local stream manager and stops on SIGTERM with a checkpoint', async () => {
  const sm = await startStreamManager({ dir: path.join(dir, 'sm') });
  const client = new StreamClient({ port: sm.port });
  const file = path.join(dir, 'good.yaml');
  fs.writeFileSync(file, 'inputs: [tributary.obd.raw]\nread:\n  idleWaitMs: 20\nhealthIntervalMs: 1000\n');
  const p = run(['--config', file], { STREAM_MANAGER_SERVER_PORT: String(sm.port) });
  try {
    await client.ensureStream({ name: 'tributary.obd.raw', strategyOnFull: 'OverwriteOldestData', maxSize: 1 << 20 });
    await client.append('tributary.obd.raw', encodeBatch([sample({ name: 'rpm', value: 900, ts: T0 })]));
    await waitFor(async () => (await readAllSamples(client, 'tributary.out.telemetry')).length === 1, 10_000, 'telemetry written').catch((e: Error) => {
      throw new Error(`${e.message}\n${p.output()}`);
    });
    p.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    const state = JSON.parse(fs.readFileSync(path.join(dir, 'checkpoints', 'state.json'), 'utf8')) as { value: { positions: Record<string, number> } };
    expect(state.value.positions).toEqual({ 'tributary.obd.raw': 1 });
  } finally {
    p.kill('SIGKILL');
    await p.exited;
    client.close();
    await sm.close();
  }
});
