import type * as tfTypes from '@tensorflow/tfjs';
import { seededRandom } from '../shared/seeded-random.js';
import type { Tf } from './tf-backend.js';

/**
 * A small dense autoencoder over sliding windows of several channels: a window of `window` rows
 * × `features` channels (normalised) goes in flattened, is squeezed through a bottleneck and
 * rebuilt; how badly it is rebuilt (mean squared error) is the window's anomaly score. Dense
 * layers train on every backend (the wasm backend has no gradient for convolution filters).
 */
export interface AutoencoderShape {
  window: number;
  features: number;
  hidden: number;
  bottleneck: number;
}

/** With a `seed`, the initial weights are the same on every run (with `trainAutoencoder`'s
 * seed, so is the trained model on one backend). */
export function buildAutoencoder(tf: Tf, s: AutoencoderShape, seed?: number): tfTypes.LayersModel {
  const inputs = s.window * s.features;
  const init = (
    layer: number,
  ): { kernelInitializer?: ReturnType<Tf['initializers']['glorotUniform']> } =>
    seed === undefined
      ? {}
      : { kernelInitializer: tf.initializers.glorotUniform({ seed: seed + layer }) };
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: s.hidden, inputShape: [inputs], activation: 'relu', ...init(0) }),
      tf.layers.dense({ units: s.bottleneck, activation: 'relu', ...init(1) }),
      tf.layers.dense({ units: s.hidden, activation: 'relu', ...init(2) }),
      tf.layers.dense({ units: inputs, ...init(3) }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.003), loss: 'meanSquaredError' });
  return model;
}

/** Every window of `window` consecutive rows, flattened, ending at rows window-1 … n-1. */
export function slidingWindows(rows: readonly (readonly number[])[], window: number): Float32Array {
  const features = rows[0]?.length ?? 0;
  const count = Math.max(0, rows.length - window + 1);
  const out = new Float32Array(count * window * features);
  for (let w = 0; w < count; w++)
    for (let r = 0; r < window; r++) out.set(rows[w + r] ?? [], (w * window + r) * features);
  return out;
}

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  /** Shuffles with a seeded generator instead of tfjs's Math.random. */
  seed?: number;
  onEpoch?: (epoch: number, loss: number) => void;
}

/** Trains on windows known to be normal; returns the final training loss. */
export function trainAutoencoder(
  tf: Tf,
  model: tfTypes.LayersModel,
  windows: Float32Array,
  inputs: number,
  o: TrainOptions,
): Promise<number> {
  return fitSeeded(tf, model, { x: windows, inputs }, undefined, o);
}

/**
 * Fits `model` on rows of `x` (to rows of `y`, or to themselves), one epoch at a time; with a
 * seed, on rows shuffled by our own generator (tfjs shuffles with Math.random, which cannot be
 * seeded), so a run repeats exactly. Returns the final training loss.
 */
export async function fitSeeded(
  tf: Tf,
  model: tfTypes.LayersModel,
  x: { x: Float32Array; inputs: number; shape?: number[] },
  y: { y: Float32Array; outputs: number } | undefined,
  o: TrainOptions,
): Promise<number> {
  const n = x.x.length / x.inputs;
  const random = o.seed === undefined ? undefined : seededRandom(o.seed);
  let last = NaN;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    const order = random ? shuffledOrder(n, random) : undefined;
    const xs = tf.tensor(order ? reorder(x.x, x.inputs, order) : x.x, [
      n,
      ...(x.shape ?? [x.inputs]),
    ]);
    const ys = y ? tf.tensor2d(order ? reorder(y.y, y.outputs, order) : y.y, [n, y.outputs]) : xs;
    try {
      const h = await model.fit(xs, ys, {
        epochs: 1,
        batchSize: o.batchSize,
        shuffle: !random,
        verbose: 0,
      });
      last = Number(h.history.loss?.[0] ?? NaN);
    } finally {
      xs.dispose();
      if (ys !== xs) ys.dispose();
    }
    o.onEpoch?.(epoch + 1, last);
  }
  return last;
}

/** 0 … n−1 in a Fisher–Yates order drawn from `random`. */
function shuffledOrder(n: number, random: () => number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] ?? j, order[i] ?? i];
  }
  return order;
}

/** Rows of `width` values, in `order`. */
function reorder(rows: Float32Array, width: number, order: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length);
  order.forEach((from, to) => out.set(rows.subarray(from * width, (from + 1) * width), to * width));
  return out;
}

/**
 * Reconstruction error of each window: the mean squared error over its values, or with
 * `'absolute'` the mean absolute error (SKAB's Conv-AE residual, up to a constant factor: one
 * channel far off counts in proportion, not squared). `shape` is the shape of one window as the
 * model takes it (default: flat, `[inputs]`; a convolutional model takes `[rows, channels]`).
 */
export function scoreWindows(
  tf: Tf,
  model: tfTypes.LayersModel,
  windows: Float32Array,
  inputs: number,
  error: 'squared' | 'absolute' = 'squared',
  shape: readonly number[] = [inputs],
): Float32Array {
  const n = windows.length / inputs;
  if (n === 0) return new Float32Array(0);
  return tf.tidy(() => {
    const x = tf.tensor(windows, [n, ...shape]);
    const y = model.predict(x, { batchSize: 256 }) as tfTypes.Tensor;
    const e = error === 'squared' ? tf.squaredDifference(x, y) : tf.abs(tf.sub(x, y));
    return tf.mean(tf.reshape(e, [n, inputs]), 1).dataSync() as Float32Array;
  });
}

/**
 * Each window's score (as `scoreWindows` gives it, squared error) and how it splits over the
 * features: `byFeature[w × features + j]` is feature j's mean squared error over window w's
 * rows, so a window's score is the mean of its features' errors. The feature with the largest
 * error is the one the model could least rebuild from the others: where the learnt pattern
 * broke, which is not always the feature furthest from its mean (a reading stuck at its usual
 * value never is that). A window is flat, row after row of `features` values.
 */
export function scoreWindowsByFeature(
  tf: Tf,
  model: tfTypes.LayersModel,
  windows: Float32Array,
  inputs: number,
  features: number,
): { scores: Float32Array; byFeature: Float32Array } {
  const n = windows.length / inputs;
  if (n === 0) return { scores: new Float32Array(0), byFeature: new Float32Array(0) };
  if (inputs % features !== 0)
    throw new Error(`a window of ${inputs} values is not whole rows of ${features} features`);
  return tf.tidy(() => {
    const x = tf.tensor(windows, [n, inputs]);
    const y = model.predict(x, { batchSize: 256 }) as tfTypes.Tensor;
    const e = tf.squaredDifference(x, y);
    return {
      scores: tf.mean(e, 1).dataSync() as Float32Array,
      byFeature: tf
        .mean(tf.reshape(e, [n, inputs / features, features]), 1)
        .dataSync() as Float32Array,
    };
  });
}

/** Several runs of windows as one array (windows never span two runs: a gap, another file). */
export function concatWindows(parts: readonly Float32Array[]): Float32Array {
  const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

/** The `q` quantile of scores (nearest rank below): thresholds and drift references. */
export function scoreQuantile(xs: Float32Array, q: number): number {
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor(q * (s.length - 1)))] ?? 0;
}

/** Each feature's mean and spread over `rows` (a spread of at least 1e-6, so a constant feature
 * does not divide by zero). */
export function fitNormalisation(rows: readonly (readonly number[])[]): {
  mean: number[];
  std: number[];
} {
  const F = rows[0]?.length ?? 0;
  const n = Math.max(1, rows.length);
  const mean = Array.from({ length: F }, (_, j) => rows.reduce((s, r) => s + (r[j] ?? 0), 0) / n);
  const std = mean.map((m, j) =>
    Math.max(1e-6, Math.sqrt(rows.reduce((s, r) => s + ((r[j] ?? 0) - m) ** 2, 0) / n)),
  );
  return { mean, std };
}

export function normalise(
  rows: readonly (readonly number[])[],
  n: { mean: readonly number[]; std: readonly number[] },
): number[][] {
  return rows.map((r) => r.map((v, j) => (v - (n.mean[j] ?? 0)) / (n.std[j] ?? 1)));
}
