export * from './window-aggregator';
export * from './window-stats';
export * from './summary-samples';
