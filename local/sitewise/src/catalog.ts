/**
 * The control plane of the local SiteWise: asset models, assets, hierarchy associations,
 * property aliases and time series (data streams), validated like the real service. Requests and answers are the JSON wire
 * shapes of the restJson1 protocol (dates as epoch seconds).
 *
 * Asset property ids are the ids of the model's properties, and asset hierarchy ids the ids of
 * the model's hierarchies, as in the real service.
 */
import { randomUUID } from 'node:crypto';
import { alreadyExists, conflict, invalid, notFound, ServiceError } from './errors';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

export type DataType = 'DOUBLE' | 'INTEGER' | 'BOOLEAN' | 'STRING' | 'STRUCT';
export type PropertyKind = 'attribute' | 'measurement' | 'transform' | 'metric';
type State = 'CREATING' | 'UPDATING' | 'ACTIVE' | 'DELETING' | 'FAILED';
type Json = Record<string, unknown>;

export interface ModelProperty {
  id: string;
  name: string;
  dataType: DataType;
  dataTypeSpec?: string;
  unit?: string;
  externalId?: string;
  /** The wire `type` object ({attribute: {...}} etc.) as given. */
  type: Json;
  kind: PropertyKind;
}

export interface ModelHierarchy {
  id: string;
  name: string;
  childAssetModelId: string;
  externalId?: string;
}

export interface AssetModelRecord {
  id: string;
  name: string;
  description?: string;
  externalId?: string;
  type: string;
  properties: ModelProperty[];
  hierarchies: ModelHierarchy[];
  created: number;
  updated: number;
  /** The state while a create/update is in progress; ACTIVE once `readyAt` (real time) passes. */
  pending?: State;
  readyAt: number;
}

export interface AssetPropertySettings {
  alias?: string;
  notification?: 'ENABLED' | 'DISABLED';
  unit?: string;
}

export interface AssetRecord {
  id: string;
  name: string;
  modelId: string;
  description?: string;
  externalId?: string;
  created: number;
  updated: number;
  pending?: State;
  readyAt: number;
  /** Per property id: alias, notification state, unit override. */
  settings: Record<string, AssetPropertySettings>;
  /** Children per hierarchy id. */
  children: Record<string, string[]>;
  parent?: { assetId: string; hierarchyId: string };
}

/**
 * A time series ("data stream"): the values of one asset property, or of an alias that no
 * property carries (disassociated). Created on the first ingested value, or by
 * DisassociateTimeSeriesFromAssetProperty; its id stays the same across (dis)associations.
 */
export interface TimeSeriesRecord {
  id: string;
  dataType: DataType;
  dataTypeSpec?: string;
  /** The alias of a disassociated series; an associated one answers its property's alias. */
  alias?: string;
  /** Set while associated. */
  assetId?: string;
  propertyId?: string;
  created: number;
  updated: number;
}

/** What the catalog keeps on disk (see LocalSiteWise's dataFile). */
export interface CatalogSnapshot {
  v: 1;
  models: AssetModelRecord[];
  assets: AssetRecord[];
  /** Absent in files written before time series were kept. */
  timeSeries?: TimeSeriesRecord[];
}

/** A property found by alias or by ids, with what ingestion needs to know. */
export interface ResolvedProperty {
  asset: AssetRecord;
  property: ModelProperty;
}

const UUID = /^[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}$/;
const NAME = /^[^\u0000-\u001F\u007F]+$/;
const DATA_TYPES: readonly DataType[] = ['DOUBLE', 'INTEGER', 'BOOLEAN', 'STRING', 'STRUCT'];
const KINDS: readonly PropertyKind[] = ['attribute', 'measurement', 'transform', 'metric'];
const MAX_PROPERTIES = 200;
const MAX_HIERARCHIES = 10;
const MAX_HIERARCHY_DEPTH = 10;

export const modelArn = (id: string): string => `arn:aws:iotsitewise:${REGION}:${ACCOUNT}:asset-model/${id}`;
export const assetArn = (id: string): string => `arn:aws:iotsitewise:${REGION}:${ACCOUNT}:asset/${id}`;
export const timeSeriesArn = (id: string): string => `arn:aws:iotsitewise:${REGION}:${ACCOUNT}:time-series/${id}`;
const seconds = (ms: number): number => ms / 1000;

export interface CatalogOptions {
  /** Wall clock for creation dates. */
  clock: () => number;
  /** Real-time clock for CREATING/UPDATING → ACTIVE. */
  realNow: () => number;
  activationDelayMs: number;
  /** Called after every change (for persistence). */
  onChange?: () => void;
}

export class Catalog {
  private readonly models = new Map<string, AssetModelRecord>();
  private readonly assets = new Map<string, AssetRecord>();
  /** alias → "assetId/propertyId" */
  private readonly aliases = new Map<string, { assetId: string; propertyId: string }>();
  /** Time series by id; disassociated ones by alias; associated ones by "assetId/propertyId". */
  private readonly series = new Map<string, TimeSeriesRecord>();
  private readonly streams = new Map<string, TimeSeriesRecord>();
  private readonly propertySeries = new Map<string, TimeSeriesRecord>();

  constructor(private readonly opts: CatalogOptions) {}

  // ---- persistence ----

  snapshot(): CatalogSnapshot {
    return { v: 1, models: [...this.models.values()], assets: [...this.assets.values()], timeSeries: [...this.series.values()] };
  }

  /** Loads a snapshot; everything in it is ACTIVE. */
  restore(snap: CatalogSnapshot): void {
    if (snap.v !== 1 || !Array.isArray(snap.models) || !Array.isArray(snap.assets)) throw new Error('not a local SiteWise data file (v 1)');
    for (const m of snap.models) this.models.set(m.id, { ...m, pending: undefined, readyAt: 0 });
    for (const a of snap.assets) {
      this.assets.set(a.id, { ...a, pending: undefined, readyAt: 0 });
      for (const [propertyId, s] of Object.entries(a.settings)) if (s.alias) this.aliases.set(s.alias, { assetId: a.id, propertyId });
    }
    for (const t of snap.timeSeries ?? []) {
      if (t.assetId !== undefined && t.propertyId !== undefined) {
        if (!this.hasProperty(t.assetId, t.propertyId)) continue;
        this.propertySeries.set(`${t.assetId}/${t.propertyId}`, t);
      } else if (t.alias !== undefined && !this.aliases.has(t.alias)) {
        this.streams.set(t.alias, t);
      } else {
        continue;
      }
      this.series.set(t.id, t);
    }
  }

  counts(): { assetModels: number; assets: number; aliases: number; timeSeries: number } {
    return { assetModels: this.models.size, assets: this.assets.size, aliases: this.aliases.size, timeSeries: this.series.size };
  }

  // ---- asset models ----

  createAssetModel(req: Json): Json {
    const name = str(req.assetModelName, 'assetModelName', { required: true, max: 256, pattern: NAME })!;
    const type = enumOf(req.assetModelType, 'assetModelType', ['ASSET_MODEL', 'COMPONENT_MODEL']) ?? 'ASSET_MODEL';
    const id = optionalId(req.assetModelId, 'assetModelId');
    if (id && (this.models.has(id) || this.assets.has(id))) throw alreadyExists(`Asset model ${id} already exists.`, id, modelArn(id));
    for (const m of this.models.values()) {
      if (m.name === name) throw alreadyExists(`Asset model with name ${name} already exists.`, m.id, modelArn(m.id));
    }
    if (req.assetModelCompositeModels !== undefined) throw invalid('assetModelCompositeModels are not supported by the local SiteWise.');
    const properties = this.readProperties(req.assetModelProperties, []);
    const hierarchies = this.readHierarchies(req.assetModelHierarchies, [], properties);
    this.checkChildVariables(properties, hierarchies);
    const now = this.opts.clock();
    const model: AssetModelRecord = {
      id: id ?? randomUUID(),
      name,
      type,
      properties,
      hierarchies,
      created: now,
      updated: now,
      pending: 'CREATING',
      readyAt: this.opts.realNow() + this.opts.activationDelayMs,
      ...optional('description', str(req.assetModelDescription, 'assetModelDescription', { max: 2048 })),
      ...optional('externalId', str(req.assetModelExternalId, 'assetModelExternalId', { max: 128 })),
    };
    this.models.set(model.id, model);
    this.changed();
    return { assetModelId: model.id, assetModelArn: modelArn(model.id), assetModelStatus: { state: 'CREATING' } };
  }

  describeAssetModel(id: string): Json {
    const m = this.model(id);
    return {
      assetModelId: m.id,
      assetModelArn: modelArn(m.id),
      assetModelName: m.name,
      assetModelType: m.type,
      assetModelDescription: m.description,
      assetModelExternalId: m.externalId,
      assetModelProperties: m.properties.map(wireModelProperty),
      assetModelHierarchies: m.hierarchies.map((h) => ({ ...h })),
      assetModelCompositeModels: [],
      assetModelCompositeModelSummaries: [],
      assetModelCreationDate: seconds(m.created),
      assetModelLastUpdateDate: seconds(m.updated),
      assetModelStatus: { state: this.state(m) },
      assetModelVersion: '1',
    };
  }

  listAssetModels(query: URLSearchParams): Json {
    const types = query.getAll('assetModelTypes');
    const all = [...this.models.values()].filter((m) => types.length === 0 || types.includes(m.type)).sort((a, b) => a.created - b.created) /* stable: ties keep creation (insertion) order */;
    const { items, nextToken } = page(all, query, 50, 250);
    return {
      assetModelSummaries: items.map((m) => ({
        id: m.id,
        arn: modelArn(m.id),
        name: m.name,
        assetModelType: m.type,
        description: m.description ?? '',
        externalId: m.externalId,
        creationDate: seconds(m.created),
        lastUpdateDate: seconds(m.updated),
        status: { state: this.state(m) },
        version: '1',
      })),
      nextToken,
    };
  }

  /** Replaces the model's properties and hierarchies. Existing ids are kept for properties/hierarchies matched by id or name. */
  updateAssetModel(id: string, req: Json): Json {
    const m = this.model(id);
    if (this.state(m) !== 'ACTIVE') throw conflict(`Asset model ${id} is ${this.state(m)}; wait until it is ACTIVE.`, m.id, modelArn(m.id));
    const name = str(req.assetModelName, 'assetModelName', { required: true, max: 256, pattern: NAME })!;
    for (const other of this.models.values()) {
      if (other.id !== id && other.name === name) throw alreadyExists(`Asset model with name ${name} already exists.`, other.id, modelArn(other.id));
    }
    if (req.assetModelCompositeModels !== undefined && !(Array.isArray(req.assetModelCompositeModels) && req.assetModelCompositeModels.length === 0)) {
      throw invalid('assetModelCompositeModels are not supported by the local SiteWise.');
    }
    const properties = this.readProperties(req.assetModelProperties, m.properties);
    const hierarchies = this.readHierarchies(req.assetModelHierarchies, m.hierarchies, properties, m.id);
    this.checkChildVariables(properties, hierarchies, m.id);
    const removedProps = m.properties.filter((p) => !properties.some((q) => q.id === p.id)).map((p) => p.id);
    const removedHierarchies = m.hierarchies.filter((h) => !hierarchies.some((q) => q.id === h.id)).map((h) => h.id);
    for (const a of this.assets.values()) {
      if (a.modelId !== id) continue;
      for (const hid of removedHierarchies) {
        if ((a.children[hid] ?? []).length > 0) throw conflict(`Hierarchy ${hid} still has associated assets under asset ${a.id}; disassociate them first.`, m.id, modelArn(m.id));
      }
    }
    for (const a of this.assets.values()) {
      if (a.modelId !== id) continue;
      for (const pid of removedProps) {
        const alias = a.settings[pid]?.alias;
        if (alias) this.aliases.delete(alias);
        delete a.settings[pid];
        this.dropPropertySeries(a.id, pid);
      }
      for (const hid of removedHierarchies) delete a.children[hid];
    }
    m.name = name;
    const description = str(req.assetModelDescription, 'assetModelDescription', { max: 2048 });
    if (description !== undefined) m.description = description;
    m.properties = properties;
    m.hierarchies = hierarchies;
    m.updated = this.opts.clock();
    m.pending = 'UPDATING';
    m.readyAt = this.opts.realNow() + this.opts.activationDelayMs;
    this.changed();
    return { assetModelId: m.id, assetModelStatus: { state: 'UPDATING' } };
  }

  deleteAssetModel(id: string): Json {
    const m = this.model(id);
    for (const a of this.assets.values()) {
      if (a.modelId === id) throw conflict(`Asset model ${id} still has assets (for example ${a.id}); delete them first.`, m.id, modelArn(m.id));
    }
    for (const other of this.models.values()) {
      if (other.hierarchies.some((h) => h.childAssetModelId === id)) {
        throw conflict(`Asset model ${id} is the child model of a hierarchy of asset model ${other.id}.`, m.id, modelArn(m.id));
      }
    }
    this.models.delete(id);
    this.changed();
    return { assetModelId: id, assetModelStatus: { state: 'DELETING' } };
  }

  // ---- assets ----

  createAsset(req: Json): Json {
    const name = str(req.assetName, 'assetName', { required: true, max: 256, pattern: NAME })!;
    const modelId = str(req.assetModelId, 'assetModelId', { required: true, max: 139 })!;
    const m = this.models.get(modelId);
    if (!m) throw notFound(`Asset model ${modelId} does not exist.`);
    if (this.state(m) !== 'ACTIVE') throw conflict(`Asset model ${modelId} is ${this.state(m)}; assets can only be created from an ACTIVE asset model.`, m.id, modelArn(m.id));
    if (m.type !== 'ASSET_MODEL') throw invalid(`Asset model ${modelId} is a ${m.type}; assets can only be created from an ASSET_MODEL.`);
    const id = optionalId(req.assetId, 'assetId');
    if (id && (this.assets.has(id) || this.models.has(id))) throw alreadyExists(`Asset ${id} already exists.`, id, assetArn(id));
    const now = this.opts.clock();
    const asset: AssetRecord = {
      id: id ?? randomUUID(),
      name,
      modelId,
      created: now,
      updated: now,
      pending: 'CREATING',
      readyAt: this.opts.realNow() + this.opts.activationDelayMs,
      settings: {},
      children: {},
      ...optional('description', str(req.assetDescription, 'assetDescription', { max: 2048 })),
      ...optional('externalId', str(req.assetExternalId, 'assetExternalId', { max: 128 })),
    };
    this.assets.set(asset.id, asset);
    this.changed();
    return { assetId: asset.id, assetArn: assetArn(asset.id), assetStatus: { state: 'CREATING' } };
  }

  describeAsset(id: string, excludeProperties: boolean): Json {
    const a = this.asset(id);
    const m = this.model(a.modelId);
    return {
      assetId: a.id,
      assetArn: assetArn(a.id),
      assetName: a.name,
      assetModelId: a.modelId,
      assetDescription: a.description,
      assetExternalId: a.externalId,
      assetProperties: excludeProperties ? [] : m.properties.map((p) => this.wireAssetProperty(a, p)),
      assetHierarchies: m.hierarchies.map((h) => ({ id: h.id, name: h.name, externalId: h.externalId })),
      assetCompositeModels: [],
      assetCompositeModelSummaries: [],
      assetCreationDate: seconds(a.created),
      assetLastUpdateDate: seconds(a.updated),
      assetStatus: { state: this.state(a) },
    };
  }

  listAssets(query: URLSearchParams): Json {
    const modelId = query.get('assetModelId') ?? undefined;
    const filter = query.get('filter') ?? 'ALL';
    if (filter !== 'ALL' && filter !== 'TOP_LEVEL') throw invalid(`filter must be ALL or TOP_LEVEL, not ${filter}.`);
    if (filter === 'ALL' && !modelId) throw invalid('assetModelId is required when filter is ALL.');
    if (modelId && !this.models.has(modelId)) throw notFound(`Asset model ${modelId} does not exist.`);
    const all = [...this.assets.values()]
      .filter((a) => (!modelId || a.modelId === modelId) && (filter === 'ALL' || !a.parent))
      .sort((a, b) => a.created - b.created) /* stable: ties keep creation (insertion) order */;
    const { items, nextToken } = page(all, query, 50, 250);
    return { assetSummaries: items.map((a) => this.assetSummary(a)), nextToken };
  }

  deleteAsset(id: string): Json {
    const a = this.asset(id);
    if (Object.values(a.children).some((c) => c.length > 0)) throw conflict(`Asset ${id} has child assets; disassociate them first.`, a.id, assetArn(a.id));
    if (a.parent) throw conflict(`Asset ${id} is associated with parent asset ${a.parent.assetId}; disassociate it first.`, a.id, assetArn(a.id));
    for (const s of Object.values(a.settings)) if (s.alias) this.aliases.delete(s.alias);
    for (const p of this.model(a.modelId).properties) this.dropPropertySeries(a.id, p.id);
    this.assets.delete(id);
    this.changed();
    return { assetId: id, assetStatus: { state: 'DELETING' } };
  }

  associateAssets(id: string, req: Json): void {
    const { parent, hierarchy, child } = this.association(id, req);
    if (child.parent) {
      if (child.parent.assetId === parent.id && child.parent.hierarchyId === hierarchy.id) {
        throw alreadyExists(`Asset ${child.id} is already associated with asset ${parent.id} in hierarchy ${hierarchy.id}.`, child.id, assetArn(child.id));
      }
      throw invalid(`Asset ${child.id} already has a parent asset (${child.parent.assetId}); an asset can have only one parent.`);
    }
    for (let p: AssetRecord | undefined = parent, depth = 1; p; p = p.parent ? this.assets.get(p.parent.assetId) : undefined, depth++) {
      if (p.id === child.id) throw invalid(`Associating asset ${child.id} under asset ${parent.id} would make a cycle.`);
      if (depth + this.subtreeDepth(child) > MAX_HIERARCHY_DEPTH) throw new ServiceError('LimitExceededException', `An asset hierarchy can be at most ${MAX_HIERARCHY_DEPTH} levels deep.`);
    }
    (parent.children[hierarchy.id] ??= []).push(child.id);
    child.parent = { assetId: parent.id, hierarchyId: hierarchy.id };
    parent.updated = child.updated = this.opts.clock();
    this.changed();
  }

  disassociateAssets(id: string, req: Json): void {
    const { parent, hierarchy, child } = this.association(id, req);
    const list = parent.children[hierarchy.id] ?? [];
    if (!list.includes(child.id)) throw invalid(`Asset ${child.id} is not associated with asset ${parent.id} in hierarchy ${hierarchy.id}.`);
    parent.children[hierarchy.id] = list.filter((c) => c !== child.id);
    delete child.parent;
    parent.updated = child.updated = this.opts.clock();
    this.changed();
  }

  listAssociatedAssets(id: string, query: URLSearchParams): Json {
    const a = this.asset(id);
    const direction = query.get('traversalDirection') ?? 'CHILD';
    let related: AssetRecord[];
    if (direction === 'PARENT') {
      related = a.parent ? [this.asset(a.parent.assetId)] : [];
    } else if (direction === 'CHILD') {
      const hierarchyId = query.get('hierarchyId');
      if (!hierarchyId) throw invalid('hierarchyId is required when traversalDirection is CHILD.');
      if (!this.model(a.modelId).hierarchies.some((h) => h.id === hierarchyId)) throw notFound(`Hierarchy ${hierarchyId} does not exist in asset ${id}.`);
      related = (a.children[hierarchyId] ?? []).map((c) => this.asset(c));
    } else {
      throw invalid(`traversalDirection must be PARENT or CHILD, not ${direction}.`);
    }
    const { items, nextToken } = page(related, query, 50, 250);
    return { assetSummaries: items.map((r) => this.assetSummary(r)), nextToken };
  }

  describeAssetProperty(assetId: string, propertyId: string): Json {
    const a = this.asset(assetId);
    const p = this.property(a, propertyId);
    return {
      assetId: a.id,
      assetName: a.name,
      assetModelId: a.modelId,
      assetExternalId: a.externalId,
      assetProperty: { ...this.wireAssetProperty(a, p), type: p.type },
    };
  }

  /** As the real API: an omitted alias removes the alias, an omitted notification state means DISABLED, an omitted unit means the model's. */
  updateAssetProperty(assetId: string, propertyId: string, req: Json): void {
    const a = this.asset(assetId);
    const p = this.property(a, propertyId);
    if (this.state(a) !== 'ACTIVE') throw conflict(`Asset ${assetId} is ${this.state(a)}; wait until it is ACTIVE.`, a.id, assetArn(a.id));
    const alias = str(req.propertyAlias, 'propertyAlias', { max: 1000, pattern: NAME });
    const notification = enumOf(req.propertyNotificationState, 'propertyNotificationState', ['ENABLED', 'DISABLED']) as 'ENABLED' | 'DISABLED' | undefined;
    const unit = str(req.propertyUnit, 'propertyUnit', { max: 256 });
    if (alias !== undefined) {
      const owner = this.aliases.get(alias);
      if (owner && !(owner.assetId === a.id && owner.propertyId === p.id)) {
        throw invalid(`The alias ${alias} is already in use by property ${owner.propertyId} of asset ${owner.assetId}; aliases must be unique.`);
      }
      const stream = this.streams.get(alias);
      if (stream) {
        throw invalid(
          `The alias ${alias} is in use by data stream (time series) ${stream.id}, which is not associated with an asset property; aliases must be unique. Use AssociateTimeSeriesToAssetProperty to associate the data stream with this property.`,
        );
      }
    }
    const previous = a.settings[p.id]?.alias;
    if (previous !== undefined) this.aliases.delete(previous);
    const settings: AssetPropertySettings = {};
    if (alias !== undefined) {
      settings.alias = alias;
      this.aliases.set(alias, { assetId: a.id, propertyId: p.id });
    }
    if (notification === 'ENABLED') settings.notification = 'ENABLED';
    if (unit !== undefined) settings.unit = unit;
    a.settings[p.id] = settings;
    a.updated = this.opts.clock();
    this.changed();
  }

  // ---- lookups for the data plane ----

  /** The property an alias names, or undefined. */
  byAlias(alias: string): ResolvedProperty | undefined {
    const ref = this.aliases.get(alias);
    if (!ref) return undefined;
    const asset = this.assets.get(ref.assetId);
    const property = asset && this.model(asset.modelId).properties.find((p) => p.id === ref.propertyId);
    return asset && property ? { asset, property } : undefined;
  }

  /** The property of an asset by ids; ResourceNotFoundException when either is unknown. */
  byIds(assetId: string, propertyId: string): ResolvedProperty {
    const asset = this.asset(assetId);
    return { asset, property: this.property(asset, propertyId) };
  }

  hasProperty(assetId: string, propertyId: string): boolean {
    const asset = this.assets.get(assetId);
    return !!asset && this.model(asset.modelId).properties.some((p) => p.id === propertyId);
  }

  // ---- time series (data streams) ----

  /** The disassociated time series of an alias, or undefined. */
  stream(alias: string): TimeSeriesRecord | undefined {
    return this.streams.get(alias);
  }

  /** Creates the disassociated time series of an alias no property carries (first ingested value). */
  createStream(alias: string, dataType: DataType): TimeSeriesRecord {
    if (this.aliases.has(alias) || this.streams.has(alias)) throw new Error(`alias ${alias} is in use`);
    const now = this.opts.clock();
    const t: TimeSeriesRecord = { id: randomUUID(), dataType, alias, created: now, updated: now };
    this.series.set(t.id, t);
    this.streams.set(alias, t);
    this.changed();
    return t;
  }

  /** The time series of an asset property; with `create`, made on the first ingested value. */
  seriesOf(asset: AssetRecord, property: ModelProperty, create: true): TimeSeriesRecord;
  seriesOf(asset: AssetRecord, property: ModelProperty, create?: boolean): TimeSeriesRecord | undefined;
  seriesOf(asset: AssetRecord, property: ModelProperty, create = false): TimeSeriesRecord | undefined {
    const k = `${asset.id}/${property.id}`;
    let t = this.propertySeries.get(k);
    if (!t && create) {
      const now = this.opts.clock();
      t = { id: randomUUID(), dataType: property.dataType, ...optional('dataTypeSpec', property.dataTypeSpec), assetId: asset.id, propertyId: property.id, created: now, updated: now };
      this.series.set(t.id, t);
      this.propertySeries.set(k, t);
      this.changed();
    }
    return t;
  }

  hasSeries(id: string): boolean {
    return this.series.has(id);
  }

  /** ListTimeSeries: `timeSeriesType` ASSOCIATED | DISASSOCIATED, `assetId`, `aliasPrefix`; paged. */
  listTimeSeries(query: URLSearchParams): Json {
    const type = query.get('timeSeriesType');
    if (type !== null && type !== 'ASSOCIATED' && type !== 'DISASSOCIATED') throw invalid(`timeSeriesType must be ASSOCIATED or DISASSOCIATED, not ${type}.`);
    const assetId = query.get('assetId');
    if (assetId !== null) this.asset(assetId);
    const prefix = query.get('aliasPrefix');
    const all = [...this.series.values()]
      .filter((t) => {
        if (type === 'ASSOCIATED' && t.assetId === undefined) return false;
        if (type === 'DISASSOCIATED' && t.assetId !== undefined) return false;
        if (assetId !== null && t.assetId !== assetId) return false;
        return prefix === null || (this.aliasOf(t)?.startsWith(prefix) ?? false);
      }); // in creation order
    const { items, nextToken } = page(all, query, 50, 250);
    return { TimeSeriesSummaries: items.map((t) => this.wireTimeSeries(t)), nextToken };
  }

  /** DescribeTimeSeries by `alias`, or `assetId` + `propertyId`. */
  describeTimeSeries(query: URLSearchParams): Json {
    return this.wireTimeSeries(this.findSeries(query));
  }

  /** AssociateTimeSeriesToAssetProperty: the disassociated series of `alias` becomes the property's (alias and values). */
  associateTimeSeries(query: URLSearchParams): void {
    const { alias, asset, property } = this.seriesRequest(query);
    const owner = this.aliases.get(alias);
    if (owner) {
      if (owner.assetId === asset.id && owner.propertyId === property.id) return; // already associated
      throw invalid(`The time series ${alias} is already associated with property ${owner.propertyId} of asset ${owner.assetId}.`);
    }
    const t = this.streams.get(alias);
    if (!t) throw notFound(`No time series has the alias ${alias}.`);
    if (property.kind !== 'measurement') throw invalid(`Property ${property.name} is a ${property.kind}; time series can only be associated with measurements.`);
    if (property.dataType !== t.dataType) throw invalid(`The time series ${alias} has the data type ${t.dataType}; property ${property.name} is ${property.dataType}. They must match.`);
    const current = asset.settings[property.id]?.alias;
    if (current !== undefined || this.propertySeries.has(`${asset.id}/${property.id}`)) {
      throw invalid(`Property ${property.name} of asset ${asset.id} already has a time series${current !== undefined ? ` (alias ${current})` : ''}; an asset property can be associated with one time series only.`);
    }
    this.streams.delete(alias);
    delete t.alias;
    t.assetId = asset.id;
    t.propertyId = property.id;
    t.updated = asset.updated = this.opts.clock();
    this.propertySeries.set(`${asset.id}/${property.id}`, t);
    (asset.settings[property.id] ??= {}).alias = alias;
    this.aliases.set(alias, { assetId: asset.id, propertyId: property.id });
    this.changed();
  }

  /** DisassociateTimeSeriesFromAssetProperty: the property loses its alias; its series (and values) stay under the alias. */
  disassociateTimeSeries(query: URLSearchParams): void {
    const { alias, asset, property } = this.seriesRequest(query);
    const settings = asset.settings[property.id];
    if (settings?.alias !== alias) {
      if (!this.aliases.has(alias) && !this.streams.has(alias)) throw notFound(`No time series has the alias ${alias}.`);
      throw invalid(`The time series ${alias} is not associated with property ${property.id} of asset ${asset.id}.`);
    }
    const t = this.seriesOf(asset, property, true);
    this.propertySeries.delete(`${asset.id}/${property.id}`);
    delete t.assetId;
    delete t.propertyId;
    t.alias = alias;
    this.streams.set(alias, t);
    delete settings.alias;
    this.aliases.delete(alias);
    t.updated = asset.updated = this.opts.clock();
    this.changed();
  }

  /**
   * DeleteTimeSeries by `alias`, or `assetId` + `propertyId`: the series and its values are gone;
   * a property whose series is deleted keeps its alias (a later value starts a new series).
   */
  deleteTimeSeries(query: URLSearchParams): void {
    const t = this.findSeries(query);
    if (t.assetId !== undefined) this.propertySeries.delete(`${t.assetId}/${t.propertyId}`);
    if (t.alias !== undefined) this.streams.delete(t.alias);
    this.series.delete(t.id);
    this.changed();
  }

  private findSeries(query: URLSearchParams): TimeSeriesRecord {
    const alias = query.get('alias');
    const assetId = query.get('assetId');
    const propertyId = query.get('propertyId');
    if (alias !== null) {
      const stream = this.streams.get(alias);
      if (stream) return stream;
      const found = this.byAlias(alias);
      if (!found) throw notFound(`No time series has the alias ${alias}.`);
      if ((assetId !== null && assetId !== found.asset.id) || (propertyId !== null && propertyId !== found.property.id)) {
        throw invalid(`The alias ${alias} belongs to another asset property than assetId/propertyId.`);
      }
      const t = this.seriesOf(found.asset, found.property);
      if (!t) throw notFound(`Property ${found.property.name} (alias ${alias}) has no time series yet: it is created by the first value ingested.`);
      return t;
    }
    if (assetId === null || propertyId === null) throw invalid('Give an alias, or assetId and propertyId.');
    const { asset, property } = this.byIds(assetId, propertyId);
    const t = this.seriesOf(asset, property);
    if (!t) throw notFound(`Property ${property.name} of asset ${asset.id} has no time series yet: it is created by the first value ingested.`);
    return t;
  }

  private seriesRequest(query: URLSearchParams): { alias: string; asset: AssetRecord; property: ModelProperty } {
    const alias = str(query.get('alias') ?? undefined, 'alias', { required: true, max: 1000, pattern: NAME })!;
    const assetId = str(query.get('assetId') ?? undefined, 'assetId', { required: true, max: 139 })!;
    const propertyId = str(query.get('propertyId') ?? undefined, 'propertyId', { required: true, max: 139 })!;
    const { asset, property } = this.byIds(assetId, propertyId);
    if (this.state(asset) !== 'ACTIVE') throw conflict(`Asset ${assetId} is ${this.state(asset)}; wait until it is ACTIVE.`, asset.id, assetArn(asset.id));
    return { alias, asset, property };
  }

  private aliasOf(t: TimeSeriesRecord): string | undefined {
    return t.assetId !== undefined ? this.assets.get(t.assetId)?.settings[t.propertyId!]?.alias : t.alias;
  }

  private wireTimeSeries(t: TimeSeriesRecord): Json {
    return {
      timeSeriesId: t.id,
      dataType: t.dataType,
      dataTypeSpec: t.dataTypeSpec,
      timeSeriesCreationDate: seconds(t.created),
      timeSeriesLastUpdateDate: seconds(t.updated),
      timeSeriesArn: timeSeriesArn(t.id),
      assetId: t.assetId,
      propertyId: t.propertyId,
      alias: this.aliasOf(t),
    };
  }

  private dropPropertySeries(assetId: string, propertyId: string): void {
    const t = this.propertySeries.get(`${assetId}/${propertyId}`);
    if (!t) return;
    this.propertySeries.delete(`${assetId}/${propertyId}`);
    this.series.delete(t.id);
  }

  // ---- internals ----

  private changed(): void {
    this.opts.onChange?.();
  }

  private state(r: AssetModelRecord | AssetRecord): State {
    if (r.pending && this.opts.realNow() >= r.readyAt) delete r.pending;
    return r.pending ?? 'ACTIVE';
  }

  private model(id: string): AssetModelRecord {
    const m = this.models.get(id);
    if (!m) throw notFound(`Asset model ${id} does not exist.`);
    return m;
  }

  private asset(id: string): AssetRecord {
    const a = this.assets.get(id);
    if (!a) throw notFound(`Asset ${id} does not exist.`);
    return a;
  }

  private property(a: AssetRecord, propertyId: string): ModelProperty {
    const p = this.model(a.modelId).properties.find((q) => q.id === propertyId);
    if (!p) throw notFound(`Property ${propertyId} does not exist in asset ${a.id}.`);
    return p;
  }

  private association(id: string, req: Json): { parent: AssetRecord; hierarchy: ModelHierarchy; child: AssetRecord } {
    const hierarchyId = str(req.hierarchyId, 'hierarchyId', { required: true, max: 139 })!;
    const childId = str(req.childAssetId, 'childAssetId', { required: true, max: 139 })!;
    const parent = this.asset(id);
    const child = this.asset(childId);
    const hierarchy = this.model(parent.modelId).hierarchies.find((h) => h.id === hierarchyId);
    if (!hierarchy) throw notFound(`Hierarchy ${hierarchyId} does not exist in asset ${id}.`);
    if (child.modelId !== hierarchy.childAssetModelId) {
      throw invalid(`Hierarchy ${hierarchy.name} takes assets of model ${hierarchy.childAssetModelId}; asset ${childId} is of model ${child.modelId}.`);
    }
    for (const r of [parent, child]) {
      if (this.state(r) !== 'ACTIVE') throw conflict(`Asset ${r.id} is ${this.state(r)}; wait until it is ACTIVE.`, r.id, assetArn(r.id));
    }
    return { parent, hierarchy, child };
  }

  private subtreeDepth(a: AssetRecord): number {
    let deepest = 0;
    for (const ids of Object.values(a.children)) for (const c of ids) deepest = Math.max(deepest, this.subtreeDepth(this.asset(c)));
    return deepest + 1;
  }

  private assetSummary(a: AssetRecord): Json {
    return {
      id: a.id,
      arn: assetArn(a.id),
      name: a.name,
      assetModelId: a.modelId,
      description: a.description,
      externalId: a.externalId,
      creationDate: seconds(a.created),
      lastUpdateDate: seconds(a.updated),
      status: { state: this.state(a) },
      hierarchies: this.model(a.modelId).hierarchies.map((h) => ({ id: h.id, name: h.name })),
    };
  }

  private wireAssetProperty(a: AssetRecord, p: ModelProperty): Json {
    const s = a.settings[p.id] ?? {};
    return {
      id: p.id,
      name: p.name,
      alias: s.alias,
      dataType: p.dataType,
      dataTypeSpec: p.dataTypeSpec,
      unit: s.unit ?? p.unit,
      notification: {
        topic: `$aws/sitewise/asset-models/${a.modelId}/assets/${a.id}/properties/${p.id}`,
        state: s.notification ?? 'DISABLED',
      },
    };
  }

  private readProperties(raw: unknown, existing: ModelProperty[]): ModelProperty[] {
    const list = arr(raw, 'assetModelProperties', MAX_PROPERTIES);
    const out: ModelProperty[] = [];
    list.forEach((item, i) => {
      const at = `assetModelProperties[${i}]`;
      const def = obj(item, at);
      const name = str(def.name, `${at}.name`, { required: true, max: 256, pattern: NAME })!;
      if (out.some((p) => p.name === name)) throw invalid(`${at}.name: property name ${name} is used twice; property names must be unique in a model.`);
      const dataType = enumOf(def.dataType, `${at}.dataType`, DATA_TYPES, true) as DataType;
      const dataTypeSpec = str(def.dataTypeSpec, `${at}.dataTypeSpec`, { max: 256 });
      if (dataType === 'STRUCT' && dataTypeSpec === undefined) throw invalid(`${at}.dataTypeSpec is required for the STRUCT data type.`);
      const type = obj(def.type, `${at}.type`);
      const kinds = KINDS.filter((k) => type[k] !== undefined && type[k] !== null);
      if (kinds.length !== 1) throw invalid(`${at}.type must have exactly one of attribute, measurement, transform, metric (got ${kinds.length}).`);
      const kind = kinds[0]!;
      const given = str(def.id, `${at}.id`, { max: 139 });
      const match = (given !== undefined ? existing.find((p) => p.id === given) : undefined) ?? existing.find((p) => p.name === name);
      if (match && match.dataType !== dataType) throw invalid(`${at}.dataType: the data type of existing property ${match.name} cannot change (${match.dataType} → ${dataType}).`);
      if (match && match.kind !== kind) throw invalid(`${at}.type: the type of existing property ${match.name} cannot change (${match.kind} → ${kind}).`);
      let id = match?.id;
      if (!id) {
        if (given !== undefined) {
          if (!UUID.test(given)) throw invalid(`${at}.id must be a UUID for a new property.`);
          if (this.propertyIdTaken(given)) throw invalid(`${at}.id ${given} is already in use.`);
        }
        id = given ?? randomUUID();
      }
      if (out.some((p) => p.id === id)) throw invalid(`${at}.id ${id} is used twice.`);
      out.push({
        id,
        name,
        dataType,
        kind,
        type,
        ...optional('dataTypeSpec', dataTypeSpec),
        ...optional('unit', str(def.unit, `${at}.unit`, { max: 256 })),
        ...optional('externalId', str(def.externalId, `${at}.externalId`, { max: 128 })),
      });
    });
    // Second pass: types whose checks need every property of the model.
    out.forEach((p, i) => this.checkPropertyType(p, out, `assetModelProperties[${i}]`));
    return out;
  }

  private checkPropertyType(p: ModelProperty, all: ModelProperty[], at: string): void {
    const body = obj(p.type[p.kind], `${at}.type.${p.kind}`);
    if (p.kind === 'attribute') {
      const dv = str(body.defaultValue, `${at}.type.attribute.defaultValue`, { max: 1024 });
      if (dv !== undefined && !attributeValueFits(dv, p.dataType)) throw invalid(`${at}.type.attribute.defaultValue ${JSON.stringify(dv)} is not a valid ${p.dataType}.`);
      return;
    }
    if (p.kind === 'measurement') return;
    if (p.dataType !== 'DOUBLE') throw invalid(`${at}.dataType: a ${p.kind} must be DOUBLE.`);
    str(body.expression, `${at}.type.${p.kind}.expression`, { required: true, max: 1024 });
    const variables = arr(body.variables, `${at}.type.${p.kind}.variables`, 10);
    if (p.kind === 'transform' && variables.length === 0) throw invalid(`${at}.type.transform.variables must name at least one property.`);
    variables.forEach((v, j) => {
      const vat = `${at}.type.${p.kind}.variables[${j}]`;
      const variable = obj(v, vat);
      str(variable.name, `${vat}.name`, { required: true, max: 64, pattern: /^[a-z][a-z0-9_]*$/ });
      const value = obj(variable.value, `${vat}.value`);
      const ref = str(value.propertyId, `${vat}.value.propertyId`, { max: 256 });
      if (value.hierarchyId !== undefined) return; // a child model's property: see checkChildVariables
      const target = all.find((q) => q.id === ref || q.name === ref);
      if (!target) throw invalid(`${vat}.value.propertyId ${JSON.stringify(ref)} is not a property of this model.`);
      if (target.id === p.id) throw invalid(`${vat}: a property cannot use itself.`);
      if (target.dataType !== 'DOUBLE' && target.dataType !== 'INTEGER') throw invalid(`${vat}: ${p.kind}s can only use DOUBLE or INTEGER properties (${target.name} is ${target.dataType}).`);
      value.propertyId = target.id;
    });
    if (p.kind === 'metric') {
      const window = obj(body.window, `${at}.type.metric.window`);
      const tumbling = obj(window.tumbling, `${at}.type.metric.window.tumbling`);
      const interval = str(tumbling.interval, `${at}.type.metric.window.tumbling.interval`, { required: true, max: 23 })!;
      const ms = parseInterval(interval);
      if (ms === undefined || ms < 60_000 || ms > 7 * 86_400_000) throw invalid(`${at}.type.metric.window.tumbling.interval ${interval} must be between 1 minute and 1 week (e.g. 1m, 5m, 1h, 1d, 1w, PT5M).`);
    }
  }

  /**
   * Variables that name a hierarchy (`value.hierarchyId`, by id or name; answered as the id): only
   * metrics may use them, the hierarchy must be one of the model's, and the property one of the
   * child model's *metrics* with the same window ("Metrics can input data from associated assets'
   * metrics … those inputs must have the same time interval as the output metric", user guide).
   */
  private checkChildVariables(properties: ModelProperty[], hierarchies: ModelHierarchy[], selfId?: string): void {
    properties.forEach((p, i) => {
      if (p.kind !== 'metric' && p.kind !== 'transform') return;
      const body = p.type[p.kind] as Json;
      (body.variables as Json[] | undefined)?.forEach((variable, j) => {
        const value = variable.value as Json;
        if (value.hierarchyId === undefined) return;
        const vat = `assetModelProperties[${i}].type.${p.kind}.variables[${j}]`;
        if (p.kind !== 'metric') throw invalid(`${vat}: only metrics can use the properties of child assets (hierarchyId).`);
        const ref = str(value.hierarchyId, `${vat}.value.hierarchyId`, { max: 256 });
        const h = hierarchies.find((x) => x.id === ref) ?? hierarchies.find((x) => x.name === ref);
        if (!h) throw invalid(`${vat}.value.hierarchyId ${JSON.stringify(ref)} is not a hierarchy of this model.`);
        value.hierarchyId = h.id;
        const childProperties = h.childAssetModelId === selfId ? properties : (this.models.get(h.childAssetModelId)?.properties ?? []);
        const pid = str(value.propertyId, `${vat}.value.propertyId`, { required: true, max: 256 });
        const target = childProperties.find((q) => q.id === pid);
        if (!target) throw invalid(`${vat}.value.propertyId ${JSON.stringify(pid)} is not a property of the child asset model of hierarchy ${h.name}.`);
        if (target.kind !== 'metric') throw invalid(`${vat}: ${target.name} of the child asset model is a ${target.kind}; metrics can only use the metrics of child assets.`);
        const interval = (x: ModelProperty): number | undefined => parseInterval(String(((((x.type.metric as Json).window as Json).tumbling as Json).interval as string) ?? ''));
        if (interval(target) !== interval(p)) throw invalid(`${vat}: child metric ${target.name} has another window than ${p.name}; they must be the same.`);
      });
    });
  }

  private propertyIdTaken(id: string): boolean {
    for (const m of this.models.values()) if (m.properties.some((p) => p.id === id) || m.hierarchies.some((h) => h.id === id)) return true;
    return false;
  }

  private readHierarchies(raw: unknown, existing: ModelHierarchy[], properties: ModelProperty[], selfId?: string): ModelHierarchy[] {
    const list = arr(raw, 'assetModelHierarchies', MAX_HIERARCHIES);
    const out: ModelHierarchy[] = [];
    list.forEach((item, i) => {
      const at = `assetModelHierarchies[${i}]`;
      const def = obj(item, at);
      const name = str(def.name, `${at}.name`, { required: true, max: 256, pattern: NAME })!;
      if (out.some((h) => h.name === name) || properties.some((p) => p.name === name)) throw invalid(`${at}.name ${name} is already used by another hierarchy or property of the model.`);
      const childAssetModelId = str(def.childAssetModelId, `${at}.childAssetModelId`, { required: true, max: 139 })!;
      if (childAssetModelId !== selfId && !this.models.has(childAssetModelId)) throw notFound(`${at}.childAssetModelId: asset model ${childAssetModelId} does not exist.`);
      const given = str(def.id, `${at}.id`, { max: 139 });
      const match = (given !== undefined ? existing.find((h) => h.id === given) : undefined) ?? existing.find((h) => h.name === name);
      if (match && match.childAssetModelId !== childAssetModelId) throw invalid(`${at}.childAssetModelId of existing hierarchy ${match.name} cannot change.`);
      let id = match?.id;
      if (!id) {
        if (given !== undefined && (!UUID.test(given) || this.propertyIdTaken(given))) throw invalid(`${at}.id must be an unused UUID for a new hierarchy.`);
        id = given ?? randomUUID();
      }
      out.push({ id, name, childAssetModelId, ...optional('externalId', str(def.externalId, `${at}.externalId`, { max: 128 })) });
    });
    return out;
  }
}

function wireModelProperty(p: ModelProperty): Json {
  return { id: p.id, name: p.name, dataType: p.dataType, dataTypeSpec: p.dataTypeSpec, unit: p.unit, externalId: p.externalId, type: p.type };
}

/** Whether an attribute's text value is a valid value of `dataType` (as the default value or an ingested string). */
export function attributeValueFits(value: string, dataType: DataType): boolean {
  switch (dataType) {
    case 'DOUBLE':
      return value.trim() !== '' && Number.isFinite(Number(value));
    case 'INTEGER':
      return /^-?\d+$/.test(value) && Math.abs(Number(value)) <= 2 ** 31;
    case 'BOOLEAN':
      return value === 'true' || value === 'false';
    default:
      return true;
  }
}

/** `1m`, `5m`, `1h`, `1d`, `1w` or ISO 8601 (`PT5M`, `P1D`, `P1W`) → milliseconds. */
export function parseInterval(s: string): number | undefined {
  const unit: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
  const short = /^(\d+)([mhdw])$/.exec(s);
  if (short) return Number(short[1]) * unit[short[2]!]!;
  const iso = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(s);
  if (!iso || s === 'P' || s.endsWith('T')) return undefined;
  const [, w, d, h, m, sec] = iso.map((x) => (x === undefined ? 0 : Number(x)));
  return w! * unit.w! + d! * unit.d! + h! * unit.h! + m! * unit.m! + sec! * unit.s!;
}

// ---- small readers of request JSON; each failure is an InvalidRequestException naming the field ----

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function str(v: unknown, field: string, o: { required?: boolean; max?: number; pattern?: RegExp } = {}): string | undefined {
  if (v === undefined || v === null) {
    if (o.required) throw invalid(`${field} is required.`);
    return undefined;
  }
  if (typeof v !== 'string') throw invalid(`${field} must be a string.`);
  if (v.length < 1 || (o.max !== undefined && v.length > o.max)) throw invalid(`${field} must be 1 to ${o.max} characters long.`);
  if (o.pattern && !o.pattern.test(v)) throw invalid(`${field} ${JSON.stringify(v)} must match ${o.pattern.source}.`);
  return v;
}

function enumOf(v: unknown, field: string, values: readonly string[], required = false): string | undefined {
  if (v === undefined || v === null) {
    if (required) throw invalid(`${field} is required.`);
    return undefined;
  }
  if (typeof v !== 'string' || !values.includes(v)) throw invalid(`${field} must be one of ${values.join(', ')}; got ${JSON.stringify(v)}.`);
  return v;
}

function obj(v: unknown, field: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(`${field} must be an object.`);
  return v as Json;
}

function arr(v: unknown, field: string, max: number): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalid(`${field} must be a list.`);
  if (v.length > max) throw new ServiceError('LimitExceededException', `${field} has ${v.length} items; at most ${max} are allowed.`);
  return v;
}

function optionalId(v: unknown, field: string): string | undefined {
  const id = str(v, field, { max: 36 });
  if (id !== undefined && !UUID.test(id)) throw invalid(`${field} must be a UUID.`);
  return id;
}

/** Offset-based pages: nextToken is the base64 offset. */
export function page<T>(all: T[], query: URLSearchParams, dflt: number, max: number): { items: T[]; nextToken?: string } {
  const raw = query.get('maxResults');
  const size = raw === null ? dflt : Number(raw);
  if (!Number.isInteger(size) || size < 1 || size > max) throw invalid(`maxResults must be an integer in 1..${max}.`);
  const token = query.get('nextToken');
  let start = 0;
  if (token !== null) {
    const decoded = /^[A-Za-z0-9+/=]+$/.test(token) ? Buffer.from(token, 'base64').toString('utf8') : '';
    const m = /^o:(\d+)$/.exec(decoded);
    if (!m) throw invalid('nextToken is not valid.');
    start = Number(m[1]);
  }
  const items = all.slice(start, start + size);
  const next = start + size;
  return next < all.length ? { items, nextToken: Buffer.from(`o:${next}`).toString('base64') } : { items };
}
