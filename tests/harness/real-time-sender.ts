import { join } from 'node:path';
import { SystemClock } from '../../runtime/clock/system-clock.js';
import { UpstreamSchema, type UpstreamConfig } from '../../runtime/config/schema.js';
import { silentLog } from '../../runtime/log/logger.js';
import { fillDefaults } from '../../runtime/shared/fill-defaults.js';
import { Store } from '../../runtime/store/store.js';
import { OutboxSender } from '../../runtime/sync/outbox-sender.js';
import { tempDir } from './temp-dir.js';

/**
 * The gateway's sync half on the real clock: a store in a temp dir holding `bodies` as summary
 * rows, and an OutboxSender for gateway `lp1` to `url`, not started yet.
 */
export async function storeAndSender(
  url: string,
  bodies: string[],
  ackTimeoutMs: number,
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
    log: silentLog(),
    upstream: fillDefaults(UpstreamSchema, { url }) as UpstreamConfig,
    gatewayId: 'lp1',
    ackTimeoutMs,
  });
  return { store, sender };
}
