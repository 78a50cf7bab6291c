import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Mosquitto } from '../harness/mosquitto.js';
import { storeAndSender } from '../harness/real-time-sender.js';
import { tempDir } from '../harness/temp-dir.js';
import { waitFor } from '../harness/wait-for.js';

describe('a broker that refuses the data topic (ACL)', () => {
  let broker: Mosquitto;
  beforeAll(async () => {
    // The gateway may write its status and read acks, but not publish data/summary.
    const acl = join(tempDir(), 'acl');
    writeFileSync(
      acl,
      [
        'topic readwrite egw/v1/lp1/status',
        'topic read egw/v1/lp1/ack',
        'topic write egw/v1/lp1/birth',
        'topic write egw/v1/lp1/data/event',
        'topic write egw/v1/lp1/data/gap',
        '',
      ].join('\n'),
    );
    broker = await Mosquitto.start([`acl_file ${acl}`]);
  });
  afterAll(async () => {
    await broker.stop();
  });

  it('parks refused rows in the dead-letter table with one alarm, and keeps sending the rest', async () => {
    const { store, sender } = await storeAndSender(broker.url, Array<string>(20).fill('[]'), 2_000);
    await sender.start();
    try {
      await waitFor(() => store.outbox.stats().pending === 0, 'every row to be settled', 20_000);
      const stats = sender.stats();
      expect(stats.deadLettered).toBe(20);
      // No loop: one connection, each row published once (20 refused, a gap record for each
      // saying the consumer will not see it, and one alarm).
      expect(stats.connects).toBe(1);
      expect(stats.published).toBe(41);
      const gaps = store.gaps.all();
      expect(gaps.map((g) => g.reason)).toEqual(Array(20).fill('refused'));
      const parked = store.outbox.deadLetters();
      expect(parked.map((r) => r.reason)).toEqual(Array(20).fill('0x87 not authorized'));
      const alarms = store.events.ofKind('upstream_refused');
      expect(alarms).toHaveLength(1);
      expect(alarms[0]).toMatchObject({
        severity: 'alarm',
        data: { topic: 'egw/v1/lp1/data/summary', reason: '0x87 not authorized' },
      });
    } finally {
      await sender.stop();
      await store.stop();
    }
  });
});
