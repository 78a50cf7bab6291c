import { seededRandom } from '../../runtime/shared/seeded-random.js';
import { GY_HEIGHT, GY_WIDTH } from './codec.js';

/**
 * A plain thermal scene for the GY-MCU90640 simulator: a background with a vertical gradient
 * and a few warm bodies walking across. (The crowd model's generator, with mount height,
 * occlusion and distractors, comes with the crowd-density work.)
 */
export class ThermalScene {
  private readonly random: () => number;

  constructor(
    private readonly options: { seed?: number; people?: number; ambientC?: number } = {},
  ) {
    this.random = seededRandom(options.seed ?? 9);
  }

  /** °C per pixel, row by row. */
  frame(wallMs: number): Float32Array {
    const ambient = this.options.ambientC ?? 21;
    const pixels = new Float32Array(GY_WIDTH * GY_HEIGHT);
    const people = Array.from({ length: this.options.people ?? 2 }, (_, i) => {
      const t = wallMs / 1000 / (8 + 3 * i);
      return { x: (GY_WIDTH * (t + i * 0.37)) % GY_WIDTH, y: 6 + ((i * 7) % 12) };
    });
    for (let y = 0; y < GY_HEIGHT; y++) {
      for (let x = 0; x < GY_WIDTH; x++) {
        let t = ambient + 1.5 * (y / GY_HEIGHT) + (this.random() - 0.5) * 0.3;
        for (const p of people) t += 10 * Math.exp(-((x - p.x) ** 2 + (y - p.y) ** 2) / 4);
        pixels[y * GY_WIDTH + x] = t;
      }
    }
    return pixels;
  }
}
