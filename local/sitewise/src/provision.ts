/**
 * Creates an asset model and one asset from it, waits until both are ACTIVE and sets property
 * aliases: the set-up that tests of SiteWise clients (and the local run) need, through the SDK,
 * so it works against the local SiteWise and the real service alike.
 */
import {
  CreateAssetCommand,
  CreateAssetModelCommand,
  DescribeAssetCommand,
  type IoTSiteWiseClient,
  type PropertyDataType,
  UpdateAssetPropertyCommand,
  waitUntilAssetActive,
  waitUntilAssetModelActive,
} from '@aws-sdk/client-iotsitewise';

export interface ProvisionProperty {
  name: string;
  dataType: Extract<PropertyDataType, 'DOUBLE' | 'INTEGER' | 'BOOLEAN' | 'STRING'>;
  /** Default measurement. */
  kind?: 'measurement' | 'attribute';
  unit?: string;
  alias?: string;
}

export interface ProvisionedAsset {
  assetModelId: string;
  assetId: string;
  /** Property id by property name. */
  propertyIds: Record<string, string>;
}

/** Waiter settings for a local service: poll every 20–200 ms, give up after `maxWaitTime` s. */
export const localWaiter = (client: IoTSiteWiseClient, maxWaitTime = 10) => ({ client, minDelay: 0.02, maxDelay: 0.2, maxWaitTime });

export async function provisionAsset(
  client: IoTSiteWiseClient,
  spec: { modelName: string; assetName: string; properties: ProvisionProperty[]; maxWaitTime?: number },
): Promise<ProvisionedAsset> {
  const waiter = localWaiter(client, spec.maxWaitTime);
  const model = await client.send(
    new CreateAssetModelCommand({
      assetModelName: spec.modelName,
      assetModelProperties: spec.properties.map((p) => ({
        name: p.name,
        dataType: p.dataType,
        ...(p.unit ? { unit: p.unit } : {}),
        type: p.kind === 'attribute' ? { attribute: {} } : { measurement: {} },
      })),
    }),
  );
  const assetModelId = model.assetModelId!;
  await waitUntilAssetModelActive(waiter, { assetModelId });
  const asset = await client.send(new CreateAssetCommand({ assetName: spec.assetName, assetModelId }));
  const assetId = asset.assetId!;
  await waitUntilAssetActive(waiter, { assetId });
  const described = await client.send(new DescribeAssetCommand({ assetId }));
  const propertyIds: Record<string, string> = {};
  for (const p of described.assetProperties ?? []) propertyIds[p.name!] = p.id!;
  for (const p of spec.properties) {
    if (p.alias) await client.send(new UpdateAssetPropertyCommand({ assetId, propertyId: propertyIds[p.name]!, propertyAlias: p.alias }));
  }
  return { assetModelId, assetId, propertyIds };
}
