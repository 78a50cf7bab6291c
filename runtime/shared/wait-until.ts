/**
 * Waits until performance.now() reaches `target`. A plain setTimeout can fire up to a
 * millisecond early by this clock (Node measures timers from the event loop's cached time),
 * which on an RS-485 line at 9600 baud is a third of the silence between frames: enough for a
 * slave to see two frames run together. So the timer covers most of the wait and
 * event-loop turns cover the last fraction.
 */
export async function waitUntil(target: number): Promise<void> {
  for (;;) {
    const left = target - performance.now();
    if (left <= 0) return;
    if (left > 1.5) await new Promise((resolve) => setTimeout(resolve, Math.floor(left - 1)));
    else await new Promise((resolve) => setImmediate(resolve));
  }
}
