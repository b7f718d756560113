/**
 * The `dcom` backend (experimental): OPC DA over DCOM from Linux with node-opc-da (a JS port of
 * Utgard on node-dcom). Only synchronous group reads exist there (no subscriptions), so it polls:
 * one group per connection, items added once, `OPCSyncIO.read(source, handles)` each cycle.
 *
 * node-opc-da is unmaintained and can hang (a connect to a host without DCOM neither resolves nor
 * rejects): every call runs under a hard timeout, after which the connection is dropped and rebuilt.
 * It is loaded lazily, on the first connect, so the component starts (and the ua-wrapper backend
 * works) without it. node-dcom's NTLM needs MD4/DES/RC4: Node 20 must run with
 * `--openssl-legacy-provider`; Node 22 removed `crypto.createCipher`, so it cannot work there.
 */
import * as crypto from 'node:crypto';
import { errorMessage, systemClock, type Clock } from '../../../core/src';
import { OpcDaError, OpcDaErrorCode, withTimeout, type BackendHealth, type DaBackend, type DaReadResult, type DaValue } from '../backend';
import { fromDate } from '../filetime';

// ---------------------------------------------------------------------------------------------
// The part of node-opc-da (and node-dcom, which it re-exports as `dcom`) this backend uses.

export interface DcomSession {
  createSession(domain: string, user: string, password: string): DcomSession;
  setGlobalSocketTimeout(ms: number): void;
  destroySession?(session: DcomSession): Promise<void>;
}
export interface DcomComServer {
  init(): Promise<void>;
  createInstance(): Promise<unknown>;
  closeStub?(): Promise<void>;
}
export interface OpcItemAddResult {
  itemID: string;
  serverHandle: number;
}
export interface OpcSyncReadResult {
  errorCode: number;
  clientHandle: number;
  timestamp: Date | null;
  quality: number;
  value: unknown;
}
export interface OpcItemManagerLike {
  add(items: Array<{ itemID: string; clientHandle: number }>): Promise<Array<[number, OpcItemAddResult]>>;
}
export interface OpcSyncIOLike {
  read(source: number, handles: number[]): Promise<OpcSyncReadResult[]>;
}
export interface OpcGroupLike {
  getItemManager(): Promise<OpcItemManagerLike>;
  getSyncIO(): Promise<OpcSyncIOLike>;
}
export interface OpcBrowserLike {
  browseAllFlat(): Promise<string[]>;
}
export interface OpcServerLike {
  init(comObject: unknown): Promise<void>;
  addGroup(name: string, opts: { active?: boolean; updateRate?: number; timeBias?: number; deadband?: number }): Promise<OpcGroupLike>;
  getBrowser(): Promise<OpcBrowserLike>;
  end(): Promise<void>;
}
export interface OpcDaModule {
  OPCServer: new (opts?: Record<string, unknown>) => OpcServerLike;
  dcom: {
    Session: new () => DcomSession;
    ComServer: new (clsid: unknown, address: string, session: DcomSession) => DcomComServer;
    Clsid: new (clsid: string) => unknown;
  };
}

// ---------------------------------------------------------------------------------------------

/** HRESULTs of OPC DA item errors that mean "no such item". */
export const OPC_E = {
  INVALIDITEMID: 0xc0040008,
  UNKNOWNITEMID: 0xc0040007,
  UNKNOWNPATH: 0xc004000a,
  BADTYPE: 0xc0040004,
  BADRIGHTS: 0xc0040006,
} as const;
const UNKNOWN_ITEM_CODES: ReadonlySet<number> = new Set([OPC_E.INVALIDITEMID, OPC_E.UNKNOWNITEMID, OPC_E.UNKNOWNPATH]);

const DATA_SOURCE = { cache: 1, device: 2 } as const;

export interface DcomBackendOptions {
  host: string;
  domain: string;
  userName: string;
  password: string;
  clsid: string;
  /** Hard timeout of every DCOM call. */
  callTimeoutMs: number;
  dataSource: 'cache' | 'device';
  /** The group's requested update rate (the poll interval). */
  updateRateMs: number;
  /** Default: `require('node-opc-da')`, on the first connect. */
  load?: () => OpcDaModule;
  /** Why this process cannot run node-dcom, or undefined. Default: `dcomRuntimeProblem()`. */
  runtimeProblem?: () => string | undefined;
  clock?: Clock;
}

/** Why node-dcom's NTLM cannot run in this process (Node ≥ 22, or legacy crypto not enabled), or undefined. */
export function dcomRuntimeProblem(c: Pick<typeof crypto, 'createHash'> & { createCipher?: unknown } = crypto, nodeVersion = process.versions.node): string | undefined {
  const major = Number.parseInt(nodeVersion, 10);
  if (major >= 22 || typeof c.createCipher !== 'function')
    return `Node ${nodeVersion} has no crypto.createCipher, which node-dcom's NTLM needs (removed in Node 22); run the dcom backend on Node 20 or use the ua-wrapper backend`;
  try {
    c.createHash('md4').update('probe').digest();
  } catch {
    return 'MD4 is disabled in this Node process; node-dcom\'s NTLM needs it: start Node with --openssl-legacy-provider (NODE_OPTIONS="--openssl-legacy-provider")';
  }
  return undefined;
}

function loadNodeOpcDa(): OpcDaModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('node-opc-da') as OpcDaModule;
}

interface Connection {
  module: OpcDaModule;
  session?: DcomSession;
  sessionRoot?: DcomSession;
  comServer?: DcomComServer;
  server?: OpcServerLike;
  items?: OpcItemManagerLike;
  syncIO?: OpcSyncIOLike;
  /** itemId → server handle, for items added on this connection. */
  handles: Map<string, number>;
  /** itemId → the error that made the server refuse it. */
  refused: Map<string, { code: OpcDaErrorCode; message: string }>;
  nextClientHandle: number;
}

export class DcomBackend implements DaBackend {
  readonly kind = 'dcom';
  readonly description: string;
  private readonly o: DcomBackendOptions;
  private readonly clock: Clock;
  private module?: OpcDaModule;
  private conn?: Connection;
  private lastReadAt?: number;
  /** Bumped by close() and connect(): a connect() that sees another value was cancelled. */
  private generation = 0;

  constructor(options: DcomBackendOptions) {
    this.o = options;
    this.clock = options.clock ?? systemClock;
    this.description = `dcom://${options.host}/${options.clsid}`;
  }

  async connect(): Promise<void> {
    const previous = this.conn;
    this.conn = undefined;
    const generation = ++this.generation;
    if (previous) await this.release(previous);
    if (generation !== this.generation) throw new OpcDaError(OpcDaErrorCode.NotConnected, 'closed while connecting');
    const problem = (this.o.runtimeProblem ?? dcomRuntimeProblem)();
    if (problem) throw new OpcDaError(OpcDaErrorCode.BackendUnavailable, problem);
    if (!this.module) {
      try {
        this.module = (this.o.load ?? loadNodeOpcDa)();
      } catch (err) {
        throw new OpcDaError(OpcDaErrorCode.BackendUnavailable, `node-opc-da cannot be loaded: ${errorMessage(err)}`, { cause: err });
      }
    }
    const m = this.module;
    const conn: Connection = { module: m, handles: new Map(), refused: new Map(), nextClientHandle: 1 };
    this.conn = conn;
    try {
      const root = new m.dcom.Session();
      conn.sessionRoot = root;
      conn.session = root.createSession(this.o.domain, this.o.userName, this.o.password);
      conn.session.setGlobalSocketTimeout(this.o.callTimeoutMs);
      conn.comServer = new m.dcom.ComServer(new m.dcom.Clsid(this.o.clsid), this.o.host, conn.session);
      await this.call(conn.comServer.init(), 'DCOM connect');
      const comObject = await this.call(conn.comServer.createInstance(), 'DCOM createInstance');
      const server = new m.OPCServer();
      await this.call(server.init(comObject), 'OPCServer init');
      conn.server = server;
      const group = await this.call(server.addGroup('tributary', { active: true, updateRate: this.o.updateRateMs, deadband: 0 }), 'OPCServer addGroup');
      conn.items = await this.call(group.getItemManager(), 'group getItemManager');
      conn.syncIO = await this.call(group.getSyncIO(), 'group getSyncIO');
      if (this.conn !== conn || generation !== this.generation) throw new OpcDaError(OpcDaErrorCode.NotConnected, 'closed while connecting');
    } catch (err) {
      if (this.conn === conn) await this.close();
      else await this.release(conn);
      if (err instanceof OpcDaError) throw err;
      throw new OpcDaError(OpcDaErrorCode.ConnectFailed, `Cannot connect to the OPC DA server ${this.o.clsid} on ${this.o.host}: ${errorMessage(err)}`, { cause: err });
    }
  }

  async browse(): Promise<string[]> {
    const conn = this.connected();
    try {
      const browser = await this.call(conn.server!.getBrowser(), 'OPCServer getBrowser');
      const ids = await this.call(browser.browseAllFlat(), 'OPCBrowser browseAllFlat');
      return ids.map(String);
    } catch (err) {
      if (err instanceof OpcDaError) throw err;
      throw new OpcDaError(OpcDaErrorCode.BrowseFailed, `Browsing the OPC DA server failed: ${errorMessage(err)}`, { cause: err });
    }
  }

  async read(itemIds: readonly string[]): Promise<DaReadResult[]> {
    const conn = this.connected();
    try {
      const toAdd = itemIds.filter((id) => !conn.handles.has(id) && !conn.refused.has(id));
      if (toAdd.length > 0) await this.addItems(conn, toAdd);
      const readable = itemIds.filter((id) => conn.handles.has(id));
      const handles = readable.map((id) => conn.handles.get(id)!);
      const raw = handles.length > 0 ? await this.call(conn.syncIO!.read(DATA_SOURCE[this.o.dataSource], handles), 'OPCSyncIO read') : [];
      this.lastReadAt = this.clock.now();
      const byId = new Map<string, DaReadResult>();
      readable.forEach((itemId, i) => {
        const r = raw[i];
        if (!r) {
          byId.set(itemId, { itemId, ok: false, code: OpcDaErrorCode.ItemFailed, message: 'the server returned no result for this item' });
          return;
        }
        const code = r.errorCode >>> 0;
        if (code !== 0) {
          byId.set(itemId, { itemId, ok: false, code: UNKNOWN_ITEM_CODES.has(code) ? OpcDaErrorCode.UnknownItem : OpcDaErrorCode.ItemFailed, message: `read failed with ${hex(code)}` });
          return;
        }
        const ts = fromDate(r.timestamp);
        const value = toDaValue(r.value);
        byId.set(itemId, { itemId, ok: true, value: value.value, quality: r.quality & 0xffff, ...(ts ? { timestamp: ts } : {}), ...(value.note ? { attrs: { conversion: value.note } } : {}) });
      });
      return itemIds.map((itemId) => {
        const refused = conn.refused.get(itemId);
        if (refused) return { itemId, ok: false, ...refused };
        return byId.get(itemId) ?? { itemId, ok: false, code: OpcDaErrorCode.ItemFailed, message: 'not read' };
      });
    } catch (err) {
      if (err instanceof OpcDaError) throw err;
      throw new OpcDaError(OpcDaErrorCode.ReadFailed, `OPC DA read failed: ${errorMessage(err)}`, { cause: err });
    }
  }

  private async addItems(conn: Connection, itemIds: string[]): Promise<void> {
    const defs = itemIds.map((itemID) => ({ itemID, clientHandle: conn.nextClientHandle++ }));
    const results = await this.call(conn.items!.add(defs), 'OPCItemManager add');
    itemIds.forEach((itemId, i) => {
      const r = results[i];
      const code = r ? r[0] >>> 0 : 0xffffffff;
      if (r && code === 0) conn.handles.set(itemId, r[1].serverHandle);
      else
        conn.refused.set(itemId, {
          code: UNKNOWN_ITEM_CODES.has(code) ? OpcDaErrorCode.UnknownItem : OpcDaErrorCode.ItemFailed,
          message: r ? `the server refused the item (${hex(code)}${UNKNOWN_ITEM_CODES.has(code) ? ': unknown or invalid item id' : ''})` : 'the server returned no result for this item',
        });
    });
  }

  /** Best effort, each step bounded: release the OPC server, the DCOM stub, the session. */
  async close(): Promise<void> {
    this.generation++;
    const conn = this.conn;
    this.conn = undefined;
    if (conn) await this.release(conn);
  }

  private async release(conn: Connection): Promise<void> {
    const quietly = async (what: string, fn: (() => Promise<unknown> | undefined) | undefined): Promise<void> => {
      if (!fn) return;
      try {
        const p = fn();
        if (p) await withTimeout(p, Math.min(this.o.callTimeoutMs, 2000), what, this.clock);
      } catch {
        // The connection is being dropped; nothing more to do.
      }
    };
    await quietly('OPCServer end', conn.server ? () => conn.server!.end() : undefined);
    await quietly('DCOM closeStub', conn.comServer?.closeStub ? () => conn.comServer!.closeStub!() : undefined);
    await quietly('DCOM destroySession', conn.sessionRoot?.destroySession && conn.session ? () => conn.sessionRoot!.destroySession!(conn.session!) : undefined);
  }

  health(): BackendHealth {
    const detail: Record<string, unknown> = { host: this.o.host };
    if (this.conn) {
      detail.itemsAdded = this.conn.handles.size;
      detail.itemsRefused = this.conn.refused.size;
    }
    if (this.lastReadAt !== undefined) detail.lastReadAt = new Date(this.lastReadAt).toISOString();
    return { connected: this.conn?.syncIO !== undefined, detail };
  }

  private connected(): Connection {
    const c = this.conn;
    if (!c?.syncIO) throw new OpcDaError(OpcDaErrorCode.NotConnected, 'not connected to the OPC DA server');
    return c;
  }

  /** Every DCOM call goes through here: a hard timeout, after which the connection is useless. */
  private call<T>(work: Promise<T>, what: string): Promise<T> {
    return withTimeout(work, this.o.callTimeoutMs, what, this.clock);
  }
}

function hex(code: number): string {
  return `0x${(code >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
}

/** A value as node-opc-da returns it (numbers, strings, booleans, arrays, Long, Date) as a sample value. */
export function toDaValue(v: unknown): { value: DaValue; note?: string } {
  if (v === null || v === undefined) return { value: null };
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return { value: v };
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? { value: Number(v) } : { value: v.toString(), note: 'int64 as string' };
  if (v instanceof Date) return { value: v.toISOString(), note: 'date as ISO-8601' };
  if (Array.isArray(v)) return { value: JSON.stringify(v.map((x) => toDaValue(x).value)), note: 'array as JSON' };
  const long = v as { toNumber?: () => number; toString?: () => string };
  if (typeof long.toNumber === 'function') {
    const n = long.toNumber();
    return Number.isSafeInteger(n) ? { value: n } : { value: String(long.toString?.() ?? n), note: 'int64 as string' };
  }
  return { value: JSON.stringify(v) ?? null, note: 'object as JSON' };
}
