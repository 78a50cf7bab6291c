import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MQTT_PACKET, packetLength } from '../../scripts/faults/fault-proxy.js';
import { tempDir } from '../harness/temp-dir.js';
import { waitFor } from '../harness/wait-for.js';
import { heapMb, SyncRig } from './sync-rig.js';

let rig: SyncRig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('NORTHBOUND failure cases: the broker', () => {
  it('4. broker kill -9 and restart without persistence (retained ack cursor gone)', async () => {
    rig = await SyncRig.start();
    await rig.startConsumer();
    rig.enqueue(200);
    const sender = await rig.startSender();
    await waitFor(() => rig!.store.outbox.consumerAcked() >= 50, 'the consumer cursor to move');
    await rig.broker.stop('SIGKILL');
    const ackedBefore = rig.store.outbox.consumerAcked();
    rig.enqueue(50);
    await rig.broker.start();
    await rig.assertAllAccounted();
    // The local copy of the cursor survived the broker; deletion went on from it.
    expect(ackedBefore).toBeGreaterThan(0);
    await waitFor(
      () => rig!.store.outbox.consumerAcked() === rig!.store.outbox.headSeq(),
      'the local cursor at the head',
    );
    expect(sender.stats().connects).toBeGreaterThanOrEqual(2);
  });

  it('5. flapping link, 5 s up / 5 s down: memory flat, nothing lost', async () => {
    const cycles = Number(process.env.FAULTS_FLAP_CYCLES ?? 4);
    rig = await SyncRig.start({ ackTimeoutMs: 2_000 });
    await rig.startConsumer();
    const sender = await rig.startSender();
    const heaps: number[] = [];
    for (let c = 0; c < cycles; c++) {
      // Up: live rows flow; down: the proxy refuses and cuts, rows wait in the outbox.
      for (let i = 0; i < 10; i++) {
        rig.enqueue(5);
        sender.wake();
        await sleep(500);
      }
      rig.proxy.setAccepting(false);
      rig.proxy.reset();
      for (let i = 0; i < 10; i++) {
        rig.enqueue(5);
        await sleep(500);
      }
      rig.proxy.setAccepting(true);
      heaps.push(heapMb());
    }
    await rig.assertAllAccounted(60_000);
    // The link really went down and up: connections were refused while down, and the sender
    // came back (how often within each 5 s window depends on its jittered backoff).
    expect(rig.proxy.stats.refused).toBeGreaterThan(0);
    expect(sender.stats().connects).toBeGreaterThanOrEqual(2);
    // Flat: the last cycle's heap within a few MB of the first (no per-cycle growth).
    expect((heaps.at(-1) ?? 0) - (heaps[0] ?? 0)).toBeLessThan(8);
  });

  it('6. Receive Maximum 5 and Maximum Packet Size 2048 are never exceeded', async () => {
    rig = await SyncRig.start({
      brokerConfig: ['max_inflight_messages 5', 'max_packet_size 2048'],
    });
    let outstanding = 0;
    let maxOutstanding = 0;
    let largest = 0;
    rig.proxy.setPacketFilter((dir, type, packet) => {
      const qos = (packet[0] ?? 0) & 0x06;
      if (dir === 'up' && type === MQTT_PACKET.PUBLISH && qos > 0) {
        outstanding++;
        maxOutstanding = Math.max(maxOutstanding, outstanding);
        largest = Math.max(largest, packetLength(packet) ?? packet.length);
      }
      if (dir === 'down' && type === MQTT_PACKET.PUBACK) outstanding--;
      return false;
    });
    await rig.startConsumer();
    rig.enqueue(40, { recs: 20 }); // about 6 kB of JSON each: split in parts
    rig.enqueue(1, { pad: 3000 }); // one record that can never fit
    const sender = await rig.startSender();
    await rig.assertAllAccounted();
    expect(maxOutstanding).toBeLessThanOrEqual(5);
    expect(largest).toBeLessThanOrEqual(2048);
    expect(sender.stats()).toMatchObject({ window: 5, maxPacketBytes: 2048, deadLettered: 1 });
    expect(sender.stats().split).toBe(40);
    expect(rig.store.events.ofKind('upstream_refused')).toHaveLength(1);
    // Every record of every split row arrived once.
    expect(rig.consumer?.sqlite?.query('SELECT count(*) AS n FROM summaries')).toEqual([
      { n: 800 },
    ]);
  });

  it('7. ACL denies the data topic: rows parked, alarm raised, no loop', async () => {
    const acl = join(tempDir(), 'acl');
    writeFileSync(
      acl,
      [
        // The gateway may not publish data/summary; everything else is open.
        'pattern readwrite egw/v1/+/status',
        'pattern readwrite egw/v1/+/birth',
        'pattern readwrite egw/v1/+/ack',
        'pattern readwrite egw/v1/+/cmd/#',
        'pattern readwrite egw/v1/+/data/event',
        'pattern readwrite egw/v1/+/data/gap',
        'pattern readwrite egw/v1/_consumers/#',
        'pattern read egw/v1/+/data/summary',
        '',
      ].join('\n'),
    );
    rig = await SyncRig.start({ brokerConfig: [`acl_file ${acl}`] });
    await rig.startConsumer();
    rig.enqueue(30);
    const sender = await rig.startSender();
    await rig.assertAllAccounted();
    const stats = sender.stats();
    expect(stats.deadLettered).toBe(30);
    expect(stats.connects).toBe(1);
    expect(rig.store.events.ofKind('upstream_refused')).toHaveLength(1);
    expect(
      rig.consumer?.sqlite?.query(
        "SELECT count(*) AS n FROM events WHERE kind = 'upstream_refused'",
      ),
    ).toEqual([{ n: 1 }]);
  });

  it('8. consumer offline for hours: rows stay until it returns, then replayed', async () => {
    rig = await SyncRig.start({ upstream: { ack: 'consumer' } });
    await rig.startConsumer();
    const sender = await rig.startSender();
    rig.enqueue(20);
    sender.wake();
    await rig.assertAllAccounted();
    await rig.consumer?.stop();
    rig.consumer = undefined;
    rig.enqueue(100);
    sender.wake();
    await waitFor(() => rig!.store.outbox.stats().pending === 0, 'the broker to accept every row');
    // Hours later: a PUBACK-only retention would have purged them; the consumer's cursor has not
    // moved, so they stay.
    const purged = rig.store.transaction(() =>
      rig!.store.outbox.purgeAcked(Date.now() + 6 * 3_600_000),
    );
    expect(purged).toBe(0);
    expect(rig.store.outbox.headSeq() - rig.store.outbox.consumerAcked()).toBe(100);
    const back = await rig.startConsumer();
    await rig.assertAllAccounted();
    expect(back.stats.replaysRequested).toBeGreaterThan(0);
  });
});
