import { generate } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import type { OutboxRow } from '../../../runtime/store/outbox-table.js';
import { decodePayload } from '../../../runtime/sync/envelope.js';
import {
  messagesForRow,
  MQTT_MAX_PACKET,
  type MessageContext,
  type OutgoingMessage,
} from '../../../runtime/sync/message-parts.js';

const ctx = (over: Partial<MessageContext> = {}): MessageContext => ({
  gatewayId: 'lp1',
  epoch: 'e-2026-11-21',
  sentMs: 1_795_000_000_000,
  topic: 'egw/v1/lp1/data/summary',
  encoding: 'json',
  mqtt5: true,
  maxPacketBytes: MQTT_MAX_PACKET,
  ...over,
});

const record = (i: number) => ({ dev: 'lamp1', m: 'power', t0: 1_795_000_000_000 + i, mean: i });

const row = (records: unknown[], seq = 42): OutboxRow => ({
  seq,
  kind: 'summary',
  priority: 1,
  createdMs: 0,
  body: JSON.stringify(records),
  attempts: 0,
});

/** The PUBLISH packet mqtt.js would put on the wire for `m` (mqtt-packet is its encoder). */
function wireBytes(m: OutgoingMessage, mqtt5: boolean): number {
  return generate(
    {
      cmd: 'publish',
      topic: m.topic,
      payload: m.payload,
      qos: 1,
      messageId: 65_535,
      dup: false,
      retain: false,
      ...(m.options.properties ? { properties: m.options.properties } : {}),
    },
    { protocolVersion: mqtt5 ? 5 : 4 },
  ).length;
}

function messages(r: OutboxRow, c: MessageContext): OutgoingMessage[] {
  const out = messagesForRow(r, c);
  if (!('messages' in out)) throw new Error(`too large: ${out.tooLarge}`);
  return out.messages;
}

describe('messagesForRow', () => {
  it.each([
    ['json', true],
    ['cbor', true],
    ['cbor+deflate', true],
    ['json', false],
  ] as const)('computes the exact PUBLISH size (%s, MQTT 5: %s)', (encoding, mqtt5) => {
    for (const n of [0, 1, 3, 40, 400]) {
      const recs = Array.from({ length: n }, (_, i) => record(i));
      const [m] = messages(row(recs), ctx({ encoding, mqtt5 }));
      if (!m) throw new Error('no message');
      expect(m.packetBytes).toBe(wireBytes(m, mqtt5));
    }
  });

  it('sends a row whole when it fits', () => {
    const out = messages(row([record(1), record(2)]), ctx());
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ seq: 42, part: 1, parts: 1 });
    expect(decodePayload(out[0]?.payload ?? Buffer.alloc(0))).not.toHaveProperty('part');
  });

  it.each(['json', 'cbor', 'cbor+deflate'] as const)(
    'splits a row into numbered parts that each fit, keeping every record once and in order (%s)',
    (encoding) => {
      const recs = Array.from({ length: 200 }, (_, i) => record(i));
      const limit = 1_024;
      const out = messages(row(recs), ctx({ encoding, maxPacketBytes: limit }));
      expect(out.length).toBeGreaterThan(1);
      const back: unknown[] = [];
      out.forEach((m, i) => {
        expect(m.packetBytes).toBeLessThanOrEqual(limit);
        expect(wireBytes(m, true)).toBe(m.packetBytes);
        const env = decodePayload(m.payload, {
          contentType: m.options.properties?.contentType,
          enc: encoding === 'cbor+deflate' ? 'deflate' : undefined,
        }) as { seq: number; part: [number, number]; recs: unknown[] };
        expect(env.seq).toBe(42);
        expect(env.part).toEqual([i + 1, out.length]);
        back.push(...env.recs);
      });
      expect(back).toEqual(recs);
    },
  );

  it('reports a single record that cannot fit, with its size, instead of retrying it', () => {
    const huge = { dev: 'cam', blob: 'x'.repeat(5_000) };
    const out = messagesForRow(row([huge]), ctx({ maxPacketBytes: 2_048 }));
    expect(out).toHaveProperty('tooLarge');
    expect((out as { tooLarge: number }).tooLarge).toBeGreaterThan(5_000);
    // Among others it still cannot fit: the whole row is refused, not half sent.
    const mixed = messagesForRow(row([record(1), huge, record(2)]), ctx({ maxPacketBytes: 2_048 }));
    expect(mixed).toHaveProperty('tooLarge');
  });
});
