/**
 * NMEA source for local runs and tests: drives a route and serves NMEA 0183 (GGA, RMC, VTG, GSA,
 * GSV) over TCP, and over a pty when socat is installed, with fault injection.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_ROUTE, Route, type Waypoint } from './route';
import { epochSentences } from './sentences';

export interface Faults {
  /** Share of sentences sent with a wrong checksum (0–1). */
  badChecksumRate?: number;
  /** Share of sentences cut short (0–1). */
  truncateRate?: number;
  /** Share of epochs preceded by random garbage bytes (0–1). */
  garbageRate?: number;
  /** Loss of fix: every `everyEpochs` epochs, `forEpochs` epochs without a fix. */
  lossOfFix?: { everyEpochs: number; forEpochs: number };
}

export interface NmeaSimulatorOptions {
  /** Default 0: any free port. */
  port?: number;
  host?: string;
  rateHz?: number;
  route?: Waypoint[];
  /** m/s; default 13.9 (50 km/h). */
  speed?: number;
  /** Start of GPS time; default the wall clock at start(). */
  startTime?: Date;
  /** Talker id; default GP (GN for multi-constellation receivers). */
  talker?: string;
  faults?: Faults;
  /** Seed of the fault RNG, for repeatable runs. */
  seed?: number;
  /** Also serve on a pty through socat (when installed). Default false. */
  pty?: boolean;
}

export class NmeaSimulator {
  private readonly opts: Required<Omit<NmeaSimulatorOptions, 'startTime' | 'faults' | 'seed' | 'pty'>> & NmeaSimulatorOptions;
  private readonly route: Route;
  private server?: net.Server;
  private readonly clients = new Set<net.Socket>();
  private timer?: NodeJS.Timeout;
  private epoch = 0;
  private startMs = 0;
  private rngState: number;
  private socat?: ChildProcess;
  private ptyWriter?: fs.WriteStream;
  /** The port it listens on (after start()). */
  port = 0;
  /** The pty a serial client opens (after start() with pty: true and socat installed). */
  ptyPath?: string;
  /** Sentences sent so far (to all clients). */
  sent = 0;
  /** Faults injected so far. */
  readonly injected = { badChecksum: 0, truncated: 0, garbage: 0, noFixEpochs: 0 };

  constructor(options: NmeaSimulatorOptions = {}) {
    this.opts = { port: 0, host: '127.0.0.1', rateHz: 1, route: DEFAULT_ROUTE, speed: 13.9, talker: 'GP', ...options };
    this.route = new Route(this.opts.route);
    this.rngState = (options.seed ?? 1) >>> 0 || 1;
    this.startMs = (options.startTime ?? new Date()).getTime();
  }

  async start(): Promise<void> {
    if (!this.opts.startTime) this.startMs = Date.now();
    this.server = net.createServer((socket) => {
      this.clients.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => this.clients.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.opts.port, this.opts.host, () => resolve());
    });
    this.port = (this.server.address() as net.AddressInfo).port;
    if (this.opts.pty) await this.startPty();
    const period = Math.round(1000 / this.opts.rateHz);
    this.timer = setInterval(() => this.step(), period);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const c of this.clients) c.destroy();
    this.ptyWriter?.destroy();
    if (this.socat && this.socat.exitCode === null) {
      const exited = new Promise((r) => this.socat!.once('exit', r));
      this.socat.kill('SIGTERM');
      await exited;
    }
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  get connections(): number {
    return this.clients.size;
  }

  /** The lines of the next epoch (faults applied); exposed for tests. */
  nextEpoch(): string[] {
    const n = this.epoch++;
    const tMs = this.startMs + Math.round((n * 1000) / this.opts.rateHz);
    const f = this.opts.faults ?? {};
    const lof = f.lossOfFix;
    const fix = !(lof && lof.everyEpochs > 0 && n % lof.everyEpochs >= lof.everyEpochs - lof.forEpochs);
    if (!fix) this.injected.noFixEpochs++;
    const pos = this.route.at((this.opts.speed * (tMs - this.startMs)) / 1000);
    const lines = epochSentences({
      time: new Date(tMs),
      fix,
      lat: pos.lat,
      lon: pos.lon,
      altMsl: 520 + 5 * Math.sin(n / 30),
      geoidSep: 47.3,
      speed: this.opts.speed,
      heading: pos.heading,
      satellites: 9,
      hdop: 0.9,
      talker: this.opts.talker,
    }).map((l) => this.fault(l, f));
    if (f.garbageRate && this.rng() < f.garbageRate) {
      this.injected.garbage++;
      lines.unshift(Array.from({ length: 1 + Math.floor(this.rng() * 40) }, () => String.fromCharCode(Math.floor(this.rng() * 256))).join(''));
    }
    return lines;
  }

  private fault(line: string, f: Faults): string {
    if (f.badChecksumRate && this.rng() < f.badChecksumRate) {
      this.injected.badChecksum++;
      const sum = line.slice(-2);
      const wrong = ((parseInt(sum, 16) + 1) & 0xff).toString(16).toUpperCase().padStart(2, '0');
      return line.slice(0, -2) + wrong;
    }
    if (f.truncateRate && this.rng() < f.truncateRate) {
      this.injected.truncated++;
      return line.slice(0, Math.floor(line.length * (0.2 + 0.6 * this.rng())));
    }
    return line;
  }

  private step(): void {
    const text = this.nextEpoch().join('\r\n') + '\r\n';
    this.sent += text.split('\r\n').length - 1;
    const data = Buffer.from(text, 'latin1');
    for (const c of this.clients) c.write(data);
    this.ptyWriter?.write(data);
  }

  /** xorshift32 in [0, 1). */
  private rng(): number {
    let x = this.rngState;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rngState = x >>> 0;
    return this.rngState / 0x100000000;
  }

  private async startPty(): Promise<void> {
    if (!socatAvailable()) return;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-nmea-'));
    const inner = path.join(dir, 'sim');
    const outer = path.join(dir, 'gps');
    this.socat = spawn('socat', [`pty,raw,echo=0,link=${inner}`, `pty,raw,echo=0,link=${outer}`], { stdio: 'ignore' });
    const end = Date.now() + 3000;
    while (!(fs.existsSync(inner) && fs.existsSync(outer))) {
      if (Date.now() > end || this.socat.exitCode !== null) throw new Error('socat did not create the pty pair');
      await new Promise((r) => setTimeout(r, 20));
    }
    this.ptyWriter = fs.createWriteStream(inner);
    this.ptyWriter.on('error', () => undefined);
    this.ptyPath = outer;
  }
}

/** Whether socat (Debian package) is installed. */
export function socatAvailable(): boolean {
  return spawnSync('which', ['socat'], { stdio: 'ignore' }).status === 0;
}
