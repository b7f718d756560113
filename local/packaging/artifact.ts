/**
 * One component's Greengrass artifact: a zip holding `main.js` (the component bundled by esbuild
 * from its src/main.ts: platform node, target node20, CommonJS, one file) and `node_modules/` with
 * only the packages that cannot be bundled (native addons, found by their loaders relative to
 * their own folder) and their dependencies, with Linux x64/arm64/armv7 glibc prebuilds only. A
 * device installs nothing from the network. Bundling from main.ts leaves test helpers out: only
 * what main.ts imports goes in (the metafile's inputs are reported and tested).
 */
import { builtinModules } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import * as yazl from 'yazl';
import { entryPoint, type ComponentSpec } from './components';
import { ENTRY_FILE } from './recipe';

export const NODE_TARGET = 'node20';

/** Fixed entry times, so the same inputs give the same zip. */
const ZIP_MTIME = new Date('2020-01-01T00:00:00Z');

export interface ShippedPackage {
  name: string;
  version: string;
  /** Folder inside the zip. */
  zipDir: string;
  /** Uncompressed bytes of the files shipped. */
  bytes: number;
}

export interface ArtifactReport {
  component: string;
  zipPath: string;
  /** Size of the zip file. */
  zipBytes: number;
  /** Size of main.js. */
  bundleBytes: number;
  /** Packages in node_modules/, largest first. */
  packages: ShippedPackage[];
  /** Source files esbuild put into main.js (repo-relative, or node_modules/…). */
  inputs: string[];
  /** Entry names in the zip. */
  entries: string[];
  /** The biggest part of the zip before compression: `main.js` or a package name. */
  dominant: string;
  /** Optional peer dependencies that are not installed: left as run-time imports that fail as their package expects. */
  missingOptional: string[];
}

export interface ArtifactOptions {
  root: string;
  version: string;
  /** Where to write `<name>.zip`. */
  zipPath: string;
}

const BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

/** `@scope/pkg` or `pkg` for an import path like `@scope/pkg/sub/file`. */
export function packageNameOf(importPath: string): string {
  const parts = importPath.split('/');
  return importPath.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

export async function buildArtifact(spec: ComponentSpec, options: ArtifactOptions): Promise<ArtifactReport> {
  const { root } = options;
  const missingOptional = new Set<string>();
  const result = await esbuild.build({
    entryPoints: [entryPoint(spec, root)],
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    target: NODE_TARGET,
    format: 'cjs',
    outfile: ENTRY_FILE,
    write: false,
    external: spec.external,
    metafile: true,
    logLevel: 'silent',
    legalComments: 'eof',
    plugins: [optionalPeersPlugin(missingOptional)],
    banner: { js: `/* ${spec.name} ${options.version}: bundled by local/packaging/artifact.ts. */` },
  });
  const bundle = result.outputFiles.find((f) => f.path.endsWith(ENTRY_FILE));
  if (!bundle) throw new Error(`esbuild wrote no ${ENTRY_FILE} for ${spec.name}`);
  const output = Object.values(result.metafile.outputs)[0];

  // Which declared externals the bundle really requires; anything else left external is a mistake.
  const used = new Set<string>();
  for (const imp of output.imports) {
    if (!imp.external || BUILTINS.has(imp.path)) continue;
    const name = packageNameOf(imp.path);
    if (missingOptional.has(name)) continue;
    if (!spec.external.includes(name)) throw new Error(`${spec.name}: the bundle requires ${imp.path}, which is neither bundled nor a declared external`);
    used.add(name);
  }

  const files: { zipName: string; source: string | Buffer }[] = [{ zipName: ENTRY_FILE, source: Buffer.from(bundle.contents) }];
  const packages: ShippedPackage[] = [];
  const placed = new Map<string, string>(); // zip dir → real package dir
  for (const name of [...used].sort()) shipPackage(name, root, 'node_modules', placed, packages, files);

  const info = {
    component: spec.name,
    version: options.version,
    entry: ENTRY_FILE,
    node: NODE_TARGET,
    architectures: spec.architectures,
    packages: packages.map((p) => ({ name: p.name, version: p.version, dir: p.zipDir })),
  };
  files.push({ zipName: 'artifact.json', source: Buffer.from(`${JSON.stringify(info, null, 2)}\n`) });
  files.sort((a, b) => (a.zipName < b.zipName ? -1 : a.zipName > b.zipName ? 1 : 0)); // byte order: the same zip everywhere

  await writeZip(options.zipPath, files);
  packages.sort((a, b) => b.bytes - a.bytes);
  const biggest = packages[0];
  return {
    component: spec.name,
    zipPath: options.zipPath,
    zipBytes: fs.statSync(options.zipPath).size,
    bundleBytes: bundle.contents.length,
    packages,
    inputs: Object.keys(result.metafile.inputs).sort(),
    missingOptional: [...missingOptional].sort(),
    entries: files.map((f) => f.zipName),
    dominant: biggest && biggest.bytes > bundle.contents.length ? biggest.name : ENTRY_FILE,
  };
}

/**
 * A package may import an optional peer dependency that is not installed, inside a try or behind
 * an option (`@ster5/global-mutex` → `proper-lockfile`, under node-opcua). esbuild cannot resolve
 * it and would fail the build; such imports stay run-time requires (they fail at run time exactly
 * as they would unbundled), and are reported. Any other unresolvable import still fails the build.
 */
function optionalPeersPlugin(missing: Set<string>): esbuild.Plugin {
  return {
    name: 'optional-peers',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        if (BUILTINS.has(args.path) || !args.importer.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const name = packageNameOf(args.path);
        const owner = owningPackageJson(args.importer);
        const optional = owner?.peerDependenciesMeta?.[name]?.optional === true;
        if (!optional) return undefined;
        try {
          require.resolve(args.path, { paths: [path.dirname(args.importer)] });
          return undefined;
        } catch {
          missing.add(name);
          return { path: args.path, external: true };
        }
      });
    },
  };
}

function owningPackageJson(file: string): { peerDependenciesMeta?: Record<string, { optional?: boolean }> } | undefined {
  let dir = path.dirname(file);
  while (path.basename(dir) !== 'node_modules' && path.dirname(dir) !== dir) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      const json = JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string; peerDependenciesMeta?: Record<string, { optional?: boolean }> };
      if (json.name) return json;
    }
    dir = path.dirname(dir);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// node_modules: a package and its dependencies, copied the way node will resolve them

/** Dependencies that only matter when compiling from source (headers, typings), never at run time. */
const BUILD_ONLY = new Set(['node-addon-api', 'node-gyp', 'prebuild-install']);
const isBuildOnly = (name: string): boolean => BUILD_ONLY.has(name) || name.startsWith('@types/');

/**
 * Packages whose declared dependencies are not needed by the code that runs under Node:
 * aws-crt's (axios, crypto-js, websocket-stream, buffer, process…) serve its browser build only;
 * its native dist/ requires nothing but Node built-ins (checked in test/packaging).
 */
export const SHIP_WITHOUT_DEPENDENCIES = new Set(['aws-crt']);

/** Folder names never needed at run time, at any depth (dependencies are shipped on their own). */
const SKIP_DIRS = new Set(['node_modules', 'test', 'tests', '__tests__', 'docs', 'doc', 'example', 'examples', '.github', 'dist.browser']);
/** Top-level folders that hold sources or build scripts (aws-crt's C and TypeScript, serialport's C++), unless they hold JavaScript. */
const SOURCE_DIRS = new Set(['src', 'lib', 'source', 'scripts', 'crt', 'build-tools']);

/** Files never needed at run time: sources, typings, maps, docs, build files. */
const SKIP_FILE = /(\.d\.ts|\.d\.mts|\.d\.cts|\.ts|\.map|\.md|\.markdown|\.cpp|\.cc|\.c|\.h|\.hpp|\.gyp|\.gypi|\.py|\.tsbuildinfo)$|^(CMakeLists\.txt|\.npmignore|\.eslintrc.*|tsconfig.*\.json|format-check\.py)$/i;

/**
 * Native builds for other systems: a folder of prebuilt binaries (under `prebuilds/` or `bin/`)
 * named for another OS or for musl, or a `.node` file for musl or ARMv6. Kept: Linux x64, arm64
 * and armv7 (glibc). JavaScript is never dropped (serialport's dist/darwin.js is required on Linux too).
 */
function isForeignNativeDir(parent: string, name: string): boolean {
  return ['prebuilds', 'bin'].includes(path.basename(parent)) && (/^(darwin|win32|android|freebsd|openbsd|sunos|aix)([-.+]|$)/.test(name) || /musl/.test(name));
}

function isForeignNativeFile(name: string): boolean {
  return name.endsWith('.node') && /musl|armv6/.test(name);
}

/** A package's real folder as node would find it from `fromDir`. */
function resolvePackageDir(name: string, fromDir: string, root: string): string {
  let dir = fromDir;
  for (;;) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return fs.realpathSync(candidate);
    if (dir === root || path.dirname(dir) === dir) break;
    dir = path.dirname(dir);
  }
  throw new Error(`Cannot find package ${name} from ${fromDir}: is it installed (npm ci)?`);
}

function isInstalled(name: string, fromDir: string, root: string): boolean {
  try {
    resolvePackageDir(name, fromDir, root);
    return true;
  } catch {
    return false;
  }
}

interface PackageJson {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

function shipPackage(
  name: string,
  fromDir: string,
  zipNodeModules: string,
  placed: Map<string, string>,
  packages: ShippedPackage[],
  files: { zipName: string; source: string | Buffer }[],
  root = fromDir,
): void {
  const realDir = resolvePackageDir(name, fromDir, root);
  // Top level when free (or already there); otherwise nested under the package that needs it.
  const top = `node_modules/${name}`;
  let zipDir = top;
  if (placed.has(top) && placed.get(top) !== realDir) zipDir = `${zipNodeModules}/${name}`;
  if (placed.get(zipDir) === realDir) return;
  if (placed.has(zipDir)) throw new Error(`Two versions of ${name} would land in ${zipDir}`);
  placed.set(zipDir, realDir);

  const pkg = JSON.parse(fs.readFileSync(path.join(realDir, 'package.json'), 'utf8')) as PackageJson;
  let bytes = 0;
  for (const rel of packageFiles(realDir)) {
    const full = path.join(realDir, rel);
    bytes += fs.statSync(full).size;
    files.push({ zipName: `${zipDir}/${rel.split(path.sep).join('/')}`, source: full });
  }
  packages.push({ name, version: pkg.version, zipDir, bytes });
  if (SHIP_WITHOUT_DEPENDENCIES.has(name)) return;
  const optional = new Set(Object.keys(pkg.optionalDependencies ?? {}));
  const deps = [...new Set([...Object.keys(pkg.dependencies ?? {}), ...optional])].sort();
  for (const dep of deps) {
    if (isBuildOnly(dep)) continue;
    // An optional dependency for another platform (fsevents…) is simply not installed.
    if (optional.has(dep) && !isInstalled(dep, realDir, root)) continue;
    shipPackage(dep, realDir, `${zipDir}/node_modules`, placed, packages, files, root);
  }
}

/** The run-time files of a package folder, relative paths, sorted. */
function packageFiles(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const sub = path.join(rel, entry.name);
    if (entry.isDirectory()) {
      if (isForeignNativeDir(rel, entry.name) || SKIP_DIRS.has(entry.name)) continue;
      if (rel === '' && SOURCE_DIRS.has(entry.name) && !holdsJavaScript(path.join(dir, sub))) continue;
      out.push(...packageFiles(dir, sub));
    } else if (entry.isFile()) {
      if (SKIP_FILE.test(entry.name) || isForeignNativeFile(entry.name)) continue;
      out.push(sub);
    }
  }
  return out;
}

function holdsJavaScript(dir: string): boolean {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).some((e) => e.isFile() && /\.(c|m)?js$/.test(e.name));
}

function writeZip(zipPath: string, files: { zipName: string; source: string | Buffer }[]): Promise<void> {
  fs.mkdirSync(path.dirname(zipPath), { recursive: true });
  const zip = new yazl.ZipFile();
  for (const f of files) {
    const options = { mtime: ZIP_MTIME, mode: 0o100644, compress: true };
    if (typeof f.source === 'string') zip.addFile(f.source, f.zipName, options);
    else zip.addBuffer(f.source, f.zipName, options);
  }
  return new Promise<void>((resolve, reject) => {
    const out = fs.createWriteStream(zipPath);
    out.on('close', () => resolve());
    out.on('error', reject);
    zip.outputStream.on('error', reject).pipe(out);
    zip.end();
  });
}
