import type * as tfTypes from '@tensorflow/tfjs';
import type { Tf } from '../../runtime/models/tf-backend.js';
import { thermalContrast } from '../../runtime/models/thermal-contrast.js';
import { seededRandom, uniform } from '../../runtime/shared/seeded-random.js';
import { HEIGHT, ThermalScene, WIDTH, type ThermalSettings } from './thermal-generator.js';

export const FRAME_SHAPE = [HEIGHT, WIDTH, 1];
export const FRAME_PIXELS = HEIGHT * WIDTH;

/**
 * A small CNN that counts people in a thermal frame: two 3 × 3 convolutions at full
 * resolution, pooling, one more, pooling, then a 1 × 1 convolution to a non-negative density
 * per cell; the count is the (scaled) sum of the density map, so a crowd twice as large reads
 * as twice the density rather than as a new pattern. About 7,000 parameters.
 */
export function buildCountCnn(tf: Tf, seed: number): tfTypes.LayersModel {
  const init = (k: number): { kernelInitializer: ReturnType<Tf['initializers']['heNormal']> } => ({
    kernelInitializer: tf.initializers.heNormal({ seed: seed + k }),
  });
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: FRAME_SHAPE,
        filters: 16,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        ...init(0),
      }),
      tf.layers.conv2d({
        filters: 16,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        ...init(1),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({
        filters: 32,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        ...init(2),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 1, kernelSize: 1, activation: 'relu', ...init(3) }),
      // The count is the sum of the density map (a dense layer starting at all ones).
      tf.layers.flatten({}),
      tf.layers.dense({ units: 1, kernelInitializer: 'ones', biasInitializer: 'zeros' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.003), loss: 'meanSquaredError' });
  return model;
}

/** The generator settings the shipped model trains on: a range of mounts, weather and scenes. */
export interface TrainingRange {
  heightM: [number, number];
  ambientC: [number, number];
  noiseC: [number, number];
  people: [number, number];
}

export const TRAINING_RANGE: TrainingRange = {
  heightM: [3, 6],
  ambientC: [0, 26],
  noiseC: [0.1, 0.4],
  people: [0, 22],
};

/** Settings for one training frame, drawn from the range with `random`. */
export function drawSettings(
  random: () => number,
  range: TrainingRange,
  seed: number,
): Partial<ThermalSettings> {
  return {
    heightM: uniform(random, ...range.heightM),
    ambientC: uniform(random, ...range.ambientC),
    groundOffsetC: uniform(random, -3, 5),
    gradientC: uniform(random, -2, 3),
    noiseC: uniform(random, ...range.noiseC),
    people: Math.floor(uniform(random, range.people[0], range.people[1] + 1)),
    groups: uniform(random, 0, 0.5),
    lamps: random() < 0.3 ? 1 : 0,
    cars: Math.floor(uniform(random, 0, 2.5)),
    dogs: random() < 0.3 ? 1 : 0,
    deadPixels: Math.floor(uniform(random, 0, 4)),
    seed,
  };
}

/** `n` frames, prepared as the model sees them, and their true counts. */
export function frameSet(
  n: number,
  settings: (i: number) => Partial<ThermalSettings>,
  onFrame?: (done: number) => void,
): { x: Float32Array; y: Float32Array } {
  const x = new Float32Array(n * FRAME_PIXELS);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const f = new ThermalScene(settings(i)).frame();
    thermalContrast(f.pixels, x.subarray(i * FRAME_PIXELS, (i + 1) * FRAME_PIXELS));
    y[i] = f.count;
    if (i % 500 === 0) onFrame?.(i);
  }
  return { x, y };
}

/** Training frames drawn over the training range, deterministic for a seed. */
export function trainingSet(
  n: number,
  seed: number,
  range: TrainingRange = TRAINING_RANGE,
  onFrame?: (done: number) => void,
): { x: Float32Array; y: Float32Array } {
  const random = seededRandom(seed);
  return frameSet(n, (i) => drawSettings(random, range, seed * 1_000_003 + i), onFrame);
}
