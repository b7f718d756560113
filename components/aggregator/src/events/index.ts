export * from './event-detector';
export * from './standard-events';
