/**
 * @peculiar/x509 (through tsyringe) needs a Reflect metadata polyfill loaded first. Its own
 * dependency `@abraham/reflection` is not installed here; `reflect-metadata` is (through
 * node-opcua). Both provide the same API; whichever is present is loaded.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
if (typeof (Reflect as unknown as { getMetadata?: unknown }).getMetadata !== 'function') {
  try {
    require('@abraham/reflection');
  } catch {
    require('reflect-metadata');
  }
}
export {};
