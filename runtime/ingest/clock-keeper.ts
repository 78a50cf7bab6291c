import { stampNow, type Clock } from '../clock/clock.js';
import type { Log } from '../log/logger.js';
import type { Store } from '../store/store.js';
import type { WindowAggregator } from '../windows/window-aggregator.js';

/** A wall-clock jump larger than this between two ticks is a step, not drift. */
const STEP_THRESHOLD_MS = 1_000;

export interface ClockKeeperOptions {
  store: Store;
  aggregator: WindowAggregator;
  clock: Clock;
  log: Log;
}

/**
 * What ingest does about time, once per tick inside its transaction: notices steps of the wall
 * clock (an event, and a mark on the windows either side), and at the first sync of a boot
 * re-stamps the readings held for it from their monotonic time. Its counts change only when
 * the tick's transaction commits (`committed()`); after a rollback (`rolledBack()`) it reads
 * back from the store what the transaction undid.
 */
export class ClockKeeper {
  /** Readings of this boot waiting in the store for the clock to sync. */
  private held = 0;
  private restamped = 0;
  private steps = 0;
  private pending = { held: 0, restamped: 0, steps: 0, heldCleared: false };
  private lastTick?: { wallMs: number; monoNs: bigint; synced: boolean };
  private otherBootsChecked = false;

  constructor(private readonly o: ClockKeeperOptions) {}

  start(): void {
    this.held = this.o.store.readings.heldCount(this.o.clock.bootId);
    if (this.o.clock.syncState() !== 'synced')
      this.o.log.warn(
        { clock: this.o.clock.syncState(), held: this.held },
        'the clock is not synced: readings are stored but held out of summaries until it is (set clock.sync: trust-os if this box keeps time without timesyncd)',
      );
  }

  stats(): { heldForClock: number; restamped: number; clockSteps: number } {
    return { heldForClock: this.held, restamped: this.restamped, clockSteps: this.steps };
  }

  /** A reading of this boot was stored held. */
  noteHeld(): void {
    this.pending.held++;
  }

  /** Records a wall-clock step since the last tick and marks the windows on either side. */
  watch(nowMs: number, synced: boolean): void {
    const { clock, aggregator, store } = this.o;
    const monoNs = clock.monoNs();
    const last = this.lastTick;
    this.lastTick = { wallMs: nowMs, monoNs, synced };
    if (!last) return;
    const expected = last.wallMs + Number(monoNs - last.monoNs) / 1e6;
    const stepMs = nowMs - expected;
    if (Math.abs(stepMs) <= STEP_THRESHOLD_MS) return;
    this.pending.steps++;
    const marked = last.synced && synced ? aggregator.markClockStep(expected, nowMs) : 0;
    store.events.add(
      'clock_step',
      'warning',
      stampNow(clock),
      {
        stepMs: Math.round(stepMs),
        from: last.synced ? Math.round(expected) : null,
        to: synced ? nowMs : null,
        wasSynced: last.synced,
        synced,
        windowsMarked: marked,
      },
      nowMs,
    );
    this.o.log.warn({ stepMs: Math.round(stepMs), synced }, 'the wall clock stepped');
  }

  /** On a synced clock: sets aside readings held by earlier boots that never synced (they
   * cannot be placed in time), and re-stamps and folds this boot's held readings. */
  restampHeld(nowMs: number, onLate: (wallMs: number) => void): void {
    const { store, clock, aggregator } = this.o;
    if (!this.otherBootsChecked) {
      this.otherBootsChecked = true;
      const lost = store.readings.quarantineOtherBoots(clock.bootId);
      if (lost.rows > 0)
        store.gaps.record(
          {
            class: 'reading',
            reason: 'clock_unknown',
            from: store.lastKnownWallMs ?? null,
            to: nowMs,
            rows: lost.rows,
          },
          nowMs,
        );
    }
    // Counted at start and on every insert, so the common case costs no query.
    if (this.held === 0) return;
    // Within one boot the monotonic clock is continuous: wall = mono + (wall − mono) now.
    const offsetMs = nowMs - Number(clock.monoNs()) / 1e6;
    const n = store.readings.restamp(clock.bootId, offsetMs, (r) => {
      // Held so long that its window is past grace: counted and reported like any late reading.
      if (aggregator.fold(r, { restamped: true }) === 'late') onLate(r.wallMs);
    });
    this.pending.restamped += n;
    this.pending.heldCleared = true;
    this.o.log.info(
      { readings: n, offsetMs: Math.round(offsetMs) },
      'clock synced; re-stamped held readings',
    );
  }

  committed(): void {
    const p = this.pending;
    // A re-stamp clears every held row of this boot, this tick's included.
    this.held = p.heldCleared ? 0 : this.held + p.held;
    this.restamped += p.restamped;
    this.steps += p.steps;
    this.pending = { held: 0, restamped: 0, steps: 0, heldCleared: false };
  }

  rolledBack(): void {
    this.pending = { held: 0, restamped: 0, steps: 0, heldCleared: false };
    this.otherBootsChecked = false;
    this.held = this.o.store.readings.heldCount(this.o.clock.bootId);
  }
}
