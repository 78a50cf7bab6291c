import type { OutboxRow } from '../store/outbox-table.js';

export const ENVELOPE_VERSION = 1;

export interface EnvelopeContext {
  gatewayId: string;
  epoch: string;
  sentMs: number;
}

/**
 * The message for one outbox row: `{v, gw, epoch, seq, kind, sent, recs}`. (epoch, seq) is the
 * batch key; each record in `recs` carries its own record key. The stored body is already
 * JSON, so it is spliced in rather than parsed and re-serialised on the hot path.
 */
export function buildEnvelope(row: OutboxRow, ctx: EnvelopeContext): string {
  return (
    `{"v":${ENVELOPE_VERSION},"gw":${JSON.stringify(ctx.gatewayId)},"epoch":${JSON.stringify(ctx.epoch)},` +
    `"seq":${row.seq},"kind":${JSON.stringify(row.kind)},"sent":${ctx.sentMs},"recs":${row.body}}`
  );
}
