/** PublisherService: configuration updates replace the engine without losing or repeating records. */
import { CheckpointStore, ConfigError, Health, MemoryLogSink, StreamClient, createLogger, encodeBatch, systemClock } from '../../core/src';
import type { LocalStreamManager } from '../../../local/stream-manager/src/server';
import { startStreamManager, tempDir } from '../../../test/helpers/stream-manager';
import { waitFor } from '../../../test/helpers/wait';
import { PublisherService } from './from-config';
import { Publisher, type PublisherSettings } from './publisher';
import { FakeDestination } from './testing/fake-destination';

const A = 'tributary.out.telemetry';
const B = 'tributary.out.critical';

let sm: LocalStreamManager;
let client: StreamClient;
let dir: string;

beforeEach(async () => {
  dir = tempDir('tributary-publisher-service-');
  sm = await startStreamManager({ dir: `${dir}/streams` });
  client = new StreamClient({ port: sm.port });
  for (const name of [A, B]) await client.ensureStream({ name, strategyOnFull: 'RejectNewData' });
});

afterEach(async () => {
  client.close();
  await sm.close();
});

function settings(streams: string[]): PublisherSettings {
  return {
    routes: streams.map((s) => ({ name: s, streams: [s], destination: 'd1', priority: 'critical', mapping: {} })),
    priorities: [{ name: 'critical', weight: 1 }],
    streams: [],
    deadLetter: { name: 'tributary.publisher.deadletter', strategyOnFull: 'RejectNewData' },
    window: { maxRecords: 100, maxBytes: 1 << 20 },
    readBatch: 50,
    readWaitMs: 100,
    recordRetry: { initialMs: 5, maxMs: 50 },
    destinationBackoff: { initialMs: 10, maxMs: 100 },
    stopDeadlineMs: 1000,
    gaugeIntervalMs: 1000,
  };
}

async function append(stream: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await client.append(stream, encodeBatch([{ device: 'car', source: 'obd', name: 'rpm', value: i, quality: 'GOOD', ts: 1_700_000_000_000 + i }]));
}

test('an update stops the old engine (checkpoints saved) and the new one resumes: nothing lost, nothing repeated; an unbuildable update leaves the running one', async () => {
  const sink = new MemoryLogSink();
  const logger = createLogger({ component: 'publisher', stream: sink, env: {} });
  const health = new Health({ component: 'publisher' });
  const streams = new StreamClient({ port: sm.port });
  const delivered: string[] = [];
  const build = (routes: string[] | 'broken'): Publisher => {
    if (routes === 'broken') throw new ConfigError([{ path: '/destinations/0/region', reason: 'missing; set region or AWS_REGION' }]);
    const dest = new FakeDestination('d1');
    dest.policy = (r) => {
      delivered.push(`${r.origin.stream}#${r.origin.sequenceNumber}`);
      return { kind: 'accepted' };
    };
    return new Publisher(settings(routes), { streams, destinations: [dest], checkpoints: new CheckpointStore(`${dir}/checkpoints`), health, logger, clock: systemClock });
  };
  const service = new PublisherService<string[] | 'broken'>(build, logger);
  try {
    await service.start([A]);
    await append(A, 30);
    await waitFor(() => delivered.length === 30, 10_000, 'the first 30');

    await append(A, 20); // some of these are in flight while the update lands
    await Promise.all([service.update([A, B]), append(B, 10)]);
    await append(A, 5);
    await waitFor(() => delivered.length >= 65, 10_000, 'everything after the update');
    await new Promise((r) => setTimeout(r, 300));
    expect(new Set(delivered).size).toBe(delivered.length);
    expect(delivered.filter((d) => d.startsWith(A))).toHaveLength(55);
    expect(delivered.filter((d) => d.startsWith(B))).toHaveLength(10);

    const before = service.publisher;
    await service.update('broken');
    expect(service.publisher).toBe(before);
    expect(sink.withMsg('Configuration update cannot be applied; keeping the running publisher.')).toHaveLength(1);
    await append(B, 1);
    await waitFor(() => delivered.length === 66, 10_000, 'still delivering');
  } finally {
    await service.stop();
    streams.close();
  }
});
