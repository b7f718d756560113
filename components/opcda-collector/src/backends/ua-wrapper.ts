/**
 * The `ua-wrapper` backend (primary): the DA server's items as a DA→UA wrapper on the Windows
 * host exposes them (OPC Foundation UA COM Server Wrapper, Kepware, Matrikon, …), read with
 * node-opcua and mapped back to DA terms (OPC 10000-8 Annex A): item ids, the DA quality word
 * from the StatusCode, the source timestamp at 100-ns resolution.
 *
 * Item id ↔ node id, since wrappers differ:
 * - `template`: node id = `nodeIdTemplate` with `{itemId}` replaced (`ns=1;s=DA:{itemId}`); a
 *   browse (for wildcards) names each variable under `rootPath` by reversing the template, or by
 *   its browse path when its node id does not fit the template;
 * - `browse`: item id = the browse path of the variable under `rootPath`, segments joined by `.`
 *   (`DAServer/Channel1/Device1/Tag1` → `Channel1.Device1.Tag1`); node ids come from the browse,
 *   done once per connection.
 *
 * Reconnection is the collector's: node-opcua's own retry is off (`maxRetry: 0`), every call has
 * a timeout, and a lost connection makes the next read fail so the collector reconnects.
 */
import * as fs from 'node:fs';
import {
  AttributeIds,
  BrowseDirection,
  DataType,
  MessageSecurityMode,
  NodeClass,
  OPCUACertificateManager,
  OPCUAClient,
  SecurityPolicy,
  StatusCodes,
  UserTokenType,
  VariantArrayType,
  browseAll,
  resolveNodeId,
  type ClientSession,
  type DataValue,
  type NodeId,
  type ReferenceDescription,
  type UserIdentityInfo,
  type Variant,
} from 'node-opcua';
import { errorMessage, systemClock, type Clock } from '../../../core/src';
import { OpcDaError, OpcDaErrorCode, withTimeout, type BackendHealth, type DaBackend, type DaItemValue, type DaReadResult, type DaValue } from '../backend';
import { fromUaDateTime } from '../filetime';
import { daQualityOfStatusCode } from '../quality';

export interface UaWrapperOptions {
  endpointUrl: string;
  securityMode: 'None' | 'Sign' | 'SignAndEncrypt';
  securityPolicy: 'None' | 'Basic256Sha256' | 'Aes128_Sha256_RsaOaep' | 'Aes256_Sha256_RsaPss' | 'Basic256';
  userName?: string;
  password?: string;
  pkiDir: string;
  trustUnknownServerCertificate: boolean;
  applicationUri: string;
  itemMapping: 'template' | 'browse';
  nodeIdTemplate: string;
  rootPath: string;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  maxNodesPerRead: number;
  clock?: Clock;
}

/** StatusCodes that mean "no such item" / "this item cannot be read", per item, not per connection. */
const UNKNOWN_NODE = new Set<number>([StatusCodes.BadNodeIdUnknown.value, StatusCodes.BadNodeIdInvalid.value, StatusCodes.BadAttributeIdInvalid.value]);
const UNREADABLE = new Set<number>([
  StatusCodes.BadNotReadable.value,
  StatusCodes.BadUserAccessDenied.value,
  StatusCodes.BadIndexRangeInvalid.value,
  StatusCodes.BadDataEncodingUnsupported.value,
]);
/** Server_ServerCapabilities_OperationLimits_MaxNodesPerRead. */
const MAX_NODES_PER_READ_NODE = 'i=11705';
const MAX_BROWSE_NODES = 200_000;
const MAX_BROWSE_DEPTH = 32;

export class UaWrapperBackend implements DaBackend {
  readonly kind = 'ua-wrapper';
  readonly description: string;
  private readonly o: UaWrapperOptions;
  private readonly clock: Clock;
  private certificateManager?: OPCUACertificateManager;
  private client?: OPCUAClient;
  private session?: ClientSession;
  private lost?: string;
  /** itemId → node id, from this connection's browse. */
  private browsed?: Map<string, NodeId>;
  private nodesPerRead: number;
  private lastReadAt?: number;
  /** Bumped by close(): a connect() still in progress then tears down what it opened. */
  private generation = 0;
  private readonly templateParts: [string, string];

  constructor(options: UaWrapperOptions) {
    this.o = options;
    this.clock = options.clock ?? systemClock;
    this.description = options.endpointUrl;
    this.nodesPerRead = options.maxNodesPerRead;
    const at = options.nodeIdTemplate.indexOf('{itemId}');
    this.templateParts = [options.nodeIdTemplate.slice(0, at), options.nodeIdTemplate.slice(at + '{itemId}'.length)];
  }

  async connect(): Promise<void> {
    // A close() from here on (even while the previous session is being released) cancels this connect.
    const previous = { session: this.session, client: this.client };
    this.session = undefined;
    this.client = undefined;
    const generation = ++this.generation;
    await this.release(previous.session, previous.client);
    this.lost = undefined;
    this.browsed = undefined;
    this.nodesPerRead = this.o.maxNodesPerRead;
    // Kept local until the session is open: a close() meanwhile must not leave them behind.
    let client: OPCUAClient | undefined;
    let session: ClientSession | undefined;
    try {
      if (!this.certificateManager) {
        fs.mkdirSync(this.o.pkiDir, { recursive: true });
        const cm = new OPCUACertificateManager({ rootFolder: this.o.pkiDir, automaticallyAcceptUnknownCertificate: this.o.trustUnknownServerCertificate });
        await withTimeout(cm.initialize(), Math.max(this.o.connectTimeoutMs, 30_000), 'PKI initialisation', this.clock);
        this.certificateManager = cm;
      }
      client = OPCUAClient.create({
        applicationName: 'Tributary OpcDaCollector',
        applicationUri: this.o.applicationUri,
        clientCertificateManager: this.certificateManager,
        securityMode: MessageSecurityMode[this.o.securityMode],
        securityPolicy: SecurityPolicy[this.o.securityPolicy],
        endpointMustExist: false,
        // One attempt per connect(); the collector backs off and calls connect() again.
        connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
        defaultTransactionTimeout: this.o.requestTimeoutMs,
        transportTimeout: this.o.connectTimeoutMs,
        keepSessionAlive: true,
        requestedSessionTimeout: 60_000,
      });
      const onLost = (why: string) => () => {
        if (generation === this.generation) this.lost ??= why;
      };
      client.on('connection_lost', onLost('connection lost'));
      client.on('close', onLost('connection closed'));
      client.on('backoff', onLost('connection lost'));
      await withTimeout(client.connect(this.o.endpointUrl), this.o.connectTimeoutMs, `connect to ${this.o.endpointUrl}`, this.clock);
      const identity: UserIdentityInfo =
        this.o.userName !== undefined ? { type: UserTokenType.UserName, userName: this.o.userName, password: this.o.password ?? '' } : { type: UserTokenType.Anonymous };
      session = await withTimeout(client.createSession(identity), this.o.connectTimeoutMs, 'create session', this.clock);
      session.on('session_closed', onLost('session closed'));
      if (generation !== this.generation) throw new OpcDaError(OpcDaErrorCode.NotConnected, 'closed while connecting');
      this.client = client;
      this.session = session;
      await this.readServerLimit(session);
    } catch (err) {
      if (this.client === client && client !== undefined) await this.close();
      else await this.release(session, client);
      if (err instanceof OpcDaError) throw err;
      const message = errorMessage(err);
      const hint = /BadCertificateUntrusted/.test(message)
        ? ` (the server certificate is not trusted: move it from ${this.o.pkiDir}/rejected to ${this.o.pkiDir}/trusted/certs once you have checked it)`
        : '';
      throw new OpcDaError(OpcDaErrorCode.ConnectFailed, `Cannot open a session with ${this.o.endpointUrl}: ${message}${hint}`, { cause: err });
    }
  }

  /** Lowers the read chunk to the server's MaxNodesPerRead when it states one. */
  private async readServerLimit(session: ClientSession): Promise<void> {
    try {
      const dv = await withTimeout(session.read({ nodeId: MAX_NODES_PER_READ_NODE, attributeId: AttributeIds.Value }), this.o.requestTimeoutMs, 'read MaxNodesPerRead', this.clock);
      const n = Number(dv.value?.value);
      if (dv.statusCode.value === 0 && Number.isInteger(n) && n > 0) this.nodesPerRead = Math.min(this.o.maxNodesPerRead, n);
    } catch {
      // Not every server has the node; keep the configured chunk size.
    }
  }

  async browse(): Promise<string[]> {
    const session = this.usable();
    try {
      const map = await this.browseItems(session);
      this.browsed = map;
      return [...map.keys()];
    } catch (err) {
      if (err instanceof OpcDaError) throw err;
      throw new OpcDaError(OpcDaErrorCode.BrowseFailed, `Browsing ${this.o.rootPath} on ${this.o.endpointUrl} failed: ${errorMessage(err)}`, { cause: err });
    }
  }

  private async browseChildren(session: ClientSession, nodeIds: NodeId[]): Promise<ReferenceDescription[][]> {
    const results = await withTimeout(
      browseAll(
        session,
        nodeIds.map((nodeId) => ({
          nodeId,
          browseDirection: BrowseDirection.Forward,
          referenceTypeId: 'HierarchicalReferences',
          includeSubtypes: true,
          nodeClassMask: NodeClass.Object | NodeClass.Variable,
          resultMask: 63,
        })),
      ),
      this.o.requestTimeoutMs * 3,
      'browse',
      this.clock,
    );
    return results.map((r) => r.references ?? []);
  }

  /** Every variable under rootPath, named as an item id. */
  private async browseItems(session: ClientSession): Promise<Map<string, NodeId>> {
    let root = resolveNodeId('ObjectsFolder');
    for (const segment of this.o.rootPath.split('/').filter((s) => s !== '')) {
      const [refs] = await this.browseChildren(session, [root]);
      const hit = refs!.find((r) => r.browseName.name === segment);
      if (!hit) throw new OpcDaError(OpcDaErrorCode.BrowseFailed, `The wrapper has no "${segment}" in its rootPath "${this.o.rootPath}" (browsed from Objects).`);
      root = hit.nodeId;
    }
    const out = new Map<string, NodeId>();
    let level: Array<{ nodeId: NodeId; path: string[] }> = [{ nodeId: root, path: [] }];
    const seen = new Set<string>([root.toString()]);
    for (let depth = 0; level.length > 0 && depth < MAX_BROWSE_DEPTH; depth++) {
      const next: typeof level = [];
      for (let i = 0; i < level.length; i += 100) {
        const chunk = level.slice(i, i + 100);
        const results = await this.browseChildren(session, chunk.map((c) => c.nodeId));
        results.forEach((refs, j) => {
          for (const ref of refs) {
            const key = ref.nodeId.toString();
            if (seen.has(key) || seen.size > MAX_BROWSE_NODES) continue;
            seen.add(key);
            const path = [...chunk[j]!.path, String(ref.browseName.name)];
            if (ref.nodeClass === NodeClass.Variable) out.set(this.itemIdOf(ref.nodeId, path), ref.nodeId);
            else next.push({ nodeId: ref.nodeId, path });
          }
        });
      }
      level = next;
    }
    return out;
  }

  private itemIdOf(nodeId: NodeId, path: string[]): string {
    if (this.o.itemMapping === 'template') {
      const s = nodeId.toString();
      const [pre, post] = this.templateParts;
      if (s.length > pre.length + post.length && s.startsWith(pre) && s.endsWith(post)) return s.slice(pre.length, s.length - post.length);
    }
    return path.join('.');
  }

  async read(itemIds: readonly string[]): Promise<DaReadResult[]> {
    const session = this.usable();
    if (this.o.itemMapping === 'browse' && !this.browsed) await this.browse();
    const results = new Array<DaReadResult | undefined>(itemIds.length);
    const toRead: Array<{ index: number; nodeId: NodeId }> = [];
    itemIds.forEach((itemId, index) => {
      const nodeId = this.nodeIdOf(itemId);
      if (typeof nodeId === 'string') results[index] = { itemId, ok: false, code: OpcDaErrorCode.UnknownItem, message: nodeId };
      else toRead.push({ index, nodeId });
    });
    try {
      for (let i = 0; i < toRead.length; i += this.nodesPerRead) {
        const chunk = toRead.slice(i, i + this.nodesPerRead);
        const values = await withTimeout(
          session.read(chunk.map((c) => ({ nodeId: c.nodeId, attributeId: AttributeIds.Value })), 0),
          this.o.requestTimeoutMs,
          `read of ${chunk.length} items`,
          this.clock,
        );
        chunk.forEach((c, j) => {
          results[c.index] = this.resultOf(itemIds[c.index]!, c.nodeId, values[j]);
        });
      }
    } catch (err) {
      if (err instanceof OpcDaError) throw err;
      throw new OpcDaError(OpcDaErrorCode.ReadFailed, `Read from ${this.o.endpointUrl} failed: ${errorMessage(err)}`, { cause: err });
    }
    if (this.lost) throw new OpcDaError(OpcDaErrorCode.NotConnected, `${this.lost} (${this.o.endpointUrl})`);
    this.lastReadAt = this.clock.now();
    return results.map((r, i) => r ?? { itemId: itemIds[i]!, ok: false, code: OpcDaErrorCode.ItemFailed, message: 'not read' });
  }

  /** The node id of an item, or why there is none. */
  private nodeIdOf(itemId: string): NodeId | string {
    const known = this.browsed?.get(itemId);
    if (known) return known;
    if (this.o.itemMapping === 'browse') return `no variable with the browse path "${itemId}" under ${this.o.rootPath}`;
    const text = this.templateParts[0] + itemId + this.templateParts[1];
    try {
      return resolveNodeId(text);
    } catch (err) {
      return `"${text}" is not a valid node id: ${errorMessage(err)}`;
    }
  }

  private resultOf(itemId: string, nodeId: NodeId, dv: DataValue | undefined): DaReadResult {
    if (!dv) return { itemId, ok: false, code: OpcDaErrorCode.ItemFailed, message: 'the server returned no value' };
    const status = dv.statusCode.value >>> 0;
    if (UNKNOWN_NODE.has(status))
      return { itemId, ok: false, code: OpcDaErrorCode.UnknownItem, message: `the wrapper has no readable variable ${nodeId.toString()} (${dv.statusCode.name})` };
    if (UNREADABLE.has(status)) return { itemId, ok: false, code: OpcDaErrorCode.ItemFailed, message: `${nodeId.toString()} cannot be read (${dv.statusCode.name})` };
    const value = uaValue(dv.value);
    const result: DaItemValue = { itemId, ok: true, value: value.value, quality: daQualityOfStatusCode(status) };
    const source = fromUaDateTime(dv.sourceTimestamp, dv.sourcePicoseconds);
    if (source) result.timestamp = source;
    else {
      const server = fromUaDateTime(dv.serverTimestamp, dv.serverPicoseconds);
      if (server) {
        result.timestamp = server;
        result.timestampOrigin = 'server';
      }
    }
    const attrs: Record<string, string> = {};
    if (status !== 0) attrs.uaStatus = dv.statusCode.name;
    if (value.note) attrs.conversion = value.note;
    if (Object.keys(attrs).length > 0) result.attrs = attrs;
    return result;
  }

  async close(): Promise<void> {
    this.generation++;
    const session = this.session;
    const client = this.client;
    this.session = undefined;
    this.client = undefined;
    await this.release(session, client);
  }

  /** Closes a session and disconnects its client, each step bounded; never rejects. */
  private async release(session: ClientSession | undefined, client: OPCUAClient | undefined): Promise<void> {
    if (session) await withTimeout(session.close(), 2000, 'close session', this.clock).catch(() => undefined);
    if (client) await withTimeout(client.disconnect(), 2000, 'disconnect', this.clock).catch(() => undefined);
  }

  health(): BackendHealth {
    const detail: Record<string, unknown> = { endpointUrl: this.o.endpointUrl, securityMode: this.o.securityMode, itemMapping: this.o.itemMapping };
    if (this.browsed) detail.browsedItems = this.browsed.size;
    if (this.lastReadAt !== undefined) detail.lastReadAt = new Date(this.lastReadAt).toISOString();
    return { connected: this.session !== undefined && !this.lost, detail };
  }

  private usable(): ClientSession {
    if (!this.session) throw new OpcDaError(OpcDaErrorCode.NotConnected, `not connected to ${this.o.endpointUrl}`);
    if (this.lost) throw new OpcDaError(OpcDaErrorCode.NotConnected, `${this.lost} (${this.o.endpointUrl})`);
    return this.session;
  }
}

/** A UA Variant as a sample value: scalars as they are, 64-bit integers as numbers when exact, the rest as strings. */
export function uaValue(v: Variant | null | undefined): { value: DaValue; note?: string } {
  if (!v || v.value === null || v.value === undefined) return { value: null };
  if (v.arrayType !== undefined && v.arrayType !== VariantArrayType.Scalar) {
    const items = Array.from(v.value as ArrayLike<unknown>, (x) => scalar(v.dataType, x).value);
    return { value: JSON.stringify(items), note: 'array as JSON' };
  }
  return scalar(v.dataType, v.value);
}

function scalar(dataType: DataType, x: unknown): { value: DaValue; note?: string } {
  if (x === null || x === undefined) return { value: null };
  switch (dataType) {
    case DataType.Boolean:
      return { value: Boolean(x) };
    case DataType.Int64:
    case DataType.UInt64: {
      // node-opcua gives [high, low] 32-bit words.
      const [hi, lo] = x as [number, number];
      const big = dataType === DataType.Int64 ? BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)) : (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
      return Number.isSafeInteger(Number(big)) ? { value: Number(big) } : { value: big.toString(), note: 'int64 as string' };
    }
    case DataType.DateTime:
      return x instanceof Date ? { value: x.toISOString(), note: 'date as ISO-8601' } : { value: String(x) };
    case DataType.ByteString:
      return { value: Buffer.isBuffer(x) ? x.toString('base64') : String(x), note: 'bytes as base64' };
    case DataType.LocalizedText:
      return { value: (x as { text?: string | null }).text ?? null };
    case DataType.QualifiedName:
      return { value: String((x as { name?: string | null }).name ?? '') };
    default:
      if (typeof x === 'number' || typeof x === 'string') return { value: x };
      if (typeof x === 'boolean') return { value: x };
      return { value: typeof (x as { toString?: unknown }).toString === 'function' ? String(x) : JSON.stringify(x), note: 'as string' };
  }
}
