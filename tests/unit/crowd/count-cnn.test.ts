import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildCountCnn,
  countModelFrom,
  densityTarget,
  FRAME_SHAPE,
  MAP_CELLS,
} from '../../../models/crowd/count-cnn.js';
import { chooseBackend, type Tf } from '../../../runtime/models/tf-backend.js';

let tf: Tf;
beforeAll(async () => {
  ({ tf } = await chooseBackend(['wasm', 'cpu']));
});

describe('the counting CNN’s density targets', () => {
  it('puts each head’s unit of mass in the 4 × 4-pixel cell it is seen in, and sums to the count', () => {
    // One head in the middle of cell (row 2, column 5), one on the frame's corner.
    const map = densityTarget([
      { col: 22, row: 10 },
      { col: 0.2, row: 0.3 },
    ]);
    expect(map).toHaveLength(MAP_CELLS);
    expect(map.reduce((a, b) => a + b, 0)).toBeCloseTo(2, 5);
    expect(map[2 * 8 + 5]).toBeGreaterThan(0.9);
    // Cut at the frame's edge and scaled back to one, not lost.
    expect(map[0]).toBeCloseTo(1, 5);
    expect(Math.max(...densityTarget([]))).toBe(0);
  });
});

describe('the counting model', () => {
  it('carries the trained density network and adds its map up: the count', () => {
    const density = buildCountCnn(tf, 3, false);
    const counter = countModelFrom(tf, density, 9);
    const frames = tf.randomUniform([2, ...FRAME_SHAPE], 0, 3, 'float32', 1);
    const maps = (density.predict(frames) as ReturnType<typeof tf.zeros>).sum(1).dataSync();
    const counts = (counter.predict(frames) as ReturnType<typeof tf.zeros>).dataSync();
    expect(counts[0]).toBeCloseTo(maps[0] ?? NaN, 3);
    expect(counts[1]).toBeCloseTo(maps[1] ?? NaN, 3);
    // The sum is fixed: training the counter cannot turn it into another readout.
    const sum = counter.layers.at(-1);
    expect(sum?.trainable).toBe(false);
    frames.dispose();
    density.dispose();
    counter.dispose();
  });
});
