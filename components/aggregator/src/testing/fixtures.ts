/** Test support: configurations, samples, and reading a stream back. */
import { validateConfig, decodeBatch, type Sample, type StreamMessage } from '../../../core/src';
import { AggregatorConfigSchema, type AggregatorConfig } from '../config';

export const T0 = Date.UTC(2025, 0, 1, 8, 0, 0);

type DeepPartial<T> = { [K in keyof T]?: T[K] extends Array<infer U> ? U[] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** The defaults with `over` merged in (objects one level deep), validated. */
export function testConfig(over: DeepPartial<AggregatorConfig> & Record<string, unknown> = {}): AggregatorConfig {
  const base = validateConfig(AggregatorConfigSchema, {}) as unknown as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = base[k];
    merged[k] = v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b) ? deepMerge(b as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return validateConfig(AggregatorConfigSchema, merged);
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const x = a[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && x && typeof x === 'object' && !Array.isArray(x) ? deepMerge(x as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

/** A sample with defaults: device V1, source obd, quality GOOD. */
export function sample(s: Partial<Sample> & { name: string; value: Sample['value']; ts: number }): Sample {
  return { device: 'V1', source: 'obd', quality: 'GOOD', ...s };
}

/** Every message of a stream, from the oldest. */
export async function readAllMessages(client: { read(stream: string, o: { start: number; max?: number; waitMs?: number }): Promise<StreamMessage[]> }, stream: string): Promise<StreamMessage[]> {
  const out: StreamMessage[] = [];
  let start = 0;
  for (;;) {
    let msgs: StreamMessage[];
    try {
      msgs = await client.read(stream, { start, max: 500, waitMs: 0 });
    } catch (err) {
      if ((err as { code?: string }).code === 'stream_not_found') return out;
      throw err;
    }
    if (msgs.length === 0) return out;
    out.push(...msgs);
    start = msgs[msgs.length - 1]!.sequenceNumber + 1;
  }
}

/** Every sample of a stream of envelopes. */
export async function readAllSamples(client: Parameters<typeof readAllMessages>[0], stream: string): Promise<Sample[]> {
  const out: Sample[] = [];
  for (const m of await readAllMessages(client, stream)) {
    const d = decodeBatch(m.payload);
    if (!d.ok) throw new Error(`undecodable message ${m.sequenceNumber} in ${stream}`);
    out.push(...d.samples);
  }
  return out;
}
