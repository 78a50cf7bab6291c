/** What the crash writer runs with; the checker needs the same facts to judge what it finds. */
export const CRASH_SETUP = {
  startWallMs: Date.UTC(2026, 10, 21, 0, 0, 0),
  /** Small, so the budget is reached within seconds and compaction runs all the time. */
  budgetBytes: 400_000,
  walCheckpointBytes: 256 * 1024,
  windowsMs: [10_000],
  compactToMs: 60_000,
  graceMs: 20_000,
  readingsMaxRows: 20_000,
} as const;
