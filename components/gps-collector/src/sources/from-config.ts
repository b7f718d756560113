/** The source a configuration asks for. */
import { Backoff } from '../../../core/src';
import { DEFAULT_PORTS, type SourceConfig } from '../config';
import { gpsdSource } from './gpsd';
import { nmeaSerialSource } from './nmea-serial';
import { nmeaTcpSource } from './nmea-tcp';
import type { GpsSource } from './source';

export function sourceFromConfig(c: SourceConfig): GpsSource {
  const common = {
    backoff: new Backoff({ initialMs: c.reconnectInitialMs, maxMs: Math.max(c.reconnectMaxMs, c.reconnectInitialMs) }),
    idleTimeoutMs: c.idleTimeoutMs,
  };
  switch (c.type) {
    case 'nmea-tcp':
      return nmeaTcpSource({ host: c.host, port: c.port ?? DEFAULT_PORTS['nmea-tcp'], ...common });
    case 'gpsd':
      return gpsdSource({ host: c.host, port: c.port ?? DEFAULT_PORTS.gpsd, ...common });
    case 'nmea-serial':
      return nmeaSerialSource({ path: c.path, baudRate: c.baudRate, ...common });
  }
}
