/** A grouped bar chart as a standalone SVG: one group per label, one bar per series. */
export interface BarChart {
  title: string;
  yLabel: string;
  labels: string[];
  series: { name: string; color: string; values: number[] }[];
  /** Text drawn above each group (e.g. a ratio). */
  notes?: string[];
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

export function barChartSvg(c: BarChart): string {
  const width = 640;
  const height = 360;
  const left = 70;
  const bottom = 50;
  const top = 50;
  const plotW = width - left - 20;
  const plotH = height - top - bottom;
  const max = Math.max(...c.series.flatMap((s) => s.values)) * 1.15;
  const groupW = plotW / c.labels.length;
  const barW = (groupW * 0.7) / c.series.length;
  const y = (v: number): number => top + plotH - (v / max) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${esc(c.title)}</text>`,
    `<text x="16" y="${top + plotH / 2}" transform="rotate(-90 16 ${top + plotH / 2})" text-anchor="middle">${esc(c.yLabel)}</text>`,
    `<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#333"/>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const v = (max / 1.15) * (i / 4);
    parts.push(`<line x1="${left}" y1="${y(v)}" x2="${left + plotW}" y2="${y(v)}" stroke="#ddd"/>`);
    parts.push(
      `<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${v >= 100 ? Math.round(v) : v.toFixed(1)}</text>`,
    );
  }
  c.labels.forEach((label, g) => {
    const gx = left + g * groupW + groupW * 0.15;
    c.series.forEach((s, k) => {
      const v = s.values[g] ?? 0;
      parts.push(
        `<rect x="${gx + k * barW}" y="${y(v)}" width="${barW - 2}" height="${top + plotH - y(v)}" fill="${s.color}"/>`,
      );
    });
    parts.push(
      `<text x="${gx + (barW * c.series.length) / 2}" y="${top + plotH + 18}" text-anchor="middle">${esc(label)}</text>`,
    );
    const note = c.notes?.[g];
    if (note)
      parts.push(
        `<text x="${gx + (barW * c.series.length) / 2}" y="${y(Math.max(...c.series.map((s) => s.values[g] ?? 0))) - 6}" text-anchor="middle" font-size="11">${esc(note)}</text>`,
      );
  });
  c.series.forEach((s, k) => {
    parts.push(
      `<rect x="${left + 10 + k * 170}" y="${height - 22}" width="12" height="12" fill="${s.color}"/>`,
    );
    parts.push(`<text x="${left + 28 + k * 170}" y="${height - 12}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** Points joined by a line per series, on two value axes, with a shaded target region. */
export interface ScatterChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: { name: string; color: string; points: { x: number; y: number; label: string }[] }[];
  /** The region where both targets are met: x at most `xMax`, y at least `yMin`. */
  target?: { xMax: number; yMin: number; label: string };
}

export function scatterChartSvg(c: ScatterChart): string {
  const width = 640;
  const height = 400;
  const left = 70;
  const bottom = 60;
  const top = 50;
  const right = 20;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const xs = c.series.flatMap((s) => s.points.map((p) => p.x));
  const ys = c.series.flatMap((s) => s.points.map((p) => p.y));
  if (c.target) {
    xs.push(c.target.xMax);
    ys.push(c.target.yMin);
  }
  const pad = (lo: number, hi: number): [number, number] => {
    const d = (hi - lo || Math.abs(hi) || 1) * 0.1;
    return [lo - d, hi + d];
  };
  const [x0, x1] = pad(Math.min(...xs), Math.max(...xs));
  const [y0, y1] = pad(Math.min(...ys), Math.max(...ys));
  const sx = (v: number): number => left + ((v - x0) / (x1 - x0)) * plotW;
  const sy = (v: number): number => top + plotH - ((v - y0) / (y1 - y0)) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${esc(c.title)}</text>`,
    `<text x="16" y="${top + plotH / 2}" transform="rotate(-90 16 ${top + plotH / 2})" text-anchor="middle">${esc(c.yLabel)}</text>`,
    `<text x="${left + plotW / 2}" y="${top + plotH + 36}" text-anchor="middle">${esc(c.xLabel)}</text>`,
  ];
  if (c.target) {
    const tx = sx(Math.max(x0, Math.min(x1, c.target.xMax)));
    const ty = sy(Math.max(y0, Math.min(y1, c.target.yMin)));
    parts.push(
      `<rect x="${left}" y="${top}" width="${tx - left}" height="${ty - top}" fill="#e3f4e3"/>`,
      `<text x="${left + 6}" y="${top + 16}" fill="#2a7a2a">${esc(c.target.label)}</text>`,
    );
  }
  for (let i = 0; i <= 4; i++) {
    const xv = x0 + ((x1 - x0) * i) / 4;
    const yv = y0 + ((y1 - y0) * i) / 4;
    parts.push(
      `<line x1="${left}" y1="${sy(yv)}" x2="${left + plotW}" y2="${sy(yv)}" stroke="#ddd"/>`,
      `<text x="${left - 6}" y="${sy(yv) + 4}" text-anchor="end">${yv.toFixed(3)}</text>`,
      `<text x="${sx(xv)}" y="${top + plotH + 18}" text-anchor="middle">${xv.toFixed(3)}</text>`,
    );
  }
  parts.push(
    `<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#333"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#333"/>`,
  );
  c.series.forEach((s, k) => {
    const path = s.points.map((p) => `${sx(p.x)},${sy(p.y)}`).join(' ');
    parts.push(`<polyline points="${path}" fill="none" stroke="${s.color}" stroke-width="1.5"/>`);
    // Labels alternate above and below their points: neighbours on a flat stretch would overlap.
    s.points.forEach((p, i) =>
      parts.push(
        `<circle cx="${sx(p.x)}" cy="${sy(p.y)}" r="4" fill="${s.color}"/>`,
        `<text x="${sx(p.x) + 4}" y="${sy(p.y) + (i % 2 === 0 ? -8 : 18)}" font-size="11">${esc(p.label)}</text>`,
      ),
    );
    parts.push(
      `<rect x="${left + 10 + k * 220}" y="${height - 18}" width="12" height="12" fill="${s.color}"/>`,
      `<text x="${left + 28 + k * 220}" y="${height - 8}">${esc(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
