import { ThermalScene, type ThermalSettings } from '../../models/crowd/thermal-generator.js';

export interface Visibility {
  /** A lone person's warmest pixel over the ground, without noise, °C: 5th percentile, median. */
  personPeakP5C: number;
  personPeakMedianC: number;
  /** The warmest pixel of an empty frame over the ground, from noise alone: median, °C. */
  noisePeakMedianC: number;
  /** Share of lone people whose warmest pixel is below the median warmest noise pixel. */
  belowNoise: number;
}

/**
 * How well one frame can show a person at these settings, independent of any model: a lone
 * person's warmest pixel above the ground (no noise, no patches or gradient, so the ground is
 * one temperature; no distractors or dead pixels) against the warmest pixel that noise alone
 * puts in an empty frame. Where the two are close, a single frame cannot tell every person from
 * noise, and a count per frame carries that doubt whatever the model.
 */
export function thermalVisibility(
  settings: Partial<ThermalSettings>,
  trials: number,
  seed: number,
): Visibility {
  // Nothing else warm or cold in view: the warmest pixel is the person's, or the noise's.
  const plain = { ...settings, patchC: 0, gradientC: 0, lamps: 0, cars: 0, dogs: 0, deadPixels: 0 };
  const peaks: number[] = [];
  for (let i = 0; peaks.length < trials && i < trials * 4; i++) {
    const scene = new ThermalScene({ ...plain, noiseC: 0, people: 1, seed: seed + i });
    // A person whose head falls outside the frame is not one the counter should see.
    if (scene.count() !== 1) continue;
    peaks.push(overGround(scene));
  }
  const noise: number[] = [];
  for (let i = 0; i < trials; i++)
    noise.push(overGround(new ThermalScene({ ...plain, people: 0, seed: seed + 7_919 + i })));
  peaks.sort((a, b) => a - b);
  noise.sort((a, b) => a - b);
  const noiseMedian = quantile(noise, 0.5);
  return {
    personPeakP5C: quantile(peaks, 0.05),
    personPeakMedianC: quantile(peaks, 0.5),
    noisePeakMedianC: noiseMedian,
    belowNoise: peaks.filter((p) => p < noiseMedian).length / Math.max(1, peaks.length),
  };
}

/** The frame's warmest pixel less the ground's temperature (air plus the ground's offset). */
function overGround(scene: ThermalScene): number {
  const s = scene.settings;
  let max = -Infinity;
  for (const t of scene.frame().pixels) if (t > max) max = t;
  return max - (s.ambientC + s.groundOffsetC);
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.round(q * (sorted.length - 1))] ?? NaN;
}
