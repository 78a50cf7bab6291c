/** One summary record as the gateway writes it; `pad` widens it (for packet-size cases). */
export function summaryRecord(t0: number, m = 'power', pad = 0): Record<string, unknown> {
  return {
    dev: 'lamp1',
    m: pad > 0 ? `${m}-${'x'.repeat(pad)}` : m,
    u: 'WTT',
    w: 'PT5M',
    t0,
    rev: 0,
    n: 300,
    bad: 0,
    sum: 21_000.5,
    sumsq: 1_470_100.25,
    min: 68.2,
    max: 71.9,
    mean: 70.0,
    last: 70.3,
    tlast: t0 + 299_000,
    p50: 70.1,
    p95: 71.4,
    clock: 'synced',
  };
}
