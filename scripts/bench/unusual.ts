/**
 * `npm run bench:unusual`: what one `unusual` alarm costs the gateway, per stream, as it ages.
 *
 * Streams of 5-minute windows (a daily pattern on a wandering level, with noise; seeded) are
 * pushed through `UnusualValueDetector`, the code the gateway runs, for a week, a month, 40,000
 * windows and a year. After each age: the memory the detectors hold (what the process holds,
 * less what it holds once they are dropped, over several streams), and the time per window. The most
 * a stream can ever hold is computed from the detector's limits, so the measured figure is read
 * against it in the same run.
 *
 * Needs `--expose-gc` (the npm script passes it). Prints one JSON line and a short summary;
 * writes docs/benchmarks/unusual.{json,md,svg}.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HISTORY_LIMIT } from '../../runtime/anomaly/deviation-history.js';
import { KEPT_LIMIT, SPELL_ROWS } from '../../runtime/anomaly/regime-novelty.js';
import { UnusualValueDetector } from '../../runtime/anomaly/unusual-value-detector.js';
import { packageRoot } from '../../runtime/shared/package-root.js';
import { seededRandom } from '../../runtime/shared/seeded-random.js';
import { barChartSvg } from './svg-chart.js';

const { values: args } = parseArgs({
  options: {
    streams: { type: 'string', default: '8' },
    out: { type: 'string', default: join(packageRoot(), 'docs', 'benchmarks') },
  },
});
const STREAMS = Number(args.streams);
if (!Number.isInteger(STREAMS) || STREAMS < 1) {
  process.stderr.write(
    `bench:unusual: --streams must be a whole number ≥ 1 (got "${args.streams}")\n`,
  );
  process.exit(2);
}
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  process.stderr.write('bench:unusual: run with --expose-gc (npm run bench:unusual does)\n');
  process.exit(2);
}
const say = (line: string): void => void process.stderr.write(`${line}\n`);

const WINDOW_MS = 300_000;
const DAY_WINDOWS = 86_400_000 / WINDOW_MS;
const AGES = [
  { label: 'a week', windows: 7 * DAY_WINDOWS },
  { label: 'a month', windows: 30 * DAY_WINDOWS },
  { label: '40,000 windows', windows: 40_000 },
  { label: 'a year', windows: 365 * DAY_WINDOWS },
];
/** Scores judged by each model, the departure and the histogram: one history each. */
const HISTORIES = 5;
/** The most a stream holds by the detector's limits, in data (the objects' own few bytes apart):
 * each history's deviations twice (sorted and in arrival order), the kept spells, and 7 days of
 * windows plus two. */
const BOUND_MB =
  (HISTORIES * 2 * HISTORY_LIMIT * 8 + KEPT_LIMIT * SPELL_ROWS * 8 + (7 * DAY_WINDOWS + 2) * 8) /
  1e6;

/** The heap in use plus memory outside it (typed arrays' buffers). A second collection is what
 * settles the outside figure: the first frees buffers that V8 only accounts for afterwards. */
function heldBytes(): number {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

interface Stream {
  detector: UnusualValueDetector;
  random: () => number;
  level: number;
  t: number;
}

const START = Date.UTC(2026, 0, 1);
const streams: Stream[] = [];
for (let k = 0; k < STREAMS; k++)
  streams.push({
    detector: new UnusualValueDetector(`bench/${String(k)}`, WINDOW_MS, 0.55),
    random: seededRandom(k + 1),
    level: 50,
    t: 0,
  });

function pushUntil(s: Stream, windows: number): void {
  for (; s.t < windows; s.t++) {
    s.level += s.random() - 0.5;
    const mean = s.level + 10 * Math.sin((2 * Math.PI * (s.t % DAY_WINDOWS)) / DAY_WINDOWS);
    const v = mean + s.random();
    s.detector.push({ atMs: START + s.t * WINDOW_MS, n: 300, min: v - 1, max: v + 1, mean: v });
  }
}

const held: number[] = [];
const rows: { age: string; windows: number; mb_per_stream: number; ms_per_window: number }[] = [];
let pushed = 0;
let ms = 0;
const total = (AGES.at(-1)?.windows ?? 0) * STREAMS;
for (const age of AGES) {
  const t0 = performance.now();
  for (const s of streams) {
    const from = s.t;
    pushUntil(s, age.windows);
    pushed += s.t - from;
    process.stderr.write(`\r${age.label}: ${Math.round((pushed / total) * 100)} % of all windows`);
  }
  ms += performance.now() - t0;
  process.stderr.write('\n');
  held.push(heldBytes());
  rows.push({
    age: age.label,
    windows: age.windows,
    mb_per_stream: 0,
    ms_per_window: Math.round((ms / pushed) * 1e5) / 1e5,
  });
}
// What the process holds without the streams (compiled code, modules) is measured once they are
// dropped, so that only what the streams hold is counted.
streams.length = 0;
const without = heldBytes();
rows.forEach((r, i) => {
  r.mb_per_stream = Math.round((((held[i] ?? without) - without) / STREAMS / 1e6) * 1000) / 1000;
});

const oldest = rows.at(-1);
const result = {
  bench: 'unusual',
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
  streams: STREAMS,
  window_ms: WINDOW_MS,
  ages: rows,
  bound_mb_per_stream: Math.round(BOUND_MB * 1000) / 1000,
  ratio_to_bound:
    oldest === undefined ? null : Math.round((oldest.mb_per_stream / BOUND_MB) * 100) / 100,
  streams_per_100_mb: oldest === undefined ? null : Math.floor(100 / oldest.mb_per_stream),
  cpu_share_per_stream:
    oldest === undefined ? null : Number((oldest.ms_per_window / WINDOW_MS).toExponential(2)),
};

const out = args.out;
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'unusual.json'), `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(
  join(out, 'unusual.svg'),
  barChartSvg({
    title: 'Memory one unusual_value alarm holds, by the age of its stream',
    yLabel: 'MB per stream',
    labels: rows.map((r) => r.age),
    series: [
      { name: 'measured', color: '#2b6cb0', values: rows.map((r) => r.mb_per_stream) },
      {
        name: 'most it can hold',
        color: '#a0aec0',
        values: rows.map(() => result.bound_mb_per_stream),
      },
    ],
    notes: rows.map((r) => `${String(r.ms_per_window)} ms/window`),
  }),
);
const table = rows
  .map(
    (r) =>
      `| ${r.age} | ${r.windows.toLocaleString('en')} | ${String(r.mb_per_stream)} | ${String(r.ms_per_window)} |`,
  )
  .join('\n');
writeFileSync(
  join(out, 'unusual.md'),
  `# What an \`unusual\` alarm costs per stream

\`npm run bench:unusual\`, ${result.date.slice(0, 10)}, ${String(result.machine.cpus)} × ${result.machine.model}, Node ${result.machine.node}. Raw figures: [unusual.json](unusual.json).

${String(STREAMS)} streams of 5-minute windows (a daily pattern on a wandering level, with noise)
pushed through \`UnusualValueDetector\`, the code the gateway runs for each \`unusual\` alarm.
Memory is what the process holds (heap and typed arrays' buffers, after full garbage
collections) less what it holds once the streams are dropped, per stream; time is per window
pushed, cumulative.

| age of the stream | windows | MB per stream | ms per window |
|---|---|---|---|
${table}

![MB per stream by age](unusual.svg)

The most a stream can hold in data, from the detector's limits (5 histories of at most
${HISTORY_LIMIT.toLocaleString('en')} deviations, each kept sorted and in arrival order; ${String(KEPT_LIMIT)} spells of
${String(SPELL_ROWS)} windows; 7 days of windows): **${String(result.bound_mb_per_stream)} MB**. A
year-old stream holds ${String(result.ratio_to_bound)} of that: only the models that judge
windows fill their histories. So 100 MB holds about ${String(result.streams_per_100_mb)} year-old
streams, and one stream's windows take ${String(result.cpu_share_per_stream)} of a core.
`,
);
console.log(JSON.stringify(result));
say(
  `${oldest?.mb_per_stream ?? '?'} MB per stream after a year of 5-minute windows (bound ${String(result.bound_mb_per_stream)} MB), ${oldest?.ms_per_window ?? '?'} ms per window. Report: ${join(out, 'unusual.md')}`,
);
