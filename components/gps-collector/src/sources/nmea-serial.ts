/** NMEA 0183 over a serial port (USB receiver, UART, a pty) through `serialport`. */
import type { Duplex } from 'node:stream';
import { SerialPort } from 'serialport';
import { LineSource, type LineSourceOptions } from './source';
import { closeOnDestroy, type ClosablePort } from '../../../core/src/serial';

export interface SerialOptions {
  path: string;
  baudRate: number;
}

/** What we need from a serial port class (SerialPort, or SerialPortMock in tests). */
export type SerialPortFactory = (opts: { path: string; baudRate: number; autoOpen: false }) => ClosablePort & {
  open(cb: (err: Error | null) => void): void;
};

const realPort: SerialPortFactory = (opts) => new SerialPort(opts);

export function openSerial(opts: SerialOptions, factory: SerialPortFactory = realPort): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    let port: ReturnType<SerialPortFactory>;
    try {
      port = factory({ path: opts.path, baudRate: opts.baudRate, autoOpen: false });
    } catch (err) {
      reject(err);
      return;
    }
    port.open((err) => {
      if (err) {
        port.destroy();
        reject(err);
      } else resolve(closeOnDestroy(port)); // destroy() on reconnect must release the device
    });
  });
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
