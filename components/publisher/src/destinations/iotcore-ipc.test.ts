import { createLogger } from '../../../core/src';
import { decodeOutbound } from '../../../core/src/outbound';
import { createDestination, destinationConfigProblems, withDestinationDefaults, type DestinationConfig } from './index';
import { IotCoreIpcDestination, classifyIpcError, type IotCoreIpcClient } from './iotcore-ipc';
import { quietLogStream, record, sample } from './testing/records';

const logger = createLogger({ component: 'test', stream: quietLogStream, level: 'error' });

/** Shaped like the SDK's RpcError for a modelled service error. */
function serviceError(message: string): Error {
  return Object.assign(new Error('Eventstream RPC request failed.  Check serviceError property for details.'), { type: 8, serviceError: { message } });
}

class FakeIpc implements IotCoreIpcClient {
  readonly published: Array<{ topicName: string; qos: string; payload: Buffer }> = [];
  readonly failures: Array<Error | undefined> = [];
  closed = false;
  async publishToIoTCore(req: { topicName: string; qos: '1'; payload: Buffer }): Promise<unknown> {
    const f = this.failures.shift();
    if (f) throw f;
    this.published.push(req);
    return {};
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

describe('IotCoreIpcDestination (fake IPC client)', () => {
  it('publishes bundles at QoS 1 and accepts on the IPC answer', async () => {
    const ipc = new FakeIpc();
    const dest = new IotCoreIpcDestination({ name: 'ipc' }, { logger, connect: async () => ipc });
    await dest.start();
    const out = await dest.send([record(1), record(2, [sample({ device: 'b' })])]);
    expect(out.map((o) => o.kind)).toEqual(['accepted', 'accepted']);
    expect(ipc.published.map((p) => [p.topicName, p.qos])).toEqual([
      ['tributary/vin1/obd', '1'],
      ['tributary/b/obd', '1'],
    ]);
    expect(decodeOutbound(ipc.published[0].payload)).toMatchObject({ ok: true, records: [{ origin: { seq: 1 } }] });
    expect(dest.status().state).toBe('connected');
    await dest.stop();
    expect(ipc.closed).toBe(true);
  });

  it('puts the core device\'s thing name into {thing}, from thingName or AWS_IOT_THING_NAME (as Greengrass sets it)', async () => {
    const ipc = new FakeIpc();
    const config = withDestinationDefaults({ type: 'iotcore', name: 'ipc', topic: 'tributary/{thing}/{device}/{source}' }) as DestinationConfig;
    const dest = createDestination(config, { logger, env: { AWS_IOT_THING_NAME: 'core-7' }, ipcConnect: async () => ipc });
    await dest.start();
    expect((await dest.send([record(1)])).map((o) => o.kind)).toEqual(['accepted']);
    expect(ipc.published.map((p) => p.topicName)).toEqual(['tributary/core-7/vin1/obd']);
    await dest.stop();

    const named = createDestination({ ...config, thingName: 'core-8' } as DestinationConfig, { logger, env: { AWS_IOT_THING_NAME: 'core-7' }, ipcConnect: async () => ipc });
    await named.start();
    await named.send([record(2)]);
    expect(ipc.published.map((p) => p.topicName)[1]).toBe('tributary/core-8/vin1/obd');
    await named.stop();

    // Without a thing name the record is refused naming what to set (the config check catches it first).
    const none = createDestination(config, { logger, env: {}, ipcConnect: async () => ipc });
    await none.start();
    expect(await none.send([record(3)])).toEqual([expect.objectContaining({ kind: 'rejected', message: expect.stringContaining('set thingName') })]);
    await none.stop();
    expect(destinationConfigProblems(config, '/destinations/0', {})).toEqual([{ path: '/destinations/0/topic', reason: 'uses {thing}: set thingName, or run under Greengrass (which sets AWS_IOT_THING_NAME)' }]);
    expect(destinationConfigProblems(config, '/destinations/0', { AWS_IOT_THING_NAME: 'core-7' })).toEqual([]);
  });

  it('maps spool full to retry and unauthorized to rejected, per message', async () => {
    const ipc = new FakeIpc();
    const dest = new IotCoreIpcDestination({ name: 'ipc' }, { logger, connect: async () => ipc });
    await dest.start();
    ipc.failures.push(serviceError('Message spool is full'));
    ipc.failures.push(serviceError('Principal com.tributary.Publisher is not authorized to perform aws.greengrass#PublishToIoTCore on resource tributary/b/obd'));
    const out = await dest.send([record(1), record(2, [sample({ device: 'b' })]), record(3, [sample({ device: 'c' })])]);
    expect(out.map((o) => (o.kind === 'accepted' ? 'accepted' : o.code))).toEqual(['iotcore_spool_full', 'iotcore_unauthorized', 'accepted']);
    expect(out[0].kind).toBe('retry');
    expect(out[1].kind).toBe('rejected');
    expect(dest.status().lastError?.code).toBe('iotcore_spool_full');
    await dest.stop();
  });

  it('reconnects after a connection-level failure and when the first connect fails', async () => {
    const clients: FakeIpc[] = [];
    let refuse = true;
    const dest = new IotCoreIpcDestination(
      { name: 'ipc', reconnectMinMs: 1, reconnectMaxMs: 1 },
      {
        logger,
        connect: async () => {
          if (refuse) throw new Error('connect ECONNREFUSED /greengrass/ipc.socket');
          const c = new FakeIpc();
          clients.push(c);
          return c;
        },
      },
    );
    await dest.start();
    expect(dest.status().state).toBe('down');
    expect((await dest.send([record(1)]))[0]).toMatchObject({ kind: 'retry', code: 'iotcore_disconnected' });
    refuse = false;
    await new Promise((r) => setTimeout(r, 5));
    expect((await dest.send([record(1)]))[0].kind).toBe('accepted');
    clients[0].failures.push(Object.assign(new Error('connection closed'), { type: 4 }));
    expect((await dest.send([record(2)]))[0]).toMatchObject({ kind: 'retry', code: 'iotcore_publish_failed' });
    expect(clients[0].closed).toBe(true);
    await new Promise((r) => setTimeout(r, 5));
    expect((await dest.send([record(2)]))[0].kind).toBe('accepted');
    expect(clients).toHaveLength(2);
    await dest.stop();
  });

  it('rejects oversize parts without calling IPC; empty input gives nothing', async () => {
    const ipc = new FakeIpc();
    const dest = new IotCoreIpcDestination({ name: 'ipc', maxMessageBytes: 500 }, { logger, connect: async () => ipc });
    await dest.start();
    expect(await dest.send([])).toEqual([]);
    const out = await dest.send([record(1, [sample({ value: 'z'.repeat(600) })])]);
    expect(out[0]).toMatchObject({ kind: 'rejected', code: 'iotcore_payload_too_large' });
    expect(ipc.published).toHaveLength(0);
    await dest.stop();
  });

  it('classifies errors by their text', () => {
    expect(classifyIpcError(serviceError('spool is full'))).toMatchObject({ kind: 'retry', code: 'iotcore_spool_full' });
    expect(classifyIpcError({ serviceError: { message: 'Unauthorized' } })).toMatchObject({ kind: 'rejected' });
    expect(classifyIpcError(new Error('boom'))).toMatchObject({ kind: 'retry', code: 'iotcore_publish_failed' });
  });
});
