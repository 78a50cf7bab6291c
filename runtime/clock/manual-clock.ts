import type { Clock, ClockState, TimerCallback, TimerHandle } from './clock.js';

interface PendingTimer {
  id: number;
  dueMonoMs: number;
  fn: TimerCallback;
}

export interface ManualClockOptions {
  /** Wall time at creation (ms since epoch). */
  startWallMs: number;
  bootId?: string;
  state?: ClockState;
}

/**
 * A clock that moves only when told. `advance(ms)` fires every timer that falls due, in due
 * order, at its due time, and waits for a timer's promise before the next one, so polls and
 * commits driven by timers finish inside the step. Wall time can be stepped independently of
 * monotonic time to model NTP corrections.
 */
export class ManualClock implements Clock {
  readonly bootId: string;
  private monoMs = 0;
  private wallOffsetMs: number;
  private state: ClockState;
  private timers: PendingTimer[] = [];
  private nextId = 1;

  constructor(options: ManualClockOptions) {
    this.wallOffsetMs = options.startWallMs;
    this.bootId = options.bootId ?? '00000000-0000-4000-8000-000000000000';
    this.state = options.state ?? 'synced';
  }

  wallMs(): number {
    return this.wallOffsetMs + this.monoMs;
  }

  monoNs(): bigint {
    return BigInt(this.monoMs) * 1_000_000n;
  }

  syncState(): ClockState {
    return this.state;
  }

  setSyncState(state: ClockState): void {
    this.state = state;
  }

  /** Steps the wall clock by `deltaMs` without moving monotonic time (an NTP step). */
  stepWall(deltaMs: number): void {
    this.wallOffsetMs += deltaMs;
  }

  setTimer(delayMs: number, fn: TimerCallback): TimerHandle {
    const timer: PendingTimer = {
      id: this.nextId++,
      dueMonoMs: this.monoMs + Math.max(0, delayMs),
      fn,
    };
    this.timers.push(timer);
    return {
      cancel: () => {
        this.timers = this.timers.filter((t) => t !== timer);
      },
    };
  }

  /** Number of timers waiting; a stopped component must leave none behind. */
  pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing due timers in order (ties in the order they were set). */
  async advance(ms: number): Promise<void> {
    const target = this.monoMs + ms;
    for (;;) {
      const next = this.nextDue(target);
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.monoMs = next.dueMonoMs;
      await next.fn();
    }
    this.monoMs = target;
  }

  private nextDue(limit: number): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const t of this.timers) {
      if (t.dueMonoMs > limit) continue;
      if (
        !best ||
        t.dueMonoMs < best.dueMonoMs ||
        (t.dueMonoMs === best.dueMonoMs && t.id < best.id)
      )
        best = t;
    }
    return best;
  }
}
