import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkConfig, configDefaults, parseConfigText, validateConfig } from '../../core/src';
import { OpcUaCollectorConfigSchema, semanticProblems } from './config';

describe('OpcUaCollector config', () => {
  test('defaults: SignAndEncrypt + Basic256Sha256, anonymous, everything under Objects, tributary.opcua.raw', () => {
    const c = validateConfig(OpcUaCollectorConfigSchema, {});
    expect(c).toMatchObject({
      endpointUrl: 'opc.tcp://127.0.0.1:4840',
      security: { mode: 'SignAndEncrypt', policy: 'Basic256Sha256', pkiDir: 'pki', trustedServerCertificates: [], trustOnFirstUse: false },
      identity: { type: 'anonymous' },
      nodeFilters: ['/**'],
      defaultGroup: { scanMode: 'subscription', samplingIntervalMs: 1000, publishingIntervalMs: 1000, queueSize: 10 },
      stream: { name: 'tributary.opcua.raw', persistence: 'File', strategyOnFull: 'OverwriteOldestData' },
    });
    expect(semanticProblems(c)).toEqual([]);
  });

  test('config.sample.yaml is valid and states exactly the defaults', () => {
    const file = path.join(__dirname, '..', 'config.sample.yaml');
    const sample = validateConfig(OpcUaCollectorConfigSchema, parseConfigText(fs.readFileSync(file, 'utf8'), file));
    expect(sample).toEqual(validateConfig(OpcUaCollectorConfigSchema, {}));
    expect(configDefaults(OpcUaCollectorConfigSchema)).toMatchObject({ maxBatchDelayMs: 200 });
  });

  test('property groups get their defaults; numbers as strings', () => {
    const c = validateConfig(OpcUaCollectorConfigSchema, { propertyGroups: [{ name: 'g', match: ['/a/**'], queueSize: '50', deadband: { type: 'absolute', value: '0.5' } }] });
    expect(c.propertyGroups[0]).toMatchObject({ name: 'g', scanMode: 'subscription', queueSize: 50, pollIntervalMs: 1000, deadband: { type: 'absolute', value: 0.5, timeoutMs: 0 } });
  });

  test('every schema problem is reported', () => {
    const r = checkConfig(OpcUaCollectorConfigSchema, {
      endpointUrl: 'http://plc',
      security: { mode: 'Encrypt' },
      defaultGroup: { queueSize: 0 },
      propertyGroups: [{ name: 'x' }],
      stream: { name: 'Bad Name' },
      extra: 1,
    });
    expect(r.ok).toBe(false);
    const paths = r.ok ? [] : r.problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['/endpointUrl', '/security/mode', '/defaultGroup/queueSize', '/propertyGroups/0/match', '/stream/name']));
  });

  test('every cross-field and syntax problem is reported, each with its path', () => {
    const c = validateConfig(OpcUaCollectorConfigSchema, {
      security: { mode: 'None' },
      identity: { type: 'username' },
      connection: { reconnectInitialMs: 5000, reconnectMaxMs: 1000 },
      nodeFilters: ['Site1/**', '/a//b', '/a/b**'],
      nodeIds: ['ns=1;s=ok', 'not-a-node-id'],
      defaultGroup: { deadband: { type: 'percent', value: 150, timeoutMs: 50 } },
      propertyGroups: [
        { name: 'g', match: ['/ok/**', 'ns=x'], deadband: { type: 'absolute', value: 1, eguMin: 0, eguMax: 10 } },
        { name: 'g', match: ['/x'], deadband: { type: 'percent', value: 1, eguMin: 10, eguMax: 5 } },
      ],
    });
    const problems = semanticProblems(c).map((p) => `${p.path}: ${p.reason}`);
    for (const path of [
      '/security:',
      '/identity:',
      '/connection/reconnectMaxMs:',
      '/nodeFilters/0:',
      '/nodeFilters/1:',
      '/nodeFilters/2:',
      '/nodeIds/1: "not-a-node-id"',
      '/defaultGroup/deadband/value:',
      '/defaultGroup/deadband/timeoutMs:',
      '/propertyGroups/0/match/1:',
      '/propertyGroups/0/deadband:',
      '/propertyGroups/1/name: duplicate',
      '/propertyGroups/1/deadband/eguMax:',
    ]) {
      expect(problems.some((p) => p.startsWith(path))).toBe(true);
    }
    expect(problems).toHaveLength(13);
  });
});
