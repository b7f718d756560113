/**
 * One compliance suite, every destination, each against its real local peer
 * (see compliance.ts for the scenarios). mosquitto runs only when installed.
 */
import type { Destination } from '../destination';
import { COMPLIANCE_ORDER, complianceScenarios, type CompliancePeer } from './compliance';
import { FakeKinesisPeer, KinesalitePeer, LocalBrokerPeer, LocalSiteWisePeer, MosquittoPeer, mosquittoPath } from './testing/peers';

const mosquitto = mosquittoPath();

/** [label, peer factory, can the peer fail single items inside a successful call?] */
type PeerCase = [string, () => CompliancePeer, boolean];
const peers: PeerCase[] = [
  ['kinesis (kinesalite)', () => new KinesalitePeer(), false],
  ['kinesis (kinesalite, KPL aggregation)', () => new KinesalitePeer({ aggregation: { enabled: true } }), false],
  ['kinesis (loopback fake)', () => new FakeKinesisPeer(), true],
  ['sitewise (local SiteWise)', () => new LocalSiteWisePeer(), true],
  ['iotcore mqtt (local broker)', () => new LocalBrokerPeer(), false],
  ...(mosquitto ? [['iotcore mqtt (mosquitto)', () => new MosquittoPeer(mosquitto), false] as PeerCase] : []),
];

if (!mosquitto) {
  test.skip('iotcore mqtt (mosquitto): not installed', () => undefined);
}

describe.each(peers)('destination compliance: %s', (_label, makePeer, itemFailures) => {
  let peer: CompliancePeer;
  let dest: Destination;

  beforeAll(async () => {
    peer = makePeer();
    await peer.start();
    dest = peer.destination();
    await dest.start();
  });
  afterAll(async () => {
    await dest?.stop();
    await peer?.stop();
  });

  for (const scenario of COMPLIANCE_ORDER) {
    (scenario === 'itemFailures' && !itemFailures ? it.skip : it)(scenario, async () => {
      await complianceScenarios[scenario](peer, dest);
    });
  }
});
