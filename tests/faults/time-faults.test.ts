import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../runtime/clock/manual-clock.js';
import { IngestPipeline } from '../../runtime/ingest/ingest-pipeline.js';
import { silentLog } from '../../runtime/log/logger.js';
import { StoreBudget } from '../../runtime/store/store-budget.js';
import { WindowAggregator } from '../../runtime/windows/window-aggregator.js';
import { MQTT_PACKET } from '../../scripts/faults/fault-proxy.js';
import { reading } from '../harness/gateway-fixtures.js';
import { waitFor } from '../harness/wait-for.js';
import { summaryRecord, SyncRig } from './sync-rig.js';

let rig: SyncRig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function pipeline(r: SyncRig, clock: ManualClock, budget?: StoreBudget): IngestPipeline {
  return new IngestPipeline({
    store: r.store,
    ...(budget ? { budget } : {}),
    aggregator: new WindowAggregator([5 * MINUTE], 2_000, MINUTE),
    clock,
    log: silentLog(),
    unitOf: () => 'WTT',
    commitIntervalMs: MINUTE,
    readingsMaxRows: 1_000_000,
  });
}

describe('NORTHBOUND failure cases: time and space', () => {
  it('11. disk budget reached during an outage: compaction, then drops in order, gap records synced', async () => {
    const clock = new ManualClock({ startWallMs: Date.now() - 3 * DAY });
    rig = await SyncRig.start({ storeClock: clock });
    const budget = new StoreBudget({
      store: rig.store,
      log: silentLog(),
      unitOf: () => 'WTT',
      budgetBytes: 150_000,
      shares: { raw: 0.3, summaries: 0.6, events: 0.1 },
      compactToMs: HOUR,
      windowLengthsMs: [5 * MINUTE],
      keepAckedMs: DAY,
    });
    const ingest = pipeline(rig, clock, budget);
    await ingest.start();
    // Three days offline, 10 points a minute.
    for (let minute = 0; minute < 3 * 24 * 60; minute++) {
      for (let p = 0; p < 10; p++) ingest.push(reading(clock, `p${p}`, 70 + p));
      await clock.advance(MINUTE);
    }
    await ingest.stop();
    const drops = rig.store.gaps.drops();
    expect(drops.compacted).toBeGreaterThan(0);
    expect(drops.summary_budget).toBeGreaterThan(0);
    expect(drops.event_budget).toBeUndefined();
    await rig.startConsumer();
    await rig.startSender();
    await rig.assertAllAccounted(60_000);
    const reasons = rig.consumer?.sqlite?.query<{ reason: string }>(
      "SELECT DISTINCT json_extract(body, '$.reason') AS reason FROM gaps ORDER BY reason",
    );
    expect(reasons?.map((r) => r.reason)).toEqual(
      expect.arrayContaining(['compacted', 'summary_budget']),
    );
  });

  it('13. boot with the clock at 2000-01-01, then NTP: nothing published before sync, then re-stamped', async () => {
    const clock = new ManualClock({ startWallMs: Date.UTC(2000, 0, 1) });
    clock.setSyncState('unsynced');
    rig = await SyncRig.start({ storeClock: clock });
    const consumer = await rig.startConsumer();
    const sender = await rig.startSender();
    const ingest = pipeline(rig, clock);
    await ingest.start();
    for (let minute = 0; minute < 20; minute++) {
      ingest.push(reading(clock, 'power', 70));
      await clock.advance(MINUTE);
    }
    sender.wake();
    // Before the sync nothing is even queued: the readings are held on monotonic time. What
    // was queued (events, if any) has reached the consumer, and no summary is among it.
    expect(rig.store.outbox.pending(1_000).filter((r) => r.kind === 'summary')).toEqual([]);
    await rig.assertAllAccounted();
    expect(consumer.sqlite?.query('SELECT count(*) AS n FROM summaries')).toEqual([{ n: 0 }]);
    // NTP: the wall clock jumps to now and is trusted.
    clock.stepWall(Date.now() - clock.wallMs());
    clock.setSyncState('synced');
    for (let minute = 0; minute < 12; minute++) {
      ingest.push(reading(clock, 'power', 71));
      await clock.advance(MINUTE);
    }
    await ingest.stop();
    sender.wake();
    await rig.assertAllAccounted();
    const t0s = consumer.sqlite?.query<{ t0: number }>('SELECT t0 FROM summaries') ?? [];
    expect(t0s.length).toBeGreaterThan(0);
    // Re-stamped from monotonic time: the held readings land in windows before the sync, in
    // this decade, never in 2000.
    expect(Math.min(...t0s.map((r) => r.t0))).toBeGreaterThan(Date.UTC(2020, 0, 1));
    expect(Math.min(...t0s.map((r) => r.t0))).toBeLessThan(Date.now() - 15 * MINUTE);
  });

  it('14. seven-day backlog drained at the configured rate with live p95 latency bounded', async () => {
    const rate = 400;
    rig = await SyncRig.start({
      upstream: { backfill: { msgsPerS: rate, bytesPerS: 10_000_000, startDelayMaxS: 0 } },
    });
    const consumer = await rig.startConsumer();
    const old = Date.now() - 8 * DAY;
    const fine = rig.enqueue(7 * 288, { createdMs: old, windowMs: 5 * MINUTE });
    const coarse = rig.enqueue(7 * 24, { createdMs: old, windowMs: HOUR });
    const sender = await rig.startSender();
    const live: number[] = [];
    const liveCreated = new Map<number, number>();
    const liveTimer = setInterval(() => {
      const [seq = 0] = rig!.enqueue(1);
      live.push(seq);
      liveCreated.set(seq, Date.now());
      sender.wake();
    }, 100);
    await waitFor(() => rig!.store.outbox.stats().pending === 0, 'the backlog to drain', 60_000);
    clearInterval(liveTimer);
    await rig.assertAllAccounted();
    const received = new Map(
      (
        consumer.sqlite?.query<{ seq: number; received_ms: number }>(
          'SELECT seq, received_ms FROM batches',
        ) ?? []
      ).map((r) => [r.seq, r.received_ms]),
    );
    // Live latency: from the commit of the row to its storage at the consumer.
    expect(live.length).toBeGreaterThan(20);
    const liveLatency = live
      .map((s) => (received.get(s) ?? Infinity) - (liveCreated.get(s) ?? 0))
      .sort((a, b) => a - b);
    const p95 = liveLatency[Math.floor(liveLatency.length * 0.95)] ?? Infinity;
    expect(p95).toBeLessThan(1_000);
    // The backlog went at the configured rate, not faster. The bucket starts full and holds one
    // second of tokens, so up to `rate` messages may go in the first instant: the rest is what
    // the rate governs.
    const backlog = [...fine, ...coarse].map((s) => received.get(s) ?? 0);
    const spanS = (Math.max(...backlog) - Math.min(...backlog)) / 1000;
    expect((backlog.length - rate) / spanS).toBeLessThanOrEqual(rate * 1.1);
    // ...and not much slower either: the bucket, not the sender, set the pace.
    expect(backlog.length / spanS).toBeGreaterThanOrEqual(rate * 0.6);
    // Coarse windows first: at most one window of fine rows overtook the last coarse one.
    const lastCoarse = Math.max(...coarse.map((s) => received.get(s) ?? 0));
    expect(fine.filter((s) => (received.get(s) ?? 0) < lastCoarse).length).toBeLessThanOrEqual(16);
  });

  it('15. slow lossy link (2 s RTT, 1 % loss, 20 kbit/s): throughput within the budget', async () => {
    rig = await SyncRig.start({ upstream: { keepaliveS: 30 }, ackTimeoutMs: 8_000 });
    rig.proxy.setDelay(1_000);
    rig.proxy.setBandwidth(2_500);
    let publishes = 0;
    rig.proxy.setPacketFilter(
      (dir, type) => dir === 'up' && type === MQTT_PACKET.PUBLISH && ++publishes % 100 === 50,
    );
    await rig.startConsumer();
    const seqs = rig.enqueue(60);
    const bytes = 60 * JSON.stringify([summaryRecord(0)]).length;
    const t0 = Date.now();
    await rig.startSender();
    await rig.assertAllAccounted(90_000);
    const seconds = (Date.now() - t0) / 1000;
    const throughput = bytes / seconds;
    // Stop-and-wait would move one message per 2 s round trip.
    const stopAndWait = bytes / seqs.length / 2;
    expect(throughput).toBeGreaterThan(3 * stopAndWait);
    // A lamp pole needs about 100 kB a day (docs/benchmarks/sync.md): 1.2 B/s.
    expect(throughput).toBeGreaterThan(100 * (100_000 / 86_400));
    expect(rig.proxy.stats.packetsDropped).toBeGreaterThan(0);
  });
});
