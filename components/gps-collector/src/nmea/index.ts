export * from './sentences';
export * from './fix';
export * from './reader';
