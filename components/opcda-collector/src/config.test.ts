import { checkConfig, validateConfig } from '../../core/src';
import { OpcDaCollectorConfigSchema, crossFieldProblems } from './config';

describe('OpcDaCollector config', () => {
  test('defaults: the ua-wrapper backend, secure by default, every item', () => {
    const c = validateConfig(OpcDaCollectorConfigSchema, {});
    expect(c).toMatchObject({
      backend: 'ua-wrapper',
      tags: ['**'],
      pollIntervalMs: 1000,
      pollsPerWrite: 1,
      uaWrapper: { endpointUrl: 'opc.tcp://127.0.0.1:4840', securityMode: 'SignAndEncrypt', securityPolicy: 'Basic256Sha256', trustUnknownServerCertificate: false },
      stream: { name: 'tributary.opcda.raw', persistence: 'File', strategyOnFull: 'OverwriteOldestData' },
    });
    expect(crossFieldProblems(c)).toEqual([]);
  });

  test('numbers as strings (Greengrass configuration) are converted', () => {
    const c = validateConfig(OpcDaCollectorConfigSchema, { pollIntervalMs: '2500', pollsPerWrite: '5' });
    expect(c.pollIntervalMs).toBe(2500);
    expect(c.pollsPerWrite).toBe(5);
  });

  test('every schema problem is reported at once, with its path', () => {
    const r = checkConfig(OpcDaCollectorConfigSchema, {
      site: 'Site 1',
      machine: 'x'.repeat(31),
      backend: 'opc',
      tags: [],
      pollIntervalMs: 100,
      pollsPerWrite: 31,
      uaWrapper: { endpointUrl: 'http://x', securityMode: 'Encrypt', nodeIdTemplate: 'ns=1;s=DA:' },
      stream: { name: 'Bad Name' },
      extra: 1,
    });
    expect(r.ok).toBe(false);
    const paths = r.ok ? [] : r.problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/site',
        '/machine',
        '/backend',
        '/tags',
        '/pollIntervalMs',
        '/pollsPerWrite',
        '/uaWrapper/endpointUrl',
        '/uaWrapper/securityMode',
        '/uaWrapper/nodeIdTemplate',
        '/stream/name',
      ]),
    );
  });

  test('cross-field problems: dcom needs an account and a CLSID; mode and policy agree; patterns are sane', () => {
    const dcom = validateConfig(OpcDaCollectorConfigSchema, { backend: 'dcom', tags: ['Random.***', 'Random.Real8'], reconnectInitialMs: 5000, reconnectMaxMs: 1000 });
    expect(crossFieldProblems(dcom).map((p) => p.path)).toEqual(['/tags/0', '/reconnectMaxMs', '/dcom/userName', '/dcom/clsid']);
    const ok = validateConfig(OpcDaCollectorConfigSchema, { backend: 'dcom', dcom: { userName: 'opc', clsid: '{F8582CF2-88FB-11D0-B850-00C0F0104305}' } });
    expect(crossFieldProblems(ok)).toEqual([]);
    const mixed = validateConfig(OpcDaCollectorConfigSchema, { uaWrapper: { securityMode: 'None' } });
    expect(crossFieldProblems(mixed)).toEqual([{ path: '/uaWrapper/securityPolicy', reason: 'securityMode None needs securityPolicy None' }]);
    const local = validateConfig(OpcDaCollectorConfigSchema, { uaWrapper: { securityMode: 'None', securityPolicy: 'None', password: 'x', nodeIdTemplate: '{itemId}/{itemId}' } });
    expect(crossFieldProblems(local).map((p) => p.path)).toEqual(['/uaWrapper/userName', '/uaWrapper/nodeIdTemplate']);
  });
});
