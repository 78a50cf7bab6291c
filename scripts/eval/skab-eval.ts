import { Hysteresis } from '../../runtime/anomaly/alarm.js';
import {
  buildAutoencoder,
  concatWindows,
  scoreQuantile,
  scoreWindows,
  scoreWindowsByFeature,
  slidingWindows,
  trainAutoencoder,
  type AutoencoderShape,
} from '../../runtime/models/window-autoencoder.js';
import type { Tf } from '../../runtime/models/tf-backend.js';
import { binaryScores, confusion, type BinaryScores } from './scorers/binary-scores.js';
import type { ProfileScores } from './scorers/profiles.js';
import { skabChangepointScores, type ChangepointFile } from './scorers/skab-changepoint-score.js';
import type { SkabFile, SkabSet } from './skab-data.js';

export interface SkabOptions {
  trainRows: number;
  shape: Omit<AutoencoderShape, 'features'>;
  epochs: number;
  /** Threshold = this quantile of the training windows' scores × `thresholdFactor`. */
  thresholdQuantile: number;
  thresholdFactor: number;
  /** Scores are averaged over this many consecutive windows: SKAB's anomalies are regimes that
   * last, and one noisy window is not one. */
  smooth: number;
  /** Rows in a row above the threshold to raise, below it to clear. */
  raiseAfter: number;
  clearAfter: number;
  /** Seeds the initial weights and the shuffle: a run repeats exactly. */
  seed: number;
  onEpoch?: (epoch: number, loss: number) => void;
}

export const SKAB_DEFAULTS: SkabOptions = {
  trainRows: 400,
  shape: { window: 10, hidden: 32, bottleneck: 8 },
  epochs: 25,
  thresholdQuantile: 0.99,
  thresholdFactor: 1.5,
  smooth: 10,
  raiseAfter: 3,
  clearAfter: 10,
  seed: 20261121,
};

export interface SkabResult {
  binary: BinaryScores;
  changepoint: ProfileScores;
  threshold: number;
  trainWindows: number;
  trainSeconds: number;
  finalLoss: number;
  msPerWindow: number;
  /** Training on one week of 1-minute rows (10,080 windows), as `edge-gw calibrate` would. */
  weekCalibrationSeconds: number;
  files: { name: string; f1: number }[];
  /** The same scores for a detector that flags every test row: on SKAB's dev split most test
   * rows are anomalous, so F1 alone flatters any detector that alarms a lot. */
  allOnes: BinaryScores;
}

/** The mean of each score with the `k − 1` before it (fewer at the start). */
export function trailingMean(xs: Float32Array, k: number): Float32Array {
  const out = new Float32Array(xs.length);
  let sum = 0;
  for (let i = 0; i < xs.length; i++) {
    sum += xs[i] ?? 0;
    if (i >= k) sum -= xs[i - k] ?? 0;
    out[i] = sum / Math.min(i + 1, k);
  }
  return out;
}

/**
 * SKAB's outlier-detection protocol: train on the anomaly-free file and the first 400 rows of
 * every experiment, then predict the rest of each experiment without its labels.
 * Normalisation, like the detector's own calibration on a gateway, uses only training rows:
 * each file is centred on the mean of its own training rows (runs of the testbed start at
 * different temperatures), and every channel is scaled by its spread within files, pooled over
 * all training rows.
 */
export async function evaluateSkab(tf: Tf, set: SkabSet, o: SkabOptions): Promise<SkabResult> {
  const F = set.anomalyFree.rows[0]?.length ?? 8;
  const train = (f: SkabFile): number[][] =>
    f === set.anomalyFree ? f.rows : f.rows.slice(0, o.trainRows);
  const sources = [set.anomalyFree, ...set.experiments, ...set.trainOnly];
  const means = new Map<SkabFile, number[]>();
  for (const f of sources) {
    const rows = train(f);
    means.set(
      f,
      Array.from({ length: F }, (_, j) => rows.reduce((s, r) => s + (r[j] ?? 0), 0) / rows.length),
    );
  }
  const sq = new Array<number>(F).fill(0);
  let n = 0;
  for (const f of sources) {
    const m = means.get(f) ?? [];
    for (const r of train(f)) {
      n++;
      for (let j = 0; j < F; j++) sq[j] = (sq[j] ?? 0) + ((r[j] ?? 0) - (m[j] ?? 0)) ** 2;
    }
  }
  const sd = sq.map((s) => Math.max(1e-6, Math.sqrt(s / Math.max(1, n - 1))));
  const norm = (f: SkabFile, rows: readonly number[][]): number[][] => {
    const m = means.get(f) ?? [];
    return rows.map((r) => r.map((v, j) => (v - (m[j] ?? 0)) / (sd[j] ?? 1)));
  };

  const shape: AutoencoderShape = { ...o.shape, features: F };
  const inputs = shape.window * shape.features;
  const trainSets = sources.map((f) => slidingWindows(norm(f, train(f)), shape.window));
  const all = concatWindows(trainSets);
  const total = all.length;
  const model = buildAutoencoder(tf, shape, o.seed);
  const t0 = performance.now();
  const finalLoss = await trainAutoencoder(tf, model, all, inputs, {
    epochs: o.epochs,
    batchSize: 64,
    seed: o.seed,
    ...(o.onEpoch ? { onEpoch: o.onEpoch } : {}),
  });
  const trainSeconds = (performance.now() - t0) / 1000;
  // The threshold comes from training windows only, smoothed per file as the test scores are.
  const trainScores = trainSets.map((w) =>
    trailingMean(scoreWindows(tf, model, w, inputs), o.smooth),
  );
  const threshold =
    scoreQuantile(concatWindows(trainScores), o.thresholdQuantile) * o.thresholdFactor;

  const confusions = [];
  const allOnes = [];
  const cpFiles: ChangepointFile[] = [];
  const files: SkabResult['files'] = [];
  for (const f of set.experiments) {
    // Windows ending at each test row (the first ones reach back into training rows: the past).
    const rows = norm(f, f.rows);
    const scores = trailingMean(
      scoreWindows(tf, model, slidingWindows(rows, shape.window), inputs),
      o.smooth,
    );
    const h = new Hysteresis(o.raiseAfter, o.clearAfter);
    const predicted: number[] = [];
    for (let i = o.trainRows; i < f.rows.length; i++) {
      h.update((scores[i - shape.window + 1] ?? 0) > threshold);
      predicted.push(h.isActive ? 1 : 0);
    }
    const truth = (f.anomaly ?? []).slice(o.trainRows);
    const c = confusion(truth, predicted);
    allOnes.push(
      confusion(
        truth,
        truth.map(() => 1),
      ),
    );
    confusions.push(c);
    files.push({ name: f.name, f1: Number(binaryScores([c]).f1.toFixed(3)) });
    cpFiles.push({
      timeMs: f.timeMs.slice(o.trainRows),
      truth: (f.changepoint ?? []).slice(o.trainRows),
      predicted: predicted.map((p, i) => (p === 1 && (i === 0 || predicted[i - 1] === 0) ? 1 : 0)),
    });
  }

  // Latency of one window at a time, as the gateway's model worker scores a stream: the score
  // and its split by feature (the alarm's evidence).
  const one = all.subarray(0, inputs);
  for (let i = 0; i < 20; i++) scoreWindowsByFeature(tf, model, one, inputs, F);
  const reps = 200;
  const tl = performance.now();
  for (let i = 0; i < reps; i++) scoreWindowsByFeature(tf, model, one, inputs, F);
  const msPerWindow = (performance.now() - tl) / reps;
  model.dispose();
  const week = buildAutoencoder(tf, shape, o.seed);
  const tw = performance.now();
  const weekWindows = Math.min(10_080, total / inputs);
  await trainAutoencoder(tf, week, all.subarray(0, weekWindows * inputs), inputs, {
    epochs: o.epochs,
    batchSize: 64,
    seed: o.seed,
  });
  const weekCalibrationSeconds = ((performance.now() - tw) / 1000) * (10_080 / weekWindows);
  week.dispose();
  return {
    binary: binaryScores(confusions),
    changepoint: skabChangepointScores(cpFiles, 60_000),
    threshold,
    trainWindows: total / inputs,
    trainSeconds,
    finalLoss,
    msPerWindow,
    weekCalibrationSeconds,
    files,
    allOnes: binaryScores(allOnes),
  };
}
