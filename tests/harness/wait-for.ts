/**
 * Waits until `condition()` holds, checking every few milliseconds, and fails with `what` after
 * `timeoutMs`. This waits for an observable state, never for an amount of time.
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Lets pending I/O callbacks run (one turn of the event loop). */
export function ioTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
