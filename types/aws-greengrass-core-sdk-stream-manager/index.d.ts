/**
 * Type declarations for the official Greengrass stream manager JavaScript client,
 * `aws-greengrass-core-sdk/stream-manager` (npm aws-greengrass-core-sdk 1.7.0), which ships no .d.ts.
 *
 * Written against the runtime shape of the JS in node_modules/aws-greengrass-core-sdk/stream-manager
 * (client.js, exceptions.js, util.js, data/index.js); the data classes were transcribed from each class's
 * `typesMap` / `validationsMap` and constructor. test/typings/stream-manager.test.ts checks that they agree.
 *
 * Runtime facts worth knowing (see also research/stream-manager.md):
 * - Enums (Persistence, StrategyOnFull, ResponseStatusCode, Operation, ...) are classes with read-only static
 *   instances, not TS enums. Compare with `===` against the static member, or compare `asMap()` values.
 *   `X.fromMap(unknownValue)` returns undefined.
 * - Data classes keep their fields in `#private` slots: `console.log(msg)` and `JSON.stringify(msg)` show `{}`.
 *   Use the getters or `asMap()`.
 * - Getters of fields the SDK marks required are typed non-null; every other field can be null
 *   (the SDK uses null, never undefined, for "absent").
 * - Constructor arguments: an omitted/undefined argument takes the SDK default, an explicit null stores null.
 * - Exceptions do not set `name` (it stays "Error"): use `instanceof`.
 */
declare module 'aws-greengrass-core-sdk/stream-manager' {
    /** `typesMap` entry of a data class: the runtime constructor of the field (String, Number, a data class, Array...). */
    export interface TypeSpec {
        readonly type: unknown;
        readonly subtype: unknown;
    }
    export type TypesMap = { readonly [field: string]: TypeSpec };
    /** `validationsMap` entry of a data class, as checked by the client before a request is sent. */
    export interface FieldValidation {
        readonly required?: boolean;
        readonly minLength?: number;
        readonly maxLength?: number;
        readonly minItems?: number;
        readonly maxItems?: number;
        readonly minimum?: number;
        readonly maximum?: number;
        readonly pattern?: RegExp;
    }
    export type ValidationsMap = { readonly [field: string]: FieldValidation };

    // ------------------------------------------------------------------------------------------------
    // Client
    // ------------------------------------------------------------------------------------------------

    /** Logger used by the client. All four methods are called (warn on protocol version mismatch). */
    export interface StreamManagerLogger {
        error(...args: unknown[]): void;
        warn(...args: unknown[]): void;
        info(...args: unknown[]): void;
        debug(...args: unknown[]): void;
    }

    /**
     * Error callback. The value is almost always an Error (socket error, ConnectFailedException, a failure
     * in the read loop), but can be undefined when the client is closed during a handshake, hence `unknown`.
     * Declared bivariantly so that existing `(e: Error) => void` handlers are accepted.
     */
    export type StreamManagerErrorCallback = { bivarianceHack(error: unknown): void }['bivarianceHack'];

    /**
     * Options of `new StreamManagerClient(opts)`. They are merged as `{ ...defaults, ...opts }`, so a key that is
     * present with the value `undefined` REPLACES the default (e.g. `{ logger: undefined }` crashes on the first log
     * line, `{ port: undefined }` skips the STREAM_MANAGER_SERVER_PORT lookup). Omit keys instead.
     */
    export interface StreamManagerClientOptions {
        /** Default: `null`, meaning `parseInt(process.env.STREAM_MANAGER_SERVER_PORT || 8088)`. */
        port?: number | null;
        /** Default '127.0.0.1' (the JS client never reads STREAM_MANAGER_SERVER_HOST). */
        host?: string;
        /** Called once, after the first successful connect (not again after a lazy reconnect). */
        onConnectCb?: (() => void) | null;
        /** Called on socket errors, connect failures and read-loop failures; see StreamManagerErrorCallback. */
        onErrorCb?: StreamManagerErrorCallback | null;
        /** Default: console.error/warn/info/debug. */
        logger?: StreamManagerLogger;
    }

    /**
     * The stream manager client. The constructor starts connecting immediately (host/port, then the
     * ConnectRequest handshake with `AWS_CONTAINER_AUTHORIZATION_TOKEN`).
     *
     * Sharp edges (Node 20):
     * - If the constructor's connect fails, the promise returned by `__connect()` is not awaited by anybody:
     *   an unhandled rejection, which crashes Node >= 15 unless handled (e.g. by overriding `__connect`).
     * - After the socket drops, the next request reconnects lazily; requests already in flight never settle.
     * - There is no request timeout.
     * - `close()` is final: later requests reject with StreamManagerException('Client is closed ...').
     */
    export class StreamManagerClient {
        #private;
        constructor(opts?: StreamManagerClientOptions);

        /** Port in use (resolved from opts / env / 8088 in the constructor). */
        port: number;
        host: string;
        /** Pending onConnected callbacks; each is removed after it has been called once. */
        connectCallbacks: Array<() => void>;
        errorCallbacks: StreamManagerErrorCallback[];

        /**
         * Appends one message; resolves with its sequence number. `data` must be a non-empty Buffer
         * (ValidationException otherwise, before anything is sent).
         */
        appendMessage(streamName: string, data: Buffer): Promise<number>;
        /** Requires a MessageStreamDefinition instance with name and strategyOnFull set (ValidationException otherwise). */
        createMessageStream(definition: MessageStreamDefinition): Promise<void>;
        /** Replaces the whole definition: fields left null revert to defaults, omitted export configs are deleted. */
        updateMessageStream(definition: MessageStreamDefinition): Promise<void>;
        deleteMessageStream(streamName: string): Promise<void>;
        /**
         * Reads messages. `options` must be a ReadMessagesOptions instance (or null/omitted: server defaults).
         * Rejects with NotEnoughMessagesException when fewer than minMessageCount are available within
         * readTimeoutMillis. Resolves with the response's `messages` (null only if the server omitted the field).
         */
        readMessages(streamName: string, options?: ReadMessagesOptions | null): Promise<Message[]>;
        /** Resolves with the stream names (null only if the server omitted the field). */
        listStreams(): Promise<string[]>;
        describeMessageStream(streamName: string): Promise<MessageStreamInfo>;
        /** Runs `f` now if already connected, otherwise once after the next successful connect. */
        onConnected(f: () => void): void;
        onError(f: StreamManagerErrorCallback): void;
        /** Ends the socket and marks the client closed for good. */
        close(): void;

        /**
         * Internal: opens the socket and performs the handshake; resolves when connected (immediately if already
         * connected), rejects with the socket error or ConnectFailedException, and rejects with
         * StreamManagerException once closed. Called (un-awaited) by the constructor and before any request while
         * disconnected. Declared so that it can be overridden; note an override runs from the base constructor,
         * before the subclass's own field initialisers.
         */
        __connect(): Promise<void>;
        /** Internal: sends one request frame and resolves with the raw response object (not checked for status). */
        _sendAndReceive(operation: Operation, data: { requestId: string | null; asMap(): unknown }): Promise<unknown>;
    }

    // ------------------------------------------------------------------------------------------------
    // Exceptions (exceptions.js)
    // ------------------------------------------------------------------------------------------------

    /**
     * Base class of every error the client throws. `message` is the server's errorMessage (may be undefined for
     * server errors without one). `name` is NOT overridden (it is "Error"): use instanceof.
     */
    export class StreamManagerException extends Error {
        constructor(message?: string, status?: ResponseStatusCode | string | null, requestId?: string | null);
        /**
         * The response status (a ResponseStatusCode static member) for server-reported errors; the string
         * 'Unrecognized' for a status the client does not map; null for client-side errors.
         */
        status: ResponseStatusCode | string | null;
        requestId: string | null;
    }
    /** Client-side problem (bad arguments, connect failure, unknown response operation). */
    export class ClientException extends StreamManagerException {}
    /** The handshake failed: wrong connect version byte, wrong op, or a non-Success ConnectResponse. */
    export class ConnectFailedException extends ClientException {}
    /** A request failed the client's own validation; nothing was sent. */
    export class ValidationException extends ClientException {}
    export class InvalidRequestException extends StreamManagerException {}
    export class UpdateNotAllowedException extends InvalidRequestException {}
    export class MessageStoreReadErrorException extends StreamManagerException {}
    export class NotEnoughMessagesException extends StreamManagerException {}
    export class RequestPayloadTooLargeException extends StreamManagerException {}
    export class ResourceNotFoundException extends StreamManagerException {}
    export class ResponsePayloadTooLargeException extends StreamManagerException {}
    export class ServerOutOfMemoryException extends StreamManagerException {}
    export class ServerTimeoutException extends StreamManagerException {}
    export class UnauthorizedException extends StreamManagerException {}
    export class UnknownFailureException extends StreamManagerException {}
    export class UpdateFailedException extends StreamManagerException {}
    export class UnknownOperationException extends StreamManagerException {}

    // ------------------------------------------------------------------------------------------------
    // util.js
    // ------------------------------------------------------------------------------------------------

    export const util: {
        /**
         * Validates `o` like a request (throws ValidationException) and returns `JSON.stringify(o.asMap())` bytes,
         * with empty arrays dropped.
         */
        validateAndSerializeToJsonBytes(o: { asMap(): unknown }): Buffer;
        /** `type.fromMap(JSON.parse(bytes.toString('utf-8')))`; throws SyntaxError on bad JSON. */
        deserializeJsonBytesToObj<T>(bytes: Buffer, type: { fromMap(d: any): T }): T;
    };

    // ------------------------------------------------------------------------------------------------
    // Data classes and enums (data/index.js, re-exported at the top level)
    // ------------------------------------------------------------------------------------------------

    /**
     * (Internal Only) Version information.
     *
     * Enum-like class: the members are the read-only static instances below (compare with ===, or use asMap()).
     * `new VersionInfo(v)` builds a distinct instance that is NOT === the static member, so it is hidden here.
     */
    export class VersionInfo {
        #private;
        private constructor(value: "1.1.0");
        /** "1.1.0" */
        static readonly PROTOCOL_VERSION: VersionInfo;
        static readonly options: { readonly PROTOCOL_VERSION: "1.1.0" };
        static readonly optionsFlipped: { readonly "1.1.0": "PROTOCOL_VERSION" };
        /** The static member for a wire value, or undefined for an unknown value. */
        static fromMap(d: unknown): VersionInfo | undefined;
        /** The wire value. */
        asMap(): "1.1.0";
    }

    /** (Internal Only) Request object to connect to the service. */
    export class ConnectRequest {
        #private;
        constructor(requestId?: string | null, protocolVersion?: string | null, otherSupportedProtocolVersions?: string[] | null, sdkVersion?: string | null, authToken?: string | null);

        /** Required (validated before sending); null only on an incomplete, locally built object. */
        get requestId(): string;
        set requestId(value: string | null);
        withRequestId(value: string | null): this;

        /** Required (validated before sending); null only on an incomplete, locally built object. */
        get protocolVersion(): string;
        set protocolVersion(value: string | null);
        withProtocolVersion(value: string | null): this;

        get otherSupportedProtocolVersions(): string[] | null;
        set otherSupportedProtocolVersions(value: string[] | null);
        withOtherSupportedProtocolVersions(value: string[] | null): this;

        get sdkVersion(): string | null;
        set sdkVersion(value: string | null);
        withSdkVersion(value: string | null): this;

        get authToken(): string | null;
        set authToken(value: string | null);
        withAuthToken(value: string | null): this;

        static fromMap(d: Record<string, unknown>): ConnectRequest;
        /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
        asMap(): Record<string, unknown>;
        static readonly typesMap: TypesMap;
        static readonly formatsMap: Record<string, unknown>;
        static readonly validationsMap: ValidationsMap;
    }

    /**
     * (Internal Only) Enum defining possible response status codes from StreamManager server.
     * Success: Request succeeded.
     * UnknownFailure: Encountered unknown StreamManager server failure.
     * Unauthorized: Client is not authorized to perform this request.
     * InvalidRequest: Client request is invalid.
     * RequestPayloadTooLarge: Request payload is too large.
     * ResourceNotFound: The requested resource does not exist.
     * ServerTimeout: Server took too long and timed out.
     * ResponsePayloadTooLarge: Server response exceeded the max allowed response payload size by the protocol.
     * UnsupportedConnectVersion: Server does not support the Connect version presented by the Client.
     * UnexpectedOperation: Operation presented was not expected by the Server.
     * UnsupportedProtocolVersion: Protocol version presented by the Client is not compatible with the Server.
     * InvalidProtocolVersion: Protocol version presented by the Client is not valid.
     * FailedToConnect: Client failed to connect to the Server.
     * NotEnoughMessages: There is not enough messages to return.
     * MessageStoreReadError: Read messages encountered an error.
     * OutOfMemoryError: Server ran out of memory.
     * UpdateFailed: Update operation failed.
     * UpdateNotAllowed: One or more fields are not allowed to be updated.
     * UnknownOperation: Client request is not recognized by the server.
     *
     * Enum-like class: the members are the read-only static instances below (compare with ===, or use asMap()).
     * `new ResponseStatusCode(v)` builds a distinct instance that is NOT === the static member, so it is hidden here.
     */
    export class ResponseStatusCode {
        #private;
        private constructor(value: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12 | 13 | 14 | 15 | 16 | 17 | 18);
        /** 0 */
        static readonly Success: ResponseStatusCode;
        /** 1 */
        static readonly UnknownFailure: ResponseStatusCode;
        /** 2 */
        static readonly Unauthorized: ResponseStatusCode;
        /** 3 */
        static readonly InvalidRequest: ResponseStatusCode;
        /** 4 */
        static readonly RequestPayloadTooLarge: ResponseStatusCode;
        /** 5 */
        static readonly ResourceNotFound: ResponseStatusCode;
        /** 6 */
        static readonly ServerTimeout: ResponseStatusCode;
        /** 7 */
        static readonly ResponsePayloadTooLarge: ResponseStatusCode;
        /** 8 */
        static readonly UnsupportedConnectVersion: ResponseStatusCode;
        /** 9 */
        static readonly UnexpectedOperation: ResponseStatusCode;
        /** 10 */
        static readonly UnsupportedProtocolVersion: ResponseStatusCode;
        /** 11 */
        static readonly InvalidProtocolVersion: ResponseStatusCode;
        /** 12 */
        static readonly FailedToConnect: ResponseStatusCode;
        /** 13 */
        static readonly NotEnoughMessages: ResponseStatusCode;
        /** 14 */
        static readonly MessageStoreReadError: ResponseStatusCode;
        /** 15 */
        static readonly OutOfMemoryError: ResponseStatusCode;
        /** 16 */
        static readonly UpdateFailed: ResponseStatusCode;
        /** 17 */
        static readonly UpdateNotAllowed: ResponseStatusCode;
        /** 18 */
        static readonly UnknownOperation: ResponseStatusCode;
        static readonly options: { readonly Success: 0; readonly UnknownFailure: 1; readonly Unauthorized: 2; readonly InvalidRequest: 3; readonly RequestPayloadTooLarge: 4; readonly ResourceNotFound: 5; readonly ServerTimeout: 6; readonly ResponsePayloadTooLarge: 7; readonly UnsupportedConnectVersion: 8; readonly UnexpectedOperation: 9; readonly UnsupportedProtocolVersion: 10; readonly InvalidProtocolVersion: 11; readonly FailedToConnect: 12; readonly NotEnoughMessages: 13; readonly MessageStoreReadError: 14; readonly OutOfMemoryError: 15; readonly UpdateFailed: 16; readonly UpdateNotAllowed: 17; readonly UnknownOperation: 18 };
        static readonly optionsFlipped: { readonly "0": "Success"; readonly "1": "UnknownFailure"; readonly "2": "Unauthorized"; readonly "3": "InvalidRequest"; readonly "4": "RequestPayloadTooLarge"; readonly "5": "ResourceNotFound"; readonly "6": "ServerTimeout"; readonly "7": "ResponsePayloadTooLarge"; readonly "8": "UnsupportedConnectVersion"; readonly "9": "UnexpectedOperation"; readonly "10": "UnsupportedProtocolVersion"; readonly "11": "InvalidProtocolVersion"; readonly "12": "FailedToConnect"; readonly "13": "NotEnoughMessages"; readonly "14": "MessageStoreReadError"; readonly "15": "OutOfMemoryError"; readonly "16": "UpdateFailed"; readonly "17": "UpdateNotAllowed"; readonly "18": "UnknownOperation" };
        /** The static member for a wire value, or undefined for an unknown value. */
        static fromMap(d: unknown): ResponseStatusCode | undefined;
        /** The wire value. */
        asMap(): 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12 | 13 | 14 | 15 | 16 | 17 | 18;
    }

    /** Internal Only. */
    export class ConnectResponse {
        #private;
        constructor(requestId?: string | null, status?: ResponseStatusCode | null, errorMessage?: string | null, protocolVersion?: string | null, supportedProtocolVersions?: string[] | null, serverVersion?: string | null, clientIdentifier?: string | null);

        get requestId(): string | null;
        set requestId(value: string | null);
        withRequestId(value: string | null): this;

        /** Required (validated before sending); null only on an incomplete, locally built object. */
        get status(): ResponseStatusCode;
        set status(value: ResponseStatusCode | null);
        withStatus(value: ResponseStatusCode | null): this;

        get errorMessage(): string | null;
        set errorMessage(value: string | null);
        withErrorMessage(value: string | null): this;

        get protocolVersion(): string | null;
        set protocolVersion(value: string | null);
        withProtocolVersion(value: string | null): this;

        get supportedProtocolVersions(): string[] | null;
        set supportedProtocolVersions(value: string[] | null);
        withSupportedProtocolVersions(value: string[] | null): this;

        get serverVersion(): string | null;
        set serverVersion(value: string | null);
        withServerVersion(value: string | null): this;

        get clientIdentifier(): string | null;
        set clientIdentifier(value: string | null);
        withClientIdentifier(value: string | null): this;

        static fromMap(d: Record<string, unknown>): ConnectResponse;
        /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
        asMap(): Record<string, unknown>;
        static readonly typesMap: TypesMap;
        static readonly formatsMap: Record<string, unknown>;
        static readonly validationsMap: ValidationsMap;
    }

    /**
     * Internal Only.
     *
     * Enum-like class: the members are the read-only static instances below (compare with ===, or use asMap()).
     * `new Operation(v)` builds a distinct instance that is NOT === the static member, so it is hidden here.
     */
    export class Operation {
        #private;
        private constructor(value: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12 | 13 | 14 | 15 | 16 | 17);
        /** 0 */
        static readonly Unknown: Operation;
        /** 1 */
        static readonly Connect: Operation;
        /** 2 */
        static readonly CreateMessageStream: Operation;
        /** 3 */
        static readonly DeleteMessageStream: Operation;
        /** 4 */
        static readonly AppendMessage: Operation;
        /** 5 */
        static readonly ReadMessages: Operation;
        /** 6 */
        static readonly ConnectResponse: Operation;
        /** 7 */
        static readonly CreateMessageStreamResponse: Operation;
        /** 8 */
        static readonly DeleteMessageStreamResponse: Operation;
        /** 9 */
        static readonly AppendMessageResponse: Operation;
        /** 10 */
        static readonly ReadMessagesResponse: Operation;
        /** 11 */
        static readonly ListStreams: Operation;
        /** 12 */
        static readonly ListStreamsResponse: Operation;
        /** 13 */
        static readonly DescribeMessageStream: Operation;
        /** 14 */
        static readonly DescribeMessageStreamResponse: Operation;
        /** 15 */
        static readonly UpdateMessageStream: Operation;
        /** 16 */
        static readonly UpdateMessageStreamResponse: Operation;
        /** 17 */
        static readonly UnknownOperationError: Operation;
        static readonly options: { readonly Unknown: 0; readonly Connect: 1; readonly CreateMessageStream: 2; readonly DeleteMessageStream: 3; readonly AppendMessage: 4; readonly ReadMessages: 5; readonly ConnectResponse: 6; readonly CreateMessageStreamResponse: 7; readonly DeleteMessageStreamResponse: 8; readonly AppendMessageResponse: 9; readonly ReadMessagesResponse: 10; readonly ListStreams: 11; readonly ListStreamsResponse: 12; readonly DescribeMessageStream: 13; readonly DescribeMessageStreamResponse: 14; readonly UpdateMessageStream: 15; readonly UpdateMessageStreamResponse: 16; readonly UnknownOperationError: 17 };
        static readonly optionsFlipped: { readonly "0": "Unknown"; readonly "1": "Connect"; readonly "2": "CreateMessageStream"; readonly "3": "DeleteMessageStream"; readonly "4": "AppendMessage"; readonly "5": "ReadMessages"; readonly "6": "ConnectResponse"; readonly "7": "CreateMessageStreamResponse"; readonly "8": "DeleteMessageStreamResponse"; readonly "9": "AppendMessageResponse"; readonly "10": "ReadMessagesResponse"; readonly "11": "ListStreams"; readonly "12": "ListStreamsResponse"; readonly "13": "DescribeMessageStream"; readonly "14": "DescribeMessageStreamResponse"; readonly "15": "UpdateMessageStream"; readonly "16": "UpdateMessageStreamResponse"; readonly "17": "UnknownOperationError" };
        /** The static member for a wire value, or undefined for an unknown value. */
        static fromMap(d: unknown): Operation | undefined;
        /** The wire value. */
        asMap(): 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12 | 13 | 14 | 15 | 16 | 17;
    }

    /** Internal Only. */
    export class MessageFrame {
        #private;
        constructor(operation?: Operation | null, payload?: Buffer | null);

        /** Required (validated before sending); null only on an incomplete, locally built object. */
        get operation(): Operation;
        set operation(value: Operation | null);
        withOperation(value: Operation | null): this;

        /** Required (validated before sending); null only on an incomplete, locally built object. */
        get payload(): Buffer;
        set payload(value: Buffer | null);
        withPayload(value: Buffer | null): this;

        static fromMap(d: Record<string, unknown>): MessageFrame;
        /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
        asMap(): Record<string, unknown>;
        static readonly typesMap: TypesMap;
        static readonly formatsMap: Record<string, unknown>;
        static readonly validationsMap: ValidationsMap;
    }

    /**
     * The type of event, which determines how to interpret the status payload.
     *
     * Enum-like class: the members are the read-only static instances below (compare with ===, or use asMap()).
     * `new EventType(v)` builds a distinct instance that is NOT === the static member, so it is hidden here.
     */
    export class EventType {
        #private;
        private constructor(value: 0);
        /** 0 */
        static readonly S3Task: EventType;
        static readonly options: { readonly S3Task: 0 };
        static readonly optionsFlipped: { readonly "0": "S3Task" };
        /** The static member for a wire value, or undefined for an unknown value. */
        static fromMap(d: unknown): EventType | undefined;
        /** The wire value. */
        asMap(): 0;
    }

    /**
     * The status of the event.
     *
     * Enum-like class: the members are the read-only static instances below (compare with ===, or use asMap()).
     * `new Status(v)` builds a distinct instance that is NOT === the static member, so it is hidden here.
     */
    export class Status {
        #private;
        private constructor(value: 0 | 1 | 2 | 3 | 4);
        /** 0 */
        static readonly Success: Status;
        /** 1 */
        static readonly Failure: Status;
        /** 2 */
        static readonly InProgress: Status;
        /** 3 */
        static readonly Warning: Status;
        /** 4 */
        static readonly Canceled: Status;
        static readonly options: { readonly Success: 0; readonly Failure: 1; readonly InProgress: 2; readonly Warning: 3; readonly Canceled: 4 };
        static readonly optionsFlipped: { readonly "0": "Success"; readonly "1": "Failure"; readonly "2": "InProgress"; readonly "3": "Warning"; readonly "4": "Canceled" };
        /** The static member for a wire value, or undefined for an unknown value. */
        static fromMap(d: unknown): Status | undefined;
        /** The wire value. */
        asMap(): 0 | 1 | 2 | 3 | 4;
    }

    /**
     * Defines the verbosity of status messages in a status-stream.
     *
     * Enum-like class: the members are the read-only static instances below (compare with ===, or use asMap()).
     * `new StatusLevel(v)` builds a distinct instance that is NOT === the static member, so it is hidden here.
     */
    export class StatusLevel {
        #private;
        private constructor(value: 0 | 1 | 2 | 3 | 4);
        /** 0 */
        static readonly ERROR: StatusLevel;
        /** 1 */
        static readonly WARN: StatusLevel;
        /** 2 */
        static readonly INFO: StatusLevel;
        /** 3 */
        static readonly DEBUG: StatusLevel;
        /** 4 */
        static readonly TRACE: StatusLevel;
        static readonly options: { readonly ERROR: 0; readonly WARN: 1; readonly INFO: 2; readonly DEBUG: 3; readonly TRACE: 4 };
        static readonly optionsFlipped: { readonly "0": "ERROR"; readonly "1": "WARN"; readonly "2": "INFO"; readonly "3": "DEBUG"; readonly "4": "TRACE" };
        /** The static member for a wire value, or undefined for an unknown value. */
        static fromMap(d: unknown): StatusLevel | undefined;
        /** The wire value. */
        asMap(): 0 | 1 | 2 | 3 | 4;
    }

    /** S3 Task definition containing all the information necessary to export the data to S3. This will contain the S3 bucket and key as well as the file's URL where the data is stored. */
    export class S3ExportTaskDefinition {
        #private;
        /**
         * @param inputUrl The URL of the file that contains the data to upload. The file should be local on the disk.
         * @param bucket The name of the S3 bucket that this file should be uploaded to.
         * @param key The key for the S3 object that this file should be uploaded to.
         * The string can have placeholder expressions which are resolved at upload time. Valid expressions are strings that are valid Java DateTimeFormatter strings. See https://docs.oracle.com/javase/8/docs/api/java/time/format/DateTimeFormatter.html
         * Example: myKeyNamePrefix/!{timestamp:yyyy/MM/dd}/myKeyNameSuffix.
         * @param userMetadata User metadata. For key of a user metadata, callers should not include the internal "x-amz-meta-" prefix. Keys are case insensitive and will appear as lowercase strings on S3, even if they were originally specified with uppercase strings. Reserved key names start with "$aws-gg-" prefix.
         */
        constructor(inputUrl?: string | null, bucket?: string | null, key?: string | null, userMetadata?: Record<string, unknown> | null);

        /**
         * The URL of the file that contains the data to upload. The file should be local on the disk.
         *
         * Required (validated before sending); null only on an incomplete, locally built object.
         */
        get inputUrl(): string;
        set inputUrl(value: string | null);
        withInputUrl(value: string | null): this;

        /**
         * The name of the S3 bucket that this file should be uploaded to.
         *
         * Required (validated before sending); null only on an incomplete, locally built object.
         */
        get bucket(): string;
        set bucket(value: string | null);
        withBucket(value: string | null): this;

        /**
         * The key for the S3 object that this file should be uploaded to.
         * The string can have placeholder expressions which are resolved at upload time. Valid expressions are strings that are valid Java DateTimeFormatter strings. See https://docs.oracle.com/javase/8/docs/api/java/time/format/DateTimeFormatter.html
         * Example: myKeyNamePrefix/!{timestamp:yyyy/MM/dd}/myKeyNameSuffix.
         *
         * Required (validated before sending); null only on an incomplete, locally built object.
         */
        get key(): string;
        set key(value: string | null);
        withKey(value: string | null): this;

        /** User metadata. For key of a user metadata, callers should not include the internal "x-amz-meta-" prefix. Keys are case insensitive and will appear as lowercase strings on S3, even if they were originally specified with uppercase strings. Reserved key names start with "$aws-gg-" prefix. */
        get userMetadata(): Record<string, unknown> | null;
        set userMetadata(value: Record<string, unknown> | null);
        withUserMetadata(value: Record<string, unknown> | null): this;

        static fromMap(d: Record<string, unknown>): S3ExportTaskDefinition;
        /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
        asMap(): Record<string, unknown>;
        static readonly typesMap: TypesMap;
        static readonly formatsMap: Record<string, unknown>;
        static readonly validationsMap: ValidationsMap;
    }

    /** Context associated with a status message. Describes which stream, export config, message, the status is associated with. */
    export class StatusContext {
        #private;
        /**
         * @param s3ExportTaskDefinition The task definition of an S3 upload task if the status is associated with it, ie, if the eventType = S3Task.
         * @param exportIdentifier The export identifier the status is associated with.
         * @param streamName The name of the stream the status is associated with.
         * @param sequenceNumber The sequence number of the message the status is associated with.
         */
        constructor(s3ExportTaskDefinition?: S3ExportTaskDefinition | null, exportIdentifier?: string | null, streamName?: string | null, sequenceNumber?: number | null);

        /** The task definition of an S3 upload task if the status is associated with it, ie, if the eventType = S3Task. */
        get s3ExportTaskDefinition(): S3ExportTaskDefinition | null;
        set s3ExportTaskDefinition(value: S3ExportTaskDefinition | null);
        withS3ExportTaskDefinition(value: S3ExportTaskDefinition | null): this;

        /** The export identifier the status is associated with. */
        get exportIdentifier(): string | null;
        set exportIdentifier(value: string | null);
        withExportIdentifier(value: string | null): this;

        /** The name of the stream the status is associated with. */
        get streamName(): string | null;
        set streamName(value: string | null);
        withStreamName(value: string | null): this;

        /** The sequence number of the message the status is associated with. */
        get sequenceNumber(): number | null;
        set sequenceNumber(value: number | null);
        withSequenceNumber(value: number | null): this;

        static fromMap(d: Record<string, unknown>): StatusContext;
        /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
        asMap(): Record<string, unknown>;
        static readonly typesMap: TypesMap;
        static readonly formatsMap: Record<string, unknown>;
        static readonly validationsMap: ValidationsMap;
    }

    /** Status object appended to a status-stream. */
    export class StatusMessage {
        #private;
        /**
         * @param message String describing the status message.
         * @param timestampEpochMs The time this status was added to the status-stream (in milliseconds since epoch).
         */
        constructor(eventType?: EventType | null, statusLevel?: StatusLevel | null, status?: Status | null, statusContext?: StatusContext | null, message?: string | null, timestampEpochMs?: number | null);

        /** Required (validated before sending); null only on an incomplete, locally built object. */
        get eventType(): EventType;
        set eventType(value: EventType | null);
        withEventType(value: EventType | null): this;

        get statusLevel(): StatusLevel | null;
        set statusLevel(value: StatusLevel | null);
        withStatusLevel(value: StatusLevel | null): this;

        /** Required (validated before sending); null only on an incomplete, locally built object. */
        get status(): Status;
        set status(value: Status | null);
        withStatus(value: Status | null): this;

        get statusContext(): StatusContext | null;
        set statusContext(value: StatusContext | null);
        withStatusContext(value: StatusContext | null): this;

        /** String describing the status message. */
        get message(): string | null;
        set message(value: string | null);
        withMessage(value: string | null): this;

        /** The time this status was added to the status-stream (in milliseconds since epoch). */
        get timestampEpochMs(): number | null;
        set timestampEpochMs(value: number | null);
        withTimestampEpochMs(value: number | null): this;

        static fromMap(d: Record<string, unknown>): StatusMessage;
        /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
        asMap(): Record<string, unknown>;
        static readonly typesMap: TypesMap;
        static readonly formatsMap: Record<string, unknown>;
        static readonly validationsMap: ValidationsMap;
    }

    /** (Internal Only) TraceableRequest that contains only requestId. */
    export class TraceableRequest {
        #private;
        constructor(requestId?: string | null);

        /** Required (validated before sending); null only on an incomplete, locally built object. */
        get requestId(): string;
        set requestId(value: string | null);
        withRequestId(value: string | null): this;

        static fromMap(d: Record<string, unknown>): TraceableRequest;
        /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
        asMap(): Record<string, unknown>;
        static readonly typesMap: TypesMap;
        static readonly formatsMap: Record<string, unknown>;
        static readonly validationsMap: ValidationsMap;
    }

    /** (Internal Only) Response for UnknownOperationError. */
    export class UnknownOperationError {
        #private;
        constructor(requestId?: string | null, status?: ResponseStatusCode | null, errorMessage?: string | null);

        /** Required (validated before sending); null only on an incomplete, locally built object. */
        get requestId(): string;
        set requestId(value: string | null);
        withRequestId(value: string | null): this;

        /** Required (validated before sending); null only on an incomplete, locally built object. */
        get status(): ResponseStatusCode;
        set status(value: ResponseStatusCode | null);
        withStatus(value: ResponseStatusCode | null): this;

        get errorMessage(): string | null;
        set errorMessage(value: string | null);
        withErrorMessage(value: string | null): this;

        static fromMap(d: Record<string, unknown>): UnknownOperationError;
        /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
        asMap(): Record<string, unknown>;
        static readonly typesMap: TypesMap;
        static readonly formatsMap: Record<string, unknown>;
        static readonly validationsMap: ValidationsMap;
    }

    /**
     * Stream persistence. If set to File, the file system will be used to persist messages long-term and is resilient to restarts.
     * Memory should be used when performance matters more than durability as it only stores the stream in memory and never writes to the disk.
     *
     * Enum-like class: the members are the read-only static instances below (compare with ===, or use asMap()).
     * `new Persistence(v)` builds a distinct instance that is NOT === the static member, so it is hidden here.
     */
    export class Persistence {
        #private;
        private constructor(value: 0 | 1);
        /** 0 */
        static readonly File: Persistence;
        /** 1 */
        static readonly Memory: Persistence;
        static readonly options: { readonly File: 0; readonly Memory: 1 };
        static readonly optionsFlipped: { readonly "0": "File"; readonly "1": "Memory" };
        /** The static member for a wire value, or undefined for an unknown value. */
        static fromMap(d: unknown): Persistence | undefined;
        /** The wire value. */
        asMap(): 0 | 1;
    }

    /**
     * ExportFormat is used to define how messages are batched and formatted in the export payload.
     * RAW_NOT_BATCHED: Each message in a batch will be sent as an individual HTTP POST with the payload as the body (even if batchSize is set).
     * JSON_BATCHED: Each batch of messages will be sent as a JSON list of Message objects as the body.
     *
     * Enum-like class: the members are the read-only static instances below (compare with ===, or use asMap()).
     * `new ExportFormat(v)` builds a distinct instance that is NOT === the static member, so it is hidden here.
     */
    export class ExportFormat {
        #private;
        private constructor(value: 0 | 1);
        /** 0 */
        static readonly RAW_NOT_BATCHED: ExportFormat;
        /** 1 */
        static readonly JSON_BATCHED: ExportFormat;
        static readonly options: { readonly RAW_NOT_BATCHED: 0; readonly JSON_BATCHED: 1 };
        static readonly optionsFlipped: { readonly "0": "RAW_NOT_BATCHED"; readonly "1": "JSON_BATCHED" };
        /** The static member for a wire value, or undefined for an unknown value. */
        static fromMap(d: unknown): ExportFormat | undefined;
        /** The wire value. */
        asMap(): 0 | 1;
    }

    /**
     * This export destination is not supported! The interface may change at any time without notice and should not be relied on for any production use.
     * There are no guarantees around its correctness.
     * This configures an HTTP endpoint which sends a POST request to the provided URI. Each request contains a single message in the body of the request.
     */
    export class HTTPConfig {
        #private;
        /**
         * @param identifier A unique identifier to identify this individual upload stream.
         * Must be an alphanumeric string including spaces, commas, periods, hyphens, and underscores with length between 1 and 255.
         * @param uri URL for HTTP endpoint which should receive the POST requests for export.
         * @param batchSize The maximum size of a batch to send to the destination. Messages will be queued until the batch size is reached, after which they will then be uploaded. If unspecified the default will be 500.
         * If both batchSize and batchIntervalMillis are specified, then messages will be eligible for upload when either condition is met.
         * The minimum batch size is 1 and the maximum is 500.
         * @param batchIntervalMillis The time in milliseconds between the earliest un-uploaded message and the current time. If this time is exceeded, messages will be uploaded in the next batch. If unspecified messages will be eligible for upload immediately.
         * If both batchSize and batchIntervalMillis are specified, then messages will be eligible for upload when either condition is met.
         * The minimum value is 60000 milliseconds and the maximum is 9223372036854 milliseconds.
         * @param priority Priority for this upload stream. Lower values are higher priority. If not specified it will have the lowest priority.
         * @param startSequenceNumber The sequence number of the message to use as the starting message in the export. Default is 0. The sequence number provided should be less than the newest sequence number in the stream, i.e., sequence number of the last messaged appended. To find the newest sequence number, describe the stream and then check the storage status of the returned MessageStreamInfo object.
         * @param disabled Enable or disable this export. Default is false.
         * @param exportFormat Defines how messages are batched and formatted in the export payload.
         */
        constructor(identifier?: string | null, uri?: string | null, batchSize?: number | null, batchIntervalMillis?: number | null, priority?: number | null, startSequenceNumber?: number | null, disabled?: boolean | null, exportFormat?: ExportFormat | null);

        /**
         * A unique identifier to identify this individual upload stream.
         * Must be an alphanumeric string including spaces, commas, periods, hyphens, and underscores with length between 1 and 255.
         *
         * Required (validated before sending); null only on an incomplete, locally built object.
         */
        get identifier(): string;
        set identifier(value: string | null);
        withIdentifier(value: string | null): this;

        /**
         * URL for HTTP endpoint which should receive the POST requests for export.
         *
         * Required (validated before sending); null only on an incomplete, locally built object.
         */
        get uri(): string;
        set uri(value: string | null);
        withUri(value: string | null): this;

        /**
         * The maximum size of a batch to send to the destination. Messages will be queued until the batch size is reached, after which they will then be uploaded. If unspecified the default will be 500.
         * If both batchSize and batchIntervalMillis are specified, then messages will be eligible for upload when either condition is met.
         * The minimum batch size is 1 and the maximum is 500.
         */
        get batchSize(): number | null;
        set batchSize(value: number | null);
        withBatchSize(value: number | null): this;

        /**
         * The time in milliseconds between the earliest un-uploaded message and the current time. If this time is exceeded, messages will be uploaded in the next batch. If unspecified messages will be eligible for upload immediately.
         * If both batchSize and batchIntervalMillis are specified, then messages will be eligible for upload when either condition is met.
         * The minimum value is 60000 milliseconds and the maximum is 9223372036854 milliseconds.
         */
        get batchIntervalMillis(): number | null;
        set batchIntervalMillis(value: number | null);
        withBatchIntervalMillis(value: number | null): this;

        /** Priority for this upload stream. Lower values are higher priority. If not specified it will have the lowest priority. */
        get priority(): number | null;
        set priority(value: number | null);
        withPriority(value: number | null): this;

        /** The sequence number of the message to use as the starting message in the export. Default is 0. The sequence number provided should be less than the newest sequence number in the stream, i.e., sequence number of the last messaged appended. To find the newest sequence number, describe the stream and then check the storage status of the returned MessageStreamInfo object. */
        get startSequenceNumber(): number | null;
        set startSequenceNumber(value: number | null);
        withStartSequenceNumber(value: number | null): this;

        /** Enable or disable this export. Default is false. */
        get disabled(): boolean | null;
        set disabled(value: boolean | null);
        withDisabled(value: boolean | null): this;

        /** Defines how messages are batched and formatted in the export payload. */
        get exportFormat(): ExportFormat | null;
        set exportFormat(value: ExportFormat | null);
        withExportFormat(value: ExportFormat | null): this;

        static fromMap(d: Record<string, unknown>): HTTPConfig;
        /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
        asMap(): Record<string, unknown>;
        static readonly typesMap: TypesMap;
        static readonly formatsMap: Record<string, unknown>;
        static readonly validationsMap: ValidationsMap;
    }

    /** Configuration object for IoT Analytics export destination. */
    export class IoTAnalyticsConfig {
        #private;
        /**
         * @param identifier A unique identifier to identify this individual upload stream.
         * Must be an alphanumeric string including spaces, commas, periods, hyphens, and underscores with length between 1 and 255.
         * @param iotChannel The name of the IoT Analytics Channel that this exporter should upload to.
         * @param iotMsgIdPrefix A string prefixed to each unique message id. After this prefix, StreamManager may append more data to make the message ID unique.
         * This prefix must be less than 32 characters.
         * @param batchSize The maximum size of a batch to send to IoT Analytics. Messages will be queued until the batch size is reached, after which they will then be uploaded. If unspecified the default will be 100.
         * If both batchSize and batchIntervalMillis are specified, then messages will be eligible for upload when either condition is met.
         * The batch size must be between 1 and 100.
         * @param batchIntervalMillis The time in milliseconds between the earliest un-uploaded message and the current time. If this time is exceeded, messages will be uploaded in the next batch. If unspecified messages will be eligible for upload immediately.
         * If both batchSize and batchIntervalMillis are specified, then messages will be eligible for upload when either condition is met.
         * The minimum value is 60000 milliseconds and the maximum is 9223372036854 milliseconds.
         * @param priority Priority for this upload stream. Lower values are higher priority. If not specified it will have the lowest priority.
         * @param startSequenceNumber The sequence number of the message to use as the starting message in the export. Default is 0. The sequence number provided should be less than the newest sequence number in the stream, i.e., sequence number of the last messaged appended. To find the newest sequence number, describe the stream and then check the storage status of the returned MessageStreamInfo object.
         * @param disabled Enable or disable this export. Default is false.
         */
        constructor(identifier?: string | null, iotChannel?: string | null, iotMsgIdPrefix?: string | null, batchSize?: number | null, batchIntervalMillis?: number | null, priority?: number | null, startSequenceNumber?: number | null, disabled?: boolean | null);

        /**
         * A unique identifier to identify this individual upload stream.
         * Must be an alphanumeric string including spaces, commas, periods, hyphens, and underscores with length between 1 and 255.
         *
         * Required (validated before sending); null only on an incomplete, locally built object.
         */
        get identifier(): string;
        set identifier(value: string | null);
        withIdentifier(value: string | null): this;

        /**
         * The name of the IoT Analytics Channel that this exporter should upload to.
         *
         * Required (validated before sending); null only on an incomplete, locally built object.
         */
        get iotChannel(): string;
        set iotChannel(value: string | null);
        withIotChannel(value: string | null): this;

        /**
         * A string prefixed to each unique message id. After this prefix, StreamManager may append more data to make the message ID unique.
         * This prefix must be less than 32 characters.
         */
        get iotMsgIdPrefix(): string | null;
        set iotMsgIdPrefix(value: string | null);
        withIotMsgIdPrefix(value: string | null): this;

        /**
         * The maximum size of a batch to send to IoT Analytics. Messages will be queued until the batch size is reached, after which they will then be uploaded. If unspecified the default will be 100.
         * If both batchSize and batchIntervalMillis are specified, then messages will be eligible for upload when either condition is met.
         * The batch size must be between 1 and 100.
         */
        get batchSize(): number | null;
        set batchSize(value: number | null);
        withBatchSize(value: number | null): this;

        /**
         * The time in milliseconds between the earliest un-uploaded message and the current time. If this time is exceeded, messages will be uploaded in the next batch. If unspecified messages will be eligible for upload immediately.
         * If both batchSize and batchIntervalMillis are specified, then messages will be eligible for upload when either condition is met.
         * The minimum value is 60000 milliseconds and the maximum is 9223372036854 milliseconds.
         */
        get batchIntervalMillis(): number | null;
        set batchIntervalMillis(value: number | null);
        withBatchIntervalMillis(value: number | null): this;

        /** Priority for this upload stream. Lower values are higher priority. If not specified it will have the lowest priority. */
        get priority(): number | null;
        set priority(value: number | null);
        withPriority(value: number | null): this;

        /** The sequence number of the message to use as the starting message in the export. Default is 0. The sequence number provided should be less than the newest sequence number in the stream, i.e., sequence number of the last messaged appended. To find the newest sequence number, describe the stream and then check the storage status of the returned MessageStreamInfo object. */
        get startSequenceNumber(): number | null;
        set startSequenceNumber(value: number | null);
        withStartSequenceNumber(value: number | null): this;

        /** Enable or disable this export. Default is false. */
        get disabled(): boolean | null;
        set disabled(value: boolean | null);
        withDisabled(value: boolean | null): this;

        static fromMap(d: Record<string, unknown>): IoTAnalyticsConfig;
        /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
        asMap(): Record<string, unknown>;
        static readonly typesMap: TypesMap;
        static readonly formatsMap: Record<string, unknown>;
        static readonly validationsMap: ValidationsMap;
    }

    /** Configuration object for Kinesis data streams export destination. */
    export class KinesisConfig {
        #private;
        /**
         * @param identifier A unique identifier to identify this individual upload stream.
         * Must be an alphanumeric string including spaces, commas, periods, hyphens, and underscores with length between 1 and 255.
         * @param kinesisStreamName The name of the Kinesis data stream that this exporter should upload to.
         * @param batchSize The maximum size of a batch to send to Kinesis. Messages will be queued until the batch size is reached, after which they will then be uploaded. If unspecified the default will be 500.
         * If both batchSize and batchIntervalMillis are specified, then messages will be eligible for upload when either condition is met.
         * The batch size must be between 1 and 500.
         * @param batchIntervalMillis The time in milliseconds between the earliest un-uploaded message and the current time. If this time is exceeded, messages will be uploaded in the next batch. If unspecified messages will be eligible for upload immediately.
         * If both batchSize and batchIntervalMillis are specified, then messages will be eligible for upload when either condition is met.
         * The minimum value is 60000 milliseconds and the maximum is 9223372036854 milliseconds.
         * @param priority Priority for this upload stream. Lower values are higher priority. If not specified it will have the lowest priority.
         * @param startSequenceNumber The sequence number of the message to use as the starting message in the export. Default is 0. The sequence number provided should be less than the newest sequence number in the stream, i.e., sequence number of the last messaged appended. To find the newest sequence number, describe the stream and then check the storage status of the returned MessageStreamInfo object.
         * @param disabled Enable or disable this export. Default is false.
         */
        constructor(identifier?: string | null, kinesisStreamName?: string | null, batchSize?: number | null, batchIntervalMillis?: number | null, priority?: number | null, startSequenceNumber?: number | null, disabled?: boolean | null);

        /**
         * A unique identifier to identify this individual upload stream.
         * Must be an alphanumeric string including spaces, commas, periods, hyphens, and underscores with length between 1 and 255.
         *
         * Required (validated before sending); null only on an incomplete, locally built object.
         */
        get identifier(): string;
        set identifier(value: string | null);
        withIdentifier(value: string | null): this;

        /**
         * The name of the Kinesis data stream that this exporter should upload to.
         *
         * Required (validated before sending); null only on an incomplete, locally built object.
         */
        get kinesisStreamName(): string;
        set kinesisStreamName(value: string | null);
        withKinesisStreamName(value: string | null): this;

        /**
         * The maximum size of a batch to send to Kinesis. Messages will be queued until the batch size is reached, after which they will then be uploaded. If unspecified the default will be 500.
         * If both batchSize and batchIntervalMillis are specified, then messages will be eligible for upload when either condition is met.
         * The batch size must be between 1 and 500.
         */
        get batchSize(): number | null;
        set batchSize(value: number | null);
        withBatchSize(value: number | null): this;

        /**
         * The time in milliseconds between the earliest un-uploaded message and the current time. If this time is exceeded, messages will be uploaded in the next batch. If unspecified messages will be eligible for upload immediately.
         * If both batchSize and batchIntervalMillis are specified, then messages will be eligible for upload when either condition is met.
         * The minimum value is 60000 milliseconds and the maximum is 9223372036854 milliseconds.
         */
        get batchIntervalMillis(): number | null;
        set batchIntervalMillis(value: number | null);
        withBatchIntervalMillis(value: number | null): this;

        /** Priority for this upload stream. Lower values are higher priority. If not specified it will have the lowest priority. */
        get priority(): number | null;
        set priority(value: number | null);
        withPriority(value: number | null): this;

        /** The sequence number of the message to use as the starting message in the export. Default is 0. The sequence number provided should be less than the newest sequence number in the stream, i.e., sequence number of the last messaged appended. To find the newest sequence number, describe the stream and then check the storage status of the returned MessageStreamInfo object. */
        get startSequenceNumber(): number | null;
        set startSequenceNumber(value: number | null);
        withStartSequenceNumber(value: number | null): this;

        /** Enable or disable this export. Default is false. */
        get disabled(): boolean | null;
        set disabled(value: boolean | null);
        withDisabled(value: boolean | null): this;

        static fromMap(d: Record<string, unknown>): KinesisConfig;
        /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
        asMap(): Record<string, unknown>;
        static readonly typesMap: TypesMap;
        static readonly formatsMap: Record<string, unknown>;
        static readonly validationsMap: ValidationsMap;
    }

    /** Configuration object for IotSiteWise data streams export destination. Minimum version requirements: StreamManager server version 1.1 (or AWS IoT Greengrass Core 1.11.0) */
    export class IoTSiteWiseConfig {
        #private;
        /**
         * @param identifier A unique identifier to identify this individual upload stream.
         * Must be an alphanumeric string including spaces, commas, periods, hyphens, and underscores with length between 1 and 255.
         * @param batchSize The maximum size of a batch to send to the destination. Messages will be queued until the batch size is reached, after which they will then be uploaded. If unspecified the default will be 10.
         * If both batchSize and batchIntervalMillis are specified, then messages will be eligible for upload when either condition is met.
         * The minimum batch size is 1 and the maximum is 10.
         * @param batchIntervalMillis The time in milliseconds between the earliest un-uploaded message and the current time. If this time is exceeded, messages will be uploaded in the next batch. If unspecified messages will be eligible for upload immediately.
         * If both batchSize and batchIntervalMillis are specified, then messages will be eligible for upload when either condition is met.
         * The minimum value is 60000 milliseconds and the maximum is 9223372036854 milliseconds.
         * @param priority Priority for this upload stream. Lower values are higher priority. If not specified it will have the lowest priority.
         * @param startSequenceNumber The sequence number of the message to use as the starting message in the export. Default is 0. The sequence number provided should be less than the newest sequence number in the stream, i.e., sequence number of the last messaged appended. To find the newest sequence number, describe the stream and then check the storage status of the returned MessageStreamInfo object.
         * @param disabled Enable or disable this export. Default is false.
         */
        constructor(identifier?: string | null, batchSize?: number | null, batchIntervalMillis?: number | null, priority?: number | null, startSequenceNumber?: number | null, disabled?: boolean | null);

        /**
         * A unique identifier to identify this individual upload stream.
         * Must be an alphanumeric string including spaces, commas, periods, hyphens, and underscores with length between 1 and 255.
         *
         * Required (validated before sending); null only on an incomplete, locally built object.
         */
        get identifier(): string;
        set identifier(value: string | null);
        withIdentifier(value: string | null): this;

        /**
         * The maximum size of a batch to send to the destination. Messages will be queued until the batch size is reached, after which they will then be uploaded. If unspecified the default will be 10.
         * If both batchSize and batchIntervalMillis are specified, then messages will be eligible for upload when either condition is met.
         * The minimum batch size is 1 and the maximum is 10.
         */
        get batchSize(): number | null;
        set batchSize(value: number | null);
        withBatchSize(value: number | null): this;

        /**
         * The time in milliseconds between the earliest un-uploaded message and the current time. If this time is exceeded, messages will be uploaded in the next batch. If unspecified messages will be eligible for upload immediately.
         * If both batchSize and batchIntervalMillis are specified, then messages will be eligible for upload when either condition is met.
         * The minimum value is 60000 milliseconds and the maximum is 9223372036854 milliseconds.
         */
        get batchIntervalMillis(): number | null;
        set batchIntervalMillis(value: number | null);
        withBatchIntervalMillis(value: number | null): this;

        /** Priority for this upload stream. Lower values are higher priority. If not specified it will have the lowest priority. */
        get priority(): number | null;
        set priority(value: number | null);
        withPriority(value: number | null): this;

        /** The sequence number of the message to use as the starting message in the export. Default is 0. The sequence number provided should be less than the newest sequence number in the stream, i.e., sequence number of the last messaged appended. To find the newest sequence number, describe the stream and then check the storage status of the returned MessageStreamInfo object. */
        get startSequenceNumber(): number | null;
        set startSequenceNumber(value: number | null);
        withStartSequenceNumber(value: number | null): this;

        /** Enable or disable this export. Default is false. */
        get disabled(): boolean | null;
        set disabled(value: boolean | null);
        withDisabled(value: boolean | null): this;

        static fromMap(d: Record<string, unknown>): IoTSiteWiseConfig;
        /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
        asMap(): Record<string, unknown>;
        static readonly typesMap: TypesMap;
        static readonly formatsMap: Record<string, unknown>;
        static readonly validationsMap: ValidationsMap;
    }

    /** Configuration for status in a status-stream. */
    export class StatusConfig {
        #private;
        /**
         * @param statusLevel Defines the verbosity of status messages in a status-stream.
         * @param statusStreamName The name of the stream to which status messages are appended.
         * The status-stream should be created before associating it with another stream.
         */
        constructor(statusLevel?: StatusLevel | null, statusStreamName?: string | null);

        /** Defines the verbosity of status messages in a status-stream. */
        get statusLevel(): StatusLevel | null;
        set statusLevel(value: StatusLevel | null);
        withStatusLevel(value: StatusLevel | null): this;

        /**
         * The name of the stream to which status messages are appended.
         * The status-stream should be created before associating it with another stream.
         */
        get statusStreamName(): string | null;
        set statusStreamName(value: string | null);
        withStatusStreamName(value: string | null): this;

        static fromMap(d: Record<string, unknown>): StatusConfig;
        /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
        asMap(): Record<string, unknown>;
        static readonly typesMap: TypesMap;
        static readonly formatsMap: Record<string, unknown>;
        static readonly validationsMap: ValidationsMap;
    }

    /** Configuration object for S3 export tasks executor.  Minimum version requirements: StreamManager server version 1.1 (or AWS IoT Greengrass Core 1.11.0) */
    export class S3ExportTaskExecutorConfig {
        #private;
        /**
         * @param identifier A unique identifier to identify this individual upload task.
         * Must be an alphanumeric string including spaces, commas, periods, hyphens, and underscores with length between 1 and 255.
         * @param sizeThresholdForMultipartUploadBytes The size threshold in bytes for when to use multipart uploads. Uploads over this size will automatically use a multipart upload strategy, while uploads equal or smaller than this threshold will use a single connection to upload the whole object.
         * @param priority Priority for this upload task. Lower values are higher priority. If not specified it will have the lowest priority.
         * @param disabled Enable or disable this export. Default is false.
         * @param statusConfig Event status configuration that specifies the target status stream and verbosity.
         */
        constructor(identifier?: string | null, sizeThresholdForMultipartUploadBytes?: number | null, priority?: number | null, disabled?: boolean | null, statusConfig?: StatusConfig | null);

        /**
         * A unique identifier to identify this individual upload task.
         * Must be an alphanumeric string including spaces, commas, periods, hyphens, and underscores with length between 1 and 255.
         *
         * Required (validated before sending); null only on an incomplete, locally built object.
         */
        get identifier(): string;
        set identifier(value: string | null);
        withIdentifier(value: string | null): this;

        /** The size threshold in bytes for when to use multipart uploads. Uploads over this size will automatically use a multipart upload strategy, while uploads equal or smaller than this threshold will use a single connection to upload the whole object. */
        get sizeThresholdForMultipartUploadBytes(): number | null;
        set sizeThresholdForMultipartUploadBytes(value: number | null);
        withSizeThresholdForMultipartUploadBytes(value: number | null): this;

        /** Priority for this upload task. Lower values are higher priority. If not specified it will have the lowest priority. */
        get priority(): number | null;
        set priority(value: number | null);
        withPriority(value: number | null): this;

        /** Enable or disable this export. Default is false. */
        get disabled(): boolean | null;
        set disabled(value: boolean | null);
        withDisabled(value: boolean | null): this;

        /** Event status configuration that specifies the target status stream and verbosity. */
        get statusConfig(): StatusConfig | null;
        set statusConfig(value: StatusConfig | null);
        withStatusConfig(value: StatusConfig | null): this;

        static fromMap(d: Record<string, unknown>): S3ExportTaskExecutorConfig;
        /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
        asMap(): Record<string, unknown>;
        static readonly typesMap: TypesMap;
        static readonly formatsMap: Record<string, unknown>;
        static readonly validationsMap: ValidationsMap;
    }

    /** Defines how and where the stream is uploaded. */
    export class ExportDefinition {
        #private;
        /**
         * @param http Defines how the stream is uploaded to an HTTP endpoint.
         * @param iotAnalytics Defines how the stream is uploaded to IoT Analytics.
         * @param kinesis Defines how the stream is uploaded to Kinesis.
         * @param IotSitewise Defines how the stream is uploaded to IoT SiteWise.
         * @param s3TaskExecutor Defines the list of configs for S3 task executors.
         */
        constructor(http?: HTTPConfig[] | null, iotAnalytics?: IoTAnalyticsConfig[] | null, kinesis?: KinesisConfig[] | null, IotSitewise?: IoTSiteWiseConfig[] | null, s3TaskExecutor?: S3ExportTaskExecutorConfig[] | null);

        /** Defines how the stream is uploaded to an HTTP endpoint. */
        get http(): HTTPConfig[] | null;
        set http(value: HTTPConfig[] | null);
        withHttp(value: HTTPConfig[] | null): this;

        /** Defines how the stream is uploaded to IoT Analytics. */
        get iotAnalytics(): IoTAnalyticsConfig[] | null;
        set iotAnalytics(value: IoTAnalyticsConfig[] | null);
        withIotAnalytics(value: IoTAnalyticsConfig[] | null): this;

        /** Defines how the stream is uploaded to Kinesis. */
        get kinesis(): KinesisConfig[] | null;
        set kinesis(value: KinesisConfig[] | null);
        withKinesis(value: KinesisConfig[] | null): this;

        /** Defines how the stream is uploaded to IoT SiteWise. */
        get IotSitewise(): IoTSiteWiseConfig[] | null;
        set IotSitewise(value: IoTSiteWiseConfig[] | null);
        withIotSitewise(value: IoTSiteWiseConfig[] | null): this;

        /** Defines the list of configs for S3 task executors. */
        get s3TaskExecutor(): S3ExportTaskExecutorConfig[] | null;
        set s3TaskExecutor(value: S3ExportTaskExecutorConfig[] | null);
        withS3TaskExecutor(value: S3ExportTaskExecutorConfig[] | null): this;

        static fromMap(d: Record<string, unknown>): ExportDefinition;
        /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
        asMap(): Record<string, unknown>;
        static readonly typesMap: TypesMap;
        static readonly formatsMap: Record<string, unknown>;
        static readonly validationsMap: ValidationsMap;
    }

    /**
     * StrategyOnFull is used in the MessageStreamDefinition when creating a stream.
     * It defines the behavior when the stream has reached the maximum size.
     * RejectNewData: any append message request after the stream is full will be rejected with an exception.
     * OverwriteOldestData: the oldest stream segments will be deleted until there is room for the new message.
     *
     * Enum-like class: the members are the read-only static instances below (compare with ===, or use asMap()).
     * `new StrategyOnFull(v)` builds a distinct instance that is NOT === the static member, so it is hidden here.
     */
    export class StrategyOnFull {
        #private;
        private constructor(value: 0 | 1);
        /** 0 */
        static readonly RejectNewData: StrategyOnFull;
        /** 1 */
        static readonly OverwriteOldestData: StrategyOnFull;
        static readonly options: { readonly RejectNewData: 0; readonly OverwriteOldestData: 1 };
        static readonly optionsFlipped: { readonly "0": "RejectNewData"; readonly "1": "OverwriteOldestData" };
        /** The static member for a wire value, or undefined for an unknown value. */
        static fromMap(d: unknown): StrategyOnFull | undefined;
        /** The wire value. */
        asMap(): 0 | 1;
    }

    /** Object defining a message stream used in the CreateMessageStream and UpdateMessageStream API. */
    export class MessageStreamDefinition {
        #private;
        /**
         * @param name The unique name of the stream.
         * Must be an alphanumeric string including spaces, commas, periods, hyphens, and underscores with length between 1 and 255.
         * @param maxSize The maximum size in bytes for the entire stream. Set to 256MB by default with a minimum of 1KB and a maximum of 8192PB.
         * @param streamSegmentSize The size of each segment of the stream. Set to 16MB by default with a minimum of 1KB and a maximum of 2GB.
         * Data is only deleted segment by segment, so the segment size is the smallest amount of data which can be deleted.
         * @param timeToLiveMillis Time to live for each message in milliseconds. Data may be deleted at any time after the TTL expires; deletion is not guaranteed to occur immediately when the TTL expires.
         * The minimum value is 60000 milliseconds and the maximum is 9223372036854 milliseconds.
         * @param strategyOnFull What to do when the maximum size of the stream is reached.
         * RejectNewData: any append message request after the stream is full will be rejected with an exception.
         * OverwriteOldestData: the oldest stream segments will be deleted until there is room for the new message.
         * @param persistence Stream persistence. If set to File, the file system will be used to persist messages long-term and is resilient to restarts.
         * Memory should be used when performance matters more than durability as it only stores the stream in memory and never writes to the disk.
         * @param flushOnWrite This only applies when Persistence is set to File mode.
         * Waits for the filesystem to complete the write for every message. This is safer, but slower. Default is false.
         * @param exportDefinition Defines how and where the stream is uploaded. See the definition of the ExportDefinition object for more detail.
         * Defaults (when the argument is omitted or undefined): maxSize = 268435456, streamSegmentSize = 16777216. Passing null stores null.
         */
        constructor(name?: string | null, maxSize?: number | null, streamSegmentSize?: number | null, timeToLiveMillis?: number | null, strategyOnFull?: StrategyOnFull | null, persistence?: Persistence | null, flushOnWrite?: boolean | null, exportDefinition?: ExportDefinition | null);

        /**
         * The unique name of the stream.
         * Must be an alphanumeric string including spaces, commas, periods, hyphens, and underscores with length between 1 and 255.
         *
         * Required (validated before sending); null only on an incomplete, locally built object.
         */
        get name(): string;
        set name(value: string | null);
        withName(value: string | null): this;

        /** The maximum size in bytes for the entire stream. Set to 256MB by default with a minimum of 1KB and a maximum of 8192PB. */
        get maxSize(): number | null;
        set maxSize(value: number | null);
        withMaxSize(value: number | null): this;

        /**
         * The size of each segment of the stream. Set to 16MB by default with a minimum of 1KB and a maximum of 2GB.
         * Data is only deleted segment by segment, so the segment size is the smallest amount of data which can be deleted.
         */
        get streamSegmentSize(): number | null;
        set streamSegmentSize(value: number | null);
        withStreamSegmentSize(value: number | null): this;

        /**
         * Time to live for each message in milliseconds. Data may be deleted at any time after the TTL expires; deletion is not guaranteed to occur immediately when the TTL expires.
         * The minimum value is 60000 milliseconds and the maximum is 9223372036854 milliseconds.
         */
        get timeToLiveMillis(): number | null;
        set timeToLiveMillis(value: number | null);
        withTimeToLiveMillis(value: number | null): this;

        /**
         * What to do when the maximum size of the stream is reached.
         * RejectNewData: any append message request after the stream is full will be rejected with an exception.
         * OverwriteOldestData: the oldest stream segments will be deleted until there is room for the new message.
         *
         * Required (validated before sending); null only on an incomplete, locally built object.
         */
        get strategyOnFull(): StrategyOnFull;
        set strategyOnFull(value: StrategyOnFull | null);
        withStrategyOnFull(value: StrategyOnFull | null): this;

        /**
         * Stream persistence. If set to File, the file system will be used to persist messages long-term and is resilient to restarts.
         * Memory should be used when performance matters more than durability as it only stores the stream in memory and never writes to the disk.
         */
        get persistence(): Persistence | null;
        set persistence(value: Persistence | null);
        withPersistence(value: Persistence | null): this;

        /**
         * This only applies when Persistence is set to File mode.
         * Waits for the filesystem to complete the write for every message. This is safer, but slower. Default is false.
         */
        get flushOnWrite(): boolean | null;
        set flushOnWrite(value: boolean | null);
        withFlushOnWrite(value: boolean | null): this;

        /** Defines how and where the stream is uploaded. See the definition of the ExportDefinition object for more detail. */
        get exportDefinition(): ExportDefinition | null;
        set exportDefinition(value: ExportDefinition | null);
        withExportDefinition(value: ExportDefinition | null): this;

        static fromMap(d: Record<string, unknown>): MessageStreamDefinition;
        /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
        asMap(): Record<string, unknown>;
        static readonly typesMap: TypesMap;
        static readonly formatsMap: Record<string, unknown>;
        static readonly validationsMap: ValidationsMap;
    }

    /** (Internal Only) Request object for creating a message stream. */
    export class CreateMessageStreamRequest {
        #private;
        constructor(requestId?: string | null, definition?: MessageStreamDefinition | null);

        /** Required (validated before sending); null only on an incomplete, locally built object. */
        get requestId(): string;
        set requestId(value: string | null);
        withRequestId(value: string | null): this;

        /** Required (validated before sending); null only on an incomplete, locally built object. */
        get definition(): MessageStreamDefinition;
        set definition(value: MessageStreamDefinition | null);
        withDefinition(value: MessageStreamDefinition | null): this;

        static fromMap(d: Record<string, unknown>): CreateMessageStreamRequest;
        /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
        asMap(): Record<string, unknown>;
        static readonly typesMap: TypesMap;
        static readonly formatsMap: Record<string, unknown>;
        static readonly validationsMap: ValidationsMap;
    }

    /** Internal Only. */
    export class CreateMessageStreamResponse {
        #private;
        constructor(requestId?: string | null, status?: ResponseStatusCode | null, errorMessage?: string | null);

        /** Required (validated before sending); null only on an incomplete, locally built object. */
        get requestId(): string;
        set requestId(value: string | null);
        withRequestId(value: string | null): this;

        /** Required (validated before sending); null only on an incomplete, locally built object. */
        get status(): ResponseStatusCode;
        set status(value: ResponseStatusCode | null);
        withStatus(value: ResponseStatusCode | null): this;

        get errorMessage(): string | null;
        set errorMessage(value: string | null);
        withErrorMessage(value: string | null): this;

        static fromMap(d: Record<string, unknown>): CreateMessageStreamResponse;
        /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
        asMap(): Record<string, unknown>;
        static readonly typesMap: TypesMap;
        static readonly formatsMap: Record<string, unknown>;
        static readonly validationsMap: ValidationsMap;
    }

    /** (Internal Only) Request object for updating a message stream. */
    export class UpdateMessageStreamRequest {
        #private;
        constructor(requestId?: string | null, definition?: MessageStreamDefinition | null);

        /** Required (validated before sending); null only on an incomplete, locally built object. */
        get requestId(): string;
        set requestId(value: string | null);
        withRequestId(value: string | null): this;

        /** Required (validated before sending); null only on an incomplete, locally built object. */
        get definition(): MessageStreamDefinition;
        set definition(value: MessageStreamDefinition | null);
        withDefinition(value: MessageStreamDefinition | null): this;

        static fromMap(d: Record<string, unknown>): UpdateMessageStreamRequest;
        /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
        asMap(): Record<string, unknown>;
        static readonly typesMap: TypesMap;
        static readonly formatsMap: Record<string, unknown>;
        static readonly validationsMap: ValidationsMap;
    }

    /** (Internal Only) Response for UpdateMessageStreamRequest. */
    export class UpdateMessageStreamResponse {
        #private;
        constructor(requestId?: string | null, status?: ResponseStatusCode | null, errorMessage?: string | null);

        /** Required (validated before sending); null only on an incomplete, locally built object. */
        get requestId(): string;
        set requestId(value: string | null);
        withRequestId(value: string | null): this;

        /** Required (validated before sending); null only on an incomplete, locally built object. */
        get status(): ResponseStatusCode;
        set status(value: ResponseStatusCode | null);
        withStatus(value: ResponseStatusCode | null): this;

        get errorMessage(): string | null;
        set errorMessage(value: string | null);
        withErrorMessage(value: string | null): this;

        static fromMap(d: Record<string, unknown>): UpdateMessageStreamResponse;
        /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
        asMap(): Record<string, unknown>;
        static readonly typesMap: TypesMap;
        static readonly formatsMap: Record<string, unknown>;
        static readonly validationsMap: ValidationsMap;
    }

    /** (Internal Only) Request object for deleting a message stream. */
    export class DeleteMessageStreamRequest {
        #private;
        constructor(requestId?: string | null, name?: string | null);

        /** Required (validated before sending); null only on an incomplete, locally built object. */
        get requestId(): string;
        set requestId(value: string | null);
        withRequestId(value: string | null): this;

        /** Required (validated before sending); null only on an incomplete, locally built object. */
        get name(): string;
        set name(value: string | null);
        withName(value: string | null): this;

        static fromMap(d: Record<string, unknown>): DeleteMessageStreamRequest;
        /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
        asMap(): Record<string, unknown>;
        static readonly typesMap: TypesMap;
        static readonly formatsMap: Record<string, unknown>;
        static readonly validationsMap: ValidationsMap;
    }

    /** Internal Only. */
    export class DeleteMessageStreamResponse {
        #private;
        constructor(requestId?: string | null, status?: ResponseStatusCode | null, errorMessage?: string | null);

        /** Required (validated before sending); null only on an incomplete, locally built object. */
        get requestId(): string;
        set requestId(value: string | null);
        withRequestId(value: string | null): this;

        /** Required (validated before sending); null only on an incomplete, locally built object. */
        get status(): ResponseStatusCode;
        set status(value: ResponseStatusCode | null);
        withStatus(value: ResponseStatusCode | null): this;

        get errorMessage(): string | null;
        set errorMessage(value: string | null);
        withErrorMessage(value: string | null): this;

        static fromMap(d: Record<string, unknown>): DeleteMessageStreamResponse;
        /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
        asMap(): Record<string, unknown>;
        static readonly typesMap: TypesMap;
        static readonly formatsMap: Record<string, unknown>;
        static readonly validationsMap: ValidationsMap;
    }

    /** (Internal Only) Request object for describing a message stream. */
    export class DescribeMessageStreamRequest {
        #private;
        constructor(requestId?: string | null, name?: string | null);

        /** Required (validated before sending); null only on an incomplete, locally built object. */
        get requestId(): string;
        set requestId(value: string | null);
        withRequestId(value: string | null): this;

        /** Required (validated before sending); null only on an incomplete, locally built object. */
        get name(): string;
        set name(value: string | null);
        withName(value: string | null): this;

        static fromMap(d: Record<string, unknown>): DescribeMessageStreamRequest;
        /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
        asMap(): Record<string, unknown>;
        static readonly typesMap: TypesMap;
        static readonly formatsMap: Record<string, unknown>;
        static readonly validationsMap: ValidationsMap;
    }

    /** Message stream information including its definition, storage status and export status. */
    export class MessageStreamInfo {
        #private;
        /** @param storageStatus Stream status including oldest/newest sequence number and total bytes. */
        constructor(definition?: MessageStreamDefinition | null, storageStatus?: MessageStreamInfo._storageStatus | null, exportStatuses?: MessageStreamInfo._exportStatuses[] | null);

        /** Required (validated before sending); null only on an incomplete, locally built object. */
        get definition(): MessageStreamDefinition;
        set definition(value: MessageStreamDefinition | null);
        withDefinition(value: MessageStreamDefinition | null): this;

        /**
         * Stream status including oldest/newest sequence number and total bytes.
         *
         * Required (validated before sending); null only on an incomplete, locally built object.
         */
        get storageStatus(): MessageStreamInfo._storageStatus;
        set storageStatus(value: MessageStreamInfo._storageStatus | null);
        withStorageStatus(value: MessageStreamInfo._storageStatus | null): this;

        get exportStatuses(): MessageStreamInfo._exportStatuses[] | null;
        set exportStatuses(value: MessageStreamInfo._exportStatuses[] | null);
        withExportStatuses(value: MessageStreamInfo._exportStatuses[] | null): this;

        static fromMap(d: Record<string, unknown>): MessageStreamInfo;
        /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
        asMap(): Record<string, unknown>;
        static readonly typesMap: TypesMap;
        static readonly formatsMap: Record<string, unknown>;
        static readonly validationsMap: ValidationsMap;
    }
    export namespace MessageStreamInfo {
        /** Stream status including oldest/newest sequence number and total bytes. */
        export class _storageStatus {
            #private;
            /**
             * @param oldestSequenceNumber The sequence number of the first message which is still accessible in the stream.
             * @param newestSequenceNumber The sequence number of the last appended message.
             * @param totalBytes The current total size of the stream in bytes.
             */
            constructor(oldestSequenceNumber?: number | null, newestSequenceNumber?: number | null, totalBytes?: number | null);

            /** The sequence number of the first message which is still accessible in the stream. */
            get oldestSequenceNumber(): number | null;
            set oldestSequenceNumber(value: number | null);
            withOldestSequenceNumber(value: number | null): this;

            /** The sequence number of the last appended message. */
            get newestSequenceNumber(): number | null;
            set newestSequenceNumber(value: number | null);
            withNewestSequenceNumber(value: number | null): this;

            /** The current total size of the stream in bytes. */
            get totalBytes(): number | null;
            set totalBytes(value: number | null);
            withTotalBytes(value: number | null): this;

            static fromMap(d: Record<string, unknown>): MessageStreamInfo._storageStatus;
            /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
            asMap(): Record<string, unknown>;
            static readonly typesMap: TypesMap;
            static readonly formatsMap: Record<string, unknown>;
            static readonly validationsMap: ValidationsMap;
        }
        /** Export status including the export identifier and the last exported sequence number for that export task. */
        export class _exportStatuses {
            #private;
            /**
             * @param exportConfigIdentifier The unique export identifier.
             * @param lastExportedSequenceNumber The sequence number of the last message which was successfully exported.
             * @param lastExportTime The last time an export was attempted. Data is Unix epoch time in milliseconds.
             * @param errorMessage Error message from the last export attempt if it failed.
             * @param exportedBytesFromStream Total bytes exported from the stream for this Export Config. It does not include the failed export attempts or messages which are skipped because of some non-retryable error.
             * @param exportedMessagesCount Total messages exported/processed.
             */
            constructor(exportConfigIdentifier?: string | null, lastExportedSequenceNumber?: number | null, lastExportTime?: number | null, errorMessage?: string | null, exportedBytesFromStream?: number | null, exportedMessagesCount?: number | null);

            /** The unique export identifier. */
            get exportConfigIdentifier(): string | null;
            set exportConfigIdentifier(value: string | null);
            withExportConfigIdentifier(value: string | null): this;

            /**
             * The sequence number of the last message which was successfully exported.
             *
             * Required (validated before sending); null only on an incomplete, locally built object.
             */
            get lastExportedSequenceNumber(): number;
            set lastExportedSequenceNumber(value: number | null);
            withLastExportedSequenceNumber(value: number | null): this;

            /** The last time an export was attempted. Data is Unix epoch time in milliseconds. */
            get lastExportTime(): number | null;
            set lastExportTime(value: number | null);
            withLastExportTime(value: number | null): this;

            /** Error message from the last export attempt if it failed. */
            get errorMessage(): string | null;
            set errorMessage(value: string | null);
            withErrorMessage(value: string | null): this;

            /** Total bytes exported from the stream for this Export Config. It does not include the failed export attempts or messages which are skipped because of some non-retryable error. */
            get exportedBytesFromStream(): number | null;
            set exportedBytesFromStream(value: number | null);
            withExportedBytesFromStream(value: number | null): this;

            /** Total messages exported/processed. */
            get exportedMessagesCount(): number | null;
            set exportedMessagesCount(value: number | null);
            withExportedMessagesCount(value: number | null): this;

            static fromMap(d: Record<string, unknown>): MessageStreamInfo._exportStatuses;
            /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
            asMap(): Record<string, unknown>;
            static readonly typesMap: TypesMap;
            static readonly formatsMap: Record<string, unknown>;
            static readonly validationsMap: ValidationsMap;
        }
    }

    /** (Internal Only) Response object for describing a message stream. */
    export class DescribeMessageStreamResponse {
        #private;
        constructor(requestId?: string | null, status?: ResponseStatusCode | null, errorMessage?: string | null, messageStreamInfo?: MessageStreamInfo | null);

        /** Required (validated before sending); null only on an incomplete, locally built object. */
        get requestId(): string;
        set requestId(value: string | null);
        withRequestId(value: string | null): this;

        /** Required (validated before sending); null only on an incomplete, locally built object. */
        get status(): ResponseStatusCode;
        set status(value: ResponseStatusCode | null);
        withStatus(value: ResponseStatusCode | null): this;

        get errorMessage(): string | null;
        set errorMessage(value: string | null);
        withErrorMessage(value: string | null): this;

        get messageStreamInfo(): MessageStreamInfo | null;
        set messageStreamInfo(value: MessageStreamInfo | null);
        withMessageStreamInfo(value: MessageStreamInfo | null): this;

        static fromMap(d: Record<string, unknown>): DescribeMessageStreamResponse;
        /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
        asMap(): Record<string, unknown>;
        static readonly typesMap: TypesMap;
        static readonly formatsMap: Record<string, unknown>;
        static readonly validationsMap: ValidationsMap;
    }

    /** (Internal Only) Request object for appending to a message stream. */
    export class AppendMessageRequest {
        #private;
        constructor(requestId?: string | null, name?: string | null, payload?: Buffer | null);

        /** Required (validated before sending); null only on an incomplete, locally built object. */
        get requestId(): string;
        set requestId(value: string | null);
        withRequestId(value: string | null): this;

        /** Required (validated before sending); null only on an incomplete, locally built object. */
        get name(): string;
        set name(value: string | null);
        withName(value: string | null): this;

        /** Required (validated before sending); null only on an incomplete, locally built object. */
        get payload(): Buffer;
        set payload(value: Buffer | null);
        withPayload(value: Buffer | null): this;

        static fromMap(d: Record<string, unknown>): AppendMessageRequest;
        /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
        asMap(): Record<string, unknown>;
        static readonly typesMap: TypesMap;
        static readonly formatsMap: Record<string, unknown>;
        static readonly validationsMap: ValidationsMap;
    }

    /** Internal Only. */
    export class AppendMessageResponse {
        #private;
        constructor(requestId?: string | null, status?: ResponseStatusCode | null, errorMessage?: string | null, sequenceNumber?: number | null);

        /** Required (validated before sending); null only on an incomplete, locally built object. */
        get requestId(): string;
        set requestId(value: string | null);
        withRequestId(value: string | null): this;

        /** Required (validated before sending); null only on an incomplete, locally built object. */
        get status(): ResponseStatusCode;
        set status(value: ResponseStatusCode | null);
        withStatus(value: ResponseStatusCode | null): this;

        get errorMessage(): string | null;
        set errorMessage(value: string | null);
        withErrorMessage(value: string | null): this;

        get sequenceNumber(): number | null;
        set sequenceNumber(value: number | null);
        withSequenceNumber(value: number | null): this;

        static fromMap(d: Record<string, unknown>): AppendMessageResponse;
        /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
        asMap(): Record<string, unknown>;
        static readonly typesMap: TypesMap;
        static readonly formatsMap: Record<string, unknown>;
        static readonly validationsMap: ValidationsMap;
    }

    /** Options for the ReadMessages API. All fields are optional. */
    export class ReadMessagesOptions {
        #private;
        /**
         * @param desiredStartSequenceNumber The desired beginning sequence number to start reading from. If the desired sequence number is less than the current minimum of the stream, then it will instead start reading from the current minimum.
         * @param minMessageCount The minimum number of messages that will be returned. If not enough messages are available for reading, then NotEnoughMessages exception will be thrown.
         * The minimum values is 1 and the maximum value is 2147483647.
         * @param maxMessageCount The maximum number of messages that will be returned.
         * The minimum values is the value of the minimum message count and the maximum value is 2147483647.
         * @param readTimeoutMillis The time to wait for messages in milliseconds. Default is 0, meaning that the server will not wait for messages.
         * If it can fulfill the minimum messages it will return them, but otherwise NotEnoughMessages exception will be thrown.
         * If the timeout is greater than zero, then the server will wait up to that time for more messages to be appended to the stream, waiting until the minimum number of messages is reached.
         * The maximum value is the value of the client timeout.
         * Defaults (when the argument is omitted or undefined): minMessageCount = 1, readTimeoutMillis = 0. Passing null stores null.
         */
        constructor(desiredStartSequenceNumber?: number | null, minMessageCount?: number | null, maxMessageCount?: number | null, readTimeoutMillis?: number | null);

        /** The desired beginning sequence number to start reading from. If the desired sequence number is less than the current minimum of the stream, then it will instead start reading from the current minimum. */
        get desiredStartSequenceNumber(): number | null;
        set desiredStartSequenceNumber(value: number | null);
        withDesiredStartSequenceNumber(value: number | null): this;

        /**
         * The minimum number of messages that will be returned. If not enough messages are available for reading, then NotEnoughMessages exception will be thrown.
         * The minimum values is 1 and the maximum value is 2147483647.
         */
        get minMessageCount(): number | null;
        set minMessageCount(value: number | null);
        withMinMessageCount(value: number | null): this;

        /**
         * The maximum number of messages that will be returned.
         * The minimum values is the value of the minimum message count and the maximum value is 2147483647.
         */
        get maxMessageCount(): number | null;
        set maxMessageCount(value: number | null);
        withMaxMessageCount(value: number | null): this;

        /**
         * The time to wait for messages in milliseconds. Default is 0, meaning that the server will not wait for messages.
         * If it can fulfill the minimum messages it will return them, but otherwise NotEnoughMessages exception will be thrown.
         * If the timeout is greater than zero, then the server will wait up to that time for more messages to be appended to the stream, waiting until the minimum number of messages is reached.
         * The maximum value is the value of the client timeout.
         */
        get readTimeoutMillis(): number | null;
        set readTimeoutMillis(value: number | null);
        withReadTimeoutMillis(value: number | null): this;

        static fromMap(d: Record<string, unknown>): ReadMessagesOptions;
        /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
        asMap(): Record<string, unknown>;
        static readonly typesMap: TypesMap;
        static readonly formatsMap: Record<string, unknown>;
        static readonly validationsMap: ValidationsMap;
    }

    /** (Internal Only) Request object for reading from a message stream. readMessagesOptions is optional. */
    export class ReadMessagesRequest {
        #private;
        constructor(requestId?: string | null, streamName?: string | null, readMessagesOptions?: ReadMessagesOptions | null);

        /** Required (validated before sending); null only on an incomplete, locally built object. */
        get requestId(): string;
        set requestId(value: string | null);
        withRequestId(value: string | null): this;

        /** Required (validated before sending); null only on an incomplete, locally built object. */
        get streamName(): string;
        set streamName(value: string | null);
        withStreamName(value: string | null): this;

        get readMessagesOptions(): ReadMessagesOptions | null;
        set readMessagesOptions(value: ReadMessagesOptions | null);
        withReadMessagesOptions(value: ReadMessagesOptions | null): this;

        static fromMap(d: Record<string, unknown>): ReadMessagesRequest;
        /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
        asMap(): Record<string, unknown>;
        static readonly typesMap: TypesMap;
        static readonly formatsMap: Record<string, unknown>;
        static readonly validationsMap: ValidationsMap;
    }

    /** Message object containing metadata and the user's payload. */
    export class Message {
        #private;
        /**
         * @param streamName The name of the stream which this message is in.
         * @param sequenceNumber The sequence number of this message within the stream.
         * @param ingestTime The time that the message was ingested to Stream Manager. Data is Unix epoch time in milliseconds.
         * @param payload The binary message data.
         */
        constructor(streamName?: string | null, sequenceNumber?: number | null, ingestTime?: number | null, payload?: Buffer | null);

        /**
         * The name of the stream which this message is in.
         *
         * Required (validated before sending); null only on an incomplete, locally built object.
         */
        get streamName(): string;
        set streamName(value: string | null);
        withStreamName(value: string | null): this;

        /** The sequence number of this message within the stream. */
        get sequenceNumber(): number | null;
        set sequenceNumber(value: number | null);
        withSequenceNumber(value: number | null): this;

        /** The time that the message was ingested to Stream Manager. Data is Unix epoch time in milliseconds. */
        get ingestTime(): number | null;
        set ingestTime(value: number | null);
        withIngestTime(value: number | null): this;

        /**
         * The binary message data.
         *
         * Required (validated before sending); null only on an incomplete, locally built object.
         */
        get payload(): Buffer;
        set payload(value: Buffer | null);
        withPayload(value: Buffer | null): this;

        static fromMap(d: Record<string, unknown>): Message;
        /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
        asMap(): Record<string, unknown>;
        static readonly typesMap: TypesMap;
        static readonly formatsMap: Record<string, unknown>;
        static readonly validationsMap: ValidationsMap;
    }

    /** Internal Only. */
    export class ReadMessagesResponse {
        #private;
        constructor(requestId?: string | null, messages?: Message[] | null, status?: ResponseStatusCode | null, errorMessage?: string | null);

        get requestId(): string | null;
        set requestId(value: string | null);
        withRequestId(value: string | null): this;

        get messages(): Message[] | null;
        set messages(value: Message[] | null);
        withMessages(value: Message[] | null): this;

        get status(): ResponseStatusCode | null;
        set status(value: ResponseStatusCode | null);
        withStatus(value: ResponseStatusCode | null): this;

        get errorMessage(): string | null;
        set errorMessage(value: string | null);
        withErrorMessage(value: string | null): this;

        static fromMap(d: Record<string, unknown>): ReadMessagesResponse;
        /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
        asMap(): Record<string, unknown>;
        static readonly typesMap: TypesMap;
        static readonly formatsMap: Record<string, unknown>;
        static readonly validationsMap: ValidationsMap;
    }

    /** (Internal Only) Request object to list all available streams. There are no options. */
    export class ListStreamsRequest {
        #private;
        constructor(requestId?: string | null);

        /** Required (validated before sending); null only on an incomplete, locally built object. */
        get requestId(): string;
        set requestId(value: string | null);
        withRequestId(value: string | null): this;

        static fromMap(d: Record<string, unknown>): ListStreamsRequest;
        /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
        asMap(): Record<string, unknown>;
        static readonly typesMap: TypesMap;
        static readonly formatsMap: Record<string, unknown>;
        static readonly validationsMap: ValidationsMap;
    }

    /** Internal Only. */
    export class ListStreamsResponse {
        #private;
        constructor(requestId?: string | null, status?: ResponseStatusCode | null, errorMessage?: string | null, streams?: string[] | null);

        /** Required (validated before sending); null only on an incomplete, locally built object. */
        get requestId(): string;
        set requestId(value: string | null);
        withRequestId(value: string | null): this;

        /** Required (validated before sending); null only on an incomplete, locally built object. */
        get status(): ResponseStatusCode;
        set status(value: ResponseStatusCode | null);
        withStatus(value: ResponseStatusCode | null): this;

        get errorMessage(): string | null;
        set errorMessage(value: string | null);
        withErrorMessage(value: string | null): this;

        get streams(): string[] | null;
        set streams(value: string[] | null);
        withStreams(value: string[] | null): this;

        static fromMap(d: Record<string, unknown>): ListStreamsResponse;
        /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
        asMap(): Record<string, unknown>;
        static readonly typesMap: TypesMap;
        static readonly formatsMap: Record<string, unknown>;
        static readonly validationsMap: ValidationsMap;
    }

    /** Contains a timestamp with optional nanosecond granularity. */
    export class TimeInNanos {
        #private;
        /**
         * @param timeInSeconds The timestamp date, in seconds, in the Unix epoch format. Fractional nanosecond data is provided by offsetInNanos.
         * @param offsetInNanos The nanosecond offset from timeInSeconds.
         */
        constructor(timeInSeconds?: number | null, offsetInNanos?: number | null);

        /**
         * The timestamp date, in seconds, in the Unix epoch format. Fractional nanosecond data is provided by offsetInNanos.
         *
         * Required (validated before sending); null only on an incomplete, locally built object.
         */
        get timeInSeconds(): number;
        set timeInSeconds(value: number | null);
        withTimeInSeconds(value: number | null): this;

        /** The nanosecond offset from timeInSeconds. */
        get offsetInNanos(): number | null;
        set offsetInNanos(value: number | null);
        withOffsetInNanos(value: number | null): this;

        static fromMap(d: Record<string, unknown>): TimeInNanos;
        /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
        asMap(): Record<string, unknown>;
        static readonly typesMap: TypesMap;
        static readonly formatsMap: Record<string, unknown>;
        static readonly validationsMap: ValidationsMap;
    }

    /** Contains an asset property value (of a single type only). */
    export class Variant {
        #private;
        /**
         * @param stringValue Asset property data of type string (sequence of characters).
         * @param integerValue Asset property data of type integer (whole number).
         * @param doubleValue Asset property data of type double (floating point number).
         * @param booleanValue Asset property data of type Boolean (true or false).
         */
        constructor(stringValue?: string | null, integerValue?: number | null, doubleValue?: number | null, booleanValue?: boolean | null);

        /** Asset property data of type string (sequence of characters). */
        get stringValue(): string | null;
        set stringValue(value: string | null);
        withStringValue(value: string | null): this;

        /** Asset property data of type integer (whole number). */
        get integerValue(): number | null;
        set integerValue(value: number | null);
        withIntegerValue(value: number | null): this;

        /** Asset property data of type double (floating point number). */
        get doubleValue(): number | null;
        set doubleValue(value: number | null);
        withDoubleValue(value: number | null): this;

        /** Asset property data of type Boolean (true or false). */
        get booleanValue(): boolean | null;
        set booleanValue(value: boolean | null);
        withBooleanValue(value: boolean | null): this;

        static fromMap(d: Record<string, unknown>): Variant;
        /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
        asMap(): Record<string, unknown>;
        static readonly typesMap: TypesMap;
        static readonly formatsMap: Record<string, unknown>;
        static readonly validationsMap: ValidationsMap;
    }

    /**
     * Enum-like class: the members are the read-only static instances below (compare with ===, or use asMap()).
     * `new Quality(v)` builds a distinct instance that is NOT === the static member, so it is hidden here.
     */
    export class Quality {
        #private;
        private constructor(value: "GOOD" | "BAD" | "UNCERTAIN");
        /** "GOOD" */
        static readonly GOOD: Quality;
        /** "BAD" */
        static readonly BAD: Quality;
        /** "UNCERTAIN" */
        static readonly UNCERTAIN: Quality;
        static readonly options: { readonly GOOD: "GOOD"; readonly BAD: "BAD"; readonly UNCERTAIN: "UNCERTAIN" };
        static readonly optionsFlipped: { readonly "GOOD": "GOOD"; readonly "BAD": "BAD"; readonly "UNCERTAIN": "UNCERTAIN" };
        /** The static member for a wire value, or undefined for an unknown value. */
        static fromMap(d: unknown): Quality | undefined;
        /** The wire value. */
        asMap(): "GOOD" | "BAD" | "UNCERTAIN";
    }

    /** Contains asset property value information. */
    export class AssetPropertyValue {
        #private;
        /**
         * @param value The value of the asset property.
         * @param timestamp The timestamp of the asset property value.
         * @param quality The quality of the asset property value.
         */
        constructor(value?: Variant | null, timestamp?: TimeInNanos | null, quality?: Quality | null);

        /**
         * The value of the asset property.
         *
         * Required (validated before sending); null only on an incomplete, locally built object.
         */
        get value(): Variant;
        set value(value: Variant | null);
        withValue(value: Variant | null): this;

        /**
         * The timestamp of the asset property value.
         *
         * Required (validated before sending); null only on an incomplete, locally built object.
         */
        get timestamp(): TimeInNanos;
        set timestamp(value: TimeInNanos | null);
        withTimestamp(value: TimeInNanos | null): this;

        /** The quality of the asset property value. */
        get quality(): Quality | null;
        set quality(value: Quality | null);
        withQuality(value: Quality | null): this;

        static fromMap(d: Record<string, unknown>): AssetPropertyValue;
        /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
        asMap(): Record<string, unknown>;
        static readonly typesMap: TypesMap;
        static readonly formatsMap: Record<string, unknown>;
        static readonly validationsMap: ValidationsMap;
    }

    /** Contains a list of value updates for a IoTSiteWise asset property in the list of asset entries consumed by the BatchPutAssetPropertyValue API. See https://docs.aws.amazon.com/iot-sitewise/latest/APIReference/API_BatchPutAssetPropertyValue.html. */
    export class PutAssetPropertyValueEntry {
        #private;
        /**
         * @param entryId The user specified ID for the entry. You can use this ID to identify which entries failed.
         * @param assetId The ID of the asset to update.
         * @param propertyId The ID of the asset property for this entry.
         * @param propertyAlias The property alias that identifies the property, such as an OPC-UA server data stream path (for example, /company/windfarm/3/turbine/7/temperature). For more information, see https://docs.aws.amazon.com/iot-sitewise/latest/userguide/connect-data-streams.html.
         * @param propertyValues The list of property values to upload. You can specify up to 10 values.
         */
        constructor(entryId?: string | null, assetId?: string | null, propertyId?: string | null, propertyAlias?: string | null, propertyValues?: AssetPropertyValue[] | null);

        /**
         * The user specified ID for the entry. You can use this ID to identify which entries failed.
         *
         * Required (validated before sending); null only on an incomplete, locally built object.
         */
        get entryId(): string;
        set entryId(value: string | null);
        withEntryId(value: string | null): this;

        /** The ID of the asset to update. */
        get assetId(): string | null;
        set assetId(value: string | null);
        withAssetId(value: string | null): this;

        /** The ID of the asset property for this entry. */
        get propertyId(): string | null;
        set propertyId(value: string | null);
        withPropertyId(value: string | null): this;

        /** The property alias that identifies the property, such as an OPC-UA server data stream path (for example, /company/windfarm/3/turbine/7/temperature). For more information, see https://docs.aws.amazon.com/iot-sitewise/latest/userguide/connect-data-streams.html. */
        get propertyAlias(): string | null;
        set propertyAlias(value: string | null);
        withPropertyAlias(value: string | null): this;

        /**
         * The list of property values to upload. You can specify up to 10 values.
         *
         * Required (validated before sending); null only on an incomplete, locally built object.
         */
        get propertyValues(): AssetPropertyValue[];
        set propertyValues(value: AssetPropertyValue[] | null);
        withPropertyValues(value: AssetPropertyValue[] | null): this;

        static fromMap(d: Record<string, unknown>): PutAssetPropertyValueEntry;
        /** Plain map with camelCase wire keys; enums become their numeric/string values, null fields are omitted. */
        asMap(): Record<string, unknown>;
        static readonly typesMap: TypesMap;
        static readonly formatsMap: Record<string, unknown>;
        static readonly validationsMap: ValidationsMap;
    }
}

/** The data module the client itself requires by package name (same classes as the main module). */
declare module 'aws-greengrass-core-sdk/stream-manager/data' {
    export {
        VersionInfo,
        ConnectRequest,
        ResponseStatusCode,
        ConnectResponse,
        Operation,
        MessageFrame,
        EventType,
        Status,
        StatusLevel,
        S3ExportTaskDefinition,
        StatusContext,
        StatusMessage,
        TraceableRequest,
        UnknownOperationError,
        Persistence,
        ExportFormat,
        HTTPConfig,
        IoTAnalyticsConfig,
        KinesisConfig,
        IoTSiteWiseConfig,
        StatusConfig,
        S3ExportTaskExecutorConfig,
        ExportDefinition,
        StrategyOnFull,
        MessageStreamDefinition,
        CreateMessageStreamRequest,
        CreateMessageStreamResponse,
        UpdateMessageStreamRequest,
        UpdateMessageStreamResponse,
        DeleteMessageStreamRequest,
        DeleteMessageStreamResponse,
        DescribeMessageStreamRequest,
        MessageStreamInfo,
        DescribeMessageStreamResponse,
        AppendMessageRequest,
        AppendMessageResponse,
        ReadMessagesOptions,
        ReadMessagesRequest,
        Message,
        ReadMessagesResponse,
        ListStreamsRequest,
        ListStreamsResponse,
        TimeInNanos,
        Variant,
        Quality,
        AssetPropertyValue,
        PutAssetPropertyValueEntry,
    } from 'aws-greengrass-core-sdk/stream-manager';
}

declare module 'aws-greengrass-core-sdk/stream-manager/exceptions' {
    export {
        ClientException,
        ConnectFailedException,
        InvalidRequestException,
        MessageStoreReadErrorException,
        NotEnoughMessagesException,
        RequestPayloadTooLargeException,
        ResourceNotFoundException,
        ResponsePayloadTooLargeException,
        ServerOutOfMemoryException,
        ServerTimeoutException,
        StreamManagerException,
        UnauthorizedException,
        UnknownFailureException,
        ValidationException,
        UpdateFailedException,
        UpdateNotAllowedException,
        UnknownOperationException,
    } from 'aws-greengrass-core-sdk/stream-manager';
}

declare module 'aws-greengrass-core-sdk/stream-manager/util' {
    import { util } from 'aws-greengrass-core-sdk/stream-manager';
    export const validateAndSerializeToJsonBytes: typeof util.validateAndSerializeToJsonBytes;
    export const deserializeJsonBytesToObj: typeof util.deserializeJsonBytesToObj;
}
