import { describe, expect, it } from 'vitest';
import { enqueueCustom } from '../../../runtime/node-red/custom-records.js';
import { checkMessage } from '../../../runtime/sync/message-schema.js';
import { manualClock, storeAndIngest } from '../../harness/gateway-fixtures.js';
import { tempDir } from '../../harness/temp-dir.js';

describe("a flow's custom records", () => {
  it('are stored in the outbox as data/custom, and a bad one is refused with nothing stored', async () => {
    const clock = manualClock();
    const { store } = storeAndIngest(tempDir(), clock);
    await store.start();
    const seq = enqueueCustom(store, clock, {
      key: 'lot/10:00',
      name: 'lot_counts',
      t: clock.wallMs(),
      data: { free: 3, total: 40 },
    });
    const [row] = store.outbox.after(0, 10);
    expect(row).toMatchObject({ seq, kind: 'custom' });
    const recs = JSON.parse(row?.body ?? '[]') as unknown[];
    expect(recs).toEqual([
      { key: 'lot/10:00', name: 'lot_counts', t: clock.wallMs(), data: { free: 3, total: 40 } },
    ]);
    // What the consumer's schema accepts.
    const envelope = { v: 1, gw: 'g', epoch: 'e', seq, kind: 'custom', sent: 0, recs };
    expect(checkMessage(JSON.stringify(envelope)).ok).toBe(true);

    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const bad = [
      [{ key: '', name: 'x', t: 0, data: {} }, 'key must be a string of 1 to 200 characters'],
      [{ key: 'k', name: 'lot counts', t: 0, data: {} }, 'name must be 1 to 64 letters'],
      [{ key: 'k', name: 'x', t: 0, data: cyclic }, 'data cannot be sent as JSON'],
      [{ key: 'k', name: 'x', t: 0, data: { blob: 'x'.repeat(70_000) } }, 'at most 65536'],
    ] as const;
    for (const [record, why] of bad)
      expect(() => enqueueCustom(store, clock, record as never)).toThrow(why);
    expect(store.outbox.after(0, 10)).toHaveLength(1);
    await store.stop();
  });
});
