export * from './gps-enricher';
