import { describe, expect, it } from 'vitest';
import { thermalContrast } from '../../../runtime/models/thermal-contrast.js';

describe('thermal contrast (what the crowd model sees)', () => {
  it('reads warmth over the ground as a share of a person’s contrast, alike on cold and hot days', () => {
    const frame = (ground: number, person: number): number[] => [
      ...new Array<number>(9).fill(ground),
      person,
    ];
    const cold = thermalContrast(frame(10, 22));
    const hot = thermalContrast(frame(30, 32));
    expect(cold[0]).toBe(0);
    // Half-way from the ground to skin temperature on both days.
    expect(cold[9]).toBeCloseTo(hot[9] ?? NaN, 5);
    expect(cold[9]).toBeCloseTo(2, 5);
  });

  it('reads a dead pixel as ground and clips a lamp', () => {
    const x = thermalContrast([20, 20, 20, 20, 20, -40, 95]);
    expect(x[5]).toBe(0);
    expect(x[6]).toBe(12);
  });
});
