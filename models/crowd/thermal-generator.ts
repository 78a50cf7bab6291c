import { seededRandom, uniform } from '../../runtime/shared/seeded-random.js';

/** The MLX90640's array: 32 columns × 24 rows, row by row. */
export const WIDTH = 32;
export const HEIGHT = 24;

/**
 * Everything that shapes a frame. Each is a flag of `npm run thermal` (see
 * scripts/thermal/generate.ts); defaults are a lamp pole at 4 m on a mild evening.
 */
export interface ThermalSettings {
  /** Mount height above the ground, m (the array looks straight down). */
  heightM: number;
  /** Air temperature, °C. */
  ambientC: number;
  /** The ground's departure from the air temperature, °C (sunlit asphalt +5, a clear night −2). */
  groundOffsetC: number;
  /** How much warmer the ground is at the bottom row than at the top, °C (sun, a wall's shade). */
  gradientC: number;
  /** The most a patch of the ground (sun, shade, a wet spot; 1–3 m across) departs from the rest, °C. */
  patchC: number;
  /** Per-pixel noise, standard deviation, °C (the MLX90640 is 0.1–0.5 °C at 1–4 Hz). */
  noiseC: number;
  /** People whose heads are in view. */
  people: number;
  /** Share of people walking in groups of 2–4 (merging blobs). */
  groups: number;
  /** Hot distractors: lamp heads at the frame's edge, car bonnets, dogs. */
  lamps: number;
  cars: number;
  dogs: number;
  /** Pixels stuck at a fixed reading (a damaged array). */
  deadPixels: number;
  /** Field of view, degrees, across the 32 columns and the 24 rows (the wide 110° × 75° part). */
  fovXDeg: number;
  fovYDeg: number;
  seed: number;
}

export const THERMAL_DEFAULTS: ThermalSettings = {
  heightM: 4,
  ambientC: 18,
  groundOffsetC: 0,
  gradientC: 1.5,
  patchC: 0.8,
  noiseC: 0.25,
  people: 5,
  groups: 0.3,
  lamps: 0,
  cars: 0,
  dogs: 0,
  deadPixels: 0,
  fovXDeg: 110,
  fovYDeg: 75,
  seed: 1,
};

/** A person standing on the ground, feet at (x, y) m from the point under the array. */
export interface Person {
  x: number;
  y: number;
  /** Standing height, m. */
  heightM: number;
  /** Shoulder width, m. */
  widthM: number;
  /** Clothing's share of the way from the air to skin temperature (light summer shirt ≈ 0.6). */
  insulation: number;
}

export interface Distractor {
  kind: 'lamp' | 'car' | 'dog';
  x: number;
  y: number;
  /** Half sizes on the ground, m, and the surface height, m. */
  halfX: number;
  halfY: number;
  heightM: number;
  tempC: number;
}

export interface ThermalFrame {
  /** °C per pixel, row by row. */
  pixels: Float32Array;
  /** People whose head is inside the frame. */
  count: number;
  /** The ground footprint, m. */
  footprint: { widthM: number; depthM: number };
}

const SKIN_C = 34;
const SUB = 4; // sub-samples per pixel side: partial cover of a pixel mixes temperatures
/** The closest two people's centres get, m: about a shoulder's width. */
const MIN_APART_M = 0.45;

/** The ground area the array sees, m. */
export function footprint(s: ThermalSettings): { widthM: number; depthM: number } {
  const rad = Math.PI / 180;
  return {
    widthM: 2 * s.heightM * Math.tan((s.fovXDeg / 2) * rad),
    depthM: 2 * s.heightM * Math.tan((s.fovYDeg / 2) * rad),
  };
}

/**
 * A physically plausible MLX90640 frame seen from a pole, looking down: a ground at about the
 * air temperature with a gradient and slow patches; people as warm bodies in perspective (a
 * point at height z over ground point p is seen where the ray from the array through it meets
 * the ground, p·H/(H − z): the lower the mount, the bigger and more leaning people look near
 * the edges), clothes between air and skin temperature, heads nearly at skin temperature; hot
 * distractors; each pixel the mean of 4 × 4 sub-samples (a person covering half a pixel warms
 * it half as much); sensor noise and dead pixels. Deterministic for a seed.
 */
export class ThermalScene {
  readonly random: () => number;
  readonly settings: ThermalSettings;
  people: Person[] = [];
  distractors: Distractor[] = [];
  private readonly patches: { x: number; y: number; r: number; dC: number }[];
  private readonly dead: Map<number, number>;

  constructor(settings: Partial<ThermalSettings> = {}) {
    this.settings = { ...THERMAL_DEFAULTS, ...settings };
    const s = this.settings;
    this.random = seededRandom(s.seed);
    const { widthM, depthM } = footprint(s);
    this.patches = Array.from({ length: 4 }, () => ({
      x: uniform(this.random, -widthM / 2, widthM / 2),
      y: uniform(this.random, -depthM / 2, depthM / 2),
      r: uniform(this.random, 1, 3),
      dC: uniform(this.random, -s.patchC, s.patchC),
    }));
    this.dead = new Map(
      Array.from({ length: s.deadPixels }, () => [
        Math.floor(this.random() * WIDTH * HEIGHT),
        this.random() < 0.5 ? -40 : 0,
      ]),
    );
    this.place(s.people);
  }

  /** New positions: `people` heads in view (some in groups), and the distractors. */
  place(people: number): void {
    const s = this.settings;
    const r = this.random;
    const { widthM, depthM } = footprint(s);
    const scale = (z: number): number => s.heightM / (s.heightM - z);
    const newPerson = (x: number, y: number): Person => ({
      x,
      y,
      heightM: uniform(r, 1.5, 1.9),
      widthM: uniform(r, 0.38, 0.5),
      insulation: uniform(r, 0.35, 0.65),
    });
    this.people = [];
    // Two people cannot stand in one place: centres at least a shoulder's width apart. A spot
    // is drawn again until it is free (a packed frame takes the last draw).
    const free = (x: number, y: number): boolean =>
      this.people.every((p) => (p.x - x) ** 2 + (p.y - y) ** 2 >= MIN_APART_M * MIN_APART_M);
    const hs = scale(1.7);
    const anywhere = (): [number, number] => [
      // Feet anywhere whose head lands inside the frame.
      uniform(r, -widthM / 2 / hs, widthM / 2 / hs),
      uniform(r, -depthM / 2 / hs, depthM / 2 / hs),
    ];
    const spot = (draw: () => [number, number]): [number, number] => {
      let xy = draw();
      for (let tries = 1; tries < 40 && !free(...xy); tries++) xy = draw();
      return xy;
    };
    while (this.people.length < people) {
      const [x, y] = spot(anywhere);
      this.people.push(newPerson(x, y));
      // Some walk in groups of 2–4, each beside one already in the group: merging blobs.
      if (r() >= s.groups) continue;
      const size = Math.min(people - this.people.length + 1, 2 + Math.floor(r() * 3));
      const group = [this.people.length - 1];
      for (let k = 1; k < size; k++) {
        const next = (): [number, number] => {
          const beside = this.people[group[Math.floor(r() * group.length)] ?? 0];
          const d = uniform(r, MIN_APART_M, MIN_APART_M + 0.3);
          const a = uniform(r, 0, 2 * Math.PI);
          return [(beside?.x ?? x) + d * Math.cos(a), (beside?.y ?? y) + d * Math.sin(a)];
        };
        const [gx, gy] = spot(next);
        group.push(this.people.length);
        this.people.push(newPerson(gx, gy));
      }
    }
    this.distractors = [
      ...Array.from({ length: s.lamps }, (): Distractor => {
        // A lamp head beside the array: close to the sensor, so it shows at the frame's edge,
        // large and hot. Placed so that its projection lands there.
        const edge = r() < 0.5 ? -1 : 1;
        const z = s.heightM * 0.75;
        const k = (s.heightM - z) / s.heightM;
        return {
          kind: 'lamp',
          x: ((edge * widthM) / 2) * 0.85 * k,
          y: uniform(r, -depthM / 3, depthM / 3) * k,
          halfX: 0.08,
          halfY: 0.12,
          heightM: z,
          tempC: uniform(r, 45, 65),
        };
      }),
      ...Array.from({ length: s.cars }, (): Distractor => ({
        kind: 'car',
        x: uniform(r, -widthM / 2, widthM / 2),
        y: uniform(r, -depthM / 2, depthM / 2),
        halfX: 0.8,
        halfY: 0.6,
        heightM: 0.9,
        tempC: s.ambientC + uniform(r, 8, 30),
      })),
      ...Array.from({ length: s.dogs }, (): Distractor => ({
        kind: 'dog',
        x: uniform(r, -widthM / 2, widthM / 2),
        y: uniform(r, -depthM / 2, depthM / 2),
        halfX: 0.3,
        halfY: 0.12,
        heightM: 0.5,
        tempC: s.ambientC + 0.6 * (38 - s.ambientC),
      })),
    ];
  }

  /** People whose head is inside the frame. */
  count(): number {
    return this.heads().length;
  }

  /**
   * Where the heads of the people counted by `count()` are seen, in pixel coordinates (column,
   * row; 0 at the frame's top-left corner, pixel centres at +0.5): the labels a density-map
   * model learns from. Draws nothing from the scene's random sequence.
   */
  heads(): { col: number; row: number }[] {
    const s = this.settings;
    const { widthM, depthM } = footprint(s);
    const out: { col: number; row: number }[] = [];
    for (const p of this.people) {
      const k = s.heightM / (s.heightM - p.heightM);
      if (Math.abs(p.x * k) > widthM / 2 || Math.abs(p.y * k) > depthM / 2) continue;
      out.push({
        col: ((p.x * k) / widthM + 0.5) * WIDTH,
        row: ((p.y * k) / depthM + 0.5) * HEIGHT,
      });
    }
    return out;
  }

  frame(): ThermalFrame {
    const s = this.settings;
    const r = this.random;
    const fp = footprint(s);
    const pixels = new Float32Array(WIDTH * HEIGHT);
    const shapes = this.shapes();
    for (let row = 0; row < HEIGHT; row++)
      for (let col = 0; col < WIDTH; col++) {
        let sum = 0;
        for (let sy = 0; sy < SUB; sy++)
          for (let sx = 0; sx < SUB; sx++) {
            const gx = ((col + (sx + 0.5) / SUB) / WIDTH - 0.5) * fp.widthM;
            const gy = ((row + (sy + 0.5) / SUB) / HEIGHT - 0.5) * fp.depthM;
            sum += this.temperatureAt(gx, gy, row, shapes);
          }
        const i = row * WIDTH + col;
        pixels[i] = this.dead.get(i) ?? sum / (SUB * SUB) + gaussian(r) * s.noiseC;
      }
    return { pixels, count: this.count(), footprint: fp };
  }

  /** What is seen at ground point (x, y): the highest surface on that ray wins. */
  private temperatureAt(x: number, y: number, row: number, shapes: Shape[]): number {
    const s = this.settings;
    let t = s.ambientC + s.groundOffsetC + s.gradientC * (row / (HEIGHT - 1) - 0.5);
    for (const p of this.patches) {
      const d2 = ((x - p.x) ** 2 + (y - p.y) ** 2) / (p.r * p.r);
      if (d2 < 4) t += p.dC * Math.exp(-d2);
    }
    let top = -1;
    for (const sh of shapes)
      if (sh.z > top && sh.hit(x, y)) {
        top = sh.z;
        t = sh.tempC;
      }
    return t;
  }

  /** Bodies, heads and distractors as they appear projected on the ground. */
  private shapes(): Shape[] {
    const s = this.settings;
    const H = s.heightM;
    const out: Shape[] = [];
    const seen = (x: number, y: number, z: number): [number, number] => [
      (x * H) / (H - z),
      (y * H) / (H - z),
    ];
    for (const p of this.people) {
      const cloth = s.ambientC + p.insulation * (SKIN_C - 1 - s.ambientC);
      const head = s.ambientC + 0.8 * (SKIN_C - s.ambientC);
      // The body: a capsule from the hips to the shoulders as seen from above.
      const [hx, hy] = seen(p.x, p.y, p.heightM * 0.5);
      const [sx, sy] = seen(p.x, p.y, p.heightM * 0.82);
      const half = (p.widthM / 2) * (H / (H - p.heightM * 0.82));
      out.push({ z: p.heightM * 0.82, tempC: cloth, hit: capsule(hx, hy, sx, sy, half) });
      const [tx, ty] = seen(p.x, p.y, p.heightM * 0.95);
      const rHead = 0.1 * (H / (H - p.heightM));
      out.push({
        z: p.heightM,
        tempC: head,
        hit: (x, y) => (x - tx) ** 2 + (y - ty) ** 2 <= rHead * rHead,
      });
    }
    for (const d of this.distractors) {
      const [cx, cy] = seen(d.x, d.y, d.heightM);
      const k = H / (H - d.heightM);
      out.push({
        z: d.heightM,
        tempC: d.tempC,
        hit: (x, y) => Math.abs(x - cx) <= d.halfX * k && Math.abs(y - cy) <= d.halfY * k,
      });
    }
    return out;
  }
}

interface Shape {
  z: number;
  tempC: number;
  hit: (x: number, y: number) => boolean;
}

/** Points within `r` of the segment (ax, ay)–(bx, by). */
function capsule(ax: number, ay: number, bx: number, by: number, r: number): Shape['hit'] {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  return (x, y) => {
    const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / len2));
    return (x - ax - t * dx) ** 2 + (y - ay - t * dy) ** 2 <= r * r;
  };
}

/** A standard normal draw (Box–Muller). */
function gaussian(random: () => number): number {
  const u = Math.max(1e-12, random());
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}
