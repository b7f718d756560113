/**
 * Conventions every component keeps (STYLE.md): a README, a sample config and a main.ts that
 * wires; the sample config holds exactly the schema's defaults, and every top-level config key
 * is in both the sample and the README's config table.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TObject } from '@sinclair/typebox';
import * as YAML from 'yaml';
import { validateConfig } from '../../components/core/src/config';
import { GpsCollectorConfigSchema } from '../../components/gps-collector/src/config';
import { ObdCollectorConfigSchema } from '../../components/obd-collector/src/config';
import { AggregatorConfigSchema } from '../../components/aggregator/src/config';
import { PublisherConfigSchema } from '../../components/publisher/src/config';
import { OpcDaCollectorConfigSchema } from '../../components/opcda-collector/src/config';
import { OpcUaCollectorConfigSchema } from '../../components/opcua-collector/src/config';

const ROOT = path.resolve(__dirname, '..', '..');

const COMPONENTS: { dir: string; name: string; schema: TObject }[] = [
  { dir: 'gps-collector', name: 'com.tributary.GpsCollector', schema: GpsCollectorConfigSchema },
  { dir: 'obd-collector', name: 'com.tributary.ObdCollector', schema: ObdCollectorConfigSchema },
  { dir: 'aggregator', name: 'com.tributary.Aggregator', schema: AggregatorConfigSchema },
  { dir: 'publisher', name: 'com.tributary.Publisher', schema: PublisherConfigSchema },
  { dir: 'opcua-collector', name: 'com.tributary.OpcUaCollector', schema: OpcUaCollectorConfigSchema },
  { dir: 'opcda-collector', name: 'com.tributary.OpcDaCollector', schema: OpcDaCollectorConfigSchema },
];

describe.each(COMPONENTS)('$name', ({ dir, name, schema }) => {
  const folder = path.join(ROOT, 'components', dir);
  const read = (f: string): string => fs.readFileSync(path.join(folder, f), 'utf8');

  test('has a README naming it, a sample config and a main.ts', () => {
    expect(read('README.md')).toContain(name);
    expect(fs.existsSync(path.join(folder, 'config.sample.yaml'))).toBe(true);
    expect(fs.existsSync(path.join(folder, 'src', 'main.ts'))).toBe(true);
  });

  test('the sample config is valid and holds exactly the defaults', () => {
    const sample = YAML.parse(read('config.sample.yaml')) as unknown;
    expect(validateConfig(schema, sample, 'config.sample.yaml')).toEqual(validateConfig(schema, {}, 'defaults'));
  });

  test('every top-level key is in the sample config and in the README', () => {
    const sample = read('config.sample.yaml');
    const readme = read('README.md');
    for (const key of Object.keys(schema.properties)) {
      expect({ key, inSample: new RegExp(`^#?\\s*${key}:`, 'm').test(sample) }).toEqual({ key, inSample: true });
      expect({ key, inReadme: readme.includes(`\`${key}`) }).toEqual({ key, inReadme: true });
    }
  });
});
