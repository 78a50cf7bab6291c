import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { registerConvFilterGradient } from '../../../runtime/models/conv-filter-gradient.js';
import { chooseBackend } from '../../../runtime/models/tf-backend.js';

/** The filter gradient by definition, in plain loops: the reference. */
function reference(
  x: number[][][][],
  dy: number[][][][],
  f: [number, number, number, number],
  s: number,
  pt: number,
  pl: number,
): number[] {
  const [fh, fw, ci, co] = f;
  const out = new Array<number>(fh * fw * ci * co).fill(0);
  for (let b = 0; b < x.length; b++)
    for (let p = 0; p < (dy[b]?.length ?? 0); p++)
      for (let q = 0; q < (dy[b]?.[p]?.length ?? 0); q++)
        for (let i = 0; i < fh; i++)
          for (let j = 0; j < fw; j++) {
            const row = x[b]?.[p * s + i - pt];
            const v = row?.[q * s + j - pl];
            if (!v) continue;
            for (let c = 0; c < ci; c++)
              for (let k = 0; k < co; k++)
                out[((i * fw + j) * ci + c) * co + k] =
                  (out[((i * fw + j) * ci + c) * co + k] ?? 0) +
                  (v[c] ?? 0) * (dy[b]?.[p]?.[q]?.[k] ?? 0);
          }
  return out;
}

describe('the conv filter gradient for wasm', () => {
  it.each([
    [1, 'same' as const],
    [2, 'same' as const],
    [1, 'valid' as const],
    [2, 'valid' as const],
  ])('matches the definition at stride %i, %s padding', async (stride, pad) => {
    await chooseBackend(['wasm']);
    registerConvFilterGradient(tf, 'wasm');
    const x = tf.randomNormal<tf.Rank.R4>([2, 7, 9, 3], 0, 1, 'float32', 1);
    const filter = tf.randomNormal<tf.Rank.R4>([3, 3, 3, 4], 0, 1, 'float32', 2);
    const y = tf.conv2d(x, filter, stride, pad);
    const dy = tf.randomNormal<tf.Rank.R4>(y.shape, 0, 1, 'float32', 3);
    const grad = tf.grad((w: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(x, w as tf.Tensor4D, stride, pad), dy)),
    )(filter);
    const [h, w] = [7, 9];
    const [oh, ow] = [y.shape[1], y.shape[2]];
    const pt = pad === 'same' ? Math.floor(Math.max(0, (oh - 1) * stride + 3 - h) / 2) : 0;
    const pl = pad === 'same' ? Math.floor(Math.max(0, (ow - 1) * stride + 3 - w) / 2) : 0;
    const want = reference(await x.array(), await dy.array(), [3, 3, 3, 4], stride, pt, pl);
    const got = Array.from(await grad.data());
    expect(got).toHaveLength(want.length);
    got.forEach((g, i) => expect(g).toBeCloseTo(want[i] ?? NaN, 3));
    tf.dispose([x, filter, y, dy, grad]);
  });

  it('lets a conv layer train on wasm, without leaking tensors', async () => {
    await chooseBackend(['wasm']);
    registerConvFilterGradient(tf, 'wasm');
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [8, 8, 1],
          filters: 4,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
        }),
        tf.layers.globalAveragePooling2d({}),
        tf.layers.dense({ units: 1 }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
    const xs = tf.randomNormal([64, 8, 8, 1], 0, 1, 'float32', 4);
    const ys = tf.mean(xs, [1, 2, 3]).reshape([64, 1]);
    const first = await model.fit(xs, ys, { epochs: 1, batchSize: 16, verbose: 0 });
    await model.fit(xs, ys, { epochs: 3, batchSize: 16, verbose: 0 });
    const before = tf.memory().numTensors;
    const last = await model.fit(xs, ys, { epochs: 5, batchSize: 16, verbose: 0 });
    await new Promise((r) => setTimeout(r, 0));
    expect(tf.memory().numTensors).toBe(before);
    expect(Number(last.history.loss?.at(-1))).toBeLessThan(Number(first.history.loss?.[0]));
    tf.dispose([xs, ys]);
    model.dispose();
  });
});
