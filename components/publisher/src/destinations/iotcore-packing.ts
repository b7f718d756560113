/**
 * How IoT Core destinations (direct MQTT and Greengrass IPC) turn DeliveryRecords into MQTT
 * messages: samples are routed to topics by the route's topic template; the part of a record
 * that goes to one topic is one bundle entry (`{origin, priority, samples}`, outbound wire
 * format v1); entries for the same topic are packed, in order, into bundles of at most
 * `maxMessageBytes`. A record is delivered when every message holding a part of it is.
 */
import type { Sample } from '../../../core/src';
import { OUTBOUND_BUNDLE_OVERHEAD_BYTES, encodeOutboundBundle, outboundEntryBytes, type OutboundRecordEntry } from '../../../core/src/outbound';
import type { DeliveryRecord, Outcome } from '../destination';
import { TemplateError, renderTemplate } from './mapping';

export const IotCoreErrorCode = {
  PayloadTooLarge: 'iotcore_payload_too_large',
  TopicInvalid: 'iotcore_topic_invalid',
  TopicNotAllowed: 'iotcore_topic_not_allowed',
  Disconnected: 'iotcore_disconnected',
  Timeout: 'iotcore_timeout',
  PublishFailed: 'iotcore_publish_failed',
  SpoolFull: 'iotcore_spool_full',
  Unauthorized: 'iotcore_unauthorized',
  Aborted: 'iotcore_aborted',
  /** Unusable configuration (unreadable certificate file). */
  Config: 'iotcore_config',
} as const;

export const DEFAULT_TOPIC_TEMPLATE = 'tributary/{device}/{source}';
/** IoT Core: topic names are at most 256 UTF-8 bytes with at most 7 forward slashes. */
export const IOT_TOPIC_MAX_BYTES = 256;
export const IOT_TOPIC_MAX_SLASHES = 7;

export interface PackingOptions {
  /** Topic template used when a route has none. Default `tributary/{device}/{source}`. */
  readonly topic?: string;
  /** Largest MQTT payload. Default 128 KiB (IoT Core's limit). */
  readonly maxMessageBytes?: number;
  /** When set, every topic must start with one of these (least privilege, as in the IoT policy). */
  readonly allowedTopicPrefixes?: readonly string[];
  /** Value of `{thing}` in topic templates (the core device's thing name). */
  readonly thing?: string;
}

export interface PlannedMessage {
  readonly topic: string;
  readonly payload: Buffer;
  /** Indexes (in the send() input) of the records with a part in this message. */
  readonly records: readonly number[];
}

export interface Plan {
  readonly messages: PlannedMessage[];
  /** Outcomes decided before sending (rejections); undefined for records that are sent. */
  readonly decided: Array<Outcome | undefined>;
}

/** Problem with a topic name, or undefined when IoT Core accepts it. */
export function topicProblem(topic: string, allowedPrefixes?: readonly string[]): { code: string; message: string } | undefined {
  if (topic.length === 0) return { code: IotCoreErrorCode.TopicInvalid, message: 'The topic is empty.' };
  if (/[+#\u0000]/.test(topic)) return { code: IotCoreErrorCode.TopicInvalid, message: `Topic "${topic}" contains a wildcard or NUL character.` };
  if (topic.startsWith('$')) return { code: IotCoreErrorCode.TopicInvalid, message: `Topic "${topic}" starts with "$" (reserved).` };
  if (Buffer.byteLength(topic, 'utf8') > IOT_TOPIC_MAX_BYTES) return { code: IotCoreErrorCode.TopicInvalid, message: `Topic "${topic.slice(0, 64)}…" is over ${IOT_TOPIC_MAX_BYTES} bytes.` };
  if ((topic.match(/\//g)?.length ?? 0) > IOT_TOPIC_MAX_SLASHES) return { code: IotCoreErrorCode.TopicInvalid, message: `Topic "${topic}" has more than ${IOT_TOPIC_MAX_SLASHES} slashes.` };
  if (allowedPrefixes && allowedPrefixes.length > 0 && !allowedPrefixes.some((p) => topic.startsWith(p))) {
    return { code: IotCoreErrorCode.TopicNotAllowed, message: `Topic "${topic}" is outside the allowed prefixes ${JSON.stringify(allowedPrefixes)}.` };
  }
  return undefined;
}

interface Part {
  readonly record: number;
  readonly entry: OutboundRecordEntry;
  readonly bytes: number;
}

export function planMessages(records: readonly DeliveryRecord[], options: PackingOptions = {}): Plan {
  const maxBytes = options.maxMessageBytes ?? 128 * 1024;
  const defaultTopic = options.topic ?? DEFAULT_TOPIC_TEMPLATE;
  const decided: Array<Outcome | undefined> = new Array<Outcome | undefined>(records.length).fill(undefined);
  /** Parts per topic, in first-seen order. */
  const byTopic = new Map<string, Part[]>();

  records.forEach((r, index) => {
    const template = r.mapping.topic ?? defaultTopic;
    const groups = new Map<string, Sample[]>();
    for (const s of r.samples) {
      let topic: string;
      try {
        topic = renderTemplate(template, { sample: s, stream: r.origin.stream, priority: r.priority, ...(options.thing ? { thing: options.thing } : {}) });
      } catch (err) {
        decided[index] = { kind: 'rejected', code: IotCoreErrorCode.TopicInvalid, message: err instanceof TemplateError ? err.message : String(err) };
        return;
      }
      const problem = topicProblem(topic, options.allowedTopicPrefixes);
      if (problem) {
        decided[index] = { kind: 'rejected', ...problem };
        return;
      }
      const g = groups.get(topic);
      if (g) g.push(s);
      else groups.set(topic, [s]);
    }
    const parts: Array<[string, Part]> = [];
    for (const [topic, samples] of groups) {
      const entry: OutboundRecordEntry = { origin: { stream: r.origin.stream, seq: r.origin.sequenceNumber }, priority: r.priority, samples };
      const bytes = outboundEntryBytes(entry);
      if (OUTBOUND_BUNDLE_OVERHEAD_BYTES + bytes > maxBytes) {
        decided[index] = {
          kind: 'rejected',
          code: IotCoreErrorCode.PayloadTooLarge,
          message: `The samples of this record for topic "${topic}" make a ${OUTBOUND_BUNDLE_OVERHEAD_BYTES + bytes}-byte message, over the ${maxBytes}-byte limit.`,
        };
        return;
      }
      parts.push([topic, { record: index, entry, bytes }]);
    }
    for (const [topic, part] of parts) {
      const list = byTopic.get(topic);
      if (list) list.push(part);
      else byTopic.set(topic, [part]);
    }
  });

  const messages: PlannedMessage[] = [];
  for (const [topic, parts] of byTopic) {
    let current: Part[] = [];
    let size = OUTBOUND_BUNDLE_OVERHEAD_BYTES;
    const flush = (): void => {
      if (current.length === 0) return;
      messages.push({ topic, payload: encodeOutboundBundle(current.map((p) => p.entry)), records: [...new Set(current.map((p) => p.record))] });
      current = [];
      size = OUTBOUND_BUNDLE_OVERHEAD_BYTES;
    };
    for (const p of parts) {
      const add = p.bytes + (current.length > 0 ? 1 : 0);
      if (current.length > 0 && size + add > maxBytes) flush();
      size += p.bytes + (current.length > 0 ? 1 : 0);
      current.push(p);
    }
    flush();
  }
  return { messages, decided };
}

/**
 * Combines per-message results into per-record outcomes: a record is accepted when every
 * message with a part of it succeeded, else `retry` with the first failure.
 */
export function combineOutcomes(plan: Plan, results: ReadonlyArray<Outcome | undefined>): Outcome[] {
  const failure: Array<Outcome | undefined> = [...plan.decided];
  plan.messages.forEach((m, i) => {
    const res = results[i];
    if (res && res.kind !== 'accepted') {
      for (const r of m.records) if (!failure[r]) failure[r] = res;
    }
  });
  return failure.map((f) => f ?? { kind: 'accepted' });
}
