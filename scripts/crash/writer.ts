/**
 * The process `test:crash` kills. It runs the real store, ingest, windows and budget over one
 * SQLite file as fast as it can, on a manual clock so windows close, revise and compact in
 * milliseconds, and it reports on stdout, after each transaction has returned, what that
 * transaction committed. A report is written only after the commit, so the parent's view is a
 * subset of what is on disk, and anything it was told and cannot find later is a lost row.
 *
 * Lines: `P <phase>` before each phase (burst, compaction, bookkeeping) so the parent knows
 * what the writer was doing when it died; `R <json>` after each commit; `ready` once open.
 */
import { createHash } from 'node:crypto';
import { writeSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ManualClock } from '../../runtime/clock/manual-clock.js';
import { IngestPipeline } from '../../runtime/ingest/ingest-pipeline.js';
import { pino } from 'pino';
import { createRootLog } from '../../runtime/log/logger.js';
import type { Reading } from '../../runtime/shared/reading.js';
import { Store } from '../../runtime/store/store.js';
import { StoreBudget } from '../../runtime/store/store-budget.js';
import { WindowAggregator } from '../../runtime/windows/window-aggregator.js';
import type { SummaryRecord } from '../../runtime/windows/summary-records.js';
import { seededRandom } from '../../runtime/shared/seeded-random.js';
import { CRASH_SETUP } from './crash-setup.js';

export interface CommitReport {
  /** Highest readings id committed so far. */
  maxReadingId: number;
  /** New outbox rows: seq, sha1 of the body, and the summary keys they carry. */
  rows: { seq: number; hash: string; summaries: [string, string, string, number, number][] }[];
}

const { values } = parseArgs({
  options: { dir: { type: 'string' }, seed: { type: 'string', default: '1' } },
});
if (!values.dir) throw new Error('usage: writer --dir DIR [--seed N]');
const random = seededRandom(Number(values.seed));
const say = (line: string): void => {
  writeSync(1, line + '\n');
};

// Errors go to stderr, which the parent shows if the writer dies by itself.
const log = createRootLog({ level: 'error', destination: pino.destination(2) });
// The clock resumes from the store's last saved time, like a box whose clock is right.
const clock = new ManualClock({ startWallMs: CRASH_SETUP.startWallMs });
const store = new Store({
  file: join(values.dir, 'store.db'),
  clock,
  log,
  walCheckpointBytes: CRASH_SETUP.walCheckpointBytes,
});
const unitOf = (): string => 'C62';
const budget = new StoreBudget({
  store,
  log,
  unitOf,
  budgetBytes: CRASH_SETUP.budgetBytes,
  shares: { raw: 0.3, summaries: 0.6, events: 0.1 },
  compactToMs: CRASH_SETUP.compactToMs,
  windowLengthsMs: CRASH_SETUP.windowsMs,
  keepAckedMs: 5_000,
});
const aggregator = new WindowAggregator(CRASH_SETUP.windowsMs, 1_000, CRASH_SETUP.graceMs);
const ingest = new IngestPipeline({
  store,
  aggregator,
  clock,
  log,
  unitOf,
  commitIntervalMs: 1_000,
  readingsMaxRows: CRASH_SETUP.readingsMaxRows,
});

await store.start();
const saved = store.lastKnownWallMs;
if (saved !== undefined && saved >= clock.wallMs()) clock.stepWall(saved + 1_000 - clock.wallMs());
await ingest.start();
let reportedSeq = store.outbox.headSeq();
say('ready');

function report(): void {
  const rows = store.outbox.after(reportedSeq, 1_000_000).filter((r) => r.seq > reportedSeq);
  const out: CommitReport = {
    maxReadingId: store.readings.maxId(),
    rows: rows.map((r) => ({
      seq: r.seq,
      hash: createHash('sha1').update(r.body).digest('hex'),
      summaries:
        r.kind === 'summary'
          ? (JSON.parse(r.body) as SummaryRecord[]).map(
              (s) => [s.dev, s.m, s.w, s.t0, s.rev] as [string, string, string, number, number],
            )
          : [],
    })),
  };
  if (rows.length > 0) reportedSeq = Math.max(...rows.map((r) => r.seq));
  say('R ' + JSON.stringify(out));
}

const STREAMS = 20;
function reading(wallMs: number, stream: number): Reading {
  return {
    device: `dev${stream % 5}`,
    point: `p${stream}`,
    value: random() < 0.02 ? null : Math.round(random() * 10_000) / 100,
    quality: 'good',
    wallMs,
    monoNs: clock.monoNs(),
    bootId: clock.bootId,
    clockState: 'synced',
  };
}

for (;;) {
  say('P burst');
  const n = 1 + Math.floor(random() * 3_000);
  for (let i = 0; i < n; i++) {
    const r = random();
    // Mostly current readings; some late within grace (revisions), a few beyond it.
    const age = r < 0.9 ? 0 : r < 0.98 ? 5_000 + Math.floor(random() * 10_000) : 120_000;
    ingest.push(reading(clock.wallMs() - age, i % STREAMS));
  }
  await clock.advance(1_000);
  report();

  say('P compaction');
  budget.enforce({
    nowMs: clock.wallMs(),
    keepReadingsFromId: aggregator.minOpenReadingId() ?? Number.MAX_SAFE_INTEGER,
    closedThroughMs: aggregator.closedThroughAll(),
  });
  report();

  say('P bookkeeping');
  // What the sender does on PUBACKs: mark the oldest pending rows acked, now and then park
  // one as refused for good.
  const pending = store.outbox.after(0, 1 + Math.floor(random() * 40));
  store.transaction(() => {
    for (const row of pending) store.outbox.markAcked(row.seq, clock.wallMs());
    const refused = store.outbox.after(0, 1)[0];
    if (refused && random() < 0.1)
      store.outbox.deadLetter(refused.seq, 'test: refused (0x99)', clock.wallMs());
  });
  report();
}
