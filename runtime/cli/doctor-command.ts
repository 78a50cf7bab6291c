import { join } from 'node:path';
import { loadConfig } from '../config/load-config.js';
import type { SiteConfig } from '../config/schema.js';
import { DeviceCatalogue } from '../devices/catalogue.js';
import { probeDevices } from '../doctor/device-probe.js';
import { fail, formatCheck, ok, skip, warn, type CheckResult } from '../doctor/doctor-check.js';
import { localChecks } from '../doctor/local-checks.js';
import { upstreamChecks } from '../doctor/upstream-check.js';
import { STORE_FILE } from '../gateway/gateway.js';
import { DocumentError } from '../shared/document.js';
import { storeHolder } from '../store/store-lock.js';
import { plural } from '../shared/human-text.js';
import { EXIT } from './exit-codes.js';
import { fetchStatus } from './status-command.js';

export interface DoctorOptions {
  config: string;
  /** How long each device and the broker may take, ms. */
  timeout: string;
  devices: boolean;
  upstream: boolean;
}

const NAME_WIDTH = 16;

/** A running gateway holds the serial ports: its own view of the devices, from its status. */
async function runningDevices(config: SiteConfig, pid: number): Promise<CheckResult[]> {
  const got = await fetchStatus(config, 3000);
  if ('problem' in got)
    return [
      skip(
        'devices',
        `the gateway runs (pid ${pid}) and holds the ports; its status is not readable: ${got.problem}`,
      ),
    ];
  return Object.entries(got.report.devices).map(([id, h]) => {
    const name = `device ${id}`;
    const detail = `${h.state} in the running gateway (${h.responses}/${h.requests} answered)`;
    if (h.state === 'online') return ok(name, detail);
    if (h.state === 'offline')
      return fail(name, detail, 'check power and wiring; `edge-gw status` shows the last answer');
    return warn(
      name,
      detail,
      h.state === 'degraded'
        ? 'retries or exceptions: check wiring and termination'
        : 'not polled yet: run the doctor again in a minute',
    );
  });
}

/** `edge-gw doctor`: every check a gateway needs to work, one line each, with what to do. */
export async function doctorCommand(
  opts: DoctorOptions,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const timeoutMs = Number(opts.timeout);
  if (!Number.isFinite(timeoutMs) || timeoutMs < 100) {
    err(`--timeout: ${opts.timeout} is not a number of milliseconds (at least 100)`);
    return EXIT.usage;
  }
  const catalogue = DeviceCatalogue.load();
  const results: CheckResult[] = [];
  const show = (checks: CheckResult[]): void => {
    for (const c of checks) {
      results.push(c);
      out(formatCheck(c, NAME_WIDTH));
    }
  };
  let config: SiteConfig;
  try {
    config = loadConfig(opts.config, { catalogue });
  } catch (e) {
    if (!(e instanceof DocumentError)) throw e;
    show([
      fail(
        'config',
        e.message,
        `fix the lines above; edge-gw check --config ${opts.config} checks again`,
      ),
    ]);
    return EXIT.failed;
  }
  show([
    ok(
      'config',
      `${opts.config} is valid (${plural(config.devices.length, 'device')} on ${plural(config.buses.length, 'bus', 'buses')})`,
    ),
  ]);
  show(localChecks(config, opts.config, new Date()));
  if (opts.devices) {
    const pid = storeHolder(join(config.gateway.dataDir, STORE_FILE));
    if (pid === undefined)
      out(
        `       probing ${plural(config.devices.length, 'device')} once (up to ${timeoutMs} ms) ...`,
      );
    show(
      pid === undefined
        ? await probeDevices(config, catalogue, timeoutMs)
        : await runningDevices(config, pid),
    );
  } else show([skip('devices', 'not probed (--no-devices)')]);
  if (opts.upstream) show(await upstreamChecks(config, timeoutMs));
  else show([skip('upstream', 'not checked (--no-upstream)')]);

  const n = (s: CheckResult['status']): number => results.filter((r) => r.status === s).length;
  out('');
  out(`${n('ok')} ok, ${plural(n('warn'), 'warning')}, ${plural(n('fail'), 'failure')}`);
  return n('fail') > 0 ? EXIT.failed : EXIT.ok;
}
