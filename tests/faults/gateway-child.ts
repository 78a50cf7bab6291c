/**
 * A gateway's sync half in its own process, for the kill -9 case: a store, the sender, and a
 * writer committing bursts of summary rows. It prints `E <epoch>` once and `C <seq>` after each
 * commit returns (only then is a row committed), and stops writing on a line `quiet` on stdin,
 * answering `Q <seq>` with the last seq it committed: stdout is ordered, so every `C` line the
 * child will ever print comes before it.
 * Usage: node --import tsx gateway-child.ts STORE_FILE BROKER_URL HMAC_KEY_FILE
 */
import { createInterface } from 'node:readline';
import { SystemClock } from '../../runtime/clock/system-clock.js';
import { UpstreamSchema, type UpstreamConfig } from '../../runtime/config/schema.js';
import { silentLog } from '../../runtime/log/logger.js';
import { fillDefaults } from '../../runtime/shared/fill-defaults.js';
import { PRIORITY } from '../../runtime/store/outbox-table.js';
import { Store } from '../../runtime/store/store.js';
import { OutboxSender } from '../../runtime/sync/outbox-sender.js';
import { summaryRecord } from './summary-record.js';

const [file = '', url = '', keyFile = ''] = process.argv.slice(2);
const clock = new SystemClock({ evidence: 'trust-os' });
const store = new Store({ file, clock, log: silentLog(), consumerAck: true });
await store.start();
const upstream = fillDefaults(UpstreamSchema, {
  url,
  ack: 'consumer',
  commands: { hmacKeyFile: keyFile },
  backfill: { startDelayMaxS: 0, bytesPerS: 50_000_000, msgsPerS: 100_000 },
}) as UpstreamConfig;
const sender = new OutboxSender({
  store,
  clock,
  log: silentLog(),
  upstream,
  gatewayId: 'lp1',
  ackTimeoutMs: 3_000,
});
await sender.start();
process.stdout.write(`E ${store.epoch}\n`);

let writing = true;
let lastSeq = 0;
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() !== 'quiet') return;
  writing = false;
  process.stdout.write(`Q ${lastSeq}\n`);
});
const timer = setInterval(() => {
  if (!writing) return;
  const last = store.transaction(() => {
    let seq = 0;
    for (let i = 0; i < 5; i++) {
      const t0 = Math.floor(Math.random() * 1e6) * 300_000;
      seq = store.outbox.enqueue(
        'summary',
        PRIORITY.live,
        clock.wallMs(),
        JSON.stringify([summaryRecord(t0)]),
        {
          windowMs: 300_000,
          t0,
        },
      );
    }
    return seq;
  });
  lastSeq = last;
  process.stdout.write(`C ${last}\n`);
  sender.wake();
}, 10);
process.once('SIGTERM', () => {
  clearInterval(timer);
  // stdin keeps the event loop alive: leave once the sender and the store have closed.
  void sender
    .stop()
    .then(() => store.stop())
    .then(() => process.exit(0));
});
