import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkConfig, configDefaults, parseConfigText, validateConfig } from '../../core/src';
import { DRIVING_SET, ObdCollectorConfigSchema, resolvePids } from './config';

describe('ObdCollector configuration', () => {
  test('defaults: TCP adapter on 35000, automatic protocol, the 15-PID driving set at 500 ms', () => {
    const c = validateConfig(ObdCollectorConfigSchema, {});
    expect(c.adapter).toMatchObject({ type: 'tcp', port: 35000, baudRate: 38400 });
    expect(c.protocol).toBe('0');
    expect(c.deviceId).toBeUndefined();
    expect(c.pids).toHaveLength(15);
    expect(c.pids.every((p) => p.intervalMs === 500)).toBe(true);
    expect(c).toMatchObject({ multiPid: true, maxPidsPerRequest: 6, dtcIntervalMs: 60000, ignitionOffPollMs: 5000 });
    expect(c.stream).toMatchObject({ name: 'tributary.obd.raw', strategyOnFull: 'OverwriteOldestData' });
    expect(c.eventStream.name).toBe('tributary.obd.events');
    const { plans, problems } = resolvePids(c.pids);
    expect(problems).toEqual([]);
    expect(plans.map((p) => p.name)).toEqual([
      'rpm',
      'speed',
      'engine_load',
      'coolant_temp',
      'intake_temp',
      'maf',
      'throttle_pos',
      'fuel_level',
      'absolute_load',
      'timing_advance',
      'ambient_air_temp',
      'oil_temp',
      'fuel_rate',
      'control_module_voltage',
      'barometric_pressure',
    ]);
    expect(DRIVING_SET).toHaveLength(15);
  });

  test('PIDs by number or name; every problem reported with its path', () => {
    const { plans, problems } = resolvePids([
      { pid: '0x0C', intervalMs: 500 },
      { name: 'oil_temp', intervalMs: 5000 },
      { name: 'warp_factor', intervalMs: 500 },
      { pid: 'FF', intervalMs: 500 },
      { name: 'rpm', intervalMs: 1000 },
      { pid: '20', intervalMs: 500 },
      { intervalMs: 500 },
    ]);
    expect(plans).toEqual([
      { pid: 0x0c, name: 'rpm', unit: 'rpm', intervalMs: 500 },
      { pid: 0x5c, name: 'oil_temp', unit: '°C', intervalMs: 5000 },
    ]);
    expect(problems.map((p) => p.path)).toEqual(['/pids/2/name', '/pids/3/pid', '/pids/4', '/pids/5', '/pids/6']);
  });

  test('invalid values are all reported at once', () => {
    const r = checkConfig(ObdCollectorConfigSchema, { adapter: { type: 'bluetooth', port: 0 }, maxPidsPerRequest: 7, protocol: 'Z' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.map((p) => p.path).sort()).toEqual(['/adapter/port', '/adapter/type', '/maxPidsPerRequest', '/protocol']);
  });

  test('config.sample.yaml is valid and states exactly the defaults', () => {
    const file = path.join(__dirname, '..', 'config.sample.yaml');
    const sample = validateConfig(ObdCollectorConfigSchema, parseConfigText(fs.readFileSync(file, 'utf8'), file));
    expect(sample).toEqual(validateConfig(ObdCollectorConfigSchema, {}));
    expect(configDefaults(ObdCollectorConfigSchema)).toMatchObject({ dtcIntervalMs: 60000 });
  });
});
