import type { IClientPublishOptions } from 'mqtt';
import type { OutboxRow } from '../store/outbox-table.js';
import { encodeEnvelope, type EncodedPayload, type PayloadEncoding } from './envelope.js';

export interface OutgoingMessage {
  seq: number;
  /** 1-based part number; 1 of 1 for a row sent whole. */
  part: number;
  parts: number;
  topic: string;
  payload: Buffer;
  options: IClientPublishOptions;
  /** Size of the PUBLISH packet on the wire (what Maximum Packet Size limits). */
  packetBytes: number;
}

export interface MessageContext {
  gatewayId: string;
  epoch: string;
  sentMs: number;
  topic: string;
  encoding: PayloadEncoding;
  mqtt5: boolean;
  /** The broker's Maximum Packet Size from CONNACK, or the protocol's own limit. */
  maxPacketBytes: number;
}

/** MQTT's largest packet: a 4-byte remaining length of 268,435,455 plus the fixed header. */
export const MQTT_MAX_PACKET = 268_435_460;

/**
 * The messages for one outbox row: the row whole when it fits under the broker's Maximum
 * Packet Size (mqtt.js does not check; a broker closes the connection on an oversize packet),
 * else its records split in halves until every part fits. A single record that cannot fit is
 * `tooLarge`: retrying would only send it again.
 */
export function messagesForRow(
  row: OutboxRow,
  ctx: MessageContext,
): { messages: OutgoingMessage[] } | { tooLarge: number } {
  const whole = build(row, ctx, row.body, undefined);
  if (whole.packetBytes <= ctx.maxPacketBytes) return { messages: [whole] };
  const recs = JSON.parse(row.body) as unknown[];
  if (recs.length <= 1) return { tooLarge: whole.packetBytes };
  const chunks: unknown[][] = [];
  // A placeholder part number as wide as any real one, so a chunk that fits still fits later.
  const probe: [number, number] = [recs.length, recs.length];
  const split = (list: unknown[]): number | undefined => {
    const m = build(row, ctx, JSON.stringify(list), probe);
    if (m.packetBytes <= ctx.maxPacketBytes) {
      chunks.push(list);
      return undefined;
    }
    if (list.length === 1) return m.packetBytes;
    const mid = Math.ceil(list.length / 2);
    return split(list.slice(0, mid)) ?? split(list.slice(mid));
  };
  const tooLarge = split(recs);
  if (tooLarge !== undefined) return { tooLarge };
  return {
    messages: chunks.map((c, i) => build(row, ctx, JSON.stringify(c), [i + 1, chunks.length])),
  };
}

function build(
  row: OutboxRow,
  ctx: MessageContext,
  recsJson: string,
  part: [number, number] | undefined,
): OutgoingMessage {
  const encoded = encodeEnvelope(
    {
      gatewayId: ctx.gatewayId,
      epoch: ctx.epoch,
      seq: row.seq,
      kind: row.kind,
      sentMs: ctx.sentMs,
      ...(part ? { part } : {}),
    },
    recsJson,
    ctx.encoding,
  );
  const options = publishOptions(row.kind, encoded, ctx.mqtt5);
  return {
    seq: row.seq,
    part: part?.[0] ?? 1,
    parts: part?.[1] ?? 1,
    topic: ctx.topic,
    payload: encoded.payload,
    options,
    packetBytes: publishPacketBytes(ctx.topic, encoded.payload.length, options, ctx.mqtt5),
  };
}

function publishOptions(kind: string, e: EncodedPayload, mqtt5: boolean): IClientPublishOptions {
  const options: IClientPublishOptions = { qos: 1 };
  if (!mqtt5) return options;
  const userProperties: Record<string, string> = { schema: `egw.${kind}.v1` };
  if (e.deflated) userProperties.enc = 'deflate';
  options.properties = { contentType: e.contentType, userProperties };
  return options;
}

function varIntBytes(n: number): number {
  return n < 128 ? 1 : n < 16_384 ? 2 : n < 2_097_152 ? 3 : 4;
}

function utf8(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** The size of a QoS 1 PUBLISH as MQTT 3.1.1 or 5 encodes it (fixed header included). */
export function publishPacketBytes(
  topic: string,
  payloadBytes: number,
  options: IClientPublishOptions,
  mqtt5: boolean,
): number {
  let props = 0;
  const p = options.properties;
  if (p?.contentType !== undefined) props += 1 + 2 + utf8(p.contentType);
  for (const [k, v] of Object.entries(p?.userProperties ?? {}))
    for (const value of Array.isArray(v) ? v : [v]) props += 1 + 2 + utf8(k) + 2 + utf8(value);
  const remaining = 2 + utf8(topic) + 2 + (mqtt5 ? varIntBytes(props) + props : 0) + payloadBytes;
  return 1 + varIntBytes(remaining) + remaining;
}
