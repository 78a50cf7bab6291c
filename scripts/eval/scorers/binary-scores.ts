/**
 * SKAB's outlier-detection scores: point-wise confusion counts summed over every file (micro
 * average), then F1 = TP / (TP + (FP + FN) / 2), false-alarm rate FP / (FP + TN) and
 * missed-alarm rate FN / (FN + TP). Fractions here; SKAB's leaderboard prints the rates in %.
 */
export interface Confusion {
  tp: number;
  tn: number;
  fp: number;
  fn: number;
}

export interface BinaryScores extends Confusion {
  f1: number;
  far: number;
  mar: number;
}

export function confusion(truth: ArrayLike<number>, predicted: ArrayLike<number>): Confusion {
  if (truth.length !== predicted.length)
    throw new Error(
      `labels and predictions differ in length (${truth.length} vs ${predicted.length})`,
    );
  const c: Confusion = { tp: 0, tn: 0, fp: 0, fn: 0 };
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i] === 1;
    const p = predicted[i] === 1;
    if (t && p) c.tp++;
    else if (!t && !p) c.tn++;
    else if (p) c.fp++;
    else c.fn++;
  }
  return c;
}

/** Scores over several files: their confusion counts are summed first. */
export function binaryScores(files: readonly Confusion[]): BinaryScores {
  const c = files.reduce(
    (a, b) => ({ tp: a.tp + b.tp, tn: a.tn + b.tn, fp: a.fp + b.fp, fn: a.fn + b.fn }),
    { tp: 0, tn: 0, fp: 0, fn: 0 },
  );
  const ratio = (n: number, d: number): number => (d === 0 ? 0 : n / d);
  return {
    ...c,
    f1: ratio(c.tp, c.tp + (c.fp + c.fn) / 2),
    far: ratio(c.fp, c.fp + c.tn),
    mar: ratio(c.fn, c.fn + c.tp),
  };
}
