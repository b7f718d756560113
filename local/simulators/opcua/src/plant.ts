/**
 * The simulated plant: which tags exist, where they sit in the Site → Area → Line → Machine
 * hierarchy, and how their values move. Pure (no OPC UA), so the layout is easy to test and the
 * server only has to publish it.
 */

export type PlantTagKind = 'temperature' | 'pressure' | 'flow' | 'counter' | 'state' | 'alarm';

export interface PlantTag {
  /** `/Site1/AreaA/Line1/Filler/Temperature` (also the string part of the node id). */
  path: string;
  /** Folder/object browse names above the tag: ['Site1', 'AreaA', 'Line1', 'Filler']. */
  parents: string[];
  name: string;
  kind: PlantTagKind;
  /** OPC UA data type name. */
  dataType: 'Double' | 'UInt32' | 'Int32' | 'Boolean';
  /** Analog tags: engineering range (EURange) and unit. */
  range?: { low: number; high: number };
  unit?: string;
  /** Tag number in the plant (0-based): phase of its wave. */
  index: number;
}

/** Machine states (the `State` tag is an Int32 holding one of these). */
/** The IANA-registered OPC UA port. */
export const DEFAULT_OPCUA_PORT = 4840;

export const MACHINE_STATES = ['Stopped', 'Running', 'Idle', 'Fault'] as const;

const MACHINES = ['Filler', 'Capper', 'Labeler', 'Packer', 'Palletizer'];
const MACHINE_TAGS: ReadonlyArray<Pick<PlantTag, 'name' | 'kind' | 'dataType' | 'range' | 'unit'>> = [
  { name: 'Temperature', kind: 'temperature', dataType: 'Double', range: { low: 0, high: 150 }, unit: 'degC' },
  { name: 'Pressure', kind: 'pressure', dataType: 'Double', range: { low: 0, high: 10 }, unit: 'bar' },
  { name: 'Flow', kind: 'flow', dataType: 'Double', range: { low: 0, high: 500 }, unit: 'l/min' },
  { name: 'Counter', kind: 'counter', dataType: 'UInt32' },
  { name: 'State', kind: 'state', dataType: 'Int32' },
  { name: 'Alarm', kind: 'alarm', dataType: 'Boolean' },
];
export const TAGS_PER_MACHINE = MACHINE_TAGS.length;
const MACHINES_PER_LINE = MACHINES.length;
const LINES_PER_AREA = 10;
const AREAS_PER_SITE = 10;

function areaName(i: number): string {
  // AreaA … AreaJ (10 per site).
  return `Area${String.fromCharCode(65 + i)}`;
}

/**
 * Exactly `count` tags: machines of 6 tags each, 5 machines per line, 10 lines per area, 10 areas
 * per site. 60 tags = Site1/AreaA/Line1 and Line2 with five machines each.
 */
export function plantLayout(count: number): PlantTag[] {
  const tags: PlantTag[] = [];
  for (let index = 0; index < count; index++) {
    const machineNo = Math.floor(index / TAGS_PER_MACHINE);
    const lineNo = Math.floor(machineNo / MACHINES_PER_LINE);
    const areaNo = Math.floor(lineNo / LINES_PER_AREA);
    const siteNo = Math.floor(areaNo / AREAS_PER_SITE);
    const parents = [`Site${siteNo + 1}`, areaName(areaNo % AREAS_PER_SITE), `Line${(lineNo % LINES_PER_AREA) + 1}`, MACHINES[machineNo % MACHINES_PER_LINE]!];
    const t = MACHINE_TAGS[index % TAGS_PER_MACHINE]!;
    const tag: PlantTag = { path: `/${parents.join('/')}/${t.name}`, parents, name: t.name, kind: t.kind, dataType: t.dataType, index };
    if (t.range) tag.range = { ...t.range };
    if (t.unit) tag.unit = t.unit;
    tags.push(tag);
  }
  return tags;
}

/**
 * The value of a tag at time `tMs` (tick number `tick`): slow sines (30 s period, a phase per tag)
 * for the analog tags, a counter that grows by one per tick, a state that changes every 20 s, and
 * an alarm that is on while the machine's temperature is above 95 % of its wave.
 */
export function plantValue(tag: PlantTag, tMs: number, tick: number): number | boolean {
  const phase = (tag.index % 97) * 0.37;
  const wave = Math.sin((2 * Math.PI * tMs) / 30_000 + phase);
  switch (tag.kind) {
    case 'temperature':
      return round(60 + 20 * wave);
    case 'pressure':
      return round(5 + 2 * wave);
    case 'flow':
      return round(250 + 100 * wave);
    case 'counter':
      return tick >>> 0;
    case 'state':
      return Math.floor(tMs / 20_000 + tag.index) % MACHINE_STATES.length;
    case 'alarm':
      return Math.sin((2 * Math.PI * tMs) / 30_000 + ((tag.index - 5) % 97) * 0.37) > 0.95;
  }
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/** OPC DA style items served under Objects/DAServer for the DA→UA wrapper backend (contract: keep exactly). */
export interface DaItem {
  itemId: string;
  dataType: 'Double' | 'Int32' | 'Boolean' | 'String' | 'UInt16';
  /** Fixed status for the quality items; otherwise Good. */
  status?: 'UncertainLastUsableValue' | 'BadCommunicationError';
}

export function daItems(): DaItem[] {
  const items: DaItem[] = [
    { itemId: 'Random.Real8', dataType: 'Double' },
    { itemId: 'Random.Int4', dataType: 'Int32' },
    { itemId: 'Random.Boolean', dataType: 'Boolean' },
    { itemId: 'Random.String', dataType: 'String' },
    { itemId: 'Saw-toothed Waves.Real8', dataType: 'Double' },
    { itemId: 'Bucket Brigade.UInt2', dataType: 'UInt16' },
  ];
  for (let i = 1; i <= 10; i++) items.push({ itemId: `Channel1.Device1.Tag${i}`, dataType: 'Double' });
  items.push({ itemId: 'Quality.Uncertain', dataType: 'Double', status: 'UncertainLastUsableValue' });
  items.push({ itemId: 'Quality.Bad', dataType: 'Double', status: 'BadCommunicationError' });
  return items;
}

/** The value of a DA item at tick `tick` (random items use `random`, 0 ≤ random < 1). */
export function daValue(item: DaItem, tick: number, random: () => number): number | boolean | string {
  switch (item.itemId) {
    case 'Random.Real8':
      return random() * 200 - 100;
    case 'Random.Int4':
      return Math.floor(random() * 2 ** 32) - 2 ** 31;
    case 'Random.Boolean':
      return random() < 0.5;
    case 'Random.String':
      return `str-${Math.floor(random() * 1e6).toString(36)}`;
    case 'Saw-toothed Waves.Real8':
      return (tick % 100) / 10;
    case 'Bucket Brigade.UInt2':
      return tick % 65536;
    case 'Quality.Uncertain':
    case 'Quality.Bad':
      return 0;
    default: {
      // Channel1.Device1.TagN: a slow ramp, a different offset per tag.
      const n = Number(/Tag(\d+)$/.exec(item.itemId)?.[1] ?? 0);
      return n * 100 + (tick % 1000) / 10;
    }
  }
}
