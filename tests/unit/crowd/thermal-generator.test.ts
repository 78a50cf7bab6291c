import { describe, expect, it } from 'vitest';
import { ThermalScene as SimulatedScene } from '../../../devices/gy-mcu90640/thermal-scene.js';
import { ThermalScene, type Person } from '../../../models/crowd/thermal-generator.js';
import { preview, settingsFrom } from '../../../scripts/thermal/generate.js';

const person = (x: number, y: number): Person => ({
  x,
  y,
  heightM: 1.75,
  widthM: 0.45,
  insulation: 0.5,
});
const quiet = { noiseC: 0, gradientC: 0, people: 0 };
/** Pixels warmer than the ground by more than `dC`. */
const warm = (pixels: Float32Array, groundC: number, dC: number): number =>
  Array.from(pixels).filter((t) => t > groundC + dC).length;

describe('the thermal frame generator', () => {
  it('is deterministic for a seed and different for another', () => {
    const a = new ThermalScene({ seed: 5, people: 8 }).frame();
    expect(new ThermalScene({ seed: 5, people: 8 }).frame().pixels).toEqual(a.pixels);
    expect(new ThermalScene({ seed: 6, people: 8 }).frame().pixels).not.toEqual(a.pixels);
    expect(a.pixels).toHaveLength(768);
  });

  it('draws a person as a warm blob, bigger the lower the array is mounted', () => {
    const blob = (heightM: number): number => {
      const s = new ThermalScene({ ...quiet, heightM, ambientC: 15, seed: 1 });
      s.people = [person(0.3, 0.2)];
      const f = s.frame();
      expect(f.count).toBe(1);
      expect(Math.max(...f.pixels)).toBeGreaterThan(15 + 3);
      return warm(f.pixels, 15, 1);
    };
    const at3 = blob(3);
    const at7 = blob(7);
    expect(at3).toBeGreaterThan(2 * at7);
    expect(at7).toBeGreaterThan(0);
  });

  it('shows less contrast on a hot evening than on a cold one', () => {
    const peak = (ambientC: number): number => {
      const s = new ThermalScene({ ...quiet, ambientC, seed: 1 });
      s.people = [person(0, 0)];
      return Math.max(...s.frame().pixels) - ambientC;
    };
    expect(peak(5)).toBeGreaterThan(2 * peak(30));
    expect(peak(30)).toBeGreaterThan(0.5);
  });

  it('adds per-pixel noise of the asked spread, and stuck dead pixels', () => {
    const s = new ThermalScene({ ...quiet, noiseC: 0.5, seed: 2, ambientC: 20 });
    const flat = new ThermalScene({ ...quiet, noiseC: 0, seed: 2, ambientC: 20 }).frame().pixels;
    const noisy = s.frame().pixels;
    const diffs = Array.from(noisy, (t, i) => t - (flat[i] ?? 0));
    const sd = Math.sqrt(diffs.reduce((a, d) => a + d * d, 0) / diffs.length);
    expect(sd).toBeGreaterThan(0.4);
    expect(sd).toBeLessThan(0.6);
    const dead = new ThermalScene({ ...quiet, deadPixels: 5, seed: 2 }).frame().pixels;
    expect(Array.from(dead).filter((t) => t === -40 || t === 0).length).toBeGreaterThan(0);
  });

  it('counts the people whose heads are in view, and a lamp head is not one', () => {
    const s = new ThermalScene({ people: 7, groups: 0, lamps: 1, cars: 1, dogs: 1, seed: 4 });
    const f = s.frame();
    expect(f.count).toBeLessThanOrEqual(7);
    expect(f.count).toBeGreaterThanOrEqual(5);
    expect(Math.max(...f.pixels)).toBeGreaterThan(40); // the lamp
    s.people = [person(100, 0)];
    expect(s.count()).toBe(0);
  });

  it('varies the ground by patches of the asked strength', () => {
    const spread = (patchC: number): number => {
      const px = new ThermalScene({ ...quiet, ambientC: 20, patchC, seed: 3 }).frame().pixels;
      return Math.max(...px) - Math.min(...px);
    };
    expect(spread(0)).toBeCloseTo(0, 5);
    expect(spread(2)).toBeGreaterThan(2 * spread(0.5));
    expect(settingsFrom({ patches: '1.5' }).patchC).toBe(1.5);
  });

  it('never stands two people in one place, groups included', () => {
    for (const seed of [1, 2, 3]) {
      const s = new ThermalScene({ heightM: 3, people: 22, groups: 0.8, seed });
      expect(s.people).toHaveLength(22);
      const closest = Math.min(
        ...s.people.flatMap((a, i) =>
          s.people.slice(i + 1).map((b) => Math.hypot(a.x - b.x, a.y - b.y)),
        ),
      );
      expect(closest).toBeGreaterThanOrEqual(0.45 - 1e-9);
    }
  });

  it('says where each counted head is seen, in pixels, and marks its warmest spot', () => {
    const s = new ThermalScene({ ...quiet, ambientC: 10, seed: 1 });
    s.people = [person(1, -0.5), person(100, 0)];
    const heads = s.heads();
    expect(heads).toHaveLength(s.count());
    expect(heads).toHaveLength(1);
    const [head] = heads;
    const f = s.frame();
    const hottest = Array.from(f.pixels).indexOf(Math.max(...f.pixels));
    // The head is the person's warmest part: the hottest pixel is the one it is seen in, or next to it.
    expect(Math.abs((hottest % 32) + 0.5 - (head?.col ?? NaN))).toBeLessThanOrEqual(1.5);
    expect(Math.abs(Math.floor(hottest / 32) + 0.5 - (head?.row ?? NaN))).toBeLessThanOrEqual(1.5);
  });

  it('takes every setting as a flag, and says which is out of range', () => {
    expect(
      settingsFrom({ height: '7', ambient: '30', noise: '0.4', people: '12', seed: '9' }),
    ).toMatchObject({ heightM: 7, ambientC: 30, noiseC: 0.4, people: 12, seed: 9 });
    expect(() => settingsFrom({ people: '2.5' })).toThrow(
      '--people 2.5: allowed a whole number from 0 to 200',
    );
    expect(() => settingsFrom({ height: 'high' })).toThrow(
      '--height high: allowed a number from 2 to 15',
    );
    expect(preview(new ThermalScene({ seed: 1 }).frame().pixels).split('\n')).toHaveLength(24);
  });

  it('drives the GY-MCU90640 simulator with people walking in and out as the crowd swells', () => {
    const scene = new SimulatedScene({ people: 10, seed: 3, ambientC: 15 });
    expect(scene.wanted(0)).toBe(1);
    expect(scene.wanted(300_000)).toBe(10);
    const few = warm(scene.frame(0), 15.8, 2);
    const a = scene.frame(299_000);
    const b = scene.frame(300_000);
    expect(warm(b, 15.8, 2)).toBeGreaterThan(3 * few);
    // A second later the same people have moved on.
    expect(b).not.toEqual(a);
  });
});
