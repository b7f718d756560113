import * as fs from 'node:fs';
import * as path from 'node:path';
import { configDefaults, parseConfigText, validateConfig } from '../../core/src';
import { GpsCollectorConfigSchema } from './config';

test('config.sample.yaml is valid and states exactly the defaults', () => {
  const file = path.join(__dirname, '..', 'config.sample.yaml');
  const sample = validateConfig(GpsCollectorConfigSchema, parseConfigText(fs.readFileSync(file, 'utf8'), file));
  expect(sample).toEqual(validateConfig(GpsCollectorConfigSchema, {}));
  expect(configDefaults(GpsCollectorConfigSchema)).toMatchObject({ rateHz: 1 });
});
