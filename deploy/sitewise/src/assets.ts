/**
 * The assets to provision and the property aliases they get — the aliases the Publisher writes:
 *
 * - Vehicles: the Publisher's SiteWise destination uses `sample.alias`, else the alias template
 *   (default `/{device}/{name}`), rendered by its own `renderTemplate` (imported here, not copied).
 *   OBD and Aggregator samples have `device` = the VIN; GPS samples have the GpsCollector's
 *   `deviceId`, by default `<VIN>/gps` here, so the GPS `speed` (m/s) gets `/<VIN>/gps/speed`
 *   and does not collide with the OBD `speed` (km/h) at `/<VIN>/speed`.
 * - Plant: the OpcUaCollector sets `alias` = `aliasPrefix` + browse path
 *   (`/Site1/AreaA/Line1/Filler/Temperature`), which the Publisher uses as is.
 */
import { renderTemplate } from '../../../components/publisher/src/destinations/mapping';
import { DEFAULT_ALIAS_TEMPLATE } from '../../../components/publisher/src/destinations/sitewise';
import type { Sample } from '../../../components/core/src/envelope';
import { plantLayout } from '../../../local/simulators/opcua/src/plant';
import type { AssetSpec, ModelSpec } from './spec';

export { DEFAULT_ALIAS_TEMPLATE };

/** Default GPS device id of a vehicle: `{vin}` is replaced by the VIN. */
export const DEFAULT_GPS_DEVICE = '{vin}/gps';

export interface VehicleEntry {
  vin: string;
  /** The GpsCollector's deviceId on this vehicle's gateway. */
  gpsDevice: string;
}

/** `VIN1,VIN2=gps-7` → entries; the GPS device defaults to `gpsTemplate` with `{vin}` replaced. */
export function parseVehicles(list: string, gpsTemplate = DEFAULT_GPS_DEVICE): VehicleEntry[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((item) => {
      const eq = item.indexOf('=');
      const vin = (eq < 0 ? item : item.slice(0, eq)).trim();
      const gps = eq < 0 ? gpsTemplate.split('{vin}').join(vin) : item.slice(eq + 1).trim();
      return { vin, gpsDevice: gps };
    });
}

/** The alias the Publisher gives a sample of `device`/`source`/`name` that has no alias of its own. */
export function publisherAlias(template: string, device: string, source: Sample['source'], name: string): string {
  const sample: Sample = { device, source, name, value: 0, quality: 'GOOD', ts: 0 };
  return renderTemplate(template, { sample });
}

/** The Vehicle assets (named by VIN) under one Fleet asset, with aliases for every measurement a component writes. */
export function vehicleAssets(vehicleModel: ModelSpec, vehicles: readonly VehicleEntry[], opts: { fleet: string; aliasTemplate?: string }): AssetSpec[] {
  const template = opts.aliasTemplate ?? DEFAULT_ALIAS_TEMPLATE;
  const assets: AssetSpec[] = [{ model: 'fleet', name: opts.fleet, description: 'Tributary fleet', aliases: {} }];
  for (const v of vehicles) {
    const aliases: Record<string, string> = {};
    for (const p of vehicleModel.properties) {
      if (p.kind !== 'measurement' || !p.sample) continue;
      const device = p.sample.source === 'gps' ? v.gpsDevice : v.vin;
      aliases[p.name] = publisherAlias(template, device, p.sample.source, p.sample.name);
    }
    assets.push({ model: 'vehicle', name: v.vin, description: `Vehicle ${v.vin} (GPS device ${v.gpsDevice})`, parent: { model: 'fleet', name: opts.fleet, hierarchy: 'vehicles' }, aliases });
  }
  return assets;
}

/** Machine paths (`/Site1/AreaA/Line1/Filler`) of the OPC UA plant simulator with `tags` tags (default 60, its default). */
export function simulatorMachines(tags = 60): string[] {
  const paths: string[] = [];
  for (const t of plantLayout(tags)) {
    const p = `/${t.parents.join('/')}`;
    if (paths[paths.length - 1] !== p) paths.push(p);
  }
  return paths;
}

const LEVELS = ['site', 'area', 'line', 'machine'] as const;
const HIERARCHY: Record<string, string> = { area: 'areas', line: 'lines', machine: 'machines' };

/**
 * Site, Area, Line and Machine assets for machine paths `/Site/Area/Line/Machine`. Asset names are
 * the paths without the leading slash (`Site1/AreaA/Line1/Filler`), unique per model, so machines of
 * the same name on different lines are different assets. Machine tags get `aliasPrefix` + path + `/` + tag.
 */
export function plantAssets(machineModel: ModelSpec, machinePaths: readonly string[], opts: { aliasPrefix?: string } = {}): AssetSpec[] {
  const prefix = opts.aliasPrefix ?? '';
  const seen = new Set<string>();
  const assets: AssetSpec[] = [];
  for (const path of machinePaths) {
    const parts = path.split('/').filter((s) => s.length > 0);
    if (parts.length !== 4) throw new Error(`Machine path ${JSON.stringify(path)} must be /Site/Area/Line/Machine (four levels).`);
    LEVELS.forEach((level, i) => {
      const name = parts.slice(0, i + 1).join('/');
      const key = `${level}:${name}`;
      if (seen.has(key)) return;
      seen.add(key);
      const asset: AssetSpec = { model: level, name, description: `${level[0]!.toUpperCase()}${level.slice(1)} /${name}`, aliases: {} };
      if (i > 0) asset.parent = { model: LEVELS[i - 1]!, name: parts.slice(0, i).join('/'), hierarchy: HIERARCHY[level]! };
      if (level === 'machine') {
        for (const p of machineModel.properties) {
          if (p.kind === 'measurement' && p.sample) asset.aliases[p.name] = `${prefix}/${name}/${p.sample.name}`;
        }
      }
      assets.push(asset);
    });
  }
  return assets;
}
