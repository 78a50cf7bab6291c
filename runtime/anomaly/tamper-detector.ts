import { Hysteresis, judge, type AlarmTransition } from './alarm.js';

/** What the tamper detector needs of one closed window of a contact's stream. */
export interface ContactWindow {
  atMs: number;
  n: number;
  min: number | null;
  max: number | null;
  last: number | null;
}

/**
 * `tamper`: a cabinet door or lid contact opened. A GPIO input reports on change, so a window
 * without a reading keeps the state of the last one; a window in which the contact was open at
 * any moment raises it (a door opened and shut within a window is still tampering), and it
 * clears on the first window spent wholly closed.
 */
export class TamperDetector {
  private readonly open = new Hysteresis(1, 1);
  private lastOpen = false;

  constructor(
    private readonly subject: string,
    /** The contact's value when open (a door switch reads 1 when shut: 0). */
    private readonly openValue: 0 | 1 = 0,
  ) {}

  /** The contact's state from a window of the past, without judging it. */
  warm(w: ContactWindow): void {
    if (w.n > 0 && w.last !== null) this.lastOpen = this.isOpen(w.last);
  }

  push(w: ContactWindow): AlarmTransition[] {
    const out: AlarmTransition[] = [];
    const wasOpen =
      w.n > 0 && w.min !== null && w.max !== null
        ? this.isOpen(this.openValue === 0 ? w.min : w.max)
        : this.lastOpen;
    if (w.n > 0 && w.last !== null) this.lastOpen = this.isOpen(w.last);
    judge(out, this.open, wasOpen, {
      name: 'tamper',
      subject: this.subject,
      severity: 'alarm',
      atMs: w.atMs,
      evidence: { openedInWindow: wasOpen, openNow: this.lastOpen, changes: w.n },
    });
    return out;
  }

  private isOpen(v: number): boolean {
    return this.openValue === 0 ? v < 0.5 : v >= 0.5;
  }
}
