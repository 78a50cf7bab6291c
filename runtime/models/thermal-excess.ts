/** Skin temperature, °C: the warmest a person seen from above gets. */
const SKIN_C = 34;
/** Inputs of about unit size: a person's head pixel reads 2–3, the ground 0. */
const GAIN = 4;
/** The background is estimated on blocks of BLOCK × BLOCK pixels. */
const BLOCK = 4;
/** A pixel this far below the frame's median is a dead pixel, not a cold surface. */
const DEAD_BELOW_C = 15;

/**
 * A thermal frame as the crowd model sees it: each pixel's warmth over the local background, as
 * a share of how much warmer than the ground a person can be.
 *
 * The background is the median of 4 × 4-pixel blocks, then the median of each block's 3 × 3
 * neighbourhood of blocks, spread bilinearly over the pixels: it follows the ground's gradient
 * and sun or shade patches a few metres wide, and a person (a few pixels) does not move it. The
 * scale, skin temperature less the frame's median, makes the same crowd look alike on a 5 °C
 * night and a 30 °C evening. Dead pixels read as background; hot objects are clipped at three
 * person-contrasts. `out` may be `pixels` itself.
 */
export function thermalExcess(
  pixels: ArrayLike<number>,
  width: number,
  height: number,
  out: Float32Array<ArrayBufferLike> = new Float32Array(pixels.length),
): Float32Array<ArrayBufferLike> {
  if (pixels.length !== width * height)
    throw new Error(
      `a thermal frame of ${width} × ${height} has ${width * height} pixels, got ${pixels.length}`,
    );
  const median = medianOf(pixels);
  const live = (t: number): boolean => t >= median - DEAD_BELOW_C;
  const bw = Math.ceil(width / BLOCK);
  const bh = Math.ceil(height / BLOCK);
  const blocks = new Float64Array(bw * bh);
  for (let by = 0; by < bh; by++)
    for (let bx = 0; bx < bw; bx++) {
      const vals: number[] = [];
      for (let y = by * BLOCK; y < Math.min(height, (by + 1) * BLOCK); y++)
        for (let x = bx * BLOCK; x < Math.min(width, (bx + 1) * BLOCK); x++) {
          const t = pixels[y * width + x] ?? median;
          if (live(t)) vals.push(t);
        }
      blocks[by * bw + bx] = vals.length > 0 ? medianOf(vals) : median;
    }
  const smooth = new Float64Array(bw * bh);
  for (let by = 0; by < bh; by++)
    for (let bx = 0; bx < bw; bx++) {
      const vals: number[] = [];
      for (let y = Math.max(0, by - 1); y <= Math.min(bh - 1, by + 1); y++)
        for (let x = Math.max(0, bx - 1); x <= Math.min(bw - 1, bx + 1); x++)
          vals.push(blocks[y * bw + x] ?? median);
      smooth[by * bw + bx] = medianOf(vals);
    }
  const span = Math.max(2, SKIN_C - median);
  const at = (bx: number, by: number): number =>
    smooth[Math.min(bh - 1, Math.max(0, by)) * bw + Math.min(bw - 1, Math.max(0, bx))] ?? median;
  for (let y = 0; y < height; y++) {
    // Block centres sit at BLOCK/2 − 0.5 in pixel units; between them, interpolate.
    const fy = (y - (BLOCK / 2 - 0.5)) / BLOCK;
    const y0 = Math.floor(fy);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = (x - (BLOCK / 2 - 0.5)) / BLOCK;
      const x0 = Math.floor(fx);
      const wx = fx - x0;
      const bg =
        (1 - wy) * ((1 - wx) * at(x0, y0) + wx * at(x0 + 1, y0)) +
        wy * ((1 - wx) * at(x0, y0 + 1) + wx * at(x0 + 1, y0 + 1));
      const i = y * width + x;
      const t = pixels[i] ?? bg;
      out[i] = live(t) ? GAIN * Math.max(-1, Math.min(3, (t - bg) / span)) : 0;
    }
  }
  return out;
}

/**
 * How much warmer than the ground a person can look in this frame, °C: skin temperature less the
 * frame's median (the ground, while people cover less than half the view).
 */
export function personContrastC(pixels: ArrayLike<number>): number {
  return SKIN_C - medianOf(pixels);
}

function medianOf(values: ArrayLike<number>): number {
  // A typed array sorts numerically, without a comparator call per pair: a frame is prepared
  // for every count, and this is most of its cost.
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  return n % 2 === 1
    ? (sorted[(n - 1) / 2] ?? 0)
    : ((sorted[n / 2 - 1] ?? 0) + (sorted[n / 2] ?? 0)) / 2;
}
