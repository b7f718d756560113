/**
 * `tributary`: the local tool.
 *
 *   tributary stream-manager [--port 8088] [--host 127.0.0.1] [--dir D] [--auth-token T]
 *   tributary streams [--port 8088] [--host 127.0.0.1] [--json]
 *   tributary start [--port 8088] [--dir .tributary]
 *   tributary sim obd|gps|opcua [options]
 *   tributary kinesis | sitewise | mqtt-broker [options]
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
import { runKinesis, DEFAULT_KINESIS_PORT } from '../kinesis/src/main';
import { runSiteWise, DEFAULT_SITEWISE_PORT } from '../sitewise/src/main';
import { runMqttBroker, DEFAULT_MQTT_BROKER_PORT } from '../mqtt-broker/src/main';
// The OPC UA simulator (node-opcua) and the SiteWise provisioner (AWS SDK) are loaded only when
// used: they are heavy and print warnings at import.
type ProvisionModule = typeof import('../../deploy/sitewise/src/main');
type OpcUaSimulatorModule = typeof import('../simulators/opcua/src/main');
type ModelsModule = typeof import('../../deploy/sitewise/src/models-command');

const USAGE = `usage:
  tributary stream-manager [--port 8088] [--host 127.0.0.1] [--dir DIR] [--auth-token TOKEN]
      Run the local, wire-compatible stream manager in the foreground (File streams persist under DIR).
  tributary streams [--port 8088] [--host 127.0.0.1] [--json]
      List the streams of a running stream manager with their sequence numbers and size.
  tributary start [--port 8088] [--dir .tributary] [--obd-port 35000] [--gps-port 10110] [--opcua-port 4840]
                  [--kinesis-port 4567] [--sitewise-port 4523] [--mqtt-port 8883]
      Run the local chain: the stream manager, the simulators, every component, and the local
      stand-ins for Kinesis, SiteWise and IoT Core; logs under DIR/logs.
  tributary sim obd [--port 35000] [--profile can|legacy] [--latency 50] [--faults noData=0.05,...] [--pty [PATH]]
      The ELM327 emulator (a car on a driving cycle) over TCP, like a WiFi adapter.
  tributary sim gps [--port 10110] [--rate 1] [--faults] [--pty]
      The NMEA source (a car driving a route) over TCP.
  tributary sim opcua [--port 4840] [--tags 60] [--rate 1] [--security none|secure|both] [--pki DIR]
      The OPC UA plant simulator (site/area/line/machine tags and DA-style items).
  tributary kinesis [--port 4567] [--dir DIR] [--stream NAME[:SHARDS]]...
      Local Kinesis Data Streams (kinesalite); data kept under DIR when given.
  tributary sitewise [--port 4523] [--data-file FILE] [--activation-delay 50]
      Local AWS IoT SiteWise service (models, assets, aliases, BatchPut with the real validation).
  tributary mqtt-broker [--port 8883] [--cert-dir DIR] [--client-cn NAME]
      Local MQTT broker with TLS client-certificate auth (certificates generated in DIR).
  tributary models [--endpoint http://127.0.0.1:4523 | --aws] [--region R] [--asset NAME] [--no-values] [--json]
      The SiteWise models and asset tree with each property's alias and latest value (local SiteWise by default).
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
      case 'kinesis':
        return await runKinesis(rest);
      case 'sitewise':
        return await runSiteWise(rest);
      case 'mqtt-broker':
        return await runMqttBroker(rest);
      case 'models': {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { runModels } = require('../../deploy/sitewise/src/models-command') as ModelsModule;
        process.exitCode = await runModels(rest);
        return;
      }
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
  if (which === 'opcua') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { runOpcUaSimulator } = require('../simulators/opcua/src/main') as OpcUaSimulatorModule;
    process.exitCode = await runOpcUaSimulator(rest);
    return;
  }
  throw new UsageError(`tributary sim needs "obd", "gps" or "opcua", not ${JSON.stringify(which ?? '')}`);
}

async function streams(argv: string[]): Promise<void> {
  const flags = parseFlags(argv, { port: { type: 'string' }, host: { type: 'string' }, json: { type: 'boolean' } });
  const list = await listStreams(String(flags.host ?? '127.0.0.1'), intFlag(flags, 'port', DEFAULT_PORT));
  process.stdout.write(flags.json ? `${JSON.stringify(list, null, 2)}\n` : formatStreams(list));
}

async function start(argv: string[]): Promise<void> {
  const flags = parseFlags(argv, {
    port: { type: 'string' },
    dir: { type: 'string' },
    'obd-port': { type: 'string' },
    'gps-port': { type: 'string' },
    'opcua-port': { type: 'string' },
    'kinesis-port': { type: 'string' },
    'sitewise-port': { type: 'string' },
    'mqtt-port': { type: 'string' },
  });
  const port = intFlag(flags, 'port', DEFAULT_PORT, 1);
  const dir = path.resolve(String(flags.dir ?? '.tributary'));
  const host = '127.0.0.1';
  const obdPort = intFlag(flags, 'obd-port', 35000, 1);
  const gpsPort = intFlag(flags, 'gps-port', 10110, 1);
  const opcuaPort = intFlag(flags, 'opcua-port', 4840, 1);
  const kinesisPort = intFlag(flags, 'kinesis-port', DEFAULT_KINESIS_PORT, 1);
  const sitewisePort = intFlag(flags, 'sitewise-port', DEFAULT_SITEWISE_PORT, 1);
  const mqttPort = intFlag(flags, 'mqtt-port', DEFAULT_MQTT_BROKER_PORT, 1);
  for (const [what, p, flag] of [
    ['the stream manager', port, '--port'],
    ['the ELM327 emulator', obdPort, '--obd-port'],
    ['the NMEA source', gpsPort, '--gps-port'],
    ['the OPC UA simulator', opcuaPort, '--opcua-port'],
    ['local Kinesis', kinesisPort, '--kinesis-port'],
    ['local SiteWise', sitewisePort, '--sitewise-port'],
    ['the MQTT broker', mqttPort, '--mqtt-port'],
  ] as const) {
    if (await portAnswers(host, p)) {
      throw new Error(`something already listens on ${host}:${p}, wanted for ${what}; stop it or pass another port (${flag})`);
    }
  }
  const cli = path.join(__dirname, 'run.js');
  const components = path.join(__dirname, '..', '..', 'components');
  const configDir = path.join(dir, 'config');
  fs.mkdirSync(configDir, { recursive: true });
  const componentEnv = { STREAM_MANAGER_SERVER_PORT: String(port) };
  const vehicle = 'demo-vehicle';
  const gpsDevice = `${vehicle}/gps`;
  const kinesisStream = 'tributary-telemetry';
  const certDir = path.join(dir, 'mqtt-certs');
  const local = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  const gpsConfig = writeConfig(configDir, 'gps-collector', {
    deviceId: gpsDevice,
    source: { type: 'nmea-tcp', host, port: gpsPort },
    rateHz: 1,
  });
  const obdConfig = writeConfig(configDir, 'obd-collector', {
    deviceId: vehicle,
    adapter: { type: 'tcp', host, port: obdPort },
  });
  const opcdaConfig = writeConfig(configDir, 'opcda-collector', {
    machine: 'da-sim',
    tags: ['Random.*', 'Saw-toothed Waves.*', 'Bucket Brigade.*', 'Channel1.Device1.*', 'Quality.*'],
    pollIntervalMs: 1000,
    uaWrapper: { endpointUrl: `opc.tcp://${host}:${opcuaPort}`, securityMode: 'None', securityPolicy: 'None', pkiDir: path.join(dir, 'opcda-collector', 'pki') },
  });
  const opcuaPki = path.join(dir, 'sim-opcua', 'pki');
  const opcuaConfig = writeConfig(configDir, 'opcua-collector', {
    endpointUrl: `opc.tcp://${host}:${opcuaPort}`,
    security: { pkiDir: path.join(dir, 'opcua-collector', 'pki'), trustedServerCertificates: [path.join(opcuaPki, 'own', 'certs', 'certificate.pem')] },
    nodeFilters: ['/Site1/**'],
    defaultGroup: { samplingIntervalMs: 0 },
  });
  const aggregatorConfig = writeConfig(configDir, 'aggregator', {
    checkpoint: { dir: path.join(dir, 'aggregator', 'checkpoints') },
    enrichment: { gpsDevice },
  });
  const publisherConfig = writeConfig(configDir, 'publisher', {
    destinations: [
      { type: 'kinesis', name: 'kinesis', streamName: kinesisStream, endpoint: `http://${host}:${kinesisPort}`, ...local },
      { type: 'sitewise', name: 'sitewise', endpoint: `http://${host}:${sitewisePort}`, ...local },
      {
        type: 'iotcore',
        name: 'iotcore',
        mode: 'mqtt',
        endpoint: host,
        port: mqttPort,
        clientId: 'tributary-local',
        certFile: path.join(certDir, 'client.crt'),
        keyFile: path.join(certDir, 'client.key'),
        caFile: path.join(certDir, 'ca.crt'),
        topic: 'tributary/{device}/{source}',
      },
    ],
    routes: [
      { name: 'critical-kinesis', streams: ['tributary.out.critical'], destination: 'kinesis', priority: 'critical' },
      { name: 'critical-iotcore', streams: ['tributary.out.critical'], destination: 'iotcore', priority: 'critical' },
      { name: 'telemetry-kinesis', streams: ['tributary.out.telemetry'], destination: 'kinesis', priority: 'telemetry' },
      { name: 'telemetry-sitewise', streams: ['tributary.out.telemetry'], destination: 'sitewise', priority: 'telemetry' },
      { name: 'summary-kinesis', streams: ['tributary.out.summary'], destination: 'kinesis', priority: 'bulk' },
    ],
    checkpointDir: path.join(dir, 'publisher', 'checkpoints'),
  });
  const provisionSiteWise = async (): Promise<void> => {
    // The SDK's notice that its 2027 releases need Node 22 would land in the middle of the chain's
    // listing; the components still log it once each.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const lines: string[] = [];
    const io = { out: (l: string) => void lines.push(l), err: (l: string) => void lines.push(l), env: process.env };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { runProvision } = require('../../deploy/sitewise/src/main') as ProvisionModule;
    const code = await runProvision(['--endpoint', `http://${host}:${sitewisePort}`, '--region', 'us-east-1', '--vehicles', `${vehicle}=${gpsDevice}`, '--plant', 'default'], io);
    if (code !== 0) throw new Error(`SiteWise provisioning failed: ${lines.join(' | ')}`);
  };
  const pieces: Piece[] = [
    {
      name: 'stream-manager',
      describe: `local stream manager on ${host}:${port}, File streams under ${path.join(dir, 'stream-manager')}`,
      script: cli,
      args: ['stream-manager', '--port', String(port), '--host', host, '--dir', path.join(dir, 'stream-manager')],
      ready: () => waitForPort(host, port),
    },
    {
      name: 'kinesis',
      describe: `local Kinesis (kinesalite) on http://${host}:${kinesisPort}, stream ${kinesisStream}, data under ${path.join(dir, 'kinesis')}`,
      script: cli,
      args: ['kinesis', '--port', String(kinesisPort), '--host', host, '--dir', path.join(dir, 'kinesis'), '--stream', `${kinesisStream}:2`],
      ready: () => waitForPort(host, kinesisPort),
    },
    {
      name: 'sitewise',
      describe: `local AWS IoT SiteWise on http://${host}:${sitewisePort} (Vehicle, Fleet and plant models provisioned)`,
      script: cli,
      args: ['sitewise', '--port', String(sitewisePort), '--host', host, '--data-file', path.join(dir, 'sitewise.json')],
      ready: async () => {
        await waitForPort(host, sitewisePort);
        await provisionSiteWise();
      },
    },
    {
      name: 'mqtt-broker',
      describe: `MQTT broker with TLS client certificates on ${host}:${mqttPort} (certificates in ${certDir})`,
      script: cli,
      args: ['mqtt-broker', '--port', String(mqttPort), '--host', host, '--cert-dir', certDir, '--client-cn', 'tributary-local'],
      ready: () => waitForPort(host, mqttPort),
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
      name: 'sim-opcua',
      describe: `OPC UA plant simulator on opc.tcp://${host}:${opcuaPort} (60 tags at 1 Hz, DA-style items)`,
      script: cli,
      args: ['sim', 'opcua', '--port', String(opcuaPort), '--host', host, '--security', 'both', '--pki', opcuaPki],
      ready: () => waitForPort(host, opcuaPort, 30_000),
    },
    {
      name: 'gps-collector',
      describe: `com.tributary.GpsCollector: NMEA from ${host}:${gpsPort} → tributary.gps.raw (config ${gpsConfig})`,
      script: path.join(components, 'gps-collector', 'src', 'main.js'),
      args: ['--config', gpsConfig],
      env: componentEnv,
    },
    {
      name: 'obd-collector',
      describe: `com.tributary.ObdCollector: ELM327 at ${host}:${obdPort} → tributary.obd.raw, events → tributary.obd.events (config ${obdConfig})`,
      script: path.join(components, 'obd-collector', 'src', 'main.js'),
      args: ['--config', obdConfig],
      env: componentEnv,
    },
    {
      name: 'opcua-collector',
      describe: `com.tributary.OpcUaCollector: SignAndEncrypt subscriptions to opc.tcp://${host}:${opcuaPort} /Site1/** → tributary.opcua.raw (config ${opcuaConfig})`,
      script: path.join(components, 'opcua-collector', 'src', 'main.js'),
      args: ['--config', opcuaConfig],
      env: { ...componentEnv, NODE_OPTIONS: '--max-old-space-size=160' },
    },
    {
      name: 'opcda-collector',
      describe: `com.tributary.OpcDaCollector (ua-wrapper backend): DA items from opc.tcp://${host}:${opcuaPort} → tributary.opcda.raw (config ${opcdaConfig})`,
      script: path.join(components, 'opcda-collector', 'src', 'main.js'),
      args: ['--config', opcdaConfig],
      env: componentEnv,
    },
    {
      name: 'aggregator',
      describe: `com.tributary.Aggregator: raw streams → tributary.out.critical / telemetry / summary (config ${aggregatorConfig})`,
      script: path.join(components, 'aggregator', 'src', 'main.js'),
      args: ['--config', aggregatorConfig],
      env: componentEnv,
    },
    {
      name: 'publisher',
      describe: `com.tributary.Publisher: out streams → Kinesis ${kinesisStream}, SiteWise, MQTT tributary/{device}/{source} (config ${publisherConfig})`,
      script: path.join(components, 'publisher', 'src', 'main.js'),
      args: ['--config', publisherConfig],
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
