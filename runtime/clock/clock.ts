/**
 * The one source of time for the runtime. Every component takes a Clock instead of calling
 * Date.now() or setTimeout directly, so a test can run a week of windows, polls and reconnects
 * in seconds with ManualClock, and so readings carry all four facts the store needs to be honest
 * about time: wall time, monotonic time, which boot the monotonic time belongs to, and whether
 * the wall clock was synchronised when it was read.
 */

/** `synced`: an NTP (or equivalent) source has set the clock this boot. `saved`: the clock was
 * restored from a saved time (no RTC) and only moves forward from it. `unsynced`: no evidence. */
export type ClockState = 'synced' | 'saved' | 'unsynced';

export const CLOCK_STATES: readonly ClockState[] = ['synced', 'saved', 'unsynced'];

export interface TimerHandle {
  cancel(): void;
}

/** A timer callback. When it returns a promise, ManualClock waits for it before moving on, so a
 * poll or a commit driven by a timer completes inside `advance()`. */
export type TimerCallback = () => void | Promise<void>;

export interface Clock {
  /** Random per boot (from the kernel when available); scopes monotonic times. */
  readonly bootId: string;
  /** Milliseconds since the Unix epoch, as the wall clock says now. */
  wallMs(): number;
  /** Nanoseconds on a clock that never steps; only differences within one boot mean anything. */
  monoNs(): bigint;
  syncState(): ClockState;
  /** Runs `fn` once after `delayMs` of this clock's time. */
  setTimer(delayMs: number, fn: TimerCallback): TimerHandle;
  /** The store's last saved synced time: a wall clock behind it is certainly wrong (a box
   * without a real-time clock that booted from an old time). */
  noteLastKnownWall?(wallMs: number): void;
}

/** Everything a reading or a record needs to know about when it happened. */
export interface TimeStamp {
  wallMs: number;
  monoNs: bigint;
  bootId: string;
  clockState: ClockState;
}

export function stampNow(clock: Clock): TimeStamp {
  return {
    wallMs: clock.wallMs(),
    monoNs: clock.monoNs(),
    bootId: clock.bootId,
    clockState: clock.syncState(),
  };
}
