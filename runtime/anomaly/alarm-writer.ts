import { stampNow, type Clock } from '../clock/clock.js';
import type { Log } from '../log/logger.js';
import type { EventRecord } from '../store/events-table.js';
import type { Store } from '../store/store.js';
import type { AlarmTransition } from './alarm.js';

/**
 * Writes alarm transitions as events (`kind: <alarm name>`, with the subject, the state, the
 * window's end and the evidence) in one transaction, and logs each. The sender sends events
 * first. Returns false when the store is closed (the gateway is stopping) and nothing was written.
 */
export function writeAlarms(
  store: Store,
  clock: Clock,
  log: Log,
  transitions: readonly AlarmTransition[],
): boolean {
  if (transitions.length === 0 || !store.isOpen) return false;
  store.transaction(() => {
    for (const t of transitions)
      store.events.add(
        t.name,
        t.severity,
        stampNow(clock),
        { subject: t.subject, state: t.state, windowEnd: t.atMs, evidence: t.evidence },
        clock.wallMs(),
      );
  });
  for (const t of transitions)
    log[t.state === 'raised' ? 'warn' : 'info'](
      { alarm: t.name, subject: t.subject, evidence: t.evidence },
      `alarm ${t.state}`,
    );
  return true;
}

/** The alarm transition an event written by `writeAlarms` records; undefined for any other event
 * (a clock step, a store recovery). */
export function alarmFromEvent(rec: EventRecord): AlarmTransition | undefined {
  const d = rec.data as Partial<{
    subject: unknown;
    state: unknown;
    windowEnd: unknown;
    evidence: unknown;
  }>;
  if (typeof d.subject !== 'string' || (d.state !== 'raised' && d.state !== 'cleared'))
    return undefined;
  return {
    name: rec.kind,
    subject: d.subject,
    state: d.state,
    severity: rec.severity,
    atMs: typeof d.windowEnd === 'number' ? d.windowEnd : (rec.t ?? 0),
    evidence:
      d.evidence && typeof d.evidence === 'object'
        ? (d.evidence as AlarmTransition['evidence'])
        : {},
  };
}
