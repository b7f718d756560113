/**
 * `tributary`: the local tool.
 *
 *   tributary stream-manager [--port 8088] [--host 127.0.0.1] [--dir D] [--auth-token T]
 *   tributary streams [--port 8088] [--host 127.0.0.1] [--json]
 *   tributary start [--port 8088] [--dir .tributary]
 *   tributary sim obd|gps [options]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runUntilSignal } from '../../components/core/src/lifecycle';
import { createLogger } from '../../components/core/src/logger';
import { LocalStreamManager } from '../stream-manager/src/server';
import { intFlag, parseFlags, UsageError } from './args';
import { LocalRunner, portAnswers, waitForPort, type Piece } from './runner';
import { formatStreams, listStreams } from './streams-command';
import { runElm327Emulator } from '../simulators/elm327/src/main';
import { runNmeaSimulator } from '../simulators/nmea/main';

const USAGE = `usage:
  tributary stream-manager [--port 8088] [--host 127.0.0.1] [--dir DIR] [--auth-token TOKEN]
      Run the local, wire-compatible stream manager in the foreground (File streams persist under DIR).
  tributary streams [--port 8088] [--host 127.0.0.1] [--json]
      List the streams of a running stream manager with their sequence numbers and size.
  tributary start [--port 8088] [--dir .tributary] [--obd-port 35000] [--gps-port 10110]
      Run the local chain: the stream manager and every component and simulator, logs under DIR/logs.
  tributary sim obd [--port 35000] [--profile can|legacy] [--latency 50] [--faults noData=0.05,...] [--pty [PATH]]
      The ELM327 emulator (a car on a driving cycle) over TCP, like a WiFi adapter.
  tributary sim gps [--port 10110] [--rate 1] [--faults] [--pty]
      The NMEA source (a car driving a route) over TCP.
`;

const DEFAULT_PORT = Number.parseInt(process.env.STREAM_MANAGER_SERVER_PORT ?? '8088', 10) || 8088;

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'stream-manager':
        return await streamManager(rest);
      case 'streams':
        return await streams(rest);
      case 'start':
        return await start(rest);
      case 'sim':
        return await sim(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`tributary: ${err.message}\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`tributary: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}

async function streamManager(argv: string[]): Promise<void> {
  const flags = parseFlags(argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    dir: { type: 'string' },
    'auth-token': { type: 'string' },
  });
  const logger = createLogger({ component: 'stream-manager' });
  const dir = path.resolve(String(flags.dir ?? path.join('.tributary', 'stream-manager')));
  const authToken = (flags['auth-token'] as string | undefined) ?? process.env.STREAM_MANAGER_AUTH_TOKEN;
  const sm = new LocalStreamManager({
    port: intFlag(flags, 'port', DEFAULT_PORT),
    host: String(flags.host ?? '127.0.0.1'),
    dir,
    ...(authToken ? { authToken } : {}),
    logger,
  });
  await runUntilSignal({
    logger,
    start: () => sm.start(),
    stop: async () => {
      await sm.close();
      logger.info('Stream manager stopped; File streams are on disk.', { dir });
    },
  });
}

async function sim(argv: string[]): Promise<void> {
  const [which, ...rest] = argv;
  if (which === 'obd') {
    await runElm327Emulator(rest);
    return;
  }
  if (which === 'gps') {
    await runNmeaSimulator(rest);
    return;
  }
  throw new UsageError(`tributary sim needs "obd" or "gps", not ${JSON.stringify(which ?? '')}`);
}

async function streams(argv: string[]): Promise<void> {
  const flags = parseFlags(argv, { port: { type: 'string' }, host: { type: 'string' }, json: { type: 'boolean' } });
  const list = await listStreams(String(flags.host ?? '127.0.0.1'), intFlag(flags, 'port', DEFAULT_PORT));
  process.stdout.write(flags.json ? `${JSON.stringify(list, null, 2)}\n` : formatStreams(list));
}

async function start(argv: string[]): Promise<void> {
  const flags = parseFlags(argv, { port: { type: 'string' }, dir: { type: 'string' }, 'obd-port': { type: 'string' }, 'gps-port': { type: 'string' } });
  const port = intFlag(flags, 'port', DEFAULT_PORT, 1);
  const dir = path.resolve(String(flags.dir ?? '.tributary'));
  const host = '127.0.0.1';
  const obdPort = intFlag(flags, 'obd-port', 35000, 1);
  const gpsPort = intFlag(flags, 'gps-port', 10110, 1);
  for (const [what, p] of [
    ['the stream manager', port],
    ['the ELM327 emulator', obdPort],
    ['the NMEA source', gpsPort],
  ] as const) {
    if (await portAnswers(host, p)) {
      throw new Error(`something already listens on ${host}:${p}, wanted for ${what}; stop it or pass another port (--port, --obd-port, --gps-port)`);
    }
  }
  const cli = path.join(__dirname, 'run.js');
  const configDir = path.join(dir, 'config');
  fs.mkdirSync(configDir, { recursive: true });
  const componentEnv = { STREAM_MANAGER_SERVER_PORT: String(port) };
  const gpsConfig = writeConfig(configDir, 'gps-collector', {
    deviceId: 'demo-vehicle',
    source: { type: 'nmea-tcp', host, port: gpsPort },
    rateHz: 1,
  });
  const obdConfig = writeConfig(configDir, 'obd-collector', {
    adapter: { type: 'tcp', host, port: obdPort },
  });
  const pieces: Piece[] = [
    {
      name: 'stream-manager',
      describe: `local stream manager on ${host}:${port}, File streams under ${path.join(dir, 'stream-manager')}`,
      script: cli,
      args: ['stream-manager', '--port', String(port), '--host', host, '--dir', path.join(dir, 'stream-manager')],
      ready: () => waitForPort(host, port),
    },
    {
      name: 'sim-obd',
      describe: `ELM327 emulator (CAN car on a driving cycle, 50 ms ECU latency) on ${host}:${obdPort}`,
      script: cli,
      args: ['sim', 'obd', '--port', String(obdPort), '--host', host],
      ready: () => waitForPort(host, obdPort),
    },
    {
      name: 'sim-gps',
      describe: `NMEA source (a car driving a route, 1 Hz) on ${host}:${gpsPort}`,
      script: cli,
      args: ['sim', 'gps', '--port', String(gpsPort), '--host', host],
      ready: () => waitForPort(host, gpsPort),
    },
    {
      name: 'gps-collector',
      describe: `com.tributary.GpsCollector: NMEA from ${host}:${gpsPort} → tributary.gps.raw (config ${gpsConfig})`,
      script: path.join(__dirname, '..', '..', 'components', 'gps-collector', 'src', 'main.js'),
      args: ['--config', gpsConfig],
      env: componentEnv,
    },
    {
      name: 'obd-collector',
      describe: `com.tributary.ObdCollector: ELM327 at ${host}:${obdPort} → tributary.obd.raw, events → tributary.obd.events (config ${obdConfig})`,
      script: path.join(__dirname, '..', '..', 'components', 'obd-collector', 'src', 'main.js'),
      args: ['--config', obdConfig],
      env: componentEnv,
    },
  ];
  const runner = new LocalRunner(path.join(dir, 'logs'));
  const out = (l: string): void => void process.stdout.write(`${l}\n`);
  out(`Tributary local chain (stop with Ctrl-C)`);
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    out('Stopping…');
    clearInterval(status);
    await runner.stop();
    out('Stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  await runner.start(pieces);
  const pids = runner.pids();
  for (const p of pieces) out(`  ${p.name.padEnd(16)} pid ${String(pids[p.name]).padEnd(8)} ${p.describe}\n  ${''.padEnd(16)} log ${runner.logFile(p.name)}`);
  out(`\nSee the streams with: npx tributary streams --port ${port}`);
  const status = setInterval(() => {
    listStreams(host, port)
      .then((list) => {
        if (list.length === 0) return;
        out(`[${new Date().toISOString()}] ${list.map((s) => `${s.name} #${s.oldest}..${s.newest} ${s.totalBytes} B`).join(' | ')}`);
      })
      .catch((err: Error) => out(`[${new Date().toISOString()}] stream manager not answering: ${err.message}`));
  }, 30000);
}

/** A component's local config file for the chain (JSON, which the YAML loader reads too). */
function writeConfig(dir: string, name: string, config: Record<string, unknown>): string {
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  return file;
}
