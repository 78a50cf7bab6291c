import { stopSignal } from '../lifecycle/stop-signals.js';
import { systemdNotifier } from '../lifecycle/systemd-notify.js';
import type { Level } from 'pino';
import { SystemClock } from '../clock/system-clock.js';
import { DeviceCatalogue } from '../devices/catalogue.js';
import { Gateway } from '../gateway/gateway.js';
import { createRootLog } from '../log/logger.js';
import { EXIT } from './exit-codes.js';
import { loadRunnableSite } from './load-site.js';

export interface RunOptions {
  config: string;
  logLevel: Level;
  /** Human-readable logs; JSON lines (for journald and shippers) otherwise. */
  pretty: boolean;
}

/** After a clean stop the process should end by itself; if a handle is still open, say so
 * and end anyway rather than hang a service manager. */
const EXIT_GRACE_MS = 2_000;

/** `edge-gw run --config FILE`: runs the gateway until SIGINT or SIGTERM. */
export async function runCommand(options: RunOptions): Promise<number> {
  const catalogue = DeviceCatalogue.load();
  const site = loadRunnableSite(options.config, catalogue);
  if (!site.ok) {
    process.stderr.write(`${site.message}\n`);
    return EXIT.failed;
  }
  const { config } = site;
  // pino-pretty (about 10 MB) only when asked for: a gateway logs JSON lines to journald.
  const pretty = options.pretty ? (await import('pino-pretty')).build : undefined;
  const log = createRootLog({
    level: options.logLevel,
    ...(pretty
      ? { destination: pretty({ sync: true, colorize: true, ignore: 'pid,hostname' }) }
      : {}),
  });
  const clock = new SystemClock({
    evidence: config.clock.sync,
    onTimerError: (err) => log.error({ err }, 'timer callback failed'),
  });
  let gateway: Gateway;
  try {
    gateway = new Gateway({ config, catalogue, clock, log });
    await gateway.start();
  } catch (err) {
    log.fatal({ err }, 'gateway failed to start');
    process.stderr.write(`edge-gw: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.failed;
  }

  const started = gateway;
  const notifier = systemdNotifier(() => started.store.isOpen);
  notifier.ready(`collecting from ${config.devices.length} devices`);

  // A second signal means "now": skip the graceful stop.
  const { signal, release } = await stopSignal(() => process.exit(EXIT.interrupted));
  log.info({ signal }, 'stopping');
  notifier.stopping();
  await gateway.stop();
  release();
  setTimeout(() => {
    process.stderr.write(
      `edge-gw: handles still open after stop: ${process.getActiveResourcesInfo().join(', ')}\n`,
    );
    process.exit(EXIT.ok);
  }, EXIT_GRACE_MS).unref();
  return EXIT.ok;
}
