import type * as tfTypes from '@tensorflow/tfjs';
import type { Tf } from '../../runtime/models/tf-backend.js';
import {
  buildAutoencoder,
  fitNormalisation,
  normalise,
  scoreQuantile,
  scoreWindows,
  slidingWindows,
  trainAutoencoder,
  type AutoencoderShape,
} from '../../runtime/models/window-autoencoder.js';
import {
  binaryScores,
  confusion,
  type BinaryScores,
  type Confusion,
} from './scorers/binary-scores.js';
import type { ProfileScores } from './scorers/profiles.js';
import { skabChangepointScores, type ChangepointFile } from './scorers/skab-changepoint-score.js';
import type { SkabSet } from './skab-data.js';

/**
 * SKAB's own recipe for its best published detector (the Conv-AE notebook, `notebooks/
 * Conv_AE.ipynb` in waico/SKAB), with our dense autoencoder in place of the convolutional one:
 * every experiment gets its own scaler and its own model, fitted on its first 400 rows only;
 * windows of 60 rows; a window's residual is its mean absolute reconstruction error; the
 * threshold is the 0.999 quantile of the training windows' residuals × 4/3. Here the model
 * starts from one pre-trained on the anomaly-free file (each file scaled by its own training
 * rows), so both training sources of the protocol are used. Rows are labelled two ways:
 * - `covering` (SKAB's rule, `coveringLabels`): a row is anomalous when every window that
 *   covers it, but the one starting at it, is. It looks up to 58 rows ahead: an offline
 *   labelling;
 * - `streaming`: a row is anomalous when the window ending at it is: what the gateway can say
 *   at that moment.
 */
export interface PerFileOptions {
  trainRows: number;
  shape: Omit<AutoencoderShape, 'features'>;
  pretrainEpochs: number;
  fileEpochs: number;
  thresholdQuantile: number;
  thresholdFactor: number;
  /** How a window's reconstruction error is measured (the notebook: absolute). */
  residual: 'squared' | 'absolute';
  seed: number;
  onFile?: (done: number, total: number) => void;
}

export const PER_FILE_DEFAULTS: PerFileOptions = {
  trainRows: 400,
  shape: { window: 60, hidden: 64, bottleneck: 16 },
  pretrainEpochs: 10,
  fileEpochs: 30,
  thresholdQuantile: 0.999,
  thresholdFactor: 4 / 3,
  residual: 'absolute',
  seed: 20261121,
};

export interface PerFileResult {
  covering: {
    binary: BinaryScores;
    changepoint: ProfileScores;
    /** The same labels scored over whole files, training rows included, as the notebook
     * scores them (a training row is rarely labelled, so it adds to the true negatives). */
    wholeFile: BinaryScores;
    /** Labels carried to the last row the rule can reach (`coveringLabels(…, 'to-end')`). */
    toEnd: BinaryScores;
  };
  streaming: { binary: BinaryScores; changepoint: ProfileScores };
  files: { name: string; f1Covering: number; f1Streaming: number }[];
  seconds: number;
}

export async function evaluateSkabPerFile(
  tf: Tf,
  set: SkabSet,
  o: PerFileOptions,
): Promise<PerFileResult> {
  const t0 = performance.now();
  const F = set.anomalyFree.rows[0]?.length ?? 8;
  const shape: AutoencoderShape = { ...o.shape, features: F };
  const inputs = shape.window * F;
  const N = shape.window;
  const free = set.anomalyFree.rows;
  const pretrained = buildAutoencoder(tf, shape, o.seed);
  await trainAutoencoder(
    tf,
    pretrained,
    slidingWindows(normalise(free, fitNormalisation(free)), N),
    inputs,
    {
      epochs: o.pretrainEpochs,
      batchSize: 64,
      seed: o.seed,
    },
  );
  const start = pretrained.getWeights();
  const scored = await scorePerFile(
    set,
    o.trainRows,
    N,
    async (rows, k) => {
      const model: tfTypes.LayersModel = buildAutoencoder(tf, shape, o.seed);
      model.setWeights(start);
      const train = slidingWindows(rows.slice(0, o.trainRows), N);
      await trainAutoencoder(tf, model, train, inputs, {
        epochs: o.fileEpochs,
        batchSize: 32,
        seed: o.seed + k + 1,
      });
      const threshold =
        scoreQuantile(scoreWindows(tf, model, train, inputs, o.residual), o.thresholdQuantile) *
        o.thresholdFactor;
      const high = Array.from(
        scoreWindows(tf, model, slidingWindows(rows, N), inputs, o.residual),
        (s) => s > threshold,
      );
      model.dispose();
      return high;
    },
    o.onFile,
  );
  pretrained.dispose();
  return { ...scored, seconds: (performance.now() - t0) / 1000 };
}

/**
 * Which windows of one experiment are anomalous. `rows` are the whole file, scaled by its first
 * training rows; `high[w]` is the window over rows w … w + N − 1. `fileIndex` seeds the file's
 * model.
 */
export type WindowFlagger = (rows: number[][], fileIndex: number) => Promise<boolean[]>;

/**
 * Runs a per-file detector over every experiment and scores it the ways the report gives:
 * covering (the notebook's labelling), the same over whole files and carried to the end, and
 * streaming. Every per-file detector in the report is scored here, so they differ only in
 * their windows' flags.
 */
export async function scorePerFile(
  set: SkabSet,
  trainRows: number,
  window: number,
  flag: WindowFlagger,
  onFile?: (done: number, total: number) => void,
): Promise<Omit<PerFileResult, 'seconds'>> {
  const N = window;
  const cover: Confusion[] = [];
  const whole: Confusion[] = [];
  const toEnd: Confusion[] = [];
  const stream: Confusion[] = [];
  const coverCp: ChangepointFile[] = [];
  const streamCp: ChangepointFile[] = [];
  const files: PerFileResult['files'] = [];
  for (const [k, f] of set.experiments.entries()) {
    onFile?.(k, set.experiments.length);
    const rows = normalise(f.rows, fitNormalisation(f.rows.slice(0, trainRows)));
    let high: boolean[];
    try {
      high = await flag(rows, k);
    } catch (e) {
      // Which experiment could not be scored, not only why.
      throw new Error(`${f.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const labels = coveringLabels(high, rows.length, N, 'notebook');
    const covering = labels.slice(trainRows);
    const streaming: number[] = [];
    for (let i = trainRows; i < rows.length; i++) streaming.push(high[i - N + 1] ? 1 : 0);
    const truth = (f.anomaly ?? []).slice(trainRows);
    const c = confusion(truth, covering);
    const s = confusion(truth, streaming);
    cover.push(c);
    whole.push(confusion(f.anomaly ?? [], labels));
    toEnd.push(confusion(truth, coveringLabels(high, rows.length, N, 'to-end').slice(trainRows)));
    stream.push(s);
    const cp = (p: number[]): ChangepointFile => ({
      timeMs: f.timeMs.slice(trainRows),
      truth: (f.changepoint ?? []).slice(trainRows),
      predicted: p.map((x, i) => (x === 1 && (i === 0 || p[i - 1] === 0) ? 1 : 0)),
    });
    coverCp.push(cp(covering));
    streamCp.push(cp(streaming));
    files.push({
      name: f.name,
      f1Covering: Number(binaryScores([c]).f1.toFixed(3)),
      f1Streaming: Number(binaryScores([s]).f1.toFixed(3)),
    });
  }
  onFile?.(set.experiments.length, set.experiments.length);
  return {
    covering: {
      binary: binaryScores(cover),
      changepoint: skabChangepointScores(coverCp, 60_000),
      wholeFile: binaryScores(whole),
      toEnd: binaryScores(toEnd),
    },
    streaming: {
      binary: binaryScores(stream),
      changepoint: skabChangepointScores(streamCp, 60_000),
    },
    files,
  };
}

/**
 * SKAB's covering rule over a whole file: row i is anomalous when windows i − N + 1 … i − 1 (all
 * that cover it but the one starting at it) are high. `high[w]` is window w, over rows
 * w … w + N − 1, so a file of n rows has n − N + 1 windows (none when it is shorter than N).
 *
 * `'notebook'` labels rows N − 1 … n − 2N + 1, as the notebook's loop does (its upper bound
 * counts windows, not rows): the last 2N − 2 rows of a file are never labelled. `'to-end'`
 * labels every row the rule can reach, up to n − N.
 */
export function coveringLabels(
  high: readonly boolean[],
  rows: number,
  window: number,
  reach: 'notebook' | 'to-end',
): number[] {
  const N = window;
  // Sized by rows, not windows + N − 1: a file shorter than a window has no windows but rows.
  const last = reach === 'notebook' ? rows - 2 * N + 1 : rows - N;
  const out = new Array<number>(rows).fill(0);
  for (let i = N - 1; i <= last; i++) {
    let all = true;
    for (let w = i - N + 1; all && w < i; w++) all = high[w] === true;
    out[i] = all ? 1 : 0;
  }
  return out;
}
