/**
 * Command line of `npm run sitewise:provision`: every problem reported at once.
 */
import { existsSync, readFileSync } from 'node:fs';
import { DEFAULT_ALIAS_TEMPLATE, DEFAULT_GPS_DEVICE, parseVehicles, plantAssets, simulatorMachines, vehicleAssets, type VehicleEntry } from './assets';
import { templateProblems } from '../../../components/publisher/src/destinations/mapping';
import { modelsFor } from './models';
import type { ProvisioningSpec } from './spec';

export const USAGE = `Usage: npm run sitewise:provision -- [options]

Creates or updates Tributary's SiteWise asset models, creates assets and sets the property
aliases the Publisher writes. Idempotent: a second run changes nothing.

  --vehicles VIN1,VIN2=GPSDEV   Vehicle assets (named by VIN) under the fleet asset; GPSDEV is the
                                GpsCollector deviceId on that vehicle (default: --gps-device)
  --fleet NAME                  fleet asset name (default "Fleet")
  --gps-device TEMPLATE         default GPS deviceId of a vehicle, {vin} = the VIN (default "${DEFAULT_GPS_DEVICE}")
  --alias-template TEMPLATE     the Publisher's SiteWise alias template (default "${DEFAULT_ALIAS_TEMPLATE}")
  --plant default|sim:TAGS|FILE Site/Area/Line/Machine assets: "default" = the OPC UA plant simulator's
                                default 60 tags, sim:TAGS = its layout for that many tags, FILE = a JSON
                                list of machine paths ["/Site1/AreaA/Line1/Filler", ...]
  --alias-prefix PREFIX         the OpcUaCollector's aliasPrefix (default "")
  --models vehicle,plant        which models to provision (default: those the assets need; all without assets)
  --endpoint URL                service endpoint (local SiteWise: http://127.0.0.1:4523); default: AWS
  --region REGION               AWS Region (default AWS_REGION, else us-east-1 with --endpoint)
  --dry-run                     read only: print what would be done
  --help
`;

export interface ProvisionArgs {
  endpoint?: string;
  region?: string;
  dryRun: boolean;
  help: boolean;
  spec: ProvisioningSpec;
  vehicles: VehicleEntry[];
  machines: string[];
}

export class UsageError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'UsageError';
  }
}

const VALUE_OPTIONS = new Set(['--vehicles', '--fleet', '--gps-device', '--alias-template', '--plant', '--alias-prefix', '--models', '--endpoint', '--region']);
const FLAGS = new Set(['--dry-run', '--help', '-h']);

export function parseProvisionArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): ProvisionArgs {
  const problems: string[] = [];
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i]!;
    let value: string | undefined;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    if (eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (FLAGS.has(arg)) {
      if (value !== undefined) problems.push(`${arg} takes no value`);
      flags.add(arg === '-h' ? '--help' : arg);
    } else if (VALUE_OPTIONS.has(arg)) {
      if (value === undefined) {
        value = argv[i + 1];
        if (value === undefined || value.startsWith('--')) {
          problems.push(`${arg} needs a value`);
          continue;
        }
        i++;
      }
      if (values.has(arg)) problems.push(`${arg} is given twice`);
      values.set(arg, value);
    } else {
      problems.push(`unknown argument ${arg}`);
    }
  }

  const endpoint = values.get('--endpoint');
  if (endpoint !== undefined && !/^https?:\/\/[^/\s]+/.test(endpoint)) problems.push(`--endpoint ${endpoint} must be an http:// or https:// URL`);
  const region = values.get('--region') ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? (endpoint ? 'us-east-1' : undefined);
  if (!region && !flags.has('--help')) problems.push('--region is required (or AWS_REGION) when no --endpoint is given');

  const aliasTemplate = values.get('--alias-template') ?? DEFAULT_ALIAS_TEMPLATE;
  for (const p of templateProblems(aliasTemplate)) problems.push(`--alias-template ${aliasTemplate}: ${p}`);
  if (/\{(stream|priority|unit|alias|attrs\.[^}]*)\}/.test(aliasTemplate)) problems.push(`--alias-template ${aliasTemplate}: only {device}, {source} and {name} are known when provisioning`);
  const gpsTemplate = values.get('--gps-device') ?? DEFAULT_GPS_DEVICE;
  const vehicles = values.has('--vehicles') ? parseVehicles(values.get('--vehicles')!, gpsTemplate) : [];
  if (values.has('--vehicles') && vehicles.length === 0) problems.push('--vehicles lists no VIN');
  for (const v of vehicles) {
    if (v.vin.length === 0 || v.vin.length > 256) problems.push(`--vehicles: VIN ${JSON.stringify(v.vin)} must be 1 to 256 characters`);
    if (v.gpsDevice.length === 0) problems.push(`--vehicles: empty GPS device for ${v.vin}`);
  }
  const vins = vehicles.map((v) => v.vin);
  for (const vin of new Set(vins)) if (vins.indexOf(vin) !== vins.lastIndexOf(vin)) problems.push(`--vehicles: ${vin} is listed twice`);

  let machines: string[] = [];
  const plant = values.get('--plant');
  if (plant !== undefined) {
    if (plant === 'default') machines = simulatorMachines();
    else if (plant.startsWith('sim:')) {
      const n = Number(plant.slice(4));
      if (!Number.isInteger(n) || n < 6 || n > 60_000) problems.push(`--plant ${plant}: TAGS must be an integer from 6 to 60000`);
      else machines = simulatorMachines(n);
    } else {
      try {
        if (!existsSync(plant)) throw new Error('no such file');
        const parsed: unknown = JSON.parse(readFile(plant));
        if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === 'string')) throw new Error('not a JSON list of strings');
        machines = parsed as string[];
        for (const m of machines) if (!/^\/[^/]+\/[^/]+\/[^/]+\/[^/]+$/.test(m)) problems.push(`--plant ${plant}: ${JSON.stringify(m)} is not a /Site/Area/Line/Machine path`);
      } catch (err) {
        problems.push(`--plant ${plant}: not "default", "sim:TAGS" or a readable JSON file of machine paths (${(err as Error).message})`);
      }
    }
  }

  const groups: Array<'vehicle' | 'plant'> = [];
  const modelsArg = values.get('--models');
  if (modelsArg !== undefined) {
    for (const g of modelsArg.split(',').map((s) => s.trim())) {
      if (g === 'vehicle' || g === 'plant') groups.push(g);
      else if (g === 'all') groups.push('vehicle', 'plant');
      else problems.push(`--models: unknown group ${g} (vehicle, plant, all)`);
    }
  } else {
    if (vehicles.length > 0) groups.push('vehicle');
    if (machines.length > 0) groups.push('plant');
    if (groups.length === 0) groups.push('vehicle', 'plant');
  }
  if (vehicles.length > 0 && !groups.includes('vehicle')) problems.push('--vehicles needs the vehicle models (--models vehicle)');
  if (machines.length > 0 && !groups.includes('plant')) problems.push('--plant needs the plant models (--models plant)');

  if (problems.length > 0 && !flags.has('--help')) throw new UsageError(problems);

  const models = modelsFor(groups);
  const assets = [];
  const vehicleModel = models.find((m) => m.key === 'vehicle');
  const machineModel = models.find((m) => m.key === 'machine');
  if (vehicleModel && vehicles.length > 0) assets.push(...vehicleAssets(vehicleModel, vehicles, { fleet: values.get('--fleet') ?? 'Fleet', aliasTemplate }));
  if (machineModel && machines.length > 0) assets.push(...plantAssets(machineModel, machines, { aliasPrefix: values.get('--alias-prefix') ?? '' }));

  return {
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...(region !== undefined ? { region } : {}),
    dryRun: flags.has('--dry-run'),
    help: flags.has('--help'),
    spec: { models, assets },
    vehicles,
    machines,
  };
}
