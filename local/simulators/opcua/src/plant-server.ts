/**
 * PlantServer: a node-opcua server publishing the simulated plant (plant.ts) and a set of OPC DA
 * style items (Objects/DAServer, for the DA→UA wrapper backend).
 *
 * - Plant tags: `ns=1;s=/Site1/AreaA/Line1/Filler/Temperature`; Site/Area/Line are folders,
 *   machines are objects; analog tags are AnalogItems with EURange and EngineeringUnits.
 * - DA items: `ns=1;s=DA:<itemId>` under Objects/DAServer/<segment>/… (one folder per
 *   dot-separated segment), e.g. `ns=1;s=DA:Channel1.Device1.Tag1`.
 * - Values change `rateHz` times a second (setValueFromSource with the tick time as source timestamp).
 * - Node ids are stable across restarts, and so is the certificate as long as `pkiDir` is kept.
 * - The server accepts every client certificate (it is a test peer); with `users` anonymous
 *   sessions are refused.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  DataType,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAServer,
  SecurityPolicy,
  StatusCodes,
  Variant,
  makeEUInformation,
  standardUnits,
  type Namespace,
  type StatusCode,
  type UAObject,
  type UAVariable,
} from 'node-opcua';
import { DEFAULT_OPCUA_PORT, daItems, daValue, plantLayout, plantValue, type DaItem, type PlantTag } from './plant';

export interface PlantServerOptions {
  /** Default 4840; 0 picks a free port. */
  port?: number;
  /** Listening address and endpoint host name. Default 127.0.0.1. */
  host?: string;
  /** Plant tags. Default 60 (two lines of five machines, six tags each). */
  tags?: number;
  /** Value updates per second. Default 1. */
  rateHz?: number;
  /** none: SecurityPolicy None only; secure: Basic256Sha256 Sign and SignAndEncrypt only; both (default). */
  security?: 'none' | 'secure' | 'both';
  /** The server's PKI folder (own certificate and key, created on first start). Default <tmp>/tributary-opcua-sim/pki. */
  pkiDir?: string;
  /** When given, only these users may open a session (anonymous is refused). */
  users?: { userName: string; password: string }[];
  /** Server operation limit MaxMonitoredItemsPerCall (node-opcua enforces it). */
  maxMonitoredItemsPerCall?: number;
  /** Serve the DAServer items. Default true. */
  daItems?: boolean;
}

export interface PlantServerStarted {
  endpointUrl: string;
  port: number;
  /** The server certificate (PEM), for a client's trust list. */
  certificateFile?: string;
}

export { DEFAULT_OPCUA_PORT } from './plant';
export const APPLICATION_URI = 'urn:tributary:opcua-simulator';

interface Published<T> {
  spec: T;
  node: UAVariable;
  dataType: DataType;
}

export class PlantServer {
  readonly options: Required<Omit<PlantServerOptions, 'users' | 'maxMonitoredItemsPerCall'>> & Pick<PlantServerOptions, 'users' | 'maxMonitoredItemsPerCall'>;
  private server?: OPCUAServer;
  private timer?: NodeJS.Timeout;
  private tick = 0;
  private plant: Published<PlantTag>[] = [];
  private da: Published<DaItem>[] = [];
  private seed = 12345;

  constructor(opts: PlantServerOptions = {}) {
    this.options = {
      port: opts.port ?? DEFAULT_OPCUA_PORT,
      host: opts.host ?? '127.0.0.1',
      tags: opts.tags ?? 60,
      rateHz: opts.rateHz ?? 1,
      security: opts.security ?? 'both',
      pkiDir: opts.pkiDir ?? path.join(os.tmpdir(), 'tributary-opcua-sim', 'pki'),
      daItems: opts.daItems ?? true,
      users: opts.users,
      maxMonitoredItemsPerCall: opts.maxMonitoredItemsPerCall,
    };
    if (!Number.isInteger(this.options.tags) || this.options.tags < 0) throw new RangeError(`tags must be an integer ≥ 0, got ${this.options.tags}`);
    if (!(this.options.rateHz > 0 && this.options.rateHz <= 100)) throw new RangeError(`rateHz must be in (0, 100], got ${this.options.rateHz}`);
  }

  /** Number of plant tags served. */
  get tagCount(): number {
    return this.plant.length;
  }

  async start(): Promise<PlantServerStarted> {
    if (this.server) throw new Error('PlantServer already started');
    const o = this.options;
    const port = o.port === 0 ? await freeTcpPort(o.host) : o.port;
    fs.mkdirSync(o.pkiDir, { recursive: true });
    const serverCertificateManager = new OPCUACertificateManager({ rootFolder: o.pkiDir, automaticallyAcceptUnknownCertificate: true });
    await serverCertificateManager.initialize();
    const modes: MessageSecurityMode[] = [];
    const policies: SecurityPolicy[] = [];
    if (o.security !== 'secure') {
      modes.push(MessageSecurityMode.None);
      policies.push(SecurityPolicy.None);
    }
    if (o.security !== 'none') {
      modes.push(MessageSecurityMode.Sign, MessageSecurityMode.SignAndEncrypt);
      policies.push(SecurityPolicy.Basic256Sha256);
    }
    const users = o.users;
    const server = new OPCUAServer({
      port,
      host: o.host,
      hostname: o.host,
      securityModes: modes,
      securityPolicies: policies,
      serverCertificateManager,
      allowAnonymous: !users || users.length === 0,
      ...(users && users.length > 0 ? { userManager: { isValidUser: (userName: string, password: string) => users.some((u) => u.userName === userName && u.password === password) } } : {}),
      serverInfo: { applicationUri: APPLICATION_URI, productUri: 'tributary-opcua-simulator', applicationName: { text: 'Tributary OPC UA plant simulator', locale: 'en' } },
      buildInfo: { productName: 'Tributary OPC UA plant simulator', manufacturerName: 'Tributary' },
      ...(o.maxMonitoredItemsPerCall ? { serverCapabilities: { operationLimits: { maxMonitoredItemsPerCall: o.maxMonitoredItemsPerCall } } } : {}),
    });
    this.server = server;
    try {
      await server.initialize();
      this.build(server);
      this.update();
      await server.start();
    } catch (err) {
      this.server = undefined;
      await server.shutdown(0).catch(() => undefined);
      throw err;
    }
    this.timer = setInterval(() => this.update(), Math.max(1, Math.round(1000 / o.rateHz)));
    const certificateFile = path.join(o.pkiDir, 'own', 'certs', 'certificate.pem');
    return {
      endpointUrl: `opc.tcp://${o.host}:${port}`,
      port,
      ...(fs.existsSync(certificateFile) ? { certificateFile } : {}),
    };
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const server = this.server;
    this.server = undefined;
    if (server) await server.shutdown(0);
    this.plant = [];
    this.da = [];
  }

  private build(server: OPCUAServer): void {
    const addressSpace = server.engine.addressSpace!;
    const ns = addressSpace.getOwnNamespace();
    const objects = addressSpace.rootFolder.objects;
    // Site/Area/Line folders and machine objects, created once each, keyed by path.
    const containers = new Map<string, UAObject>();
    const containerOf = (parents: string[]): UAObject => {
      let parent: UAObject = objects as unknown as UAObject;
      let p = '';
      parents.forEach((name, depth) => {
        p += `/${name}`;
        let node = containers.get(p);
        if (!node) {
          node =
            depth < 3
              ? (ns.addFolder(parent, { browseName: name, nodeId: `s=${p}` }) as unknown as UAObject)
              : ns.addObject({ componentOf: parent, browseName: name, nodeId: `s=${p}` });
          containers.set(p, node);
        }
        parent = node;
      });
      return parent;
    };
    for (const tag of plantLayout(this.options.tags)) {
      const machine = containerOf(tag.parents);
      const dataType = DataType[tag.dataType];
      let node: UAVariable;
      if (tag.range) {
        node = ns.addAnalogDataItem({
          componentOf: machine,
          browseName: tag.name,
          nodeId: `s=${tag.path}`,
          dataType: tag.dataType,
          engineeringUnitsRange: tag.range,
          engineeringUnits: unitOf(tag.unit),
          minimumSamplingInterval: 0,
          value: { dataType, value: 0 } as never,
        }) as unknown as UAVariable;
      } else {
        node = ns.addVariable({
          componentOf: machine,
          browseName: tag.name,
          nodeId: `s=${tag.path}`,
          dataType: tag.dataType,
          minimumSamplingInterval: 0,
          ...(tag.kind === 'state' ? { description: 'machine state: 0 Stopped, 1 Running, 2 Idle, 3 Fault' } : {}),
        });
      }
      this.plant.push({ spec: tag, node, dataType });
    }
    if (this.options.daItems) this.buildDa(ns, objects as unknown as UAObject);
  }

  private buildDa(ns: Namespace, objects: UAObject): void {
    const root = ns.addFolder(objects, { browseName: 'DAServer', nodeId: 's=DAServer' }) as unknown as UAObject;
    const folders = new Map<string, UAObject>();
    for (const item of daItems()) {
      const segments = item.itemId.split('.');
      let parent = root;
      for (let i = 0; i < segments.length - 1; i++) {
        const key = segments.slice(0, i + 1).join('.');
        let folder = folders.get(key);
        if (!folder) {
          folder = ns.addFolder(parent, { browseName: segments[i]!, nodeId: `s=DAServer/${key}` }) as unknown as UAObject;
          folders.set(key, folder);
        }
        parent = folder;
      }
      const node = ns.addVariable({
        organizedBy: parent,
        browseName: segments[segments.length - 1]!,
        nodeId: `s=DA:${item.itemId}`,
        dataType: item.dataType,
        minimumSamplingInterval: 0,
        accessLevel: 'CurrentRead | CurrentWrite',
        userAccessLevel: 'CurrentRead | CurrentWrite',
      });
      this.da.push({ spec: item, node, dataType: DataType[item.dataType] });
    }
  }

  /** One tick: every value changes, stamped with the same source time. */
  private update(): void {
    const now = new Date();
    const t = now.getTime();
    const tick = this.tick++;
    for (const p of this.plant) {
      p.node.setValueFromSource(new Variant({ dataType: p.dataType, value: plantValue(p.spec, t, tick) }), StatusCodes.Good, now);
    }
    for (const d of this.da) {
      const status: StatusCode = d.spec.status ? StatusCodes[d.spec.status] : StatusCodes.Good;
      d.node.setValueFromSource(new Variant({ dataType: d.dataType, value: daValue(d.spec, tick, () => this.random()) }), status, now);
    }
  }

  /** Deterministic pseudo-random numbers (LCG) for the DA Random.* items. */
  private random(): number {
    this.seed = (this.seed * 1103515245 + 12345) % 2147483648;
    return this.seed / 2147483648;
  }
}

function unitOf(unit: string | undefined): ReturnType<typeof makeEUInformation> {
  switch (unit) {
    case 'degC':
      return standardUnits.degree_celsius;
    case 'bar':
      return standardUnits.bar;
    default:
      return makeEUInformation('l/min', 'l/min', 'litre per minute');
  }
}

/** A TCP port on `host` that was free a moment ago. */
export async function freeTcpPort(host = '127.0.0.1'): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(0, host, () => resolve());
  });
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
