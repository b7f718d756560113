/**
 * An embedded MQTT 3.1.1 broker (aedes) behind TLS with client-certificate authentication:
 * the local stand-in for AWS IoT Core's data endpoint. Certificates come from `certs.ts`.
 *
 * ```ts
 * const broker = new LocalMqttBroker({ certDir: '.tributary/mqtt' });
 * const { port, caFile, clientCertFile, clientKeyFile } = await broker.listen();
 * broker.on('message', (m) => ...);             // every PUBLISH a client sent
 * await broker.waitForMessages(3, (m) => m.topic.startsWith('tributary/'));
 * await broker.close();                          // and listen(port) again for a "peer back" test
 * ```
 *
 * aedes is an ES module; it is loaded through node's own loader so that this file also runs
 * under jest's CommonJS runtime.
 */
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as nodeModule from 'node:module';
import type { AddressInfo, Socket } from 'node:net';
import * as tls from 'node:tls';
import { ensureCertificates, type CertFiles, type CertOptions } from './certs';

export interface LocalMqttBrokerOptions extends CertOptions {
  /** Folder of the CA, server and client certificates (made when missing or expiring). */
  readonly certDir: string;
  /** Keep at most this many received messages in `messages`. Default 10 000. */
  readonly keepMessages?: number;
  /**
   * Least-privilege check like an IoT policy: a PUBLISH whose topic does not start with one of
   * these prefixes makes the broker drop the connection (as IoT Core does over MQTT 3.1.1).
   */
  readonly allowedTopicPrefixes?: readonly string[];
}

export interface ReceivedMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: number;
  readonly retain: boolean;
  readonly clientId: string;
  /** CN of the client certificate. */
  readonly identity: string | undefined;
  readonly at: number;
}

export interface BrokerListening {
  readonly port: number;
  readonly host: string;
  /** `mqtts://host:port` */
  readonly url: string;
  readonly caFile: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  readonly certs: CertFiles;
}

export interface BrokerStats {
  /** Clients connected now. */
  readonly clients: number;
  /** MQTT CONNECTs accepted since construction. */
  readonly connects: number;
  /** TLS handshakes refused (no or untrusted client certificate). */
  readonly tlsRejections: number;
  /** Client PUBLISH packets received since construction. */
  readonly published: number;
  /** Publishes refused by `allowedTopicPrefixes`. */
  readonly denied: number;
}

interface AedesClient {
  id: string;
  conn?: unknown;
}
interface AedesPacket {
  topic: string;
  payload: Buffer | string;
  qos: number;
  retain: boolean;
}
interface AedesInstance extends EventEmitter {
  handle(stream: Socket): unknown;
  close(cb?: () => void): void;
  authorizePublish?: (client: AedesClient | null, packet: AedesPacket, cb: (err?: Error | null) => void) => void;
  preConnect?: (client: AedesClient, packet: unknown, cb: (err: Error | null, ok: boolean) => void) => void;
}
interface AedesModule {
  Aedes: { createBroker(opts?: Record<string, unknown>): Promise<AedesInstance> };
}

/** Loads the aedes ES module with node's loader (jest's CommonJS runtime cannot). */
function loadAedes(): AedesModule {
  const M = (nodeModule as unknown as { Module: { _load(request: string, parent: unknown, isMain: boolean): unknown } }).Module;
  return M._load(require.resolve('aedes'), null, false) as AedesModule;
}

export class LocalMqttBroker extends EventEmitter {
  /** Received messages, oldest first (bounded by `keepMessages`). */
  readonly messages: ReceivedMessage[] = [];
  private readonly options: LocalMqttBrokerOptions;
  private server: tls.Server | undefined;
  private aedes: AedesInstance | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly identities = new WeakMap<object, string | undefined>();
  private counters = { connects: 0, tlsRejections: 0, published: 0, denied: 0 };
  private connected = 0;

  constructor(options: LocalMqttBrokerOptions) {
    super();
    this.options = options;
  }

  get stats(): BrokerStats {
    return { clients: this.connected, ...this.counters };
  }

  /** Starts listening (port 0 = any free port). After close(), listen again reuses certificates. */
  async listen(port = 0, host = '127.0.0.1'): Promise<BrokerListening> {
    if (this.server) throw new Error('LocalMqttBroker is already listening');
    const certs = await ensureCertificates(this.options.certDir, this.options);
    const aedes = await loadAedes().Aedes.createBroker({ id: 'tributary-local' });
    this.aedes = aedes;
    const prefixes = this.options.allowedTopicPrefixes;
    // Record in authorizePublish: it runs before the PUBACK goes out (the 'publish' event may
    // come after it), so a client that got its PUBACK finds its message in `messages`.
    aedes.authorizePublish = (client, packet, cb) => {
      if (client && prefixes && prefixes.length > 0 && !prefixes.some((p) => packet.topic.startsWith(p))) {
        this.counters.denied++;
        cb(new Error(`topic ${packet.topic} is not allowed`));
        return;
      }
      if (client) this.record(client, packet);
      cb(null);
    };
    aedes.on('client', () => {
      this.connected++;
      this.counters.connects++;
    });
    aedes.on('clientDisconnect', () => {
      this.connected = Math.max(0, this.connected - 1);
    });
    aedes.on('clientError', () => undefined);
    aedes.on('connectionError', () => undefined);
    const server = tls.createServer(
      {
        requestCert: true,
        rejectUnauthorized: true,
        ca: fs.readFileSync(certs.caFile),
        cert: fs.readFileSync(certs.serverCertFile),
        key: fs.readFileSync(certs.serverKeyFile),
        minVersion: 'TLSv1.2',
      },
      (socket) => {
        const cn = socket.getPeerCertificate()?.subject?.CN;
        this.identities.set(socket, Array.isArray(cn) ? cn[0] : cn);
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
        aedes.handle(socket);
      },
    );
    server.on('tlsClientError', (_err, socket) => {
      this.counters.tlsRejections++;
      socket.destroy();
    });
    // Plain TCP sockets too, so close() can drop connections that are mid-handshake.
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
    this.server = server;
    const actual = (server.address() as AddressInfo).port;
    return { port: actual, host, url: `mqtts://${host}:${actual}`, caFile: certs.caFile, clientCertFile: certs.clientCertFile, clientKeyFile: certs.clientKeyFile, certs };
  }

  private record(client: AedesClient, packet: AedesPacket): void {
    this.counters.published++;
    const msg: ReceivedMessage = {
      topic: packet.topic,
      payload: Buffer.isBuffer(packet.payload) ? Buffer.from(packet.payload) : Buffer.from(packet.payload),
      qos: packet.qos,
      retain: packet.retain,
      clientId: client.id,
      identity: client.conn ? this.identities.get(client.conn as object) : undefined,
      at: Date.now(),
    };
    this.messages.push(msg);
    const keep = this.options.keepMessages ?? 10_000;
    if (this.messages.length > keep) this.messages.splice(0, this.messages.length - keep);
    this.emit('message', msg);
  }

  /** Resolves with the first `count` received messages that match (already received ones count). */
  waitForMessages(count: number, filter: (m: ReceivedMessage) => boolean = () => true): Promise<ReceivedMessage[]> {
    return new Promise((resolve) => {
      const check = (): boolean => {
        const hits = this.messages.filter(filter);
        if (hits.length < count) return false;
        this.removeListener('message', check);
        resolve(hits.slice(0, count));
        return true;
      };
      if (!check()) this.on('message', check);
    });
  }

  /** Stops listening, drops every connection and closes the broker. Safe to call twice. */
  async close(): Promise<void> {
    const server = this.server;
    const aedes = this.aedes;
    this.server = undefined;
    this.aedes = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    this.connected = 0;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
  }
}
