/**
 * Greengrass recipes, generated from the registry and each component's config schema, so the
 * DefaultConfiguration is always the schema's defaults. `recipes/com.tributary.<Name>.yaml` holds
 * the checked-in output (a test keeps it equal to this generator); the build writes the same
 * recipe, with the artifact URI it was asked for, into greengrass-build/.
 */
import type { TObject } from '@sinclair/typebox';
import * as YAML from 'yaml';
import { configDefaults } from '../../components/core/src/config';
import { STREAM_MANAGER_DEPENDENCY, shortName, type Architecture, type ComponentSpec } from './components';

export const RECIPE_FORMAT_VERSION = '2020-01-25';
export const PUBLISHER = 'Tributary';
/** What gdk's templates write; `gdk component publish` replaces URIs by matching the file name. */
export const PLACEHOLDER_BUCKET = 'BUCKET_NAME';

/** The artifact zip's file name: gdk's `zip_name: ""` convention, the component name. */
export function artifactFileName(spec: ComponentSpec): string {
  return `${spec.name}.zip`;
}

/** The bundled entry point inside the zip (and inside `{artifacts:decompressedPath}/<zip name>/`). */
export const ENTRY_FILE = 'main.js';

/**
 * `s3://<bucket>/<name>/<version>/<name>.zip`, gdk's layout. Without a bucket it is gdk's
 * template form `s3://BUCKET_NAME/COMPONENT_NAME/COMPONENT_VERSION/<file>`, which
 * `gdk component publish` rewrites (it matches the file name) and greengrass-cli ignores (it
 * takes the file from --artifactDir <name>/<version>/<file>).
 */
export function artifactUri(spec: ComponentSpec, version: string, bucket?: string): string {
  return bucket ? `s3://${bucket}/${spec.name}/${version}/${artifactFileName(spec)}` : `s3://${PLACEHOLDER_BUCKET}/COMPONENT_NAME/COMPONENT_VERSION/${artifactFileName(spec)}`;
}

/** The stream manager's port, from its own configuration (the nucleus does not export it to other components). */
export const STREAM_MANAGER_PORT_VARIABLE = '{aws.greengrass.StreamManager:configuration:/STREAM_MANAGER_SERVER_PORT}';

/** Fails the install with a clear message when node on the nucleus's PATH is missing or older than 20. */
export const NODE_CHECK_SCRIPT =
  'node -e "if (+process.versions.node.split(\'.\')[0] < 20) { console.error(\'Tributary needs Node.js 20 or later on PATH; found \' + process.version); process.exit(1); }"';

const PLATFORMS: Record<Architecture, { Name: string; Platform: Record<string, string> }> = {
  amd64: { Name: 'Linux x86_64', Platform: { os: 'linux', architecture: 'amd64' } },
  aarch64: { Name: 'Linux aarch64', Platform: { os: 'linux', architecture: 'aarch64' } },
  armv7l: { Name: 'Linux armv7l', Platform: { os: 'linux', architecture: 'arm', 'architecture.detail': 'armv7l' } },
};

export interface RecipeOptions {
  version: string;
  /** Artifact bucket; default gdk's placeholder. */
  bucket?: string;
}

/** The recipe's DefaultConfiguration: the schema defaults (plus registry placeholders) and accessControl. */
export function defaultConfiguration(spec: ComponentSpec, schema: TObject): Record<string, unknown> {
  const defaults = { ...(configDefaults(schema) as Record<string, unknown>), ...(spec.defaultOverrides ?? {}) };
  return spec.accessControl ? { ...defaults, accessControl: spec.accessControl } : defaults;
}

export type Recipe = Record<string, unknown>;

export function buildRecipe(spec: ComponentSpec, schema: TObject, options: RecipeOptions): Recipe {
  const zipFolder = spec.name; // a ZIP artifact unpacks to decompressedPath/<zip name without .zip>/
  const manifests = spec.architectures.map((arch) => ({
    ...structuredClone(PLATFORMS[arch]),
    Lifecycle: {
      Setenv: { STREAM_MANAGER_SERVER_PORT: STREAM_MANAGER_PORT_VARIABLE, ...(spec.setenv ?? {}) },
      Install: { Script: NODE_CHECK_SCRIPT, Timeout: 30 },
      // exec: node replaces the shell, so the nucleus's SIGTERM reaches the component itself.
      Run: { Script: `exec node {artifacts:decompressedPath}/${zipFolder}/${ENTRY_FILE}`, RequiresPrivilege: false },
    },
    Artifacts: [{ URI: artifactUri(spec, options.version, options.bucket), Unarchive: 'ZIP', Permission: { Read: 'OWNER', Execute: 'NONE' } }],
  }));
  return {
    RecipeFormatVersion: RECIPE_FORMAT_VERSION,
    ComponentName: spec.name,
    ComponentVersion: options.version,
    ComponentDescription: spec.description,
    ComponentPublisher: PUBLISHER,
    ComponentDependencies: { ...structuredClone(STREAM_MANAGER_DEPENDENCY), ...structuredClone(spec.dependencies) },
    ComponentConfiguration: { DefaultConfiguration: structuredClone(defaultConfiguration(spec, schema)) },
    Manifests: manifests,
  };
}

export function recipeHeader(spec: ComponentSpec): string {
  return [
    `# ${spec.name} (${shortName(spec)}): generated from local/packaging/components.ts and the`,
    `# ${spec.schemaExport} defaults by \`npm run build:greengrass -- --write-recipes\`; do not edit by hand.`,
    '',
  ].join('\n');
}

/**
 * YAML text: no line folding, no anchors, keys in the order built. Written for YAML 1.1 readers
 * (gdk's PyYAML, the nucleus's SnakeYAML), so strings such as 2020-01-25, on or no are quoted
 * and stay strings.
 */
export function recipeYaml(recipe: Recipe, header = ''): string {
  return header + YAML.stringify(recipe, { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false });
}

/** The checked-in recipe file's name. */
export function recipeFileName(spec: ComponentSpec): string {
  return `${spec.name}.yaml`;
}

/** The built recipe's file name in greengrass-build/recipes: what `gdk component publish` writes, `<name>-<version>.yaml`. */
export function builtRecipeFileName(spec: ComponentSpec, version: string): string {
  return `${spec.name}-${version}.yaml`;
}
