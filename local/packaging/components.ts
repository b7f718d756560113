/**
 * The one registry of Tributary's Greengrass components: what the recipes, the artifact build,
 * the gdk projects, the deployments and the tests iterate over. A component takes part once its
 * `components/<dir>/src/main.ts` exists (`presentComponents`), so the ones still being written
 * are picked up as they land.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TObject } from '@sinclair/typebox';

export type Architecture = 'amd64' | 'aarch64' | 'armv7l';

export interface DependencySpec {
  VersionRequirement: string;
  DependencyType: 'HARD' | 'SOFT';
}

export interface AccessControlPolicy {
  policyDescription: string;
  operations: string[];
  resources: string[];
}

/** `accessControl` in a recipe: IPC service → policy id → policy. */
export type AccessControl = Record<string, Record<string, AccessControlPolicy>>;

export interface ComponentSpec {
  /** `com.tributary.ObdCollector`. */
  name: string;
  /** Folder under components/ (kebab-case of the name's suffix). */
  dir: string;
  /** The TypeBox schema's export name in `components/<dir>/src/config.ts`. */
  schemaExport: string;
  description: string;
  /**
   * npm packages that are not bundled but shipped in the zip's node_modules with their own
   * dependencies: native addons (their loaders find prebuilt binaries relative to their own
   * folder) and packages that read files next to their code at run time. Only those the bundle
   * really imports are shipped (esbuild's metafile says which).
   */
  external: string[];
  /** Besides aws.greengrass.StreamManager, which every component has. */
  dependencies: Record<string, DependencySpec>;
  accessControl?: AccessControl;
  /** Extra environment for the Run step. */
  setenv?: Record<string, string>;
  /**
   * Recipe-only default values for keys the schema requires but has no default for (a
   * placeholder an operator replaces in the deployment). Merged over the schema defaults.
   */
  defaultOverrides?: Record<string, unknown>;
  /** Linux architectures the artifact runs on (native prebuilds decide). */
  architectures: Architecture[];
}

/**
 * Every component needs these: aws-crt is the native core of aws-iot-device-sdk-v2, which core's
 * config loader uses for Greengrass IPC (GetConfiguration); serialport's bindings are imported by
 * core's serial helper. Both find their `.node` files relative to their own package folder.
 * aws-crt 1.33.1 ships Linux prebuilds for x64 and arm64 only (no 32-bit ARM), so no component
 * can run on armv7l without building aws-crt from source on the device.
 */
/** Node options of the Publisher's Run step; the publisher benchmark uses the same. */
export const PUBLISHER_NODE_OPTIONS = '--max-semi-space-size=4';

export const COMMON_EXTERNAL = ['aws-crt', '@serialport/bindings-cpp'];

export const STREAM_MANAGER_DEPENDENCY: Record<string, DependencySpec> = {
  'aws.greengrass.StreamManager': { VersionRequirement: '^2.0.0', DependencyType: 'HARD' },
};

/** The secret the OPC UA collector reads its user name and password from; replaced per deployment. */
export const OPCUA_SECRET_ARN_PLACEHOLDER = 'arn:aws:secretsmanager:REGION:ACCOUNT_ID:secret:tributary/opcua-credentials-*';

/** Topics the Publisher may publish to over IPC (IoT Core narrows it further per thing). */
export const PUBLISHER_TOPIC_FILTER = 'tributary/*';

const LINUX_64 = ['amd64', 'aarch64'] as Architecture[];

export const COMPONENTS: readonly ComponentSpec[] = [
  {
    name: 'com.tributary.ObdCollector',
    dir: 'obd-collector',
    schemaExport: 'ObdCollectorConfigSchema',
    description: 'Reads OBD-II data (PIDs, DTCs, VIN) from an ELM327 adapter over TCP or serial and writes it to stream manager.',
    external: [...COMMON_EXTERNAL],
    dependencies: {},
    architectures: LINUX_64,
  },
  {
    name: 'com.tributary.GpsCollector',
    dir: 'gps-collector',
    schemaExport: 'GpsCollectorConfigSchema',
    description: 'Reads GPS fixes from NMEA 0183 (TCP or serial) or gpsd and writes them to stream manager.',
    external: [...COMMON_EXTERNAL],
    dependencies: {},
    architectures: LINUX_64,
  },
  {
    name: 'com.tributary.OpcUaCollector',
    dir: 'opcua-collector',
    schemaExport: 'OpcUaCollectorConfigSchema',
    description: 'Subscribes to OPC UA server tags and writes them to stream manager.',
    // node-opcua (the umbrella package) pulls in the server and address space, which read their
    // nodeset files relative to their own folders at load time: it cannot be bundled. Shipped as is.
    external: [...COMMON_EXTERNAL, 'node-opcua'],
    dependencies: {
      'aws.greengrass.SecretManager': { VersionRequirement: '^2.0.0', DependencyType: 'HARD' },
    },
    accessControl: {
      'aws.greengrass.SecretManager': {
        'com.tributary.OpcUaCollector:secrets:1': {
          policyDescription: 'Reads the OPC UA user name and password secret, and no other secret.',
          operations: ['aws.greengrass#GetSecretValue'],
          resources: [OPCUA_SECRET_ARN_PLACEHOLDER],
        },
      },
    },
    // 5,000 tags at 10 Hz stay under 200 MB RSS with the old generation capped (npm run bench).
    setenv: { NODE_OPTIONS: '--max-old-space-size=160' },
    architectures: LINUX_64,
  },
  {
    name: 'com.tributary.OpcDaCollector',
    dir: 'opcda-collector',
    schemaExport: 'OpcDaCollectorConfigSchema',
    description: 'Reads OPC DA (DCOM) server tags and writes them to stream manager.',
    // node-opcua for the UA-wrapper backend (see OpcUaCollector); node-opc-da and node-dcom are plain JavaScript and bundle.
    external: [...COMMON_EXTERNAL, 'node-opcua'],
    dependencies: {},
    // node-dcom (under node-opc-da) uses MD4/DES, which OpenSSL 3 only offers through the legacy provider.
    setenv: { NODE_OPTIONS: '--openssl-legacy-provider' },
    architectures: LINUX_64,
  },
  {
    name: 'com.tributary.Aggregator',
    dir: 'aggregator',
    schemaExport: 'AggregatorConfigSchema',
    description: 'Filters, aggregates and detects events on raw streams and routes the results to priority output streams.',
    external: [...COMMON_EXTERNAL],
    dependencies: {},
    architectures: LINUX_64,
  },
  {
    name: 'com.tributary.Publisher',
    dir: 'publisher',
    schemaExport: 'PublisherConfigSchema',
    description: 'Delivers the output streams, critical first, to Kinesis Data Streams, AWS IoT SiteWise and AWS IoT Core.',
    external: [...COMMON_EXTERNAL],
    dependencies: {
      'aws.greengrass.TokenExchangeService': { VersionRequirement: '^2.0.0', DependencyType: 'HARD' },
    },
    accessControl: {
      'aws.greengrass.ipc.mqttproxy': {
        'com.tributary.Publisher:mqttproxy:1': {
          policyDescription: 'Publishes to AWS IoT Core under the tributary/ topic prefix only.',
          operations: ['aws.greengrass#PublishToIoTCore'],
          resources: [PUBLISHER_TOPIC_FILTER],
        },
      },
    },
    // A 4 MiB young generation keeps the RSS of a draining publisher near 130 MB instead of
    // ~160 MB at no measurable CPU cost (npm run bench runs the publisher with the same flag).
    setenv: { NODE_OPTIONS: PUBLISHER_NODE_OPTIONS },
    architectures: LINUX_64,
  },
];

/** The repository root: the nearest folder up from `from` holding Tributary's package.json (works from the sources and from dist/). */
export function repoRoot(from = __dirname): string {
  let dir = from;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'tributary') return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`No Tributary package.json above ${from}`);
    dir = up;
  }
}

/** Every component's version: the repository's package.json version. */
export function componentVersion(root = repoRoot()): string {
  return (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

/** `ObdCollector` for `com.tributary.ObdCollector`. */
export function shortName(spec: ComponentSpec): string {
  return spec.name.slice(spec.name.lastIndexOf('.') + 1);
}

export function entryPoint(spec: ComponentSpec, root = repoRoot()): string {
  return path.join(root, 'components', spec.dir, 'src', 'main.ts');
}

/** The components whose src/main.ts exists, in registry order. */
export function presentComponents(root = repoRoot()): ComponentSpec[] {
  return COMPONENTS.filter((c) => fs.existsSync(entryPoint(c, root)));
}

export function findComponent(nameOrDir: string): ComponentSpec {
  const found = COMPONENTS.find((c) => c.name === nameOrDir || c.dir === nameOrDir || shortName(c) === nameOrDir);
  if (!found) throw new Error(`Unknown component "${nameOrDir}"; known: ${COMPONENTS.map((c) => c.name).join(', ')}`);
  return found;
}

/**
 * The component's config schema. Loaded next to this module: from the TypeScript sources under
 * ts-jest, from dist/components/… when compiled.
 */
export function loadSchema(spec: ComponentSpec): TObject {
  const modulePath = path.resolve(__dirname, '..', '..', 'components', spec.dir, 'src', 'config');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(modulePath) as Record<string, unknown>;
  const schema = mod[spec.schemaExport];
  if (typeof schema !== 'object' || schema === null) {
    throw new Error(`${modulePath} does not export ${spec.schemaExport}; the registry in local/packaging/components.ts names it`);
  }
  return schema as TObject;
}
