/**
 * Reads SiteWise's asset models, assets (as a hierarchy), property aliases and latest values
 * through `@aws-sdk/client-iotsitewise` only, so it works against the local SiteWise and the real
 * service alike; and formats them as a tree for an operator (`tributary models`).
 *
 * Calls: ListAssetModels (ASSET_MODEL), DescribeAssetModel per model (property kinds, hierarchies),
 * ListAssets (ALL) per model, ListAssociatedAssets (CHILD) per asset and hierarchy, then for the
 * assets shown DescribeAsset (aliases, units) and GetAssetPropertyValue per property (single
 * calls, a few at a time: the local SiteWise has no BatchGetAssetPropertyValue). Every List call
 * is paged.
 */
import {
  DescribeAssetCommand,
  DescribeAssetModelCommand,
  GetAssetPropertyValueCommand,
  type IoTSiteWiseClient,
  ListAssetModelsCommand,
  ListAssetsCommand,
  ListAssociatedAssetsCommand,
  type PropertyType,
  type Variant,
} from '@aws-sdk/client-iotsitewise';

export type PropertyKind = 'measurement' | 'attribute' | 'transform' | 'metric' | 'unknown';

export interface LatestValue {
  /** The value (`null` for a null value); NaN and ±Infinity as strings. */
  value: number | boolean | string | null;
  /** Which variant field carried it: `doubleValue`, `integerValue`, `booleanValue`, `stringValue`, `nullValue`. */
  variant: string;
  quality: string;
  /** ISO 8601. */
  timestamp: string;
  /** Epoch milliseconds (from timeInSeconds + offsetInNanos). */
  timestampMs: number;
}

export interface PropertyNode {
  id: string;
  name: string;
  kind: PropertyKind;
  dataType: string;
  unit?: string;
  alias?: string;
  /** Latest value: absent with `values: false`, `null` when the property has none. */
  latest?: LatestValue | null;
  /** Why the latest value could not be read. */
  error?: string;
}

export interface AssetNode {
  id: string;
  name: string;
  modelId: string;
  model: string;
  status: string;
  /** The hierarchy of the parent that holds this asset (absent for shown roots). */
  hierarchy?: string;
  /** Names of the ancestors, top first (set on shown roots that have a parent, i.e. with a filter). */
  path?: string[];
  properties: PropertyNode[];
  children: AssetNode[];
}

export interface ModelNode {
  id: string;
  name: string;
  description?: string;
  status: string;
  properties: Array<{ name: string; kind: PropertyKind; dataType: string; unit?: string }>;
  hierarchies: Array<{ name: string; childModelId: string; childModel: string }>;
  assetCount: number;
}

export interface SiteWiseTree {
  /** Where it was read from: the endpoint URL or `AWS IoT SiteWise in <region>`. */
  source: string;
  /** ISO 8601: when the values were read (ages are relative to this). */
  readAt: string;
  models: ModelNode[];
  /** Top-level assets (or, with a filter, the matching assets), each with its subtree. */
  assets: AssetNode[];
  /** Every asset in SiteWise (not only the shown ones). */
  assetCount: number;
}

export interface ReadTreeOptions {
  /** Label for `source`. */
  source?: string;
  /** Show only these assets (name or id; `*` matches any characters) with their subtrees. */
  asset?: string;
  /** Read latest values (default true). */
  values?: boolean;
  /** Concurrent Describe/Get calls (default 8). */
  concurrency?: number;
  now?: () => number;
}

/** A failed SiteWise call: which one, and the SDK error (its `name`, `code`). */
export class SiteWiseReadError extends Error {
  constructor(
    readonly operation: string,
    cause: unknown,
  ) {
    const e = cause as { name?: string; message?: string };
    super(`${operation} failed: ${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message ?? String(cause)}`, { cause });
    this.name = 'SiteWiseReadError';
  }
}

/** No asset matches `--asset`. */
export class NoSuchAssetError extends Error {
  constructor(
    readonly filter: string,
    readonly known: string[],
  ) {
    super(`No asset matches ${JSON.stringify(filter)}.`);
    this.name = 'NoSuchAssetError';
  }
}

async function call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new SiteWiseReadError(operation, err);
  }
}

/** Runs `fn` over `items` with at most `limit` at a time; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}

function kindOf(type: PropertyType | undefined): PropertyKind {
  if (type?.measurement) return 'measurement';
  if (type?.attribute) return 'attribute';
  if (type?.transform) return 'transform';
  if (type?.metric) return 'metric';
  return 'unknown';
}

/** `*` matches any characters; otherwise the exact name (or id). */
export function assetMatcher(filter: string): (name: string, id: string) => boolean {
  if (!filter.includes('*')) return (name, id) => name === filter || id === filter;
  const re = new RegExp(`^${filter.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return (name, id) => re.test(name) || id === filter;
}

interface AssetEntry {
  id: string;
  name: string;
  modelId: string;
  status: string;
  hierarchies: Array<{ id: string; name: string }>;
  parent?: string;
  hierarchy?: string;
  children: string[];
}

export async function readTree(client: IoTSiteWiseClient, options: ReadTreeOptions = {}): Promise<SiteWiseTree> {
  const now = options.now ?? Date.now;
  const limit = options.concurrency ?? 8;

  // Models.
  const summaries: Array<{ id: string; name: string }> = [];
  let nextToken: string | undefined;
  do {
    const page = await call('ListAssetModels', () => client.send(new ListAssetModelsCommand({ assetModelTypes: ['ASSET_MODEL'], maxResults: 100, ...(nextToken ? { nextToken } : {}) })));
    for (const m of page.assetModelSummaries ?? []) if (m.id && m.name) summaries.push({ id: m.id, name: m.name });
    nextToken = page.nextToken;
  } while (nextToken);
  const described = await mapLimit(summaries, limit, (m) => call(`DescribeAssetModel ${m.name}`, () => client.send(new DescribeAssetModelCommand({ assetModelId: m.id }))));
  const modelName = new Map(summaries.map((m) => [m.id, m.name]));
  const models: ModelNode[] = described.map((d, i) => ({
    id: summaries[i]!.id,
    name: summaries[i]!.name,
    ...(d.assetModelDescription ? { description: d.assetModelDescription } : {}),
    status: d.assetModelStatus?.state ?? 'UNKNOWN',
    properties: (d.assetModelProperties ?? []).map((p) => ({ name: p.name ?? '', kind: kindOf(p.type), dataType: p.dataType ?? '', ...(p.unit ? { unit: p.unit } : {}) })),
    hierarchies: (d.assetModelHierarchies ?? []).map((h) => ({ name: h.name ?? '', childModelId: h.childAssetModelId ?? '', childModel: modelName.get(h.childAssetModelId ?? '') ?? h.childAssetModelId ?? '' })),
    assetCount: 0,
  }));
  const modelById = new Map(models.map((m) => [m.id, m]));
  const kinds = new Map(described.map((d, i) => [summaries[i]!.id, new Map((d.assetModelProperties ?? []).map((p) => [p.id ?? '', kindOf(p.type)]))]));

  // Assets, per model.
  const assets = new Map<string, AssetEntry>();
  for (const m of models) {
    let token: string | undefined;
    do {
      const page = await call(`ListAssets of ${m.name}`, () => client.send(new ListAssetsCommand({ assetModelId: m.id, filter: 'ALL', maxResults: 100, ...(token ? { nextToken: token } : {}) })));
      for (const a of page.assetSummaries ?? []) {
        if (!a.id) continue;
        const hierarchies = (a.hierarchies ?? []).flatMap((h) => (h.id ? [{ id: h.id, name: h.name ?? h.id }] : []));
        assets.set(a.id, { id: a.id, name: a.name ?? a.id, modelId: m.id, status: a.status?.state ?? 'UNKNOWN', hierarchies, children: [] });
        m.assetCount++;
      }
      token = page.nextToken;
    } while (token);
  }

  // The hierarchy: children of every asset whose model has hierarchies.
  const parents = [...assets.values()].filter((a) => a.hierarchies.length > 0);
  await mapLimit(
    parents.flatMap((a) => a.hierarchies.map((h) => ({ a, h }))),
    limit,
    async ({ a, h }) => {
      let token: string | undefined;
      do {
        const page = await call(`ListAssociatedAssets of ${a.name}`, () =>
          client.send(new ListAssociatedAssetsCommand({ assetId: a.id, hierarchyId: h.id, traversalDirection: 'CHILD', maxResults: 100, ...(token ? { nextToken: token } : {}) })),
        );
        for (const c of page.assetSummaries ?? []) {
          const child = c.id ? assets.get(c.id) : undefined;
          if (!child || child.parent) continue;
          child.parent = a.id;
          child.hierarchy = h.name;
        }
        token = page.nextToken;
      } while (token);
    },
  );
  const byName = (x: string, y: string): number => (assets.get(x)!.name < assets.get(y)!.name ? -1 : assets.get(x)!.name > assets.get(y)!.name ? 1 : 0);
  for (const a of assets.values()) if (a.parent) assets.get(a.parent)!.children.push(a.id);
  for (const a of assets.values()) a.children.sort(byName);

  // Which assets to show.
  let roots = [...assets.values()].filter((a) => !a.parent).map((a) => a.id);
  if (options.asset !== undefined) {
    const match = assetMatcher(options.asset);
    const matching = new Set([...assets.values()].filter((a) => match(a.name, a.id)).map((a) => a.id));
    if (matching.size === 0) throw new NoSuchAssetError(options.asset, [...assets.values()].map((a) => a.name).sort());
    // Only the outermost matches: a match inside another's subtree is shown there.
    const insideAnother = (id: string): boolean => {
      for (let p = assets.get(id)!.parent; p; p = assets.get(p)!.parent) if (matching.has(p)) return true;
      return false;
    };
    roots = [...matching].filter((id) => !insideAnother(id));
  }
  const ordered = orderModels(models).map((m) => m.id);
  roots.sort((x, y) => ordered.indexOf(assets.get(x)!.modelId) - ordered.indexOf(assets.get(y)!.modelId) || byName(x, y));

  // Describe the shown assets, then read their latest values.
  const shown: AssetEntry[] = [];
  const collect = (id: string): void => {
    shown.push(assets.get(id)!);
    for (const c of assets.get(id)!.children) collect(c);
  };
  for (const r of roots) collect(r);
  const properties = new Map<string, PropertyNode[]>();
  await mapLimit(shown, limit, async (a) => {
    const d = await call(`DescribeAsset ${a.name}`, () => client.send(new DescribeAssetCommand({ assetId: a.id })));
    const modelKinds = kinds.get(a.modelId);
    properties.set(
      a.id,
      (d.assetProperties ?? []).map((p) => ({
        id: p.id ?? '',
        name: p.name ?? '',
        kind: modelKinds?.get(p.id ?? '') ?? 'unknown',
        dataType: p.dataType ?? '',
        ...(p.unit ? { unit: p.unit } : {}),
        ...(p.alias ? { alias: p.alias } : {}),
      })),
    );
  });
  const readAt = now();
  if (options.values !== false) {
    const all = shown.flatMap((a) => (properties.get(a.id) ?? []).map((p) => ({ a, p })));
    await mapLimit(all, limit, async ({ a, p }) => {
      try {
        const r = await client.send(new GetAssetPropertyValueCommand({ assetId: a.id, propertyId: p.id }));
        p.latest = r.propertyValue ? latestOf(r.propertyValue.value, r.propertyValue.quality, r.propertyValue.timestamp) : null;
      } catch (err) {
        const e = err as { name?: string; message?: string; code?: string };
        // Cannot reach the service at all: the whole read fails, as for any other call.
        if (isConnectionError(err)) throw new SiteWiseReadError(`GetAssetPropertyValue ${a.name} / ${p.name}`, err);
        p.error = `${e.name ?? 'Error'}: ${e.message ?? String(err)}`;
      }
    });
  }

  const build = (id: string, top: boolean): AssetNode => {
    const a = assets.get(id)!;
    const path: string[] = [];
    if (top) for (let p = a.parent; p; p = assets.get(p)!.parent) path.unshift(assets.get(p)!.name);
    return {
      id: a.id,
      name: a.name,
      modelId: a.modelId,
      model: modelById.get(a.modelId)?.name ?? a.modelId,
      status: a.status,
      ...(a.hierarchy ? { hierarchy: a.hierarchy } : {}),
      ...(path.length > 0 ? { path } : {}),
      properties: properties.get(id) ?? [],
      children: a.children.map((c) => build(c, false)),
    };
  };
  return {
    source: options.source ?? 'SiteWise',
    readAt: new Date(readAt).toISOString(),
    models: orderModels(models),
    assets: roots.map((r) => build(r, true)),
    assetCount: assets.size,
  };
}

/** Models parents first (a depth-first walk from the models no hierarchy holds), then by name. */
function orderModels(models: ModelNode[]): ModelNode[] {
  const byId = new Map(models.map((m) => [m.id, m]));
  const held = new Set(models.flatMap((m) => m.hierarchies.map((h) => h.childModelId)));
  const out: ModelNode[] = [];
  const seen = new Set<string>();
  const visit = (m: ModelNode): void => {
    if (seen.has(m.id)) return;
    seen.add(m.id);
    out.push(m);
    for (const h of m.hierarchies) {
      const c = byId.get(h.childModelId);
      if (c) visit(c);
    }
  };
  const sorted = [...models].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const m of sorted) if (!held.has(m.id)) visit(m);
  for (const m of sorted) visit(m);
  return out;
}

const CONNECTION_CODES = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH'];

/** The service did not answer at all (refused, unknown host, timed out). */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; name?: string; message?: string; cause?: unknown };
  if (CONNECTION_CODES.includes(e?.code ?? '')) return true;
  if (e?.name === 'TimeoutError') return true;
  // The SDK wraps an error it does not recognise as an Error (another realm) into `AWS SDK error wrapper for Error: connect ECONNREFUSED …`, without the code.
  if (typeof e?.message === 'string' && new RegExp(`\\b(${CONNECTION_CODES.join('|')})\\b`).test(e.message)) return true;
  return e?.cause !== undefined && e.cause !== err && isConnectionError(e.cause);
}

function latestOf(v: Variant | undefined, quality: string | undefined, ts: { timeInSeconds?: number; offsetInNanos?: number } | undefined): LatestValue {
  const timestampMs = (ts?.timeInSeconds ?? 0) * 1000 + Math.floor((ts?.offsetInNanos ?? 0) / 1e6);
  let value: LatestValue['value'] = null;
  let variant = 'none';
  if (v?.doubleValue !== undefined) [value, variant] = [Number.isFinite(v.doubleValue) ? v.doubleValue : String(v.doubleValue), 'doubleValue'];
  else if (v?.integerValue !== undefined) [value, variant] = [v.integerValue, 'integerValue'];
  else if (v?.booleanValue !== undefined) [value, variant] = [v.booleanValue, 'booleanValue'];
  else if (v?.stringValue !== undefined) [value, variant] = [v.stringValue, 'stringValue'];
  else if (v?.nullValue !== undefined) variant = 'nullValue';
  return { value, variant, quality: quality ?? 'GOOD', timestamp: new Date(timestampMs).toISOString(), timestampMs };
}

// ---- formatting ----

/** `12 s ago`, `5 min ago`, `3 h ago`, `2 d ago`; `in 4 s` for a timestamp ahead of `now`. */
export function formatAge(timestampMs: number, nowMs: number): string {
  const diff = Math.round((nowMs - timestampMs) / 1000);
  const abs = Math.abs(diff);
  const text = abs < 120 ? `${abs} s` : abs < 7200 ? `${Math.floor(abs / 60)} min` : abs < 2 * 86400 ? `${Math.floor(abs / 3600)} h` : `${Math.floor(abs / 86400)} d`;
  return diff < 0 ? `in ${text}` : `${text} ago`;
}

/** A latest value as text: numbers with up to 10 significant digits, strings quoted (and cut at 40 characters). */
export function formatValue(l: LatestValue): string {
  if (l.variant === 'nullValue' || l.value === null) return 'null';
  if (typeof l.value === 'number') return l.variant === 'doubleValue' ? String(Number(l.value.toPrecision(10))) : String(l.value);
  if (typeof l.value === 'boolean') return String(l.value);
  if (l.variant === 'doubleValue') return l.value; // NaN, Infinity
  const s = l.value.length > 40 ? `${l.value.slice(0, 39)}…` : l.value;
  return JSON.stringify(s);
}

export interface FormatOptions {
  /** Show latest values (default true); without, the data type and unit are shown instead. */
  values?: boolean;
}

/** The models table and the asset tree, for a terminal. */
export function formatTree(tree: SiteWiseTree, options: FormatOptions = {}): string {
  const values = options.values !== false;
  const now = Date.parse(tree.readAt);
  const lines: string[] = [];
  const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;
  lines.push(`${tree.source}: ${plural(tree.models.length, 'model')}, ${plural(tree.assetCount, 'asset')}${values ? ` (values read ${tree.readAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')})` : ''}`);
  lines.push('');
  if (tree.models.length === 0) {
    lines.push('No asset models. Provision them: npm run sitewise:provision -- --help');
    return `${lines.join('\n')}\n`;
  }
  lines.push('Models');
  lines.push(
    ...table(
      tree.models.map((m) => [
        m.name,
        plural(m.properties.length, 'property').replace('propertys', 'properties'),
        plural(m.assetCount, 'asset'),
        m.hierarchies.map((h) => `${h.name} → ${h.childModel}`).join(', '),
        m.status === 'ACTIVE' ? '' : m.status,
      ]),
      '  ',
      [false, true, true, false, false],
    ),
  );
  lines.push('');
  if (tree.assets.length === 0) {
    lines.push('No assets.');
    return `${lines.join('\n')}\n`;
  }
  lines.push('Assets');

  // Collect rows (asset headings and property rows) with their tree prefixes, then align the property columns.
  type Row = { heading: string } | { prefix: string; cells: string[] };
  const rows: Row[] = [];
  const walk = (a: AssetNode, lead: string, connector: string, body: string): void => {
    const status = a.status === 'ACTIVE' ? '' : `  (${a.status})`;
    const path = a.path ? `  in ${a.path.join(' › ')}` : '';
    rows.push({ heading: `${lead}${connector}${a.name}  [${a.model}]${status}${path}` });
    const propLead = `${body}${a.children.length > 0 ? '│  ' : '   '}`;
    for (const p of a.properties) rows.push({ prefix: propLead, cells: propertyCells(p, values, now) });
    a.children.forEach((c, i) => {
      const last = i === a.children.length - 1;
      walk(c, body, last ? '└─ ' : '├─ ', `${body}${last ? '   ' : '│  '}`);
    });
  };
  for (const r of tree.assets) {
    walk(r, '', '', '');
    rows.push({ heading: '' });
  }
  const cellRows = rows.filter((r): r is { prefix: string; cells: string[] } => 'cells' in r);
  const first = Math.max(0, ...cellRows.map((r) => width(r.prefix) + width(r.cells[0]!)));
  const widths = [first];
  for (let c = 1; c < (cellRows[0]?.cells.length ?? 0); c++) widths.push(Math.max(0, ...cellRows.map((r) => width(r.cells[c]!))));
  for (const r of rows) {
    if ('heading' in r) {
      lines.push(r.heading);
      continue;
    }
    const [name, ...rest] = r.cells;
    const parts = [pad(`${r.prefix}${name}`, widths[0]!), ...rest.map((c, i) => pad(c, widths[i + 1]!))];
    lines.push(parts.join('  ').trimEnd());
  }
  while (lines[lines.length - 1] === '') lines.pop();
  return `${lines.join('\n')}\n`;
}

function propertyCells(p: PropertyNode, values: boolean, now: number): string[] {
  const where = p.alias ?? (p.kind === 'transform' || p.kind === 'metric' ? `(${p.kind})` : '(no alias)');
  if (!values) return [p.name, where, p.dataType, p.unit ?? ''];
  if (p.error) return [p.name, where, `error: ${p.error}`, '', ''];
  const l = p.latest;
  if (!l) return [p.name, where, '—', '', ''];
  return [p.name, where, `${formatValue(l)}${p.unit ? ` ${p.unit}` : ''}`, l.quality, formatAge(l.timestampMs, now)];
}

function width(s: string): number {
  return [...s].length;
}

function pad(s: string, w: number): string {
  return s + ' '.repeat(Math.max(0, w - width(s)));
}

function table(rows: string[][], indent: string, rightAlign: boolean[]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => width(r[c]!))));
  return rows.map((r) => `${indent}${r.map((cell, c) => (rightAlign[c] ? ' '.repeat(widths[c]! - width(cell)) + cell : pad(cell, widths[c]!))).join('   ')}`.trimEnd());
}
