export type Los = 'A' | 'B' | 'C' | 'D' | 'E' | 'F';
export type LosScheme = 'fruin-walkway' | 'fruin-queue';

export const LEVELS: readonly Los[] = ['A', 'B', 'C', 'D', 'E', 'F'];

/**
 * Fruin's levels of service as the upper density (persons/m²) of A to E; above the last is F.
 * Walkways: 35 / 25 / 15 / 10 / 5 ft² per person (Fruin 1971). Queuing and waiting areas:
 * 13 / 10 / 7 / 3 / 2 ft² per person. ../shared/research/datamodels.md §4.1–4.2.
 */
export const LOS_UPPER_DENSITY: Readonly<Record<LosScheme, readonly number[]>> = {
  'fruin-walkway': [0.31, 0.43, 0.72, 1.08, 2.15],
  'fruin-queue': [0.83, 1.08, 1.54, 3.59, 5.38],
};

/** The level of service of a density (persons/m²); a density on a boundary is the better one. */
export function levelOfService(density: number, scheme: LosScheme = 'fruin-walkway'): Los {
  const upper = LOS_UPPER_DENSITY[scheme];
  const i = upper.findIndex((u) => density <= u);
  return LEVELS[i < 0 ? 5 : i] ?? 'F';
}

/** Whether `a` is as bad as `b` or worse. */
export function atLeast(a: Los, b: Los): boolean {
  return LEVELS.indexOf(a) >= LEVELS.indexOf(b);
}
