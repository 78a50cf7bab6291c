import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBootId } from '../../../runtime/clock/boot-id.js';
import { SystemClock } from '../../../runtime/clock/system-clock.js';
import { tempDir } from '../../harness/temp-dir.js';

describe('SystemClock', () => {
  it('calls the clock synced only with evidence, when it trusts timesyncd', () => {
    const flag = join(tempDir(), 'synchronized');
    const clock = new SystemClock({ evidence: 'timesyncd', timesyncdFlagPath: flag });
    expect(clock.syncState()).toBe('saved');
    writeFileSync(flag, '');
    expect(clock.syncState()).toBe('synced');
    expect(new SystemClock({ evidence: 'trust-os' }).syncState()).toBe('synced');
  });

  it('is unsynced while the wall clock is behind the last time the store saw', () => {
    const clock = new SystemClock({ evidence: 'trust-os' });
    clock.noteLastKnownWall(Date.now() - 60_000);
    expect(clock.syncState()).toBe('synced');
    // A box without a real-time clock that booted from an old image time.
    clock.noteLastKnownWall(Date.now() + 3_600_000);
    expect(clock.syncState()).toBe('unsynced');
  });

  it('reads the kernel boot id, and falls back to a per-process id without one', () => {
    const id = readBootId();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(readBootId()).toBe(id);
    const missing = join(tempDir(), 'no-boot-id');
    expect(readBootId(missing)).not.toBe(readBootId(missing));
  });

  it('runs timers on real time and reports a failing callback instead of crashing', async () => {
    const errors: unknown[] = [];
    const clock = new SystemClock({ evidence: 'trust-os', onTimerError: (e) => errors.push(e) });
    const failed = new Promise<void>((resolve) => {
      clock.setTimer(1, () => {
        setImmediate(resolve);
        return Promise.reject(new Error('boom'));
      });
    });
    await failed;
    await new Promise((r) => setImmediate(r));
    expect(errors).toHaveLength(1);
    const t0 = process.hrtime.bigint();
    expect(clock.monoNs()).toBeGreaterThanOrEqual(t0);
  });
});
