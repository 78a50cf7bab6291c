/**
 * The ground grid a thermal frame is resampled to before the crowd model sees it: one cell
 * covers the ground one pixel covers when the array hangs at `referenceHeightM`. From any
 * mount a person then spans about the same number of cells, so the model does not have to
 * guess the scale (at 7 m a person is about one pixel of the raw frame, at 3 m about four).
 * The frame's centre is the grid's centre; the grid is large enough for frames from up to
 * `maxHeightM`, and what lies outside a lower mount's frame reads 0 (the ground, prepared).
 * Only the ratio of heights matters: a pixel's ground footprint grows in proportion to the
 * mount height whatever the lens.
 */
export interface GroundGrid {
  /** The raw frame: [rows, columns]. */
  frame: [number, number];
  referenceHeightM: number;
  /** The highest mount whose whole frame fits the grid, m. */
  maxHeightM: number;
  /** The grid: [rows, columns], multiples of 4 (the model pools twice). */
  grid: [number, number];
}

/** The grid for frames from up to `maxHeightM`, at `referenceHeightM`'s ground sampling. */
export function groundGrid(o: Omit<GroundGrid, 'grid'>): GroundGrid {
  if (!(o.referenceHeightM > 0 && o.maxHeightM >= o.referenceHeightM))
    throw new Error(
      `a ground grid needs 0 < referenceHeightM ≤ maxHeightM (got ${o.referenceHeightM} and ${o.maxHeightM})`,
    );
  const up4 = (x: number): number => 4 * Math.ceil(x / 4 - 1e-9);
  const scale = o.maxHeightM / o.referenceHeightM;
  return { ...o, grid: [up4(o.frame[0] * scale), up4(o.frame[1] * scale)] };
}

/** Sub-samples per grid cell side: a cell several raw pixels wide averages them all. */
const SUB = 3;

/**
 * Resamples a prepared frame (row by row, `g.frame` in size) seen from `heightM` onto the
 * ground grid: each cell the mean of SUB × SUB bilinear samples of the frame. Throws when the
 * mount is outside what the grid was made for: a frame that does not fit would lose people at
 * its edges without a word.
 */
export function toGroundGrid(
  frame: ArrayLike<number>,
  heightM: number,
  g: GroundGrid,
  out: Float32Array<ArrayBufferLike> = new Float32Array(g.grid[0] * g.grid[1]),
): Float32Array<ArrayBufferLike> {
  const [fh, fw] = g.frame;
  const [gh, gw] = g.grid;
  if (frame.length !== fh * fw)
    throw new Error(`a ${fw} × ${fh} frame has ${fw * fh} pixels, got ${frame.length}`);
  if (!(heightM > 0 && heightM <= g.maxHeightM + 1e-9))
    throw new Error(
      `mount height ${heightM} m is outside this model's ground grid (0–${g.maxHeightM} m)`,
    );
  const p = planFor(heightM, g);
  for (let cell = 0; cell < gh * gw; cell++) {
    let sum = 0;
    for (let j = p.start[cell] ?? 0; j < (p.start[cell + 1] ?? 0); j++)
      sum += (p.weight[j] ?? 0) * (frame[p.pixel[j] ?? 0] ?? 0);
    out[cell] = sum;
  }
  return out;
}

/** Which raw pixels make each grid cell, and by how much: the same for every frame from one
 * mount, so it is worked out once (a frame is then a few thousand multiply-adds). */
interface Plan {
  /** Cell c's terms are start[c] … start[c + 1] − 1. */
  start: Int32Array;
  pixel: Int32Array;
  weight: Float64Array;
}

const plans = new Map<string, Plan>();

function planFor(heightM: number, g: GroundGrid): Plan {
  const key = `${g.frame.join('x')}/${g.grid.join('x')}/${String(g.referenceHeightM)}/${String(heightM)}`;
  const cached = plans.get(key);
  if (cached) return cached;
  const [fh, fw] = g.frame;
  const [gh, gw] = g.grid;
  // Raw pixels per grid cell: a pixel's ground footprint grows with the mount height.
  const k = g.referenceHeightM / heightM;
  const start = new Int32Array(gh * gw + 1);
  const pixel: number[] = [];
  const weight: number[] = [];
  const terms = new Map<number, number>();
  for (let v = 0; v < gh; v++)
    for (let u = 0; u < gw; u++) {
      terms.clear();
      const add = (r: number, c: number, w: number): void => {
        if (w > 0) terms.set(r * fw + c, (terms.get(r * fw + c) ?? 0) + w / (SUB * SUB));
      };
      for (let a = 0; a < SUB; a++)
        for (let b = 0; b < SUB; b++) {
          // The sample's place in raw pixel units (pixel centres at +0.5), read bilinearly.
          const sc = (u + (b + 0.5) / SUB - gw / 2) * k + fw / 2 - 0.5;
          const sr = (v + (a + 0.5) / SUB - gh / 2) * k + fh / 2 - 0.5;
          if (sc < -0.5 || sr < -0.5 || sc > fw - 0.5 || sr > fh - 0.5) continue;
          const c0 = Math.min(fw - 1, Math.max(0, Math.floor(sc)));
          const r0 = Math.min(fh - 1, Math.max(0, Math.floor(sr)));
          const c1 = Math.min(fw - 1, c0 + 1);
          const r1 = Math.min(fh - 1, r0 + 1);
          const wx = Math.min(1, Math.max(0, sc - c0));
          const wy = Math.min(1, Math.max(0, sr - r0));
          add(r0, c0, (1 - wy) * (1 - wx));
          add(r0, c1, (1 - wy) * wx);
          add(r1, c0, wy * (1 - wx));
          add(r1, c1, wy * wx);
        }
      for (const [i, w] of terms) {
        pixel.push(i);
        weight.push(w);
      }
      start[v * gw + u + 1] = pixel.length;
    }
  const plan = { start, pixel: Int32Array.from(pixel), weight: Float64Array.from(weight) };
  // One array hangs at one height; a handful of plans covers tests and evaluations too.
  if (plans.size >= 16) plans.clear();
  plans.set(key, plan);
  return plan;
}

/** Where a point of the raw frame (column, row; pixel centres at +0.5) lands on the grid. */
export function gridPoint(
  p: { col: number; row: number },
  heightM: number,
  g: GroundGrid,
): { col: number; row: number } {
  const [fh, fw] = g.frame;
  const [gh, gw] = g.grid;
  const s = heightM / g.referenceHeightM;
  return { col: (p.col - fw / 2) * s + gw / 2, row: (p.row - fh / 2) * s + gh / 2 };
}
