import { NAB_PROFILES, PROFILE_NAMES, type CostProfile, type ProfileScores } from './profiles.js';

/**
 * The Numenta Anomaly Benchmark score (NAB v1.1, nab/sweeper.py), for detectors that output an
 * anomaly score per row:
 * - the first 15 % of each file (at most 750 rows) is probationary and not scored;
 * - a row inside a label window is worth scaledSigmoid(−(right − i + 1) / width) × A_tp / maxTP
 *   (1 at the window's left edge, about 0 at its right edge); a window scores the best of its
 *   detected rows, or −A_fn when none is detected;
 * - a row outside every window costs scaledSigmoid(distance past the previous window's right
 *   edge / (its width − 1)) × A_fp: little just after a window, a full A_fp far from any (3.0 and
 *   beyond, or before the first window);
 * - one threshold per profile for the whole corpus, the one whose detections score best over
 *   every file (rows with score ≥ threshold are detections);
 * - normalised: 100 × (score − null) / (perfect − null), perfect = A_tp per window and null
 *   = −A_fn per window (what detecting nothing scores).
 */
export interface NabFile {
  name: string;
  /** One anomaly score per row, in [0, 1]. */
  scores: ArrayLike<number>;
  /** Label windows as inclusive row index ranges [first, last], ascending. */
  windows: readonly [number, number][];
}

export function scaledSigmoid(relativePosition: number): number {
  if (relativePosition >= 3) return -1;
  return 2 / (1 + Math.exp(5 * relativePosition)) - 1;
}

const MAX_TP = scaledSigmoid(-1);

interface ScoredRow {
  anomaly: number;
  /** The row's weighted value if detected. */
  sweep: number;
  /** Window id (file|index) for rows in a window; null outside; rows in probation are dropped. */
  window: string | null;
}

export function probationLength(rows: number, percent = 0.15): number {
  return Math.min(Math.floor(percent * rows), percent * 5000);
}

function sweepRows(file: NabFile, p: CostProfile): ScoredRow[] {
  const out: ScoredRow[] = [];
  const n = file.scores.length;
  const probation = probationLength(n);
  let w = 0;
  let prevRight: number | undefined;
  let prevWidth = 0;
  for (let i = 0; i < n; i++) {
    const cur = file.windows[w];
    const inWindow = cur !== undefined && i >= cur[0] && i <= cur[1];
    let sweep: number;
    if (inWindow) {
      const width = cur[1] - cur[0] + 1;
      sweep = (scaledSigmoid(-(cur[1] - i + 1) / width) * p.tp) / MAX_TP;
    } else {
      const past = prevRight === undefined ? 3 : Math.abs(prevRight - i) / (prevWidth - 1);
      sweep = scaledSigmoid(past) * p.fp;
    }
    if (i >= probation)
      out.push({
        anomaly: file.scores[i] ?? 0,
        sweep,
        window: inWindow ? `${file.name}|${w}` : null,
      });
    if (inWindow && i === cur[1]) {
      prevRight = i;
      prevWidth = cur[1] - cur[0] + 1;
      w++;
    }
  }
  return out;
}

/** Every threshold and the score its detections earn, highest threshold first. */
export function scoresByThreshold(
  files: readonly NabFile[],
  p: CostProfile,
): { threshold: number; score: number }[] {
  const rows = files.flatMap((f) => sweepRows(f, p)).sort((a, b) => b.anomaly - a.anomaly);
  const windowBest = new Map<string, number>();
  for (const f of files) f.windows.forEach((_, k) => windowBest.set(`${f.name}|${k}`, -p.fn));
  let fp = 0;
  let windowsTotal = [...windowBest.values()].reduce((a, b) => a + b, 0);
  const out: { threshold: number; score: number }[] = [];
  let threshold = 1.1;
  for (const row of rows) {
    if (row.anomaly !== threshold) {
      out.push({ threshold, score: fp + windowsTotal });
      threshold = row.anomaly;
    }
    if (row.window === null) fp += row.sweep;
    else {
      const before = windowBest.get(row.window) ?? -p.fn;
      if (row.sweep > before) {
        windowBest.set(row.window, row.sweep);
        windowsTotal += row.sweep - before;
      }
    }
  }
  out.push({ threshold, score: fp + windowsTotal });
  return out;
}

export interface NabResult {
  scores: ProfileScores;
  thresholds: ProfileScores;
}

export function nabScores(files: readonly NabFile[]): NabResult {
  const scores = {} as ProfileScores;
  const thresholds = {} as ProfileScores;
  const windows = files.reduce((n, f) => n + f.windows.length, 0);
  for (const name of PROFILE_NAMES) {
    const p = NAB_PROFILES[name];
    let best = { threshold: 1.1, score: -Infinity };
    for (const s of scoresByThreshold(files, p)) if (s.score > best.score) best = s;
    const perfect = windows * p.tp;
    const nul = -windows * p.fn;
    scores[name] = windows === 0 ? 0 : (100 * (best.score - nul)) / (perfect - nul);
    thresholds[name] = best.threshold;
  }
  return { scores, thresholds };
}
