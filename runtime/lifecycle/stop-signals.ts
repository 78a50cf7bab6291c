/** A repeat of the stop signal closer than this to the first is the same request. */
const REPEAT_MS = 1000;

/**
 * Resolves with the first SIGINT or SIGTERM. After it, a second signal means "stop now" and
 * calls `force`, but only when it comes a second or more after the first: Ctrl-C reaches every
 * process of the terminal's group (npm, tsx, node) and launchers relay it too, so one key press
 * can arrive twice, a moment apart, and must not cut the clean stop short. `release` removes the
 * handler once the clean stop is done.
 */
export async function stopSignal(
  force: () => void,
): Promise<{ signal: NodeJS.Signals; release: () => void }> {
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const on = (s: NodeJS.Signals) => (): void => {
      process.removeListener('SIGINT', onInt);
      process.removeListener('SIGTERM', onTerm);
      resolve(s);
    };
    const onInt = on('SIGINT');
    const onTerm = on('SIGTERM');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
  });
  const at = Date.now();
  const again = (): void => {
    if (Date.now() - at >= REPEAT_MS) force();
  };
  process.on('SIGINT', again);
  process.on('SIGTERM', again);
  return {
    signal,
    release: () => {
      process.removeListener('SIGINT', again);
      process.removeListener('SIGTERM', again);
    },
  };
}
