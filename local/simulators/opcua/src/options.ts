/** Command-line options of the OPC UA plant simulator (`tributary sim opcua`). */
import { DEFAULT_OPCUA_PORT } from './plant';
import type { PlantServerOptions } from './plant-server';

export class OpcUaSimulatorUsageError extends Error {}

export function optionsFromArgv(argv: readonly string[]): PlantServerOptions {
  const known = new Set(['--port', '--host', '--tags', '--rate', '--security', '--pki', '--users', '--max-monitored-items-per-call', '--no-da']);
  for (const a of argv) if (a.startsWith('--') && !known.has(a)) throw new OpcUaSimulatorUsageError(`unknown option ${a}`);
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new OpcUaSimulatorUsageError(`${name} needs a value`);
    return v;
  };
  const number = (name: string, fallback: number, integer: boolean): number => {
    const v = value(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) throw new OpcUaSimulatorUsageError(`${name} must be a non-negative ${integer ? 'integer' : 'number'}, got ${v}`);
    return n;
  };
  const security = value('--security') ?? 'both';
  if (security !== 'none' && security !== 'secure' && security !== 'both') throw new OpcUaSimulatorUsageError(`--security must be none, secure or both, got ${security}`);
  const opts: PlantServerOptions = {
    port: number('--port', DEFAULT_OPCUA_PORT, true),
    host: value('--host') ?? '127.0.0.1',
    tags: number('--tags', 60, true),
    rateHz: number('--rate', 1, false) || 1,
    security,
    daItems: !argv.includes('--no-da'),
  };
  const pki = value('--pki');
  if (pki) opts.pkiDir = pki;
  const users = value('--users');
  if (users) {
    opts.users = users.split(',').map((u) => {
      const i = u.indexOf(':');
      if (i <= 0) throw new OpcUaSimulatorUsageError(`--users wants name:password,…, got ${u}`);
      return { userName: u.slice(0, i), password: u.slice(i + 1) };
    });
  }
  const limit = number('--max-monitored-items-per-call', 0, true);
  if (limit > 0) opts.maxMonitoredItemsPerCall = limit;
  return opts;
}
