import { describe, expect, it } from 'vitest';
import { describeStatus } from '../../../runtime/cli/status-command.js';
import { newDeviceHealth } from '../../../runtime/drivers/device-health.js';
import { prometheusMetrics } from '../../../runtime/status/prometheus-metrics.js';
import { sparkline } from '../../../runtime/status/sparkline.js';
import { statusPage } from '../../../runtime/status/status-page.js';
import type { StatusReport } from '../../../runtime/status/status-report.js';

const NOW = Date.UTC(2026, 10, 21, 12);

/** A whole report, as the gateway makes one, with a hostile alarm subject and point name. */
function report(): StatusReport {
  return {
    gatewayId: 'lp1',
    epoch: 'E1',
    storeFile: '/var/lib/edge-gw/store.db',
    devices: { lamp1: { ...newDeviceHealth(), state: 'online', requests: 10, responses: 9 } },
    ingest: {
      buffered: 0,
      committed: 100,
      late: 0,
      windowsClosed: 3,
      windowsRevised: 0,
      outboxRowsAdded: 3,
      commitFailures: 0,
      droppedBufferFull: 0,
      pruned: 0,
      heldForClock: 0,
      restamped: 0,
      clockSteps: 0,
      bytesPerReading: null,
    },
    upstream: {
      state: 'backoff',
      attempts: 4,
      connects: 1,
      published: 3,
      acked: 3,
      refused: 0,
      deadLettered: 0,
      split: 0,
      ackTimeouts: 0,
      takeovers: 0,
      inFlight: 0,
      window: 20,
      maxPacketBytes: 0,
      backfill: { bytesPerS: 0, msgsPerS: 0 },
      backfillDelayMs: 0,
      commands: 0,
    },
    outbox: { pending: 42, oldestMs: NOW - 5 * 60_000 },
    store: {
      usedBytes: 1 << 20,
      budgetBytes: 1 << 30,
      drops: { raw_readings: 7 },
      startedAfterCrash: false,
    },
    version: '0.1.0',
    generatedMs: NOW,
    uptimeS: 3600,
    clock: { state: 'synced', wallMs: NOW, bootId: 'b' },
    disk: { path: '/var/lib/edge-gw', freeBytes: 5e9, totalBytes: 8e9 },
    history: {
      streams: [
        {
          device: 'lamp1',
          point: 'volt"age\\',
          unit: 'VLT',
          last: 231.5,
          lastMs: NOW - 1000,
          minutes: [
            [NOW - 120_000, 230],
            [NOW - 60_000, 231.5],
          ],
        },
      ],
      backlog: [{ t: NOW, pending: 42, oldestAgeMs: 300_000 }],
      alarms: {
        active: [
          {
            name: 'lamp_failure',
            subject: '<script>alert(1)</script>',
            state: 'raised',
            severity: 'alarm',
            atMs: NOW - 60_000,
            evidence: { powerW: 0.4 },
          },
        ],
        recent: [],
      },
    },
  };
}

describe('the status page HTML', () => {
  it('escapes every value that comes from a site or a device', () => {
    const html = statusPage(report());
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('volt&quot;age\\');
  });

  it('shows the backlog, its oldest age and the upstream state', () => {
    const html = statusPage(report());
    expect(html).toContain('<b id="backlog-pending">42</b>');
    expect(html).toContain('<b id="backlog-oldest">5 min</b>');
    expect(html).toMatch(/MQTT <span class="badge bad">backoff<\/span>/);
    expect(html).toContain('dropped: 7 raw_readings');
  });
});

/** The report with two crowd zones: one seen on cool ground, one on ground too warm to trust. */
function withCrowd(): StatusReport {
  const zone = {
    thermal: 'cam1',
    state: 'running' as const,
    count: 4,
    density: 0.2,
    levelOfService: 'A' as const,
    congested: false,
    framesSeen: 10,
    framesCounted: 10,
    forecast: null,
    forecastBy: null,
  };
  return {
    ...report(),
    crowd: [
      { ...zone, id: 'plaza', personContrastC: 14.2, lowContrast: false },
      { ...zone, id: 'quay', personContrastC: 2.1, lowContrast: true },
    ],
  };
}

describe('the crowd zones on the status page and in the metrics', () => {
  it('marks the count of a zone whose ground is too warm to trust', () => {
    const rows = statusPage(withCrowd()).split('<tr>');
    expect(rows.find((r) => r.includes('quay'))).toContain('badge warn">low contrast');
    expect(rows.find((r) => r.includes('plaza'))).not.toContain('low contrast');
    const text = prometheusMetrics(withCrowd());
    expect(text).toContain('edgegw_crowd_low_contrast{zone="quay"} 1');
    expect(text).toContain('edgegw_crowd_low_contrast{zone="plaza"} 0');
    // `edge-gw status` on the field engineer's terminal.
    const lines = describeStatus(withCrowd());
    expect(lines.find((l) => l.startsWith('quay'))).toMatch(/2\.1 °C low\s*$/);
    expect(lines.find((l) => l.startsWith('plaza'))).toMatch(/14\.2 °C\s*$/);
  });
});

describe('the Prometheus metrics', () => {
  it('escapes label values and states each family once with its type', () => {
    const text = prometheusMetrics(report());
    expect(text).toContain(
      'edgegw_reading{device="lamp1",point="volt\\"age\\\\",unit="VLT"} 231.5',
    );
    expect(text).toContain('edgegw_outbox_oldest_age_seconds 300');
    expect(text).toContain('edgegw_upstream_connected 0');
    expect(text).toContain('edgegw_store_dropped_rows_total{reason="raw_readings"} 7');
    const types = text.split('\n').filter((l) => l.startsWith('# TYPE '));
    expect(new Set(types).size).toBe(types.length);
    // Families with no samples (no crowd zones, no models) are left out, not printed empty.
    expect(text).not.toContain('edgegw_crowd_people');
  });
});

describe('sparkline', () => {
  it('breaks the line across a gap and scales values into the box', () => {
    const svg = sparkline(
      [
        [0, 0],
        [60_000, 10],
        [600_000, 5],
      ],
      { fromMs: 0, toMs: 600_000, label: 'x', width: 102, height: 24 },
    );
    const d = /<path d="([^"]+)"/.exec(svg)?.[1] ?? '';
    // Two moves: the line starts again after the 9-minute gap.
    expect(d.match(/M/g)).toHaveLength(2);
    // x: 2 + t / 600 000 × 98; y: 22 − v / 10 × 20.
    expect(d).toBe('M2.0,22.0L11.8,2.0M100.0,12.0');
  });
});
