/**
 * `npm run eval:where-to-look`: does `learned_anomaly` point at the reading that went wrong?
 *
 * The learned detector as `edge-gw calibrate` builds it (10-row windows, 32-8-32, threshold the
 * 0.99 quantile of the training scores × 1.5) is trained on the first 60 % of SKAB's anomaly-free
 * run (real readings of eight channels of a water-pump testbed). In the other 40 %, one channel
 * of a window at a time is broken four ways: held at its training mean, held at its first value,
 * offset by +3 and by −3 training spreads. For each broken window, the evidence's two answers
 * are checked against the channel broken: `worstFitFeature` (the largest part of the
 * reconstruction error) and `furthestFeature` (furthest from its training mean in the newest
 * row). Only windows the detector would alarm on (score above the threshold) matter to an
 * operator; all are counted too.
 *
 * Prints one JSON line and a short summary; writes docs/benchmarks/where-to-look.{json,md}.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { worstFit } from '../../runtime/models/learned-detectors.js';
import { chooseBackend } from '../../runtime/models/tf-backend.js';
import {
  buildAutoencoder,
  fitNormalisation,
  normalise,
  scoreQuantile,
  scoreWindows,
  scoreWindowsByFeature,
  slidingWindows,
  trainAutoencoder,
} from '../../runtime/models/window-autoencoder.js';
import { packageRoot } from '../../runtime/shared/package-root.js';
import { writeReport } from './report-file.js';
import { loadSkab, SKAB_CHANNELS } from './skab-data.js';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: join(packageRoot(), '..', 'shared', 'data', 'skab') },
    seed: { type: 'string', default: '20261121' },
    out: { type: 'string', default: join(packageRoot(), 'docs', 'benchmarks') },
  },
});
const seed = Number(args.seed);
if (!Number.isInteger(seed)) {
  process.stderr.write(`eval:where-to-look: --seed must be a whole number (got "${args.seed}")\n`);
  process.exit(2);
}

const WINDOW = 10;
const TRAIN_SHARE = 0.6;
const EPOCHS = 25;
/** A broken window starts every STRIDE rows of the held-out part, for each channel. */
const STRIDE = 37;
const FAULTS = {
  'held at its training mean': (_v: number, _first: number) => 0,
  'held at its first value': (_v: number, first: number) => first,
  'offset by +3 spreads': (v: number) => v + 3,
  'offset by −3 spreads': (v: number) => v - 3,
} satisfies Record<string, (v: number, first: number) => number>;

interface FaultFigures {
  windows: number;
  worst_fit_right: number;
  furthest_right: number;
  alarmed: number;
  alarmed_worst_fit_right: number;
  alarmed_furthest_right: number;
}

const t0 = performance.now();
let free: number[][];
try {
  free = loadSkab(args.data).anomalyFree.rows;
} catch (e) {
  process.stderr.write(`eval:where-to-look: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
}
const F = free[0]?.length ?? 0;
const inputs = WINDOW * F;
const cut = Math.floor(free.length * TRAIN_SHARE);
const rows = normalise(free, fitNormalisation(free.slice(0, cut)));
const { tf, backend } = await chooseBackend(['wasm', 'cpu']);
const model = buildAutoencoder(
  tf,
  { window: WINDOW, features: F, hidden: 32, bottleneck: 8 },
  seed,
);
const train = slidingWindows(rows.slice(0, cut), WINDOW);
await trainAutoencoder(tf, model, train, inputs, {
  epochs: EPOCHS,
  batchSize: 32,
  seed,
  onEpoch: (e, loss) =>
    process.stderr.write(`\rtraining: epoch ${e}/${EPOCHS}, loss ${loss.toFixed(4)}   `),
});
process.stderr.write('\n');
const threshold = scoreQuantile(scoreWindows(tf, model, train, inputs), 0.99) * 1.5;

const held = rows.slice(cut);
const figures: Record<string, FaultFigures> = {};
for (const [name, broken] of Object.entries(FAULTS)) {
  const f: FaultFigures = {
    windows: 0,
    worst_fit_right: 0,
    furthest_right: 0,
    alarmed: 0,
    alarmed_worst_fit_right: 0,
    alarmed_furthest_right: 0,
  };
  for (let j = 0; j < F; j++)
    for (let at = 0; at + WINDOW <= held.length; at += STRIDE) {
      const win = held.slice(at, at + WINDOW).map((r) => [...r]);
      const first = win[0]?.[j] ?? 0;
      for (const r of win) r[j] = broken(r[j] ?? 0, first);
      const { scores, byFeature } = scoreWindowsByFeature(
        tf,
        model,
        Float32Array.from(win.flat()),
        inputs,
        F,
      );
      const fit = worstFit(byFeature, F)?.feature === j;
      // The rows are in training spreads from the training mean already: |value| is sigmas.
      const z = (win[WINDOW - 1] ?? []).map(Math.abs);
      const far = z.indexOf(Math.max(...z)) === j;
      f.windows++;
      f.worst_fit_right += fit ? 1 : 0;
      f.furthest_right += far ? 1 : 0;
      if ((scores[0] ?? 0) > threshold) {
        f.alarmed++;
        f.alarmed_worst_fit_right += fit ? 1 : 0;
        f.alarmed_furthest_right += far ? 1 : 0;
      }
    }
  figures[name] = f;
}
model.dispose();

const share = (k: number, n: number): number => (n === 0 ? 0 : Number((k / n).toFixed(3)));
const summary = Object.fromEntries(
  Object.entries(figures).map(([name, f]) => [
    name,
    {
      windows: f.windows,
      alarmed: f.alarmed,
      worst_fit_right: share(f.worst_fit_right, f.windows),
      furthest_right: share(f.furthest_right, f.windows),
      alarmed_worst_fit_right: share(f.alarmed_worst_fit_right, f.alarmed),
      alarmed_furthest_right: share(f.alarmed_furthest_right, f.alarmed),
    },
  ]),
);
const seconds = Number(((performance.now() - t0) / 1000).toFixed(1));
const out = {
  dataset: 'skab anomaly-free',
  backend,
  rows: free.length,
  train_rows: cut,
  threshold: Number(threshold.toFixed(4)),
  faults: summary,
  seconds,
};

const table = Object.entries(summary)
  .map(
    ([name, s]) =>
      `| ${name} | ${s.windows} | ${s.alarmed} | ${s.alarmed_worst_fit_right} | ${s.alarmed_furthest_right} | ${s.worst_fit_right} | ${s.furthest_right} |`,
  )
  .join('\n');
writeReport(
  args.out,
  'where-to-look',
  'Where to look: does learned_anomaly name the broken reading?',
  `npm run eval:where-to-look -- --seed ${seed}`,
  out,
  `The learned detector as \`edge-gw calibrate\` builds it (${WINDOW}-row windows, 32-8-32,
${EPOCHS} epochs, threshold the 0.99 quantile of the training scores × 1.5), trained on the first
${cut} of the ${free.length} rows of SKAB's anomaly-free run (${F} channels: ${SKAB_CHANNELS.join(', ')}).
In the other rows, one channel of a ${WINDOW}-row window at a time
is broken (a window every ${STRIDE} rows, for every channel). Each column is the share of
windows whose evidence names the channel broken: \`worstFitFeature\` (the largest part of the
reconstruction error) or \`furthestFeature\` (furthest from its training mean in the newest row).
"Alarmed" counts the windows scored above the threshold: the ones an operator would see.

| broken how | windows | alarmed | alarmed: worst fit right | alarmed: furthest right | all: worst fit right | all: furthest right |
|---|---|---|---|---|---|---|
${table}

A channel held at its usual value rarely makes a window score high here: the few such windows
above the threshold score high for another channel's sake, and neither answer names the held
one. The model can point at a held reading only where it can rebuild that reading from the
others: on a lamp circuit, where voltage, power and current move together, a power register held
at its mean is the worst fit (the integration test "names the reading that broke the learnt
pattern"). Offsets are where the two answers part: the worst fit names the channel more often.
Backend ${backend}; the run took ${seconds} s.`,
);
process.stdout.write(`${JSON.stringify(out)}\n`);
for (const [name, s] of Object.entries(summary))
  process.stderr.write(
    `${name}: ${s.alarmed} of ${s.windows} alarmed; named right by the worst fit ${s.alarmed_worst_fit_right}, by the furthest ${s.alarmed_furthest_right}\n`,
  );
