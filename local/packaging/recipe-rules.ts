/**
 * Checks a recipe the way gdk 1.6.2 does (research/gdk-recipes.md §2.6): every key lower-cased,
 * then the rules of gdk's recipe_schema.json (draft-07) — allowed top-level fields, required
 * fields, the name pattern, lifecycle step shapes, artifact fields — plus the 16,000-byte size
 * limit and two rules the nucleus adds (semver version; Run and Startup not both).
 * Returns every problem as `path: reason`.
 */

export const MAX_RECIPE_BYTES = 16_000;

const TOP_LEVEL = new Set([
  'recipeformatversion',
  'componentname',
  'componentdescription',
  'componentpublisher',
  'componentversion',
  'componentconfiguration',
  'componenttype',
  'componentsource',
  'componentdependencies',
  'manifests',
  'lifecycle',
]);
const REQUIRED = ['recipeformatversion', 'componentname', 'componentversion', 'manifests'];
const STEPS = ['bootstrap', 'install', 'startup', 'run', 'shutdown', 'recover'];
const NAME = /^[a-zA-Z0-9-_.]+$/;
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A deep copy with every object key lower-cased, as gdk does before validating. */
export function lowerCaseKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(lowerCaseKeys);
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.toLowerCase(), lowerCaseKeys(v)]));
  return value;
}

/** Problems with a recipe (parsed YAML or JSON); `text` adds the size check. Empty when valid. */
export function checkRecipe(recipe: Json, text?: string): string[] {
  const problems: string[] = [];
  const add = (path: string, reason: string): void => void problems.push(`${path}: ${reason}`);
  if (text !== undefined && Buffer.byteLength(text, 'utf8') > MAX_RECIPE_BYTES) {
    add('/', `recipe is ${Buffer.byteLength(text, 'utf8')} bytes; gdk and Greengrass allow at most ${MAX_RECIPE_BYTES}`);
  }
  const r = lowerCaseKeys(recipe);
  if (!isObject(r)) {
    add('/', 'must be an object');
    return problems;
  }
  for (const key of Object.keys(r)) if (!TOP_LEVEL.has(key)) add(`/${key}`, 'not an allowed recipe field');
  for (const key of REQUIRED) if (r[key] === undefined) add(`/${key}`, 'missing');

  if (r.recipeformatversion !== undefined && r.recipeformatversion !== '2020-01-25') add('/recipeformatversion', 'must be "2020-01-25"');
  if (r.componentname !== undefined) {
    if (typeof r.componentname !== 'string' || !NAME.test(r.componentname) || r.componentname.length > 128) {
      add('/componentname', `must match ${NAME.source} and have at most 128 characters`);
    } else if (r.componentname.startsWith('aws.greengrass')) add('/componentname', 'the aws.greengrass prefix is reserved for AWS components');
  }
  if (r.componentversion !== undefined) {
    if (typeof r.componentversion !== 'string' || r.componentversion.length > 64) add('/componentversion', 'must be a string of at most 64 characters');
    else if (!SEMVER.test(r.componentversion)) add('/componentversion', 'must be a semantic version (major.minor.patch)');
  }
  for (const key of ['componentdescription', 'componentpublisher']) if (r[key] !== undefined && typeof r[key] !== 'string') add(`/${key}`, 'must be a string');
  if (r.componenttype !== undefined && (typeof r.componenttype !== 'string' || !/^(aws\.greengrass\.(nucleus|generic|plugin|lambda))$/i.test(r.componenttype))) {
    add('/componenttype', 'must be aws.greengrass.generic, lambda, plugin or nucleus');
  }
  if (r.componentsource !== undefined && (typeof r.componentsource !== 'string' || !/^arn:aws(-(cn|us-gov|iso(-[a-z])?))?:lambda:.*$/.test(r.componentsource))) {
    add('/componentsource', 'must be a Lambda function ARN');
  }
  if (r.componentconfiguration !== undefined && !isObject(r.componentconfiguration)) add('/componentconfiguration', 'must be an object');

  if (r.componentdependencies !== undefined) {
    if (!isObject(r.componentdependencies)) add('/componentdependencies', 'must be an object');
    else {
      for (const [name, dep] of Object.entries(r.componentdependencies)) {
        const at = `/componentdependencies/${name}`;
        if (!NAME.test(name)) add(at, `name must match ${NAME.source}`);
        if (!isObject(dep)) {
          add(at, 'must be an object');
          continue;
        }
        if (typeof dep.versionrequirement !== 'string') add(`${at}/versionrequirement`, 'missing or not a string');
        if (dep.dependencytype !== undefined && (typeof dep.dependencytype !== 'string' || !/^(SOFT|HARD)$/i.test(dep.dependencytype))) {
          add(`${at}/dependencytype`, 'must be SOFT or HARD');
        }
      }
    }
  }

  const plugin = typeof r.componenttype === 'string' && r.componenttype === 'aws.greengrass.plugin';
  if (r.manifests !== undefined) {
    if (!Array.isArray(r.manifests)) add('/manifests', 'must be a list');
    else r.manifests.forEach((m, i) => checkManifest(m, `/manifests/${i}`, !plugin, add));
  }
  if (r.lifecycle !== undefined && !isObject(r.lifecycle)) add('/lifecycle', 'must be an object');
  return problems;
}

function checkManifest(m: Json, at: string, needsScript: boolean, add: (path: string, reason: string) => void): void {
  if (!isObject(m)) return add(at, 'must be an object');
  if (m.name !== undefined && typeof m.name !== 'string') add(`${at}/name`, 'must be a string');
  if (m.platform !== undefined) {
    if (!isObject(m.platform)) add(`${at}/platform`, 'must be an object');
    else for (const [k, v] of Object.entries(m.platform)) if (typeof v !== 'string') add(`${at}/platform/${k}`, 'must be a string');
  }
  if (m.selections !== undefined && typeof m.selections !== 'string' && !(Array.isArray(m.selections) && m.selections.every((s) => typeof s === 'string'))) {
    add(`${at}/selections`, 'must be a string or a list of strings');
  }
  if (m.lifecycle !== undefined) {
    if (!isObject(m.lifecycle)) add(`${at}/lifecycle`, 'must be an object');
    else {
      const lc = m.lifecycle;
      if (lc.setenv !== undefined) checkSetenv(lc.setenv, `${at}/lifecycle/setenv`, add);
      for (const step of STEPS) if (lc[step] !== undefined) checkStep(lc[step], `${at}/lifecycle/${step}`, needsScript, add);
      if (lc.run !== undefined && lc.startup !== undefined) add(`${at}/lifecycle`, 'has both run and startup; Greengrass allows one');
    }
  }
  if (m.artifacts !== undefined) {
    if (!Array.isArray(m.artifacts)) return add(`${at}/artifacts`, 'must be a list');
    const names = new Set<string>();
    m.artifacts.forEach((a, j) => {
      const ap = `${at}/artifacts/${j}`;
      if (!isObject(a)) return add(ap, 'must be an object');
      if (typeof a.uri !== 'string') add(`${ap}/uri`, 'missing or not a string');
      else {
        const file = a.uri.slice(a.uri.lastIndexOf('/') + 1);
        if (names.has(file)) add(`${ap}/uri`, `file name ${file} is used twice in this manifest`);
        names.add(file);
      }
      if (a.unarchive !== undefined && (typeof a.unarchive !== 'string' || !/^(ZIP|NONE)$/i.test(a.unarchive))) add(`${ap}/unarchive`, 'must be ZIP or NONE');
      if (a.permission !== undefined) {
        if (!isObject(a.permission)) add(`${ap}/permission`, 'must be an object');
        else {
          for (const k of ['read', 'execute']) {
            const v = a.permission[k];
            if (v !== undefined && (typeof v !== 'string' || !/^(NONE|OWNER|ALL)$/i.test(v))) add(`${ap}/permission/${k}`, 'must be NONE, OWNER or ALL');
          }
        }
      }
      for (const k of ['digest', 'algorithm']) if (a[k] !== undefined && typeof a[k] !== 'string') add(`${ap}/${k}`, 'must be a string');
    });
  }
}

function checkSetenv(v: Json, at: string, add: (path: string, reason: string) => void): void {
  if (typeof v === 'string') return;
  if (!isObject(v)) return add(at, 'must be an object or a string');
  for (const [k, x] of Object.entries(v)) if (!['string', 'number', 'boolean'].includes(typeof x)) add(`${at}/${k}`, 'must be a string, number or boolean');
}

function checkStep(v: Json, at: string, needsScript: boolean, add: (path: string, reason: string) => void): void {
  if (typeof v === 'string') return;
  if (!isObject(v)) return add(at, 'must be a script string or an object with script');
  if (needsScript && v.script === undefined) add(`${at}/script`, 'missing');
  if (v.script !== undefined && typeof v.script !== 'string') add(`${at}/script`, 'must be a string');
  if (v.skipif !== undefined && (typeof v.skipif !== 'string' || !/(onpath|exists)\s+.*/.test(v.skipif))) add(`${at}/skipif`, 'must be "onpath <exe>" or "exists <file>"');
  if (v.requiresprivilege !== undefined && typeof v.requiresprivilege !== 'boolean' && typeof v.requiresprivilege !== 'string') {
    add(`${at}/requiresprivilege`, 'must be a boolean or a string');
  }
  if (v.timeout !== undefined && !Number.isInteger(v.timeout) && typeof v.timeout !== 'string') add(`${at}/timeout`, 'must be an integer or a string');
  if (v.setenv !== undefined) checkSetenv(v.setenv, `${at}/setenv`, add);
}
