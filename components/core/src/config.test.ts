import { EventEmitter } from 'node:events';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Static, Type } from '@sinclair/typebox';
import { ManualClock, flushPromises } from './clock';
import {
  ConfigError,
  ConfigIpcClient,
  ConfigSource,
  ConfigUpdateStream,
  DefaultsConfigSource,
  EXIT_CONFIG,
  FileConfigSource,
  GreengrassIpcConfigSource,
  checkConfig,
  configDefaults,
  configPathFromArgv,
  exitOnConfigError,
  isGreengrass,
  loadConfig,
  parseConfigText,
  resolveConfigSource,
  validateConfig,
} from './config';
import { TributaryError } from './errors';
import { MemoryLogSink, createLogger } from './logger';

const Route = Type.Object(
  {
    stream: Type.String({ minLength: 1 }),
    priority: Type.Integer({ minimum: 0, maximum: 4, default: 2 }),
  },
  { additionalProperties: false },
);

const Schema = Type.Object(
  {
    pollIntervalMs: Type.Integer({ minimum: 100, default: 1000 }),
    enabled: Type.Boolean({ default: true }),
    onFull: Type.Union([Type.Literal('block'), Type.Literal('dropOldest')], { default: 'block' }),
    ratio: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.5 }),
    streamManager: Type.Object(
      {
        host: Type.String({ default: 'localhost' }),
        port: Type.Integer({ minimum: 1, maximum: 65535, default: 8088 }),
      },
      { additionalProperties: false },
    ),
    routes: Type.Array(Route, { default: [] }),
    tags: Type.Optional(Type.Record(Type.String(), Type.Integer())),
  },
  { additionalProperties: false },
);
type Config = Static<typeof Schema>;

const DEFAULTS: Config = {
  pollIntervalMs: 1000,
  enabled: true,
  onFull: 'block',
  ratio: 0.5,
  streamManager: { host: 'localhost', port: 8088 },
  routes: [],
};

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => `${p.path}: ${p.reason}`);
  }
  throw new Error('expected a ConfigError');
}

async function rejection(p: Promise<unknown>): Promise<ConfigError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
}

describe('validateConfig', () => {
  it('fills defaults, including nested objects that are missing and items of arrays', () => {
    expect(validateConfig(Schema, {})).toEqual(DEFAULTS);
    expect(validateConfig(Schema, undefined)).toEqual(DEFAULTS);
    expect(validateConfig(Schema, null)).toEqual(DEFAULTS);
    const config = validateConfig(Schema, { streamManager: { port: 9000 }, routes: [{ stream: 'tributary.out.critical' }] });
    expect(config.streamManager).toEqual({ host: 'localhost', port: 9000 });
    expect(config.routes).toEqual([{ stream: 'tributary.out.critical', priority: 2 }]);
  });

  it('accepts numbers and booleans stored as strings (as Greengrass advises)', () => {
    const config = validateConfig(Schema, {
      pollIntervalMs: '250',
      enabled: 'FALSE',
      ratio: ' 0.25 ',
      streamManager: { port: '8089' },
      routes: [{ stream: 's', priority: '4' }],
      tags: { line: '3' },
    });
    expect(config).toMatchObject({ pollIntervalMs: 250, enabled: false, ratio: 0.25, streamManager: { port: 8089 }, routes: [{ priority: 4 }], tags: { line: 3 } });
  });

  it('does not convert what would hide a mistake: fractions for integers, 1/0 for booleans', () => {
    expect(problemsOf(() => validateConfig(Schema, { pollIntervalMs: '150.5', enabled: '1' }))).toEqual([
      '/pollIntervalMs: expected integer ≥ 100, got "150.5"',
      '/enabled: expected true or false, got "1"',
    ]);
  });

  it('reports every problem at once, each with its path and a plain reason', () => {
    const err = (() => {
      try {
        validateConfig(
          Schema,
          {
            pollIntervalMs: 'fast',
            onFull: 'dropNewest',
            ratio: 0,
            streamManager: { port: 70000 },
            routes: [{ stream: 'a' }, { stream: '', priority: 2 }, { stream: 'c', priority: 9 }],
          },
          'config.yaml',
        );
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(err).toBeInstanceOf(TributaryError);
    expect(err.code).toBe('config_invalid');
    expect(err.origin).toBe('config.yaml');
    expect(err.problems).toEqual([
      { path: '/pollIntervalMs', reason: 'expected integer ≥ 100, got "fast"' },
      { path: '/onFull', reason: 'expected one of "block", "dropOldest", got "dropNewest"' },
      { path: '/ratio', reason: 'expected number ≤ 1 and > 0, got 0' },
      { path: '/streamManager/port', reason: 'expected integer from 1 to 65535, got 70000' },
      { path: '/routes/1/stream', reason: 'expected non-empty string, got ""' },
      { path: '/routes/2/priority', reason: 'expected integer from 0 to 4, got 9' },
    ]);
    expect(err.message.split('\n')).toEqual([
      'Invalid configuration in config.yaml (6 problems):',
      '/pollIntervalMs: expected integer ≥ 100, got "fast"',
      '/onFull: expected one of "block", "dropOldest", got "dropNewest"',
      '/ratio: expected number ≤ 1 and > 0, got 0',
      '/streamManager/port: expected integer from 1 to 65535, got 70000',
      '/routes/1/stream: expected non-empty string, got ""',
      '/routes/2/priority: expected integer from 0 to 4, got 9',
    ]);
  });

  it('reports unknown keys, suggesting the key that was probably meant', () => {
    expect(problemsOf(() => validateConfig(Schema, { pollIntervalMS: 100, colour: 'red', streamManager: { hots: 'x' }, routes: [{ stream: 's', prio: 1 }] }))).toEqual([
      '/pollIntervalMS: unknown key; did you mean "pollIntervalMs"?',
      '/colour: unknown key; allowed keys are pollIntervalMs, enabled, onFull, ratio, streamManager, routes, tags',
      '/streamManager/hots: unknown key; did you mean "host"?',
      '/routes/0/prio: unknown key; allowed keys are stream, priority',
    ]);
  });

  it('reports a missing required key at its own path, also inside a nested object', () => {
    const S = Type.Object({ opcua: Type.Object({ endpointUrl: Type.String({ pattern: '^opc\\.tcp://' }), timeoutMs: Type.Integer({ default: 5000 }) }) });
    expect(problemsOf(() => validateConfig(S, {}))).toEqual(['/opcua/endpointUrl: missing; expected string matching /^opc\\.tcp:///']);
    expect(problemsOf(() => validateConfig(S, { opcua: 'x' }))).toEqual(['/opcua: expected object, got "x"']);
    expect(problemsOf(() => validateConfig(Schema, [1]))).toEqual(['/: expected object, got [1]']);
  });

  it('describes lists and mixed unions', () => {
    const S = Type.Object({
      ids: Type.Array(Type.Integer(), { minItems: 1, uniqueItems: true }),
      interval: Type.Union([Type.Integer({ minimum: 1 }), Type.Literal('auto')]),
    });
    expect(problemsOf(() => validateConfig(S, { ids: [], interval: 'sometimes' }))).toEqual([
      '/ids: expected list of integer with at least 1 item without duplicates, got []',
      '/interval: expected integer ≥ 1 or "auto", got "sometimes"',
    ]);
    expect(validateConfig(S, { ids: ['1', 2], interval: '5' })).toEqual({ ids: [1, 2], interval: 5 });
    expect(validateConfig(S, { ids: [1], interval: 'auto' }).interval).toBe('auto');
  });

  it('does not mutate the caller’s input nor share objects with it or with the schema defaults', () => {
    const input = deepFreeze({ pollIntervalMs: '500', routes: [{ stream: 's' }] });
    const config = validateConfig(Schema, input);
    expect(input).toEqual({ pollIntervalMs: '500', routes: [{ stream: 's' }] });
    expect(config.routes[0]).not.toBe(input.routes[0]);
    const a = validateConfig(Schema, {});
    a.routes.push({ stream: 'x', priority: 1 });
    a.streamManager.port = 1;
    expect(validateConfig(Schema, {})).toEqual(DEFAULTS);
  });

  it('checkConfig returns problems instead of throwing; configDefaults gives the defaults', () => {
    const bad = checkConfig(Schema, { pollIntervalMs: 1 });
    expect(bad).toEqual({ ok: false, problems: [{ path: '/pollIntervalMs', reason: 'expected integer ≥ 100, got 1' }] });
    expect(checkConfig(Schema, {})).toEqual({ ok: true, value: DEFAULTS });
    expect(configDefaults(Type.Object({ a: Type.String(), b: Type.Integer({ default: 3 }) }))).toEqual({ b: 3 });
  });
});

describe('config files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-config-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });
  const write = async (name: string, text: string): Promise<string> => {
    const file = path.join(dir, name);
    await fs.writeFile(file, text);
    return file;
  };

  it('loads a YAML file given as --config <path>', async () => {
    const file = await write('config.yaml', 'pollIntervalMs: 200\nstreamManager:\n  port: "9001"\nroutes:\n  - stream: tributary.out.critical\n    priority: 0\n');
    const loaded = await loadConfig(Schema, { argv: ['--config', file], env: {} });
    expect(loaded.origin).toBe(file);
    expect(loaded.config).toEqual({ ...DEFAULTS, pollIntervalMs: 200, streamManager: { host: 'localhost', port: 9001 }, routes: [{ stream: 'tributary.out.critical', priority: 0 }] });
    await loaded.close();
  });

  it('loads a JSON file given as --config=<path>', async () => {
    const file = await write('config.json', '{ "enabled": false, "onFull": "dropOldest" }');
    const loaded = await loadConfig(Schema, { argv: ['--verbose', `--config=${file}`], env: {} });
    expect(loaded.config).toEqual({ ...DEFAULTS, enabled: false, onFull: 'dropOldest' });
  });

  it('uses the schema defaults without --config, and for an empty file', async () => {
    expect((await loadConfig(Schema, { argv: [], env: {} })).config).toEqual(DEFAULTS);
    const empty = await write('empty.yaml', '# nothing set\n');
    expect((await loadConfig(Schema, { argv: ['--config', empty], env: {} })).config).toEqual(DEFAULTS);
  });

  it('reports validation problems of a file with the file as origin', async () => {
    const file = await write('bad.yaml', 'pollIntervalMs: 5\nextra: 1\n');
    const err = await rejection(loadConfig(Schema, { argv: ['--config', file], env: {} }));
    expect(err.message.split('\n')).toEqual([
      `Invalid configuration in ${file} (2 problems):`,
      '/extra: unknown key; allowed keys are pollIntervalMs, enabled, onFull, ratio, streamManager, routes, tags',
      '/pollIntervalMs: expected integer ≥ 100, got 5',
    ]);
  });

  it('names a missing file', async () => {
    const file = path.join(dir, 'nope.yaml');
    const err = await rejection(loadConfig(Schema, { argv: ['--config', file], env: {} }));
    expect(err.code).toBe('config_invalid');
    expect(err.problems).toEqual([{ path: file, reason: 'file not found' }]);
    expect(err.message).toContain(`Cannot read configuration file ${file}`);
    const isDir = await rejection(new FileConfigSource(dir).get());
    expect(isDir.problems[0].reason).toBe('is a directory, not a file');
  });

  it('names the file and line of malformed YAML', async () => {
    const file = await write('broken.yaml', 'pollIntervalMs: 200\nroutes:\n  - stream: a\n   priority: 1\n');
    const err = await rejection(new FileConfigSource(file).get());
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatchObject({ line: 4, path: expect.stringMatching(new RegExp(`^${file.replace(/[.\\]/g, '\\$&')}:4:\\d+$`)) });
    expect(err.message).toContain(`Cannot parse YAML configuration file ${file}`);
    expect(err.message.split('\n')[1]).toMatch(/:4:\d+: \S/);
  });

  it('reports duplicate YAML keys with their line', () => {
    const err = (() => {
      try {
        parseConfigText('a: 1\nb: 2\na: 3\n', 'dup.yaml');
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(err.problems[0]).toMatchObject({ path: 'dup.yaml:3:1', line: 3, column: 1 });
    expect(err.problems[0].reason).toMatch(/unique/i);
  });

  it('names the line and column of malformed JSON', () => {
    const cases: Array<[string, string]> = [
      ['{\n  "a": 1,\n  "b": }', 'c.json:3:8: unexpected "}"'],
      ['{"a": 1,}', 'c.json:1:9: unexpected "}"'],
      ['{\n"a": tru}', 'c.json:2:9: unexpected "}"'],
      ['{"a": [1, 2', 'c.json:1:12: unexpected end of file'],
      ['{"a": "x\\q"}', 'c.json:1:10: unexpected "q"'],
      ['{"a": 1} x', 'c.json:1:10: unexpected "x"'],
      ['', 'c.json:1:1: unexpected end of file'],
    ];
    for (const [text, expected] of cases) {
      expect(problemsOf(() => parseConfigText(text, 'c.json'))).toEqual([expected]);
    }
    expect(parseConfigText('\uFEFF{"a": [1, -2.5e3, true, null, "\\u00e9"]}', 'c.json')).toEqual({ a: [1, -2500, true, null, 'é'] });
  });
});

describe('command line and environment', () => {
  it('finds --config in both forms, last one winning', () => {
    expect(configPathFromArgv([])).toBeUndefined();
    expect(configPathFromArgv(['--config', 'a.yaml'])).toBe('a.yaml');
    expect(configPathFromArgv(['--config=a.yaml', '--config', 'b.json'])).toBe('b.json');
  });

  it('rejects --config without a path', () => {
    expect(problemsOf(() => configPathFromArgv(['--config']))).toEqual(['--config: needs a file path, e.g. --config ./config.yaml']);
    expect(problemsOf(() => configPathFromArgv(['--config', '--verbose']))).toHaveLength(1);
    expect(problemsOf(() => configPathFromArgv(['--config=']))).toHaveLength(1);
  });

  it('detects Greengrass from its environment variables', () => {
    expect(isGreengrass({})).toBe(false);
    expect(isGreengrass({ SVCUID: 'abc' })).toBe(true);
    expect(isGreengrass({ AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT: '/greengrass/v2/ipc.socket' })).toBe(true);
  });

  it('picks IPC under Greengrass (even with --config), else the file, else the defaults', () => {
    expect(resolveConfigSource({ env: { SVCUID: 'x' }, argv: ['--config', 'a.yaml'] })).toBeInstanceOf(GreengrassIpcConfigSource);
    const file = resolveConfigSource({ env: {}, argv: ['--config', 'a.yaml'] });
    expect(file).toBeInstanceOf(FileConfigSource);
    expect(file.origin).toBe('a.yaml');
    expect(resolveConfigSource({ env: {}, argv: [] })).toBeInstanceOf(DefaultsConfigSource);
  });
});

/** A config source whose value the test sets, announcing changes on demand. */
class FakeSource implements ConfigSource {
  readonly origin = 'fake';
  gets = 0;
  closed = false;
  private listener: (() => void) | undefined;
  constructor(public value: unknown) {}
  async get(): Promise<unknown> {
    this.gets++;
    if (this.value instanceof Error) throw this.value;
    return this.value;
  }
  async subscribe(onChange: () => void): Promise<() => void> {
    this.listener = onChange;
    return () => (this.listener = undefined);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
  update(value: unknown): void {
    this.value = value;
    this.listener?.();
  }
  get subscribed(): boolean {
    return this.listener !== undefined;
  }
}

describe('following updates', () => {
  function setup(initial: unknown) {
    const source = new FakeSource(initial);
    const sink = new MemoryLogSink();
    const clock = new ManualClock(Date.parse('2026-11-24T00:00:00Z'));
    const logger = createLogger({ component: 'publisher', stream: sink, clock, env: {} });
    const updates: Array<{ config: Config; previous: Config }> = [];
    return { source, sink, clock, logger, updates, onUpdate: (config: Config, previous: Config) => void updates.push({ config, previous }) };
  }

  it('delivers the initial config, then a valid update, and keeps the old config on an invalid one', async () => {
    const { source, sink, logger, updates, onUpdate } = setup({ pollIntervalMs: '500' });
    const loaded = await loadConfig(Schema, { source, logger, onUpdate, debounceMs: 0 });
    expect(loaded.config.pollIntervalMs).toBe(500);
    expect(loaded.origin).toBe('fake');

    source.update({ pollIntervalMs: '750', routes: [{ stream: 'a' }] });
    await flushPromises();
    expect(updates).toHaveLength(1);
    expect(updates[0].config).toMatchObject({ pollIntervalMs: 750, routes: [{ stream: 'a', priority: 2 }] });
    expect(updates[0].previous.pollIntervalMs).toBe(500);
    expect(loaded.config.pollIntervalMs).toBe(750);
    expect(sink.withMsg('Configuration updated.')[0]).toMatchObject({ changed: ['pollIntervalMs', 'routes'] });

    source.update({ pollIntervalMs: 'soon', routes: [{ stream: 'a', priority: 7 }], bogus: true });
    await flushPromises();
    expect(updates).toHaveLength(1);
    expect(loaded.config.pollIntervalMs).toBe(750);
    const rejected = sink.withMsg('Configuration update rejected; keeping the previous configuration.');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({
      level: 'error',
      code: 'config_invalid',
      origin: 'fake',
      problems: [
        '/bogus: unknown key; allowed keys are pollIntervalMs, enabled, onFull, ratio, streamManager, routes, tags',
        '/pollIntervalMs: expected integer ≥ 100, got "soon"',
        '/routes/0/priority: expected integer from 0 to 4, got 7',
      ],
    });

    await loaded.close();
    expect(source.subscribed).toBe(false);
    expect(source.closed).toBe(true);
  });

  it('runs the extra check on the initial config and on updates, reporting its problems like schema ones', async () => {
    const { source, sink, logger, updates, onUpdate } = setup({ pollIntervalMs: 500 });
    const check = (c: Config) => (c.pollIntervalMs === 666 ? [{ path: '/pollIntervalMs', reason: 'is unlucky' }] : []);
    const loaded = await loadConfig(Schema, { source, logger, onUpdate, debounceMs: 0, check });
    source.update({ pollIntervalMs: 666 });
    await flushPromises();
    expect(updates).toHaveLength(0);
    expect(loaded.config.pollIntervalMs).toBe(500);
    expect(sink.withMsg('Configuration update rejected; keeping the previous configuration.')[0]).toMatchObject({ problems: ['/pollIntervalMs: is unlucky'] });
    source.update({ pollIntervalMs: 700 });
    await flushPromises();
    expect(updates).toHaveLength(1);
    await loaded.close();
    await expect(loadConfig(Schema, { source: new FakeSource({ pollIntervalMs: 666 }), check })).rejects.toMatchObject({ code: 'config_invalid', problems: [{ path: '/pollIntervalMs', reason: 'is unlucky' }] });
  });

  it('reports schema problems and the extra check\'s problems in one run; a check that throws on a broken shape leaves the schema\'s', async () => {
    const check = (c: Config) => (c.pollIntervalMs === 666 ? [{ path: '/pollIntervalMs', reason: 'is unlucky' }] : c.routes.length > 0 ? [{ path: '/routes/0/stream', reason: 'names no stream' }] : []);
    const err = await loadConfig(Schema, { source: new FakeSource({ pollIntervalMs: 'soon', routes: [{ stream: 'a' }] }), check }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'config_invalid' });
    expect((err as { problems: { path: string }[] }).problems.map((p) => p.path)).toEqual(['/pollIntervalMs', '/routes/0/stream']);
    const throwing = () => {
      throw new Error('bug in a check');
    };
    const err2 = await loadConfig(Schema, { source: new FakeSource({ pollIntervalMs: 'soon' }), check: throwing }).catch((e: unknown) => e);
    expect((err2 as { problems: { path: string }[] }).problems.map((p) => p.path)).toEqual(['/pollIntervalMs']);
  });

  it('ignores a re-read that changes nothing', async () => {
    const { source, logger, updates, onUpdate } = setup({ pollIntervalMs: 500 });
    await loadConfig(Schema, { source, logger, onUpdate, debounceMs: 0 });
    source.update({ pollIntervalMs: '500' });
    await flushPromises();
    expect(source.gets).toBe(2);
    expect(updates).toHaveLength(0);
  });

  it('reads once for a burst of change notices within the debounce window', async () => {
    const { source, clock, logger, updates, onUpdate } = setup({});
    await loadConfig(Schema, { source, logger, onUpdate, clock, debounceMs: 200 });
    source.update({ pollIntervalMs: 300 });
    clock.advance(100);
    source.update({ pollIntervalMs: 400 });
    source.update({ pollIntervalMs: 600 });
    await clock.advanceAsync(199);
    expect(source.gets).toBe(1);
    await clock.advanceAsync(1);
    expect(source.gets).toBe(2);
    expect(updates.map((u) => u.config.pollIntervalMs)).toEqual([600]);
  });

  it('keeps the config when re-reading fails, and logs a failing onUpdate', async () => {
    const { source, sink, logger } = setup({});
    const onUpdate = jest.fn().mockRejectedValue(new Error('cannot resize buffer'));
    const loaded = await loadConfig(Schema, { source, logger, onUpdate, debounceMs: 0 });
    source.update(new Error('IPC down'));
    await flushPromises();
    expect(sink.withMsg('Cannot re-read the configuration; keeping the previous one.')).toHaveLength(1);
    source.update({ enabled: false });
    await flushPromises();
    expect(onUpdate).toHaveBeenCalledTimes(1);
    expect(loaded.config.enabled).toBe(false);
    expect(sink.withMsg('Applying the configuration update failed.')[0]).toMatchObject({ level: 'error', err: { message: 'cannot resize buffer' } });
  });

  it('does not subscribe without onUpdate (closing the source at once), and closes the source when the initial config is invalid', async () => {
    const ok = new FakeSource({});
    await loadConfig(Schema, { source: ok });
    expect(ok.subscribed).toBe(false);
    expect(ok.closed).toBe(true);
    const bad = new FakeSource({ pollIntervalMs: 1 });
    const err = await rejection(loadConfig(Schema, { source: bad, onUpdate: () => undefined }));
    expect(err.origin).toBe('fake');
    expect(bad.closed).toBe(true);
  });
});

/** Stands in for the SDK's StreamingOperation. */
class FakeOperation extends EventEmitter implements ConfigUpdateStream {
  activated = false;
  closed = false;
  failActivate = false;
  async activate(): Promise<void> {
    if (this.failActivate) throw new Error('UnauthorizedError');
    this.activated = true;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

class FakeIpc implements ConfigIpcClient {
  readonly requests: unknown[] = [];
  readonly operation = new FakeOperation();
  closed = false;
  constructor(public value: unknown) {}
  async getConfiguration(request: { keyPath: string[] }) {
    this.requests.push(request);
    return { componentName: 'com.tributary.Publisher', value: this.value };
  }
  subscribeToConfigurationUpdate(request: { keyPath: string[] }): ConfigUpdateStream {
    this.requests.push(request);
    return this.operation;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

describe('GreengrassIpcConfigSource', () => {
  it('reads the whole component configuration and drops accessControl', async () => {
    const ipc = new FakeIpc({ pollIntervalMs: '300', accessControl: { 'aws.greengrass.ipc.mqttproxy': {} } });
    const connect = jest.fn(async () => ipc);
    const source = new GreengrassIpcConfigSource({ connect });
    expect(await source.get()).toEqual({ pollIntervalMs: '300' });
    await source.get();
    expect(connect).toHaveBeenCalledTimes(1);
    expect(ipc.requests[0]).toEqual({ keyPath: [] });
    ipc.value = undefined;
    expect(await source.get()).toEqual({});
  });

  it('announces configuration update events and closes the stream and client', async () => {
    const ipc = new FakeIpc({});
    const source = new GreengrassIpcConfigSource({ connect: async () => ipc });
    const onChange = jest.fn();
    const unsubscribe = await source.subscribe(onChange);
    expect(ipc.requests).toEqual([{ keyPath: [] }]);
    expect(ipc.operation.activated).toBe(true);
    ipc.operation.emit('message', { configurationUpdateEvent: { componentName: 'com.tributary.Publisher', keyPath: ['pollIntervalMs'] } });
    expect(onChange).toHaveBeenCalledTimes(1);
    await unsubscribe();
    expect(ipc.operation.closed).toBe(true);
    await source.close();
    expect(ipc.closed).toBe(true);
  });

  it('drives loadConfig end to end: initial config, a valid update, an invalid update', async () => {
    const ipc = new FakeIpc({ pollIntervalMs: '300' });
    const sink = new MemoryLogSink();
    const logger = createLogger({ component: 'publisher', stream: sink, env: {} });
    const updates: number[] = [];
    const loaded = await loadConfig(Schema, {
      env: { SVCUID: 'token' },
      argv: [],
      ipc: async () => ipc,
      logger,
      debounceMs: 0,
      onUpdate: (c) => void updates.push(c.pollIntervalMs),
    });
    expect(loaded.origin).toBe('Greengrass IPC');
    expect(loaded.config.pollIntervalMs).toBe(300);
    ipc.value = { pollIntervalMs: '900' };
    ipc.operation.emit('message', { configurationUpdateEvent: { componentName: 'c', keyPath: ['pollIntervalMs'] } });
    await flushPromises();
    ipc.value = { pollIntervalMs: '9' };
    ipc.operation.emit('message', { configurationUpdateEvent: { componentName: 'c', keyPath: ['pollIntervalMs'] } });
    await flushPromises();
    expect(updates).toEqual([900]);
    expect(loaded.config.pollIntervalMs).toBe(900);
    expect(sink.withMsg('Configuration update rejected; keeping the previous configuration.')[0].problems).toEqual(['/pollIntervalMs: expected integer ≥ 100, got 9']);
    await loaded.close();
    expect(ipc.closed).toBe(true);
  });

  it('turns IPC failures into a retryable config_unavailable error and connects again next time', async () => {
    let attempts = 0;
    const source = new GreengrassIpcConfigSource({
      connect: async () => {
        attempts++;
        if (attempts === 1) throw new Error('ENOENT ipc.socket');
        return new FakeIpc({ a: 1 });
      },
    });
    await expect(source.get()).rejects.toMatchObject({ code: 'config_unavailable', isRetryable: true });
    await expect(source.get()).resolves.toEqual({ a: 1 });
    const ipc = new FakeIpc({});
    ipc.operation.failActivate = true;
    const failing = new GreengrassIpcConfigSource({ connect: async () => ipc });
    await expect(failing.subscribe(() => undefined)).rejects.toMatchObject({ code: 'config_unavailable' });
  });
});

describe('exitOnConfigError', () => {
  it('logs every problem, prints the message, exits 78 and rethrows if exit returns', () => {
    const sink = new MemoryLogSink();
    const logger = createLogger({ component: 'obd-collector', stream: sink, env: {} });
    const exit = jest.fn();
    const printed: string[] = [];
    const err = new ConfigError(
      [
        { path: '/port', reason: 'missing; expected string' },
        { path: '/pollIntervalMs', reason: 'expected integer ≥ 100, got "fast"' },
      ],
      { origin: 'config.yaml' },
    );
    expect(() => exitOnConfigError(err, logger, { exit, stderr: { write: (t: string) => printed.push(t) } })).toThrow(err);
    expect(exit).toHaveBeenCalledWith(EXIT_CONFIG);
    expect(sink.records()[0]).toMatchObject({
      level: 'error',
      msg: 'Invalid configuration; exiting.',
      code: 'config_invalid',
      origin: 'config.yaml',
      problems: ['/port: missing; expected string', '/pollIntervalMs: expected integer ≥ 100, got "fast"'],
    });
    expect(printed.join('')).toBe('Invalid configuration in config.yaml (2 problems):\n/port: missing; expected string\n/pollIntervalMs: expected integer ≥ 100, got "fast"\n');
  });

  it('exits 1 for other start-up failures', () => {
    const sink = new MemoryLogSink();
    const logger = createLogger({ component: 'x', stream: sink, env: {} });
    const exit = jest.fn();
    const err = new TributaryError('config_unavailable', 'IPC down.');
    expect(() => exitOnConfigError(err, logger, { exit, stderr: null })).toThrow(err);
    expect(exit).toHaveBeenCalledWith(1);
    expect(sink.records()[0]).toMatchObject({ msg: 'Cannot load the configuration; exiting.', err: { code: 'config_unavailable' } });
  });
});
