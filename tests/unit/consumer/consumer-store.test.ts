import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConsumerStore } from '../../../scripts/consumer/consumer-store.js';
import { checkMessage, type Envelope } from '../../../runtime/sync/message-schema.js';
import { tempDir } from '../../harness/temp-dir.js';

const summary = (t0: number, rev: number, n: number) => ({
  dev: 'lamp1',
  m: 'voltage',
  u: 'VLT',
  w: 'PT1M',
  t0,
  rev,
  n,
  bad: 0,
  sum: n * 230,
  min: 230,
  max: 230,
  mean: 230,
  last: 230,
  tlast: t0,
  clock: 'synced',
});

const env = (seq: number, kind: string, recs: unknown[]): Envelope => ({
  v: 1,
  gw: 'lp1',
  epoch: 'E1',
  seq,
  kind,
  sent: 0,
  recs,
});

const crowd = (t0: number, rev: number, max: number) => ({
  type: 'CrowdFlowObserved',
  id: 'plaza',
  w: 'PT1M',
  t0,
  rev,
  dateObservedFrom: new Date(t0).toISOString(),
  dateObservedTo: new Date(t0 + 60_000).toISOString(),
  peopleCountInstant: max,
  peopleCountMax: max,
  peopleCountAvg: max,
  peopleDensity: max / 10,
  densityAvg: max / 10,
  densityMax: max / 10,
  measuredArea: 10,
  levelOfService: 'C',
  losScheme: 'fruin-walkway',
  congested: false,
  observations: 60,
});

describe('ConsumerStore', () => {
  it("keeps a flow's custom record once per key", () => {
    const store = new ConsumerStore(join(tempDir(), 'c.db'));
    const rec = (free: number) => ({ key: 'lot/10:00', name: 'lot_counts', t: 0, data: { free } });
    store.apply(env(1, 'custom', [rec(3)]), 1);
    // Sent again (at least once): the same key is the same record.
    store.apply(env(2, 'custom', [rec(3)]), 2);
    expect(store.query('SELECT key, name, body FROM custom')).toEqual([
      { key: 'lot/10:00', name: 'lot_counts', body: JSON.stringify(rec(3)) },
    ]);
    store.close();
  });

  it('keeps one CrowdFlowObserved record per zone window, the higher revision winning', () => {
    const store = new ConsumerStore(join(tempDir(), 'c.db'));
    store.apply(env(1, 'crowd', [crowd(0, 0, 5), crowd(60_000, 0, 7)]), 1);
    store.apply(env(2, 'crowd', [crowd(0, 1, 6)]), 2);
    store.apply(env(3, 'crowd', [crowd(0, 0, 5)]), 3);
    const rows = store.query<{ t0: number; rev: number; body: string }>(
      'SELECT t0, rev, body FROM crowd ORDER BY t0',
    );
    expect(
      rows.map((r) => [
        r.t0,
        r.rev,
        (JSON.parse(r.body) as { peopleCountMax: number }).peopleCountMax,
      ]),
    ).toEqual([
      [0, 1, 6],
      [60_000, 0, 7],
    ]);
    // A crowd record that is not CrowdFlowObserved-shaped is refused with where it is wrong.
    const bad = checkMessage(
      JSON.stringify(env(4, 'crowd', [{ ...crowd(0, 0, 5), levelOfService: 'G' }])),
    );
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.reason).toMatch(/^recs\/0\/levelOfService/);
    store.close();
  });

  it('stores a batch once, upserts by record key with the higher revision winning', () => {
    const store = new ConsumerStore(join(tempDir(), 'c.db'));
    expect(store.apply(env(1, 'summary', [summary(0, 0, 60)]), 1)).toEqual({
      duplicate: false,
      cursor: 1,
      cursorMoved: true,
    });
    expect(store.apply(env(1, 'summary', [summary(0, 0, 60)]), 2).duplicate).toBe(true);
    store.apply(env(2, 'summary', [summary(0, 1, 61)]), 3);
    // A stale revision arriving late (a resend of seq 1's content under another seq) loses.
    store.apply(env(3, 'summary', [summary(0, 0, 60)]), 4);
    expect(store.query('SELECT rev, n FROM summaries')).toEqual([{ rev: 1, n: 61 }]);
    expect(store.query('SELECT seq, copies FROM batches ORDER BY seq')).toEqual([
      { seq: 1, copies: 2 },
      { seq: 2, copies: 1 },
      { seq: 3, copies: 1 },
    ]);
    store.close();
  });

  it('moves the ack cursor only over stored or explained seqs, and says what is owed', () => {
    const store = new ConsumerStore(join(tempDir(), 'c.db'));
    store.apply(env(1, 'summary', [summary(0, 0, 1)]), 1);
    expect(store.apply(env(4, 'summary', [summary(60_000, 0, 1)]), 2).cursor).toBe(1);
    expect(store.firstMissing('lp1', 'E1')).toBe(2);
    // Seqs 2 and 3 were compacted on the gateway: a gap record explains them.
    const gap = { class: 'summary', reason: 'compacted', from: 0, to: 1, rows: 2, seqs: [[2, 3]] };
    expect(store.apply(env(5, 'gap', [gap]), 3)).toMatchObject({ cursor: 5, cursorMoved: true });
    expect(store.firstMissing('lp1', 'E1')).toBeUndefined();
    store.close();
  });
});

describe('checkMessage', () => {
  it('names the first problem and where it is', () => {
    const reason = (payload: string): string => {
      const checked = checkMessage(payload);
      return checked.ok ? 'ok' : checked.reason;
    };
    expect(reason('{')).toMatch(/^not JSON/);
    const bad = { ...env(1, 'summary', [{ ...summary(0, 0, 1), n: -1 }]) };
    expect(reason(JSON.stringify(bad))).toMatch(/^recs\/0\/n: /);
    expect(checkMessage(JSON.stringify(bad))).toMatchObject({ ok: false, seq: 1 });
    expect(reason(JSON.stringify({ ...bad, seq: 0 }))).toMatch(/^envelope\/seq/);
  });

  it('accepts unknown fields and unknown kinds from a newer gateway', () => {
    const newer = { ...env(1, 'health', [{ anything: true }]), extra: 1 };
    expect(checkMessage(JSON.stringify(newer)).ok).toBe(true);
    const rec = { ...summary(0, 0, 1), newField: 'x' };
    expect(checkMessage(JSON.stringify(env(2, 'summary', [rec]))).ok).toBe(true);
  });
});
