import { seededRandom } from '../../runtime/shared/seeded-random.js';

/** A DN80 water main: flow follows the day (night minimum, morning and evening peaks), the
 * net total integrates it, and the pressure sags at the peaks. */
export class WaterMainModel {
  private readonly random: () => number;
  private lastMs?: number;
  private netM3: number;
  /** Pipe cross-section, m² (DN80). */
  private readonly area = Math.PI * 0.04 ** 2;

  constructor(options: { seed?: number; startM3?: number } = {}) {
    this.random = seededRandom(options.seed ?? 11);
    this.netM3 = options.startM3 ?? 48_213.375;
  }

  at(wallMs: number): {
    flowRate: number;
    velocity: number;
    netVolume: number;
    inletTemperature: number;
    pressure: number;
  } {
    const hour = (wallMs / 3_600_000) % 24;
    const peak = (h: number, width: number): number => Math.exp(-(((hour - h) / width) ** 2));
    const flowRate =
      0.6 +
      5.5 * peak(7.5, 1.5) +
      4 * peak(19, 2) +
      1.5 * peak(13, 3) +
      (this.random() - 0.5) * 0.2;
    if (this.lastMs !== undefined && wallMs > this.lastMs)
      this.netM3 += (flowRate * (wallMs - this.lastMs)) / 3_600_000;
    this.lastMs = wallMs;
    return {
      flowRate,
      velocity: flowRate / 3600 / this.area,
      netVolume: this.netM3,
      inletTemperature: 11.5 + (this.random() - 0.5) * 0.1,
      // Supply pressure sags with demand (friction loss grows with the square of the flow).
      pressure: 3.6 - 0.012 * flowRate * flowRate + (this.random() - 0.5) * 0.02,
    };
  }
}
