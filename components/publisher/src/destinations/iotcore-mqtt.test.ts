import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createLogger } from '../../../core/src';
import { decodeOutbound } from '../../../core/src/outbound';
import { LocalMqttBroker, type BrokerListening } from '../../../../local/mqtt-broker/src/broker';
import { IotCoreMqttDestination, type IotCoreMqttOptions } from './iotcore-mqtt';
import { quietLogStream, record, sample } from './testing/records';
import { waitUntil } from './testing/wait';

const logger = createLogger({ component: 'test', stream: quietLogStream, level: 'error' });

// Known flake (about 1 CI run in 8 on a loaded machine): after the broker closes, aws-crt
// sometimes reports no interruption for > 20 s, even with a 5 s keep-alive. Not root-caused yet;
// a failing test is run again (errors logged), so a real regression still fails every attempt.
jest.retryTimes(2, { logErrorsBeforeRetry: true });

describe('IotCoreMqttDestination against the local TLS broker', () => {
  let dir: string;
  let broker: LocalMqttBroker;
  let l: BrokerListening;
  let dest: IotCoreMqttDestination | undefined;
  const make = (over: Partial<IotCoreMqttOptions> = {}): IotCoreMqttDestination =>
    new IotCoreMqttDestination(
      { name: 'iot', endpoint: '127.0.0.1', port: l.port, certFile: l.clientCertFile, keyFile: l.clientKeyFile, caFile: l.caFile, clientId: `t-${Math.random()}`, reconnectMinSeconds: 1, reconnectMaxSeconds: 1, ...over },
      { logger },
    );

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iot-mqtt-'));
  });
  beforeEach(async () => {
    broker = new LocalMqttBroker({ certDir: dir });
    l = await broker.listen();
  });
  afterEach(async () => {
    await dest?.stop();
    dest = undefined;
    await broker.close();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('publishes bundles per topic, QoS 1, accepted on PUBACK', async () => {
    dest = make();
    await dest.start();
    expect(dest.status().state).toBe('connected');
    const recs = [
      record(1, [sample({ device: 'a', name: 'rpm' }), sample({ device: 'b', name: 'rpm' })]),
      record(2, [sample({ device: 'a', name: 'speed' })]),
      record(3, [sample({ device: 'a' })], { mapping: { topic: 'fleet/{priority}/{device}/{name}' }, priority: 'critical' }),
    ];
    const out = await dest.send(recs);
    expect(out.map((o) => o.kind)).toEqual(['accepted', 'accepted', 'accepted']);
    const topics = broker.messages.map((m) => m.topic).sort();
    expect(topics).toEqual(['fleet/critical/a/rpm', 'tributary/a/obd', 'tributary/b/obd']);
    expect(broker.messages.every((m) => m.qos === 1)).toBe(true);
    const a = broker.messages.find((m) => m.topic === 'tributary/a/obd');
    const d = decodeOutbound(a!.payload);
    expect(d.ok && d.records.map((r) => [r.origin.seq, r.samples.length])).toEqual([
      [1, 1],
      [2, 1],
    ]);
  });

  it('rejects a record too large for one message and one with a bad topic, sends the rest', async () => {
    dest = make({ maxMessageBytes: 1000, allowedTopicPrefixes: ['tributary/'] });
    await dest.start();
    const out = await dest.send([
      record(1, [sample({ value: 'x'.repeat(2000) })]),
      record(2),
      record(3, [sample()], { mapping: { topic: 'other/{device}' } }),
      record(4, [sample()], { mapping: { topic: 'tributary/{attrs.zone}' } }),
    ]);
    expect(out.map((o) => (o.kind === 'accepted' ? o.kind : o.code))).toEqual(['iotcore_payload_too_large', 'accepted', 'iotcore_topic_not_allowed', 'iotcore_topic_invalid']);
    expect(broker.messages).toHaveLength(1);
  });

  it('packs up to the size limit', async () => {
    dest = make({ maxMessageBytes: 2000 });
    await dest.start();
    const out = await dest.send(Array.from({ length: 20 }, (_, i) => record(i, [sample({ value: 'v'.repeat(200) })])));
    expect(out.every((o) => o.kind === 'accepted')).toBe(true);
    expect(broker.messages.length).toBeGreaterThan(1);
    const seqs = broker.messages.flatMap((m) => {
      expect(m.payload.length).toBeLessThanOrEqual(2000);
      const d = decodeOutbound(m.payload);
      return d.ok ? d.records.map((r) => r.origin.seq) : [];
    });
    expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('answers retry while the broker is down and delivers again once it is back', async () => {
    // A short keep-alive: should the closed socket go unnoticed (seen once under heavy load), the
    // missing PINGRESP still tells the client within seconds, as with a silent network cut.
    dest = make({ keepAliveSeconds: 5 });
    await dest.start();
    await waitUntil(() => dest!.isConnected(), 25, 'the first connection');
    const port = l.port;
    await broker.close();
    await waitUntil(() => !dest!.isConnected(), 25, 'the disconnect');
    const out = await dest.send([record(1), record(2)]);
    expect(out.map((o) => o.kind)).toEqual(['retry', 'retry']);
    expect(out[0]).toMatchObject({ code: 'iotcore_disconnected' });
    expect(['down', 'backing_off']).toContain(dest.status().state);
    expect(dest.status().downSince).toEqual(expect.any(Number));
    await broker.listen(port);
    await waitUntil(() => dest!.isConnected(), 25, 'the reconnect');
    expect((await dest.send([record(1)]))[0].kind).toBe('accepted');
    expect(dest.status().state).toBe('connected');
  });

  it('connects later when the broker is not up at start', async () => {
    const port = l.port;
    await broker.close();
    dest = make();
    await dest.start();
    expect(dest.status().state).toBe('down');
    expect((await dest.send([record(1)]))[0].kind).toBe('retry');
    await broker.listen(port);
    await waitUntil(() => dest!.isConnected(), 25, 'the reconnect');
    expect((await dest.send([record(1)]))[0].kind).toBe('accepted');
  });

  it('is refused without a trusted client certificate (TLS)', async () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'iot-mqtt-other-'));
    const foreign = new LocalMqttBroker({ certDir: other });
    const fl = await foreign.listen();
    await foreign.close();
    dest = make({ certFile: fl.clientCertFile, keyFile: fl.clientKeyFile });
    await dest.start();
    expect(dest.isConnected()).toBe(false);
    expect((await dest.send([record(1)]))[0].kind).toBe('retry');
    await waitUntil(() => broker.stats.tlsRejections > 0, 25, 'a TLS rejection');
    fs.rmSync(other, { recursive: true, force: true });
  });

  it('fails start with iotcore_config when a certificate file is missing', async () => {
    dest = make({ certFile: path.join(dir, 'missing.crt') });
    await expect(dest.start()).rejects.toMatchObject({ code: 'iotcore_config' });
  });

  it('handles an empty send', async () => {
    dest = make();
    await dest.start();
    expect(await dest.send([])).toEqual([]);
  });
});
