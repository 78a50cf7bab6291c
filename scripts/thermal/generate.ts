/**
 * `npm run thermal -- [--height 4] [--ambient 18] [--ground-offset 0] [--gradient 1.5] [--patches 0.8]
 *   [--noise 0.25] [--people 5] [--groups 0.3] [--lamps 0] [--cars 0] [--dogs 0] [--dead 0]
 *   [--fov-x 110] [--fov-y 75] [--seed 1] [--frames 1] [--out FILE]`
 *
 * Generates MLX90640 frames (32 × 24, °C) of people seen from a pole, with their true count:
 * a preview of each frame in the terminal, and with --out one JSON line per frame
 * (`{"count":…, "pixels":[…]}`) for training and evaluation. Ends with one JSON line.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  HEIGHT,
  THERMAL_DEFAULTS,
  ThermalScene,
  WIDTH,
  type ThermalSettings,
} from '../../models/crowd/thermal-generator.js';

const FLAGS: Record<
  string,
  { key: keyof ThermalSettings; min: number; max: number; whole?: boolean }
> = {
  height: { key: 'heightM', min: 2, max: 15 },
  ambient: { key: 'ambientC', min: -30, max: 50 },
  'ground-offset': { key: 'groundOffsetC', min: -15, max: 30 },
  gradient: { key: 'gradientC', min: -10, max: 10 },
  patches: { key: 'patchC', min: 0, max: 10 },
  noise: { key: 'noiseC', min: 0, max: 5 },
  people: { key: 'people', min: 0, max: 200, whole: true },
  groups: { key: 'groups', min: 0, max: 1 },
  lamps: { key: 'lamps', min: 0, max: 4, whole: true },
  cars: { key: 'cars', min: 0, max: 10, whole: true },
  dogs: { key: 'dogs', min: 0, max: 10, whole: true },
  dead: { key: 'deadPixels', min: 0, max: 768, whole: true },
  'fov-x': { key: 'fovXDeg', min: 10, max: 140 },
  'fov-y': { key: 'fovYDeg', min: 10, max: 120 },
  seed: { key: 'seed', min: 0, max: 2 ** 32 - 1, whole: true },
};

/** The generator's flags, as `npm run thermal` and `npm run eval:crowd -- --dataset thermal` take them. */
export const GENERATOR_FLAGS = Object.keys(FLAGS);

function fail(message: string): never {
  process.stderr.write(`thermal: ${message}\n`);
  process.exit(2);
}

/** The settings from command-line flags, each checked against its range. */
export function settingsFrom(values: Record<string, string | undefined>): ThermalSettings {
  const s: ThermalSettings = { ...THERMAL_DEFAULTS };
  for (const [flag, spec] of Object.entries(FLAGS)) {
    const raw = values[flag];
    if (raw === undefined) continue;
    const v = Number(raw);
    if (!Number.isFinite(v) || v < spec.min || v > spec.max || (spec.whole && !Number.isInteger(v)))
      throw new Error(
        `--${flag} ${raw}: allowed ${spec.whole ? 'a whole number' : 'a number'} from ${String(spec.min)} to ${String(spec.max)}`,
      );
    (s as unknown as Record<string, number>)[spec.key] = v;
  }
  return s;
}

/** A terminal preview: one character per pixel, from the coldest to the warmest. */
export function preview(pixels: Float32Array): string {
  const shades = ' .:-=+*#%@';
  // Scaled between the 2nd and 99th percentiles: a dead pixel or a lamp does not flatten the rest.
  const sorted = Float32Array.from(pixels).sort();
  const lo = sorted[Math.floor(0.02 * (sorted.length - 1))] ?? 0;
  const hi = sorted[Math.floor(0.99 * (sorted.length - 1))] ?? 1;
  const rows: string[] = [];
  for (let r = 0; r < HEIGHT; r++) {
    let line = '';
    for (let c = 0; c < WIDTH; c++) {
      const t = pixels[r * WIDTH + c] ?? lo;
      line +=
        shades[Math.max(0, Math.min(9, Math.floor(((t - lo) / Math.max(1e-6, hi - lo)) * 10)))] ??
        ' ';
    }
    rows.push(line);
  }
  return rows.join('\n');
}

if (process.argv[1]?.endsWith('generate.ts')) {
  const { values } = parseArgs({
    options: {
      ...Object.fromEntries(Object.keys(FLAGS).map((f) => [f, { type: 'string' as const }])),
      frames: { type: 'string', default: '1' },
      out: { type: 'string' },
    },
  });
  let settings: ThermalSettings;
  try {
    settings = settingsFrom(values);
  } catch (e) {
    fail((e as Error).message);
  }
  const frames = Number(values.frames);
  if (!(Number.isInteger(frames) && frames >= 1 && frames <= 1_000_000))
    fail(`--frames ${String(values.frames)}: allowed a whole number from 1 to 1000000`);
  const scene = new ThermalScene(settings);
  const lines: string[] = [];
  let counted = 0;
  for (let i = 0; i < frames; i++) {
    if (i > 0) scene.place(settings.people);
    const f = scene.frame();
    counted += f.count;
    if (values.out)
      lines.push(
        JSON.stringify({
          count: f.count,
          pixels: Array.from(f.pixels, (t) => Math.round(t * 100) / 100),
        }),
      );
    if (frames <= 3)
      process.stdout.write(
        `frame ${String(i + 1)}: ${String(f.count)} people, ${f.footprint.widthM.toFixed(1)} × ${f.footprint.depthM.toFixed(1)} m in view\n${preview(f.pixels)}\n\n`,
      );
  }
  if (values.out) writeFileSync(values.out, `${lines.join('\n')}\n`);
  console.log(
    JSON.stringify({
      frames,
      meanCount: counted / frames,
      ...settings,
      ...(values.out ? { out: values.out } : {}),
    }),
  );
}
