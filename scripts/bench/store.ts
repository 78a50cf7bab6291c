/**
 * `npm run bench:store`: how fast readings go through the store, against what SQLite itself can
 * do on this machine, and what each reading costs the flash.
 *
 * 1. Ceiling: plain better-sqlite3, the readings table's own shape, WAL, synchronous = FULL,
 *    prepared INSERT, 10,000 rows per transaction. Nothing of ours.
 * 2. Ingest: our path end to end on the same batch size: IngestPipeline → readings ring +
 *    windows (PT1M, PT15M, PT1H with sketches) → summaries and outbox rows in the same
 *    transaction, with the disk budget checked every tick. One process, one core.
 * 3. Flash wear: bytes SQLite wrote (WAL frames + checkpointed pages) per reading, at the
 *    benchmark's batch size and at a lamp pole's real rate (20 points a second, one commit a
 *    second), where the per-commit pages dominate.
 *
 * The two rates are measured in the same run, so the ratio holds even on a busy machine.
 * Prints one JSON line and a short summary; writes docs/benchmarks/store.{json,md,svg}.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { ManualClock } from '../../runtime/clock/manual-clock.js';
import { IngestPipeline } from '../../runtime/ingest/ingest-pipeline.js';
import { silentLog } from '../../runtime/log/logger.js';
import { packageRoot } from '../../runtime/shared/package-root.js';
import type { Reading } from '../../runtime/shared/reading.js';
import { Store } from '../../runtime/store/store.js';
import { StoreBudget } from '../../runtime/store/store-budget.js';
import { WindowAggregator } from '../../runtime/windows/window-aggregator.js';
import { barChartSvg } from './svg-chart.js';

const { values: args } = parseArgs({
  options: {
    readings: { type: 'string', default: '1000000' },
    out: { type: 'string', default: join(packageRoot(), 'docs', 'benchmarks') },
  },
});
const TOTAL = Number(args.readings);
const BATCH = 10_000;
const STREAMS = 100;
const START = Date.UTC(2026, 10, 21);
const say = (s: string): void => void process.stderr.write(`${s}\n`);
const dir = mkdtempSync(join(tmpdir(), 'edge-gw-bench-store-'));

function progress(label: string, done: number, total: number): void {
  if (done % (total / 10) < BATCH)
    process.stderr.write(`\r${label} ${Math.round((done / total) * 100)} %`);
  if (done >= total) process.stderr.write('\n');
}

function ceiling(): number {
  const db = new Database(join(dir, 'ceiling.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE readings (
    id INTEGER PRIMARY KEY, stream INTEGER NOT NULL, value REAL, quality INTEGER NOT NULL,
    boot INTEGER NOT NULL, mono_ns INTEGER NOT NULL, wall_ms INTEGER NOT NULL,
    clock_state INTEGER NOT NULL, held INTEGER NOT NULL DEFAULT 0) STRICT`);
  const insert = db.prepare(
    'INSERT INTO readings (stream, value, quality, boot, mono_ns, wall_ms, clock_state, held) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const t = performance.now();
  for (let done = 0; done < TOTAL; done += BATCH) {
    db.transaction(() => {
      for (let i = done; i < done + BATCH; i++)
        insert.run(i % STREAMS, 230 + (i % 7), 0, 1, BigInt(i) * 1_000_000n, START + i, 0, 0);
    })();
    progress('ceiling', done + BATCH, TOTAL);
  }
  const seconds = (performance.now() - t) / 1000;
  db.close();
  return TOTAL / seconds;
}

interface IngestRun {
  readingsPerS: number;
  bytesPerReading: number;
  windowsClosed: number;
}

/** Pushes `total` readings through our ingest, `perTick` per one-second commit. */
async function ingestRun(
  name: string,
  total: number,
  perTick: number,
  streams: number,
): Promise<IngestRun> {
  const clock = new ManualClock({ startWallMs: START });
  const log = silentLog();
  const store = new Store({ file: join(dir, `${name}.db`), clock, log });
  const unitOf = (): string => 'VLT';
  const lengths = [60_000, 900_000, 3_600_000];
  const ingest = new IngestPipeline({
    store,
    aggregator: new WindowAggregator(lengths, 2_000, 300_000),
    budget: new StoreBudget({
      store,
      log,
      unitOf,
      budgetBytes: 1024 * 1024 * 1024,
      shares: { raw: 0.3, summaries: 0.6, events: 0.1 },
      compactToMs: 3_600_000,
      windowLengthsMs: lengths,
      keepAckedMs: 86_400_000,
    }),
    clock,
    log,
    unitOf,
    commitIntervalMs: 1_000,
    readingsMaxRows: 10_000_000,
  });
  await store.start();
  await ingest.start();
  const names = Array.from({ length: streams }, (_, i) => `p${i}`);
  const t = performance.now();
  for (let done = 0; done < total; done += perTick) {
    const base = clock.wallMs();
    for (let i = 0; i < perTick; i++) {
      const r: Reading = {
        device: `meter${i % 10}`,
        point: names[i % streams] ?? 'p',
        value: 230 + ((done + i) % 7) * 0.5,
        quality: 'good',
        wallMs: base + Math.floor((i * 1000) / perTick),
        monoNs: clock.monoNs(),
        bootId: clock.bootId,
        clockState: 'synced',
      };
      ingest.push(r);
    }
    await clock.advance(1_000);
    if (perTick >= BATCH) progress(`ingest (${name})`, done + perTick, total);
  }
  const seconds = (performance.now() - t) / 1000;
  const stats = ingest.stats();
  await ingest.stop();
  await store.stop();
  return {
    readingsPerS: total / seconds,
    bytesPerReading: stats.bytesPerReading ?? 0,
    windowsClosed: stats.windowsClosed,
  };
}

say(`bench:store: ${TOTAL} readings, ${BATCH} per transaction, ${STREAMS} streams`);
const ceilingRowsPerS = ceiling();
const bulk = await ingestRun('ingest', TOTAL, BATCH, STREAMS);
// A lamp pole: 20 points read every second, one commit a second, for two simulated hours.
const lampPole = await ingestRun('lamp-pole', 20 * 7200, 20, 20);
rmSync(dir, { recursive: true, force: true });

const round = (n: number, d = 0): number => Math.round(n * 10 ** d) / 10 ** d;
const result = {
  bench: 'store',
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
  readings: TOTAL,
  batch: BATCH,
  streams: STREAMS,
  windows: ['PT1M', 'PT15M', 'PT1H'],
  ceiling_rows_per_s: round(ceilingRowsPerS),
  readings_per_s: round(bulk.readingsPerS),
  ratio_to_ceiling: round(bulk.readingsPerS / ceilingRowsPerS, 3),
  bytes_per_reading: round(bulk.bytesPerReading),
  lamp_pole: {
    points_per_s: 20,
    commit_interval_ms: 1000,
    bytes_per_reading: round(lampPole.bytesPerReading),
    mb_per_day: round((lampPole.bytesPerReading * 20 * 86_400) / 1e6, 1),
  },
  windows_closed: bulk.windowsClosed,
  targets: { readings_per_s: 200_000, ratio_to_ceiling: 0.3 },
};

const out = args.out;
writeFileSync(join(out, 'store.json'), `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(
  join(out, 'store.svg'),
  barChartSvg({
    title: 'Rows per second into SQLite on this machine (one core)',
    yLabel: 'rows per second',
    labels: ['raw better-sqlite3 insert', 'edge-gw ingest (ring + 3 window lengths)'],
    series: [
      {
        name: 'rows/s',
        color: '#2b6cb0',
        values: [result.ceiling_rows_per_s, result.readings_per_s],
      },
    ],
    notes: ['ceiling', `${Math.round(result.ratio_to_ceiling * 100)} % of ceiling`],
  }),
);
writeFileSync(
  join(out, 'store.md'),
  `# Store benchmark

\`npm run bench:store\`, ${result.date.slice(0, 10)}, ${result.machine.cpus} × ${result.machine.model}, Node ${result.machine.node}. Raw figures: [store.json](store.json).

${TOTAL.toLocaleString('en')} readings over ${STREAMS} streams, ${BATCH.toLocaleString('en')} per
transaction, WAL with \`synchronous = FULL\`, on this machine's disk.

| | rows/s |
|---|---|
| ceiling: plain better-sqlite3 INSERT, the readings table's shape | ${result.ceiling_rows_per_s.toLocaleString('en')} |
| **edge-gw ingest**: ring + windows PT1M, PT15M, PT1H (stats and quantile sketches), summaries and outbox rows in the same transaction, budget checked each tick | **${result.readings_per_s.toLocaleString('en')}** |
| ratio | **${result.ratio_to_ceiling}** (targets: ≥ 200,000 readings/s and ≥ 0.3 of the ceiling) |

![ceiling vs ingest](store.svg)

## Flash wear

Bytes SQLite wrote (WAL frames appended plus pages checkpointed into the database), per
reading:

| | bytes per reading |
|---|---|
| benchmark batches (${BATCH.toLocaleString('en')} readings per commit) | ${result.bytes_per_reading} |
| a lamp pole: 20 points/s, one commit per second | ${result.lamp_pole.bytes_per_reading} (${result.lamp_pole.mb_per_day} MB/day) |

At a real gateway's rate each commit rewrites a few pages (the ring's last page, the index
pages, meta) for few readings, so the per-reading cost is set by the commit interval
(\`store.commitIntervalMs\`): doubling it roughly halves the wear, at the price of a longer
loss window on power cut. The running gateway reports the same figure as
\`ingest.bytesPerReading\` in its status.
`,
);
console.log(JSON.stringify(result));
say(
  `ceiling ${result.ceiling_rows_per_s} rows/s; ingest ${result.readings_per_s} readings/s (${result.ratio_to_ceiling} of ceiling); ${result.bytes_per_reading} B/reading in bulk, ${result.lamp_pole.bytes_per_reading} B/reading (${result.lamp_pole.mb_per_day} MB/day) for a lamp pole. Report: ${join(out, 'store.md')}`,
);
