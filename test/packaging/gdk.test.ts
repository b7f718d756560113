/**
 * gdk projects keep gdk 1.6.2's config rules (research/gdk-recipes.md §1.1): the root
 * gdk-config.json (a custom build of every component) and the generated per-component projects.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { COMPONENTS, componentVersion } from '../../local/packaging/components';
import { checkGdkConfig, componentGdkConfig, rootGdkConfig } from '../../local/packaging/gdk';
import { REPO } from '../helpers/stream-manager';

const VERSION = componentVersion(REPO);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Cfg = Record<string, any>;

test('the root gdk-config.json is valid, names one component, and builds everything with a list-form custom command', () => {
  const config = JSON.parse(fs.readFileSync(path.join(REPO, 'gdk-config.json'), 'utf8')) as unknown;
  expect(checkGdkConfig(config)).toEqual([]);
  expect(config).toEqual(rootGdkConfig(COMPONENTS[0], VERSION));
});

test('the root command runs the build script (when package.json has it), and a root recipe.yaml, if present, is that component\'s recipe', () => {
  const scripts = (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  if (scripts['build:greengrass'] !== undefined) expect(scripts['build:greengrass']).toContain('dist/local/packaging/build-greengrass.js');
  const rootRecipe = path.join(REPO, 'recipe.yaml');
  if (fs.existsSync(rootRecipe)) expect((YAML.parse(fs.readFileSync(rootRecipe, 'utf8')) as { ComponentName: string }).ComponentName).toBe(COMPONENTS[0].name);
});

test.each(COMPONENTS.map((c) => [c.name, c] as const))('the generated gdk project of %s is valid', (_name, spec) => {
  const config = componentGdkConfig(spec, VERSION, '../../../dist/local/packaging/build-greengrass.js');
  expect(checkGdkConfig(config)).toEqual([]);
  expect(config.component[spec.name].build.custom_build_command).toEqual([
    'node',
    '../../../dist/local/packaging/build-greengrass.js',
    '--component',
    spec.name,
    '--gdk-project',
    '.',
  ]);
});

describe('checkGdkConfig (gdk 1.6.2 config_schema.json)', () => {
  const good = (): Cfg => JSON.parse(JSON.stringify(rootGdkConfig(COMPONENTS[0], VERSION))) as Cfg;
  const c = (cfg: Cfg): Cfg => cfg.component[COMPONENTS[0].name] as Cfg;

  test.each([
    ['two components', (cfg: Cfg) => (cfg.component['com.example.Two'] = c(cfg)), '/component: must name exactly one component (gdk supports one per project); has 2'],
    ['no gdk_version', (cfg: Cfg) => delete cfg.gdk_version, '/gdk_version: missing or not a semantic version'],
    ['no author', (cfg: Cfg) => delete c(cfg).author, '/component/com.tributary.ObdCollector/author: missing or not a string'],
    ['a bad version', (cfg: Cfg) => (c(cfg).version = 'latest'), '/component/com.tributary.ObdCollector/version: must be a semantic version or NEXT_PATCH'],
    ['an unknown build system', (cfg: Cfg) => (c(cfg).build.build_system = 'make'), '/component/com.tributary.ObdCollector/build/build_system: must be one of zip, maven, gradle, gradlew, custom'],
    ['a custom build without command', (cfg: Cfg) => delete c(cfg).build.custom_build_command, '/component/com.tributary.ObdCollector/build/custom_build_command: required for a custom build'],
    [
      'a string command with arguments',
      (cfg: Cfg) => (c(cfg).build.custom_build_command = 'npm run build:greengrass'),
      '/component/com.tributary.ObdCollector/build/custom_build_command: a string command with arguments fails (gdk runs it without a shell); use the list form',
    ],
    ['empty excludes', (cfg: Cfg) => (c(cfg).build.options = { excludes: [] }), '/component/com.tributary.ObdCollector/build/options/excludes: must be a non-empty list of glob patterns'],
    ['no publish bucket', (cfg: Cfg) => delete c(cfg).publish.bucket, '/component/com.tributary.ObdCollector/publish/bucket: missing or not a string'],
  ])('reports %s', (_what, mutate, problem) => {
    const cfg = good();
    mutate(cfg);
    expect(checkGdkConfig(cfg)).toContain(problem);
  });

  test('accepts NEXT_PATCH, a single-path string command and zip options', () => {
    const cfg = good();
    c(cfg).version = 'NEXT_PATCH';
    c(cfg).build = { build_system: 'zip', options: { excludes: ['**/test*'], zip_name: '' } };
    expect(checkGdkConfig(cfg)).toEqual([]);
    c(cfg).build = { build_system: 'custom', custom_build_command: './build.sh' };
    expect(checkGdkConfig(cfg)).toEqual([]);
  });
});
