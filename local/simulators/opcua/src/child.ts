/**
 * The simulator as a child process, for tests that `kill -9` it and benchmarks that keep it off
 * the measured process. From dist/ the compiled main.js runs; from the sources main.ts is
 * bundled with esbuild into a temporary folder on first use, so tests need no `npm run build`
 * and never touch dist/; packages resolve from the repository's node_modules (NODE_PATH).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The node_modules folder holding node-opcua (walking up from here: works from the sources and from dist/). */
function nodeModulesDir(): string {
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, 'node_modules');
    if (fs.existsSync(path.join(candidate, 'node-opcua'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(__dirname, '..', '..', '..', '..', 'node_modules');
    dir = parent;
  }
}

const bundles = new Map<string, string>();

/**
 * A file `node` can run for the entry `base` (a path without extension): the compiled `base.js`
 * when running from dist/, else `base.ts` bundled with esbuild into a temporary folder (packages
 * stay external and resolve through NODE_PATH, see childEnv). Cached per process.
 */
export function runnableEntry(base: string): string {
  const ts = `${base}.ts`;
  const js = `${base}.js`;
  if (!fs.existsSync(ts) && fs.existsSync(js)) return js;
  const cached = bundles.get(ts);
  if (cached && fs.existsSync(cached)) return cached;
  // Required lazily: esbuild is a dev tool, not needed by the simulator itself.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof import('esbuild');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tributary-${path.basename(path.dirname(path.dirname(base)))}-`));
  const outfile = path.join(dir, 'main.js');
  esbuild.buildSync({ entryPoints: [ts], outfile, bundle: true, platform: 'node', target: 'node20', packages: 'external', format: 'cjs', logLevel: 'error' });
  bundles.set(ts, outfile);
  return outfile;
}

/** A process environment whose bare `require`s resolve in the repository's node_modules. */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const nodePath = [nodeModulesDir(), process.env.NODE_PATH].filter(Boolean).join(path.delimiter);
  return { ...process.env, NODE_PATH: nodePath, ...extra };
}

export interface ChildPlantServer {
  child: ChildProcess;
  pid: number;
  endpointUrl: string;
  port: number;
  certificateFile?: string;
  /** Resolves with the signal or `code N` once the process has exited. */
  exited: Promise<string>;
  output(): string;
  /** SIGTERM (or `signal`), then waits for the exit; SIGKILL after 5 s. */
  stop(signal?: NodeJS.Signals): Promise<string>;
}

/** Starts `tributary sim opcua` with `args` as a child process and waits until it listens (timeout 30 s). */
export async function spawnPlantServer(args: string[], timeoutMs = 30_000): Promise<ChildPlantServer> {
  const entry = runnableEntry(path.join(__dirname, 'main'));
  const child = spawn(process.execPath, [entry, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
  let out = '';
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? `code ${code}`)));
  const started = await new Promise<{ endpointUrl: string; port: number; certificateFile?: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`OPC UA simulator did not start within ${timeoutMs} ms: ${out.slice(-2000)}`));
    }, timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      for (const line of out.split('\n')) {
        if (!line.includes('OPC UA simulator listening.')) continue;
        try {
          const j = JSON.parse(line) as { endpointUrl: string; port: number; certificateFile?: string };
          clearTimeout(timer);
          resolve(j);
          return;
        } catch {
          // partial line: wait for more
        }
      }
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`OPC UA simulator exited (${how}): ${out.slice(-2000)}`));
    });
  });
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<string> => {
    if (child.exitCode !== null || child.signalCode !== null) return exited;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };
  return { child, pid: child.pid!, ...started, exited, output: () => out, stop };
}
