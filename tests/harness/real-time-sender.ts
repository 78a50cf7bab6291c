import { join } from 'node:path';
import { SystemClock } from '../../runtime/clock/system-clock.js';
import { UpstreamSchema, type UpstreamConfig } from '../../runtime/config/schema.js';
import { silentLog, type Log } from '../../runtime/log/logger.js';
import { fillDefaults } from '../../runtime/shared/fill-defaults.js';
import { Store } from '../../runtime/store/store.js';
import { OutboxSender } from '../../runtime/sync/outbox-sender.js';
import { tempDir } from './temp-dir.js';

/**
 * The gateway's sync half on the real clock: a store in a temp dir holding `bodies` as summary
 * rows, and an OutboxSender for gateway `lp1` to `url`, not started yet. `extra.upstream` adds
 * to the upstream config (TLS, credentials); `extra.log` receives the sender's log.
 */
export async function storeAndSender(
  url: string,
  bodies: string[],
  ackTimeoutMs: number,
  extra: { upstream?: Partial<UpstreamConfig>; log?: Log } = {},
): Promise<{ store: Store; sender: OutboxSender }> {
  const clock = new SystemClock({ evidence: 'trust-os' });
  const store = new Store({ file: join(tempDir(), 'gw.db'), clock, log: silentLog() });
  await store.start();
  store.transaction(() => {
    for (const body of bodies) store.outbox.enqueue('summary', 1, clock.wallMs(), body);
  });
  const sender = new OutboxSender({
    store,
    clock,
    log: extra.log ?? silentLog(),
    upstream: fillDefaults(UpstreamSchema, {
      url,
      backfill: { startDelayMaxS: 0, bytesPerS: 10_000_000, msgsPerS: 10_000 },
      ...extra.upstream,
    }) as UpstreamConfig,
    gatewayId: 'lp1',
    ackTimeoutMs,
  });
  return { store, sender };
}
