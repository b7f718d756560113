export * from './tag-pattern';
export * from './filter-chain';
