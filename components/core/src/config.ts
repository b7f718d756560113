/**
 * Component configuration: one TypeBox schema per component gives the TypeScript type
 * (`Static<typeof Schema>`) and the defaults; this module reads, fills, converts and checks
 * it, and reports every problem at once as `path: reason` lines.
 *
 * Where the config comes from (`resolveConfigSource`):
 * - under Greengrass (env `SVCUID` or `AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT`):
 *   IPC `GetConfiguration` (keyPath []), followed by `SubscribeToConfigurationUpdate`;
 * - otherwise the YAML or JSON file named by `--config <path>` / `--config=<path>`;
 * - otherwise nothing: the schema defaults.
 *
 * Paths are JSON Pointers (`/routes/2/priority`; `/` is the whole document).
 */
import { promises as fs } from 'node:fs';
import * as nodePath from 'node:path';
import { Kind, OptionalKind, Static, TSchema } from '@sinclair/typebox';
import { ValueError, ValueErrorType } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import * as YAML from 'yaml';
import { Clock, TimerHandle, systemClock } from './clock';
import { CoreErrorCode, TributaryError, errorMessage } from './errors';
import { Logger, createLogger } from './logger';

// ---------------------------------------------------------------------------------------------
// Errors

export interface ConfigProblem {
  /** JSON Pointer into the config (`/routes/2/priority`), or `file:line:column` for a parse error. */
  path: string;
  reason: string;
  /** For file errors, where the parser says the problem is (1-based). */
  line?: number;
  column?: number;
}

export interface ConfigErrorOptions {
  /** Where the config came from: a file path, `Greengrass IPC`, `defaults`. */
  origin?: string;
  /** First line of the message; default `Invalid configuration in <origin>`. */
  summary?: string;
  cause?: unknown;
}

/** Invalid or unreadable configuration (code `config_invalid`); the message lists every problem, one per line. */
export class ConfigError extends TributaryError {
  readonly problems: readonly ConfigProblem[];
  readonly origin?: string;

  constructor(problems: ConfigProblem[], options: ConfigErrorOptions = {}) {
    const summary = options.summary ?? `Invalid configuration${options.origin ? ` in ${options.origin}` : ''}`;
    const count = `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
    super(CoreErrorCode.ConfigInvalid, `${summary} (${count}):\n${formatProblems(problems).join('\n')}`, {
      cause: options.cause,
      details: options.origin === undefined ? undefined : { origin: options.origin },
    });
    this.problems = problems;
    if (options.origin !== undefined) this.origin = options.origin;
  }
}

/** `path: reason`, one string per problem. */
export function formatProblems(problems: readonly ConfigProblem[]): string[] {
  return problems.map((p) => `${p.path}: ${p.reason}`);
}

// ---------------------------------------------------------------------------------------------
// Validation

export type CheckResult<T> = { ok: true; value: T } | { ok: false; problems: ConfigProblem[] };

/**
 * Fills defaults (also inside nested objects and array items, creating missing nested
 * objects), converts numeric and boolean strings where the schema wants numbers/booleans,
 * and checks the result. Never mutates `raw`. `null`/`undefined` (an empty file) count as `{}`.
 */
export function checkConfig<S extends TSchema>(schema: S, raw: unknown): CheckResult<Static<S>> {
  const value = prepareConfig(schema, raw);
  const problems = collectProblems(schema, value);
  return problems.length === 0 ? { ok: true, value: value as Static<S> } : { ok: false, problems };
}

/**
 * `checkConfig` plus checks a schema cannot express. The extra check also runs when the schema
 * found problems, so one run reports everything (a problem at a path the schema already reported
 * is not repeated); if it throws on a shape the schema rejected, only the schema's problems count.
 */
export function checkConfigWith<S extends TSchema>(schema: S, raw: unknown, check?: (config: Static<S>) => ConfigProblem[]): CheckResult<Static<S>> {
  const value = prepareConfig(schema, raw);
  const problems = collectProblems(schema, value);
  if (check) {
    try {
      const seen = new Set(problems.map((p) => p.path));
      for (const p of check(value as Static<S>)) if (!seen.has(p.path)) problems.push(p);
    } catch (err) {
      if (problems.length === 0) throw err;
    }
  }
  return problems.length === 0 ? { ok: true, value: value as Static<S> } : { ok: false, problems };
}

/** `checkConfig`, throwing a ConfigError that lists every problem. */
export function validateConfig<S extends TSchema>(schema: S, raw: unknown, origin?: string): Static<S> {
  const result = checkConfig(schema, raw);
  if (!result.ok) throw new ConfigError(result.problems, { origin });
  return result.value;
}

/** The defaults alone (what an empty config becomes), not validated: required keys without defaults stay missing. */
export function configDefaults<S extends TSchema>(schema: S): Partial<Static<S>> {
  return prepareConfig(schema, {}) as Partial<Static<S>>;
}

function prepareConfig(schema: TSchema, raw: unknown): unknown {
  const copy = raw === undefined || raw === null ? {} : Value.Clone(raw);
  const withObjects = addMissingObjects(schema, copy);
  const defaulted = Value.Default(schema, withObjects);
  return coerce(schema, defaulted);
}

type SchemaNode = TSchema & Record<string | symbol, unknown>;

function kindOf(schema: TSchema): string {
  return String((schema as SchemaNode)[Kind]);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function propertiesOf(schema: TSchema): Record<string, TSchema> {
  return ((schema as SchemaNode).properties as Record<string, TSchema> | undefined) ?? {};
}

/** The schema for a key of an object/record schema that is not a declared property, if any. */
function extraSchemaOf(schema: TSchema, key: string): TSchema | undefined {
  const node = schema as SchemaNode;
  const patterns = node.patternProperties as Record<string, TSchema> | undefined;
  if (patterns) {
    for (const [pattern, sub] of Object.entries(patterns)) if (new RegExp(pattern).test(key)) return sub;
  }
  const extra = node.additionalProperties;
  return typeof extra === 'object' && extra !== null ? (extra as TSchema) : undefined;
}

/**
 * `Value.Default` only descends into objects that exist. Create each missing, required,
 * default-less nested object as `{}` so its own defaults apply; if it has required keys
 * without defaults, the problem is then reported at the deepest path (`/opcua/endpointUrl`).
 */
function addMissingObjects(schema: TSchema, value: unknown): unknown {
  const kind = kindOf(schema);
  if (kind === 'Array' && Array.isArray(value)) {
    const items = (schema as SchemaNode).items as TSchema | undefined;
    return items && !Array.isArray(items) ? value.map((v) => addMissingObjects(items, v)) : value;
  }
  if ((kind === 'Object' || kind === 'Record') && isPlainObject(value)) {
    const out: Record<string, unknown> = { ...value };
    for (const [key, sub] of Object.entries(propertiesOf(schema))) {
      const node = sub as SchemaNode;
      if (out[key] === undefined && kindOf(sub) === 'Object' && node.default === undefined && node[OptionalKind] !== 'Optional') out[key] = {};
    }
    for (const key of Object.keys(out)) {
      const sub = propertiesOf(schema)[key] ?? extraSchemaOf(schema, key);
      if (sub) out[key] = addMissingObjects(sub, out[key]);
    }
    return out;
  }
  return value;
}

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Greengrass advises storing numbers as strings, so "250" becomes 250 where the schema
 * wants a number (integer: only if the number is whole) and "true"/"false" (any case)
 * become booleans. Nothing else is converted: unlike `Value.Convert`, "1.5" is not
 * truncated to an integer and "1"/"0" are not booleans, so such mistakes are reported.
 */
function coerce(schema: TSchema, value: unknown): unknown {
  const node = schema as SchemaNode;
  switch (kindOf(schema)) {
    case 'Number':
    case 'Integer': {
      if (typeof value !== 'string' || !NUMERIC.test(value.trim())) return value;
      const n = Number(value.trim());
      return kindOf(schema) === 'Integer' && !Number.isInteger(n) ? value : n;
    }
    case 'Boolean':
      return typeof value === 'string' && /^(true|false)$/i.test(value.trim()) ? value.trim().toLowerCase() === 'true' : value;
    case 'Literal': {
      const literal = node.const;
      if (typeof value !== 'string') return value;
      if (typeof literal === 'number' && NUMERIC.test(value.trim()) && Number(value.trim()) === literal) return literal;
      if (typeof literal === 'boolean' && value.trim().toLowerCase() === String(literal)) return literal;
      return value;
    }
    case 'Array': {
      const items = node.items as TSchema | undefined;
      return Array.isArray(value) && items && !Array.isArray(items) ? value.map((v) => coerce(items, v)) : value;
    }
    case 'Object':
    case 'Record': {
      if (!isPlainObject(value)) return value;
      const out: Record<string, unknown> = {};
      for (const [key, v] of Object.entries(value)) {
        const sub = propertiesOf(schema)[key] ?? extraSchemaOf(schema, key);
        out[key] = sub ? coerce(sub, v) : v;
      }
      return out;
    }
    case 'Union': {
      if (Value.Check(schema, value)) return value;
      for (const member of (node.anyOf as TSchema[] | undefined) ?? []) {
        const converted = coerce(member, value);
        if (Value.Check(member, converted)) return converted;
      }
      return value;
    }
    case 'Intersect':
      return ((node.allOf as TSchema[] | undefined) ?? []).reduce((v, member) => coerce(member, v), value);
    default:
      return value;
  }
}

function collectProblems(schema: TSchema, value: unknown): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Set<string>();
  for (const error of Value.Errors(schema, value)) {
    const path = error.path === '' ? '/' : error.path;
    if (seen.has(path)) continue; // one problem per path; the reason already names every constraint
    seen.add(path);
    problems.push({ path, reason: reasonFor(error) });
  }
  return problems;
}

function reasonFor(error: ValueError): string {
  switch (error.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return `missing; expected ${describe(error.schema)}`;
    case ValueErrorType.ObjectAdditionalProperties: {
      const key = decodePointerToken(error.path.slice(error.path.lastIndexOf('/') + 1));
      const allowed = Object.keys(propertiesOf(error.schema));
      const suggestion = closest(key, allowed);
      if (suggestion) return `unknown key; did you mean "${suggestion}"?`;
      return allowed.length > 0 ? `unknown key; allowed keys are ${allowed.join(', ')}` : 'unknown key';
    }
    default:
      return `expected ${describe(error.schema)}, got ${show(error.value)}`;
  }
}

function decodePointerToken(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** A plain description of what the schema accepts: `integer from 100 to 60000`, `one of "a", "b"`. */
function describe(schema: TSchema): string {
  const s = schema as SchemaNode;
  switch (kindOf(schema)) {
    case 'Integer':
    case 'Number':
      return [kindOf(schema) === 'Integer' ? 'integer' : 'number', numberBounds(s)].filter(Boolean).join(' ');
    case 'String': {
      const parts: string[] = [s.minLength === 1 && s.maxLength === undefined ? 'non-empty string' : 'string'];
      if (typeof s.minLength === 'number' && s.minLength > 1) parts.push(`of at least ${s.minLength} characters`);
      if (typeof s.maxLength === 'number') parts.push(`of at most ${s.maxLength} characters`);
      if (typeof s.pattern === 'string') parts.push(`matching /${s.pattern}/`);
      if (typeof s.format === 'string') parts.push(`in format ${s.format}`);
      return parts.join(' ');
    }
    case 'Boolean':
      return 'true or false';
    case 'Literal':
      return JSON.stringify(s.const);
    case 'Null':
      return 'null';
    case 'Union': {
      const members = (s.anyOf as TSchema[] | undefined) ?? [];
      if (members.length > 0 && members.every((m) => kindOf(m) === 'Literal')) {
        return `one of ${members.map((m) => JSON.stringify((m as SchemaNode).const)).join(', ')}`;
      }
      return members.map(describe).join(' or ');
    }
    case 'Array': {
      const items = s.items as TSchema | undefined;
      const parts = [items && !Array.isArray(items) ? `list of ${describe(items)}` : 'list'];
      if (typeof s.minItems === 'number' && s.minItems > 0) parts.push(`with at least ${s.minItems} item${s.minItems === 1 ? '' : 's'}`);
      if (typeof s.maxItems === 'number') parts.push(`with at most ${s.maxItems} item${s.maxItems === 1 ? '' : 's'}`);
      if (s.uniqueItems === true) parts.push('without duplicates');
      return parts.join(' ');
    }
    case 'Object':
      return 'object';
    case 'Record':
      return 'object (map)';
    default:
      return typeof s.type === 'string' ? s.type : kindOf(schema).toLowerCase();
  }
}

function numberBounds(s: SchemaNode): string {
  const { minimum: min, maximum: max, exclusiveMinimum: xmin, exclusiveMaximum: xmax, multipleOf } = s;
  const bounds: string[] = [];
  if (typeof min === 'number' && typeof max === 'number') bounds.push(`from ${min} to ${max}`);
  else if (typeof min === 'number') bounds.push(`≥ ${min}`);
  else if (typeof max === 'number') bounds.push(`≤ ${max}`);
  if (typeof xmin === 'number') bounds.push(`> ${xmin}`);
  if (typeof xmax === 'number') bounds.push(`< ${xmax}`);
  if (typeof multipleOf === 'number') bounds.push(`(multiple of ${multipleOf})`);
  return bounds.join(' and ').replace(' and (', ' (');
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The allowed key an unknown key was probably meant to be (case or a typo or two away). */
function closest(key: string, allowed: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of allowed) {
    const d = candidate.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= (key.length <= 3 ? 1 : 2) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

// ---------------------------------------------------------------------------------------------
// Files

/**
 * Parses config text: JSON for `.json` files, YAML (a superset of JSON) otherwise. Syntax
 * errors become a ConfigError whose problems are `file:line:column: reason`.
 */
export function parseConfigText(text: string, file: string): unknown {
  const source = text.replace(/^\uFEFF/, '');
  return nodePath.extname(file).toLowerCase() === '.json' ? parseJson(source, file) : parseYaml(source, file);
}

function parseYaml(text: string, file: string): unknown {
  const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      const reason = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      return pos ? { path: `${file}:${pos.line}:${pos.col}`, reason, line: pos.line, column: pos.col } : { path: file, reason };
    });
    throw new ConfigError(problems, { origin: file, summary: `Cannot parse YAML configuration file ${file}` });
  }
  return doc.toJS({ maxAliasCount: 100 });
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const offset = jsonErrorOffset(text);
    const { line, column } = lineAndColumn(text, offset < 0 ? 0 : offset);
    const reason = offset < 0 ? errorMessage(err) : offset >= text.length ? 'unexpected end of file' : `unexpected ${JSON.stringify(text[offset])}`;
    throw new ConfigError([{ path: `${file}:${line}:${column}`, reason, line, column }], {
      origin: file,
      summary: `Cannot parse JSON configuration file ${file}`,
      cause: err,
    });
  }
}

/** Offset of the first character that makes `text` invalid JSON, or -1. (JSON.parse on Node 20 does not always say.) */
function jsonErrorOffset(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw i;
  };
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const literal = (word: string): void => {
    for (const ch of word) {
      if (text[i] !== ch) fail();
      i++;
    }
  };
  const str = (): void => {
    i++;
    while (i < text.length) {
      const ch = text[i];
      if (ch === '"') return void i++;
      if (ch === '\\') {
        i++;
        if (text[i] === 'u') {
          for (let k = 0; k < 4; k++) {
            i++;
            if (!/[0-9a-fA-F]/.test(text[i] ?? '')) fail();
          }
          i++;
        } else if (i < text.length && '"\\/bfnrt'.includes(text[i])) i++;
        else fail();
      } else if (ch < ' ') fail();
      else i++;
    }
    fail();
  };
  const num = (): void => {
    const re = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m || m[0] === '-' || m[0] === '') fail();
    i = re.lastIndex;
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        str();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    }
    if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    }
    if (ch === '"') return str();
    if (ch === 't') return literal('true');
    if (ch === 'f') return literal('false');
    if (ch === 'n') return literal('null');
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return num();
    fail();
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
    return -1;
  } catch (offset) {
    if (typeof offset === 'number') return offset;
    throw offset;
  }
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** Reads and parses a config file; a missing or unreadable file is a ConfigError naming it. */
export async function readConfigFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot read the file: ${errorMessage(err)}`;
    throw new ConfigError([{ path: file, reason }], { origin: file, summary: `Cannot read configuration file ${file}`, cause: err });
  }
  return parseConfigText(text, file);
}

// ---------------------------------------------------------------------------------------------
// Sources

/** Where raw (unvalidated) configuration comes from. */
export interface ConfigSource {
  /** For messages: a file path, `Greengrass IPC`, `defaults`. */
  readonly origin: string;
  get(): Promise<unknown>;
  /** Calls `onChange` when the configuration may have changed; resolves to an unsubscribe function. */
  subscribe(onChange: () => void): Promise<() => Promise<void> | void>;
  /** Releases connections. */
  close?(): Promise<void>;
}

/** A local YAML/JSON file. Read on each get(); changes are not watched (restart to apply). */
export class FileConfigSource implements ConfigSource {
  constructor(readonly origin: string) {}

  get(): Promise<unknown> {
    return readConfigFile(this.origin);
  }

  async subscribe(): Promise<() => void> {
    return () => undefined;
  }
}

/** No configuration at all: every key takes its schema default. */
export class DefaultsConfigSource implements ConfigSource {
  readonly origin = 'defaults';

  async get(): Promise<unknown> {
    return {};
  }

  async subscribe(): Promise<() => void> {
    return () => undefined;
  }
}

/** The subset of the `greengrasscoreipc` Client this module uses. */
export interface ConfigIpcClient {
  getConfiguration(request: { keyPath: string[]; componentName?: string }): Promise<{ componentName?: string; value?: unknown }>;
  subscribeToConfigurationUpdate(request: { keyPath: string[]; componentName?: string }): ConfigUpdateStream;
  close(): Promise<void>;
}

/** The subset of the SDK's StreamingOperation used for configuration updates. */
export interface ConfigUpdateStream {
  on(event: 'message', listener: (message: { configurationUpdateEvent?: { componentName: string; keyPath: string[] } }) => void): unknown;
  on(event: 'streamError', listener: (error: any) => void): unknown;
  on(event: 'ended', listener: (event: any) => void): unknown;
  activate(): Promise<unknown>;
  close(): Promise<void>;
}

/** Creates and connects the real IPC client (loaded lazily, so nothing native loads off-device). */
export async function connectGreengrassIpc(): Promise<ConfigIpcClient> {
  const { greengrasscoreipc } = await import('aws-iot-device-sdk-v2');
  const client = greengrasscoreipc.createClient();
  await client.connect();
  return client;
}

export interface GreengrassIpcConfigSourceOptions {
  /** Default: `connectGreengrassIpc`. Called once, on first use. */
  connect?: () => Promise<ConfigIpcClient>;
  logger?: Logger;
  /**
   * Top-level keys removed before validation. Default ['accessControl']: recipes put IPC
   * authorization policies in the component configuration; they are for the nucleus, not
   * for the component.
   */
  ignoreKeys?: string[];
}

/** The component's configuration from the Greengrass nucleus over IPC. */
export class GreengrassIpcConfigSource implements ConfigSource {
  readonly origin = 'Greengrass IPC';
  private readonly connect: () => Promise<ConfigIpcClient>;
  private readonly logger?: Logger;
  private readonly ignoreKeys: string[];
  private client: Promise<ConfigIpcClient> | undefined;

  constructor(options: GreengrassIpcConfigSourceOptions = {}) {
    this.connect = options.connect ?? connectGreengrassIpc;
    this.logger = options.logger;
    this.ignoreKeys = options.ignoreKeys ?? ['accessControl'];
  }

  async get(): Promise<unknown> {
    const client = await this.ipc();
    let response: { value?: unknown };
    try {
      response = await client.getConfiguration({ keyPath: [] });
    } catch (err) {
      throw unavailable('GetConfiguration failed.', err);
    }
    const value = response.value ?? {};
    if (!isPlainObject(value)) return value;
    const out = { ...value };
    for (const key of this.ignoreKeys) delete out[key];
    return out;
  }

  async subscribe(onChange: () => void): Promise<() => Promise<void>> {
    const client = await this.ipc();
    const operation = client.subscribeToConfigurationUpdate({ keyPath: [] });
    operation.on('message', (message) => {
      this.logger?.debug('Configuration update announced.', { keyPath: message.configurationUpdateEvent?.keyPath });
      onChange();
    });
    operation.on('streamError', (err) => this.logger?.warn('Configuration update stream failed; updates may be missed until restart.', { err }));
    try {
      await operation.activate();
    } catch (err) {
      throw unavailable('SubscribeToConfigurationUpdate failed.', err);
    }
    return () => operation.close();
  }

  async close(): Promise<void> {
    const pending = this.client;
    this.client = undefined;
    if (!pending) return;
    const client = await pending.catch(() => undefined);
    await client?.close();
  }

  private ipc(): Promise<ConfigIpcClient> {
    if (!this.client) {
      this.client = this.connect().catch((err: unknown) => {
        this.client = undefined;
        throw unavailable('Cannot connect to the Greengrass nucleus over IPC.', err);
      });
    }
    return this.client;
  }
}

function unavailable(message: string, cause: unknown): TributaryError {
  return new TributaryError(CoreErrorCode.ConfigUnavailable, message, { cause, retryable: true });
}

/** True when running as a Greengrass component (the nucleus sets these for its children). */
export function isGreengrass(env: Record<string, string | undefined>): boolean {
  return Boolean(env.SVCUID || env.AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT);
}

/** The value of `--config <path>` or `--config=<path>` (the last one wins), if any. */
export function configPathFromArgv(argv: readonly string[]): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith('--config=')) found = arg.slice('--config='.length);
    else if (arg === '--config') {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) {
        throw new ConfigError([{ path: '--config', reason: 'needs a file path, e.g. --config ./config.yaml' }], { summary: 'Bad command line' });
      }
      found = next;
      i++;
    } else continue;
    if (found === '') throw new ConfigError([{ path: '--config', reason: 'needs a file path, e.g. --config=./config.yaml' }], { summary: 'Bad command line' });
  }
  return found;
}

export interface ConfigSourceOptions {
  /** Command-line arguments without node and script. Default process.argv.slice(2). */
  argv?: readonly string[];
  /** Default process.env. */
  env?: Record<string, string | undefined>;
  /** How to connect to Greengrass IPC; default `connectGreengrassIpc`. */
  ipc?: () => Promise<ConfigIpcClient>;
  logger?: Logger;
}

/** Greengrass IPC under Greengrass, else the `--config` file, else the schema defaults. */
export function resolveConfigSource(options: ConfigSourceOptions = {}): ConfigSource {
  const env = options.env ?? process.env;
  if (isGreengrass(env)) return new GreengrassIpcConfigSource({ connect: options.ipc, logger: options.logger });
  const file = configPathFromArgv(options.argv ?? process.argv.slice(2));
  return file === undefined ? new DefaultsConfigSource() : new FileConfigSource(file);
}

// ---------------------------------------------------------------------------------------------
// Loading and following updates

export interface LoadConfigOptions<T> extends ConfigSourceOptions {
  /** Use this source instead of choosing one from env/argv (tests, special cases). */
  source?: ConfigSource;
  /**
   * Called with each new valid configuration after an update (not for the initial one). An
   * invalid update is logged with all its problems and the previous configuration stays.
   * Without onUpdate, updates are not followed and the source is closed after the first read.
   */
  onUpdate?: (config: T, previous: T) => void | Promise<void>;
  /** Updates arriving within this window are read once. Default 250 ms; 0 reads at once. */
  debounceMs?: number;
  clock?: Clock;
  /**
   * Checks a schema cannot express (cross-references, expressions), run after schema
   * validation on the initial configuration and on every update; problems are reported like
   * schema problems (an invalid update is rejected, the previous configuration stays).
   */
  check?: (config: T) => ConfigProblem[];
}

export interface LoadedConfig<T> {
  /** The latest valid configuration. */
  readonly config: T;
  readonly origin: string;
  /** Stops following updates and releases the source. */
  close(): Promise<void>;
}

/**
 * Reads and validates the configuration; throws ConfigError (every problem listed) when it
 * is invalid, TributaryError `config_unavailable` when Greengrass IPC cannot be reached.
 */
export async function loadConfig<S extends TSchema>(schema: S, options: LoadConfigOptions<Static<S>> = {}): Promise<LoadedConfig<Static<S>>> {
  const source = options.source ?? resolveConfigSource(options);
  let current: Static<S>;
  try {
    const result = checkConfigWith(schema, await source.get(), options.check);
    if (!result.ok) throw new ConfigError(result.problems, { origin: source.origin });
    current = result.value;
  } catch (err) {
    await source.close?.().catch(() => undefined);
    throw err;
  }

  let unsubscribe: (() => Promise<void> | void) | undefined;
  let follower: ConfigFollower<S> | undefined;
  if (options.onUpdate) {
    follower = new ConfigFollower(schema, source, options.onUpdate, {
      logger: options.logger ?? createLogger({ component: 'config' }),
      clock: options.clock ?? systemClock,
      debounceMs: options.debounceMs ?? 250,
      ...(options.check ? { check: options.check } : {}),
      get: () => current,
      set: (next) => (current = next),
    });
    try {
      unsubscribe = await source.subscribe(() => follower!.changed());
    } catch (err) {
      await source.close?.().catch(() => undefined);
      throw err;
    }
  } else {
    // Not following updates: release the IPC connection now.
    await source.close?.();
  }

  return {
    get config() {
      return current;
    },
    origin: source.origin,
    async close() {
      follower?.stop();
      await unsubscribe?.();
      await source.close?.();
    },
  };
}

interface FollowerDeps<T> {
  logger: Logger;
  clock: Clock;
  debounceMs: number;
  check?: (config: T) => ConfigProblem[];
  get(): T;
  set(next: T): void;
}

/** Re-reads the source after a change notice, validates, and hands valid changes on. One reload at a time. */
class ConfigFollower<S extends TSchema> {
  private timer: TimerHandle | undefined;
  private reloading = false;
  private again = false;
  private stopped = false;

  constructor(
    private readonly schema: S,
    private readonly source: ConfigSource,
    private readonly onUpdate: (config: Static<S>, previous: Static<S>) => void | Promise<void>,
    private readonly deps: FollowerDeps<Static<S>>,
  ) {}

  changed(): void {
    if (this.stopped) return;
    if (this.deps.debounceMs <= 0) {
      void this.reload();
      return;
    }
    this.deps.clock.clearTimeout(this.timer);
    this.timer = this.deps.clock.setTimeout(() => void this.reload(), this.deps.debounceMs);
  }

  stop(): void {
    this.stopped = true;
    this.deps.clock.clearTimeout(this.timer);
  }

  private async reload(): Promise<void> {
    if (this.reloading) {
      this.again = true;
      return;
    }
    this.reloading = true;
    try {
      do {
        this.again = false;
        await this.reloadOnce();
      } while (this.again && !this.stopped);
    } finally {
      this.reloading = false;
    }
  }

  private async reloadOnce(): Promise<void> {
    const { logger } = this.deps;
    let raw: unknown;
    try {
      raw = await this.source.get();
    } catch (err) {
      logger.warn('Cannot re-read the configuration; keeping the previous one.', { origin: this.source.origin, err });
      return;
    }
    if (this.stopped) return;
    let result: CheckResult<Static<S>>;
    try {
      result = checkConfigWith(this.schema, raw, this.deps.check);
    } catch (err) {
      logger.error('Configuration update could not be checked; keeping the previous configuration.', { origin: this.source.origin, err });
      return;
    }
    if (!result.ok) {
      logger.error('Configuration update rejected; keeping the previous configuration.', {
        code: CoreErrorCode.ConfigInvalid,
        origin: this.source.origin,
        problems: formatProblems(result.problems),
      });
      return;
    }
    const previous = this.deps.get();
    const changed = changedKeys(previous, result.value);
    if (changed.length === 0) {
      logger.debug('Configuration re-read; nothing changed.', { origin: this.source.origin });
      return;
    }
    this.deps.set(result.value);
    logger.info('Configuration updated.', { origin: this.source.origin, changed });
    try {
      await this.onUpdate(result.value, previous);
    } catch (err) {
      logger.error('Applying the configuration update failed.', { err });
    }
  }
}

function changedKeys(a: unknown, b: unknown): string[] {
  if (!isPlainObject(a) || !isPlainObject(b)) return JSON.stringify(a) === JSON.stringify(b) ? [] : ['/'];
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}

// ---------------------------------------------------------------------------------------------
// Start-up failure

/** Exit code for an invalid configuration (sysexits EX_CONFIG); other start-up failures exit 1. */
export const EXIT_CONFIG = 78;

export interface ExitOptions {
  /** Default process.exit. */
  exit?: (code: number) => void;
  /** Also print the plain message here (for a person at a terminal). Default: process.stderr when it is a TTY. */
  stderr?: { write(text: string): unknown } | null;
}

/**
 * For main.ts, before any I/O: logs why the configuration could not be loaded (every
 * problem as a `path: reason` string in `problems`) and exits — 78 for an invalid
 * configuration, 1 for anything else. Rethrows `err` if `exit` returns (tests).
 */
/**
 * What every main.ts does first: load and validate the configuration, or log every problem and
 * exit non-zero before any I/O.
 */
export async function loadConfigOrExit<S extends TSchema>(
  schema: S,
  logger: Logger,
  options: LoadConfigOptions<Static<S>> = {},
): Promise<LoadedConfig<Static<S>>> {
  try {
    return await loadConfig(schema, options);
  } catch (err) {
    exitOnConfigError(err, logger);
  }
}

export function exitOnConfigError(err: unknown, logger: Logger, options: ExitOptions = {}): never {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const stderr = options.stderr === undefined ? (process.stderr.isTTY ? process.stderr : null) : options.stderr;
  if (err instanceof ConfigError) {
    logger.error('Invalid configuration; exiting.', { code: err.code, origin: err.origin, problems: formatProblems(err.problems) });
    stderr?.write(`${err.message}\n`);
    exit(EXIT_CONFIG);
  } else {
    logger.error('Cannot load the configuration; exiting.', { err });
    stderr?.write(`Cannot load the configuration: ${errorMessage(err)}\n`);
    exit(1);
  }
  throw err;
}
