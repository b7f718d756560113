import { decodePayload, encodeFrame, FrameReader } from './protocol';

describe('protocol framing', () => {
  test('a response larger than the CBOR encoder default buffer is encoded whole', () => {
    const messages = Array.from({ length: 500 }, (_, i) => ({ streamName: 's', sequenceNumber: i, ingestTime: 1795481186328, payload: Buffer.alloc(300, i % 256) }));
    const frame = encodeFrame(10, { requestId: 'r', status: 0, messages });
    expect(frame.readInt32BE(0)).toBe(frame.length - 4);
    const body = decodePayload(frame.subarray(5)) as { messages: { sequenceNumber: number; payload: Uint8Array }[] };
    expect(body.messages).toHaveLength(500);
    expect(Buffer.from(body.messages[499].payload).equals(Buffer.alloc(300, 499 % 256))).toBe(true);
  });

  test('frames split and coalesced in any way come out whole, in order', () => {
    const frames = [encodeFrame(4, { requestId: 'a', name: 's', payload: Buffer.from('one') }), encodeFrame(11, { requestId: 'b' })];
    const bytes = Buffer.concat([Buffer.from([1]), ...frames]);
    for (const cut of [1, 2, 5, 7, bytes.length - 1]) {
      const reader = new FrameReader();
      const events = [...reader.push(bytes.subarray(0, cut)), ...reader.push(bytes.subarray(cut))];
      expect(events.map((e) => e.kind)).toEqual(['version', 'frame', 'frame']);
      const ops = events.flatMap((e) => (e.kind === 'frame' ? [e.op] : []));
      expect(ops).toEqual([4, 11]);
    }
  });

  test('an impossible frame length is reported once and nothing after it is parsed', () => {
    const reader = new FrameReader();
    const events = reader.push(Buffer.from([1, 0, 0, 0, 0, 4, 1, 2, 3]));
    expect(events).toEqual([{ kind: 'version', version: 1 }, { kind: 'error', reason: 'invalid frame length 0' }]);
    expect(reader.push(Buffer.from([0, 0, 0, 2, 4, 0]))).toEqual([]);
  });

  test('undecodable CBOR throws (the server then closes that connection)', () => {
    expect(() => decodePayload(Buffer.from([0xff, 0xff]))).toThrow();
    expect(() => decodePayload(Buffer.from([0xa1, 0x61]))).toThrow();
  });
});
