/**
 * How Tributary's SiteWise asset models and assets are described: plain data, independent of the
 * SDK. `models.ts` holds the models, `assets.ts` the assets (with the property aliases the
 * Publisher writes), `provisioner.ts` turns both into SiteWise API calls.
 */

export type PropertyDataType = 'DOUBLE' | 'INTEGER' | 'BOOLEAN' | 'STRING';

/** Where a measurement's values come from: the samples with this `source` and `name`. */
export interface SampleBinding {
  source: 'obd' | 'gps' | 'opcua' | 'opcda';
  /** Sample name as the collector (or the Aggregator) writes it: `rpm`, `speed`, `event.high_rpm`, `Temperature`. */
  name: string;
  /** Which component writes it (documentation): `ObdCollector`, `GpsCollector`, `Aggregator`, `OpcUaCollector`. */
  writer: string;
}

/** A variable of a transform or metric: a property of the same model, or (metrics only) of the child assets of a hierarchy. */
export interface VariableSpec {
  /** Variable name in the expression (lower case, `[a-z][a-z0-9_]*`). */
  name: string;
  /** Property name (of this model, or of the hierarchy's child model). */
  property: string;
  /** Hierarchy name: the variable takes the property of every child asset in that hierarchy. */
  hierarchy?: string;
}

interface PropertyBase {
  name: string;
  dataType: PropertyDataType;
  unit?: string;
  /** What it is, for the README and the model's documentation. */
  doc: string;
}

export interface MeasurementSpec extends PropertyBase {
  kind: 'measurement';
  /** Absent for measurements that no Tributary component writes yet. */
  sample?: SampleBinding;
}

export interface AttributeSpec extends PropertyBase {
  kind: 'attribute';
  defaultValue?: string;
}

export interface TransformSpec extends PropertyBase {
  kind: 'transform';
  expression: string;
  variables: VariableSpec[];
}

export interface MetricSpec extends PropertyBase {
  kind: 'metric';
  expression: string;
  variables: VariableSpec[];
  /** Tumbling window: `1m`, `5m`, `1h`, `1d`, `1w`. */
  window: string;
}

export type PropertySpec = MeasurementSpec | AttributeSpec | TransformSpec | MetricSpec;

export interface HierarchySpec {
  name: string;
  /** The `key` of the child model spec. */
  childModel: string;
}

export interface ModelSpec {
  /** Short key used in asset specs and hierarchies: `vehicle`, `fleet`, `machine`, … */
  key: string;
  /** SiteWise asset model name (what the console shows; the provisioner finds models by it). */
  name: string;
  description: string;
  properties: PropertySpec[];
  hierarchies: HierarchySpec[];
}

/** One asset to provision. Assets are found by (model, name): names are unique per model. */
export interface AssetSpec {
  /** Model key. */
  model: string;
  name: string;
  description?: string;
  /** The parent asset (by model key and name) and the parent model's hierarchy that holds this asset. */
  parent?: { model: string; name: string; hierarchy: string };
  /** Property name → alias. */
  aliases: Record<string, string>;
}

export interface ProvisioningSpec {
  /** In creation order: a model's hierarchy children come before it. */
  models: ModelSpec[];
  /** Parents before children. */
  assets: AssetSpec[];
}
