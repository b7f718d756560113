/**
 * serialport's stream has no `_destroy`: `destroy()` (what every reconnect loop calls on a
 * broken or silent connection) emits 'close' but leaves the device open and locked, so every
 * later open of the same path fails with "Cannot lock port" until the process restarts.
 * `closeOnDestroy` makes `destroy()` close the device first.
 */
import type { Duplex } from 'node:stream';
import { SerialPort } from 'serialport';

/** The part of a serialport `SerialPort` (or `SerialPortMock`) this needs. */
export interface ClosablePort extends Duplex {
  readonly isOpen: boolean;
  close(callback?: (err?: Error | null) => void): void;
}

export function closeOnDestroy<P extends ClosablePort>(port: P): P {
  const base = port._destroy.bind(port);
  port._destroy = (err: Error | null, callback: (error?: Error | null) => void): void => {
    if (!port.isOpen) {
      base(err, callback);
      return;
    }
    port.close(() => base(err, callback));
  };
  return port;
}

/** Makes a port closed (autoOpen false): serialport's `SerialPort`, or `SerialPortMock` in tests. */
export type SerialPortFactory = (opts: { path: string; baudRate: number; autoOpen: false }) => ClosablePort & {
  open(cb: (err: Error | null) => void): void;
};

export const realSerialPort: SerialPortFactory = (opts) => new SerialPort(opts);

/**
 * Opens a serial device (USB, Bluetooth rfcomm, a pty); rejects when it cannot. Errors after
 * the open surface through the stream's 'close'; `destroy()` releases the device.
 */
export function openSerialPort(opts: { path: string; baudRate: number }, factory: SerialPortFactory = realSerialPort): Promise<ClosablePort> {
  return new Promise((resolve, reject) => {
    let port: ReturnType<SerialPortFactory>;
    try {
      port = factory({ path: opts.path, baudRate: opts.baudRate, autoOpen: false });
    } catch (err) {
      reject(err);
      return;
    }
    port.on('error', () => undefined);
    port.open((err) => {
      if (err) {
        port.destroy();
        reject(err);
      } else resolve(closeOnDestroy(port));
    });
  });
}
