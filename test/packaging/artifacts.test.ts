/**
 * `npm run build:greengrass` output, built once: for every present component a zip in gdk's
 * layout that holds the bundle and only the run-time native packages (Linux prebuilds), a built
 * recipe and a gdk project; each zip, unpacked into an empty folder, starts with node against the
 * local stream manager, moves data, and stops cleanly on SIGTERM. Under Greengrass (SVCUID set)
 * the bundle loads aws-crt's native binary from the zip for the IPC client.
 *
 * Data scenarios (SCENARIOS), each with local peers on 127.0.0.1 only: OBD (ELM327 emulator) and
 * GPS (NMEA simulator) collectors write their raw streams; the OPC UA collector (SignAndEncrypt,
 * the simulator's certificate trusted) and the OPC DA collector (ua-wrapper backend, the
 * simulator's DA items) write theirs, with aliases; the Aggregator turns pre-appended raw batches
 * into telemetry and a High RPM event; the Publisher delivers pre-appended telemetry to kinesalite
 * with each record's origin.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import * as yauzl from 'yauzl';
import * as YAML from 'yaml';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { decodeBatch, encodeBatch, type Sample } from '../../components/core/src/envelope';
import { decodeOutbound } from '../../components/core/src/outbound';
import { StreamClient } from '../../components/core/src/stream-client';
import { LOCAL_CREDENTIALS, localKinesisClient, startLocalKinesis } from '../../local/kinesis/src/kinesis';
import { PlantServer } from '../../local/simulators/opcua/src/plant-server';
import type { LocalStreamManager } from '../../local/stream-manager/src/server';
import { Elm327Server } from '../../local/simulators/elm327/src/server';
import { NmeaSimulator } from '../../local/simulators/nmea/simulator';
import { SHIP_WITHOUT_DEPENDENCIES } from '../../local/packaging/artifact';
import { buildGdkProject, buildGreengrass, checkedInRecipeText, type BuiltComponent } from '../../local/packaging/build-greengrass';
import { componentVersion, findComponent, presentComponents } from '../../local/packaging/components';
import { checkGdkConfig } from '../../local/packaging/gdk';
import { checkRecipe } from '../../local/packaging/recipe-rules';
import { REPO, startStreamManager, tempDir } from '../helpers/stream-manager';

jest.setTimeout(60_000);

const VERSION = componentVersion(REPO);
const MAX_ZIP_BYTES = 15 * 1024 * 1024;
const present = presentComponents(REPO);

let out: string;
let built: BuiltComponent[];
let sm: LocalStreamManager;
/** Temp folders to remove at the end (unpacked zips are tens of MiB each). */
const scratch: string[] = [];
const scratchDir = (prefix: string): string => {
  const dir = tempDir(prefix);
  scratch.push(dir);
  return dir;
};

beforeAll(async () => {
  out = scratchDir('tributary-gg-build-');
  built = await buildGreengrass({ root: REPO, out, log: () => undefined });
  sm = await startStreamManager({ dir: scratchDir('tributary-gg-sm-') });
});

afterAll(async () => {
  await sm?.close();
  await esbuild.stop(); // its service process would keep jest alive
  for (const dir of scratch) fs.rmSync(dir, { recursive: true, force: true });
});

function unzip(zipPath: string, dest: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const names: string[] = [];
    yauzl.open(zipPath, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      zip.on('error', reject);
      zip.on('end', () => resolve(names));
      zip.on('entry', (entry: yauzl.Entry) => {
        names.push(entry.fileName);
        const target = path.join(dest, entry.fileName);
        if (!target.startsWith(dest + path.sep)) return reject(new Error(`zip entry escapes: ${entry.fileName}`));
        if (entry.fileName.endsWith('/')) {
          fs.mkdirSync(target, { recursive: true });
          return zip.readEntry();
        }
        fs.mkdirSync(path.dirname(target), { recursive: true });
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e);
          stream.pipe(fs.createWriteStream(target)).on('close', () => zip.readEntry());
        });
      });
      zip.readEntry();
    });
  });
}

/** Something the running component must produce: every `want` entry among what `found` returns. */
interface Check {
  /** Named in the failure message, e.g. `tributary.gps.raw names`. */
  what: string;
  want: string[];
  found(): Promise<string[]>;
}

interface Scenario {
  /** Merged (deeply, as Greengrass merges) over the recipe's DefaultConfiguration. */
  config: Record<string, unknown>;
  checks?: Check[];
  /** Bound on the wait for the checks (default 15 s). */
  waitMs?: number;
  stop(): Promise<void>;
}

interface ScenarioContext {
  /** A client of the shared local stream manager (to pre-append input). */
  client: StreamClient;
  /** An empty folder for the component's own files (PKI, checkpoints). */
  work: string;
}

/** The samples of every message of a stream (paged from the start); [] when it does not exist. */
async function samplesOf(client: StreamClient, stream: string): Promise<Sample[]> {
  const out: Sample[] = [];
  for (let start = 0; ; ) {
    const messages = await client.read(stream, { start, max: 500 }).catch(() => []);
    if (messages.length === 0) return out;
    for (const m of messages) {
      const d = decodeBatch(m.payload);
      if (d.ok) out.push(...d.samples);
    }
    start = messages[messages.length - 1].sequenceNumber + 1;
  }
}

/** `want` names (or other fields) of the samples in `stream`, optionally only those of one device. */
function sampleCheck(client: StreamClient, stream: string, want: string[], opts: { field?: 'name' | 'alias'; device?: string } = {}): Check {
  const field = opts.field ?? 'name';
  return {
    what: `${stream} ${field === 'alias' ? 'aliases' : 'names'}${opts.device ? ` of ${opts.device}` : ''}`,
    want,
    found: async () =>
      (await samplesOf(client, stream)).filter((x) => !opts.device || x.device === opts.device).flatMap((x) => (x[field] === undefined ? [] : [x[field]!])),
  };
}

/** One OPC UA plant simulator certificate for the run (created on first start, kept in this folder). */
let plantPki: string | undefined;
async function startPlant(security: 'none' | 'both'): Promise<{ server: PlantServer; endpointUrl: string; certificateFile?: string }> {
  plantPki ??= scratchDir('tributary-gg-plant-pki-');
  const server = new PlantServer({ port: 0, tags: 12, rateHz: 2, security, pkiDir: plantPki });
  const { endpointUrl, certificateFile } = await server.start();
  return { server, endpointUrl, certificateFile };
}

/** What each component needs to move data; a component without one is only started and stopped. */
const SCENARIOS: Record<string, (ctx: ScenarioContext) => Promise<Scenario>> = {
  'gps-collector': async ({ client }) => {
    const sim = new NmeaSimulator({ rateHz: 5 });
    await sim.start();
    return {
      config: { source: { type: 'nmea-tcp', host: '127.0.0.1', port: sim.port }, rateHz: 5 },
      checks: [sampleCheck(client, 'tributary.gps.raw', ['lat', 'lon'])],
      stop: () => sim.stop(),
    };
  },
  'obd-collector': async ({ client }) => {
    const emu = new Elm327Server();
    await emu.start();
    return {
      config: { adapter: { type: 'tcp', host: '127.0.0.1', port: emu.port } },
      checks: [sampleCheck(client, 'tributary.obd.raw', ['rpm', 'speed'])],
      stop: () => emu.stop(),
    };
  },
  // The secure default (SignAndEncrypt, Basic256Sha256) with the simulator's certificate trusted:
  // the zip's node-opcua creates the collector's own key and certificate in its PKI folder.
  'opcua-collector': async ({ client, work }) => {
    const plant = await startPlant('both');
    if (!plant.certificateFile) {
      await plant.server.stop();
      throw new Error('the OPC UA simulator reported no certificate file');
    }
    return {
      config: {
        endpointUrl: plant.endpointUrl,
        deviceId: 'pkg-opcua',
        aliasPrefix: '/pkg',
        nodeFilters: ['/Site1/**'],
        security: { pkiDir: path.join(work, 'pki'), trustedServerCertificates: [plant.certificateFile] },
        connection: { reconnectInitialMs: 200, reconnectMaxMs: 1000 },
      },
      checks: [
        sampleCheck(client, 'tributary.opcua.raw', ['/pkg/Site1/AreaA/Line1/Filler/Temperature', '/pkg/Site1/AreaA/Line1/Capper/Counter'], { field: 'alias', device: 'pkg-opcua' }),
      ],
      waitMs: 30_000,
      stop: () => plant.server.stop(),
    };
  },
  // The ua-wrapper backend against the simulator's DA items, security None as in config.local.yaml.
  'opcda-collector': async ({ client, work }) => {
    const plant = await startPlant('none');
    return {
      config: {
        machine: 'pkg-da',
        tags: ['Random.*', 'Channel1.Device1.*'],
        pollIntervalMs: 500,
        uaWrapper: { endpointUrl: plant.endpointUrl, securityMode: 'None', securityPolicy: 'None', pkiDir: path.join(work, 'pki') },
        reconnectInitialMs: 200,
        reconnectMaxMs: 1000,
      },
      checks: [
        sampleCheck(client, 'tributary.opcda.raw', ['Random.Real8', 'Channel1.Device1.Tag1'], { device: 'pkg-da' }),
        sampleCheck(client, 'tributary.opcda.raw', ['site1/area1/process1/pkg-da/Channel1-Device1-Tag1'], { field: 'alias', device: 'pkg-da' }),
      ],
      waitMs: 30_000,
      stop: () => plant.server.stop(),
    };
  },
  // Raw OBD and GPS batches of one vehicle, appended before it starts (the streams may also hold
  // what the collectors above wrote): filtered samples → telemetry, rpm > 2700 for 5 s → a High RPM event.
  aggregator: async ({ client, work }) => {
    const device = 'pkg-car';
    const t0 = Date.now() - 10_000;
    const raw = { persistence: 'File', strategyOnFull: 'OverwriteOldestData', maxSize: 64 << 20 } as const;
    await client.ensureStream({ name: 'tributary.gps.raw', ...raw });
    await client.ensureStream({ name: 'tributary.obd.raw', ...raw });
    for (let i = 0; i < 5; i++) {
      const ts = t0 + i * 1000;
      await client.append(
        'tributary.gps.raw',
        encodeBatch([
          { device, source: 'gps', name: 'lat', value: 47.37 + i * 1e-4, quality: 'GOOD', ts },
          { device, source: 'gps', name: 'lon', value: 8.54, quality: 'GOOD', ts },
        ]),
      );
      await client.append(
        'tributary.obd.raw',
        encodeBatch([
          { device, source: 'obd', name: 'rpm', value: 3000 + i * 10, unit: 'rpm', quality: 'GOOD', ts },
          { device, source: 'obd', name: 'speed', value: 80, unit: 'km/h', quality: 'GOOD', ts },
        ]),
      );
    }
    return {
      config: { checkpoint: { dir: path.join(work, 'checkpoints') } },
      checks: [
        sampleCheck(client, 'tributary.out.telemetry', ['rpm', 'speed', 'lat', 'lon'], { device }),
        sampleCheck(client, 'tributary.out.critical', ['event.high_rpm'], { device }),
      ],
      stop: async () => undefined,
    };
  },
  // Envelopes appended to tributary.out.telemetry, delivered to kinesalite on 127.0.0.1 (never AWS):
  // each appended message must be a Kinesis record carrying its origin (stream, sequence number).
  publisher: async ({ client, work }) => {
    const kinesis = await startLocalKinesis({ streams: [{ name: 'tributary-telemetry', shards: 1 }] });
    try {
      const stream = 'tributary.out.telemetry';
      await client.ensureStream({ name: stream, persistence: 'File', strategyOnFull: 'OverwriteOldestData', maxSize: 256 << 20 });
      const device = 'pkg-pub';
      const origins: string[] = [];
      for (let i = 0; i < 3; i++) {
        const seq = await client.append(stream, encodeBatch([{ device, source: 'obd', name: 'rpm', value: 900 + i, quality: 'GOOD', ts: Date.now() - 1000 + i }]));
        origins.push(`${stream}#${seq}`);
      }
      const reader = localKinesisClient(kinesis.endpoint);
      return {
        config: {
          destinations: [
            { type: 'kinesis', name: 'kinesis', streamName: 'tributary-telemetry', region: 'us-east-1', endpoint: kinesis.endpoint, credentials: { ...LOCAL_CREDENTIALS }, sdkMaxAttempts: 1 },
          ],
          checkpointDir: path.join(work, 'checkpoints'),
          readWaitMs: 200,
        },
        checks: [{ what: `Kinesis tributary-telemetry origins of ${device}`, want: origins, found: () => kinesisOrigins(reader, 'tributary-telemetry', device) }],
        stop: async () => {
          reader.destroy();
          await kinesis.close();
        },
      };
    } catch (err) {
      await kinesis.close();
      throw err;
    }
  },
};

/** `stream#seq` of every Kinesis record (outbound format) holding samples of `device`. */
async function kinesisOrigins(kinesis: ReturnType<typeof localKinesisClient>, streamName: string, device: string): Promise<string[]> {
  const out: string[] = [];
  for (const shard of (await kinesis.send(new ListShardsCommand({ StreamName: streamName }))).Shards ?? []) {
    let it = (await kinesis.send(new GetShardIteratorCommand({ StreamName: streamName, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
    while (it) {
      const r = await kinesis.send(new GetRecordsCommand({ ShardIterator: it, Limit: 10_000 }));
      for (const rec of r.Records ?? []) {
        const d = decodeOutbound(Buffer.from(rec.Data!));
        if (d.ok) for (const x of d.records) if (x.samples.some((smp) => smp.device === device)) out.push(`${x.origin.stream}#${x.origin.seq}`);
      }
      if ((r.Records ?? []).length === 0) break;
      it = r.NextShardIterator;
    }
  }
  return out;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `over` merged into `base` key by key (objects recursively, arrays and values replaced), like a Greengrass configuration merge. */
function mergeConfig(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isPlainObject(v) && isPlainObject(out[k]) ? mergeConfig(out[k] as Record<string, unknown>, v) : v;
  return out;
}

interface Run {
  child: ChildProcess;
  exited: Promise<number | null>;
  output: () => string;
}

function runEntry(dir: string, args: string[], env: Record<string, string>): Run {
  const clean = { ...process.env };
  for (const k of ['SVCUID', 'NODE_OPTIONS', 'NODE_PATH']) delete clean[k];
  // Never real AWS: fixed fake credentials and region, no instance metadata lookups.
  const offline = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true' };
  for (const k of Object.keys(clean)) if (/^AWS_/.test(k)) delete clean[k];
  const child = spawn(process.execPath, [path.join(dir, 'main.js'), ...args], { cwd: dir, env: { ...clean, ...offline, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => text };
}

test('builds every present component', () => {
  expect(built.map((b) => b.spec.name)).toEqual(present.map((c) => c.name));
});

describe.each(present.map((c) => ({ label: c.name, dir: c.dir })))('$label', ({ dir }) => {
  const item = (): BuiltComponent => built.find((b) => b.spec.dir === dir)!;
  /** The zip unpacked into an empty folder, once (both run tests use it). */
  let unpacked: Promise<string> | undefined;
  const unpackedDir = (): Promise<string> => {
    unpacked ??= (async () => {
      const dest = scratchDir('tributary-gg-unzip-');
      await unzip(item().artifact.zipPath, dest);
      return dest;
    })();
    return unpacked;
  };

  test('writes gdk\'s layout: artifacts/<name>/<version>/<name>.zip, recipes/<name>-<version>.yaml, gdk/<dir>/', () => {
    const { spec } = item();
    expect(fs.existsSync(path.join(out, 'artifacts', spec.name, VERSION, `${spec.name}.zip`))).toBe(true);
    const recipeText = fs.readFileSync(path.join(out, 'recipes', `${spec.name}-${VERSION}.yaml`), 'utf8');
    expect(checkRecipe(YAML.parse(recipeText), recipeText)).toEqual([]);
    const project = path.join(out, 'gdk', dir);
    const config = JSON.parse(fs.readFileSync(path.join(project, 'gdk-config.json'), 'utf8')) as { component: Record<string, { build: { custom_build_command: string[] } }> };
    expect(checkGdkConfig(config)).toEqual([]);
    expect(Object.keys(config.component)).toEqual([spec.name]);
    // The custom command names the build script relative to the project folder (gdk runs it there, without a shell).
    const [node, script] = config.component[spec.name].build.custom_build_command;
    expect(node).toBe('node');
    expect(path.resolve(project, script)).toBe(path.join(REPO, 'dist', 'local', 'packaging', 'build-greengrass.js'));
    expect(fs.readFileSync(path.join(project, 'recipe.yaml'), 'utf8')).toBe(checkedInRecipeText(spec, VERSION));
  });

  test('the zip holds the bundle and only run-time files: no test helpers, Linux prebuilds only, at most 15 MiB', () => {
    const { artifact } = item();
    expect(artifact.zipBytes).toBeLessThanOrEqual(MAX_ZIP_BYTES);
    expect(artifact.inputs.filter((f) => /\/testing\/|fake-adapter|\.test\.ts$|fixtures|local\/simulators/.test(f))).toEqual([]);
    expect(artifact.entries).toEqual(expect.arrayContaining(['main.js', 'artifact.json']));
    const natives = artifact.entries.filter((e) => e.endsWith('.node'));
    expect(natives).toEqual(
      expect.arrayContaining([
        'node_modules/aws-crt/dist/bin/linux-x64-glibc/aws-crt-nodejs.node',
        'node_modules/aws-crt/dist/bin/linux-arm64-glibc/aws-crt-nodejs.node',
      ]),
    );
    expect(natives.filter((e) => /darwin|win32|android|musl/.test(e))).toEqual([]);
    expect(artifact.entries.filter((e) => /\.(ts|map|md|cpp|h)$/.test(e) && !e.endsWith('.d.ts'))).toEqual([]);
  });

  test('unpacked alone, it starts against the local stream manager, moves data, and stops cleanly on SIGTERM', async () => {
    const { spec } = item();
    const dest = await unpackedDir();
    const client = new StreamClient({ port: sm.port });
    let run: Run | undefined;
    let scenario: Scenario | undefined;
    try {
      scenario = SCENARIOS[dir] ? await SCENARIOS[dir]({ client, work: scratchDir('tributary-gg-work-') }) : { config: {}, stop: async () => undefined };
      // What Greengrass would hand the component: the recipe's DefaultConfiguration, here merged with the test peers.
      const recipe = YAML.parse(fs.readFileSync(path.join(out, 'recipes', `${spec.name}-${VERSION}.yaml`), 'utf8')) as { ComponentConfiguration: { DefaultConfiguration: Record<string, unknown> } };
      const { accessControl: _acl, ...defaults } = recipe.ComponentConfiguration.DefaultConfiguration;
      const configFile = path.join(scratchDir('tributary-gg-config-'), 'config.json');
      fs.writeFileSync(configFile, JSON.stringify(mergeConfig(defaults, { ...scenario.config, healthIntervalMs: 1000 })));
      const child = runEntry(dest, ['--config', configFile], { ...spec.setenv, STREAM_MANAGER_SERVER_PORT: String(sm.port) });
      run = child;
      const checks = scenario.checks ?? [];
      if (checks.length > 0) {
        // Polled until every check has what it wants, the child exits, or the bound passes.
        const seen = new Map<string, string[]>();
        const complete = (c: Check): boolean => c.want.every((w) => seen.get(c.what)?.includes(w));
        const deadline = Date.now() + (scenario.waitMs ?? 15_000);
        for (;;) {
          for (const c of checks) if (!complete(c)) seen.set(c.what, await c.found());
          if (checks.every(complete) || child.child.exitCode !== null || Date.now() > deadline) break;
          await new Promise((r) => setTimeout(r, 200));
        }
        const missing = checks.some((c) => !complete(c));
        const got = Object.fromEntries(checks.map((c) => [c.what, c.want.filter((w) => seen.get(c.what)?.includes(w))]));
        expect({ component: spec.name, got, exitCode: child.child.exitCode, output: missing ? child.output() : '' }).toEqual({
          component: spec.name,
          got: Object.fromEntries(checks.map((c) => [c.what, c.want])),
          exitCode: null,
          output: '',
        });
      }
      // runUntilSignal logs "Started." once its SIGTERM handler is installed.
      for (let i = 0; i < 150 && !child.output().includes('"msg":"Started."') && child.child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
      expect(child.child.exitCode).toBeNull();
      child.child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([child.exited, new Promise<string>((r) => (timer = setTimeout(() => r('no exit 15 s after SIGTERM'), 15_000)))]);
      clearTimeout(timer);
      expect({ code, output: code !== 0 || child.output().includes('"level":"error"') ? child.output() : '' }).toEqual({ code: 0, output: '' });
    } finally {
      if (run && run.child.exitCode === null && run.child.signalCode === null) {
        run.child.kill('SIGKILL');
        await run.exited;
      }
      client.close();
      await scenario?.stop();
    }
  });

  test('under Greengrass it loads the native IPC client (aws-crt) from the zip and reports an unreachable nucleus', async () => {
    const { spec } = item();
    const dest = await unpackedDir();
    const run = runEntry(dest, [], {
      ...spec.setenv,
      SVCUID: 'test-token',
      AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT: path.join(scratchDir('tributary-gg-ipc-'), 'no-nucleus.sock'),
      STREAM_MANAGER_SERVER_PORT: String(sm.port),
    });
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([run.exited, new Promise<string>((r) => (timer = setTimeout(() => r('still running'), 20_000)))]);
    clearTimeout(timer);
    if (code === 'still running') run.child.kill('SIGKILL');
    expect(run.output()).not.toMatch(/AWS CRT binary not present|Cannot find module/);
    expect(run.output()).toContain('Cannot load the configuration; exiting.');
    expect(code).toBe(1);
  });
});

test('a full build refuses to empty an output folder holding files it did not write', async () => {
  const dir = scratchDir('tributary-gg-foreign-');
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
  await expect(buildGreengrass({ root: REPO, out: dir, log: () => undefined })).rejects.toThrow(/holds notes\.txt/);
  expect(fs.existsSync(path.join(dir, 'notes.txt'))).toBe(true);
});

test('packages shipped without their dependencies (aws-crt) require only Node built-ins and their own files', () => {
  for (const name of SHIP_WITHOUT_DEPENDENCIES) {
    const dir = path.join(REPO, 'node_modules', name);
    const files = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js') && !/(^|\/)(dist\.browser|lib|scripts|node_modules)\//.test(f));
    const bare = files.flatMap((f) => [...fs.readFileSync(path.join(dir, f), 'utf8').matchAll(/require\("([^".][^"]*)"\)/g)].map((m) => m[1]));
    expect(bare.filter((m) => !builtinModules.includes(m.replace(/^node:/, '')))).toEqual([]);
  }
});

test('gdk custom-build mode writes one component into <project>/greengrass-build with recipe.yaml, as gdk publish reads it, and the same zip', async () => {
  const spec = findComponent(present[0].name);
  const project = scratchDir('tributary-gdk-project-');
  await buildGdkProject(spec, project, REPO, () => undefined);
  const recipe = fs.readFileSync(path.join(project, 'greengrass-build', 'recipes', 'recipe.yaml'), 'utf8');
  expect(recipe).toBe(checkedInRecipeText(spec, VERSION));
  expect(fs.readdirSync(path.join(project, 'greengrass-build', 'artifacts', spec.name, VERSION))).toEqual([`${spec.name}.zip`]);
  // Reproducible: the same sources give the same zip, byte for byte.
  const again = fs.readFileSync(path.join(project, 'greengrass-build', 'artifacts', spec.name, VERSION, `${spec.name}.zip`));
  expect(again.equals(fs.readFileSync(path.join(out, 'artifacts', spec.name, VERSION, `${spec.name}.zip`)))).toBe(true);
});
