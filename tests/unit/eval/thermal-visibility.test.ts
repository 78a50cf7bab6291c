import { describe, expect, it } from 'vitest';
import { thermalVisibility } from '../../../scripts/eval/thermal-visibility.js';

describe('thermal visibility', () => {
  it('sees a person stand out less from a higher mount and on a warmer evening', () => {
    const low = thermalVisibility({ heightM: 4, ambientC: 18, noiseC: 0.25 }, 60, 1);
    const high = thermalVisibility({ heightM: 7, ambientC: 18, noiseC: 0.25 }, 60, 1);
    const hot = thermalVisibility({ heightM: 7, ambientC: 30, noiseC: 0.25 }, 60, 1);
    expect(high.personPeakMedianC).toBeLessThan(low.personPeakMedianC);
    expect(hot.personPeakMedianC).toBeLessThan(high.personPeakMedianC);
    expect(hot.personPeakP5C).toBeLessThanOrEqual(hot.personPeakMedianC);
    // At 4 m and 18 °C every person is far above the noise.
    expect(low.belowNoise).toBe(0);
    expect(low.personPeakP5C).toBeGreaterThan(3 * low.noisePeakMedianC);
  });

  it('puts the warmest noise pixel at about three standard deviations over 768 pixels', () => {
    const quiet = thermalVisibility({ noiseC: 0 }, 20, 2);
    const noisy = thermalVisibility({ noiseC: 0.5 }, 40, 2);
    expect(quiet.noisePeakMedianC).toBeCloseTo(0, 6);
    // The largest of 768 standard normal draws has a median near 3.0.
    expect(noisy.noisePeakMedianC / 0.5).toBeGreaterThan(2.6);
    expect(noisy.noisePeakMedianC / 0.5).toBeLessThan(3.5);
  });

  it('counts the people no warmer than the noise', () => {
    // At 30 °C skin is only 4 °C over the air; with 1.5 °C of noise most people drown.
    const drowned = thermalVisibility({ heightM: 7, ambientC: 30, noiseC: 1.5 }, 60, 3);
    expect(drowned.belowNoise).toBeGreaterThan(0.5);
  });
});
