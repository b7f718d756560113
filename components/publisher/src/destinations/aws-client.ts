/**
 * What every AWS SDK client of a destination shares: endpoint override, region, credentials
 * (static for local runs, else the default chain, which under Greengrass reads the
 * TokenExchangeService container credentials), an HTTP/1.1 handler with timeouts (kinesalite
 * and the local SiteWise speak HTTP/1.1 only) and few SDK attempts (the engine retries).
 */
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface StaticCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface AwsClientOptions {
  readonly region: string;
  /** e.g. `http://127.0.0.1:4567`; omitted in production. */
  readonly endpoint?: string;
  /** Static credentials (local runs); omitted = default provider chain. */
  readonly credentials?: StaticCredentials;
  /** Socket connect timeout. Default 5000 ms. */
  readonly connectTimeoutMs?: number;
  /** Whole-request timeout. Default 15000 ms. */
  readonly requestTimeoutMs?: number;
  /** SDK attempts per call (the engine retries on top). Default 2. */
  readonly sdkMaxAttempts?: number;
}

export function awsClientConfig(o: AwsClientOptions): {
  region: string;
  endpoint?: string;
  credentials?: StaticCredentials;
  requestHandler: NodeHttpHandler;
  maxAttempts: number;
} {
  return {
    region: o.region,
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(o.credentials ? { credentials: { ...o.credentials } } : {}),
    requestHandler: new NodeHttpHandler({
      connectionTimeout: o.connectTimeoutMs ?? 5000,
      requestTimeout: o.requestTimeoutMs ?? 15000,
    }),
    maxAttempts: o.sdkMaxAttempts ?? 2,
  };
}
