/**
 * The backend a configuration asks for. Each backend module is required only when chosen, so
 * the component starts with the ua-wrapper backend even where node-opc-da (dcom) cannot load,
 * and node-opcua is not loaded for dcom.
 */
import * as path from 'node:path';
import type { DaBackend } from '../backend';
import type { OpcDaCollectorConfig } from '../config';

export function backendFromConfig(c: OpcDaCollectorConfig, cwd = process.cwd()): DaBackend {
  if (c.backend === 'dcom') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { DcomBackend } = require('./dcom') as typeof import('./dcom');
    return new DcomBackend({ ...c.dcom, updateRateMs: c.pollIntervalMs });
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { UaWrapperBackend } = require('./ua-wrapper') as typeof import('./ua-wrapper');
  const u = c.uaWrapper;
  return new UaWrapperBackend({ ...u, pkiDir: path.resolve(cwd, u.pkiDir) });
}
