/**
 * Brings SiteWise to a ProvisioningSpec, idempotently, through the SDK only (so the same code runs
 * against the real service and the local one):
 *
 * 1. Models, children first, found by name: created when missing; when they differ from the spec
 *    (properties, units, expressions, windows, hierarchies, description), updated with
 *    UpdateAssetModel keeping every existing property and hierarchy id; then waited for until
 *    ACTIVE (and their assets too, which an update puts in UPDATING/PROPAGATING).
 * 2. Assets, found by (model, name): created when missing, waited for until ACTIVE.
 * 3. Hierarchy associations: each asset with a parent is associated when it is not yet; an asset
 *    that already has another parent is an error (the provisioner never moves assets).
 * 4. Aliases: UpdateAssetProperty for every property whose alias differs, copying the property's
 *    notification state (omitting it would disable notifications) and a unit override if there is
 *    one. Aliases on other properties are left alone.
 *
 * With `dryRun` only List/Describe calls are made and the same actions are reported.
 * A second run against an unchanged service reports no action.
 */
import {
  AssociateAssetsCommand,
  CreateAssetCommand,
  CreateAssetModelCommand,
  DescribeAssetCommand,
  DescribeAssetModelCommand,
  type AssetModelHierarchy,
  type AssetModelProperty,
  type AssetModelPropertyDefinition,
  type AssetProperty,
  type DescribeAssetModelCommandOutput,
  type ExpressionVariable,
  type IoTSiteWiseClient,
  ListAssetModelsCommand,
  ListAssetsCommand,
  ListAssociatedAssetsCommand,
  type PropertyType,
  UpdateAssetModelCommand,
  UpdateAssetPropertyCommand,
  waitUntilAssetActive,
  waitUntilAssetModelActive,
} from '@aws-sdk/client-iotsitewise';
import type { AssetSpec, ModelSpec, PropertySpec, ProvisioningSpec, VariableSpec } from './spec';

export type ActionKind = 'create-model' | 'update-model' | 'create-asset' | 'associate' | 'set-alias';

export interface Action {
  kind: ActionKind;
  /** Model name, asset name, or `asset / property`. */
  target: string;
  detail?: string;
}

export interface ProvisionReport {
  actions: Action[];
  /** Model name → id (`(new)` in a dry run for models that do not exist yet). */
  modelIds: Record<string, string>;
  /** `modelKey:assetName` → asset id. */
  assetIds: Record<string, string>;
}

export interface WaiterSettings {
  /** Seconds. */
  minDelay: number;
  maxDelay: number;
  maxWaitTime: number;
}

/** For the real service: poll every 2–10 s, give up after 5 minutes. */
export const AWS_WAITER: WaiterSettings = { minDelay: 2, maxDelay: 10, maxWaitTime: 300 };
/** For the local service: poll every 20–200 ms. */
export const LOCAL_WAITER: WaiterSettings = { minDelay: 0.02, maxDelay: 0.2, maxWaitTime: 30 };

export interface ProvisionOptions {
  dryRun?: boolean;
  waiter?: WaiterSettings;
  /** Called for each action as it is decided (before it is carried out). */
  onAction?: (action: Action) => void;
}

/** A problem the operator must fix (an incompatible model change, an alias owned elsewhere, an asset under another parent). */
export class ProvisionError extends Error {
  constructor(
    readonly code: 'sitewise_model_incompatible' | 'sitewise_alias_conflict' | 'sitewise_parent_conflict' | 'sitewise_spec_invalid' | 'sitewise_call_failed',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ProvisionError';
  }
}

const NEW = '(new)';

/** What the provisioner knows of a model in SiteWise (or will know, in a dry run). */
interface ModelState {
  id: string;
  /** Property name → id. */
  propertyIds: Map<string, string>;
  /** Hierarchy name → id. */
  hierarchyIds: Map<string, string>;
  /** Property id → name (also child models' properties are looked up through their own state). */
  propertyNames: Map<string, string>;
}

export class Provisioner {
  private readonly actions: Action[] = [];
  private readonly models = new Map<string, ModelState>();
  private readonly assetIds = new Map<string, string>();
  private readonly assetLists = new Map<string, Map<string, string>>();
  private readonly waiter: WaiterSettings;
  private readonly dryRun: boolean;

  constructor(
    private readonly client: IoTSiteWiseClient,
    private readonly options: ProvisionOptions = {},
  ) {
    this.waiter = options.waiter ?? AWS_WAITER;
    this.dryRun = options.dryRun ?? false;
  }

  async run(spec: ProvisioningSpec): Promise<ProvisionReport> {
    checkSpec(spec);
    const existing = await this.listModels();
    for (const m of spec.models) await this.ensureModel(m, spec, existing.get(m.name));
    for (const a of spec.assets) await this.ensureAsset(a, spec);
    for (const a of spec.assets) if (a.parent) await this.ensureAssociation(a, spec);
    for (const a of spec.assets) await this.ensureAliases(a);
    const modelIds: Record<string, string> = {};
    for (const m of spec.models) modelIds[m.name] = this.models.get(m.key)?.id ?? NEW;
    return { actions: this.actions, modelIds, assetIds: Object.fromEntries(this.assetIds) };
  }

  // ---- models ----

  private async listModels(): Promise<Map<string, string>> {
    const byName = new Map<string, string>();
    let nextToken: string | undefined;
    do {
      const page = await this.call('ListAssetModels', () => this.client.send(new ListAssetModelsCommand({ maxResults: 100, ...(nextToken ? { nextToken } : {}) })));
      for (const m of page.assetModelSummaries ?? []) if (m.name && m.id) byName.set(m.name, m.id);
      nextToken = page.nextToken;
    } while (nextToken);
    return byName;
  }

  private async ensureModel(spec: ModelSpec, all: ProvisioningSpec, existingId: string | undefined): Promise<void> {
    if (!existingId) {
      this.act({ kind: 'create-model', target: spec.name, detail: `${spec.properties.length} properties, ${spec.hierarchies.length} hierarchies` });
      if (this.dryRun) {
        this.models.set(spec.key, placeholderState(spec));
        return;
      }
      const created = await this.call(`CreateAssetModel ${spec.name}`, () =>
        this.client.send(
          new CreateAssetModelCommand({
            assetModelName: spec.name,
            assetModelDescription: spec.description,
            assetModelProperties: spec.properties.map((p) => this.propertyDefinition(p, spec, all, undefined)),
            assetModelHierarchies: spec.hierarchies.map((h) => ({ name: h.name, childAssetModelId: this.childModelId(h.childModel, all) })),
          }),
        ),
      );
      await this.waitModel(created.assetModelId!);
      this.models.set(spec.key, await this.describeModel(created.assetModelId!));
      return;
    }
    const current = await this.call(`DescribeAssetModel ${spec.name}`, () => this.client.send(new DescribeAssetModelCommand({ assetModelId: existingId })));
    const state = stateOf(current);
    this.models.set(spec.key, state);
    const changes = this.modelChanges(spec, current, state, all);
    if (changes.length === 0) return;
    this.act({ kind: 'update-model', target: spec.name, detail: changes.join('; ') });
    if (this.dryRun) {
      for (const p of spec.properties) if (!state.propertyIds.has(p.name)) state.propertyIds.set(p.name, NEW);
      for (const h of spec.hierarchies) if (!state.hierarchyIds.has(h.name)) state.hierarchyIds.set(h.name, NEW);
      return;
    }
    await this.call(`UpdateAssetModel ${spec.name}`, () =>
      this.client.send(
        new UpdateAssetModelCommand({
          assetModelId: existingId,
          assetModelName: spec.name,
          assetModelDescription: spec.description,
          assetModelProperties: spec.properties.map((p) => this.propertyDefinition(p, spec, all, state)),
          assetModelHierarchies: spec.hierarchies.map((h): AssetModelHierarchy => {
            const id = state.hierarchyIds.get(h.name);
            return { ...(id ? { id } : {}), name: h.name, childAssetModelId: this.childModelId(h.childModel, all) };
          }),
        }),
      ),
    );
    await this.waitModel(existingId);
    this.models.set(spec.key, await this.describeModel(existingId));
    // An update propagates to the model's assets; UpdateAssetProperty fails on an asset that is not ACTIVE.
    for (const assetId of (await this.assetsOf(spec.key, existingId)).values()) await this.waitAsset(assetId);
  }

  private async describeModel(id: string): Promise<ModelState> {
    return stateOf(await this.call('DescribeAssetModel', () => this.client.send(new DescribeAssetModelCommand({ assetModelId: id }))));
  }

  private childModelId(key: string, all: ProvisioningSpec): string {
    const s = this.models.get(key);
    if (!s) throw new ProvisionError('sitewise_spec_invalid', `Model ${modelName(key, all)} must be provisioned before the models that use it.`);
    return s.id;
  }

  /** The wire definition of a property; existing ids are kept (`state` given for updates). */
  private propertyDefinition(p: PropertySpec, model: ModelSpec, all: ProvisioningSpec, state: ModelState | undefined): AssetModelPropertyDefinition & AssetModelProperty {
    const id = state?.propertyIds.get(p.name);
    return {
      ...(id ? { id } : {}),
      name: p.name,
      dataType: p.dataType,
      ...(p.unit ? { unit: p.unit } : {}),
      type: this.propertyType(p, model, all, state),
    };
  }

  private propertyType(p: PropertySpec, model: ModelSpec, all: ProvisioningSpec, state: ModelState | undefined): PropertyType {
    switch (p.kind) {
      case 'measurement':
        return { measurement: {} };
      case 'attribute':
        return { attribute: p.defaultValue === undefined ? {} : { defaultValue: p.defaultValue } };
      case 'transform':
        return { transform: { expression: p.expression, variables: p.variables.map((v) => this.variable(v, model, all, state)) } };
      case 'metric':
        return { metric: { expression: p.expression, variables: p.variables.map((v) => this.variable(v, model, all, state)), window: { tumbling: { interval: p.window } } } };
    }
  }

  /**
   * A variable's wire value. Same-model properties and hierarchies by id when they exist, else by
   * name (the API accepts names for the model being created/updated); child model properties by id.
   */
  private variable(v: VariableSpec, model: ModelSpec, all: ProvisioningSpec, state: ModelState | undefined): ExpressionVariable {
    if (!v.hierarchy) return { name: v.name, value: { propertyId: state?.propertyIds.get(v.property) ?? v.property } };
    const h = model.hierarchies.find((x) => x.name === v.hierarchy)!;
    const child = this.models.get(h.childModel);
    const childPropertyId = child?.propertyIds.get(v.property);
    if (!childPropertyId) throw new ProvisionError('sitewise_spec_invalid', `Model ${model.name}: variable ${v.name} names property ${v.property} of ${modelName(h.childModel, all)}, which it does not have.`);
    return { name: v.name, value: { propertyId: childPropertyId, hierarchyId: state?.hierarchyIds.get(h.name) ?? h.name } };
  }

  /** What differs between the spec and the model in SiteWise (empty when nothing). Throws for changes SiteWise cannot make. */
  private modelChanges(spec: ModelSpec, current: DescribeAssetModelCommandOutput, state: ModelState, all: ProvisioningSpec): string[] {
    const changes: string[] = [];
    if ((current.assetModelDescription ?? '') !== spec.description) changes.push('description');
    const currentProps = new Map((current.assetModelProperties ?? []).map((p) => [p.name!, p]));
    for (const p of spec.properties) {
      const c = currentProps.get(p.name);
      if (!c) {
        changes.push(`add property ${p.name}`);
        continue;
      }
      const currentKind = kindOf(c.type);
      if (c.dataType !== p.dataType || currentKind !== p.kind) {
        throw new ProvisionError(
          'sitewise_model_incompatible',
          `Model ${spec.name}: property ${p.name} is a ${c.dataType} ${currentKind} in SiteWise and a ${p.dataType} ${p.kind} in the spec; SiteWise cannot change a property's data type or kind. Rename the property, or delete it in SiteWise first.`,
        );
      }
      const want = JSON.stringify(normalizeSpec(p));
      const have = JSON.stringify(this.normalizeCurrent(c, state, spec));
      if (want !== have) changes.push(`change property ${p.name}`);
    }
    for (const name of currentProps.keys()) if (!spec.properties.some((p) => p.name === name)) changes.push(`remove property ${name}`);
    const currentHierarchies = new Map((current.assetModelHierarchies ?? []).map((h) => [h.name!, h.childAssetModelId!]));
    for (const h of spec.hierarchies) {
      const child = currentHierarchies.get(h.name);
      if (child === undefined) changes.push(`add hierarchy ${h.name}`);
      else if (child !== this.childModelId(h.childModel, all)) {
        throw new ProvisionError('sitewise_model_incompatible', `Model ${spec.name}: hierarchy ${h.name} holds another model in SiteWise (${child}); a hierarchy's child model cannot change.`);
      }
    }
    for (const name of currentHierarchies.keys()) if (!spec.hierarchies.some((h) => h.name === name)) changes.push(`remove hierarchy ${name}`);
    return changes;
  }

  /** A property from DescribeAssetModel in the normalized form of `normalizeSpec`. */
  private normalizeCurrent(c: AssetModelProperty, state: ModelState, spec: ModelSpec): unknown {
    const body = (c.type?.transform ?? c.type?.metric) as { expression?: string; variables?: ExpressionVariable[] } | undefined;
    const variables = (body?.variables ?? []).map((v): VariableSpec => {
      const pid = v.value?.propertyId ?? '';
      const hid = v.value?.hierarchyId;
      if (!hid) return { name: v.name!, property: state.propertyNames.get(pid) ?? pid };
      const hierarchyName = [...state.hierarchyIds].find(([, id]) => id === hid)?.[0] ?? hid;
      const h = spec.hierarchies.find((x) => x.name === hierarchyName);
      const child = h ? this.models.get(h.childModel) : undefined;
      return { name: v.name!, property: child?.propertyNames.get(pid) ?? pid, hierarchy: hierarchyName };
    });
    return normalize({
      unit: c.unit,
      defaultValue: c.type?.attribute?.defaultValue,
      expression: body?.expression,
      variables,
      window: c.type?.metric?.window?.tumbling?.interval,
      offset: c.type?.metric?.window?.tumbling?.offset,
    });
  }

  private async waitModel(assetModelId: string): Promise<void> {
    await this.call(`waiting for model ${assetModelId}`, () => waitUntilAssetModelActive({ client: this.client, ...this.waiter }, { assetModelId }));
  }

  private async waitAsset(assetId: string): Promise<void> {
    await this.call(`waiting for asset ${assetId}`, () => waitUntilAssetActive({ client: this.client, ...this.waiter }, { assetId }));
  }

  // ---- assets ----

  /** Asset name → id of a model's assets (listed once per run). */
  private async assetsOf(modelKey: string, modelId: string): Promise<Map<string, string>> {
    let list = this.assetLists.get(modelKey);
    if (list) return list;
    list = new Map();
    if (modelId !== NEW) {
      let nextToken: string | undefined;
      do {
        const page = await this.call('ListAssets', () => this.client.send(new ListAssetsCommand({ assetModelId: modelId, filter: 'ALL', maxResults: 100, ...(nextToken ? { nextToken } : {}) })));
        for (const a of page.assetSummaries ?? []) if (a.name && a.id) list.set(a.name, a.id);
        nextToken = page.nextToken;
      } while (nextToken);
    }
    this.assetLists.set(modelKey, list);
    return list;
  }

  private async ensureAsset(spec: AssetSpec, all: ProvisioningSpec): Promise<void> {
    const model = this.models.get(spec.model);
    if (!model) throw new ProvisionError('sitewise_spec_invalid', `Asset ${spec.name}: model ${spec.model} is not in the spec.`);
    const list = await this.assetsOf(spec.model, model.id);
    let id = list.get(spec.name);
    if (!id) {
      this.act({ kind: 'create-asset', target: assetLabel(spec, all) });
      if (this.dryRun) {
        id = NEW;
      } else {
        const created = await this.call(`CreateAsset ${spec.name}`, () =>
          this.client.send(new CreateAssetCommand({ assetName: spec.name, assetModelId: model.id, ...(spec.description ? { assetDescription: spec.description } : {}) })),
        );
        id = created.assetId!;
        await this.waitAsset(id);
      }
      list.set(spec.name, id);
    }
    this.assetIds.set(`${spec.model}:${spec.name}`, id);
  }

  private async ensureAssociation(spec: AssetSpec, all: ProvisioningSpec): Promise<void> {
    const parent = spec.parent!;
    const childId = this.assetIds.get(`${spec.model}:${spec.name}`)!;
    const parentId = this.assetIds.get(`${parent.model}:${parent.name}`);
    if (!parentId) throw new ProvisionError('sitewise_spec_invalid', `Asset ${spec.name}: parent ${parent.name} (${parent.model}) is not in the spec.`);
    const hierarchyId = this.models.get(parent.model)!.hierarchyIds.get(parent.hierarchy);
    if (!hierarchyId) throw new ProvisionError('sitewise_spec_invalid', `Asset ${spec.name}: model ${modelName(parent.model, all)} has no hierarchy ${parent.hierarchy}.`);
    const detail = `under ${parent.name} (${parent.hierarchy})`;
    if (childId === NEW || parentId === NEW || hierarchyId === NEW) {
      this.act({ kind: 'associate', target: assetLabel(spec, all), detail });
      return;
    }
    const current = await this.call('ListAssociatedAssets', () => this.client.send(new ListAssociatedAssetsCommand({ assetId: childId, traversalDirection: 'PARENT' })));
    const existing = current.assetSummaries?.[0];
    if (existing?.id === parentId) return;
    if (existing) {
      throw new ProvisionError('sitewise_parent_conflict', `Asset ${spec.name} is already a child of asset ${existing.name} (${existing.id}); it should be under ${parent.name}. Disassociate it first (the provisioner does not move assets).`);
    }
    this.act({ kind: 'associate', target: assetLabel(spec, all), detail });
    if (this.dryRun) return;
    await this.call(`AssociateAssets ${spec.name}`, () => this.client.send(new AssociateAssetsCommand({ assetId: parentId, hierarchyId, childAssetId: childId })));
  }

  // ---- aliases ----

  private async ensureAliases(spec: AssetSpec): Promise<void> {
    const entries = Object.entries(spec.aliases);
    if (entries.length === 0) return;
    const assetId = this.assetIds.get(`${spec.model}:${spec.name}`)!;
    const model = this.models.get(spec.model)!;
    let properties = new Map<string, AssetProperty>();
    if (assetId !== NEW) {
      const described = await this.call(`DescribeAsset ${spec.name}`, () => this.client.send(new DescribeAssetCommand({ assetId })));
      properties = new Map((described.assetProperties ?? []).map((p) => [p.name!, p]));
    }
    const modelUnits = await this.modelUnits(spec.model, model);
    for (const [name, alias] of entries) {
      const current = properties.get(name);
      if (current && current.alias === alias) continue;
      this.act({ kind: 'set-alias', target: `${spec.name} / ${name}`, detail: current?.alias ? `${current.alias} → ${alias}` : alias });
      if (this.dryRun) continue;
      if (!current) throw new ProvisionError('sitewise_spec_invalid', `Asset ${spec.name} has no property ${name}.`);
      const unitOverride = current.unit !== undefined && current.unit !== modelUnits.get(name) ? current.unit : undefined;
      try {
        await this.client.send(
          new UpdateAssetPropertyCommand({
            assetId,
            propertyId: current.id!,
            propertyAlias: alias,
            // Omitted, SiteWise would set the notification state to DISABLED.
            propertyNotificationState: current.notification?.state ?? 'DISABLED',
            ...(unitOverride !== undefined ? { propertyUnit: unitOverride } : {}),
          }),
        );
      } catch (err) {
        const e = err as { name?: string; message?: string };
        if (e.name === 'InvalidRequestException' && /alias/i.test(e.message ?? '')) {
          throw new ProvisionError('sitewise_alias_conflict', `Alias ${alias} for ${spec.name} / ${name} is refused: ${e.message}. Another property probably holds it; remove it there first.`, { cause: err });
        }
        throw new ProvisionError('sitewise_call_failed', `UpdateAssetProperty ${spec.name} / ${name} failed: ${e.name ?? 'Error'}: ${e.message ?? String(err)}`, { cause: err });
      }
    }
  }

  private readonly unitCache = new Map<string, Map<string, string | undefined>>();

  private async modelUnits(key: string, model: ModelState): Promise<Map<string, string | undefined>> {
    let units = this.unitCache.get(key);
    if (units) return units;
    units = new Map();
    if (model.id !== NEW) {
      const d = await this.call('DescribeAssetModel', () => this.client.send(new DescribeAssetModelCommand({ assetModelId: model.id })));
      for (const p of d.assetModelProperties ?? []) units.set(p.name!, p.unit);
    }
    this.unitCache.set(key, units);
    return units;
  }

  // ---- helpers ----

  private act(action: Action): void {
    this.actions.push(action);
    this.options.onAction?.(action);
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof ProvisionError) throw err;
      const e = err as { name?: string; message?: string };
      throw new ProvisionError('sitewise_call_failed', `${what} failed: ${e.name ?? 'Error'}: ${e.message ?? String(err)}`, { cause: err });
    }
  }
}

/** Provisions `spec`; see Provisioner. */
export function provision(client: IoTSiteWiseClient, spec: ProvisioningSpec, options: ProvisionOptions = {}): Promise<ProvisionReport> {
  return new Provisioner(client, options).run(spec);
}

function stateOf(d: DescribeAssetModelCommandOutput): ModelState {
  const propertyIds = new Map<string, string>();
  const propertyNames = new Map<string, string>();
  for (const p of d.assetModelProperties ?? []) {
    propertyIds.set(p.name!, p.id!);
    propertyNames.set(p.id!, p.name!);
  }
  const hierarchyIds = new Map<string, string>();
  for (const h of d.assetModelHierarchies ?? []) hierarchyIds.set(h.name!, h.id!);
  return { id: d.assetModelId!, propertyIds, hierarchyIds, propertyNames };
}

function placeholderState(spec: ModelSpec): ModelState {
  return {
    id: NEW,
    propertyIds: new Map(spec.properties.map((p) => [p.name, NEW])),
    hierarchyIds: new Map(spec.hierarchies.map((h) => [h.name, NEW])),
    propertyNames: new Map(),
  };
}

function kindOf(t: PropertyType | undefined): string {
  if (t?.measurement) return 'measurement';
  if (t?.attribute) return 'attribute';
  if (t?.transform) return 'transform';
  if (t?.metric) return 'metric';
  return 'unknown';
}

function normalizeSpec(p: PropertySpec): unknown {
  return normalize({
    unit: p.unit,
    defaultValue: p.kind === 'attribute' ? p.defaultValue : undefined,
    expression: p.kind === 'transform' || p.kind === 'metric' ? p.expression : undefined,
    variables: p.kind === 'transform' || p.kind === 'metric' ? p.variables : [],
    window: p.kind === 'metric' ? p.window : undefined,
    offset: undefined,
  });
}

function normalize(x: { unit?: string; defaultValue?: string; expression?: string; variables: VariableSpec[]; window?: string; offset?: string }): unknown {
  return {
    unit: x.unit || null,
    defaultValue: x.defaultValue ?? null,
    expression: x.expression ?? null,
    variables: [...x.variables].map((v) => ({ name: v.name, property: v.property, hierarchy: v.hierarchy ?? null })).sort((a, b) => a.name.localeCompare(b.name)),
    window: x.window ?? null,
    offset: x.offset ?? null,
  };
}

function modelName(key: string, all: ProvisioningSpec): string {
  return all.models.find((m) => m.key === key)?.name ?? key;
}

function assetLabel(a: AssetSpec, all: ProvisioningSpec): string {
  return `${a.name} [${modelName(a.model, all)}]`;
}

/** Structural checks of a spec (names unique, references resolvable, order), as a list of problems. */
export function specProblems(spec: ProvisioningSpec): string[] {
  const problems: string[] = [];
  const keys = new Set<string>();
  spec.models.forEach((m, i) => {
    const at = `models[${i}] (${m.key})`;
    if (keys.has(m.key)) problems.push(`${at}: key used twice`);
    if (m.properties.length > 200) problems.push(`${at}: ${m.properties.length} properties; SiteWise allows 200`);
    if (m.hierarchies.length > 10) problems.push(`${at}: ${m.hierarchies.length} hierarchies; SiteWise allows 10`);
    const names = new Set<string>();
    for (const n of [...m.properties.map((p) => p.name), ...m.hierarchies.map((h) => h.name)]) {
      if (names.has(n)) problems.push(`${at}: name ${n} used twice (property and hierarchy names share one namespace)`);
      names.add(n);
    }
    for (const h of m.hierarchies) if (!keys.has(h.childModel)) problems.push(`${at}: hierarchy ${h.name} needs model ${h.childModel} earlier in the list`);
    for (const p of m.properties) {
      if (p.kind !== 'transform' && p.kind !== 'metric') continue;
      if (p.dataType !== 'DOUBLE') problems.push(`${at}: ${p.kind} ${p.name} must be DOUBLE`);
      if (p.variables.length === 0 || p.variables.length > 10) problems.push(`${at}: ${p.name} needs 1 to 10 variables`);
      for (const v of p.variables) {
        if (!/^[a-z][a-z0-9_]*$/.test(v.name)) problems.push(`${at}: ${p.name}: variable name ${v.name} must match [a-z][a-z0-9_]*`);
        if (!new RegExp(`\\b${v.name}\\b`).test(p.expression)) problems.push(`${at}: ${p.name}: variable ${v.name} is not used in ${p.expression}`);
        if (v.hierarchy) {
          const h = m.hierarchies.find((x) => x.name === v.hierarchy);
          const child = h && spec.models.find((x) => x.key === h.childModel);
          const target = child?.properties.find((x) => x.name === v.property);
          if (p.kind !== 'metric') problems.push(`${at}: ${p.name}: only metrics can use child assets' properties`);
          if (!target) problems.push(`${at}: ${p.name}: ${v.hierarchy}/${v.property} does not exist`);
          else if (target.kind !== 'metric' || (p.kind === 'metric' && target.window !== p.window)) problems.push(`${at}: ${p.name}: ${v.hierarchy}/${v.property} must be a metric with the same window`);
        } else {
          const target = m.properties.find((x) => x.name === v.property);
          if (!target) problems.push(`${at}: ${p.name}: property ${v.property} does not exist`);
          else if (target.dataType !== 'DOUBLE' && target.dataType !== 'INTEGER') problems.push(`${at}: ${p.name}: ${v.property} is ${target.dataType}; only DOUBLE and INTEGER can be used`);
        }
      }
    }
    keys.add(m.key);
  });
  const assets = new Set<string>();
  const aliases = new Map<string, string>();
  spec.assets.forEach((a, i) => {
    const at = `assets[${i}] (${a.name})`;
    const model = spec.models.find((m) => m.key === a.model);
    if (!model) problems.push(`${at}: model ${a.model} is not in the spec`);
    const key = `${a.model}:${a.name}`;
    if (assets.has(key)) problems.push(`${at}: asset listed twice`);
    if (a.parent) {
      if (!assets.has(`${a.parent.model}:${a.parent.name}`)) problems.push(`${at}: parent ${a.parent.name} must come earlier in the list`);
      const pm = spec.models.find((m) => m.key === a.parent!.model);
      const h = pm?.hierarchies.find((x) => x.name === a.parent!.hierarchy);
      if (!h || h.childModel !== a.model) problems.push(`${at}: hierarchy ${a.parent.hierarchy} of ${a.parent.model} does not hold ${a.model} assets`);
    }
    for (const [prop, alias] of Object.entries(a.aliases)) {
      const p = model?.properties.find((x) => x.name === prop);
      if (model && (!p || (p.kind !== 'measurement' && p.kind !== 'attribute'))) problems.push(`${at}: alias for ${prop}, which is not a measurement or attribute`);
      if (alias.length < 1 || alias.length > 1000 || /[\u0000-\u001f\u007f]/.test(alias)) problems.push(`${at}: alias ${JSON.stringify(alias)} must be 1 to 1000 characters without control characters`);
      const owner = aliases.get(alias);
      if (owner) problems.push(`${at}: alias ${alias} is also given to ${owner}`);
      aliases.set(alias, `${a.name} / ${prop}`);
    }
    assets.add(key);
  });
  return problems;
}

function checkSpec(spec: ProvisioningSpec): void {
  const problems = specProblems(spec);
  if (problems.length > 0) throw new ProvisionError('sitewise_spec_invalid', `The provisioning spec is invalid: ${problems.join('; ')}`);
}
