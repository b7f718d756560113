export * from './source';
export * from './nmea-tcp';
export * from './nmea-serial';
export * from './gpsd';
export * from './from-config';
