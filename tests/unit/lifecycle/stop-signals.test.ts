import { afterEach, describe, expect, it, vi } from 'vitest';
import { stopSignal } from '../../../runtime/lifecycle/stop-signals.js';

/** Sends SIGINT to this process and resolves once it has been handled. */
async function interrupt(): Promise<void> {
  const seen = new Promise((r) => process.once('SIGINT', r));
  process.kill(process.pid, 'SIGINT');
  await seen;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('stop signals', () => {
  it('takes a repeat of the same Ctrl-C as one request, and a later one as "stop now"', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const listeners = process.listenerCount('SIGTERM');
    let forced = 0;
    const waiting = stopSignal(() => forced++);
    await interrupt();
    const { signal, release } = await waiting;
    expect(signal).toBe('SIGINT');
    // The same key press, relayed by npm or tsx a moment later: the clean stop goes on.
    await interrupt();
    expect(forced).toBe(0);
    // Pressed again a second and a half later: stop now.
    vi.setSystemTime(Date.now() + 1500);
    await interrupt();
    expect(forced).toBe(1);
    release();
    expect(process.listenerCount('SIGTERM')).toBe(listeners);
  });
});
