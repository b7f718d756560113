import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { ConfigError, loadConfig } from '../../core/src';
import { checkPublisherConfig, publisherSettingsOf, PublisherConfigSchema } from './config';

async function load(raw: unknown) {
  const source = { origin: 'test', get: async () => raw, subscribe: async () => () => undefined };
  return (await loadConfig(PublisherConfigSchema, { source, check: checkPublisherConfig })).config;
}

async function problems(raw: unknown): Promise<string[]> {
  try {
    await load(raw);
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems.map((p) => `${p.path}: ${p.reason}`);
  }
}

describe('Publisher configuration', () => {
  it('is valid empty: three routes to one Kinesis destination, defaults filled in per destination type', async () => {
    const c = await load({});
    expect(c.routes.map((r) => [r.streams[0], r.priority])).toEqual([
      ['tributary.out.critical', 'critical'],
      ['tributary.out.telemetry', 'telemetry'],
      ['tributary.out.summary', 'bulk'],
    ]);
    expect(c.destinations[0]).toMatchObject({ type: 'kinesis', name: 'kinesis', maxRecordsPerCall: 500, partitionKey: 'device' });
    const s = publisherSettingsOf(c);
    expect(s.deadLetter).toMatchObject({ name: 'tributary.publisher.deadletter', strategyOnFull: 'RejectNewData' });
    expect(s.window).toEqual({ maxRecords: 2000, maxBytes: 8388608 });
  });

  it('the sample file loads to the defaults', async () => {
    const sample = YAML.parse(readFileSync(path.join(__dirname, '..', 'config.sample.yaml'), 'utf8')) as unknown;
    expect(await load(sample)).toEqual(await load({}));
  });

  it('names every broken cross-reference and every bad destination field', async () => {
    const found = await problems({
      destinations: [
        { type: 'kinesis', name: 'k', streamName: 's', maxRecordsPerCall: 900 },
        { type: 'iotcore', name: 'k', mode: 'mqtt' },
        { type: 'carrier-pigeon', name: 'p' },
      ],
      priorities: [{ name: 'critical', weight: 1 }, { name: 'critical', weight: 2 }],
      routes: [
        { name: 'a', streams: ['x', 'x'], destination: 'k', priority: 'critical' },
        { name: 'b', streams: ['y'], destination: 'nowhere', priority: 'urgent' },
      ],
    });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/destinations\/0\/maxRecordsPerCall: /),
        '/destinations/1/name: "k" is already the name of destination 0',
        '/destinations/1/endpoint: missing; required when mode is "mqtt"',
        expect.stringMatching(/^\/destinations\/2\/type: expected one of "kinesis", "sitewise", "iotcore"/),
        '/priorities/1/name: "critical" is listed twice',
        '/routes/0/streams/1: stream "x" already goes to "k" through route "a"',
        '/routes/1/destination: no destination named "nowhere"; known: "k", "p"',
        '/routes/1/priority: no priority class named "urgent"; known: "critical"',
      ]),
    );
  });

  it('asks for a thing name when an IoT Core topic uses {thing} outside Greengrass', async () => {
    const saved = process.env.AWS_IOT_THING_NAME;
    delete process.env.AWS_IOT_THING_NAME;
    try {
      const raw = {
        destinations: [{ type: 'iotcore', name: 'iot', mode: 'ipc' }, { type: 'sitewise', name: 'sw', region: 'us-east-1' }],
        routes: [
          { name: 'a', streams: ['tributary.out.critical'], destination: 'iot', priority: 'critical', mapping: { topic: 'tributary/{thing}/{device}' } },
          { name: 'b', streams: ['tributary.out.telemetry'], destination: 'sw', priority: 'telemetry', mapping: { alias: '/{thing}/{name}' } },
        ],
      };
      expect(await problems(raw)).toEqual([
        '/routes/0/mapping/topic: uses {thing}: set thingName on destination "iot", or run under Greengrass (which sets AWS_IOT_THING_NAME)',
        '/routes/1/mapping/alias: unknown placeholder {thing}',
      ]);
      process.env.AWS_IOT_THING_NAME = 'core-1';
      expect(await problems({ ...raw, routes: [raw.routes[0]] })).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.AWS_IOT_THING_NAME;
      else process.env.AWS_IOT_THING_NAME = saved;
    }
  });

  it('rejects unknown keys and wrong types with their paths', async () => {
    expect(await problems({ inFlight: { maxRecords: 0 }, bogus: 1, routes: [{ name: 'r', streams: [], destination: 'kinesis', priority: 'bulk' }] })).toEqual(
      expect.arrayContaining([expect.stringMatching(/^\/bogus: unknown key/), expect.stringMatching(/^\/inFlight\/maxRecords: /), expect.stringMatching(/^\/routes\/0\/streams: /)]),
    );
  });
});
