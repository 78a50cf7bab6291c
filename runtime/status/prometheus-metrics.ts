import type { StatusReport } from './status-report.js';

type Labels = Record<string, string>;

interface Family {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  samples: { labels?: Labels; value: number }[];
}

/** Label values escaped as the exposition format asks: backslash, double quote, newline. */
function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function render(families: readonly Family[]): string {
  const lines: string[] = [];
  for (const f of families) {
    if (f.samples.length === 0) continue;
    lines.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = Object.entries(s.labels ?? {});
      const l =
        labels.length === 0
          ? ''
          : `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
      lines.push(`${f.name}${l} ${formatValue(s.value)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

const gauge = (name: string, help: string, samples: Family['samples']): Family => ({
  name,
  help,
  type: 'gauge',
  samples,
});
const counter = (name: string, help: string, samples: Family['samples']): Family => ({
  name,
  help,
  type: 'counter',
  samples,
});

/**
 * The status in Prometheus' text exposition format (version 0.0.4), prefixed `edgegw_`. Counters
 * are the runtime's own since the process started; a restart resets them, which Prometheus'
 * `rate()` expects.
 */
export function prometheusMetrics(r: StatusReport): string {
  const devices = Object.entries(r.devices);
  const perDevice = (pick: (h: (typeof devices)[number][1]) => number): Family['samples'] =>
    devices.map(([device, h]) => ({ labels: { device }, value: pick(h) }));
  const ageS = (ms: number | null): number =>
    ms === null ? 0 : Math.max(0, (r.generatedMs - ms) / 1000);
  const backlogAge = r.outbox.oldestMs === null ? 0 : ageS(r.outbox.oldestMs);

  return render([
    gauge('edgegw_info', 'The gateway and its version (always 1).', [
      { labels: { gateway: r.gatewayId, version: r.version }, value: 1 },
    ]),
    gauge('edgegw_uptime_seconds', 'Seconds since the gateway started.', [{ value: r.uptimeS }]),
    gauge('edgegw_clock_synced', '1 when the wall clock is synchronised this boot.', [
      { value: r.clock.state === 'synced' ? 1 : 0 },
    ]),
    gauge('edgegw_device_up', '1 when the device answered its last poll (online or degraded).', [
      ...perDevice((h) => (h.state === 'online' || h.state === 'degraded' ? 1 : 0)),
    ]),
    counter(
      'edgegw_device_requests_total',
      'Requests sent to the device.',
      perDevice((h) => h.requests),
    ),
    counter(
      'edgegw_device_timeouts_total',
      'Requests the device did not answer in time.',
      perDevice((h) => h.timeouts),
    ),
    counter(
      'edgegw_device_crc_errors_total',
      'Answers with a bad checksum.',
      perDevice((h) => h.crcErrors),
    ),
    counter(
      'edgegw_device_exceptions_total',
      'Modbus exception answers.',
      perDevice((h) => h.exceptions),
    ),
    gauge(
      'edgegw_device_last_ok_age_seconds',
      'Seconds since the device last answered cleanly (absent before its first answer).',
      devices
        .filter(([, h]) => h.lastOkWallMs !== null)
        .map(([device, h]) => ({ labels: { device }, value: ageS(h.lastOkWallMs) })),
    ),
    gauge(
      'edgegw_reading',
      'The latest good value of each point, in its UN/CEFACT unit.',
      r.history.streams
        .filter((s) => s.last !== null)
        .map((s) => ({
          labels: { device: s.device, point: s.point, unit: s.unit },
          value: s.last ?? Number.NaN,
        })),
    ),
    gauge('edgegw_outbox_pending_rows', 'Rows waiting to be sent or acknowledged upstream.', [
      { value: r.outbox.pending },
    ]),
    gauge(
      'edgegw_outbox_oldest_age_seconds',
      'Age of the oldest row waiting upstream (0 when none).',
      [{ value: backlogAge }],
    ),
    gauge('edgegw_upstream_connected', '1 while the MQTT connection is up.', [
      { value: r.upstream.state === 'connected' ? 1 : 0 },
    ]),
    counter('edgegw_upstream_published_total', 'MQTT messages published.', [
      { value: r.upstream.published },
    ]),
    counter('edgegw_upstream_acked_total', 'Outbox rows the broker accepted.', [
      { value: r.upstream.acked },
    ]),
    counter('edgegw_upstream_refused_total', 'Publishes the broker refused.', [
      { value: r.upstream.refused },
    ]),
    counter('edgegw_upstream_connects_total', 'Connections made to the broker.', [
      { value: r.upstream.connects },
    ]),
    counter('edgegw_readings_committed_total', 'Readings committed to the store.', [
      { value: r.ingest.committed },
    ]),
    counter('edgegw_windows_closed_total', 'Windows closed and summarised.', [
      { value: r.ingest.windowsClosed },
    ]),
    gauge(
      'edgegw_alarm_active',
      'Alarms raised and not cleared (1 each).',
      r.history.alarms.active.map((a) => ({
        labels: { alarm: a.name, subject: a.subject, severity: a.severity },
        value: 1,
      })),
    ),
    gauge('edgegw_store_used_bytes', 'Bytes the store uses.', [{ value: r.store.usedBytes }]),
    gauge('edgegw_store_budget_bytes', 'The store budget from the config.', [
      { value: r.store.budgetBytes },
    ]),
    counter(
      'edgegw_store_dropped_rows_total',
      'Rows dropped since the store was created, by reason.',
      Object.entries(r.store.drops).map(([reason, value]) => ({ labels: { reason }, value })),
    ),
    gauge(
      'edgegw_disk_free_bytes',
      "Free bytes on the data directory's file system.",
      r.disk ? [{ value: r.disk.freeBytes }] : [],
    ),
    gauge(
      'edgegw_crowd_people',
      'People counted in the zone (latest).',
      (r.crowd ?? [])
        .filter((z) => z.count !== null)
        .map((z) => ({ labels: { zone: z.id }, value: z.count ?? 0 })),
    ),
    gauge(
      'edgegw_crowd_density',
      'Persons per square metre in the zone (latest).',
      (r.crowd ?? [])
        .filter((z) => z.density !== null)
        .map((z) => ({ labels: { zone: z.id }, value: z.density ?? 0 })),
    ),
    gauge(
      'edgegw_crowd_congested',
      '1 while the zone is congested.',
      (r.crowd ?? []).map((z) => ({ labels: { zone: z.id }, value: z.congested ? 1 : 0 })),
    ),
    gauge(
      'edgegw_crowd_low_contrast',
      '1 while a thermal zone sees too little contrast to trust its count.',
      (r.crowd ?? []).map((z) => ({ labels: { zone: z.id }, value: z.lowContrast ? 1 : 0 })),
    ),
    gauge(
      'edgegw_model_latency_p50_ms',
      'Median latency of one inference call of the active version, ms.',
      (r.models?.models ?? [])
        .filter((m) => m.stats?.p50Ms !== null && m.stats?.p50Ms !== undefined)
        .map((m) => ({
          labels: { model: m.name, version: m.version ?? '' },
          value: m.stats?.p50Ms ?? 0,
        })),
    ),
    gauge(
      'edgegw_model_running',
      '1 when the model runs, 0 when its bundle was refused.',
      (r.models?.models ?? []).map((m) => ({
        labels: { model: m.name },
        value: m.state === 'running' ? 1 : 0,
      })),
    ),
  ]);
}
