import type { Clock } from '../clock/clock.js';
import type { Store } from '../store/store.js';
import { PRIORITY } from '../store/outbox-table.js';
import type { CustomRecord } from './gateway-link.js';

/** The largest record a flow may send: a summary, not a data dump (frames never leave). */
export const CUSTOM_RECORD_MAX_BYTES = 64 * 1024;

/**
 * Checks a flow's record and queues it upstream as `data/custom`, in one transaction: it is then
 * as durable as any summary, sent at least once, and kept once per key by the platform. Throws
 * with what was wrong; nothing is stored then.
 */
export function enqueueCustom(store: Store, clock: Clock, record: CustomRecord): number {
  const problems: string[] = [];
  if (typeof record.key !== 'string' || record.key.length < 1 || record.key.length > 200)
    problems.push('key must be a string of 1 to 200 characters');
  if (typeof record.name !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(record.name))
    problems.push('name must be 1 to 64 letters, digits, "_", "." or "-"');
  if (!Number.isFinite(record.t)) problems.push('t must be a time in ms');
  if (typeof record.data !== 'object' || record.data === null || Array.isArray(record.data))
    problems.push('data must be an object');
  let body = '';
  if (problems.length === 0) {
    try {
      body = JSON.stringify([
        { key: record.key, name: record.name, t: record.t, data: record.data },
      ]);
    } catch (e) {
      problems.push(`data cannot be sent as JSON (${(e as Error).message})`);
    }
    if (Buffer.byteLength(body) > CUSTOM_RECORD_MAX_BYTES)
      problems.push(
        `the record is ${String(Buffer.byteLength(body))} bytes; at most ${String(CUSTOM_RECORD_MAX_BYTES)}`,
      );
  }
  if (problems.length > 0) throw new Error(`record not sent: ${problems.join('; ')}`);
  if (!store.isOpen) throw new Error('record not sent: the gateway is stopping');
  return store.transaction(() =>
    store.outbox.enqueue('custom', PRIORITY.live, clock.wallMs(), body),
  );
}
