import * as fs from 'node:fs';
import * as path from 'node:path';
import { MessageStreamDefinition, StrategyOnFull } from 'aws-greengrass-core-sdk/stream-manager';
import { officialClient, startStreamManager, tempDir } from '../helpers/stream-manager';
test.each(['{}', '[]', '{"name":42}', '{"name":"tributary.good"}'])('probe %s', async (text) => {
  const dir = tempDir();
  let sm = await startStreamManager({ dir });
  let c = await officialClient(sm.port);
  for (const n of ['tributary.good', 'tributary.bad']) {
    await c.createMessageStream(new MessageStreamDefinition().withName(n).withStrategyOnFull(StrategyOnFull.OverwriteOldestData));
    await Promise.all([1,2,3].map(() => c.appendMessage(n, Buffer.from(n))));
  }
  c.close(); await sm.close();
  fs.writeFileSync(path.join(dir, 'streams', 's_tributary.bad', 'definition.json'), text);
  const errs: unknown[] = [];
  sm = await startStreamManager({ dir, logger: { info() {}, warn() {}, error: (m, f) => void errs.push([m, f]) } });
  console.log(text, 'names', sm.store.names(), 'errors', JSON.stringify(errs));
  c = await officialClient(sm.port);
  try { console.log(text, 'list', await c.listStreams()); } catch (e) { console.log(text, 'list failed', e); }
  try { const i = await c.describeMessageStream('tributary.good'); console.log(text, 'good', i.storageStatus.asMap(), i.definition.asMap()); } catch (e) { console.log(text, 'describe failed', String(e)); }
  c.close(); await sm.close();
});
