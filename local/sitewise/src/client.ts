/**
 * An IoTSiteWiseClient configured for the local SiteWise: the endpoint, `disableHostPrefix`
 * (without it the SDK sends control-plane calls to `api.<host>` and data-plane calls to
 * `data.<host>`, which do not resolve for 127.0.0.1), dummy credentials and us-east-1.
 */
import { IoTSiteWiseClient, type IoTSiteWiseClientConfig } from '@aws-sdk/client-iotsitewise';

export interface SiteWiseClientOptions {
  /** SDK attempts per call (1 = no SDK retries). Default 3, as the SDK. */
  maxAttempts?: number;
  /** Anything else to pass to the client (overrides the defaults above). */
  config?: IoTSiteWiseClientConfig;
}

export function siteWiseClient(endpoint: string, options: SiteWiseClientOptions = {}): IoTSiteWiseClient {
  return new IoTSiteWiseClient({
    endpoint,
    region: 'us-east-1',
    disableHostPrefix: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: options.maxAttempts ?? 3,
    ...options.config,
  });
}
