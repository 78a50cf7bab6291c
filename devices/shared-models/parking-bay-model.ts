import { seededRandom } from '../../runtime/shared/seeded-random.js';

/** A parking bay seen from a sensor above it: a car comes and goes; the distance is to the
 * car's roof or bonnet when occupied, to the ground when free. Deterministic for a seed. */
export class ParkingBayModel {
  private readonly random: () => number;

  constructor(
    private readonly options: {
      seed?: number;
      groundMm?: number;
      carMm?: number;
      cycleMs?: number;
      occupiedShare?: number;
    } = {},
  ) {
    this.random = seededRandom(options.seed ?? 5);
  }

  occupied(wallMs: number): boolean {
    const cycle = this.options.cycleMs ?? 35 * 60_000;
    return (wallMs % cycle) / cycle < (this.options.occupiedShare ?? 0.55);
  }

  distanceMm(wallMs: number): number {
    const base = this.occupied(wallMs)
      ? (this.options.carMm ?? 540)
      : (this.options.groundMm ?? 2480);
    return base + (this.random() - 0.5) * 8;
  }
}
