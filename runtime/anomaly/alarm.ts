import type { Severity } from '../store/events-table.js';

/** A named alarm going up or down, with the numbers that made the decision. */
export interface AlarmTransition {
  /** What is wrong, in an operator's words: `leak`, `burst`, `lamp_failure`, … */
  name: string;
  /** The device (or circuit, or meter) it concerns. */
  subject: string;
  state: 'raised' | 'cleared';
  severity: Severity;
  atMs: number;
  evidence: Record<string, number | string | boolean | null>;
}

/** Feeds `condition` to `h` and, when that raises or clears the alarm, adds the transition. */
export function judge(
  out: AlarmTransition[],
  h: Hysteresis,
  condition: boolean,
  alarm: Omit<AlarmTransition, 'state'>,
): void {
  const state = h.update(condition);
  if (state) out.push({ ...alarm, state });
}

/**
 * A condition that must hold `raiseAfter` checks in a row to raise an alarm and fail `clearAfter`
 * checks in a row to clear it, so one noisy window neither raises nor clears anything.
 */
export class Hysteresis {
  private active = false;
  private streak = 0;

  constructor(
    private readonly raiseAfter: number,
    private readonly clearAfter: number,
  ) {}

  get isActive(): boolean {
    return this.active;
  }

  /** Feeds one check; returns the transition it caused, if any. */
  update(condition: boolean): 'raised' | 'cleared' | undefined {
    if (condition === this.active) {
      this.streak = 0;
      return undefined;
    }
    this.streak++;
    if (this.streak < (this.active ? this.clearAfter : this.raiseAfter)) return undefined;
    this.active = condition;
    this.streak = 0;
    return condition ? 'raised' : 'cleared';
  }
}
