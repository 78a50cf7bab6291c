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
