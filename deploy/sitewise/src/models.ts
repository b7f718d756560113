/**
 * Tributary's SiteWise asset models, as data (the one source of truth; the README's tables describe
 * them).
 *
 * Data types follow what the Publisher sends by default (`toVariant` in
 * components/publisher/src/destinations/sitewise.ts: a JS number → doubleValue, a boolean →
 * booleanValue, a string → stringValue). So every numeric measurement is DOUBLE, and the Publisher
 * needs no `dataTypes` rules for these models. Declaring a measurement INTEGER would require a
 * matching `dataTypes` rule in the Publisher's SiteWise destination.
 *
 * - Vehicle: one measurement per decoded OBD-II PID (the ObdCollector's PID table, names and units
 *   as the collector writes them), DTCs, VIN, ignition, the GPS fix, the Aggregator's events and 0/1
 *   state metrics, and 1-minute metrics.
 * - Fleet: a hierarchy of vehicles and fleet-wide 1-minute metrics over the vehicles' metrics.
 * - Site → Area → Line → Machine: the plant; Machine has the OPC UA plant simulator's six tags, the
 *   upper levels 1-minute metrics over their children's metrics.
 *
 * SiteWise rules these follow: ≤ 200 properties and ≤ 10 hierarchies per model; transforms and
 * metrics are DOUBLE and use DOUBLE/INTEGER properties only; a metric may use the *metrics* of child
 * assets (through a hierarchy), and those must have the same window as the metric using them.
 */
import { MODE01_PIDS, isRangePid } from '../../../components/obd-collector/src/obd/pids';
import { plantLayout } from '../../../local/simulators/opcua/src/plant';
import type { MeasurementSpec, MetricSpec, ModelSpec, PropertySpec, TransformSpec } from './spec';

export const MODEL_NAMES = {
  vehicle: 'Tributary Vehicle',
  fleet: 'Tributary Fleet',
  machine: 'Tributary Machine',
  line: 'Tributary Production Line',
  area: 'Tributary Area',
  site: 'Tributary Site',
} as const;

export type ModelKey = keyof typeof MODEL_NAMES;

const WINDOW = '1m';

const obd = (name: string, dataType: MeasurementSpec['dataType'], unit: string | undefined, doc: string): MeasurementSpec => ({
  kind: 'measurement',
  name,
  dataType,
  ...(unit ? { unit } : {}),
  doc,
  sample: { source: 'obd', name, writer: 'ObdCollector' },
});

const metric = (name: string, expression: string, variables: MetricSpec['variables'], unit: string | undefined, doc: string): MetricSpec => ({
  kind: 'metric',
  name,
  dataType: 'DOUBLE',
  ...(unit ? { unit } : {}),
  expression,
  variables,
  window: WINDOW,
  doc,
});

/** One DOUBLE measurement per mode 01 PID the ObdCollector decodes (PID 01 yields `mil` and `dtc_count`). */
export function obdPidMeasurements(): MeasurementSpec[] {
  const out: MeasurementSpec[] = [];
  for (const def of MODE01_PIDS.values()) {
    if (isRangePid(def.pid)) continue; // supported-PID bitmasks are not telemetry
    const pid = `PID 01${def.pid.toString(16).toUpperCase().padStart(2, '0')}`;
    if (def.pid === 0x01) {
      out.push(obd('mil', 'BOOLEAN', undefined, `${pid}: malfunction indicator lamp on`));
      out.push(obd('dtc_count', 'DOUBLE', undefined, `${pid}: number of stored DTCs`));
      continue;
    }
    out.push(obd(def.name, 'DOUBLE', def.unit || undefined, pid));
  }
  return out;
}

/** GPS fix measurements: property name → GpsCollector sample name (GPS `speed` is m/s, OBD `speed` km/h: different properties). */
export const GPS_MEASUREMENTS: ReadonlyArray<{ property: string; sample: string; unit?: string; doc: string }> = [
  { property: 'latitude', sample: 'lat', unit: 'deg', doc: 'WGS-84, north positive' },
  { property: 'longitude', sample: 'lon', unit: 'deg', doc: 'WGS-84, east positive' },
  { property: 'altitude', sample: 'alt', unit: 'm', doc: 'above mean sea level (3D fix only)' },
  { property: 'gps_speed', sample: 'speed', unit: 'm/s', doc: 'speed over ground' },
  { property: 'heading', sample: 'heading', unit: 'deg', doc: 'track over ground, degrees true' },
  { property: 'hdop', sample: 'hdop', doc: 'horizontal dilution of precision' },
  { property: 'satellites', sample: 'satellites', doc: 'satellites used in the fix' },
  { property: 'gps_fix', sample: 'fix', doc: '1 no fix, 2 2D, 3 3D' },
];

/** Aggregator events (`event.<id>`, value `active`/`cleared`) and their 0/1 state metrics. */
export const VEHICLE_EVENTS: ReadonlyArray<{ id: string; stateMetric: boolean; doc: string }> = [
  { id: 'high_rpm', stateMetric: true, doc: 'rpm > 2700' },
  { id: 'high_engine_load', stateMetric: true, doc: 'absolute_load > 97' },
  { id: 'low_fuel', stateMetric: true, doc: 'fuel_level < 5, cleared at >= 6' },
  { id: 'vehicle_on', stateMetric: true, doc: 'ignition on / off' },
  { id: 'new_dtc', stateMetric: false, doc: 'a stored DTC not seen before' },
];

export function vehicleModel(): ModelSpec {
  const properties: PropertySpec[] = [
    ...obdPidMeasurements(),
    obd('dtc_stored', 'STRING', undefined, 'mode 03: stored DTCs, comma-separated ("" when none)'),
    obd('dtc_pending', 'STRING', undefined, 'mode 07: pending DTCs, comma-separated'),
    obd('vin', 'STRING', undefined, 'mode 09 PID 02, once per connection'),
    obd('ignition', 'STRING', undefined, 'vehicle state: "on" / "off" (tributary.obd.events)'),
    ...GPS_MEASUREMENTS.map(
      (g): MeasurementSpec => ({
        kind: 'measurement',
        name: g.property,
        dataType: 'DOUBLE',
        ...(g.unit ? { unit: g.unit } : {}),
        doc: g.doc,
        sample: { source: 'gps', name: g.sample, writer: 'GpsCollector' },
      }),
    ),
  ];
  for (const e of VEHICLE_EVENTS) {
    properties.push({ kind: 'measurement', name: `event.${e.id}`, dataType: 'STRING', doc: `event ${e.doc}: "active" / "cleared"`, sample: { source: 'obd', name: `event.${e.id}`, writer: 'Aggregator' } });
    if (e.stateMetric) {
      properties.push({ kind: 'measurement', name: e.id, dataType: 'DOUBLE', doc: `state of ${e.doc}: 1 active, 0 cleared`, sample: { source: 'obd', name: e.id, writer: 'Aggregator' } });
    }
  }
  const gpsKmh: TransformSpec = {
    kind: 'transform',
    name: 'gps_speed_kmh',
    dataType: 'DOUBLE',
    unit: 'km/h',
    expression: 'v * 3.6',
    variables: [{ name: 'v', property: 'gps_speed' }],
    doc: 'GPS speed in km/h',
  };
  properties.push(
    gpsKmh,
    metric('speed_avg_1m', 'avg(speed)', [{ name: 'speed', property: 'speed' }], 'km/h', 'average OBD speed per minute'),
    metric('rpm_max_1m', 'max(rpm)', [{ name: 'rpm', property: 'rpm' }], 'rpm', 'highest RPM per minute'),
    metric('engine_load_avg_1m', 'avg(load)', [{ name: 'load', property: 'engine_load' }], '%', 'average engine load per minute'),
    metric('coolant_temp_max_1m', 'max(t)', [{ name: 't', property: 'coolant_temp' }], '°C', 'highest coolant temperature per minute'),
    metric('fuel_rate_avg_1m', 'avg(r)', [{ name: 'r', property: 'fuel_rate' }], 'L/h', 'average fuel rate per minute'),
  );
  return { key: 'vehicle', name: MODEL_NAMES.vehicle, description: 'A vehicle with an OBD-II adapter and a GPS receiver (Tributary ObdCollector, GpsCollector, Aggregator).', properties, hierarchies: [] };
}

export function fleetModel(): ModelSpec {
  const child = (property: string) => [{ name: 'v', property, hierarchy: 'vehicles' }];
  return {
    key: 'fleet',
    name: MODEL_NAMES.fleet,
    description: 'A fleet of Tributary vehicles.',
    properties: [
      metric('speed_avg_1m', 'avg(v)', child('speed_avg_1m'), 'km/h', "average of the vehicles' speed_avg_1m"),
      metric('rpm_max_1m', 'max(v)', child('rpm_max_1m'), 'rpm', "highest of the vehicles' rpm_max_1m"),
      metric('vehicles_reporting_1m', 'count(v)', child('speed_avg_1m'), undefined, 'vehicles that reported a speed in the minute'),
    ],
    hierarchies: [{ name: 'vehicles', childModel: 'vehicle' }],
  };
}

/** The Machine tags: the OPC UA plant simulator's six tags per machine (name, unit). */
export function machineTags(): Array<{ name: string; unit?: string; dataType: MeasurementSpec['dataType'] }> {
  return plantLayout(6).map((t) => ({ name: t.name, ...(t.unit ? { unit: t.unit } : {}), dataType: t.dataType === 'Boolean' ? 'BOOLEAN' : 'DOUBLE' }));
}

const MACHINE_DOCS: Record<string, string> = {
  Temperature: 'Double, °C',
  Pressure: 'Double',
  Flow: 'Double',
  Counter: 'UInt32 in OPC UA, sent as a double: parts made (+1 per update)',
  State: 'Int32 in OPC UA, sent as a double: 0 Stopped, 1 Running, 2 Idle, 3 Fault',
  Alarm: 'Boolean: machine alarm',
};

export function machineModel(): ModelSpec {
  const properties: PropertySpec[] = machineTags().map((t) => ({
    kind: 'measurement',
    name: t.name,
    dataType: t.dataType,
    ...(t.unit ? { unit: t.unit } : {}),
    doc: MACHINE_DOCS[t.name] ?? '',
    sample: { source: 'opcua', name: t.name, writer: 'OpcUaCollector' },
  }));
  properties.push(
    metric('temperature_avg_1m', 'avg(t)', [{ name: 't', property: 'Temperature' }], 'degC', 'average temperature per minute'),
    metric('temperature_max_1m', 'max(t)', [{ name: 't', property: 'Temperature' }], 'degC', 'highest temperature per minute'),
    metric('pressure_max_1m', 'max(p)', [{ name: 'p', property: 'Pressure' }], 'bar', 'highest pressure per minute'),
    metric('flow_avg_1m', 'avg(f)', [{ name: 'f', property: 'Flow' }], 'l/min', 'average flow per minute'),
    metric('parts_1m', 'max(c) - min(c)', [{ name: 'c', property: 'Counter' }], undefined, 'counter increase within the minute'),
  );
  return { key: 'machine', name: MODEL_NAMES.machine, description: 'A machine on a production line; its tags come from an OPC UA server (Tributary OpcUaCollector).', properties, hierarchies: [] };
}

/** Line, Area, Site: 1-minute metrics over the children's metrics. */
function rollUpModel(key: 'line' | 'area' | 'site', description: string, hierarchy: string, childModel: 'machine' | 'line' | 'area'): ModelSpec {
  const child = (property: string) => [{ name: 'c', property, hierarchy }];
  const properties: PropertySpec[] = [
    metric('temperature_max_1m', 'max(c)', child('temperature_max_1m'), 'degC', `highest temperature_max_1m of the ${hierarchy}`),
    metric('pressure_max_1m', 'max(c)', child('pressure_max_1m'), 'bar', `highest pressure_max_1m of the ${hierarchy}`),
  ];
  if (key === 'line') properties.push(metric('flow_avg_1m', 'avg(c)', child('flow_avg_1m'), 'l/min', 'average flow_avg_1m of the machines'));
  return { key, name: MODEL_NAMES[key], description, properties, hierarchies: [{ name: hierarchy, childModel }] };
}

export const lineModel = (): ModelSpec => rollUpModel('line', 'A production line: a group of machines.', 'machines', 'machine');
export const areaModel = (): ModelSpec => rollUpModel('area', 'An area of a site: a group of production lines.', 'lines', 'line');
export const siteModel = (): ModelSpec => rollUpModel('site', 'A plant site: a group of areas.', 'areas', 'area');

/** Every model, children before parents (creation order). */
export function allModels(): ModelSpec[] {
  return [vehicleModel(), fleetModel(), machineModel(), lineModel(), areaModel(), siteModel()];
}

/** The models of one group, children first. */
export function modelsFor(groups: ReadonlyArray<'vehicle' | 'plant'>): ModelSpec[] {
  const keys = new Set<string>();
  if (groups.includes('vehicle')) ['vehicle', 'fleet'].forEach((k) => keys.add(k));
  if (groups.includes('plant')) ['machine', 'line', 'area', 'site'].forEach((k) => keys.add(k));
  return allModels().filter((m) => keys.has(m.key));
}
