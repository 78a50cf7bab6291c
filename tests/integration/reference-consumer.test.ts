import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReferenceConsumer } from '../../scripts/consumer/reference-consumer.js';
import { FaultProxy, MQTT_PACKET } from '../../scripts/faults/fault-proxy.js';
import { Mosquitto } from '../harness/mosquitto.js';
import { storeAndSender } from '../harness/real-time-sender.js';
import { tempDir } from '../harness/temp-dir.js';
import { waitFor } from '../harness/wait-for.js';

const ROWS = 200;

function record(i: number) {
  return {
    dev: 'lamp1',
    m: 'voltage',
    u: 'VLT',
    w: 'PT1M',
    t0: Date.UTC(2026, 10, 21) + i * 60_000,
    rev: 0,
    n: 60,
    bad: 0,
    sum: 13_800,
    min: 229,
    max: 231,
    mean: 230,
    last: 230,
    tlast: Date.UTC(2026, 10, 21) + i * 60_000 + 59_000,
    clock: 'synced',
  };
}

describe('gateway → lossy link → Mosquitto → reference consumer', () => {
  let broker: Mosquitto;
  beforeAll(async () => {
    broker = await Mosquitto.start();
  });
  afterAll(async () => {
    await broker.stop();
  });

  it('stores every window exactly once although PUBACKs are lost, and retains the ack cursor', async () => {
    const consumer = new ReferenceConsumer({
      brokerUrl: broker.url,
      dbFile: join(tempDir(), 'consumer.db'),
    });
    await consumer.start();
    // Every 40th PUBACK from the broker to the gateway never arrives: the gateway's ack timeout
    // fires, it reconnects and sends everything still pending again.
    const proxy = await FaultProxy.start('127.0.0.1', broker.port);
    let pubacks = 0;
    proxy.setPacketFilter(
      (dir, type) => dir === 'down' && type === MQTT_PACKET.PUBACK && ++pubacks % 40 === 0,
    );
    const { store, sender } = await storeAndSender(
      proxy.url,
      Array.from({ length: ROWS }, (_, i) => JSON.stringify([record(i)])),
      500,
    );
    await sender.start();
    try {
      await waitFor(() => store.outbox.stats().pending === 0, 'the outbox to drain', 60_000);
      await waitFor(
        () => consumer.sqlite?.cursor('lp1', store.epoch) === ROWS,
        'the cursor',
        10_000,
      );
      expect(proxy.stats.packetsDropped).toBeGreaterThan(0);
      expect(sender.stats().ackTimeouts).toBeGreaterThan(0);
      // Every batch once, every window once, whatever was sent twice.
      const batches = consumer.sqlite?.query<{ n: number; copies: number }>(
        'SELECT count(*) AS n, sum(copies) AS copies FROM batches',
      )[0];
      expect(batches?.n).toBe(ROWS);
      expect(batches?.copies).toBeGreaterThan(ROWS);
      expect(consumer.sqlite?.query('SELECT count(DISTINCT t0) AS n FROM summaries')).toEqual([
        { n: ROWS },
      ]);
      expect(consumer.stats.duplicates).toBe((batches?.copies ?? 0) - ROWS);
      expect(consumer.stats.rejected).toBe(0);
      // The cursor is retained: a gateway connecting later reads it at once.
      const reader = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
      const cursor = new Promise<string>((resolve) =>
        reader.on('message', (_t, p) => resolve(p.toString())),
      );
      await reader.subscribeAsync('egw/v1/lp1/ack', { qos: 1 });
      expect(JSON.parse(await cursor)).toEqual({ epoch: store.epoch, seq: ROWS });
      await reader.endAsync();
    } finally {
      await sender.stop();
      await consumer.stop();
      await proxy.stop();
      await store.stop();
    }
  }, 90_000);
});
