export * from './errors';
export * from './reply';
export * from './answers';
export * from './session';
