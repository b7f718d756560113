/**
 * serialport's stream has no `_destroy`: `destroy()` (what every reconnect loop calls on a
 * broken or silent connection) emits 'close' but leaves the device open and locked, so every
 * later open of the same path fails with "Cannot lock port" until the process restarts.
 * `closeOnDestroy` makes `destroy()` close the device first.
 */
import type { Duplex } from 'node:stream';

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
