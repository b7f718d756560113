/**
 * `npm run deploy -- --target <thing-group-arn-or-name> --profile vehicle|plant|<file.json>
 *                    [--account <id>] [--region <r>] [--endpoint <url>] [--dry-run]`
 *
 * Rolls a Tributary profile (deploy/profiles/<profile>.json, a CreateDeployment request without
 * targetArn) out to a thing group. A new deployment to a target replaces the previous one and
 * removes every component it does not list, so the target's current deployment is read first
 * (ListDeployments with historyFilter LATEST_ONLY, then GetDeployment) and every component
 * Tributary does not own is kept as it was. Tributary owns the profile's components and every
 * com.tributary.* component (a com.tributary.* component the profile does not list is removed,
 * e.g. when a group moves from the vehicle to the plant profile). `componentVersion: "latest"`
 * (for AWS components) is resolved with ListComponentVersions. --dry-run prints the request
 * instead of creating the deployment.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CreateDeploymentCommand,
  GetDeploymentCommand,
  GreengrassV2Client,
  ListComponentVersionsCommand,
  ListDeploymentsCommand,
  type ComponentDeploymentSpecification,
  type CreateDeploymentRequest,
  type GetDeploymentResponse,
} from '@aws-sdk/client-greengrassv2';
import { repoRoot } from './components';

export const OWNED_PREFIX = 'com.tributary.';
/** Strings that mark a value the operator must replace before a real deployment. */
export const PLACEHOLDERS = /\b(REGION|ACCOUNT_ID|BUCKET_NAME)\b/;

/** A profile component: like the API's, but `merge` may be an object (it is sent as a JSON string). */
export interface ProfileComponent {
  componentVersion: string;
  configurationUpdate?: { merge?: unknown; reset?: string[] };
  runWith?: ComponentDeploymentSpecification['runWith'];
}

export interface Profile {
  deploymentName: string;
  components: Record<string, ProfileComponent>;
  deploymentPolicies?: CreateDeploymentRequest['deploymentPolicies'];
  iotJobConfiguration?: CreateDeploymentRequest['iotJobConfiguration'];
}

export function profilePath(nameOrFile: string, root = repoRoot()): string {
  return /[/\\]|\.json$/.test(nameOrFile) ? path.resolve(nameOrFile) : path.join(root, 'deploy', 'profiles', `${nameOrFile}.json`);
}

export function loadProfile(nameOrFile: string, root = repoRoot()): Profile {
  const file = profilePath(nameOrFile, root);
  if (!fs.existsSync(file)) throw new Error(`No profile ${nameOrFile} (${file}); the profiles are ${fs.readdirSync(path.join(root, 'deploy', 'profiles')).join(', ')}`);
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  const profile = Object.fromEntries(Object.entries(raw).filter(([k]) => !k.startsWith('$'))) as unknown as Profile;
  if (typeof profile.deploymentName !== 'string' || typeof profile.components !== 'object' || profile.components === null) {
    throw new Error(`${file}: a profile needs deploymentName and components`);
  }
  return profile;
}

/** Where in `value` a placeholder (REGION, ACCOUNT_ID, BUCKET_NAME) is left, as JSON pointers. */
export function placeholdersIn(value: unknown, at = ''): string[] {
  if (typeof value === 'string') return PLACEHOLDERS.test(value) ? [at || '/'] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => placeholdersIn(v, `${at}/${i}`));
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([k, v]) => placeholdersIn(v, `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`));
  return [];
}

export interface Plan {
  request: CreateDeploymentRequest;
  /** Components of the current deployment kept unchanged. */
  kept: string[];
  /** Tributary components removed (in the current deployment, not in the profile). */
  removed: string[];
  /** The profile's components. */
  deployed: string[];
}

export function isOwned(name: string, profile: Profile): boolean {
  return name.startsWith(OWNED_PREFIX) || name in profile.components;
}

/** The CreateDeployment request: the profile's components plus what the current deployment has that Tributary does not own. */
export function planDeployment(profile: Profile, targetArn: string, current?: Pick<GetDeploymentResponse, 'components'>): Plan {
  const components: Record<string, ComponentDeploymentSpecification> = {};
  const kept: string[] = [];
  const removed: string[] = [];
  for (const [name, spec] of Object.entries(current?.components ?? {})) {
    if (!isOwned(name, profile)) {
      components[name] = spec;
      kept.push(name);
    } else if (!(name in profile.components)) removed.push(name);
  }
  for (const [name, c] of Object.entries(profile.components)) {
    const spec: ComponentDeploymentSpecification = { componentVersion: c.componentVersion };
    if (c.configurationUpdate) {
      const { merge, reset } = c.configurationUpdate;
      spec.configurationUpdate = {
        ...(merge !== undefined ? { merge: typeof merge === 'string' ? merge : JSON.stringify(merge) } : {}),
        ...(reset !== undefined ? { reset } : {}),
      };
    }
    if (c.runWith) spec.runWith = c.runWith;
    components[name] = spec;
  }
  const request: CreateDeploymentRequest = {
    targetArn,
    deploymentName: profile.deploymentName,
    components,
    ...(profile.deploymentPolicies ? { deploymentPolicies: profile.deploymentPolicies } : {}),
    ...(profile.iotJobConfiguration ? { iotJobConfiguration: profile.iotJobConfiguration } : {}),
  };
  return { request, kept: kept.sort(), removed: removed.sort(), deployed: Object.keys(profile.components) };
}

const ARN = /^arn:(aws[a-z-]*):iot:([a-z0-9-]+):(\d{12}):(thinggroup|thing)\/([a-zA-Z0-9:_-]+)$/;

export function partitionOf(region: string): string {
  return region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
}

/** The target's ARN: as given, or a thing group ARN from its name, the account and the region. */
export function targetArnOf(target: string, region: string | undefined, account: string | undefined): string {
  if (target.startsWith('arn:')) {
    if (!ARN.test(target)) throw new Error(`--target ${target} is not a thing group (or thing) ARN: arn:aws:iot:<region>:<account>:thinggroup/<name>`);
    return target;
  }
  if (!/^[a-zA-Z0-9:_-]{1,128}$/.test(target)) throw new Error(`--target ${target} is not a thing group name`);
  if (!account || !/^\d{12}$/.test(account)) throw new Error('--target by name needs --account <12-digit account id> (or AWS_ACCOUNT_ID), or give the thing group ARN');
  if (!region) throw new Error('--target by name needs --region (or AWS_REGION)');
  return `arn:${partitionOf(region)}:iot:${region}:${account}:thinggroup/${target}`;
}

function compareSemver(a: string, b: string): number {
  const pa = a.split(/[-+]/)[0].split('.').map(Number);
  const pb = b.split(/[-+]/)[0].split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

export interface DeployArgs {
  target: string;
  profile: string;
  dryRun: boolean;
  endpoint?: string;
  region?: string;
  account?: string;
}

export function parseDeployArgs(argv: readonly string[], env: Record<string, string | undefined> = process.env): DeployArgs {
  const out: Partial<DeployArgs> = { dryRun: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--target') out.target = value();
    else if (a === '--profile') out.profile = value();
    else if (a === '--dry-run') out.dryRun = true;
    else if (a === '--endpoint') out.endpoint = value();
    else if (a === '--region') out.region = value();
    else if (a === '--account') out.account = value();
    else throw new Error(`Unknown argument ${a}. Usage: npm run deploy -- --target <thing-group-arn-or-name> --profile vehicle|plant [--dry-run] [--endpoint URL] [--region R] [--account ID]`);
  }
  if (!out.target) throw new Error('--target <thing-group-arn-or-name> is required');
  if (!out.profile) throw new Error('--profile vehicle|plant (or a profile file) is required');
  const arnRegion = ARN.exec(out.target)?.[2];
  return {
    target: out.target,
    profile: out.profile,
    dryRun: out.dryRun ?? false,
    ...(out.endpoint ? { endpoint: out.endpoint } : {}),
    ...((out.region ?? arnRegion ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION) ? { region: out.region ?? arnRegion ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION } : {}),
    ...((out.account ?? env.AWS_ACCOUNT_ID) ? { account: out.account ?? env.AWS_ACCOUNT_ID } : {}),
  };
}

export interface DeployDeps {
  /** Default: a GreengrassV2Client for args.region/endpoint with the default credential chain. */
  client?: Pick<GreengrassV2Client, 'send'>;
  out?: (line: string) => void;
  root?: string;
}

export interface DeployResult {
  plan: Plan;
  deploymentId?: string;
}

/** Reads the current deployment, plans, and creates the new one (or prints it with dryRun). */
export async function deploy(args: DeployArgs, deps: DeployDeps = {}): Promise<DeployResult> {
  const out = deps.out ?? ((line: string) => console.log(line));
  const profile = loadProfile(args.profile, deps.root);
  const targetArn = targetArnOf(args.target, args.region, args.account);
  const region = args.region ?? ARN.exec(targetArn)![2];
  const client = deps.client ?? new GreengrassV2Client({ region, ...(args.endpoint ? { endpoint: args.endpoint } : {}) });

  // AWS components pinned as "latest": the newest public version in the region.
  for (const [name, c] of Object.entries(profile.components)) {
    if (c.componentVersion !== 'latest') continue;
    const arn = `arn:${partitionOf(region)}:greengrass:${region}:aws:components:${name}`;
    const listed = await client.send(new ListComponentVersionsCommand({ arn }));
    const versions = (listed.componentVersions ?? []).map((v) => v.componentVersion).filter((v): v is string => typeof v === 'string');
    if (versions.length === 0) throw new Error(`No versions of ${name} found in ${region}`);
    c.componentVersion = versions.sort(compareSemver)[versions.length - 1];
  }

  const latest = await client.send(new ListDeploymentsCommand({ targetArn, historyFilter: 'LATEST_ONLY' }));
  const currentId = latest.deployments?.find((d) => d.targetArn === targetArn || d.targetArn === undefined)?.deploymentId;
  const current = currentId ? await client.send(new GetDeploymentCommand({ deploymentId: currentId })) : undefined;
  const plan = planDeployment(profile, targetArn, current);

  out(`Target ${targetArn}: current deployment ${currentId ?? '(none)'}.`);
  out(`  deploy: ${plan.deployed.map((n) => `${n}=${plan.request.components![n].componentVersion}`).join(', ')}`);
  out(`  keep (not Tributary's): ${plan.kept.join(', ') || 'none'}`);
  out(`  remove (Tributary, not in profile ${args.profile}): ${plan.removed.join(', ') || 'none'}`);

  if (args.dryRun) {
    out(JSON.stringify(plan.request, null, 2));
    return { plan };
  }
  const left = placeholdersIn(plan.request);
  if (left.length > 0) throw new Error(`The profile still holds placeholders (REGION, ACCOUNT_ID, BUCKET_NAME) at ${left.join(', ')}; edit it (or copy it and pass --profile <file>) first`);
  const created = await client.send(new CreateDeploymentCommand(plan.request));
  out(`Created deployment ${created.deploymentId} (IoT job ${created.iotJobId ?? '-'}).`);
  return { plan, deploymentId: created.deploymentId };
}

export async function main(argv: readonly string[]): Promise<void> {
  await deploy(parseDeployArgs(argv));
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
