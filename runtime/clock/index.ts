export * from './clock.js';
export { ManualClock, type ManualClockOptions } from './manual-clock.js';
export {
  SystemClock,
  PLAUSIBLE_WALL_FLOOR_MS,
  type ClockSyncEvidence,
  type SystemClockOptions,
} from './system-clock.js';
