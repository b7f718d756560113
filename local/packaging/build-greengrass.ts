/**
 * `npm run build:greengrass`: for every component whose src/main.ts exists, writes gdk's layout
 *
 *   greengrass-build/recipes/<name>-<version>.yaml
 *   greengrass-build/artifacts/<name>/<version>/<name>.zip
 *   greengrass-build/gdk/<dir>/{gdk-config.json, recipe.yaml}     (a gdk project per component)
 *
 * and prints each zip's size. Options:
 *   --out <dir>            default <repo>/greengrass-build
 *   --component <name>     only these (repeatable; name, short name or folder)
 *   --bucket <name>        artifact URIs s3://<bucket>/<name>/<version>/<name>.zip (default gdk's BUCKET_NAME placeholder)
 *   --write-recipes        only (re)write the checked-in recipes/com.tributary.<Name>.yaml
 *   --gdk-project <dir>    gdk custom-build mode for one component: <dir>/greengrass-build/recipes/recipe.yaml
 *                          and <dir>/greengrass-build/artifacts/<name>/<version>/<name>.zip
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildArtifact, type ArtifactReport } from './artifact';
import { componentVersion, findComponent, loadSchema, presentComponents, repoRoot, type ComponentSpec } from './components';
import { componentGdkConfig } from './gdk';
import { artifactFileName, buildRecipe, builtRecipeFileName, recipeFileName, recipeHeader, recipeYaml } from './recipe';
import { checkRecipe } from './recipe-rules';

export interface BuildOptions {
  root?: string;
  out?: string;
  /** Default: every present component. */
  components?: ComponentSpec[];
  bucket?: string;
  /** The build script's path, for the gdk projects' custom build command. Default this module's .js twin in dist/. */
  builderScript?: string;
  log?: (line: string) => void;
}

export interface BuiltComponent {
  spec: ComponentSpec;
  version: string;
  recipePath: string;
  gdkProject: string;
  artifact: ArtifactReport;
}

/** The checked-in recipe text for a component (what recipes/<name>.yaml must hold). */
export function checkedInRecipeText(spec: ComponentSpec, version: string): string {
  return recipeYaml(buildRecipe(spec, loadSchema(spec), { version }), recipeHeader(spec));
}

function recipeTextOrThrow(spec: ComponentSpec, version: string, bucket?: string): string {
  const text = recipeYaml(buildRecipe(spec, loadSchema(spec), { version, bucket }), recipeHeader(spec));
  const problems = checkRecipe(buildRecipe(spec, loadSchema(spec), { version, bucket }), text);
  if (problems.length > 0) throw new Error(`${spec.name}: the generated recipe is invalid:\n${problems.join('\n')}`);
  return text;
}

function defaultBuilderScript(root: string): string {
  return path.join(root, 'dist', 'local', 'packaging', 'build-greengrass.js');
}

export async function buildGreengrass(options: BuildOptions = {}): Promise<BuiltComponent[]> {
  const root = options.root ?? repoRoot();
  const out = path.resolve(options.out ?? path.join(root, 'greengrass-build'));
  const version = componentVersion(root);
  const specs = options.components ?? presentComponents(root);
  const log = options.log ?? ((line: string) => console.log(line));
  const builder = options.builderScript ?? defaultBuilderScript(root);
  if (!options.components) clearBuildFolder(out); // a full build owns the whole folder

  const built: BuiltComponent[] = [];
  for (const spec of specs) {
    const zipPath = path.join(out, 'artifacts', spec.name, version, artifactFileName(spec));
    fs.rmSync(path.dirname(zipPath), { recursive: true, force: true });
    const artifact = await buildArtifact(spec, { root, version, zipPath });

    const recipePath = path.join(out, 'recipes', builtRecipeFileName(spec, version));
    fs.mkdirSync(path.dirname(recipePath), { recursive: true });
    fs.writeFileSync(recipePath, recipeTextOrThrow(spec, version, options.bucket));

    const gdkProject = path.join(out, 'gdk', spec.dir);
    fs.rmSync(gdkProject, { recursive: true, force: true });
    fs.mkdirSync(gdkProject, { recursive: true });
    const config = componentGdkConfig(spec, version, path.relative(gdkProject, builder));
    fs.writeFileSync(path.join(gdkProject, 'gdk-config.json'), `${JSON.stringify(config, null, 2)}\n`);
    fs.writeFileSync(path.join(gdkProject, 'recipe.yaml'), recipeTextOrThrow(spec, version));
    built.push({ spec, version, recipePath, gdkProject, artifact });
  }
  log(sizeTable(built, out));
  return built;
}

/** The folders a build writes; a full build empties its output folder, but only one that holds nothing else. */
const BUILD_FOLDERS = new Set(['recipes', 'artifacts', 'gdk']);

function clearBuildFolder(out: string): void {
  if (!fs.existsSync(out)) return;
  const foreign = fs.readdirSync(out).filter((name) => !BUILD_FOLDERS.has(name));
  if (foreign.length > 0) throw new Error(`${out} holds ${foreign.join(', ')}, which a Greengrass build did not write; choose another --out`);
  fs.rmSync(out, { recursive: true, force: true });
}

/** gdk custom-build mode: one component into `<project>/greengrass-build/`, recipe named recipe.yaml as gdk publish expects. */
export async function buildGdkProject(spec: ComponentSpec, project: string, root = repoRoot(), log: (line: string) => void = console.log): Promise<ArtifactReport> {
  const version = componentVersion(root);
  const out = path.join(path.resolve(project), 'greengrass-build');
  const zipPath = path.join(out, 'artifacts', spec.name, version, artifactFileName(spec));
  fs.rmSync(path.dirname(zipPath), { recursive: true, force: true });
  const artifact = await buildArtifact(spec, { root, version, zipPath });
  fs.mkdirSync(path.join(out, 'recipes'), { recursive: true });
  fs.writeFileSync(path.join(out, 'recipes', 'recipe.yaml'), recipeTextOrThrow(spec, version));
  log(`${spec.name} ${version}: ${path.relative(process.cwd(), zipPath)} ${formatBytes(artifact.zipBytes)}`);
  return artifact;
}

/** Writes recipes/com.tributary.<Name>.yaml for every present component; returns the paths written. */
export function writeRecipes(root = repoRoot()): string[] {
  const version = componentVersion(root);
  return presentComponents(root).map((spec) => {
    const file = path.join(root, 'recipes', recipeFileName(spec));
    fs.writeFileSync(file, recipeTextOrThrow(spec, version));
    return file;
  });
}

export function formatBytes(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${(n / 1024).toFixed(0)} KiB`;
}

function sizeTable(built: BuiltComponent[], out: string): string {
  const lines = [`Greengrass build in ${out}:`];
  for (const b of built) {
    const a = b.artifact;
    const top = a.packages
      .slice(0, 3)
      .map((p) => `${p.name} ${formatBytes(p.bytes)}`)
      .join(', ');
    lines.push(
      `  ${b.spec.name.padEnd(28)} ${formatBytes(a.zipBytes).padStart(9)} zip  (main.js ${formatBytes(a.bundleBytes)}; node_modules: ${top || 'none'}; largest part: ${a.dominant})`,
    );
  }
  lines.push('Deploy locally: sudo /greengrass/v2/bin/greengrass-cli deployment create --recipeDir greengrass-build/recipes --artifactDir greengrass-build/artifacts --merge "<name>=<version>"');
  return lines.join('\n');
}

interface Args {
  out?: string;
  components: string[];
  bucket?: string;
  writeRecipes: boolean;
  gdkProject?: string;
}

export function parseArgs(argv: readonly string[]): Args {
  const args: Args = { components: [], writeRecipes: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--out') args.out = value();
    else if (a === '--component') args.components.push(value());
    else if (a === '--bucket') args.bucket = value();
    else if (a === '--write-recipes') args.writeRecipes = true;
    else if (a === '--gdk-project') args.gdkProject = value();
    else throw new Error(`Unknown argument ${a}; see local/packaging/build-greengrass.ts`);
  }
  return args;
}

export async function main(argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv);
  if (args.writeRecipes) {
    for (const file of writeRecipes()) console.log(`wrote ${path.relative(process.cwd(), file)}`);
    return;
  }
  if (args.gdkProject !== undefined) {
    if (args.components.length !== 1) throw new Error('--gdk-project builds exactly one --component');
    await buildGdkProject(findComponent(args.components[0]), args.gdkProject);
    return;
  }
  await buildGreengrass({
    out: args.out,
    bucket: args.bucket,
    ...(args.components.length > 0 ? { components: args.components.map(findComponent) } : {}),
  });
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
