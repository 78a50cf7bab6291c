import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceCatalogue } from '../../runtime/devices/catalogue.js';
import { editorSecretsFile } from '../../runtime/node-red/editor-secrets.js';
import type { StatusReport } from '../../runtime/status/status-report.js';
import { freePort } from '../../scripts/lib/free-port.js';
import { startMeterAndBroker, type MeterAndBroker } from '../harness/meter-and-broker.js';
import { run, tsxArgs } from '../harness/processes.js';
import { startStatusSite, type StatusSite } from '../harness/status-site.js';
import { waitFor } from '../harness/wait-for.js';

const edgeGw = (...args: string[]) => run(process.execPath, tsxArgs('runtime/cli/main.ts', args));

const catalogue = DeviceCatalogue.load();
let site: MeterAndBroker;
let gw: StatusSite;
const siteFile = (): string => join(gw.dir, 'site.yaml');

beforeAll(async () => {
  site = await startMeterAndBroker(catalogue);
  gw = await startStatusSite(catalogue, site, `{ enabled: true, port: ${await freePort()} }`);
  await waitFor(
    () => gw.gateway.report().history.alarms.active.length > 0,
    'the voltage alarm to be raised',
  );
});
afterAll(async () => {
  await gw.gateway.stop();
  await site.stop();
});

describe('edge-gw status', () => {
  it("prints the running gateway's devices, alarm and backlog", async () => {
    const result = await edgeGw('status', '--config', siteFile());
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^gateway {3}lp-test \(edge-gw /m);
    expect(result.stdout).toMatch(/^backlog {3}\d+ rows/m);
    expect(result.stdout).toMatch(/^ {2}\w+ +out_of_range on mains \(raised/m);
    expect(result.stdout).toMatch(
      /^lamp1 +online +\d+ s ago +\d+\/\d+ +voltage=2\d\d(\.\d+)? VLT/m,
    );
  });

  it('prints the whole status as JSON', async () => {
    const result = await edgeGw('status', '--json', '--config', siteFile());
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as StatusReport;
    expect(report.gatewayId).toBe('lp-test');
    expect(report.devices.lamp1?.state).toBe('online');
  });

  it('says so, and exits 1, when the gateway refuses the login (a wrong password)', async () => {
    const file = editorSecretsFile(gw.config.gateway.dataDir);
    const original = readFileSync(file, 'utf8');
    const secrets = JSON.parse(original) as { password: string };
    writeFileSync(file, JSON.stringify({ ...secrets, password: 'wrong-password-123' }));
    try {
      const result = await edgeGw('status', '--config', siteFile());
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`refused the login in ${file}`);
    } finally {
      writeFileSync(file, original);
    }
  });

  it('says no gateway answers, and exits 1, when none runs on the configured port', async () => {
    const other = join(gw.dir, 'other.yaml');
    const port = await freePort();
    writeFileSync(
      other,
      readFileSync(siteFile(), 'utf8').replace(
        /statusPage: .*/,
        `statusPage: { enabled: true, port: ${port} }`,
      ),
    );
    const result = await edgeGw('status', '--config', other);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`no gateway answers at http://127.0.0.1:${port}/api/status`);
  });

  it('explains that the status page is off, and exits 1', async () => {
    const off = join(gw.dir, 'off.yaml');
    writeFileSync(off, readFileSync(siteFile(), 'utf8').replace(/statusPage: .*/, ''));
    const result = await edgeGw('status', '--config', off);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the status page is off in this config');
  });

  it("lets the doctor read a running gateway's devices from it instead of opening their ports", async () => {
    const result = await edgeGw('doctor', '--config', siteFile(), '--no-upstream');
    expect(result.stdout).toMatch(/^\[ ok \] device lamp1 +online in the running gateway/m);
    expect(result.stdout).not.toContain('probing');
  });

  it('exports diagnostics with the live counters and without any secret', async () => {
    const dir = join(gw.dir, 'diag');
    const log = join(gw.dir, 'edge-gw.log');
    writeFileSync(
      log,
      ['{"msg":"old"}', '{"msg":"gateway started"}', '{"msg":"alarm raised"}', ''].join('\n'),
    );
    const out = join(dir, 'd.tar.gz');
    const result = await edgeGw(
      'export-diagnostics',
      '--config',
      siteFile(),
      '--out',
      out,
      '--log-file',
      log,
      '--log-lines',
      '2',
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`wrote ${out}`);
    execFileSync('tar', ['-xzf', out, '-C', dir]);
    const listed = execFileSync('tar', ['-tzf', out], { encoding: 'utf8' }).trim().split('\n');
    expect(listed).toEqual(
      expect.arrayContaining([
        'README.txt',
        'config/site.yaml',
        'logs/edge-gw.log',
        'store/statistics.json',
        'status/status.json',
        'doctor.txt',
        'system.json',
      ]),
    );
    const status = JSON.parse(
      readFileSync(join(dir, 'status/status.json'), 'utf8'),
    ) as StatusReport;
    expect(status.devices.lamp1?.requests).toBeGreaterThan(0);
    const stats = JSON.parse(readFileSync(join(dir, 'store/statistics.json'), 'utf8')) as {
      rows: Record<string, number>;
    };
    expect(stats.rows.readings).toBeGreaterThan(0);
    expect(readFileSync(join(dir, 'logs/edge-gw.log'), 'utf8')).toBe(
      '{"msg":"gateway started"}\n{"msg":"alarm raised"}\n',
    );
    // Nothing from the secrets file is anywhere in the archive.
    const secrets = JSON.parse(
      readFileSync(editorSecretsFile(gw.config.gateway.dataDir), 'utf8'),
    ) as { password: string; credentialSecret: string };
    const everything = listed.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
    expect(everything).not.toContain(secrets.password);
    expect(everything).not.toContain(secrets.credentialSecret);
  });
});
