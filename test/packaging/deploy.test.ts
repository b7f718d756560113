/**
 * Fleet deployments: the profiles are valid deployment documents for the registry's components,
 * and `npm run deploy` (local/packaging/deploy.ts) reads the target's current deployment, keeps
 * what Tributary does not own and creates the new one — against a local fake of the Greengrass
 * v2 REST API (the paths the SDK's serializers use), never AWS.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GreengrassV2Client } from '@aws-sdk/client-greengrassv2';
import type { TObject } from '@sinclair/typebox';
import { validateConfig } from '../../components/core/src/config';
import { COMPONENTS, componentVersion, loadSchema, presentComponents } from '../../local/packaging/components';
import { deploy, loadProfile, parseDeployArgs, placeholdersIn, planDeployment, targetArnOf, type Profile } from '../../local/packaging/deploy';
import { defaultConfiguration } from '../../local/packaging/recipe';
import { REPO } from '../helpers/stream-manager';

const VERSION = componentVersion(REPO);
const GROUP = 'arn:aws:iot:eu-west-1:123456789012:thinggroup/vans';

/** Greengrass's merge: objects merge key by key, anything else (lists too) is replaced. */
function merged(base: unknown, update: unknown): unknown {
  if (typeof base !== 'object' || base === null || Array.isArray(base) || typeof update !== 'object' || update === null || Array.isArray(update)) return update;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(update)) out[k] = merged(out[k], v);
  return out;
}

describe.each(['vehicle', 'plant'])('the %s profile', (name) => {
  const profile = loadProfile(name, REPO);
  const expected = name === 'vehicle' ? ['ObdCollector', 'GpsCollector', 'Aggregator', 'Publisher'] : ['OpcUaCollector', 'OpcDaCollector', 'Aggregator', 'Publisher'];

  test('deploys its four Tributary components at the package version, with ROLLBACK and a guarded exponential rollout', () => {
    expect(Object.keys(profile.components).filter((c) => c.startsWith('com.tributary.'))).toEqual(expected.map((s) => `com.tributary.${s}`));
    for (const [c, spec] of Object.entries(profile.components)) if (c.startsWith('com.tributary.')) expect({ c, v: spec.componentVersion }).toEqual({ c, v: VERSION });
    expect(profile.deploymentPolicies).toEqual(expect.objectContaining({ failureHandlingPolicy: 'ROLLBACK', componentUpdatePolicy: expect.objectContaining({ action: 'NOTIFY_COMPONENTS' }) }));
    const job = profile.iotJobConfiguration!;
    const rate = job.jobExecutionsRolloutConfig!.exponentialRate!;
    expect(rate.baseRatePerMinute).toBeGreaterThanOrEqual(1);
    expect(rate.baseRatePerMinute).toBeLessThanOrEqual(1000);
    expect(rate.incrementFactor).toBeGreaterThanOrEqual(1);
    expect(rate.incrementFactor).toBeLessThanOrEqual(5);
    expect(job.abortConfig!.criteriaList!.map((c) => c.failureType)).toEqual(expect.arrayContaining(['FAILED', 'TIMED_OUT']));
    for (const c of job.abortConfig!.criteriaList!) {
      expect(c.action).toBe('CANCEL');
      expect(c.thresholdPercentage).toBeLessThanOrEqual(100);
      expect(c.minNumberOfExecutedThings).toBeGreaterThanOrEqual(1);
    }
    expect(job.timeoutConfig!.inProgressTimeoutInMinutes).toBeGreaterThan(0);
  });

  test('each configuration merge, applied over the recipe defaults, is a valid configuration (for landed components)', () => {
    for (const spec of presentComponents(REPO).filter((c) => c.name in profile.components)) {
      const merge = profile.components[spec.name].configurationUpdate?.merge ?? {};
      const schema: TObject = loadSchema(spec);
      const { accessControl: _acl, ...config } = merged(defaultConfiguration(spec, schema), merge) as Record<string, unknown>;
      expect(() => validateConfig(schema, config, `${name}: ${spec.name}`)).not.toThrow();
    }
  });
});

test('the plant profile gives SecretManager and the OPC UA collector the same secret, and the collector\'s accessControl only that one', () => {
  const plant = loadProfile('plant', REPO);
  const opcua = plant.components['com.tributary.OpcUaCollector'].configurationUpdate!.merge as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const secretArn = opcua.identity.secretId as string;
  expect((plant.components['aws.greengrass.SecretManager'].configurationUpdate!.merge as { cloudSecrets: { arn: string }[] }).cloudSecrets).toEqual([{ arn: secretArn }]);
  const acl = COMPONENTS.find((c) => c.name === 'com.tributary.OpcUaCollector')!.accessControl!;
  const policyId = Object.keys(acl['aws.greengrass.SecretManager'])[0];
  expect(opcua.accessControl['aws.greengrass.SecretManager'][policyId]).toEqual({ ...acl['aws.greengrass.SecretManager'][policyId], resources: [secretArn] });
  expect(placeholdersIn(plant).length).toBeGreaterThan(0); // the operator fills them in
  expect(placeholdersIn(loadProfile('vehicle', REPO))).toEqual([]);
});

test('planDeployment keeps what Tributary does not own, replaces its own, and removes stale com.tributary components', () => {
  const profile: Profile = { deploymentName: 't', components: { 'com.tributary.Publisher': { componentVersion: '0.1.0', configurationUpdate: { merge: { a: 1 } } } } };
  const plan = planDeployment(profile, GROUP, {
    components: {
      'aws.greengrass.Cli': { componentVersion: '2.12.0' },
      'com.example.Mine': { componentVersion: '1.0.0', configurationUpdate: { merge: '{"x":1}' } },
      'com.tributary.Publisher': { componentVersion: '0.0.9' },
      'com.tributary.ObdCollector': { componentVersion: '0.0.9' },
    },
  });
  expect(plan.request.components).toEqual({
    'aws.greengrass.Cli': { componentVersion: '2.12.0' },
    'com.example.Mine': { componentVersion: '1.0.0', configurationUpdate: { merge: '{"x":1}' } },
    'com.tributary.Publisher': { componentVersion: '0.1.0', configurationUpdate: { merge: '{"a":1}' } },
  });
  expect(plan.kept).toEqual(['aws.greengrass.Cli', 'com.example.Mine']);
  expect(plan.removed).toEqual(['com.tributary.ObdCollector']);
});

test('targets: a thing group ARN as given, a name with account and region, and clear errors otherwise', () => {
  expect(targetArnOf(GROUP, undefined, undefined)).toBe(GROUP);
  expect(targetArnOf('vans', 'cn-north-1', '123456789012')).toBe('arn:aws-cn:iot:cn-north-1:123456789012:thinggroup/vans');
  expect(() => targetArnOf('vans', 'eu-west-1', undefined)).toThrow(/needs --account/);
  expect(() => targetArnOf('arn:aws:s3:::bucket', 'eu-west-1', undefined)).toThrow(/not a thing group/);
  expect(parseDeployArgs(['--target', GROUP, '--profile', 'vehicle', '--dry-run'], {})).toEqual({ target: GROUP, profile: 'vehicle', dryRun: true, region: 'eu-west-1' });
  expect(() => parseDeployArgs(['--profile', 'vehicle'], {})).toThrow(/--target/);
});

// ---------------------------------------------------------------------------------------------
// The fake Greengrass v2 API

interface Recorded {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: unknown;
}

class FakeGreengrass {
  readonly requests: Recorded[] = [];
  current: Record<string, unknown> | undefined;
  private server = http.createServer((req, res) => this.handle(req, res));

  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const rec: Recorded = { method: req.method ?? '', path: decodeURIComponent(url.pathname), query: Object.fromEntries(url.searchParams), ...(text ? { body: JSON.parse(text) as unknown } : {}) };
      this.requests.push(rec);
      const send = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const versions = /^\/greengrass\/v2\/components\/(.+)\/versions$/.exec(rec.path);
      if (rec.method === 'GET' && rec.path === '/greengrass/v2/deployments') {
        return send(200, { deployments: this.current ? [{ deploymentId: 'd-old', targetArn: rec.query.targetArn, deploymentStatus: 'ACTIVE', isLatestForTarget: true }] : [] });
      }
      if (rec.method === 'GET' && rec.path === '/greengrass/v2/deployments/d-old' && this.current) return send(200, { deploymentId: 'd-old', targetArn: GROUP, components: this.current });
      if (rec.method === 'GET' && versions) {
        return send(200, { componentVersions: [{ componentName: 'x', componentVersion: '2.1.9', arn: `${versions[1]}:versions:2.1.9` }, { componentName: 'x', componentVersion: '2.2.1', arn: `${versions[1]}:versions:2.2.1` }] });
      }
      if (rec.method === 'POST' && rec.path === '/greengrass/v2/deployments') return send(201, { deploymentId: 'd-new', iotJobId: 'job-1', iotJobArn: 'arn:aws:iot:eu-west-1:123456789012:job/job-1' });
      send(404, { message: `fake has no ${rec.method} ${rec.path}` });
    });
  }
}

describe('npm run deploy against a fake Greengrass API', () => {
  let fake: FakeGreengrass;
  let endpoint: string;
  let client: GreengrassV2Client;
  const lines: string[] = [];
  const out = (l: string): void => void lines.push(l);

  beforeEach(async () => {
    fake = new FakeGreengrass();
    endpoint = await fake.start();
    client = new GreengrassV2Client({ region: 'eu-west-1', endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    lines.length = 0;
  });

  afterEach(async () => {
    client.destroy();
    await fake.stop();
  });

  test('reads the latest deployment of the target, keeps the components it does not own, creates the vehicle deployment', async () => {
    fake.current = { 'aws.greengrass.Cli': { componentVersion: '2.12.0' }, 'com.tributary.OpcUaCollector': { componentVersion: '0.0.9' } };
    const args = parseDeployArgs(['--target', GROUP, '--profile', 'vehicle', '--endpoint', endpoint], {});
    const result = await deploy(args, { client, out, root: REPO });
    expect(result.deploymentId).toBe('d-new');
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /greengrass/v2/deployments', 'GET /greengrass/v2/deployments/d-old', 'POST /greengrass/v2/deployments']);
    expect(fake.requests[0].query).toEqual({ targetArn: GROUP, historyFilter: 'LATEST_ONLY' });
    const body = fake.requests[2].body as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(body.targetArn).toBe(GROUP);
    expect(Object.keys(body.components).sort()).toEqual(['aws.greengrass.Cli', 'com.tributary.Aggregator', 'com.tributary.GpsCollector', 'com.tributary.ObdCollector', 'com.tributary.Publisher']);
    expect(JSON.parse(body.components['com.tributary.ObdCollector'].configurationUpdate.merge)).toEqual(loadProfile('vehicle', REPO).components['com.tributary.ObdCollector'].configurationUpdate!.merge);
    expect(body.components['com.tributary.ObdCollector'].runWith).toEqual({ posixUser: 'ggc_user:dialout' });
    expect(body.deploymentPolicies.failureHandlingPolicy).toBe('ROLLBACK');
    expect(body.iotJobConfiguration.jobExecutionsRolloutConfig.exponentialRate).toBeDefined();
    expect(lines.join('\n')).toContain('remove (Tributary, not in profile vehicle): com.tributary.OpcUaCollector');
  });

  test('--dry-run prints the request and creates nothing; "latest" resolves to the newest version', async () => {
    const args = parseDeployArgs(['--target', 'plant-1', '--account', '123456789012', '--region', 'eu-west-1', '--profile', 'plant', '--dry-run'], {});
    const result = await deploy(args, { client, out, root: REPO });
    expect(result.deploymentId).toBeUndefined();
    expect(fake.requests.some((r) => r.method === 'POST')).toBe(false);
    expect(fake.requests[0].path).toBe('/greengrass/v2/components/arn:aws:greengrass:eu-west-1:aws:components:aws.greengrass.SecretManager/versions');
    const printed = JSON.parse(lines.slice(lines.findIndex((l) => l.startsWith('{'))).join('\n')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(printed.targetArn).toBe('arn:aws:iot:eu-west-1:123456789012:thinggroup/plant-1');
    expect(printed.components['aws.greengrass.SecretManager'].componentVersion).toBe('2.2.1');
    expect(typeof printed.components['com.tributary.OpcUaCollector'].configurationUpdate.merge).toBe('string');
  });

  test('refuses to create a deployment that still holds placeholders', async () => {
    const args = parseDeployArgs(['--target', GROUP, '--profile', 'plant'], {});
    await expect(deploy(args, { client, out, root: REPO })).rejects.toThrow(/placeholders .* at \/components\/com\.tributary\.OpcUaCollector/);
    expect(fake.requests.some((r) => r.method === 'POST')).toBe(false);
  });
});
