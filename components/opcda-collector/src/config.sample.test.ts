import * as fs from 'node:fs';
import * as path from 'node:path';
import { configDefaults, parseConfigText, validateConfig } from '../../core/src';
import { OpcDaCollectorConfigSchema, crossFieldProblems } from './config';

test('config.sample.yaml is valid and states exactly the defaults', () => {
  const file = path.join(__dirname, '..', 'config.sample.yaml');
  const sample = validateConfig(OpcDaCollectorConfigSchema, parseConfigText(fs.readFileSync(file, 'utf8'), file));
  expect(sample).toEqual(validateConfig(OpcDaCollectorConfigSchema, {}));
  expect(crossFieldProblems(sample)).toEqual([]);
  expect(configDefaults(OpcDaCollectorConfigSchema)).toMatchObject({ pollIntervalMs: 1000, backend: 'ua-wrapper' });
});

test('README names every top-level key and every uaWrapper / dcom key', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const keys = [
    ...Object.keys(OpcDaCollectorConfigSchema.properties),
    ...Object.keys(OpcDaCollectorConfigSchema.properties.uaWrapper.properties).map((k) => `uaWrapper.${k}`),
    ...Object.keys(OpcDaCollectorConfigSchema.properties.dcom.properties).map((k) => `dcom.${k}`),
    ...Object.keys(OpcDaCollectorConfigSchema.properties.stream.properties).map((k) => `stream.${k}`),
  ];
  expect(keys.filter((k) => !readme.includes(`\`${k}\``) && !readme.includes(`\`${k}.`))).toEqual([]);
});

test('config.local.yaml (the local run against the simulator) is valid', () => {
  const file = path.join(__dirname, '..', 'config.local.yaml');
  const local = validateConfig(OpcDaCollectorConfigSchema, parseConfigText(fs.readFileSync(file, 'utf8'), file));
  expect(crossFieldProblems(local)).toEqual([]);
  expect(local.uaWrapper).toMatchObject({ endpointUrl: 'opc.tcp://127.0.0.1:4840', securityMode: 'None', securityPolicy: 'None' });
});
