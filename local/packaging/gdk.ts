/**
 * gdk projects (research/gdk-recipes.md §1). gdk 1.6.2 handles one component per
 * gdk-config.json and works in its current directory, so:
 * - the root gdk-config.json is a `custom` build that runs `npm run build:greengrass`, which
 *   writes greengrass-build/ for ALL components (gdk neither transforms nor validates recipes
 *   for custom builds; the command does it all);
 * - each component gets a generated gdk project in greengrass-build/gdk/<dir>/ (gdk-config.json
 *   + recipe.yaml), whose own custom build re-bundles that one component into its
 *   ./greengrass-build in gdk's layout, so `cd greengrass-build/gdk/<dir> && gdk component
 *   build && gdk component publish` works per component.
 * `checkGdkConfig` holds gdk 1.6.2's config_schema.json rules.
 */
import type { ComponentSpec } from './components';
import { PUBLISHER } from './recipe';

export const GDK_VERSION = '1.6.2';
/** gdk adds `-<region>-<account>` to this prefix unless `gdk component publish -b <bucket>` names the bucket. */
export const DEFAULT_BUCKET_PREFIX = 'tributary-components';
export const DEFAULT_REGION = 'us-east-1';

export interface GdkConfig {
  component: Record<
    string,
    {
      author: string;
      version: string;
      build: { build_system: string; custom_build_command?: string[] | string; options?: Record<string, unknown> };
      publish: { bucket: string; region?: string; options?: Record<string, unknown> };
    }
  >;
  gdk_version: string;
}

export function gdkConfig(name: string, version: string, command: string[]): GdkConfig {
  return {
    component: {
      [name]: {
        author: PUBLISHER,
        version,
        build: { build_system: 'custom', custom_build_command: command },
        publish: { bucket: DEFAULT_BUCKET_PREFIX, region: DEFAULT_REGION },
      },
    },
    gdk_version: GDK_VERSION,
  };
}

/** The root project: builds every component. Named for the first component (a gdk config names exactly one). */
export function rootGdkConfig(first: ComponentSpec, version: string): GdkConfig {
  return gdkConfig(first.name, version, ['npm', 'run', 'build:greengrass']);
}

/** A component's gdk project: `builder` is the path of build-greengrass.js relative to the project folder. */
export function componentGdkConfig(spec: ComponentSpec, version: string, builder: string): GdkConfig {
  return gdkConfig(spec.name, version, ['node', builder, '--component', spec.name, '--gdk-project', '.']);
}

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
const BUILD_SYSTEMS = ['zip', 'maven', 'gradle', 'gradlew', 'custom'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Problems with a gdk-config.json per gdk 1.6.2 (`path: reason`); empty when valid. Stricter
 * than the schema in one place: a custom build command must be the list form, because gdk runs
 * it without a shell and a string with spaces fails with FileNotFoundError.
 */
export function checkGdkConfig(config: unknown): string[] {
  const problems: string[] = [];
  const add = (p: string, reason: string): void => void problems.push(`${p}: ${reason}`);
  if (!isObject(config)) return ['/: must be an object'];
  if (typeof config.gdk_version !== 'string' || !SEMVER.test(config.gdk_version)) add('/gdk_version', 'missing or not a semantic version');
  const component = config.component;
  if (!isObject(component)) {
    add('/component', 'missing or not an object');
    return problems;
  }
  const names = Object.keys(component);
  if (names.length !== 1) add('/component', `must name exactly one component (gdk supports one per project); has ${names.length}`);
  for (const name of names) {
    const at = `/component/${name}`;
    if (!/^[a-zA-Z0-9-_.]+$/.test(name)) add(at, 'name must match [a-zA-Z0-9-_.]+');
    const c = component[name];
    if (!isObject(c)) {
      add(at, 'must be an object');
      continue;
    }
    if (typeof c.author !== 'string') add(`${at}/author`, 'missing or not a string');
    if (typeof c.version !== 'string' || !(SEMVER.test(c.version) || c.version === 'NEXT_PATCH')) add(`${at}/version`, 'must be a semantic version or NEXT_PATCH');
    const build = c.build;
    if (!isObject(build)) add(`${at}/build`, 'missing or not an object');
    else {
      if (typeof build.build_system !== 'string' || !BUILD_SYSTEMS.includes(build.build_system)) add(`${at}/build/build_system`, `must be one of ${BUILD_SYSTEMS.join(', ')}`);
      const cmd = build.custom_build_command;
      if (build.build_system === 'custom') {
        if (cmd === undefined) add(`${at}/build/custom_build_command`, 'required for a custom build');
        else if (typeof cmd === 'string') {
          if (cmd.length === 0) add(`${at}/build/custom_build_command`, 'must not be empty');
          else if (/\s/.test(cmd)) add(`${at}/build/custom_build_command`, 'a string command with arguments fails (gdk runs it without a shell); use the list form');
        } else if (!Array.isArray(cmd) || cmd.length === 0 || !cmd.every((x) => typeof x === 'string' && x.length > 0)) {
          add(`${at}/build/custom_build_command`, 'must be a non-empty list of non-empty strings');
        }
      }
      if (build.options !== undefined) {
        if (!isObject(build.options)) add(`${at}/build/options`, 'must be an object');
        else {
          const { excludes, zip_name: zipName } = build.options;
          if (excludes !== undefined && (!Array.isArray(excludes) || excludes.length === 0 || !excludes.every((x) => typeof x === 'string'))) {
            add(`${at}/build/options/excludes`, 'must be a non-empty list of glob patterns');
          }
          if (zipName !== undefined && typeof zipName !== 'string') add(`${at}/build/options/zip_name`, 'must be a string');
        }
      }
    }
    const publish = c.publish;
    if (!isObject(publish)) add(`${at}/publish`, 'missing or not an object');
    else {
      if (typeof publish.bucket !== 'string' || publish.bucket === '') add(`${at}/publish/bucket`, 'missing or not a string');
      if (publish.region !== undefined && typeof publish.region !== 'string') add(`${at}/publish/region`, 'must be a string');
      if (publish.options !== undefined) {
        if (!isObject(publish.options)) add(`${at}/publish/options`, 'must be an object');
        else if (publish.options.file_upload_args !== undefined && !isObject(publish.options.file_upload_args)) add(`${at}/publish/options/file_upload_args`, 'must be an object');
      }
    }
  }
  return problems;
}
