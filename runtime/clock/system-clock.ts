import { existsSync } from 'node:fs';
import type { Clock, ClockState, TimerCallback, TimerHandle } from './clock.js';
import { readBootId } from './boot-id.js';

/** How the gateway decides that the OS wall clock can be trusted. */
export type ClockSyncEvidence = 'timesyncd' | 'trust-os';

/** Any wall time before this is certainly wrong (a box without RTC that booted at 1970 or at
 * its image build date); such a clock is `unsynced` whatever else we are told. */
export const PLAUSIBLE_WALL_FLOOR_MS = Date.UTC(2026, 0, 1);

const TIMESYNCD_FLAG = '/run/systemd/timesync/synchronized';

export interface SystemClockOptions {
  evidence: ClockSyncEvidence;
  /** Reports a rejected timer callback; components handle their own errors, so this is a bug. */
  onTimerError?: (err: unknown) => void;
  timesyncdFlagPath?: string;
}

export class SystemClock implements Clock {
  readonly bootId = readBootId();
  private readonly flagPath: string;
  private floorMs = PLAUSIBLE_WALL_FLOOR_MS;

  constructor(private readonly options: SystemClockOptions) {
    this.flagPath = options.timesyncdFlagPath ?? TIMESYNCD_FLAG;
  }

  wallMs(): number {
    return Date.now();
  }

  monoNs(): bigint {
    return process.hrtime.bigint();
  }

  noteLastKnownWall(wallMs: number): void {
    this.floorMs = Math.max(this.floorMs, wallMs);
  }

  syncState(): ClockState {
    if (this.wallMs() < this.floorMs) return 'unsynced';
    if (this.options.evidence === 'trust-os') return 'synced';
    // systemd-timesyncd creates the flag once it has synchronised this boot; before that the
    // clock runs from the time it saved at the last shutdown.
    return existsSync(this.flagPath) ? 'synced' : 'saved';
  }

  setTimer(delayMs: number, fn: TimerCallback): TimerHandle {
    const timer = setTimeout(
      () => {
        try {
          const result = fn();
          if (result instanceof Promise) result.catch((err: unknown) => this.reportTimerError(err));
        } catch (err) {
          this.reportTimerError(err);
        }
      },
      Math.max(0, delayMs),
    );
    return { cancel: () => clearTimeout(timer) };
  }

  private reportTimerError(err: unknown): void {
    if (this.options.onTimerError) this.options.onTimerError(err);
    else process.emitWarning(`timer callback failed: ${String(err)}`);
  }
}
