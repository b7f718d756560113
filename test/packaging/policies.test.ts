/**
 * IAM and IoT policies in deploy/policies: least privilege. No statement has Resource "*"
 * unless every action in it is one of the Greengrass data-plane actions that take no resource
 * (AWS's minimal core device policy grants them on "*"), the core device publishes only its
 * health, jobs and tributary/<thing>/ topics, and no policy uses thing policy variables, which
 * Greengrass core device policies do not support.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from '../helpers/stream-manager';

const DIR = path.join(REPO, 'deploy', 'policies');

/** Actions that do not support resource-level permissions, so "*" is required (deploy/README.md). */
const STAR_ONLY_ACTIONS = new Set([
  'greengrass:GetComponentVersionArtifact',
  'greengrass:ResolveComponentCandidates',
  'greengrass:GetDeploymentConfiguration',
  'greengrass:ListThingGroupsForCoreDevice',
]);

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: string | string[];
  Principal?: unknown;
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.json'));
const policy = (f: string): { Version: string; Statement: Statement[] } => JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8')) as { Version: string; Statement: Statement[] };

test('the token exchange role policy, its trust policy and the core device IoT policy are there', () => {
  expect(files.sort()).toEqual(['core-device-iot-policy.json', 'token-exchange-role-policy.json', 'token-exchange-role-trust-policy.json']);
});

describe.each(files)('%s', (file) => {
  const doc = policy(file);

  test('is a 2012-10-17 policy of Allow statements with no wildcard actions', () => {
    expect(doc.Version).toBe('2012-10-17');
    for (const s of doc.Statement) {
      expect(s.Effect).toBe('Allow');
      for (const a of list(s.Action)) expect({ sid: s.Sid, action: a, wildcard: a.includes('*') }).toEqual({ sid: s.Sid, action: a, wildcard: false });
    }
  });

  test('no Resource "*" except for actions that take no resource', () => {
    for (const s of doc.Statement) {
      if (!list(s.Resource).includes('*')) continue;
      expect({ sid: s.Sid, notStarOnly: list(s.Action).filter((a) => !STAR_ONLY_ACTIONS.has(a)) }).toEqual({ sid: s.Sid, notStarOnly: [] });
    }
  });

  test('no thing policy variables (unsupported for Greengrass core devices)', () => {
    expect(JSON.stringify(doc)).not.toContain('iot:Connection.Thing');
  });
});

test('the token exchange role reaches exactly Kinesis, SiteWise ingestion, the artifact bucket and the OPC UA secret', () => {
  const actions = policy('token-exchange-role-policy.json').Statement.flatMap((s) => list(s.Action)).sort();
  expect(actions).toEqual(['iotsitewise:BatchPutAssetPropertyValue', 'kinesis:DescribeStreamSummary', 'kinesis:PutRecord', 'kinesis:PutRecords', 's3:GetObject', 'secretsmanager:GetSecretValue']);
  const resources = policy('token-exchange-role-policy.json').Statement.flatMap((s) => list(s.Resource));
  expect(resources).toContain('arn:aws:s3:::tributary-components-REGION-ACCOUNT_ID/com.tributary.*');
});

test('the core device publishes telemetry only under tributary/<thing>/', () => {
  const publish = policy('core-device-iot-policy.json').Statement.filter((s) => list(s.Action).includes('iot:Publish')).flatMap((s) => list(s.Resource));
  for (const r of publish) expect(r).toMatch(/^arn:aws:iot:REGION:ACCOUNT_ID:topic\/(\$aws\/things\/THING_NAME\*\/(greengrass\/health\/json|greengrassv2\/health\/json|jobs\/\*)|tributary\/THING_NAME\/\*)$/);
});
