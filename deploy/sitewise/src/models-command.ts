/**
 * `tributary models`: the SiteWise asset models, the asset tree, the property aliases and the
 * latest values (tree.ts reads and formats them). Local SiteWise by default; `--aws` reads the
 * real service with the default credential chain.
 * Exit codes: 0 shown, 1 SiteWise could not be read (or no asset matches --asset), 2 usage.
 */
import { LOOPBACK, provisionClient } from './main';
import { formatTree, isConnectionError, NoSuchAssetError, readTree, SiteWiseReadError } from './tree';

/** The local SiteWise's port (`DEFAULT_SITEWISE_PORT` of local/sitewise; not imported, to keep the service out of this tool). */
const DEFAULT_SITEWISE_PORT = 4523;

export const MODELS_USAGE = `Usage: tributary models [--endpoint URL | --aws] [--region REGION] [--asset NAME] [--no-values] [--json]

Shows the SiteWise asset models, the assets as a tree (Fleet → vehicles, Site → Area → Line →
Machine), every property's alias and its latest value with unit, quality and age.

  --endpoint URL   SiteWise endpoint (default http://127.0.0.1:${DEFAULT_SITEWISE_PORT}, the local SiteWise of \`tributary start\`)
  --aws            read the real AWS IoT SiteWise (default credential chain, e.g. AWS_PROFILE)
  --region REGION  AWS Region (default AWS_REGION, else us-east-1)
  --asset NAME     only this asset and the assets under it (name or id; * matches any characters,
                   e.g. 'Site1/AreaA/Line1*')
  --no-values      no latest values (data type and unit instead; fewer calls)
  --json           machine-readable output
  --help
`;

export interface ModelsArgs {
  endpoint?: string;
  region: string;
  asset?: string;
  values: boolean;
  json: boolean;
  help: boolean;
}

export class ModelsUsageError extends Error {}

export function parseModelsArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ModelsArgs {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  const valueOptions = new Set(['--endpoint', '--region', '--asset']);
  const flagOptions = new Set(['--aws', '--no-values', '--json', '--help', '-h']);
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i]!;
    let value: string | undefined;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    if (eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (flagOptions.has(arg)) {
      if (value !== undefined) throw new ModelsUsageError(`${arg} takes no value`);
      flags.add(arg === '-h' ? '--help' : arg);
    } else if (valueOptions.has(arg)) {
      if (value === undefined) {
        value = argv[++i];
        if (value === undefined || value.startsWith('--')) throw new ModelsUsageError(`${arg} needs a value`);
      }
      if (values.has(arg)) throw new ModelsUsageError(`${arg} is given twice`);
      values.set(arg, value);
    } else {
      throw new ModelsUsageError(`unknown argument ${arg}`);
    }
  }
  const aws = flags.has('--aws');
  let endpoint = values.get('--endpoint');
  if (aws && endpoint !== undefined) throw new ModelsUsageError('--aws and --endpoint exclude each other');
  if (endpoint !== undefined && !/^https?:\/\/[^/\s]+/.test(endpoint)) throw new ModelsUsageError(`--endpoint ${endpoint} must be an http:// or https:// URL`);
  if (!aws && endpoint === undefined) endpoint = `http://127.0.0.1:${DEFAULT_SITEWISE_PORT}`;
  const asset = values.get('--asset');
  if (asset !== undefined && asset.length === 0) throw new ModelsUsageError('--asset needs a name');
  return {
    ...(endpoint !== undefined ? { endpoint } : {}),
    region: values.get('--region') ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(asset !== undefined ? { asset } : {}),
    values: !flags.has('--no-values'),
    json: flags.has('--json'),
    help: flags.has('--help'),
  };
}

export interface ModelsIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  now?: () => number;
}

const processIo: ModelsIo = { out: (t) => void process.stdout.write(t), err: (t) => void process.stderr.write(t), env: process.env };

/** Runs `tributary models ARGV`; answers the exit code. Errors are one or two plain lines, no stack. */
export async function runModels(argv: readonly string[], io: ModelsIo = processIo): Promise<number> {
  let args: ModelsArgs;
  try {
    args = parseModelsArgs(argv, io.env);
  } catch (err) {
    if (!(err instanceof ModelsUsageError)) throw err;
    io.err(`tributary models: ${err.message}\n\n${MODELS_USAGE}`);
    return 2;
  }
  if (args.help) {
    io.out(MODELS_USAGE);
    return 0;
  }
  if (io === processIo && process.stdout.listenerCount('error') === 0) {
    // `tributary models --json | head`: a closed pipe ends the command quietly, not with a stack.
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  // The SDK's notice about future Node versions would land in the middle of the output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const where = args.endpoint ?? `AWS IoT SiteWise in ${args.region}`;
  const client = provisionClient({ ...(args.endpoint ? { endpoint: args.endpoint } : {}), region: args.region }, io.env, { maxAttempts: 3 });
  try {
    const tree = await readTree(client, {
      source: `SiteWise ${where}`,
      values: args.values,
      ...(args.asset !== undefined ? { asset: args.asset } : {}),
      ...(io.now ? { now: io.now } : {}),
    });
    io.out(args.json ? `${JSON.stringify(tree, null, 2)}\n` : formatTree(tree, { values: args.values }));
    return 0;
  } catch (err) {
    io.err(`tributary models: ${explain(err, args, where)}\n`);
    return 1;
  } finally {
    client.destroy();
  }
}

function explain(err: unknown, args: ModelsArgs, where: string): string {
  if (err instanceof NoSuchAssetError) {
    const some = err.known.slice(0, 12).join(', ');
    return `${err.message} ${err.known.length === 0 ? 'There are no assets.' : `Assets: ${some}${err.known.length > 12 ? `, … (${err.known.length} in all)` : ''}.`}`;
  }
  const cause = err instanceof SiteWiseReadError ? (err as Error & { cause?: unknown }).cause : err;
  if (isConnectionError(cause)) {
    const detail = ((cause as Error).message || (cause as { code?: string }).code || 'no answer').replace(/^AWS SDK error wrapper for (Error: )?/, '');
    const local = args.endpoint !== undefined && LOOPBACK.test(args.endpoint);
    return (
      `cannot reach SiteWise at ${where} (${detail}).` +
      (local ? `\n  Is the local SiteWise running? \`tributary start\` or \`tributary sitewise --port ${portOf(args.endpoint!)}\` runs it; --endpoint URL points elsewhere.` : '')
    );
  }
  const e = cause as { name?: string; message?: string };
  if (e?.name === 'CredentialsProviderError') return `no AWS credentials for ${where}: ${e.message ?? ''} (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)`;
  return err instanceof Error ? err.message : String(err);
}

function portOf(endpoint: string): string {
  try {
    return new URL(endpoint).port || String(DEFAULT_SITEWISE_PORT);
  } catch {
    return String(DEFAULT_SITEWISE_PORT);
  }
}
