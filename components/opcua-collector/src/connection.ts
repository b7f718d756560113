/**
 * One OPC UA connection attempt: the component's own PKI (trust list from the configuration,
 * trust-on-first-use only when asked), an OPCUAClient with the configured security mode and
 * policy, a session with the configured identity, all bounded by `connectTimeoutMs`.
 *
 * node-opcua's first connect retries forever by default; here the first connect is bounded
 * (maxRetry 1 + our own timeout, then the caller backs off and tries again with a new client),
 * while a connection that was up is repaired by node-opcua itself (its reconnection always
 * retries: session repair, subscription transfer, or recreation).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import {
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAClient,
  SecurityPolicy,
  UserTokenType,
  type ClientSession,
  type UserIdentityInfo,
} from 'node-opcua';
import { TributaryError, errorMessage, type Logger } from '../../core/src';
import type { ConnectionConfig, SecurityConfig } from './config';
import type { CredentialSource } from './secrets';

export const ConnectErrorCode = {
  Timeout: 'opcua_connect_timeout',
  Failed: 'opcua_connect_failed',
  Untrusted: 'opcua_server_untrusted',
  Identity: 'opcua_identity_rejected',
} as const;

export interface OpcUaConnection {
  client: OPCUAClient;
  session: ClientSession;
  /** Closes the session and the channel (bounded). */
  close(): Promise<void>;
}

export interface ConnectorOptions {
  endpointUrl: string;
  security: SecurityConfig;
  connection: ConnectionConfig;
  /** The PKI folder, resolved (absolute). */
  pkiDir: string;
  credentials?: CredentialSource;
  logger: Logger;
}

/** Builds the PKI once, then makes bounded connection attempts. */
export class OpcUaConnector {
  private cm?: OPCUACertificateManager;
  private readonly o: ConnectorOptions;

  constructor(options: ConnectorOptions) {
    this.o = options;
  }

  get certificateManager(): OPCUACertificateManager | undefined {
    return this.cm;
  }

  /** Creates the PKI folders, copies the configured trusted server certificates in, loads the trust list. */
  async initPki(): Promise<void> {
    if (this.cm) return;
    const trustedDir = path.join(this.o.pkiDir, 'trusted', 'certs');
    await fs.mkdir(trustedDir, { recursive: true });
    for (const file of this.o.security.trustedServerCertificates) {
      let data: Buffer;
      try {
        data = await fs.readFile(file);
      } catch (err) {
        throw new TributaryError('opcua_trust_list', `The trusted server certificate ${file} cannot be read: ${errorMessage(err)}`, { cause: err });
      }
      const ext = path.extname(file).toLowerCase() === '.der' ? '.der' : '.pem';
      await fs.writeFile(path.join(trustedDir, `configured-${path.basename(file, path.extname(file))}${ext}`), data);
    }
    const cm = new OPCUACertificateManager({ rootFolder: this.o.pkiDir, automaticallyAcceptUnknownCertificate: false });
    await cm.initialize();
    this.cm = cm;
    this.applyTrustOnFirstUse();
  }

  /** Trust-on-first-use: accept an unknown server certificate only while the trust list is empty. */
  private applyTrustOnFirstUse(): void {
    const cm = this.cm!;
    const empty = (cm as unknown as { isTrustListEmpty?: () => boolean }).isTrustListEmpty?.() ?? false;
    cm.automaticallyAcceptUnknownCertificate = this.o.security.trustOnFirstUse && empty;
  }

  async dispose(): Promise<void> {
    const cm = this.cm;
    this.cm = undefined;
    await cm?.dispose().catch(() => undefined);
  }

  /** One attempt: connect, open a session. Rejects with a TributaryError after connectTimeoutMs. */
  async connect(): Promise<OpcUaConnection> {
    await this.initPki();
    this.applyTrustOnFirstUse();
    const c = this.o.connection;
    const client = OPCUAClient.create({
      applicationName: 'Tributary OpcUaCollector',
      applicationUri: this.o.security.applicationUri,
      clientCertificateManager: this.cm!,
      securityMode: MessageSecurityMode[this.o.security.mode],
      securityPolicy: SecurityPolicy[this.o.security.policy],
      endpointMustExist: false,
      connectionStrategy: { initialDelay: Math.min(c.reconnectInitialMs, 1000), maxDelay: c.reconnectMaxMs, maxRetry: 1, randomisationFactor: 0.2 },
      requestedSessionTimeout: c.sessionTimeoutMs,
      keepSessionAlive: true,
      transportTimeout: c.connectTimeoutMs,
    });
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const attempt = (async (): Promise<ClientSession> => {
      const identity = await this.identity();
      await client.connect(this.o.endpointUrl);
      if (timedOut) throw new Error('timed out');
      return client.createSession(identity);
    })();
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        reject(new TributaryError(ConnectErrorCode.Timeout, `Connecting to ${this.o.endpointUrl} took longer than ${c.connectTimeoutMs} ms.`, { retryable: true }));
      }, c.connectTimeoutMs);
    });
    try {
      const session = await Promise.race([attempt, timeout]);
      this.applyTrustOnFirstUse();
      return {
        client,
        session,
        close: async () => {
          await withTimeout(session.close(true).catch(() => undefined), 2000);
          await withTimeout(client.disconnect().catch(() => undefined), 2000);
        },
      };
    } catch (err) {
      attempt.catch(() => undefined);
      await withTimeout(client.disconnect().catch(() => undefined), 3000);
      throw this.explain(err);
    } finally {
      clearTimeout(timer);
    }
  }

  private async identity(): Promise<UserIdentityInfo> {
    if (!this.o.credentials) return { type: UserTokenType.Anonymous };
    const { userName, password } = await this.o.credentials.get();
    return { type: UserTokenType.UserName, userName, password };
  }

  /** A TributaryError with a code and an operator's message (certificate and identity problems named). */
  private explain(err: unknown): TributaryError {
    if (err instanceof TributaryError) return err;
    const msg = errorMessage(err);
    if (/certificate/i.test(msg) && /(untrusted|verif|invalid|reject)/i.test(msg)) {
      return new TributaryError(
        ConnectErrorCode.Untrusted,
        `The server certificate of ${this.o.endpointUrl} is not trusted (${msg}). Add it to security.trustedServerCertificates, or move it from ${path.join(this.o.pkiDir, 'rejected')} to ${path.join(this.o.pkiDir, 'trusted', 'certs')}.`,
        { cause: err, retryable: true },
      );
    }
    if (/BadIdentityToken|BadUserAccessDenied|identity/i.test(msg)) {
      return new TributaryError(ConnectErrorCode.Identity, `The server refused the session identity: ${msg}`, { cause: err, retryable: true });
    }
    return new TributaryError(ConnectErrorCode.Failed, `Cannot connect to ${this.o.endpointUrl}: ${msg}`, { cause: err, retryable: true });
  }
}

async function withTimeout(p: Promise<unknown>, ms: number): Promise<void> {
  let t: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise<void>((r) => (t = setTimeout(r, ms)))]);
  clearTimeout(t);
}
