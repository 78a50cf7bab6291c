import { describe, expect, it } from 'vitest';
import { thermalExcess } from '../../../runtime/models/thermal-excess.js';

const W = 32;
const H = 24;
/** A ground at `groundC` that warms by `gradientC` from the top row to the bottom one. */
function ground(groundC: number, gradientC = 0): Float32Array {
  return Float32Array.from(
    { length: W * H },
    (_, i) => groundC + (gradientC * Math.floor(i / W)) / (H - 1),
  );
}

describe('thermal excess (what the crowd model sees)', () => {
  it('reads warmth over the ground as a share of a person’s contrast, alike on cold and hot days', () => {
    const at = 12 * W + 16;
    const cold = ground(10);
    cold[at] = 22;
    const hot = ground(30);
    hot[at] = 32;
    const c = thermalExcess(cold, W, H);
    const h = thermalExcess(hot, W, H);
    expect(c[0]).toBeCloseTo(0, 5);
    // Half-way from the ground to skin temperature on both days.
    expect(c[at]).toBeCloseTo(h[at] ?? NaN, 5);
    expect(c[at]).toBeCloseTo(2, 5);
  });

  it('follows the ground’s gradient and a warm patch, so neither looks like people', () => {
    const frame = ground(20, 4);
    // A sunlit patch 8 × 8 pixels, 1.5 °C warmer: bigger than any person at these mounts.
    for (let y = 4; y < 12; y++)
      for (let x = 4; x < 12; x++) frame[y * W + x] = (frame[y * W + x] ?? 0) + 1.5;
    const person = 18 * W + 24;
    frame[person] = (frame[person] ?? 0) + 7;
    const x = thermalExcess(frame, W, H);
    const others = Array.from(x).filter((_, i) => i !== person);
    // The ground reads within a quarter of a person anywhere (the patch's rim and the first
    // block row lag a little). Against the frame's median alone, the patch and the gradient's
    // ends would read up to 0.7.
    expect(Math.max(...others.map(Math.abs))).toBeLessThan(0.6);
    expect(x[person]).toBeGreaterThan(1.5);
  });

  it('reads a dead pixel as ground, clips a lamp, and refuses a frame of the wrong size', () => {
    const frame = ground(20);
    frame[5] = -40;
    frame[6] = 95;
    const x = thermalExcess(frame, W, H);
    expect(x[5]).toBe(0);
    expect(x[6]).toBe(12);
    expect(() => thermalExcess(new Float32Array(10), W, H)).toThrow(
      /32 × 24 has 768 pixels, got 10/,
    );
  });
});
