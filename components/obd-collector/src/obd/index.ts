export * from './pids';
export * from './dtc';
export * from './vin';
