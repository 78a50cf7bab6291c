import type { ClockState } from '../clock/clock.js';

export type Quality = 'good' | 'bad';

/**
 * One value from one point of one device, as a driver hands it to ingest. Carries every fact
 * about time the store needs (see runtime/clock): a reading taken before the clock was synced
 * can be re-stamped later from its boot id and monotonic time.
 */
export interface Reading {
  device: string;
  point: string;
  /** Null when the device answered but the value is unusable (NaN, out of the type's range). */
  value: number | null;
  quality: Quality;
  wallMs: number;
  monoNs: bigint;
  bootId: string;
  clockState: ClockState;
}
