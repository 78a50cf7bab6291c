import type { AlarmTransition } from '../anomaly/alarm.js';
import { ago, duration, plural } from '../shared/human-text.js';
import { backlogTrend, describeTrend } from './backlog-trend.js';
import { escapeHtml as e, shortNumber, sparkline } from './sparkline.js';
import { HISTORY_MINUTES } from './status-history.js';
import type { StatusReport } from './status-report.js';

/** How often the page reloads itself: no script, so it works on any phone browser. */
export const REFRESH_S = 15;

function bytes(n: number): string {
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(1)} GiB`;
}

/** A coloured word: `ok` green, `warn` amber, `bad` red, `idle` grey. */
function badge(text: string, tone: 'ok' | 'warn' | 'bad' | 'idle'): string {
  return `<span class="badge ${tone}">${e(text)}</span>`;
}

const DEVICE_TONE = { online: 'ok', degraded: 'warn', offline: 'bad', unknown: 'idle' } as const;
const UPSTREAM_TONE = {
  connected: 'ok',
  connecting: 'warn',
  backoff: 'bad',
  idle: 'idle',
  stopped: 'idle',
} as const;
const SEVERITY_TONE = { alarm: 'bad', warning: 'warn', info: 'idle' } as const;

function evidence(a: AlarmTransition): string {
  return Object.entries(a.evidence)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? shortNumber(v) : String(v)}`)
    .join(', ');
}

/** A chart starts an hour ago, or at its first point when the gateway has run for less: ten
 * minutes of data fill the chart instead of a sliver at its right edge. */
function span(hourAgo: number, points: readonly [number, number][]): number {
  return Math.max(hourAgo, points[0]?.[0] ?? hourAgo);
}

function section(id: string, title: string, body: string): string {
  return `<section id="${id}"><h2>${e(title)}</h2>${body}</section>`;
}

function alarmsSection(r: StatusReport): string {
  const active = r.history.alarms.active;
  // One card per alarm rather than a table: evidence wraps instead of widening a phone's page.
  const cards = active
    .map(
      (a) =>
        `<div class="card alarm">${badge(a.severity, SEVERITY_TONE[a.severity])} <b>${e(a.name)}</b> on ${e(a.subject)} <span class="quiet">· raised ${ago(a.atMs, r.generatedMs)}</span><p class="ev">${e(evidence(a))}</p></div>`,
    )
    .join('');
  const body = active.length === 0 ? '<p class="quiet">No alarm is raised.</p>' : cards;
  return section('alarms', `Alarms (${active.length} active)`, body);
}

function devicesSection(r: StatusReport): string {
  const from = r.generatedMs - HISTORY_MINUTES * 60_000;
  const cards = Object.entries(r.devices).map(([id, h]) => {
    const points = r.history.streams
      .filter((s) => s.device === id)
      .map(
        (s) =>
          `<tr><td>${e(s.point)}</td><td class="num">${s.last === null ? '–' : e(shortNumber(s.last))}</td><td class="unit">${e(s.unit)}</td><td>${sparkline(s.minutes, { fromMs: span(from, s.minutes), toMs: r.generatedMs, label: `${id} ${s.point}, up to the last hour`, width: 100 })}</td></tr>`,
      )
      .join('');
    const errors = h.timeouts + h.crcErrors + h.framingErrors + h.exceptions + h.linkErrors;
    return `<div class="card device" data-device="${e(id)}"><h3>${e(id)} ${badge(h.state, DEVICE_TONE[h.state])}</h3><p class="quiet">last answer ${ago(h.lastOkWallMs, r.generatedMs)} · ${h.responses}/${h.requests} answered · ${errors} errors</p>${points ? `<table class="points">${points}</table>` : '<p class="quiet">no readings yet</p>'}</div>`;
  });
  return section(
    'devices',
    `Devices (${cards.length})`,
    cards.length ? cards.join('') : '<p class="quiet">No device is configured.</p>',
  );
}

function backlogSection(r: StatusReport): string {
  const from = r.generatedMs - HISTORY_MINUTES * 60_000;
  const oldest = r.outbox.oldestMs === null ? null : r.generatedMs - r.outbox.oldestMs;
  const u = r.upstream;
  const pending = r.history.backlog.map((b): [number, number] => [b.t, b.pending]);
  const trend = describeTrend(backlogTrend(r.history.backlog), r.outbox.pending);
  const ages = r.history.backlog.map((b): [number, number] => [b.t, b.oldestAgeMs / 60_000]);
  return section(
    'upstream',
    'Upstream and backlog',
    `<div class="card"><p>MQTT ${badge(u.state, UPSTREAM_TONE[u.state])} · ${u.published} published · ${u.acked} acked · ${u.refused} refused${u.deadLettered ? ` · ${u.deadLettered} dead-lettered` : ''}</p>
<p>Backlog <b id="backlog-pending">${r.outbox.pending}</b> rows${oldest === null ? '' : `, oldest <b id="backlog-oldest">${duration(oldest)}</b>`}${trend ? ` · <span id="backlog-trend">${e(trend)}</span>` : ''}</p>
<div class="charts"><figure>${sparkline(pending, { fromMs: span(from, pending), toMs: r.generatedMs, label: 'rows waiting, up to the last hour', width: 240, height: 48 })}<figcaption>rows waiting, up to the last hour</figcaption></figure>
<figure>${sparkline(ages, { fromMs: span(from, ages), toMs: r.generatedMs, label: 'age of the oldest row in minutes, up to the last hour', width: 240, height: 48 })}<figcaption>oldest row's age (min), up to the last hour</figcaption></figure></div></div>`,
  );
}

function windowsSection(r: StatusReport): string {
  const i = r.ingest;
  return section(
    'windows',
    'Readings and windows',
    `<div class="card"><p>${plural(i.committed, 'reading')} stored · ${plural(i.windowsClosed, 'window')} closed · ${i.windowsRevised} revised · ${plural(i.late, 'late reading')}${i.heldForClock ? ` · ${i.heldForClock} held for the clock` : ''}</p></div>`,
  );
}

function crowdSection(r: StatusReport): string {
  if (!r.crowd || r.crowd.length === 0) return '';
  const rows = r.crowd
    .map(
      (z) =>
        `<tr><td>${e(z.id)}</td><td class="num">${z.count ?? '–'}${z.lowContrast ? ` ${badge('low contrast', 'warn')}` : ''}</td><td class="num">${z.density === null ? '–' : z.density.toFixed(2)}</td><td><b>${e(z.levelOfService ?? '–')}</b>${z.congested ? ` ${badge('congested', 'bad')}` : ''}</td><td class="num">${z.forecast ? `${z.forecast.nextHour.toFixed(0)} / ${z.forecast.in24h.toFixed(0)}` : '–'}</td></tr>`,
    )
    .join('');
  return section(
    'crowd',
    'Crowd zones',
    `<div class="scroll"><table><thead><tr><th>Zone</th><th>People</th><th>per m²</th><th>Level of service</th><th>Forecast 1 h / 24 h</th></tr></thead><tbody>${rows}</tbody></table></div>`,
  );
}

function modelsSection(r: StatusReport): string {
  const models = r.models?.models ?? [];
  if (models.length === 0) return '';
  const rows = models
    .map(
      (m) =>
        `<tr><td>${e(m.name)}</td><td>${m.state === 'running' ? badge('running', 'ok') : badge('refused', 'bad')}</td><td>${e(m.version ?? '–')}</td><td class="num">${m.stats?.p50Ms === null || m.stats?.p50Ms === undefined ? '–' : `${m.stats.p50Ms.toFixed(2)} ms`}</td><td class="num">${m.lastScore === null || m.lastScore === undefined ? '–' : shortNumber(m.lastScore)}</td><td class="ev">${e(m.reason ?? '')}</td></tr>`,
    )
    .join('');
  return section(
    'models',
    `Models (${r.models?.backend ?? 'no backend'})`,
    `<div class="scroll"><table><thead><tr><th>Model</th><th>State</th><th>Version</th><th>Latency p50</th><th>Score</th><th></th></tr></thead><tbody>${rows}</tbody></table></div>`,
  );
}

function systemSection(r: StatusReport): string {
  const s = r.store;
  const clockTone = r.clock.state === 'synced' ? 'ok' : r.clock.state === 'saved' ? 'warn' : 'bad';
  const drops = Object.entries(s.drops)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  const nr = r.nodeRed
    ? `<p>Node-RED ${badge(r.nodeRed.state, r.nodeRed.state === 'running' ? 'ok' : r.nodeRed.state === 'failed' ? 'bad' : 'idle')} <a href="${e(r.nodeRed.url)}">${e(r.nodeRed.url)}</a></p>`
    : '';
  return section(
    'system',
    'Clock, storage, system',
    `<div class="card"><p>Clock ${badge(r.clock.state, clockTone)} ${e(new Date(r.clock.wallMs).toISOString())}</p>
<p>Store ${bytes(s.usedBytes)} of ${bytes(s.budgetBytes)} (${((100 * s.usedBytes) / Math.max(1, s.budgetBytes)).toFixed(0)} %)${drops ? ` · dropped: ${e(drops)}` : ''}${s.startedAfterCrash ? ` · ${badge('recovered after an unclean stop', 'warn')}` : ''}</p>
${r.disk ? `<p>Disk ${bytes(r.disk.freeBytes)} free of ${bytes(r.disk.totalBytes)}</p>` : ''}${nr}
<p class="quiet">edge-gw ${e(r.version)} · up ${duration(r.uptimeS * 1000)} · store epoch ${e(r.epoch)}</p></div>`,
  );
}

const STYLE = `
:root{color-scheme:light dark;--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--idle:#6e7781;--line:#8884}
body{font:15px/1.4 system-ui,sans-serif;margin:0 auto;padding:8px 12px;max-width:960px}
header{display:flex;flex-wrap:wrap;gap:6px 14px;align-items:baseline;border-bottom:1px solid var(--line);padding-bottom:6px}
h1{font-size:1.3em;margin:0}h2{font-size:1.1em;margin:18px 0 6px}h3{font-size:1em;margin:0 0 4px}
.badge{display:inline-block;padding:0 7px;border-radius:9px;color:#fff;font-size:.85em;font-weight:600}
.ok{background:var(--ok)}.warn{background:var(--warn)}.bad{background:var(--bad)}.idle{background:var(--idle)}
.card{border:1px solid var(--line);border-radius:6px;padding:8px 10px;margin:6px 0}
.device{display:inline-block;vertical-align:top;width:100%;max-width:450px;box-sizing:border-box;margin-right:6px}
table{border-collapse:collapse;width:100%}td,th{padding:3px 6px;text-align:left;border-bottom:1px solid var(--line)}
.points td{border:0;padding:1px 4px}.num{text-align:right;font-variant-numeric:tabular-nums}.unit{color:var(--idle);font-size:.85em}
.quiet{color:var(--idle);margin:2px 0}.ev{font-size:.85em;color:var(--idle)}p{margin:4px 0}
.spark path{fill:none;stroke:currentColor;stroke-width:1.5}.spark circle{fill:currentColor}.spark .none{fill:var(--idle);font-size:10px}
.scroll{overflow-x:auto}.alarm .ev{margin:2px 0 0;overflow-wrap:anywhere}.spark{max-width:100%;height:auto}
.charts{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0}figcaption{font-size:.8em;color:var(--idle)}
`;

/** The local status page: one HTML document, no script, reloading itself every 15 s. */
export function statusPage(r: StatusReport): string {
  const upTone = UPSTREAM_TONE[r.upstream.state];
  const activeAlarms = r.history.alarms.active.length;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="refresh" content="${REFRESH_S}"><title>${e(r.gatewayId)} · edge-gw status</title><style>${STYLE}</style></head>
<body><header><h1>${e(r.gatewayId)}</h1><span>upstream ${badge(r.upstream.state, upTone)}</span><span>clock ${badge(r.clock.state, r.clock.state === 'synced' ? 'ok' : 'warn')}</span><span>${activeAlarms ? badge(`${activeAlarms} alarm${activeAlarms > 1 ? 's' : ''}`, 'bad') : badge('no alarms', 'ok')}</span><span class="quiet">backlog ${r.outbox.pending}</span></header>
${alarmsSection(r)}${devicesSection(r)}${backlogSection(r)}${crowdSection(r)}${windowsSection(r)}${modelsSection(r)}${systemSection(r)}
<footer class="quiet"><p>Updated ${e(new Date(r.generatedMs).toISOString())}, reloads every ${REFRESH_S} s · <a href="/api/status">JSON</a> · <a href="/metrics">metrics</a></p></footer>
</body></html>
`;
}
