/**
 * How far an ack cursor can move from `cursor`: over every following seq that is stored
 * (`stored`, ascending) or explained by a gap range (`ranges`, inclusive). Shared by the SQLite
 * and PostgreSQL stores, which each fetch what lies after the cursor in bulk.
 */
export function walkCursor(
  cursor: number,
  stored: readonly number[],
  ranges: readonly { lo: number; hi: number }[],
): number {
  let c = cursor;
  let i = 0;
  for (;;) {
    const next = c + 1;
    while (i < stored.length && (stored[i] ?? 0) < next) i++;
    if (stored[i] === next) {
      c = next;
      continue;
    }
    let hi: number | undefined;
    for (const r of ranges) if (r.lo <= next && r.hi >= next) hi = Math.max(hi ?? next, r.hi);
    if (hi === undefined) return c;
    c = hi;
  }
}
