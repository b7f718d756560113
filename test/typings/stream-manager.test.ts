/**
 * Checks that types/aws-greengrass-core-sdk-stream-manager/index.d.ts agrees with the runtime shape of the
 * official client (npm aws-greengrass-core-sdk 1.7.0). This file must type-check under `tsc --noEmit`
 * and pass under jest.
 */
import * as net from 'net';
import * as SM from 'aws-greengrass-core-sdk/stream-manager';
import {
  ClientException,
  ConnectFailedException,
  ExportDefinition,
  ExportFormat,
  HTTPConfig,
  InvalidRequestException,
  IoTAnalyticsConfig,
  IoTSiteWiseConfig,
  KinesisConfig,
  Message,
  MessageStreamDefinition,
  MessageStreamInfo,
  NotEnoughMessagesException,
  Operation,
  Persistence,
  ReadMessagesOptions,
  ResponseStatusCode,
  S3ExportTaskExecutorConfig,
  StatusConfig,
  StatusLevel,
  StrategyOnFull,
  StreamManagerClient,
  StreamManagerException,
  UpdateNotAllowedException,
  ValidationException,
  util,
} from 'aws-greengrass-core-sdk/stream-manager';
import * as SMData from 'aws-greengrass-core-sdk/stream-manager/data';
import * as SMExceptions from 'aws-greengrass-core-sdk/stream-manager/exceptions';
import * as SMUtil from 'aws-greengrass-core-sdk/stream-manager/util';

/**
 * Every value export the typings declare, as a Record over `keyof typeof SM`: the compiler fails if a declared
 * export is missing here or a name here is not declared; the test below fails if the runtime differs.
 */
const DECLARED_EXPORTS: Record<keyof typeof SM, true> = {
  VersionInfo: true, ConnectRequest: true, ResponseStatusCode: true, ConnectResponse: true, Operation: true,
  MessageFrame: true, EventType: true, Status: true, StatusLevel: true, S3ExportTaskDefinition: true,
  StatusContext: true, StatusMessage: true, TraceableRequest: true, UnknownOperationError: true, Persistence: true,
  ExportFormat: true, HTTPConfig: true, IoTAnalyticsConfig: true, KinesisConfig: true, IoTSiteWiseConfig: true,
  StatusConfig: true, S3ExportTaskExecutorConfig: true, ExportDefinition: true, StrategyOnFull: true,
  MessageStreamDefinition: true, CreateMessageStreamRequest: true, CreateMessageStreamResponse: true,
  UpdateMessageStreamRequest: true, UpdateMessageStreamResponse: true, DeleteMessageStreamRequest: true,
  DeleteMessageStreamResponse: true, DescribeMessageStreamRequest: true, MessageStreamInfo: true,
  DescribeMessageStreamResponse: true, AppendMessageRequest: true, AppendMessageResponse: true,
  ReadMessagesOptions: true, ReadMessagesRequest: true, Message: true, ReadMessagesResponse: true,
  ListStreamsRequest: true, ListStreamsResponse: true, TimeInNanos: true, Variant: true, Quality: true,
  AssetPropertyValue: true, PutAssetPropertyValueEntry: true, StreamManagerClient: true, ClientException: true,
  ConnectFailedException: true, InvalidRequestException: true, MessageStoreReadErrorException: true,
  NotEnoughMessagesException: true, RequestPayloadTooLargeException: true, ResourceNotFoundException: true,
  ResponsePayloadTooLargeException: true, ServerOutOfMemoryException: true, ServerTimeoutException: true,
  StreamManagerException: true, UnauthorizedException: true, UnknownFailureException: true,
  ValidationException: true, UpdateFailedException: true, UpdateNotAllowedException: true,
  UnknownOperationException: true, util: true,
};

const EXCEPTION_NAMES = [
  'ClientException', 'ConnectFailedException', 'InvalidRequestException', 'MessageStoreReadErrorException',
  'NotEnoughMessagesException', 'RequestPayloadTooLargeException', 'ResourceNotFoundException',
  'ResponsePayloadTooLargeException', 'ServerOutOfMemoryException', 'ServerTimeoutException',
  'StreamManagerException', 'UnauthorizedException', 'UnknownFailureException', 'ValidationException',
  'UpdateFailedException', 'UpdateNotAllowedException', 'UnknownOperationException',
] as const satisfies ReadonlyArray<keyof typeof SMExceptions>;

describe('aws-greengrass-core-sdk/stream-manager typings vs runtime', () => {
  it('declares exactly the runtime exports', () => {
    expect(Object.keys(SM).filter((k) => k !== 'default').sort()).toEqual(Object.keys(DECLARED_EXPORTS).sort());
  });

  it('subpath modules resolve to the same classes', () => {
    expect(SMData.MessageStreamDefinition).toBe(MessageStreamDefinition);
    expect(SMData.Persistence.File).toBe(Persistence.File);
    expect(SMExceptions.StreamManagerException).toBe(StreamManagerException);
    expect(SMUtil.validateAndSerializeToJsonBytes).toBe(util.validateAndSerializeToJsonBytes);
    expect(Object.keys(SMExceptions).filter((k) => k !== 'default').sort()).toEqual([...EXCEPTION_NAMES].sort());
  });

  it('enums are class instances with static members and wire values', () => {
    expect(Persistence.File.asMap()).toBe(0);
    expect(Persistence.Memory.asMap()).toBe(1);
    expect(Persistence.File).toBeInstanceOf(Persistence);
    expect(StrategyOnFull.RejectNewData.asMap()).toBe(0);
    expect(StrategyOnFull.OverwriteOldestData.asMap()).toBe(1);
    expect(Operation.AppendMessage.asMap()).toBe(4);
    expect(Operation.UnknownOperationError.asMap()).toBe(17);
    expect(ResponseStatusCode.Success.asMap()).toBe(0);
    expect(ResponseStatusCode.UnknownOperation.asMap()).toBe(18);
    expect(ResponseStatusCode.fromMap(13)).toBe(ResponseStatusCode.NotEnoughMessages);
    expect(ResponseStatusCode.fromMap(99)).toBeUndefined();
    expect(ResponseStatusCode.options.NotEnoughMessages).toBe(13);
    expect(ExportFormat.JSON_BATCHED.asMap()).toBe(1);
    expect(StatusLevel.INFO.asMap()).toBe(2);
    expect(SM.Quality.GOOD.asMap()).toBe('GOOD');
    expect(SM.VersionInfo.PROTOCOL_VERSION.asMap()).toBe('1.1.0');
  });

  it('MessageStreamDefinition: defaults, builders, getters, asMap/fromMap', () => {
    const bare = new MessageStreamDefinition().withName('x');
    expect(bare.name).toBe('x');
    expect(bare.maxSize).toBe(268435456);
    expect(bare.streamSegmentSize).toBe(16777216);
    expect(bare.timeToLiveMillis).toBeNull();
    expect(bare.persistence).toBeNull();
    expect(bare.exportDefinition).toBeNull();

    const exportDefinition = new ExportDefinition()
      .withKinesis([new KinesisConfig().withIdentifier('k1').withKinesisStreamName('ks').withBatchSize(100).withPriority(1)])
      .withIotSitewise([new IoTSiteWiseConfig().withIdentifier('sw').withBatchSize(10)])
      .withHttp([new HTTPConfig().withIdentifier('h').withUri('http://localhost/x').withExportFormat(ExportFormat.RAW_NOT_BATCHED)])
      .withIotAnalytics([new IoTAnalyticsConfig().withIdentifier('a').withIotChannel('ch').withIotMsgIdPrefix('p')])
      .withS3TaskExecutor([
        new S3ExportTaskExecutorConfig()
          .withIdentifier('s3')
          .withSizeThresholdForMultipartUploadBytes(5242880)
          .withStatusConfig(new StatusConfig().withStatusLevel(StatusLevel.WARN).withStatusStreamName('status')),
      ]);
    const def = new MessageStreamDefinition()
      .withName('raw_obd')
      .withMaxSize(1 << 20)
      .withStreamSegmentSize(1 << 16)
      .withTimeToLiveMillis(3_600_000)
      .withStrategyOnFull(StrategyOnFull.OverwriteOldestData)
      .withPersistence(Persistence.File)
      .withFlushOnWrite(true)
      .withExportDefinition(exportDefinition);
    def.maxSize = 2 << 20;

    expect(def.maxSize).toBe(2 << 20);
    expect(def.strategyOnFull).toBe(StrategyOnFull.OverwriteOldestData);
    expect(def.flushOnWrite).toBe(true);
    expect(def.exportDefinition?.kinesis?.[0]?.kinesisStreamName).toBe('ks');
    expect(def.exportDefinition?.IotSitewise?.[0]?.identifier).toBe('sw');
    expect(def.exportDefinition?.s3TaskExecutor?.[0]?.statusConfig?.statusLevel).toBe(StatusLevel.WARN);

    const map = def.asMap();
    expect(map).toMatchObject({
      name: 'raw_obd',
      maxSize: 2 << 20,
      streamSegmentSize: 1 << 16,
      timeToLiveMillis: 3_600_000,
      strategyOnFull: 1,
      persistence: 0,
      flushOnWrite: true,
      exportDefinition: {
        kinesis: [{ identifier: 'k1', kinesisStreamName: 'ks', batchSize: 100, priority: 1 }],
        IotSitewise: [{ identifier: 'sw', batchSize: 10 }],
        http: [{ identifier: 'h', uri: 'http://localhost/x', exportFormat: 0 }],
      },
    });

    const back = MessageStreamDefinition.fromMap(map);
    expect(back).toBeInstanceOf(MessageStreamDefinition);
    expect(back.persistence).toBe(Persistence.File);
    expect(back.exportDefinition?.iotAnalytics?.[0]?.iotChannel).toBe('ch');
    expect(back.asMap()).toEqual(map);
    // #private fields: nothing enumerable.
    expect(Object.keys(back)).toEqual([]);
  });

  it('setters and constructors check runtime types', () => {
    const def = new MessageStreamDefinition();
    // The typings forbid these; the runtime also rejects them.
    expect(() => { (def as unknown as { persistence: unknown }).persistence = 0; }).toThrow('persistence must be Persistence');
    expect(() => new MessageStreamDefinition('n', '1' as unknown as number)).toThrow('maxSize must be Number');
    // Enum classes are nominal (#private), so one enum cannot stand in for another.
    // @ts-expect-error StrategyOnFull is not a Persistence
    expect(() => def.withPersistence(StrategyOnFull.RejectNewData)).toThrow('persistence must be Persistence');
    // @ts-expect-error enum constructors are hidden: use the static members
    expect(new Persistence(0)).not.toBe(Persistence.File);
    // @ts-expect-error numbers are not enums
    expect(() => def.withStrategyOnFull(0)).toThrow('strategyOnFull must be StrategyOnFull');
    // An explicit null stores null; undefined takes the default.
    expect(new MessageStreamDefinition('n', null).maxSize).toBeNull();
    expect(new MessageStreamDefinition('n', undefined).maxSize).toBe(268435456);
  });

  it('ReadMessagesOptions defaults and builders', () => {
    const o = new ReadMessagesOptions();
    expect(o.desiredStartSequenceNumber).toBeNull();
    expect(o.minMessageCount).toBe(1);
    expect(o.maxMessageCount).toBeNull();
    expect(o.readTimeoutMillis).toBe(0);
    const o2 = new ReadMessagesOptions().withDesiredStartSequenceNumber(5).withMaxMessageCount(10).withReadTimeoutMillis(1000);
    expect(o2.asMap()).toEqual({ desiredStartSequenceNumber: 5, minMessageCount: 1, maxMessageCount: 10, readTimeoutMillis: 1000 });
  });

  it('Message and MessageStreamInfo from wire maps', () => {
    const m: Message = Message.fromMap({ streamName: 's', sequenceNumber: 7, ingestTime: 1700000000000, payload: Buffer.from('hi') });
    expect(m.streamName).toBe('s');
    expect(m.sequenceNumber).toBe(7);
    expect(m.ingestTime).toBe(1700000000000);
    expect(Buffer.isBuffer(m.payload)).toBe(true);
    expect(m.payload.toString()).toBe('hi');

    const info = MessageStreamInfo.fromMap({
      definition: { name: 's', strategyOnFull: 0 },
      storageStatus: { oldestSequenceNumber: 3, newestSequenceNumber: 9, totalBytes: 1234 },
      exportStatuses: [{ exportConfigIdentifier: 'k1', lastExportedSequenceNumber: 8, lastExportTime: 5 }],
    });
    expect(info.storageStatus).toBeInstanceOf(MessageStreamInfo._storageStatus);
    expect(info.storageStatus.oldestSequenceNumber).toBe(3);
    expect(info.storageStatus.newestSequenceNumber).toBe(9);
    expect(info.storageStatus.totalBytes).toBe(1234);
    expect(info.definition.strategyOnFull).toBe(StrategyOnFull.RejectNewData);
    // fromMap fills nothing in: the constructor defaults apply to absent keys.
    expect(info.definition.maxSize).toBe(268435456);
    const status: MessageStreamInfo._exportStatuses | undefined = info.exportStatuses?.[0];
    expect(status?.lastExportedSequenceNumber).toBe(8);
    expect(status?.errorMessage).toBeNull();
  });

  it('exceptions: hierarchy, status, requestId, name', () => {
    for (const n of EXCEPTION_NAMES) {
      const e = new SMExceptions[n]('boom', ResponseStatusCode.UnknownFailure, 'req-1');
      expect(e).toBeInstanceOf(Error);
      expect(e).toBeInstanceOf(StreamManagerException);
      expect(e.message).toBe('boom');
      expect(e.status).toBe(ResponseStatusCode.UnknownFailure);
      expect(e.requestId).toBe('req-1');
      expect(e.name).toBe('Error');
    }
    expect(new ValidationException('x')).toBeInstanceOf(ClientException);
    expect(new ConnectFailedException('x')).toBeInstanceOf(ClientException);
    expect(new UpdateNotAllowedException('x')).toBeInstanceOf(InvalidRequestException);
    expect(new NotEnoughMessagesException('x')).not.toBeInstanceOf(ClientException);
    const plain = new StreamManagerException();
    expect(plain.message).toBe('');
    expect(plain.status).toBeNull();
    expect(plain.requestId).toBeNull();
  });

  it('util serializes and deserializes JSON bytes', () => {
    const def = new MessageStreamDefinition().withName('a').withStrategyOnFull(StrategyOnFull.RejectNewData);
    const bytes = util.validateAndSerializeToJsonBytes(def);
    expect(Buffer.isBuffer(bytes)).toBe(true);
    expect(JSON.parse(bytes.toString('utf8'))).toEqual({ name: 'a', maxSize: 268435456, streamSegmentSize: 16777216, strategyOnFull: 0 });
    const back = util.deserializeJsonBytesToObj(bytes, MessageStreamDefinition);
    expect(back.name).toBe('a');
    expect(() => util.validateAndSerializeToJsonBytes(new MessageStreamDefinition())).toThrow(ValidationException);
  });

  describe('StreamManagerClient', () => {
    /** Overrides __connect so that a failed connect (the constructor does not await it) cannot crash the process. */
    class GuardedClient extends StreamManagerClient {
      override __connect(): Promise<void> {
        const p = super.__connect();
        p.catch(() => undefined);
        return p;
      }
    }

    async function closedPort(): Promise<number> {
      const srv = net.createServer();
      await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
      const { port } = srv.address() as net.AddressInfo;
      await new Promise<void>((resolve) => srv.close(() => resolve()));
      return port;
    }

    // Compile-time: handlers typed with Error are accepted (the callback parameter is declared `unknown`, bivariantly).
    const errorTyped: SM.StreamManagerClientOptions = { onErrorCb: (e: Error) => void e.message };
    void errorTyped;

    const quiet: SM.StreamManagerLogger = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

    it('validates arguments before any network traffic and reports connect failures via onErrorCb', async () => {
      const port = await closedPort();
      const errors: unknown[] = [];
      const connected = jest.fn();
      const client = new GuardedClient({ port, host: '127.0.0.1', logger: quiet, onErrorCb: (e) => errors.push(e), onConnectCb: connected });
      expect(client.port).toBe(port);
      expect(client.host).toBe('127.0.0.1');

      await expect(client.createMessageStream({} as MessageStreamDefinition)).rejects.toBeInstanceOf(ValidationException);
      await expect(client.readMessages('s', {} as ReadMessagesOptions)).rejects.toBeInstanceOf(ValidationException);
      await expect(client.readMessages('s', new ReadMessagesOptions().withMinMessageCount(5).withMaxMessageCount(1)))
        .rejects.toThrow('minMessageCount must be less than or equal to maxMessageCount');
      await expect(client.appendMessage('s', Buffer.alloc(0))).rejects.toBeInstanceOf(ValidationException);
      // A request while disconnected reconnects first and rejects with the socket error.
      await expect(client.listStreams()).rejects.toMatchObject({ code: 'ECONNREFUSED' });

      await new Promise((r) => setTimeout(r, 20));
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.some((e) => (e as NodeJS.ErrnoException).code === 'ECONNREFUSED')).toBe(true);
      expect(connected).not.toHaveBeenCalled();

      client.close();
      await expect(client.appendMessage('s', Buffer.from('x'))).rejects.toThrow('Client is closed and cannot be reopened');
      await expect(client.__connect()).rejects.toBeInstanceOf(StreamManagerException);
    });
  });
});
