/** Escapes text for HTML and SVG (element content and quoted attributes). */
export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Short numbers for a small screen: 4 significant digits, no exponent below a million. */
export function shortNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e6 || (a > 0 && a < 1e-3)) return v.toExponential(2);
  return String(Number(v.toPrecision(4)));
}

export interface SparklineOptions {
  fromMs: number;
  toMs: number;
  /** Read by screen readers and shown as a tooltip. */
  label: string;
  width?: number;
  height?: number;
}

/**
 * A small inline SVG line of `points` ([time, value], oldest first) over a fixed time span, with
 * its range written beside it. Gaps longer than two steps break the line, so an hour the device
 * was offline reads as a gap, not a straight line across it.
 */
export function sparkline(points: readonly [number, number][], o: SparklineOptions): string {
  const w = o.width ?? 160;
  const h = o.height ?? 36;
  const pad = 2;
  const label = escapeHtml(o.label);
  if (points.length === 0)
    return `<svg class="spark" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${label}: no data"><title>${label}: no data</title><text x="${w / 2}" y="${h / 2 + 4}" text-anchor="middle" class="none">no data</text></svg>`;
  const values = points.map((p) => p[1]);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const span = hi - lo || Math.abs(hi) || 1;
  const x = (t: number): number =>
    pad + ((t - o.fromMs) / Math.max(1, o.toMs - o.fromMs)) * (w - 2 * pad);
  const y = (v: number): number =>
    hi === lo ? h / 2 : h - pad - ((v - lo) / span) * (h - 2 * pad);
  const steps = points.slice(1).map((p, i) => p[0] - (points[i]?.[0] ?? p[0]));
  const step = steps.length > 0 ? Math.min(...steps) : 60_000;
  let d = '';
  points.forEach(([t, v], i) => {
    const prev = points[i - 1];
    const move = !prev || t - prev[0] > 2 * step;
    d += `${move ? 'M' : 'L'}${x(t).toFixed(1)},${y(v).toFixed(1)}`;
  });
  const last = points[points.length - 1];
  const dot = last
    ? `<circle cx="${x(last[0]).toFixed(1)}" cy="${y(last[1]).toFixed(1)}" r="2"/>`
    : '';
  const range = `${shortNumber(lo)} – ${shortNumber(hi)}`;
  return `<svg class="spark" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${label}, range ${range}"><title>${label}: ${range}</title><path d="${d}"/>${dot}</svg>`;
}
