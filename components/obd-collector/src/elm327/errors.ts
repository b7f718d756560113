/**
 * Stable error codes of the ELM327 layer. Adapter conditions (what the ELM prints instead of data)
 * and session failures (timeouts, closed transport) share one namespace: `elm327_*`.
 */
import { TributaryError, type TributaryErrorOptions } from '../../../core/src/errors';

export const Elm327ErrorCode = {
  /** `NO DATA`: the request went out, nothing answered (unsupported PID, ignition off, wrong protocol). */
  NoData: 'elm327_no_data',
  /** `UNABLE TO CONNECT`: no protocol found / no vehicle answering. */
  UnableToConnect: 'elm327_unable_to_connect',
  /** `STOPPED`: the adapter was interrupted (a byte arrived before the prompt). */
  Stopped: 'elm327_stopped',
  /** `?`: the adapter did not understand the command. */
  UnknownCommand: 'elm327_unknown_command',
  /** `CAN ERROR`. */
  CanError: 'elm327_can_error',
  /** `BUS INIT: ...ERROR` / `BUS INIT: ERROR`. */
  BusInitError: 'elm327_bus_init_error',
  /** `BUFFER FULL`. */
  BufferFull: 'elm327_buffer_full',
  /** `BUS BUSY`. */
  BusBusy: 'elm327_bus_busy',
  /** `BUS ERROR`. */
  BusError: 'elm327_bus_error',
  /** `FB ERROR` (feedback error). */
  FbError: 'elm327_fb_error',
  /** `DATA ERROR` / `<DATA ERROR`. */
  DataError: 'elm327_data_error',
  /** `<RX ERROR`. */
  RxError: 'elm327_rx_error',
  /** `ERRxx` internal errors (ERR94 = fatal CAN error); `details.err` carries the number. */
  InternalError: 'elm327_internal_error',
  /** `ACT ALERT`, `LP ALERT`, `LV RESET`: the adapter went idle / low power / reset. */
  Alert: 'elm327_alert',
  /** The reply could not be understood (garbage, broken ISO-TP sequence, nothing usable). */
  Unparseable: 'elm327_unparseable',
  /** An answer arrived but is not the one asked for (wrong mode, negative response 7F). */
  UnexpectedReply: 'elm327_unexpected_reply',
  /** No prompt within the per-command timeout. */
  Timeout: 'elm327_timeout',
  /** The transport closed, or the session was closed. */
  Closed: 'elm327_closed',
} as const;
export type Elm327ErrorCode = (typeof Elm327ErrorCode)[keyof typeof Elm327ErrorCode];

/** Retryable by nature: the bus or adapter may answer next time. */
const RETRYABLE = new Set<string>([
  Elm327ErrorCode.NoData,
  Elm327ErrorCode.UnableToConnect,
  Elm327ErrorCode.Stopped,
  Elm327ErrorCode.CanError,
  Elm327ErrorCode.BusInitError,
  Elm327ErrorCode.BufferFull,
  Elm327ErrorCode.BusBusy,
  Elm327ErrorCode.BusError,
  Elm327ErrorCode.FbError,
  Elm327ErrorCode.DataError,
  Elm327ErrorCode.RxError,
  Elm327ErrorCode.Alert,
  Elm327ErrorCode.Unparseable,
  Elm327ErrorCode.Timeout,
  Elm327ErrorCode.Closed,
]);

export class Elm327Error extends TributaryError {
  constructor(code: Elm327ErrorCode, message: string, options: TributaryErrorOptions = {}) {
    super(code, message, { retryable: RETRYABLE.has(code), ...options });
  }
}
