/** The local AWS IoT SiteWise service: see local/sitewise/README.md. */
export { LocalSiteWise, type LocalSiteWiseOptions, type SiteWiseStats, type SiteWiseLogger } from './server';
export { SiteWiseFaults, type RequestFault } from './faults';
export { siteWiseClient, type SiteWiseClientOptions } from './client';
export { runSiteWise, parseSiteWiseArgs, DEFAULT_SITEWISE_PORT, type SiteWiseArgs } from './main';
export type { EntryErrorCode } from './values';
export { provisionAsset, localWaiter, type ProvisionProperty, type ProvisionedAsset } from './provision';
