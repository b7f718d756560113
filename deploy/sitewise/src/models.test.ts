import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { MODE01_PIDS, isRangePid } from '../../../components/obd-collector/src/obd/pids';
import { plantLayout } from '../../../local/simulators/opcua/src/plant';
import { parseVehicles, plantAssets, simulatorMachines, vehicleAssets } from './assets';
import { allModels, machineModel, vehicleModel } from './models';
import { specProblems } from './provisioner';
import type { ModelSpec } from './spec';

describe('models', () => {
  it('are a valid spec within the SiteWise limits', () => {
    const models = allModels();
    expect(specProblems({ models, assets: [] })).toEqual([]);
    for (const m of models) {
      expect(m.properties.length).toBeLessThanOrEqual(200);
      expect(m.hierarchies.length).toBeLessThanOrEqual(10);
    }
  });

  it('Vehicle has a measurement per decoded OBD PID, named and united as the ObdCollector writes it', () => {
    const v = vehicleModel();
    for (const def of MODE01_PIDS.values()) {
      if (isRangePid(def.pid) || def.pid === 0x01) continue;
      const p = v.properties.find((x) => x.name === def.name);
      expect(p).toMatchObject({ kind: 'measurement', dataType: 'DOUBLE', sample: { source: 'obd', name: def.name } });
      expect(p!.unit ?? '').toBe(def.unit);
    }
    expect(v.properties.find((p) => p.name === 'mil')).toMatchObject({ dataType: 'BOOLEAN' });
    for (const name of ['dtc_count', 'high_rpm', 'high_engine_load', 'low_fuel', 'vehicle_on', 'latitude', 'gps_speed']) {
      expect(v.properties.find((p) => p.name === name)).toMatchObject({ dataType: 'DOUBLE' });
    }
    for (const name of ['dtc_stored', 'dtc_pending', 'vin', 'ignition', 'event.high_rpm', 'event.new_dtc']) {
      expect(v.properties.find((p) => p.name === name)).toMatchObject({ dataType: 'STRING' });
    }
    expect(v.properties.find((p) => p.name === 'speed_avg_1m')).toMatchObject({ kind: 'metric', window: '1m', expression: 'avg(speed)' });
    expect(v.properties.find((p) => p.name === 'rpm_max_1m')).toMatchObject({ kind: 'metric', window: '1m', expression: 'max(rpm)' });
  });

  it('Machine has the OPC UA plant simulator tags', () => {
    const names = machineModel()
      .properties.filter((p) => p.kind === 'measurement')
      .map((p) => p.name);
    expect(names).toEqual(plantLayout(6).map((t) => t.name));
    expect(machineModel().properties.find((p) => p.name === 'Alarm')).toMatchObject({ dataType: 'BOOLEAN' });
    expect(machineModel().properties.find((p) => p.name === 'Temperature')).toMatchObject({ dataType: 'DOUBLE', unit: 'degC' });
  });

  it('the README lists every model and property', () => {
    const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    for (const m of allModels()) {
      expect(readme).toContain(`### ${m.name}`);
      for (const p of m.properties) expect(readme).toContain(`| \`${p.name}\` | ${p.kind} | ${p.dataType} | ${p.unit ?? ''} |`);
    }
  });

  it('specProblems finds broken references, windows and duplicate aliases', () => {
    const bad: ModelSpec = {
      key: 'x',
      name: 'X',
      description: '',
      properties: [
        { kind: 'measurement', name: 's', dataType: 'STRING', doc: '' },
        { kind: 'metric', name: 'm', dataType: 'DOUBLE', expression: 'avg(a)', variables: [{ name: 'a', property: 's' }], window: '1m', doc: '' },
        { kind: 'metric', name: 'n', dataType: 'DOUBLE', expression: 'avg(b)', variables: [{ name: 'b', property: 'nope', hierarchy: 'kids' }], window: '5m', doc: '' },
      ],
      hierarchies: [{ name: 'kids', childModel: 'later' }],
    };
    const problems = specProblems({
      models: [bad],
      assets: [
        { model: 'x', name: 'a1', aliases: { s: '/same' } },
        { model: 'x', name: 'a2', aliases: { s: '/same', m: '/m' } },
      ],
    });
    expect(problems.join('\n')).toMatch(/hierarchy kids needs model later/);
    expect(problems.join('\n')).toMatch(/s is STRING; only DOUBLE and INTEGER/);
    expect(problems.join('\n')).toMatch(/kids\/nope does not exist/);
    expect(problems.join('\n')).toMatch(/alias \/same is also given to a1 \/ s/);
    expect(problems.join('\n')).toMatch(/alias for m, which is not a measurement/);
  });
});

describe('assets and aliases', () => {
  it('vehicle aliases are the Publisher default template /{device}/{name}; GPS under the GPS device', () => {
    const assets = vehicleAssets(vehicleModel(), parseVehicles('VIN123,VIN456=tracker-9'), { fleet: 'Fleet' });
    expect(assets.map((a) => a.name)).toEqual(['Fleet', 'VIN123', 'VIN456']);
    const v1 = assets[1]!;
    expect(v1.parent).toEqual({ model: 'fleet', name: 'Fleet', hierarchy: 'vehicles' });
    expect(v1.aliases).toMatchObject({
      rpm: '/VIN123/rpm',
      speed: '/VIN123/speed',
      mil: '/VIN123/mil',
      'event.high_rpm': '/VIN123/event.high_rpm',
      high_rpm: '/VIN123/high_rpm',
      ignition: '/VIN123/ignition',
      latitude: '/VIN123/gps/lat',
      gps_speed: '/VIN123/gps/speed',
    });
    expect(v1.aliases.speed_avg_1m).toBeUndefined(); // metrics have no alias
    expect(assets[2]!.aliases).toMatchObject({ rpm: '/VIN456/rpm', longitude: '/tracker-9/lon' });
  });

  it('an alias template of the Publisher is honoured', () => {
    const [, v] = vehicleAssets(vehicleModel(), parseVehicles('V1'), { fleet: 'F', aliasTemplate: '/fleet/{device}/{source}/{name}' });
    expect(v!.aliases).toMatchObject({ rpm: '/fleet/V1/obd/rpm', gps_speed: '/fleet/V1/gps/gps/speed' });
  });

  it('the default plant is the simulator hierarchy, machine tags aliased prefix + browse path', () => {
    const machines = simulatorMachines();
    expect(machines).toHaveLength(10);
    expect(machines[0]).toBe('/Site1/AreaA/Line1/Filler');
    const assets = plantAssets(machineModel(), machines, { aliasPrefix: '/plant1' });
    expect(assets.slice(0, 4).map((a) => [a.model, a.name, a.parent?.name])).toEqual([
      ['site', 'Site1', undefined],
      ['area', 'Site1/AreaA', 'Site1'],
      ['line', 'Site1/AreaA/Line1', 'Site1/AreaA'],
      ['machine', 'Site1/AreaA/Line1/Filler', 'Site1/AreaA/Line1'],
    ]);
    expect(assets.filter((a) => a.model === 'line').map((a) => a.name)).toEqual(['Site1/AreaA/Line1', 'Site1/AreaA/Line2']);
    expect(assets[3]!.aliases).toEqual({
      Temperature: '/plant1/Site1/AreaA/Line1/Filler/Temperature',
      Pressure: '/plant1/Site1/AreaA/Line1/Filler/Pressure',
      Flow: '/plant1/Site1/AreaA/Line1/Filler/Flow',
      Counter: '/plant1/Site1/AreaA/Line1/Filler/Counter',
      State: '/plant1/Site1/AreaA/Line1/Filler/State',
      Alarm: '/plant1/Site1/AreaA/Line1/Filler/Alarm',
    });
    // Every simulator tag has exactly one alias.
    const aliases = assets.flatMap((a) => Object.values(a.aliases));
    expect(aliases.sort()).toEqual(plantLayout(60).map((t) => `/plant1${t.path}`).sort());
  });
});
