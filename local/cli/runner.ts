/**
 * The local chain behind `tributary start` (and `npm start`): every piece runs as its own
 * process, as it would on a device, with its log in a file. Pieces that exit on their own
 * are restarted with capped backoff (as the Greengrass nucleus would); Ctrl-C stops them all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { Backoff } from '../../components/core/src/backoff';

export interface Piece {
  /** Short name, also the log file name. */
  name: string;
  /** What the operator should know: where it listens, what it reads or writes. */
  describe: string;
  /** Node script and its arguments. */
  script: string;
  args: string[];
  env?: Record<string, string>;
  /** Resolves when the piece is ready to serve (e.g. its port accepts connections). */
  ready?: () => Promise<void>;
}

interface Running {
  piece: Piece;
  child?: ChildProcess;
  backoff: Backoff;
  restartTimer?: NodeJS.Timeout;
  restarts: number;
}

export class LocalRunner {
  private running: Running[] = [];
  private stopping = false;

  constructor(
    private readonly logDir: string,
    private readonly out: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
  ) {}

  logFile(name: string): string {
    return path.join(this.logDir, `${name}.log`);
  }

  /** Start the pieces in order, each after the one before is ready. */
  async start(pieces: Piece[]): Promise<void> {
    fs.mkdirSync(this.logDir, { recursive: true });
    for (const piece of pieces) {
      const r: Running = { piece, backoff: new Backoff({ initialMs: 1000, maxMs: 30000 }), restarts: 0 };
      this.running.push(r);
      this.spawn(r);
      if (piece.ready) await piece.ready();
    }
  }

  private spawn(r: Running): void {
    if (this.stopping) return;
    const log = fs.openSync(this.logFile(r.piece.name), 'a');
    const child = spawn(process.execPath, [r.piece.script, ...r.piece.args], {
      // The IPC channel is how a child notices that the runner is gone, even after a SIGKILL of
      // the runner: it closes, and the child stops as on SIGTERM (core runUntilSignal).
      stdio: ['ignore', log, log, 'ipc'],
      env: { ...process.env, ...r.piece.env },
    });
    fs.closeSync(log);
    r.child = child;
    const startedAt = Date.now();
    child.on('exit', (code, signal) => {
      r.child = undefined;
      if (this.stopping) return;
      if (Date.now() - startedAt > 60000) r.backoff.reset();
      const delay = r.backoff.next();
      r.restarts++;
      this.out(`! ${r.piece.name} exited (${signal ?? `code ${code}`}); restarting in ${Math.round(delay / 100) / 10} s — see ${this.logFile(r.piece.name)}`);
      r.restartTimer = setTimeout(() => this.spawn(r), delay);
    });
  }

  /** SIGTERM every piece (last started first), SIGKILL what is still there after `graceMs`. */
  async stop(graceMs = 10000): Promise<void> {
    this.stopping = true;
    for (const r of [...this.running].reverse()) {
      if (r.restartTimer) clearTimeout(r.restartTimer);
      const child = r.child;
      if (!child || child.exitCode !== null) continue;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
  }

  pids(): Record<string, number | undefined> {
    return Object.fromEntries(this.running.map((r) => [r.piece.name, r.child?.pid]));
  }
}

/** True when host:port accepts a TCP connection. */
export function portAnswers(host: string, port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const s = net.createConnection({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Resolves once host:port accepts a TCP connection; rejects after `timeoutMs`. */
export async function waitForPort(host: string, port: number, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await portAnswers(host, port)) return;
    if (Date.now() > deadline) throw new Error(`nothing is listening on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
