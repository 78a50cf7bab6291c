import type * as tfTypes from '@tensorflow/tfjs';
import { registerConvFilterGradient } from '../../runtime/models/conv-filter-gradient.js';
import type { Tf } from '../../runtime/models/tf-backend.js';
import {
  fitSeeded,
  scoreQuantile,
  scoreWindows,
  slidingWindows,
} from '../../runtime/models/window-autoencoder.js';
import type { SkabSet } from './skab-data.js';
import { scorePerFile, type PerFileResult } from './skab-per-file.js';

/**
 * The published best detector's own network, re-run on the same files and scored the same way
 * as ours, so the report can say how the leaderboard's Conv-AE does on this split (a yardstick,
 * not a detector the gateway runs). As SKAB builds it (`core/Conv_AE.py` in waico/SKAB):
 * - two 1-D convolutions, 32 and 16 filters, kernel 7, stride 2, ReLU, dropout 0.2 after the
 *   first; two transposed ones back, 16 and 32 filters, dropout 0.2 after the first; a last
 *   transposed convolution to **one** channel, kernel 7;
 * - Adam at 0.001, mean squared error, batches of 32, up to 100 epochs, stopped when the loss on
 *   the last 10 % of the training windows has not fallen for 5 epochs (Keras's
 *   `validation_split` and `EarlyStopping`, weights of the last epoch kept);
 * - trained from scratch on each file's first 400 rows (its own scaler);
 * - a window's residual: over channels, the sum of the mean absolute error over time. Here
 *   the mean over all its values (`scoreWindows`), which is that sum over the number of
 *   channels: the same order of windows, so the same labels against a threshold taken from
 *   the same residuals.
 *
 * The one-channel output is kept: Keras's loss broadcasts it against all input channels, so the
 * network learns to rebuild their common course and its residual measures how far each channel
 * strays from it. Here a fixed all-ones dense layer does that broadcast (tfjs refuses a target
 * of another shape), which leaves the loss and the residual as Keras computes them.
 */
export interface ConvAeOptions {
  trainRows: number;
  /** Rows per window; a multiple of 4 (two stride-2 layers down, two up). */
  window: number;
  maxEpochs: number;
  patience: number;
  validationFraction: number;
  batchSize: number;
  thresholdQuantile: number;
  thresholdFactor: number;
  seed: number;
  onFile?: (done: number, total: number) => void;
}

export const CONV_AE_DEFAULTS: ConvAeOptions = {
  trainRows: 400,
  window: 60,
  maxEpochs: 100,
  patience: 5,
  validationFraction: 0.1,
  batchSize: 32,
  thresholdQuantile: 0.999,
  thresholdFactor: 4 / 3,
  seed: 20261121,
};

export function buildNotebookConvAe(
  tf: Tf,
  window: number,
  features: number,
  seed: number,
): tfTypes.LayersModel {
  if (window % 4 !== 0)
    throw new Error(`Conv-AE: a window of ${String(window)} rows is not a multiple of 4`);
  const init = (
    layer: number,
  ): { kernelInitializer: ReturnType<Tf['initializers']['glorotUniform']> } => ({
    kernelInitializer: tf.initializers.glorotUniform({ seed: seed + layer }),
  });
  // tfjs has no 1-D transposed convolution: a 2-D one over a column of width 1 is the same.
  const up = (filters: number, strides: number, layer: number, activation?: 'relu') =>
    tf.layers.conv2dTranspose({
      filters,
      kernelSize: [7, 1],
      strides: [strides, 1],
      padding: 'same',
      ...(activation ? { activation } : {}),
      ...init(layer),
    });
  const model = tf.sequential({
    layers: [
      tf.layers.conv1d({
        inputShape: [window, features],
        filters: 32,
        kernelSize: 7,
        strides: 2,
        padding: 'same',
        activation: 'relu',
        ...init(0),
      }),
      tf.layers.dropout({ rate: 0.2, seed: seed + 10 }),
      tf.layers.conv1d({
        filters: 16,
        kernelSize: 7,
        strides: 2,
        padding: 'same',
        activation: 'relu',
        ...init(1),
      }),
      tf.layers.reshape({ targetShape: [window / 4, 1, 16] }),
      up(16, 2, 2, 'relu'),
      tf.layers.dropout({ rate: 0.2, seed: seed + 11 }),
      up(32, 2, 3, 'relu'),
      up(1, 1, 4),
      tf.layers.reshape({ targetShape: [window, 1] }),
      tf.layers.dense({
        units: features,
        useBias: false,
        trainable: false,
        kernelInitializer: 'ones',
      }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.001), loss: 'meanSquaredError' });
  return model;
}

/**
 * Keras's `fit(validation_split, EarlyStopping(patience))`: the last `validationFraction` of
 * the windows (unshuffled) judge each epoch; training stops after `patience` epochs without a
 * lower validation loss. Epochs are shuffled by our seeded generator. Returns the epochs run.
 */
export async function fitWithEarlyStopping(
  tf: Tf,
  model: tfTypes.LayersModel,
  windows: Float32Array,
  shape: [number, number],
  o: Pick<ConvAeOptions, 'maxEpochs' | 'patience' | 'validationFraction' | 'batchSize'> & {
    seed: number;
  },
): Promise<number> {
  const backend = tf.getBackend();
  // The backends without a filter gradient of their own (wasm has none) need ours to train.
  if (backend === 'wasm' || backend === 'cpu') registerConvFilterGradient(tf, backend);
  const width = shape[0] * shape[1];
  const n = windows.length / width;
  const trainCount = Math.floor(n * (1 - o.validationFraction));
  if (trainCount < 1 || trainCount >= n)
    throw new Error(
      `Conv-AE: too few training windows (${String(n)}) to hold some back for validation`,
    );
  const train = windows.subarray(0, trainCount * width);
  const validation = tf.tensor3d(windows.subarray(trainCount * width), [n - trainCount, ...shape]);
  let best = Infinity;
  let wait = 0;
  let epoch = 0;
  try {
    while (epoch < o.maxEpochs) {
      await fitSeeded(tf, model, { x: train, inputs: width, shape }, undefined, {
        epochs: 1,
        batchSize: o.batchSize,
        seed: o.seed + epoch,
      });
      epoch++;
      const loss = tf.tidy(() =>
        (model.evaluate(validation, validation, { batchSize: 256 }) as tfTypes.Scalar).dataSync(),
      )[0];
      if (loss !== undefined && loss < best) {
        best = loss;
        wait = 0;
      } else if (++wait >= o.patience) break;
    }
  } finally {
    validation.dispose();
  }
  return epoch;
}

export type ConvAeResult = PerFileResult & { epochs: number[] };

/** The notebook's Conv-AE on every experiment, scored as `evaluateSkabPerFile` is. */
export async function evaluateSkabConvAe(
  tf: Tf,
  set: SkabSet,
  o: ConvAeOptions,
): Promise<ConvAeResult> {
  const t0 = performance.now();
  const F = set.anomalyFree.rows[0]?.length ?? 8;
  const N = o.window;
  const epochs: number[] = [];
  const scored = await scorePerFile(
    set,
    o.trainRows,
    N,
    async (rows, k) => {
      const model = buildNotebookConvAe(tf, N, F, o.seed + 100 * k);
      try {
        const train = slidingWindows(rows.slice(0, o.trainRows), N);
        epochs.push(
          await fitWithEarlyStopping(tf, model, train, [N, F], { ...o, seed: o.seed + k }),
        );
        const residuals = (w: Float32Array): Float32Array =>
          scoreWindows(tf, model, w, N * F, 'absolute', [N, F]);
        const threshold = scoreQuantile(residuals(train), o.thresholdQuantile) * o.thresholdFactor;
        return Array.from(residuals(slidingWindows(rows, N)), (s) => s > threshold);
      } finally {
        model.dispose();
      }
    },
    o.onFile,
  );
  return { ...scored, epochs, seconds: (performance.now() - t0) / 1000 };
}
