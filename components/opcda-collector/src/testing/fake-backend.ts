/** A scripted DaBackend for collector tests: items with values, qualities and timestamps; failures on demand. */
import { OpcDaError, OpcDaErrorCode, type BackendHealth, type DaBackend, type DaReadResult, type DaValue } from '../backend';
import type { EpochTime } from '../filetime';

export interface FakeItem {
  value: DaValue | (() => DaValue);
  quality?: number;
  timestamp?: EpochTime | (() => EpochTime | undefined);
  /** Listed by browse (default true). */
  listed?: boolean;
  /** Read fails for this item with this code (default: the item reads). */
  fails?: 'opcda_unknown_item' | 'opcda_item_failed';
}

export class FakeBackend implements DaBackend {
  readonly kind = 'fake';
  readonly description = 'fake://server';
  items = new Map<string, FakeItem>();
  connects = 0;
  browses = 0;
  closes = 0;
  reads: string[][] = [];
  connected = false;
  /** Connect attempts that fail before one succeeds. */
  failConnects = 0;
  /** The next read fails as a whole (connection lost). */
  failNextRead = false;
  /** Reads hang until released. */
  hangReads = false;
  private releases: Array<() => void> = [];

  constructor(items: Record<string, FakeItem> = {}) {
    for (const [k, v] of Object.entries(items)) this.items.set(k, v);
  }

  async connect(): Promise<void> {
    this.connects++;
    if (this.failConnects > 0) {
      this.failConnects--;
      throw new OpcDaError(OpcDaErrorCode.ConnectFailed, 'connection refused (fake)');
    }
    this.connected = true;
  }

  async browse(): Promise<string[]> {
    this.browses++;
    this.assertConnected();
    return [...this.items].filter(([, v]) => v.listed !== false).map(([k]) => k);
  }

  async read(itemIds: readonly string[]): Promise<DaReadResult[]> {
    this.assertConnected();
    this.reads.push([...itemIds]);
    if (this.hangReads) await new Promise<void>((r) => this.releases.push(r));
    if (this.failNextRead) {
      this.failNextRead = false;
      this.connected = false;
      throw new OpcDaError(OpcDaErrorCode.ReadFailed, 'connection lost (fake)');
    }
    return itemIds.map((itemId): DaReadResult => {
      const item = this.items.get(itemId);
      if (!item || item.fails === 'opcda_unknown_item') return { itemId, ok: false, code: OpcDaErrorCode.UnknownItem, message: `unknown item ${itemId}` };
      if (item.fails) return { itemId, ok: false, code: OpcDaErrorCode.ItemFailed, message: `cannot read ${itemId}` };
      const value = typeof item.value === 'function' ? item.value() : item.value;
      const timestamp = typeof item.timestamp === 'function' ? item.timestamp() : item.timestamp;
      return { itemId, ok: true, value, quality: item.quality ?? 0xc0, ...(timestamp ? { timestamp } : {}) };
    });
  }

  release(): void {
    const r = this.releases;
    this.releases = [];
    for (const f of r) f();
  }

  async close(): Promise<void> {
    this.closes++;
    this.connected = false;
  }

  health(): BackendHealth {
    return { connected: this.connected };
  }

  private assertConnected(): void {
    if (!this.connected) throw new OpcDaError(OpcDaErrorCode.NotConnected, 'not connected (fake)');
  }
}
