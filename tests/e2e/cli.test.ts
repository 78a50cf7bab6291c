import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceCatalogue } from '../../runtime/devices/catalogue.js';
import { startMeterAndBroker, type MeterAndBroker } from '../harness/meter-and-broker.js';
import { LongRunning, run, tsxArgs } from '../harness/processes.js';
import { testSite } from '../harness/site-config.js';
import { SummaryCollector } from '../harness/summary-collector.js';
import { tempDir } from '../harness/temp-dir.js';
import { waitFor } from '../harness/wait-for.js';

const CLI = 'runtime/cli/main.ts';
const edgeGw = (...args: string[]) => run(process.execPath, tsxArgs(CLI, args));
const fixtures = join(import.meta.dirname, '../fixtures/config');

describe('edge-gw check', () => {
  it('prints an error naming the file, line and field of a broken config, and exits 1', async () => {
    const file = join(fixtures, 'bad/08-unknown-profile.yaml');
    const result = await edgeGw('check', '--config', file);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      `${file}:8:14 devices[0].profile: unknown profile "eastron-sdm12" (did you mean "eastron-sdm120"?)`,
    );
  });

  it('prints a summary of a valid config and exits 0', async () => {
    const result = await edgeGw('check', '--config', join(fixtures, 'good/minimal.yaml'));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('valid site config (version 1)');
    expect(result.stdout).toMatch(
      /devices\s+lamp1 {2}eastron-sdm120 on tcp0, unit 1, every 1000 ms, 9 points/,
    );
  });

  it('prints the resolved config as JSON on request', async () => {
    const result = await edgeGw('check', '--json', '--config', join(fixtures, 'good/minimal.yaml'));
    expect(result.code).toBe(0);
    expect(
      (JSON.parse(result.stdout) as { store: { commitIntervalMs: number } }).store.commitIntervalMs,
    ).toBe(1000);
  });
});

describe('edge-gw flow install', () => {
  it('installs an example flow, keeps existing flows without --force, and names unknown examples', async () => {
    const dir = tempDir();
    const file = join(dir, 'site.yaml');
    writeFileSync(file, readFileSync(join(fixtures, 'good/minimal.yaml'), 'utf8'));
    const first = await edgeGw('flow', 'install', 'lamp-pole', '--config', file);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('the flow names pavement, lamp, which this site does not have');
    const flows = join(dir, 'data', 'flows.json');
    writeFileSync(flows, '[{"id":"mine","type":"tab"}]');
    const again = await edgeGw('flow', 'install', 'lamp-pole', '--config', file);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(
      `${flows} already holds this site's flows; --force replaces them`,
    );
    expect(readFileSync(flows, 'utf8')).toBe('[{"id":"mine","type":"tab"}]');
    const forced = await edgeGw('flow', 'install', 'lamp-pole', '--config', file, '--force');
    expect(forced.code).toBe(0);
    expect(readFileSync(`${flows}.backup`, 'utf8')).toBe('[{"id":"mine","type":"tab"}]');
    const unknown = await edgeGw('flow', 'install', 'lamp-post', '--config', file);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no example flow "lamp-post"; the examples are: lamp-pole');
  });
});

describe('edge-gw help and usage', () => {
  it.each([[[]], [['check']], [['run']]])('--help works for %j', async (sub) => {
    const result = await edgeGw(...sub, '--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Usage: edge-gw${sub.length ? ` ${sub[0]}` : ''}`);
  });

  it('exits 2 on a usage error and says what was wrong', async () => {
    const missing = await edgeGw('check');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '-c, --config <file>' not specified");
    const typo = await edgeGw('chek');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('Did you mean check?');
  });

  it('runs from the installed command (the build `npm install` made)', async () => {
    const result = await run(process.execPath, ['bin/edge-gw.js', '--version']);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(result.code).toBe(0);
  });
});

describe('edge-gw run', () => {
  const catalogue = DeviceCatalogue.load();
  let site: MeterAndBroker;
  beforeAll(async () => {
    site = await startMeterAndBroker(catalogue);
  });
  afterAll(async () => {
    await site.stop();
  });

  it('runs the gateway on the real clock until SIGTERM, then stops cleanly with exit 0', async () => {
    const collector = await SummaryCollector.start(site.broker.url);
    const { file } = testSite({
      dir: tempDir(),
      simulatorPort: site.meter.port,
      upstreamUrl: site.broker.url,
      window: 'PT1S',
      pollMs: 250,
    });
    const gateway = new LongRunning(
      process.execPath,
      tsxArgs(CLI, ['run', '--config', file, '--no-pretty']),
    );
    try {
      await waitFor(
        () => collector.t0s('lamp1', 'voltage').length >= 2,
        'two windows upstream',
        20_000,
      );
      const stopped = await gateway.stop('SIGTERM', 10_000);
      expect(stopped.code).toBe(0);
      const events = stopped.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { msg: string; ns?: string });
      expect(events.map((e) => e.msg)).toEqual(
        expect.arrayContaining([
          'gateway started',
          'upstream connected',
          'device online',
          'stopping',
          'gateway stopped',
        ]),
      );
      expect(stopped.stderr).toBe('');
    } finally {
      gateway.kill();
      await collector.stop();
    }
    // Real-clock windows are UTC-aligned and consecutive.
    const t0s = collector.t0s('lamp1', 'voltage');
    expect(t0s.every((t) => t % 1000 === 0)).toBe(true);
    expect(t0s.slice(1).map((t, i) => t - (t0s[i] ?? 0))).toEqual(t0s.slice(1).map(() => 1000));
  });

  it('refuses a broken config before touching anything, exit 1', async () => {
    const result = await edgeGw('run', '--config', join(fixtures, 'bad/09-missing-bus.yaml'));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('devices[0].bus: no bus has the id "tcp1"');
  });
});
