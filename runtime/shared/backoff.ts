/**
 * Exponential backoff with full jitter: a random delay in [0, min(cap, base · 2^attempt)].
 * Full jitter spreads a fleet's reconnects after a broker or bus outage instead of synchronising
 * them into waves.
 */
export function fullJitterDelay(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
