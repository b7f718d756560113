export * from './route';
export * from './sentences';
export * from './simulator';
