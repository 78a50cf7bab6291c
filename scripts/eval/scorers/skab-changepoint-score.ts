import { NAB_PROFILES, PROFILE_NAMES, type ProfileScores } from './profiles.js';

/**
 * SKAB's NAB-style changepoint score (the leaderboard's "NAB standard / LowFP / LowFN"), as
 * SKAB's evaluator computes it:
 * - a scoring window of `windowMs` to the right of each true changepoint; where two overlap,
 *   the right one starts where the left one ends;
 * - the first predicted changepoint inside a window is a true positive scored on a tanh curve
 *   from A_tp at the window's start down to A_fp at its end (1,000 steps); a window without
 *   one is a false negative (A_fn); a prediction outside every window a false positive (A_fp);
 * - raw scores, perfect scores (A_tp per window) and null scores (A_fn per window) are summed
 *   over files, then normalised: 100 × (score − null) / (perfect − null).
 */
export interface ChangepointFile {
  /** Row timestamps, ms, ascending. */
  timeMs: ArrayLike<number>;
  /** 1 where a true changepoint is. */
  truth: ArrayLike<number>;
  /** 1 where the detector says a changepoint is. */
  predicted: ArrayLike<number>;
}

const STEPS = 1_000;

/** The tanh scoring curve at `fraction` (0 = window start, 1 = window end). */
export function tanhCurve(fraction: number, aTp: number, aFp: number): number {
  const event = Math.min(Math.trunc(fraction * STEPS), STEPS - 1);
  // linspace(-π/2, π/2, STEPS)[event]
  const x = -Math.PI / 2 + (event * Math.PI) / (STEPS - 1);
  return (((aTp - aFp) / 2) * -Math.tanh(x)) / Math.tanh(Math.PI / 2) + (aTp - aFp) / 2 + aFp;
}

export function scoringWindows(file: ChangepointFile, windowMs: number): [number, number][] {
  const windows: [number, number][] = [];
  for (let i = 0; i < file.truth.length; i++)
    if (file.truth[i] === 1) {
      const t = file.timeMs[i] ?? 0;
      windows.push([t, t + windowMs]);
    }
  for (let i = 0; i + 1 < windows.length; i++) {
    const left = windows[i];
    const right = windows[i + 1];
    if (left && right && left[1] >= right[0]) right[0] = left[1];
  }
  return windows;
}

interface FileCounts {
  windows: number;
  fp: number;
  fn: number;
  /** Per true positive: where its first detection falls in its window, 0..1. */
  tpFractions: number[];
}

function countFile(file: ChangepointFile, windowMs: number): FileCounts {
  const windows = scoringWindows(file, windowMs);
  const detections: number[] = [];
  for (let i = 0; i < file.predicted.length; i++)
    if (file.predicted[i] === 1) detections.push(file.timeMs[i] ?? 0);
  let fp = 0;
  let fn = 0;
  const tpFractions: number[] = [];
  const inAny = new Array<boolean>(detections.length).fill(false);
  for (const [start, end] of windows) {
    let first: number | undefined;
    detections.forEach((t, k) => {
      if (t >= start && t <= end) {
        inAny[k] = true;
        first ??= t;
      }
    });
    if (first === undefined) fn++;
    else tpFractions.push(end > start ? (first - start) / (end - start) : 0);
  }
  for (const hit of inAny) if (!hit) fp++;
  return { windows: windows.length, fp, fn, tpFractions };
}

export function skabChangepointScores(
  files: readonly ChangepointFile[],
  windowMs = 60_000,
): ProfileScores {
  const counts = files.map((f) => countFile(f, windowMs));
  const out = {} as ProfileScores;
  for (const name of PROFILE_NAMES) {
    const p = NAB_PROFILES[name];
    let score = 0;
    let perfect = 0;
    let nul = 0;
    for (const c of counts) {
      score += -p.fp * c.fp - p.fn * c.fn;
      for (const f of c.tpFractions) score += tanhCurve(f, p.tp, -p.fp);
      perfect += c.windows * p.tp;
      nul += -c.windows * p.fn;
    }
    out[name] = perfect === nul ? 0 : (100 * (score - nul)) / (perfect - nul);
  }
  return out;
}
