import { describe, expect, it } from 'vitest';
import { gridPoint, groundGrid, toGroundGrid } from '../../../runtime/models/thermal-ground.js';

const grid = groundGrid({ frame: [24, 32], referenceHeightM: 4, maxHeightM: 7 });

/** A prepared 32 × 24 frame: 0 everywhere but one warm pixel. */
function onePixel(col: number, row: number): Float32Array {
  const f = new Float32Array(32 * 24);
  f[row * 32 + col] = 1;
  return f;
}

function mass(xs: Float32Array<ArrayBufferLike>): number {
  return xs.reduce((a, b) => a + b, 0);
}

function centroid(xs: Float32Array<ArrayBufferLike>, cols: number): { col: number; row: number } {
  let m = 0;
  let c = 0;
  let r = 0;
  xs.forEach((v, i) => {
    m += v;
    c += v * ((i % cols) + 0.5);
    r += v * (Math.floor(i / cols) + 0.5);
  });
  return { col: c / m, row: r / m };
}

describe('the ground grid', () => {
  it('fits frames up to its highest mount, in multiples of 4 cells', () => {
    // 32 × 7/4 = 56 columns, 24 × 7/4 = 42 rows → 44.
    expect(grid.grid).toEqual([44, 56]);
    expect(() => groundGrid({ frame: [24, 32], referenceHeightM: 5, maxHeightM: 4 })).toThrow(
      /referenceHeightM ≤ maxHeightM/,
    );
  });

  it('draws a warm pixel larger, by the mount height over the reference, where it is seen', () => {
    const at = { col: 20, row: 8 };
    for (const h of [3, 4, 7]) {
      const out = toGroundGrid(onePixel(at.col, at.row), h, grid);
      // One pixel covers (h / 4)² cells: its warmth over the ground it covers is kept.
      expect(mass(out)).toBeCloseTo((h / 4) ** 2, 1);
      const c = centroid(out, 56);
      const expected = gridPoint({ col: at.col + 0.5, row: at.row + 0.5 }, h, grid);
      expect(c.col).toBeCloseTo(expected.col, 0);
      expect(c.row).toBeCloseTo(expected.row, 0);
    }
  });

  it('leaves the grid beyond a low mount’s frame at 0, and fills it from the highest mount', () => {
    const warm = new Float32Array(32 * 24).fill(1);
    const low = toGroundGrid(warm, 3, grid);
    // At 3 m the frame spans 32 × 3/4 = 24 of 56 columns, centred.
    expect(low[22 * 56 + 5]).toBe(0);
    expect(low[22 * 56 + 28]).toBeCloseTo(1, 5);
    const high = toGroundGrid(warm, 7, grid);
    expect(high[22 * 56 + 1]).toBeCloseTo(1, 5);
  });

  it('refuses a frame of the wrong size and a mount the grid was not made for', () => {
    expect(() => toGroundGrid(new Float32Array(10), 4, grid)).toThrow(/32 × 24 frame has 768/);
    expect(() => toGroundGrid(new Float32Array(768), 8, grid)).toThrow(
      /mount height 8 m is outside this model's ground grid \(0–7 m\)/,
    );
  });
});
