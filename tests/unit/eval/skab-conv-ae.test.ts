import { beforeAll, describe, expect, it } from 'vitest';
import type * as tfTypes from '@tensorflow/tfjs';
import { chooseBackend, type Tf } from '../../../runtime/models/tf-backend.js';
import {
  buildNotebookConvAe,
  CONV_AE_DEFAULTS,
  evaluateSkabConvAe,
  fitWithEarlyStopping,
} from '../../../scripts/eval/skab-conv-ae.js';
import { scoreWindows } from '../../../runtime/models/window-autoencoder.js';
import { skabSet, twoChannelFile } from '../../harness/skab-set.js';

let tf: Tf;
beforeAll(async () => {
  ({ tf } = await chooseBackend(['wasm', 'cpu']));
});

describe("the notebook's Conv-AE", () => {
  it('rebuilds one channel and hands it to every input channel, as Keras broadcasts it', () => {
    const model = buildNotebookConvAe(tf, 12, 3, 1);
    const x = tf.randomNormal([2, 12, 3], 0, 1, 'float32', 7);
    const y = model.predict(x) as tfTypes.Tensor3D;
    expect(y.shape).toEqual([2, 12, 3]);
    const v = y.arraySync();
    for (const w of v) for (const row of w) expect(new Set(row).size).toBe(1);
    // Only the convolutions learn: the broadcast is fixed.
    expect(model.trainableWeights.length).toBe(10);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('refuses a window the two stride-2 layers cannot halve twice', () => {
    expect(() => buildNotebookConvAe(tf, 10, 3, 1)).toThrow(/10 rows is not a multiple of 4/);
  });

  it("scores a window by its mean absolute error: the notebook's sum over channels, over their number", () => {
    const model = buildNotebookConvAe(tf, 4, 2, 3);
    const windows = Float32Array.from([1, -2, 0.5, 3, -1, 0, 2, 2, 0, 1, 4, -3, 2, 2, 1, 1]);
    const predicted = (
      model.predict(tf.tensor3d(windows, [2, 4, 2])) as tfTypes.Tensor3D
    ).arraySync();
    // The notebook: np.sum(np.mean(np.abs(X - pred), axis=1), axis=1).
    const notebook = predicted.map((w, n) => {
      let sum = 0;
      for (let c = 0; c < 2; c++) {
        let s = 0;
        for (let t = 0; t < 4; t++)
          s += Math.abs((windows[n * 8 + t * 2 + c] ?? 0) - (w[t]?.[c] ?? 0));
        sum += s / 4;
      }
      return sum;
    });
    const got = Array.from(scoreWindows(tf, model, windows, 8, 'absolute', [4, 2]));
    expect(got[0]).toBeCloseTo((notebook[0] ?? NaN) / 2, 5);
    expect(got[1]).toBeCloseTo((notebook[1] ?? NaN) / 2, 5);
    model.dispose();
  });

  it('stops training once the held-back windows stop improving', async () => {
    // All-zero windows: after a few epochs the loss cannot fall further.
    const model = buildNotebookConvAe(tf, 8, 2, 5);
    const epochs = await fitWithEarlyStopping(tf, model, new Float32Array(40 * 16), [8, 2], {
      maxEpochs: 200,
      patience: 3,
      validationFraction: 0.1,
      batchSize: 32,
      seed: 1,
    });
    expect(epochs).toBeGreaterThanOrEqual(4);
    expect(epochs).toBeLessThan(200);
    await expect(
      fitWithEarlyStopping(tf, model, new Float32Array(1 * 16), [8, 2], {
        maxEpochs: 5,
        patience: 3,
        validationFraction: 0.1,
        batchSize: 32,
        seed: 1,
      }),
    ).rejects.toThrow(/too few training windows \(1\)/);
    model.dispose();
  });

  it('finds a channel that leaves the common course, scored as the per-file detector is', async () => {
    // The second channel sticks far above the channels' common course (which is flat). One that
    // merely stops following, at its usual level, hardly moves that course: this network
    // barely sees it.
    const set = skabSet(100, [twoChannelFile('valve1/0.csv', 400, 260, 4)]);
    const r = await evaluateSkabConvAe(tf, set, {
      ...CONV_AE_DEFAULTS,
      trainRows: 200,
      window: 8,
    });
    const { covering, streaming } = r;
    // Test rows 200..399: 60 normal, 140 anomalous.
    expect(streaming.binary.tp + streaming.binary.fn).toBe(140);
    expect(streaming.binary.fp).toBe(0);
    expect(streaming.binary.f1).toBeGreaterThan(0.9);
    expect(covering.binary.fp).toBe(0);
    expect(covering.wholeFile.tn).toBe(covering.binary.tn + 200);
    expect(r.epochs).toHaveLength(1);
    expect(r.files.map((f) => f.name)).toEqual(['valve1/0.csv']);
  });

  it('names the experiment too short to train on', async () => {
    const set = skabSet(100, [
      twoChannelFile('valve2/3.csv', 500),
      twoChannelFile('other/9.csv', 8),
    ]);
    await expect(
      evaluateSkabConvAe(tf, set, { ...CONV_AE_DEFAULTS, trainRows: 20, window: 8, maxEpochs: 2 }),
    ).rejects.toThrow(/^other\/9\.csv: Conv-AE: too few training windows \(1\)/);
  });
});
