import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UpstreamConfig } from '../../runtime/config/schema.js';
import { silentLog } from '../../runtime/log/logger.js';
import { fillDefaults } from '../../runtime/shared/fill-defaults.js';
import { UpstreamSchema } from '../../runtime/config/schema.js';
import { Store } from '../../runtime/store/store.js';
import { OutboxSender } from '../../runtime/sync/outbox-sender.js';
import { freePort } from '../../scripts/lib/free-port.js';
import { manualClock } from '../harness/gateway-fixtures.js';
import { Mosquitto } from '../harness/mosquitto.js';
import { SummaryCollector } from '../harness/summary-collector.js';
import { tempDir } from '../harness/temp-dir.js';
import { waitFor } from '../harness/wait-for.js';

let broker: Mosquitto;
beforeAll(async () => {
  broker = await Mosquitto.start();
});
afterAll(async () => {
  await broker.stop();
});

const upstream = (url: string, extra: Partial<UpstreamConfig> = {}): UpstreamConfig =>
  fillDefaults(UpstreamSchema, {
    url,
    backfill: { startDelayMaxS: 0, bytesPerS: 10_000_000, msgsPerS: 10_000 },
    ...extra,
  }) as UpstreamConfig;

async function openStore() {
  const clock = manualClock();
  const store = new Store({ file: join(tempDir(), 'store.db'), clock, log: silentLog() });
  await store.start();
  return { clock, store };
}

function enqueue(store: Store, n: number): number[] {
  return store.transaction(() =>
    Array.from({ length: n }, (_, i) =>
      store.outbox.enqueue(
        'summary',
        1,
        i,
        JSON.stringify([
          { dev: 'lamp1', m: 'voltage', u: 'VLT', w: 'PT1M', t0: i * 60_000, rev: 0, n: 1 },
        ]),
      ),
    ),
  );
}

describe('OutboxSender against a real Mosquitto', () => {
  it('publishes every row in seq order with its envelope, and deletes a row only after its PUBACK', async () => {
    const { clock, store } = await openStore();
    const collector = await SummaryCollector.start(broker.url);
    const seqs = enqueue(store, 40);
    const sender = new OutboxSender({
      store,
      clock,
      log: silentLog(),
      upstream: upstream(broker.url),
      gatewayId: 'lp-test',
    });
    await sender.start();
    await waitFor(() => collector.envelopes.length === 40, '40 messages at the collector');
    await waitFor(() => store.outbox.stats().pending === 0, 'the outbox to drain');
    expect(collector.envelopes.map((e) => e.seq)).toEqual(seqs);
    expect(collector.envelopes[0]).toMatchObject({
      v: 1,
      gw: 'lp-test',
      epoch: store.epoch,
      kind: 'summary',
    });
    expect(collector.properties[0]).toEqual({
      contentType: 'application/json',
      userProperties: { schema: 'egw.summary.v1' },
    });
    expect(sender.stats()).toMatchObject({
      state: 'connected',
      published: 40,
      acked: 40,
      refused: 0,
    });
    await sender.stop();
    await collector.stop();
    await store.stop();
  });

  it('keeps rows while upstream is unreachable and sends them once it answers', async () => {
    const { clock, store } = await openStore();
    const late = await Mosquitto.start();
    await late.stop();
    enqueue(store, 5);
    const sender = new OutboxSender({
      store,
      clock,
      log: silentLog(),
      upstream: upstream(late.url),
      gatewayId: 'lp-test',
    });
    await sender.start();
    await waitFor(() => sender.stats().state === 'backoff', 'the first attempt to fail');
    await clock.advance(30_000);
    expect(store.outbox.stats().pending).toBe(5);
    expect(sender.stats().published).toBe(0);
    await late.start();
    const collector = await SummaryCollector.start(late.url);
    // Move time only while the sender waits to reconnect: once connected, PUBACKs arrive in
    // real time, and racing the manual clock past the ack timeout would force needless resends.
    await waitFor(async () => {
      if (sender.stats().state === 'backoff') await clock.advance(1_000);
      return store.outbox.stats().pending === 0;
    }, 'the outbox to drain after the broker came up');
    expect(collector.envelopes.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    await sender.stop();
    await collector.stop();
    await late.stop();
    await store.stop();
  });

  it('publishes a retained online status, and offline on a clean stop', async () => {
    const { clock, store } = await openStore();
    const sender = new OutboxSender({
      store,
      clock,
      log: silentLog(),
      upstream: upstream(broker.url, { prefix: 'status-test' }),
      gatewayId: 'lp-status',
    });
    await sender.start();
    await waitFor(() => sender.stats().state === 'connected', 'connected');
    const retained = async (): Promise<{ online: boolean; reason?: string; epoch?: string }> => {
      const c = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
      const message = new Promise<string>((resolve) =>
        c.once('message', (_t, p) => resolve(p.toString())),
      );
      await c.subscribeAsync('status-test/lp-status/status');
      const text = await message;
      await c.endAsync();
      return JSON.parse(text) as { online: boolean; reason?: string; epoch?: string };
    };
    await waitFor(async () => (await retained()).online, 'a retained online status');
    expect((await retained()).epoch).toBe(store.epoch);
    await sender.stop();
    expect(await retained()).toMatchObject({ online: false, reason: 'stopped' });
    await store.stop();
  });

  it('leaves no timer behind when stopped while backing off', async () => {
    const { clock, store } = await openStore();
    const sender = new OutboxSender({
      store,
      clock,
      log: silentLog(),
      upstream: upstream(`mqtt://127.0.0.1:${await freePort()}`),
      gatewayId: 'lp-test',
    });
    await sender.start();
    await waitFor(() => sender.stats().state === 'backoff', 'backoff');
    await sender.stop();
    expect(clock.pendingTimers()).toBe(0);
    expect(sender.stats().state).toBe('stopped');
    await store.stop();
  });
});
