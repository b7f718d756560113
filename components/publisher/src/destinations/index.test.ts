import { ConfigError, checkConfig, createLogger } from '../../../core/src';
import { Type } from '@sinclair/typebox';
import {
  DestinationConfigSchema,
  IotCoreIpcDestination,
  IotCoreMqttDestination,
  KinesisDestination,
  SiteWiseDestination,
  createDestination,
  destinationConfigProblems,
  withDestinationDefaults,
  type DestinationConfig,
} from './index';
import { quietLogStream } from './testing/records';

const logger = createLogger({ component: 'test', stream: quietLogStream, level: 'error' });

describe('destination config', () => {
  it('fills defaults per type and validates', () => {
    const k = withDestinationDefaults({ type: 'kinesis', name: 'kds', streamName: 's' }) as DestinationConfig;
    expect(k).toMatchObject({ partitionKey: 'device', maxRecordBytes: 1048576, maxRequestBytes: 5242880, maxRecordsPerCall: 500, sdkMaxAttempts: 2 });
    expect(destinationConfigProblems(k)).toEqual([]);
    expect((k as { aggregation: unknown }).aggregation).toEqual({ enabled: false, maxAggregateBytes: 1024 * 1024 - 4096, maxBatchRecords: 500 });
    const s = withDestinationDefaults({ type: 'sitewise', name: 'sw' });
    expect(s).toMatchObject({ alias: '/{device}/{name}', dataTypes: [], itemAttempts: 3 });
    expect(destinationConfigProblems(s)).toEqual([]);
    const i = withDestinationDefaults({ type: 'iotcore', name: 'iot' });
    expect(i).toMatchObject({ mode: 'ipc', topic: 'tributary/{device}/{source}', maxMessageBytes: 131072, port: 8883 });
    expect(destinationConfigProblems(i)).toEqual([]);
  });

  it('embeds in a larger schema and works with checkConfig', () => {
    const Schema = Type.Object({ destinations: Type.Array(DestinationConfigSchema, { default: [] }) });
    const r = checkConfig(Schema, { destinations: [{ type: 'kinesis', name: 'kds', streamName: 's' }] });
    expect(r.ok).toBe(true);
  });

  it('lists every problem with paths', () => {
    expect(destinationConfigProblems({ type: 'nope' }, '/destinations/0')).toEqual([{ path: '/destinations/0/type', reason: expect.stringContaining('kinesis') }]);
    const p = destinationConfigProblems(withDestinationDefaults({ type: 'kinesis', name: 'k', maxRecordsPerCall: 501, extra: 1 }), '/d/0').map((x) => x.path);
    expect(p).toEqual(expect.arrayContaining(['/d/0/streamName', '/d/0/maxRecordsPerCall', '/d/0/extra']));
    const m = destinationConfigProblems(withDestinationDefaults({ type: 'iotcore', name: 'i', mode: 'mqtt', topic: 'a/{nope}' }), '/d/1').map((x) => x.path);
    expect(m).toEqual(['/d/1/topic', '/d/1/endpoint', '/d/1/certFile', '/d/1/keyFile', '/d/1/clientId']);
    const a = destinationConfigProblems(withDestinationDefaults({ type: 'kinesis', name: 'k', streamName: 's', aggregation: { enabled: 'yes', maxAggregateBytes: 10, bogus: 1 } }), '/d/2');
    expect(a.map((x) => x.path)).toEqual(expect.arrayContaining(['/d/2/aggregation/enabled', '/d/2/aggregation/maxAggregateBytes', '/d/2/aggregation/bogus']));
  });

  it('creates each destination type', async () => {
    const env = { AWS_REGION: 'eu-west-1' };
    const k = createDestination(withDestinationDefaults({ type: 'kinesis', name: 'kds', streamName: 's', endpoint: 'http://127.0.0.1:1' }) as DestinationConfig, { logger, env });
    expect(k).toBeInstanceOf(KinesisDestination);
    expect([k.type, k.maxBatchRecords, k.maxBatchBytes, k.maxConcurrency]).toEqual(['kinesis', 500, 5242880, 4]);
    const ka = createDestination(
      withDestinationDefaults({ type: 'kinesis', name: 'kds', streamName: 's', endpoint: 'http://127.0.0.1:1', aggregation: { enabled: true, maxBatchRecords: 2000 } }) as DestinationConfig,
      { logger, env },
    );
    expect([ka.maxBatchRecords, ka.maxBatchBytes]).toEqual([2000, 5242880]);
    await ka.stop();
    const s = createDestination(withDestinationDefaults({ type: 'sitewise', name: 'sw', endpoint: 'http://127.0.0.1:1' }) as DestinationConfig, { logger, env });
    expect(s).toBeInstanceOf(SiteWiseDestination);
    const i = createDestination(withDestinationDefaults({ type: 'iotcore', name: 'iot' }) as DestinationConfig, { logger, env, ipcConnect: async () => ({ publishToIoTCore: async () => ({}), close: async () => undefined }) });
    expect(i).toBeInstanceOf(IotCoreIpcDestination);
    const m = createDestination(withDestinationDefaults({ type: 'iotcore', name: 'iot2', mode: 'mqtt', endpoint: '127.0.0.1', certFile: 'c', keyFile: 'k', clientId: 'gw' }) as DestinationConfig, { logger, env });
    expect(m).toBeInstanceOf(IotCoreMqttDestination);
    await Promise.all([k.stop(), s.stop(), i.stop(), m.stop()]);
    expect(() => createDestination(withDestinationDefaults({ type: 'kinesis', name: 'kds', streamName: 's' }) as DestinationConfig, { logger, env: {} })).toThrow(ConfigError);
  });
});
