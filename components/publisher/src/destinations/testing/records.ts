/** Builders of DeliveryRecords and samples for destination tests. */
import type { Sample } from '../../../../core/src';
import type { DeliveryRecord, RouteMapping } from '../../destination';

export function sample(over: Partial<Sample> = {}): Sample {
  return { device: 'vin1', source: 'obd', name: 'rpm', value: 1000, quality: 'GOOD', ts: Date.now(), ...over };
}

export function record(seq: number, samples: Sample[] = [sample({ value: seq })], opts: { stream?: string; priority?: string; mapping?: RouteMapping } = {}): DeliveryRecord {
  return {
    origin: { stream: opts.stream ?? 'tributary.out.telemetry', sequenceNumber: seq },
    priority: opts.priority ?? 'telemetry',
    samples,
    size: Buffer.byteLength(JSON.stringify({ v: 1, samples })),
    mapping: opts.mapping ?? {},
  };
}

/** A silent logger-compatible sink. */
export const quietLogStream = { write: (): boolean => true };
