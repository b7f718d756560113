/**
 * @tributary/core: what every Tributary component shares. Import from here; the files
 * behind it each have one job (see components/core/README.md).
 */
export * from './backoff';
export * from './checkpoint';
export * from './clock';
export * from './config';
export * from './envelope';
export * from './errors';
export * from './health';
export * from './lifecycle';
export * from './logger';
export * from './outbound';
export * from './sample-sink';
export * from './stream-client';
export * from './serial';
