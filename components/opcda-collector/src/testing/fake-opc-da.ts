/**
 * A fake of the node-opc-da surface the dcom backend uses (OPCServer, its group, item manager,
 * SyncIO and browser, and node-dcom's Session / ComServer / Clsid), with scripted items and
 * faults: any call can be made to fail or to hang forever (as node-dcom does against a host
 * without DCOM). Return shapes follow node-opc-da 1.0.6: `add` gives `[errorCode, {serverHandle}]`
 * pairs with HRESULTs as signed 32-bit numbers, `read` gives `{errorCode, clientHandle, timestamp
 * (a Date), quality, value}` per handle.
 */
import type {
  DcomComServer,
  DcomSession,
  OpcBrowserLike,
  OpcDaModule,
  OpcGroupLike,
  OpcItemAddResult,
  OpcItemManagerLike,
  OpcServerLike,
  OpcSyncIOLike,
  OpcSyncReadResult,
} from '../backends/dcom';

export type FakeOp = 'init' | 'createInstance' | 'serverInit' | 'addGroup' | 'add' | 'read' | 'browse' | 'end';

export interface FakeDaItem {
  value: unknown | (() => unknown);
  quality?: number;
  timestamp?: Date | null;
  /** Error code the server gives when reading this item (after it was added). */
  readError?: number;
}

const signed = (n: number): number => n | 0;

export class FakeOpcDa {
  readonly items = new Map<string, FakeDaItem>();
  readonly calls: string[] = [];
  /** Calls that never settle (node-dcom hangs): removed when used. */
  readonly hangs = new Map<FakeOp, number>();
  readonly failures = new Map<FakeOp, Error>();
  /** Calls that wait until releaseHeld(). */
  private readonly holds = new Set<FakeOp>();
  private held: Array<() => void> = [];
  sessions: Array<{ domain: string; user: string; timeout?: number }> = [];
  groups: Array<{ name: string; updateRate?: number }> = [];
  loads = 0;
  private handles = new Map<number, string>();
  private nextHandle = 100;

  constructor(items: Record<string, FakeDaItem> = {}) {
    for (const [k, v] of Object.entries(items)) this.items.set(k, v);
  }

  /** The next `times` calls of `op` never settle. */
  hang(op: FakeOp, times = 1): void {
    this.hangs.set(op, (this.hangs.get(op) ?? 0) + times);
  }

  /** The next call of `op` rejects with `err`. */
  fail(op: FakeOp, err: Error): void {
    this.failures.set(op, err);
  }

  /** The next call of `op` waits until releaseHeld(). */
  hold(op: FakeOp): void {
    this.holds.add(op);
  }

  releaseHeld(): void {
    const h = this.held;
    this.held = [];
    for (const f of h) f();
  }

  count(op: string): number {
    return this.calls.filter((c) => c === op).length;
  }

  private async op<T>(op: FakeOp, fn: () => T): Promise<T> {
    this.calls.push(op);
    const h = this.hangs.get(op) ?? 0;
    if (h > 0) {
      this.hangs.set(op, h - 1);
      return new Promise<T>(() => undefined);
    }
    if (this.holds.delete(op)) await new Promise<void>((r) => this.held.push(r));
    const err = this.failures.get(op);
    if (err) {
      this.failures.delete(op);
      throw err;
    }
    return fn();
  }

  /** The module object, as `require('node-opc-da')` would return it. */
  module(): OpcDaModule {
    this.loads++;
    const fake = this;

    class Session implements DcomSession {
      timeout?: number;
      createSession(domain: string, user: string): DcomSession {
        const s = new Session();
        fake.sessions.push({ domain, user });
        return s;
      }
      setGlobalSocketTimeout(ms: number): void {
        const last = fake.sessions[fake.sessions.length - 1];
        if (last) last.timeout = ms;
      }
      async destroySession(): Promise<void> {
        fake.calls.push('destroySession');
      }
    }
    class Clsid {
      constructor(readonly id: string) {}
    }
    class ComServer implements DcomComServer {
      constructor(
        readonly clsid: unknown,
        readonly address: string,
        readonly session: DcomSession,
      ) {}
      init(): Promise<void> {
        return fake.op('init', () => undefined);
      }
      createInstance(): Promise<unknown> {
        return fake.op('createInstance', () => ({ comObject: true }));
      }
      async closeStub(): Promise<void> {
        fake.calls.push('closeStub');
      }
    }
    const syncIO: OpcSyncIOLike = {
      read: (source: number, handles: number[]) =>
        fake.op('read', () =>
          handles.map((h): OpcSyncReadResult => {
            const id = fake.handles.get(h);
            const item = id === undefined ? undefined : fake.items.get(id);
            if (!item) return { errorCode: signed(0xc0040007), clientHandle: 0, timestamp: null, quality: 0, value: null };
            const value = typeof item.value === 'function' ? (item.value as () => unknown)() : item.value;
            return { errorCode: signed(item.readError ?? 0), clientHandle: h, timestamp: item.timestamp ?? new Date(Date.UTC(2025, 0, 1)), quality: item.quality ?? 0xc0, value };
          }),
        ),
    };
    const itemManager: OpcItemManagerLike = {
      add: (defs) =>
        fake.op('add', () =>
          defs.map(({ itemID }): [number, OpcItemAddResult] => {
            if (!fake.items.has(itemID)) return [signed(0xc0040007), { itemID, serverHandle: 0 }];
            const serverHandle = fake.nextHandle++;
            fake.handles.set(serverHandle, itemID);
            return [0, { itemID, serverHandle }];
          }),
        ),
    };
    const group: OpcGroupLike = {
      getItemManager: async () => itemManager,
      getSyncIO: async () => syncIO,
    };
    const browser: OpcBrowserLike = { browseAllFlat: () => fake.op('browse', () => [...fake.items.keys()]) };
    class OPCServer implements OpcServerLike {
      init(): Promise<void> {
        return fake.op('serverInit', () => undefined);
      }
      addGroup(name: string, opts: { updateRate?: number }): Promise<OpcGroupLike> {
        return fake.op('addGroup', () => {
          fake.groups.push({ name, updateRate: opts.updateRate });
          return group;
        });
      }
      async getBrowser(): Promise<OpcBrowserLike> {
        return browser;
      }
      end(): Promise<void> {
        return fake.op('end', () => undefined);
      }
    }
    return { OPCServer, dcom: { Session, ComServer, Clsid } };
  }
}
