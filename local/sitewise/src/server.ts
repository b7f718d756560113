/**
 * A local AWS IoT SiteWise service on node:http that the real `@aws-sdk/client-iotsitewise`
 * talks to (restJson1: REST paths, JSON bodies, errors named in `x-amzn-errortype`). Point the
 * client at it with `endpoint` and `disableHostPrefix: true` (see client.ts).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import { performance } from 'node:perf_hooks';
import { writeFileAtomic } from '../../../components/core/src/health';
import { Catalog, type CatalogSnapshot } from './catalog';
import { invalid, ServiceError } from './errors';
import { REQUEST_FAULT_CODE, SiteWiseFaults } from './faults';
import { batchPut, history, latest, readBatchPut, ValueStore } from './values';

export interface SiteWiseLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export interface LocalSiteWiseOptions {
  /** Service clock in epoch milliseconds: the [-7 d, +10 min] timestamp window and creation dates. Default Date.now. */
  clock?: () => number;
  /** How long a created/updated model or asset stays CREATING/UPDATING before it is ACTIVE. Default 50 ms; 0 = ACTIVE from the next request on. */
  activationDelayMs?: number;
  /** JSON file that keeps asset models, assets, aliases and time series across restarts (values stay in memory). */
  dataFile?: string;
  logger?: SiteWiseLogger;
}

export interface SiteWiseStats {
  /** HTTP requests answered, by operation. */
  requests: number;
  operations: Record<string, number>;
  /** BatchPutAssetPropertyValue entries received (in requests that passed whole-request validation). */
  entries: number;
  /** Entries answered inside errorEntries. */
  entriesFailed: number;
  /** TQVs accepted (a TQV that overwrites an earlier one counts again). */
  valuesAccepted: number;
  /** TQVs not stored (invalid, or in a failed entry). */
  valuesRejected: number;
  /** TQVs held now. */
  valuesStored: number;
  /** Faults injected through `faults`. */
  faultsInjected: number;
  assetModels: number;
  assets: number;
  /** Aliases of asset properties. */
  aliases: number;
  /** Time series (data streams), associated or not. */
  timeSeries: number;
}

type Json = Record<string, unknown>;
interface Route {
  method: string;
  path: RegExp;
  operation: string;
  status: number;
  handle(params: string[], body: Json, query: URLSearchParams): Json | void;
}

const MAX_BODY = 4 * 1024 * 1024;
const silent: SiteWiseLogger = { debug() {}, info() {}, warn() {} };

export class LocalSiteWise {
  readonly faults = new SiteWiseFaults();
  private readonly clock: () => number;
  private readonly catalog: Catalog;
  private readonly values = new ValueStore();
  private readonly log: SiteWiseLogger;
  private readonly routes: Route[];
  private server?: http.Server;
  private counters = { requests: 0, entries: 0, entriesFailed: 0, valuesAccepted: 0, valuesRejected: 0 };
  private readonly operations: Record<string, number> = {};
  private saving?: Promise<void>;
  private saveAgain = false;

  constructor(private readonly opts: LocalSiteWiseOptions = {}) {
    this.clock = opts.clock ?? Date.now;
    this.log = opts.logger ?? silent;
    const activationDelayMs = opts.activationDelayMs ?? 50;
    if (!(activationDelayMs >= 0)) throw new Error('activationDelayMs must be >= 0');
    this.catalog = new Catalog({
      clock: this.clock,
      realNow: () => performance.now(),
      activationDelayMs,
      onChange: () => this.scheduleSave(),
    });
    if (opts.dataFile && fs.existsSync(opts.dataFile)) {
      try {
        this.catalog.restore(JSON.parse(fs.readFileSync(opts.dataFile, 'utf8')) as CatalogSnapshot);
      } catch (err) {
        throw new Error(`cannot read the local SiteWise data file ${opts.dataFile}: ${(err as Error).message}`);
      }
    }
    this.routes = this.makeRoutes();
  }

  /** Starts listening; port 0 picks a free port. */
  listen(port = 0, host = '127.0.0.1'): Promise<{ port: number; endpoint: string }> {
    if (this.server) return Promise.reject(new Error('LocalSiteWise is already listening'));
    const server = http.createServer((req, res) => void this.onRequest(req, res));
    server.keepAliveTimeout = 5_000;
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', (err) => {
        this.server = undefined;
        reject(err);
      });
      server.listen(port, host, () => {
        const addr = server.address();
        const p = addr && typeof addr === 'object' ? addr.port : port;
        const shown = host.includes(':') ? `[${host}]` : host;
        resolve({ port: p, endpoint: `http://${shown}:${p}` });
      });
    });
  }

  /** Stops listening, drops open connections, and writes the data file if one is set. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
    await this.flush();
  }

  stats(): SiteWiseStats {
    return {
      ...this.counters,
      operations: { ...this.operations },
      valuesStored: this.values.stored,
      faultsInjected: this.faults.injected,
      ...this.catalog.counts(),
    };
  }

  /** Waits until the data file holds every change made so far. */
  async flush(): Promise<void> {
    while (this.saving) await this.saving;
  }

  // ---- HTTP ----

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const route = this.route(req.method ?? 'GET', url.pathname);
    const operation = route?.route.operation ?? 'Unknown';
    this.counters.requests++;
    this.operations[operation] = (this.operations[operation] ?? 0) + 1;
    let status = 200;
    let payload: Json | undefined;
    let error: ServiceError | undefined;
    try {
      const raw = await readBody(req);
      if (this.faults.delayMs > 0) await new Promise((r) => setTimeout(r, this.faults.delayMs));
      const fault = this.faults.takeRequestFault(operation);
      if (fault) throw new ServiceError(REQUEST_FAULT_CODE[fault], `Injected ${fault} (local SiteWise fault injection).`);
      if (!route) throw new ServiceError('UnknownOperationException', `The local SiteWise does not implement ${req.method} ${url.pathname}.`);
      let body: Json = {};
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw.toString('utf8')) as Json;
        } catch {
          throw invalid('The request body is not valid JSON.');
        }
        if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('The request body must be a JSON object.');
      }
      payload = route.route.handle(route.params, body, url.searchParams) ?? undefined;
      status = route.route.status;
    } catch (err) {
      error = err instanceof ServiceError ? err : new ServiceError('InternalFailureException', `Internal failure: ${(err as Error).message}`);
      if (!(err instanceof ServiceError)) this.log.warn('Local SiteWise request failed unexpectedly.', { operation, err });
    }
    if (res.destroyed) return;
    if (error) {
      this.log.debug('Local SiteWise request answered with an error.', { operation, status: error.status, code: error.code, message: error.message });
      send(res, error.status, error.body(), { 'x-amzn-errortype': error.code });
      return;
    }
    this.log.debug('Local SiteWise request answered.', { operation, status });
    send(res, status, payload ?? {});
  }

  private route(method: string, path: string): { route: Route; params: string[] } | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.path.exec(path);
      if (m) return { route, params: m.slice(1).map((p) => decodeURIComponent(p)) };
    }
    return undefined;
  }

  private makeRoutes(): Route[] {
    const c = this.catalog;
    const seg = '([^/]+)';
    const r = (method: string, path: string, operation: string, status: number, handle: Route['handle']): Route => ({
      method,
      path: new RegExp(`^${path}/?$`),
      operation,
      status,
      handle,
    });
    return [
      r('POST', '/asset-models', 'CreateAssetModel', 202, (_, b) => c.createAssetModel(b)),
      r('GET', '/asset-models', 'ListAssetModels', 200, (_, __, q) => c.listAssetModels(q)),
      r('GET', `/asset-models/${seg}`, 'DescribeAssetModel', 200, ([id]) => c.describeAssetModel(id!)),
      r('PUT', `/asset-models/${seg}`, 'UpdateAssetModel', 202, ([id], b) => {
        const out = c.updateAssetModel(id!, b);
        this.values.retain((id) => c.hasSeries(id));
        return out;
      }),
      r('DELETE', `/asset-models/${seg}`, 'DeleteAssetModel', 202, ([id]) => c.deleteAssetModel(id!)),
      r('POST', '/assets', 'CreateAsset', 202, (_, b) => c.createAsset(b)),
      r('GET', '/assets', 'ListAssets', 200, (_, __, q) => c.listAssets(q)),
      r('GET', `/assets/${seg}`, 'DescribeAsset', 200, ([id], _, q) => c.describeAsset(id!, q.get('excludeProperties') === 'true')),
      r('DELETE', `/assets/${seg}`, 'DeleteAsset', 202, ([id]) => {
        const out = c.deleteAsset(id!);
        this.values.retain((id) => c.hasSeries(id));
        return out;
      }),
      r('POST', `/assets/${seg}/associate`, 'AssociateAssets', 200, ([id], b) => c.associateAssets(id!, b)),
      r('POST', `/assets/${seg}/disassociate`, 'DisassociateAssets', 200, ([id], b) => c.disassociateAssets(id!, b)),
      r('GET', `/assets/${seg}/hierarchies`, 'ListAssociatedAssets', 200, ([id], _, q) => c.listAssociatedAssets(id!, q)),
      r('GET', `/assets/${seg}/properties/${seg}`, 'DescribeAssetProperty', 200, ([a, p]) => c.describeAssetProperty(a!, p!)),
      r('PUT', `/assets/${seg}/properties/${seg}`, 'UpdateAssetProperty', 200, ([a, p], b) => c.updateAssetProperty(a!, p!, b)),
      r('POST', '/properties', 'BatchPutAssetPropertyValue', 200, (_, b) => this.batchPut(b)),
      r('GET', '/properties/latest', 'GetAssetPropertyValue', 200, (_, __, q) => latest(c, this.values, q)),
      r('GET', '/properties/history', 'GetAssetPropertyValueHistory', 200, (_, __, q) => history(c, this.values, q)),
      r('GET', '/timeseries', 'ListTimeSeries', 200, (_, __, q) => c.listTimeSeries(q)),
      r('GET', '/timeseries/describe', 'DescribeTimeSeries', 200, (_, __, q) => c.describeTimeSeries(q)),
      r('POST', '/timeseries/associate', 'AssociateTimeSeriesToAssetProperty', 200, (_, __, q) => c.associateTimeSeries(q)),
      r('POST', '/timeseries/disassociate', 'DisassociateTimeSeriesFromAssetProperty', 200, (_, __, q) => c.disassociateTimeSeries(q)),
      r('POST', '/timeseries/delete', 'DeleteTimeSeries', 200, (_, __, q) => {
        c.deleteTimeSeries(q);
        this.values.retain((id) => c.hasSeries(id));
      }),
    ];
  }

  private batchPut(body: Json): Json {
    const req = readBatchPut(body);
    this.counters.entries += req.entries.length;
    const out = batchPut(this.catalog, this.values, req, this.clock(), () => this.faults.takeEntryFault());
    this.counters.entriesFailed += out.errorEntries.length;
    this.counters.valuesAccepted += out.stored;
    this.counters.valuesRejected += out.rejected;
    return { errorEntries: out.errorEntries };
  }

  // ---- persistence ----

  private scheduleSave(): void {
    const file = this.opts.dataFile;
    if (!file) return;
    if (this.saving) {
      this.saveAgain = true;
      return;
    }
    this.saving = (async () => {
      try {
        do {
          this.saveAgain = false;
          await new Promise((r) => setImmediate(r));
          try {
            await writeFileAtomic(file, `${JSON.stringify(this.catalog.snapshot())}\n`);
          } catch (err) {
            this.log.warn('Cannot write the local SiteWise data file.', { path: file, err });
          }
        } while (this.saveAgain);
      } finally {
        this.saving = undefined;
      }
    })();
  }
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(invalid(`The request body is larger than ${MAX_BODY} bytes.`));
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** JSON with NaN/±Infinity as the strings the SDK reads for doubles. */
function send(res: http.ServerResponse, status: number, body: Json, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': `local-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`,
    ...headers,
  });
  res.end(text);
}
