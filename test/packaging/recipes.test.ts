/**
 * The checked-in recipes (recipes/com.tributary.<Name>.yaml) equal the generator's output, their
 * DefaultConfiguration is the schema's defaults, and every recipe keeps gdk's recipe schema rules
 * and the least-privilege choices of the registry.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Type } from '@sinclair/typebox';
import * as YAML from 'yaml';
import { validateConfig } from '../../components/core/src/config';
import { checkedInRecipeText } from '../../local/packaging/build-greengrass';
import {
  COMPONENTS,
  OPCUA_SECRET_ARN_PLACEHOLDER,
  componentVersion,
  loadSchema,
  presentComponents,
  shortName,
} from '../../local/packaging/components';
import { ENTRY_FILE, STREAM_MANAGER_PORT_VARIABLE, buildRecipe, recipeFileName } from '../../local/packaging/recipe';
import { MAX_RECIPE_BYTES, checkRecipe } from '../../local/packaging/recipe-rules';
import { REPO } from '../helpers/stream-manager';

const VERSION = componentVersion(REPO);
const present = presentComponents(REPO);
type Recipe = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

test('the registry holds the six components, named com.tributary.<PascalCase of the folder>', () => {
  expect(COMPONENTS.map(shortName)).toEqual(['ObdCollector', 'GpsCollector', 'OpcUaCollector', 'OpcDaCollector', 'Aggregator', 'Publisher']);
  for (const c of COMPONENTS) {
    expect(c.schemaExport).toBe(`${shortName(c)}ConfigSchema`);
    expect(c.dir.replace('opcua', 'opc-ua').replace('opcda', 'opc-da')).toBe(shortName(c).replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase());
  }
  expect(present.map((c) => c.dir)).toEqual(expect.arrayContaining(['obd-collector', 'gps-collector']));
});

test('recipes/ holds a recipe for every component with a src/main.ts, and nothing else (add one: npm run build:greengrass -- --write-recipes)', () => {
  const files = fs.readdirSync(path.join(REPO, 'recipes')).filter((f) => /\.(ya?ml|json)$/.test(f));
  expect(files.sort()).toEqual(present.map(recipeFileName).sort());
});

describe.each(present.map((c) => ({ ...c, label: c.name })))('$label', (spec) => {
  const file = path.join(REPO, 'recipes', recipeFileName(spec));
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const recipe = YAML.parse(text) as Recipe;

  test('the checked-in recipe equals the generator output (regenerate: npm run build:greengrass -- --write-recipes)', () => {
    expect(fs.existsSync(file)).toBe(true);
    expect(text).toBe(checkedInRecipeText(spec, VERSION));
  });

  test('reads the same in YAML 1.1 (gdk\'s PyYAML, the nucleus): 2020-01-25 stays a string', () => {
    expect(YAML.parse(text, { version: '1.1' })).toEqual(recipe);
    expect(recipe.RecipeFormatVersion).toBe('2020-01-25');
  });

  test('keeps the recipe schema rules and the 16,000-byte limit', () => {
    expect(checkRecipe(recipe, text)).toEqual([]);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_RECIPE_BYTES);
  });

  test('DefaultConfiguration (without accessControl) is valid and holds exactly the schema defaults', () => {
    const schema = loadSchema(spec);
    const { accessControl, ...config } = recipe.ComponentConfiguration.DefaultConfiguration as Record<string, unknown>;
    expect(accessControl).toEqual(spec.accessControl);
    expect(validateConfig(schema, config, file)).toEqual(validateConfig(schema, { ...spec.defaultOverrides }, 'defaults'));
  });

  test('runs the bundled entry with the stream manager port, on Linux x86_64 and aarch64, unprivileged', () => {
    expect(recipe.ComponentVersion).toBe(VERSION);
    expect(recipe.ComponentDependencies['aws.greengrass.StreamManager']).toEqual({ VersionRequirement: '^2.0.0', DependencyType: 'HARD' });
    expect(recipe.Manifests.map((m: Recipe) => m.Platform)).toEqual([
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'aarch64' },
    ]);
    for (const m of recipe.Manifests as Recipe[]) {
      expect(m.Lifecycle.Setenv.STREAM_MANAGER_SERVER_PORT).toBe(STREAM_MANAGER_PORT_VARIABLE);
      expect(m.Lifecycle.Run).toEqual({ Script: `exec node {artifacts:decompressedPath}/${spec.name}/${ENTRY_FILE}`, RequiresPrivilege: false });
      expect(m.Artifacts).toEqual([
        { URI: `s3://BUCKET_NAME/COMPONENT_NAME/COMPONENT_VERSION/${spec.name}.zip`, Unarchive: 'ZIP', Permission: { Read: 'OWNER', Execute: 'NONE' } },
      ]);
    }
  });
});

describe('least privilege and dependencies (every registered component, landed or not)', () => {
  const recipeOf = (name: string): Recipe => buildRecipe(COMPONENTS.find((c) => c.name === name)!, Type.Object({}), { version: VERSION });

  test('only the Publisher publishes to IoT Core, only under tributary/, and it alone gets AWS credentials', () => {
    const pub = recipeOf('com.tributary.Publisher');
    expect(pub.ComponentConfiguration.DefaultConfiguration.accessControl).toEqual({
      'aws.greengrass.ipc.mqttproxy': {
        'com.tributary.Publisher:mqttproxy:1': expect.objectContaining({ operations: ['aws.greengrass#PublishToIoTCore'], resources: ['tributary/*'] }),
      },
    });
    for (const c of COMPONENTS) {
      const r = recipeOf(c.name);
      expect({ c: c.name, tes: 'aws.greengrass.TokenExchangeService' in r.ComponentDependencies }).toEqual({ c: c.name, tes: c.name === 'com.tributary.Publisher' });
    }
  });

  test('the OPC UA collector reads one secret through SecretManager, nothing else', () => {
    const r = recipeOf('com.tributary.OpcUaCollector');
    expect(r.ComponentDependencies['aws.greengrass.SecretManager']).toEqual({ VersionRequirement: '^2.0.0', DependencyType: 'HARD' });
    expect(r.ComponentConfiguration.DefaultConfiguration.accessControl).toEqual({
      'aws.greengrass.SecretManager': {
        'com.tributary.OpcUaCollector:secrets:1': expect.objectContaining({ operations: ['aws.greengrass#GetSecretValue'], resources: [OPCUA_SECRET_ARN_PLACEHOLDER] }),
      },
    });
  });

  test('no other component has accessControl; the OPC DA collector runs with the OpenSSL legacy provider', () => {
    for (const c of COMPONENTS) {
      const r = recipeOf(c.name);
      const hasAcl = 'accessControl' in r.ComponentConfiguration.DefaultConfiguration;
      expect({ c: c.name, hasAcl }).toEqual({ c: c.name, hasAcl: ['com.tributary.Publisher', 'com.tributary.OpcUaCollector'].includes(c.name) });
      expect(checkRecipe(r)).toEqual([]);
    }
    expect(recipeOf('com.tributary.OpcDaCollector').Manifests[0].Lifecycle.Setenv.NODE_OPTIONS).toBe('--openssl-legacy-provider');
  });
});

describe('checkRecipe (gdk 1.6.2 recipe schema rules)', () => {
  const good = (): Recipe => ({
    RecipeFormatVersion: '2020-01-25',
    ComponentName: 'com.example.Hello',
    ComponentVersion: '1.0.0',
    Manifests: [{ Platform: { os: 'linux' }, Lifecycle: { Run: 'echo hi' }, Artifacts: [{ URI: 's3://b/x.zip', Unarchive: 'ZIP' }] }],
  });

  test('a minimal recipe passes, and keys are compared case-insensitively', () => {
    expect(checkRecipe(good())).toEqual([]);
    expect(checkRecipe({ recipeformatversion: '2020-01-25', COMPONENTNAME: 'a.b', componentVersion: '1.0.0', manifests: [] })).toEqual([]);
  });

  test.each([
    ['an unknown top-level field', (r: Recipe) => (r.Componentname2 = 'x'), '/componentname2: not an allowed recipe field'],
    ['a missing version', (r: Recipe) => delete r.ComponentVersion, '/componentversion: missing'],
    ['a bad name', (r: Recipe) => (r.ComponentName = 'com example'), '/componentname: must match ^[a-zA-Z0-9-_.]+$ and have at most 128 characters'],
    ['a non-semver version', (r: Recipe) => (r.ComponentVersion = '1.0'), '/componentversion: must be a semantic version (major.minor.patch)'],
    ['a step object without Script', (r: Recipe) => (r.Manifests[0].Lifecycle.Run = { RequiresPrivilege: true }), '/manifests/0/lifecycle/run/script: missing'],
    ['a bad Skipif', (r: Recipe) => (r.Manifests[0].Lifecycle.Install = { Script: 'x', Skipif: 'maybe' }), '/manifests/0/lifecycle/install/skipif: must be "onpath <exe>" or "exists <file>"'],
    ['Run and Startup together', (r: Recipe) => (r.Manifests[0].Lifecycle.Startup = 'x'), '/manifests/0/lifecycle: has both run and startup; Greengrass allows one'],
    ['a bad Unarchive', (r: Recipe) => (r.Manifests[0].Artifacts[0].Unarchive = 'TAR'), '/manifests/0/artifacts/0/unarchive: must be ZIP or NONE'],
    ['a dependency without VersionRequirement', (r: Recipe) => (r.ComponentDependencies = { 'a.b': { DependencyType: 'HARD' } }), '/componentdependencies/a.b/versionrequirement: missing or not a string'],
    ['a Setenv object value', (r: Recipe) => (r.Manifests[0].Lifecycle.Setenv = { A: { b: 1 } }), '/manifests/0/lifecycle/setenv/a: must be a string, number or boolean'],
  ])('reports %s', (_what, mutate, problem) => {
    const r = good();
    mutate(r);
    expect(checkRecipe(r)).toContain(problem);
  });

  test('reports a recipe over 16,000 bytes', () => {
    const r = good();
    const text = YAML.stringify({ ...r, ComponentDescription: 'x'.repeat(16_000) });
    expect(checkRecipe(YAML.parse(text), text)[0]).toMatch(/^\/: recipe is \d+ bytes; gdk and Greengrass allow at most 16000$/);
  });
});
