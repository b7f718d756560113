/**
 * `npm run build:greengrass` output, built once: for every present component a zip in gdk's
 * layout that holds the bundle and only the run-time native packages (Linux prebuilds), a built
 * recipe and a gdk project; each zip, unpacked into an empty folder, starts with node against the
 * local stream manager, moves data, and stops cleanly on SIGTERM. Under Greengrass (SVCUID set)
 * the bundle loads aws-crt's native binary from the zip for the IPC client.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import * as yauzl from 'yauzl';
import * as YAML from 'yaml';
import { decodeBatch } from '../../components/core/src/envelope';
import { StreamClient } from '../../components/core/src/stream-client';
import type { LocalStreamManager } from '../../local/stream-manager/src/server';
import { Elm327Server } from '../../local/simulators/elm327/src/server';
import { NmeaSimulator } from '../../local/simulators/nmea/simulator';
import { SHIP_WITHOUT_DEPENDENCIES } from '../../local/packaging/artifact';
import { buildGdkProject, buildGreengrass, checkedInRecipeText, type BuiltComponent } from '../../local/packaging/build-greengrass';
import { componentVersion, findComponent, presentComponents } from '../../local/packaging/components';
import { checkGdkConfig } from '../../local/packaging/gdk';
import { checkRecipe } from '../../local/packaging/recipe-rules';
import { REPO, freePort, startStreamManager, tempDir } from '../helpers/stream-manager';

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

interface Scenario {
  config: Record<string, unknown>;
  /** A stream that must receive samples with these names. */
  stream?: string;
  names?: string[];
  stop(): Promise<void>;
}

/** What each component needs to move data; a component without one is only started and stopped. */
const SCENARIOS: Record<string, () => Promise<Scenario>> = {
  'gps-collector': async () => {
    const sim = new NmeaSimulator({ rateHz: 5 });
    await sim.start();
    return { config: { source: { type: 'nmea-tcp', host: '127.0.0.1', port: sim.port }, rateHz: 5 }, stream: 'tributary.gps.raw', names: ['lat', 'lon'], stop: () => sim.stop() };
  },
  // Only started and stopped; its AWS destination points at a closed local port, so nothing can leave the machine.
  publisher: async () => {
    const closed = await freePort();
    return {
      config: { destinations: [{ type: 'kinesis', name: 'kinesis', streamName: 'tributary-telemetry', region: 'us-east-1', endpoint: `http://127.0.0.1:${closed}` }] },
      stop: async () => undefined,
    };
  },
  'obd-collector': async () => {
    const emu = new Elm327Server();
    await emu.start();
    return { config: { adapter: { type: 'tcp', host: '127.0.0.1', port: emu.port } }, stream: 'tributary.obd.raw', names: ['rpm', 'speed'], stop: () => emu.stop() };
  },
};

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

async function samplesIn(client: StreamClient, stream: string): Promise<string[]> {
  const messages = await client.read(stream, { start: 0, max: 50 }).catch(() => []);
  return messages.flatMap((m) => {
    const d = decodeBatch(m.payload);
    return d.ok ? d.samples.map((s) => s.name) : [];
  });
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
    const scenario = SCENARIOS[dir] ? await SCENARIOS[dir]() : { config: {}, stop: async () => undefined };
    // What Greengrass would hand the component: the recipe's DefaultConfiguration, here merged with the test peers.
    const recipe = YAML.parse(fs.readFileSync(path.join(out, 'recipes', `${spec.name}-${VERSION}.yaml`), 'utf8')) as { ComponentConfiguration: { DefaultConfiguration: Record<string, unknown> } };
    const { accessControl: _acl, ...defaults } = recipe.ComponentConfiguration.DefaultConfiguration;
    const configFile = path.join(scratchDir('tributary-gg-config-'), 'config.json');
    fs.writeFileSync(configFile, JSON.stringify({ ...defaults, ...scenario.config, healthIntervalMs: 1000 }));
    const run = runEntry(dest, ['--config', configFile], { ...spec.setenv, STREAM_MANAGER_SERVER_PORT: String(sm.port) });
    const client = new StreamClient({ port: sm.port });
    try {
      if (scenario.stream) {
        let names: string[] = [];
        for (let i = 0; i < 150 && !scenario.names!.every((n) => names.includes(n)) && run.child.exitCode === null; i++) {
          names = await samplesIn(client, scenario.stream);
          if (!scenario.names!.every((n) => names.includes(n))) await new Promise((r) => setTimeout(r, 100));
        }
        expect({ component: spec.name, names: scenario.names!.filter((n) => names.includes(n)), output: names.length ? '' : run.output() }).toEqual({
          component: spec.name,
          names: scenario.names,
          output: '',
        });
      }
      // runUntilSignal logs "Started." once its SIGTERM handler is installed.
      for (let i = 0; i < 150 && !run.output().includes('"msg":"Started."') && run.child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
      expect(run.child.exitCode).toBeNull();
      run.child.kill('SIGTERM');
      expect({ code: await run.exited, output: run.output().includes('"level":"error"') ? run.output() : '' }).toEqual({ code: 0, output: '' });
    } finally {
      client.close();
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
      await scenario.stop();
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
