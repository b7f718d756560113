/** NMEA 0183 over a serial port (USB receiver, UART, a pty) through `serialport`. */
import type { Duplex } from 'node:stream';
import { LineSource, type LineSourceOptions } from './source';
import { openSerialPort, type SerialPortFactory as CoreSerialPortFactory } from '../../../core/src/serial';

export interface SerialOptions {
  path: string;
  baudRate: number;
}

/** What we need from a serial port class (SerialPort, or SerialPortMock in tests). */
export type SerialPortFactory = CoreSerialPortFactory;

export function openSerial(opts: SerialOptions, factory?: SerialPortFactory): Promise<Duplex> {
  return openSerialPort(opts, factory);
}

export function nmeaSerialSource(
  opts: SerialOptions & { portFactory?: SerialPortFactory } & Partial<Omit<LineSourceOptions, 'open' | 'toRecord'>>,
): LineSource {
  return new LineSource({
    description: `nmea-serial ${opts.path}@${opts.baudRate}`,
    ...opts,
    open: () => openSerial(opts, opts.portFactory),
    toRecord: (line) => ({ kind: 'nmea', line }),
  });
}
