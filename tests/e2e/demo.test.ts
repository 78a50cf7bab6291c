/**
 * The demo as a newcomer runs it: `npm start`, in its own process group, stopped the way Ctrl-C
 * stops it (SIGINT to the group).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Mosquitto } from '../harness/mosquitto.js';
import { LongRunning } from '../harness/processes.js';
import { SummaryCollector } from '../harness/summary-collector.js';
import { freePort } from '../harness/node-red-site.js';
import { tempDir } from '../harness/temp-dir.js';
import { waitFor } from '../harness/wait-for.js';

const running: LongRunning[] = [];
afterEach(() => {
  for (const p of running.splice(0)) p.kill();
});

function npmStart(dataDir: string, ...args: string[]): LongRunning {
  const demo = new LongRunning('npm', ['start', '--silent', '--', '--data-dir', dataDir, ...args]);
  running.push(demo);
  return demo;
}

/** Summary rows waiting in the demo's outbox: one per closed window. */
function pendingInStore(dataDir: string): number {
  const file = join(dataDir, 'store.db');
  if (!existsSync(file)) return 0;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (
      db
        .prepare("SELECT count(*) AS n FROM outbox WHERE acked_ms IS NULL AND kind = 'summary'")
        .get() as { n: number }
    ).n;
  } finally {
    db.close();
  }
}

describe('npm start', () => {
  it('shows a one-minute summary arriving upstream within about 70 s, and stops cleanly on Ctrl-C', async () => {
    const t0 = Date.now();
    const { port } = await freePort();
    const demo = npmStart(tempDir('demo-'), '--node-red-port', String(port), '--status-port', '0');
    await waitFor(() => demo.stdout.includes('Ctrl-C stops everything'), 'the banner', 30_000);
    // The flow editor, behind the login generated for this gateway: 401 without it.
    expect(demo.stdout).toMatch(
      new RegExp(
        `node-red {3}editor http://127\\.0\\.0\\.1:${String(port)}/ : log in with the user and password in \\S+secrets/node-red\\.json`,
      ),
    );
    expect((await fetch(`http://127.0.0.1:${String(port)}/flows`)).status).toBe(401);
    // The status page, open on loopback: its metrics name the simulated meter.
    const page = /status {5}(http:\/\/127\.0\.0\.1:\d+\/) :/.exec(demo.stdout)?.[1];
    expect(page).toBeDefined();
    await waitFor(
      async () =>
        (await (await fetch(`${page ?? ''}metrics`)).text()).includes(
          'edgegw_device_up{device="lamp1"} 1',
        ),
      'the meter up in the metrics',
      20_000,
    );
    expect(demo.stdout).toMatch(
      /meter {6}simulated Eastron SDM120, Modbus TCP on 127\.0\.0\.1:\d+/,
    );
    expect(demo.stdout).toMatch(
      /upstream {3}mqtt:\/\/127\.0\.0\.1:\d+ \(embedded broker, MQTT 3\.1\.1\)/,
    );
    // A crowd zone under the simulated thermal array (CI has socat), its level of service shown.
    expect(demo.stdout).toContain(
      'crowd      zone "pavement", 10 m² under a simulated GY-MCU90640',
    );
    await waitFor(
      () =>
        /crowd {6}pavement: \d+ people, [\d.]+ per m², level of service [A-F]/.test(demo.stdout),
      'the crowd zone counted',
      20_000,
    );
    // The shipped learned detector runs, off the event loop.
    expect(demo.stdout).toMatch(
      /model {6}lamp-circuit-ae sim-\S+ \(learned detector, \w+ backend in a worker thread\)/,
    );
    await waitFor(
      () => /summary seq \d+, window \S+ \+ PT1M/.test(demo.stdout),
      'the first one-minute summary upstream',
      75_000,
    );
    expect(Date.now() - t0).toBeLessThan(75_000);
    const stopped = await demo.stop('SIGINT', 15_000);
    expect(stopped.stdout).toMatch(
      /SIGINT: stopping\n(.*\n)*stopped cleanly; \d+ summary messages? arrived upstream/,
    );
    expect(stopped.stderr).not.toMatch(/handles still open|Error/);
  }, 120_000);

  it('keeps every window through an upstream broker outage (--upstream to a real Mosquitto)', async () => {
    const broker = await Mosquitto.start();
    const collector = await SummaryCollector.start(broker.url);
    const dataDir = tempDir('demo-');
    const demo = npmStart(
      dataDir,
      '--node-red-port',
      'off',
      '--upstream',
      broker.url,
      '--window',
      'PT2S',
      '--poll-ms',
      '250',
    );
    try {
      await waitFor(
        () => collector.t0s('lamp1', 'voltage').length >= 2,
        'two windows before the outage',
        30_000,
      );
      await broker.stop();
      const downAt = Date.now();
      await waitFor(
        () => /upstream lost; rows wait in the outbox/.test(demo.stdout + demo.stderr),
        'the demo to report the outage',
        10_000,
      );
      // Keep upstream away until several windows have closed into the demo's outbox.
      await waitFor(
        () => pendingInStore(dataDir) >= 4,
        'four windows waiting in the outbox',
        30_000,
      );
      await broker.start();
      await waitFor(() => collector.ready, 'the collector to resubscribe');
      const upAt = Date.now();
      await waitFor(
        () => (collector.t0s('lamp1', 'voltage').at(-1) ?? 0) > upAt + 2_000,
        'windows after the outage',
        60_000,
      );
      const t0s = collector.t0s('lamp1', 'voltage');
      const first = t0s[0] ?? 0;
      const last = t0s.at(-1) ?? 0;
      // Every 2-second window from the first to the last, exactly once after dedupe.
      expect(t0s).toEqual(
        Array.from({ length: (last - first) / 2000 + 1 }, (_, i) => first + i * 2000),
      );
      expect(t0s.filter((t) => t > downAt && t + 2000 < upAt).length).toBeGreaterThanOrEqual(3);
      expect(collector.conflicts).toEqual([]);
      const stopped = await demo.stop('SIGINT', 15_000);
      expect(stopped.stdout).toContain('stopped cleanly');
    } finally {
      await collector.stop();
      await broker.stop();
    }
  }, 120_000);
});
