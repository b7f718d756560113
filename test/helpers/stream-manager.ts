/**
 * Test peers: the local stream manager (in this process, or as a child process that can be
 * killed with SIGKILL) and the official client connected to it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { StreamManagerClient } from 'aws-greengrass-core-sdk/stream-manager';
import { LocalStreamManager, type StreamManagerOptions } from '../../local/stream-manager/src/server';

export const REPO = path.resolve(__dirname, '..', '..');

export function tempDir(prefix = 'tributary-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function startStreamManager(opts: StreamManagerOptions = {}): Promise<LocalStreamManager> {
  const sm = new LocalStreamManager({ port: 0, ...opts });
  await sm.start();
  return sm;
}

const quiet = { error() {}, warn() {}, info() {}, debug() {} };

/** The official client, connected (rejects if the connection fails). */
export async function officialClient(port: number): Promise<StreamManagerClient> {
  return new Promise((resolve, reject) => {
    let c: StreamManagerClient | undefined = undefined;
    const failed = (e: unknown): void => reject(e);
    c = new StreamManagerClient({ port, logger: quiet, onConnectCb: () => resolve(c!), onErrorCb: failed });
  });
}

export interface ChildStreamManager {
  child: ChildProcess;
  port: number;
  /** Resolves with the exit code or signal. */
  exited: Promise<string>;
  output: () => string;
}

/** The stream manager as its own process (the compiled CLI), for kill -9 tests. */
export async function spawnStreamManager(dir: string, port = 0): Promise<ChildStreamManager> {
  const entry = path.join(REPO, 'dist', 'local', 'cli', 'run.js');
  if (!fs.existsSync(entry)) throw new Error(`${entry} is missing: run "npm run build" first (npm test does)`);
  const child = spawn(process.execPath, [entry, 'stream-manager', '--port', String(port), '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? `code ${code}`)));
  const found = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stream manager did not start: ${out}`)), 10000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /"msg":"Stream manager listening\.".*?"port":(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    void exited.then((how) => reject(new Error(`stream manager exited (${how}): ${out}`)));
  });
  return { child, port: found, exited, output: () => out };
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
