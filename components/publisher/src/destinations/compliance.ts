/**
 * The destination compliance scenarios: what every Destination must do, whatever it talks to.
 * A `CompliancePeer` wraps a destination and the real (local) service behind it; each scenario
 * drives both and throws an AssertionError on a breach. compliance.test.ts runs every scenario
 * against every peer (kinesalite with and without KPL aggregation, a Kinesis fake with
 * per-record failures, the local SiteWise, the local MQTT broker and, when installed, mosquitto).
 *
 * Scenarios:
 * 1. `deliver`: a batch → all `accepted`, one outcome per record, every origin visible at the peer.
 * 2. `peerDown`: the peer closes → every record `retry` (not rejected), no throw; status
 *    `backing_off` or `down` with `downSince` and `lastError`.
 * 3. `peerBack`: the peer listens again on the same port → delivered again, status `connected`.
 * 4. `oversize`: a record over the destination's size limit → `rejected` with the peer's code; its
 *    neighbours in the batch are accepted.
 * 5. `edges`: empty input → `[]` without a call; a record with many samples; non-ASCII identities.
 * 6. `itemFailures` (peers that can inject them): only the failed items come back `retry`; sending
 *    those again delivers them.
 */
import { strict as assert } from 'node:assert';
import type { DeliveryRecord, Destination, Outcome } from '../destination';

export interface DeliveredOrigin {
  readonly stream: string;
  readonly seq: number;
}

export interface CompliancePeer {
  readonly label: string;
  /** Starts the service (and provisions what the destination needs). */
  start(): Promise<void>;
  /** The destination under test, configured for this peer (not started). */
  destination(): Destination;
  /** A valid record for this peer (an origin the peer can report back). */
  record(stream: string, seq: number, sampleCount?: number): DeliveryRecord;
  /** A record over the destination's size limit, and the rejection code expected. */
  oversize(stream: string, seq: number): { record: DeliveryRecord; code: string };
  /** Origins the peer holds now. */
  delivered(): Promise<DeliveredOrigin[]>;
  /** Stops answering (closes the port). */
  down(): Promise<void>;
  /** Answers again on the same port. */
  up(): Promise<void>;
  /** Makes the next send fail for some of `count` records, per item; returns their indexes. */
  injectItemFailures?(count: number): number[];
  /** Stops the service for good. */
  stop(): Promise<void>;
}

const kinds = (outcomes: readonly Outcome[]): string[] => outcomes.map((o) => o.kind);

async function pollUntil(cond: () => Promise<boolean>, everyMs = 100): Promise<void> {
  while (!(await cond())) await new Promise((r) => setTimeout(r, everyMs));
}

function hasAll(delivered: readonly DeliveredOrigin[], records: readonly DeliveryRecord[]): string[] {
  const have = new Set(delivered.map((d) => `${d.stream}#${d.seq}`));
  return records.map((r) => `${r.origin.stream}#${r.origin.sequenceNumber}`).filter((k) => !have.has(k));
}

export const complianceScenarios = {
  async deliver(peer: CompliancePeer, dest: Destination): Promise<void> {
    const records = [1, 2, 3].map((seq) => peer.record('cmp.deliver', seq, 2));
    const out = await dest.send(records);
    assert.equal(out.length, records.length, 'one outcome per record');
    assert.deepEqual(kinds(out), ['accepted', 'accepted', 'accepted'], `outcomes: ${JSON.stringify(out)}`);
    assert.deepEqual(hasAll(await peer.delivered(), records), [], 'every origin is visible at the peer');
    assert.equal(dest.status().state, 'connected');
  },

  async peerDown(peer: CompliancePeer, dest: Destination): Promise<void> {
    await peer.down();
    const records = [1, 2].map((seq) => peer.record('cmp.down', seq));
    const out = await dest.send(records);
    assert.deepEqual(kinds(out), ['retry', 'retry'], `outcomes: ${JSON.stringify(out)}`);
    for (const o of out) if (o.kind === 'retry') assert.match(o.code, /^[a-z][a-z0-9_]*$/);
    const st = dest.status();
    assert.ok(st.state === 'backing_off' || st.state === 'down', `state ${st.state}`);
    assert.equal(typeof st.downSince, 'number');
    assert.ok(st.lastError, 'lastError is set');
  },

  async peerBack(peer: CompliancePeer, dest: Destination): Promise<void> {
    await peer.up();
    const record = peer.record('cmp.back', 1);
    let last: Outcome[] = [];
    await pollUntil(async () => {
      last = await dest.send([record]);
      return last[0]?.kind === 'accepted';
    });
    const records = [2, 3].map((seq) => peer.record('cmp.back', seq));
    assert.deepEqual(kinds(await dest.send(records)), ['accepted', 'accepted']);
    assert.deepEqual(hasAll(await peer.delivered(), [record, ...records]), []);
    assert.equal(dest.status().state, 'connected');
    assert.equal(dest.status().downSince, undefined);
  },

  async oversize(peer: CompliancePeer, dest: Destination): Promise<void> {
    const { record: big, code } = peer.oversize('cmp.oversize', 2);
    const out = await dest.send([peer.record('cmp.oversize', 1), big, peer.record('cmp.oversize', 3)]);
    assert.deepEqual(kinds(out), ['accepted', 'rejected', 'accepted'], `outcomes: ${JSON.stringify(out)}`);
    const r = out[1];
    assert.ok(r.kind === 'rejected' && r.code === code, `rejected with ${code}: ${JSON.stringify(r)}`);
    const delivered = await peer.delivered();
    assert.ok(!delivered.some((d) => d.stream === 'cmp.oversize' && d.seq === 2), 'the oversize record is not at the peer');
  },

  async edges(peer: CompliancePeer, dest: Destination): Promise<void> {
    assert.deepEqual(await dest.send([]), []);
    const many = peer.record('cmp.edges', 1, 40);
    const unicode = { ...peer.record('cmp.edges', 2), samples: peer.record('cmp.edges', 2).samples.map((s) => ({ ...s, device: s.alias ? s.device : 'fahrzeug-Ü1' })) };
    const out = await dest.send([many, unicode]);
    assert.deepEqual(kinds(out), ['accepted', 'accepted'], `outcomes: ${JSON.stringify(out)}`);
    assert.deepEqual(hasAll(await peer.delivered(), [many, unicode]), []);
  },

  async itemFailures(peer: CompliancePeer, dest: Destination): Promise<void> {
    if (!peer.injectItemFailures) return;
    const records = [1, 2, 3, 4, 5].map((seq) => peer.record('cmp.items', seq));
    const failing = peer.injectItemFailures(records.length);
    const out = await dest.send(records);
    const expected = records.map((_r, i) => (failing.includes(i) ? 'retry' : 'accepted'));
    assert.deepEqual(kinds(out), expected, `outcomes: ${JSON.stringify(out)}`);
    const again = records.filter((_r, i) => failing.includes(i));
    assert.deepEqual(kinds(await dest.send(again)), again.map(() => 'accepted'));
    assert.deepEqual(hasAll(await peer.delivered(), records), []);
  },
};

export type ComplianceScenario = keyof typeof complianceScenarios;
/** In the order they must run (down → back). */
export const COMPLIANCE_ORDER: readonly ComplianceScenario[] = ['deliver', 'oversize', 'edges', 'itemFailures', 'peerDown', 'peerBack'];
