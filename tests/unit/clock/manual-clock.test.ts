import { describe, expect, it } from 'vitest';
import { stampNow } from '../../../runtime/clock/clock.js';
import { ManualClock } from '../../../runtime/clock/manual-clock.js';

const START = Date.UTC(2026, 10, 21, 10, 0, 0);

describe('ManualClock', () => {
  it('fires timers in due order at their due time, ties in the order they were set', async () => {
    const clock = new ManualClock({ startWallMs: START });
    const fired: string[] = [];
    clock.setTimer(300, () => void fired.push(`c@${clock.wallMs() - START}`));
    clock.setTimer(100, () => void fired.push(`a@${clock.wallMs() - START}`));
    clock.setTimer(100, () => void fired.push(`b@${clock.wallMs() - START}`));
    clock.setTimer(1000, () => void fired.push('late'));
    await clock.advance(500);
    expect(fired).toEqual(['a@100', 'b@100', 'c@300']);
    expect(clock.wallMs()).toBe(START + 500);
    expect(clock.pendingTimers()).toBe(1);
  });

  it("waits for a timer's promise before firing the next, and fires timers set during the step", async () => {
    const clock = new ManualClock({ startWallMs: START });
    const order: string[] = [];
    clock.setTimer(10, async () => {
      await Promise.resolve();
      order.push('first done');
      clock.setTimer(5, () => void order.push(`chained@${clock.wallMs() - START}`));
    });
    clock.setTimer(12, () => void order.push('second'));
    await clock.advance(100);
    expect(order).toEqual(['first done', 'second', 'chained@15']);
  });

  it('runs a week of one-second ticks in well under a second of real time', async () => {
    const clock = new ManualClock({ startWallMs: START });
    let ticks = 0;
    const tick = (): void => {
      ticks++;
      clock.setTimer(1000, tick);
    };
    clock.setTimer(1000, tick);
    const t0 = performance.now();
    await clock.advance(7 * 24 * 3600 * 1000);
    expect(ticks).toBe(7 * 24 * 3600);
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('cancels timers, steps wall time without moving monotonic time, and stamps readings', async () => {
    const clock = new ManualClock({ startWallMs: START, state: 'unsynced' });
    let fired = false;
    clock.setTimer(10, () => void (fired = true)).cancel();
    let firedAtNs = -1n;
    clock.setTimer(50, () => void (firedAtNs = clock.monoNs()));
    await clock.advance(100);
    expect(fired).toBe(false);
    expect(firedAtNs).toBe(50_000_000n);
    clock.stepWall(-3_600_000);
    clock.setSyncState('synced');
    expect(stampNow(clock)).toEqual({
      wallMs: START + 100 - 3_600_000,
      monoNs: 100_000_000n,
      bootId: clock.bootId,
      clockState: 'synced',
    });
  });
});
