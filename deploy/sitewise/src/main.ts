/**
 * `npm run sitewise:provision -- [options]` (see args.ts, README.md): wiring only.
 * Exit codes: 0 done (or planned), 1 a SiteWise call or an operator-fixable conflict failed, 2 usage.
 */
import { IoTSiteWiseClient, type IoTSiteWiseClientConfig } from '@aws-sdk/client-iotsitewise';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { USAGE, UsageError, parseProvisionArgs, type ProvisionArgs } from './args';
import { AWS_WAITER, LOCAL_WAITER, ProvisionError, provision, type Action } from './provisioner';

export interface ProvisionIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
}

export const LOOPBACK = /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(\/|$)/;

/** The client for the parsed arguments: an endpoint override needs `disableHostPrefix` (else `api.<host>`). */
export function provisionClient(args: Pick<ProvisionArgs, 'endpoint' | 'region'>, env: NodeJS.ProcessEnv = process.env, overrides: Partial<IoTSiteWiseClientConfig> = {}): IoTSiteWiseClient {
  const config: IoTSiteWiseClientConfig = {
    region: args.region ?? 'us-east-1',
    maxAttempts: 5,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5000, requestTimeout: 30000 }),
    ...overrides,
  };
  if (args.endpoint) {
    config.endpoint = args.endpoint;
    config.disableHostPrefix = true;
    // The local SiteWise accepts any credentials; do not require a profile for it.
    if (LOOPBACK.test(args.endpoint) && !env.AWS_ACCESS_KEY_ID && !env.AWS_PROFILE) config.credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  }
  return new IoTSiteWiseClient(config);
}

export function describeAction(a: Action): string {
  const verb: Record<Action['kind'], string> = {
    'create-model': 'create model',
    'update-model': 'update model',
    'create-asset': 'create asset',
    associate: 'associate',
    'set-alias': 'set alias',
  };
  return `${verb[a.kind]} ${a.target}${a.detail ? `: ${a.detail}` : ''}`;
}

export async function runProvision(argv: readonly string[], io: ProvisionIo): Promise<number> {
  let args: ProvisionArgs;
  try {
    args = parseProvisionArgs(argv, io.env);
  } catch (err) {
    if (err instanceof UsageError) {
      for (const p of err.problems) io.err(`error: ${p}`);
      io.err(USAGE);
      return 2;
    }
    throw err;
  }
  if (args.help) {
    io.out(USAGE);
    return 0;
  }
  const client = provisionClient(args, io.env);
  const where = args.endpoint ?? `AWS IoT SiteWise in ${args.region}`;
  io.out(`${args.dryRun ? 'Plan for' : 'Provisioning'} ${where}: ${args.spec.models.length} models, ${args.spec.assets.length} assets.`);
  try {
    const report = await provision(client, args.spec, {
      dryRun: args.dryRun,
      waiter: args.endpoint && LOOPBACK.test(args.endpoint) ? LOCAL_WAITER : AWS_WAITER,
      onAction: (a) => io.out(`${args.dryRun ? '  would ' : '  '}${describeAction(a)}`),
    });
    const n = report.actions.length;
    io.out(n === 0 ? 'Nothing to do: SiteWise already matches.' : `${args.dryRun ? 'Would make' : 'Made'} ${n} change${n === 1 ? '' : 's'}.`);
    for (const [name, id] of Object.entries(report.modelIds)) io.out(`  model ${name}: ${id}`);
    return 0;
  } catch (err) {
    if (err instanceof ProvisionError) {
      io.err(`error (${err.code}): ${err.message}`);
      return 1;
    }
    io.err(`error: ${(err as Error).message ?? String(err)}`);
    return 1;
  } finally {
    client.destroy();
  }
}

if (require.main === module) {
  runProvision(process.argv.slice(2), { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`), env: process.env }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`error: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
