/**
 * Serves the ELM327 emulator like a WiFi adapter (TCP) and, when Debian's `socat` is
 * installed, like a serial one (a pty linked to the TCP port). Each connection gets its own
 * adapter state (echo, headers, protocol...); all connections share one car and one fault
 * injector.
 *
 * Timing as on a real adapter: the echo goes out at once, the reply after `delayMs`; a
 * character received while an OBD request is in progress interrupts it with `STOPPED`, and
 * the interrupting command is dropped (LF and NUL do not interrupt: the ELM ignores them).
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import { existsSync } from 'fs';
import { AddressInfo, Server, Socket, createServer } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import type { Logger } from '../../../../components/core/src/logger';
import { Elm327Emulator, Elm327EmulatorOptions } from './emulator';
import { FaultInjector, FaultProbabilities } from './faults';
import { Vehicle } from './vehicle';

export interface Elm327ServerOptions extends Omit<Elm327EmulatorOptions, 'vehicle' | 'faults'> {
  /** Default 127.0.0.1. */
  host?: string;
  /** TCP port; 0 (default) takes a free one, read it from `port` after `start()`. */
  port?: number;
  /** Default: a new `Vehicle` on the system clock. */
  vehicle?: Vehicle;
  /** An injector, or probabilities for a new one (seeded with `faultSeed`). */
  faults?: FaultInjector | FaultProbabilities;
  faultSeed?: number;
  /**
   * Also serve over a pty through socat: `true` links it at a path in the temp directory, a
   * string links it at that path. Without socat the pty is skipped (`ptySkipReason` says why).
   */
  pty?: boolean | string;
  logger?: Logger;
}

interface Connection {
  readonly socket: Socket;
  readonly emulator: Elm327Emulator;
  buffer: string;
  /** The pending reply while an OBD request is "on the bus". */
  timer: NodeJS.Timeout | undefined;
  /** After STOPPED: drop input up to the next CR (the interrupting command). */
  discardToCr: boolean;
}

/** True when a chunk holds a character that would interrupt the ELM (not LF or NUL). */
function interrupts(data: string): boolean {
  return /[^\n\0]/.test(data);
}

/** Where `socat` is, or undefined. */
export function findSocat(): string | undefined {
  const r = spawnSync('sh', ['-c', 'command -v socat'], { encoding: 'utf8', timeout: 5000 });
  const path = r.status === 0 ? r.stdout.trim() : '';
  return path === '' ? undefined : path;
}

export class Elm327Server {
  readonly vehicle: Vehicle;
  readonly faults: FaultInjector;
  private readonly options: Elm327ServerOptions;
  private server: Server | undefined;
  private readonly connections = new Set<Connection>();
  private socat: ChildProcess | undefined;
  private boundPort = 0;
  private linkedPty: string | undefined;
  private skipReason: string | undefined;

  constructor(options: Elm327ServerOptions = {}) {
    this.options = options;
    this.vehicle = options.vehicle ?? new Vehicle();
    this.faults = options.faults instanceof FaultInjector ? options.faults : new FaultInjector(options.faults ?? {}, options.faultSeed ?? 1);
  }

  /** The TCP port (after `start()`). */
  get port(): number {
    return this.boundPort;
  }

  /** The pty path when socat serves one, else undefined. */
  get ptyPath(): string | undefined {
    return this.linkedPty;
  }

  /** Why the pty was not created (socat missing or failed), else undefined. */
  get ptySkipReason(): string | undefined {
    return this.skipReason;
  }

  /** Open TCP connections (the socat bridge counts as one). */
  get connectionCount(): number {
    return this.connections.size;
  }

  async start(): Promise<void> {
    if (this.server) return;
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (server.address() as AddressInfo).port;
    this.options.logger?.info('ELM327 emulator listening.', { port: this.boundPort, profile: this.options.profile ?? 'can' });
    if (this.options.pty) await this.startPty(typeof this.options.pty === 'string' ? this.options.pty : join(tmpdir(), `elm327-${process.pid}-${this.boundPort}`));
  }

  async stop(): Promise<void> {
    const socat = this.socat;
    this.socat = undefined;
    if (socat && socat.exitCode === null && socat.pid !== undefined) {
      const exited = new Promise<void>((resolve) => socat.once('exit', () => resolve()));
      socat.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    }
    this.linkedPty = undefined;
    for (const c of this.connections) {
      if (c.timer) clearTimeout(c.timer);
      c.socket.destroy();
    }
    this.connections.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    const { host: _h, port: _p, vehicle: _v, faults: _f, faultSeed: _s, pty: _y, logger: _l, ...emulatorOptions } = this.options;
    const c: Connection = {
      socket,
      emulator: new Elm327Emulator({ ...emulatorOptions, vehicle: this.vehicle, faults: this.faults }),
      buffer: '',
      timer: undefined,
      discardToCr: false,
    };
    this.connections.add(c);
    socket.setEncoding('latin1');
    socket.setNoDelay(true);
    socket.on('data', (data: string) => this.receive(c, data));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (c.timer) clearTimeout(c.timer);
      this.connections.delete(c);
    });
  }

  private write(c: Connection, text: string): void {
    if (text !== '' && !c.socket.destroyed) c.socket.write(text, 'latin1');
  }

  private receive(c: Connection, data: string): void {
    if (c.timer && interrupts(data)) this.interrupt(c);
    c.buffer += data;
    this.drain(c);
  }

  /** A character arrived during an OBD request: drop the answer, print STOPPED. */
  private interrupt(c: Connection): void {
    clearTimeout(c.timer);
    c.timer = undefined;
    this.write(c, c.emulator.settings.linefeeds ? 'STOPPED\r\n\r\n>' : 'STOPPED\r\r>');
    c.discardToCr = true;
  }

  /** Runs the complete command lines in the buffer while the adapter is idle. */
  private drain(c: Connection): void {
    while (!c.timer && !c.socket.destroyed) {
      const cr = c.buffer.indexOf('\r');
      if (c.discardToCr) {
        if (cr < 0) {
          c.buffer = '';
          return;
        }
        c.buffer = c.buffer.slice(cr + 1);
        c.discardToCr = false;
        continue;
      }
      if (cr < 0) return;
      const line = c.buffer.slice(0, cr);
      c.buffer = c.buffer.slice(cr + 1);
      const reply = c.emulator.handleLine(line);
      this.write(c, reply.echo);
      if (reply.close) {
        this.options.logger?.info('ELM327 emulator dropped a connection (fault).', { port: this.boundPort });
        c.socket.destroy();
        return;
      }
      if (reply.text === '') continue;
      if (reply.delayMs <= 0) {
        this.write(c, reply.text);
        continue;
      }
      c.timer = setTimeout(() => {
        c.timer = undefined;
        this.write(c, reply.text);
        this.drain(c);
      }, reply.delayMs);
      // Bytes that came in the same chunk after this command interrupt it at once.
      if (interrupts(c.buffer)) this.interrupt(c);
    }
  }

  private async startPty(link: string): Promise<void> {
    const socat = findSocat();
    if (socat === undefined) {
      this.skipReason = 'socat is not installed (Debian package "socat"); serving TCP only';
      this.options.logger?.warn('No pty for the ELM327 emulator: socat is not installed; serving TCP only.', { port: this.boundPort });
      return;
    }
    const child = spawn(socat, ['-d', '-d', `pty,raw,echo=0,link=${link}`, `tcp:127.0.0.1:${this.boundPort}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.socat = child;
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => (stderr = (stderr + d).slice(-2000)));
    child.on('exit', (code) => {
      if (this.socat === child) {
        this.options.logger?.warn('socat for the ELM327 pty exited.', { code, pty: link });
        this.socat = undefined;
        this.linkedPty = undefined;
      }
    });
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && child.exitCode === null && !existsSync(link)) await new Promise((r) => setTimeout(r, 50));
    if (existsSync(link) && child.exitCode === null) {
      this.linkedPty = link;
      this.options.logger?.info('ELM327 emulator serving a pty.', { pty: link, socatPid: child.pid });
      return;
    }
    this.skipReason = `socat did not create ${link}: ${stderr.trim().split('\n').pop() ?? 'no output'}`;
    if (child.exitCode === null) child.kill('SIGTERM');
    this.socat = undefined;
  }
}
