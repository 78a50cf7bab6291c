/** Skin temperature, °C: the warmest a person seen from above gets. */
const SKIN_C = 34;
/** Inputs of about unit size: a person's head pixel reads 2–3, the ground 0. */
const GAIN = 4;

/**
 * A thermal frame as the crowd model sees it: each pixel's warmth over the frame's median (the
 * ground), as a share of how much warmer than the ground a person can be. The same crowd then
 * looks alike on a 5 °C night and a 30 °C evening. Dead pixels (far below the ground) read as
 * ground; hot objects are clipped at three person-contrasts.
 */
export function thermalContrast(
  pixels: ArrayLike<number>,
  out: Float32Array<ArrayBufferLike> = new Float32Array(pixels.length),
): Float32Array<ArrayBufferLike> {
  const sorted = Float32Array.from(pixels).sort();
  const ground = sorted[Math.floor(sorted.length / 2)] ?? 0;
  const span = Math.max(2, SKIN_C - ground);
  for (let i = 0; i < pixels.length; i++) {
    const t = pixels[i] ?? ground;
    out[i] = t < ground - 15 ? 0 : GAIN * Math.max(-1, Math.min(3, (t - ground) / span));
  }
  return out;
}
