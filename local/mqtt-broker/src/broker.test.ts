import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { mqtt, iot } from 'aws-iot-device-sdk-v2';
import { LocalMqttBroker, type BrokerListening } from './broker';
import { ensureCertificates } from './certs';
import { runMqttBroker } from './main';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt-broker-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function connect(l: BrokerListening, clientId: string, cert = l.clientCertFile, key = l.clientKeyFile): Promise<mqtt.MqttClientConnection> {
  const b = iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder_from_path(cert, key);
  b.with_certificate_authority_from_path(undefined, l.caFile).with_endpoint('127.0.0.1').with_port(l.port).with_client_id(clientId).with_clean_session(true);
  const conn = new mqtt.MqttClient().new_connection(b.build());
  conn.on('error', () => undefined);
  await conn.connect();
  return conn;
}

describe('certificates', () => {
  it('makes a CA, a server cert for 127.0.0.1/localhost and a client cert, and reuses them', async () => {
    const d = path.join(dir, 'certs');
    const a = await ensureCertificates(d);
    const ca = fs.readFileSync(a.caFile, 'utf8');
    const server = new X509Certificate(fs.readFileSync(a.serverCertFile));
    expect(server.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(server.subjectAltName).toContain('DNS:localhost');
    expect(server.checkIssued(new X509Certificate(ca))).toBe(true);
    expect((fs.statSync(a.clientKeyFile).mode & 0o777).toString(8)).toBe('600');
    await ensureCertificates(d);
    expect(fs.readFileSync(a.caFile, 'utf8')).toBe(ca);
    const other = await ensureCertificates(d, { clientCommonName: 'someone-else' });
    expect(fs.readFileSync(other.caFile, 'utf8')).not.toBe(ca);
  });
});

describe('LocalMqttBroker', () => {
  it('accepts clients with a certificate from its CA and records their messages', async () => {
    const broker = new LocalMqttBroker({ certDir: path.join(dir, 'b1') });
    const l = await broker.listen();
    expect(l.url).toBe(`mqtts://127.0.0.1:${l.port}`);
    const conn = await connect(l, 'gw-1');
    const seen = broker.waitForMessages(2, (m) => m.topic.startsWith('t/'));
    await conn.publish('t/a', 'one', mqtt.QoS.AtLeastOnce);
    await conn.publish('t/b', Buffer.from('two'), mqtt.QoS.AtLeastOnce);
    const msgs = await seen;
    expect(msgs.map((m) => [m.topic, m.payload.toString(), m.qos, m.clientId, m.identity])).toEqual([
      ['t/a', 'one', 1, 'gw-1', 'tributary-publisher'],
      ['t/b', 'two', 1, 'gw-1', 'tributary-publisher'],
    ]);
    expect(broker.stats).toMatchObject({ clients: 1, connects: 1, published: 2 });
    await conn.disconnect();
    await broker.close();
    await broker.close();
  });

  it('refuses a TLS client without a certificate or with one from another CA', async () => {
    const broker = new LocalMqttBroker({ certDir: path.join(dir, 'b2') });
    const l = await broker.listen();
    const foreign = await ensureCertificates(path.join(dir, 'foreign'));
    await expect(connect(l, 'intruder', foreign.clientCertFile, foreign.clientKeyFile)).rejects.toBeDefined();
    await new Promise<void>((resolve) => {
      const s = tls.connect({ host: '127.0.0.1', port: l.port, ca: fs.readFileSync(l.caFile), servername: 'localhost' }, () => s.write('x'));
      s.on('error', () => resolve());
      s.on('close', () => resolve());
    });
    expect(broker.stats.tlsRejections).toBeGreaterThanOrEqual(2);
    expect(broker.stats.connects).toBe(0);
    await broker.close();
  });

  it('drops publishes outside allowedTopicPrefixes and listens again on the same port after close', async () => {
    const broker = new LocalMqttBroker({ certDir: path.join(dir, 'b3'), allowedTopicPrefixes: ['ok/'] });
    const l = await broker.listen();
    const conn = await connect(l, 'gw-3');
    await conn.publish('ok/1', 'x', mqtt.QoS.AtLeastOnce);
    void conn.publish('denied/1', 'x', mqtt.QoS.AtLeastOnce).catch(() => undefined);
    while (broker.stats.denied === 0) await new Promise((r) => setTimeout(r, 20));
    await conn.disconnect().catch(() => undefined);
    expect(broker.messages.map((m) => m.topic)).toEqual(['ok/1']);
    await broker.close();
    const again = await broker.listen(l.port);
    expect(again.port).toBe(l.port);
    const c2 = await connect(again, 'gw-3b');
    await c2.publish('ok/2', 'y', mqtt.QoS.AtLeastOnce);
    expect(broker.messages.map((m) => m.topic)).toEqual(['ok/1', 'ok/2']);
    await c2.disconnect();
    await broker.close();
  });

  it('CLI rejects bad arguments', async () => {
    await expect(runMqttBroker(['--port', 'abc'])).rejects.toThrow(/--port/);
    await expect(runMqttBroker(['--nope'])).rejects.toThrow();
  });
});
