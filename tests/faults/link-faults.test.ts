import { afterEach, describe, expect, it } from 'vitest';
import { MQTT_PACKET } from '../../scripts/faults/fault-proxy.js';
import { waitFor } from '../harness/wait-for.js';
import { SyncRig } from './sync-rig.js';

let rig: SyncRig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

describe('NORTHBOUND failure cases: the link', () => {
  it('1. link reset in the middle of a 500-batch backlog', async () => {
    rig = await SyncRig.start();
    await rig.startConsumer();
    rig.enqueue(500);
    const sender = await rig.startSender();
    await waitFor(() => sender.stats().acked >= 150, '150 rows acked');
    rig.proxy.reset();
    await rig.assertAllAccounted();
    expect(sender.stats().connects).toBeGreaterThanOrEqual(2);
    expect(rig.proxy.stats.connections).toBeGreaterThanOrEqual(2);
  });

  it('2. half-open TCP is detected within 1.5 × keepalive + ack timeout', async () => {
    rig = await SyncRig.start({ upstream: { keepaliveS: 5 }, ackTimeoutMs: 3_000 });
    await rig.startConsumer();
    const sender = await rig.startSender();
    rig.enqueue(20);
    sender.wake();
    await waitFor(() => sender.stats().acked === 20, 'the first rows acked');
    rig.proxy.blackhole(true);
    const t0 = Date.now();
    rig.enqueue(5);
    sender.wake();
    await waitFor(() => sender.stats().state !== 'connected', 'the dead link noticed', 15_000);
    const detectedMs = Date.now() - t0;
    expect(detectedMs).toBeLessThanOrEqual(1.5 * 5_000 + 3_000);
    rig.proxy.blackhole(false);
    await rig.assertAllAccounted();
  });

  it('3. 10 % of PUBACKs never arrive', async () => {
    rig = await SyncRig.start({ ackTimeoutMs: 1_500 });
    let pubacks = 0;
    rig.proxy.setPacketFilter(
      (dir, type) => dir === 'down' && type === MQTT_PACKET.PUBACK && ++pubacks % 10 === 0,
    );
    await rig.startConsumer();
    rig.enqueue(200);
    const sender = await rig.startSender();
    await rig.assertAllAccounted(60_000);
    expect(rig.proxy.stats.packetsDropped).toBeGreaterThan(0);
    expect(sender.stats().ackTimeouts).toBeGreaterThan(0);
  });
});
