import { existsSync, readFileSync } from 'node:fs';
import type { SiteConfig } from '../config/schema.js';
import { DeviceCatalogue } from '../devices/catalogue.js';
import { editorSecretsFile } from '../node-red/editor-secrets.js';
import { backlogTrend, describeTrend } from '../status/backlog-trend.js';
import type { StatusReport } from '../status/status-report.js';
import { ago, duration } from '../shared/human-text.js';
import { EXIT } from './exit-codes.js';
import { loadRunnableSite } from './load-site.js';
import { formatValue, table } from './table.js';

export interface StatusOptions {
  config: string;
  json?: boolean;
  /** How long to wait for the gateway's answer, ms. */
  timeout?: string;
}

/** The address a command on this machine reaches the status page at. */
export function statusUrl(config: SiteConfig, path = '/api/status'): string {
  const bind = config.statusPage.bind;
  const host =
    bind === '0.0.0.0'
      ? '127.0.0.1'
      : bind === '::'
        ? '[::1]'
        : bind.includes(':')
          ? `[${bind}]`
          : bind;
  return `http://${host}:${config.statusPage.port}${path}`;
}

/** The Authorization header for the status page, or the reason there is none. */
export function statusLogin(config: SiteConfig): { header?: string; problem?: string } {
  if (config.statusPage.open) return {};
  const file = editorSecretsFile(config.gateway.dataDir);
  if (!existsSync(file))
    return { problem: `no login at ${file}: run \`edge-gw provision --config …\` first` };
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as { username?: string; password?: string };
    return {
      header: `Basic ${Buffer.from(`${s.username ?? ''}:${s.password ?? ''}`).toString('base64')}`,
    };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return {
      problem:
        code === 'EACCES'
          ? `cannot read ${file}: run as the gateway's user (sudo -u edge-gw) or with sudo`
          : `cannot read ${file}: ${(e as Error).message}`,
    };
  }
}

/** Fetches the running gateway's status; the reason in words when it cannot. */
export async function fetchStatus(
  config: SiteConfig,
  timeoutMs: number,
): Promise<{ report: StatusReport } | { problem: string }> {
  if (!config.statusPage.enabled)
    return {
      problem:
        'the status page is off in this config (statusPage.enabled: false); `edge-gw status` reads the running gateway through it',
    };
  const login = statusLogin(config);
  if (login.problem) return { problem: login.problem };
  const url = statusUrl(config);
  let res: Response;
  try {
    res = await fetch(url, {
      headers: login.header ? { authorization: login.header } : {},
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    return {
      problem:
        cause === 'ECONNREFUSED'
          ? `no gateway answers at ${url}: is it running? (systemctl status edge-gw)`
          : (e as Error).name === 'TimeoutError'
            ? `${url} did not answer within ${timeoutMs} ms`
            : `cannot reach ${url}: ${cause ?? (e as Error).message}`,
    };
  }
  if (res.status === 401)
    return {
      problem: `the gateway at ${url} refused the login in ${editorSecretsFile(config.gateway.dataDir)} (re-provisioned without a restart?)`,
    };
  if (!res.ok) return { problem: `${url} answered ${res.status} ${res.statusText}` };
  return { report: (await res.json()) as StatusReport };
}

const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;

/** The report as a field engineer reads it in a terminal. */
export function describeStatus(r: StatusReport): string[] {
  const now = r.generatedMs;
  const out: string[] = [];
  const trend = describeTrend(backlogTrend(r.history.backlog), r.outbox.pending);
  const oldest = r.outbox.oldestMs === null ? '' : `, oldest ${duration(now - r.outbox.oldestMs)}`;
  out.push(
    `gateway   ${r.gatewayId} (edge-gw ${r.version}, up ${Math.round(r.uptimeS / 60)} min)`,
    `clock     ${r.clock.state} ${new Date(r.clock.wallMs).toISOString()}`,
    `upstream  ${r.upstream.state}: ${r.upstream.published} published, ${r.upstream.acked} acked, ${r.upstream.refused} refused`,
    `backlog   ${r.outbox.pending} rows${oldest}${trend ? `; ${trend}` : ''}`,
    `store     ${mib(r.store.usedBytes)} of ${mib(r.store.budgetBytes)}${r.disk ? `; disk ${mib(r.disk.freeBytes)} free` : ''}`,
  );
  const alarms = r.history.alarms.active;
  out.push('', alarms.length === 0 ? 'alarms    none' : `alarms    ${alarms.length} active`);
  for (const a of alarms)
    out.push(`  ${a.severity.padEnd(7)} ${a.name} on ${a.subject} (raised ${ago(a.atMs, now)})`);
  out.push('');
  out.push(
    ...table(
      ['device', 'state', 'last answer', 'answered', 'values'],
      Object.entries(r.devices).map(([id, h]) => [
        id,
        h.state,
        ago(h.lastOkWallMs, now),
        `${h.responses}/${h.requests}`,
        r.history.streams
          .filter((s) => s.device === id)
          .slice(0, 4)
          .map((s) => `${s.point}=${formatValue(s.last)}${s.unit ? ` ${s.unit}` : ''}`)
          .join(', '),
      ]),
    ),
  );
  if (r.crowd?.length) {
    out.push('');
    out.push(
      ...table(
        ['zone', 'people', 'density', 'LOS', 'congested', 'contrast'],
        r.crowd.map((z) => [
          z.id,
          formatValue(z.count),
          formatValue(z.density),
          z.levelOfService ?? '-',
          z.congested ? 'yes' : 'no',
          // A thermal zone's person contrast; "low" when its counts are not to be trusted.
          z.personContrastC === null
            ? '-'
            : `${formatValue(z.personContrastC)} °C${z.lowContrast ? ' low' : ''}`,
        ]),
      ),
    );
  }
  if (r.models?.models.length) {
    out.push('');
    out.push(
      ...table(
        ['model', 'state', 'version', 'p50 ms'],
        r.models.models.map((m) => [
          m.name,
          m.state,
          m.version ?? '-',
          formatValue(m.stats?.p50Ms ?? null),
        ]),
      ),
    );
  }
  return out;
}

/** `edge-gw status`: the running gateway's status, from its status page's JSON. */
export async function statusCommand(
  opts: StatusOptions,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const site = loadRunnableSite(opts.config, DeviceCatalogue.load());
  if (!site.ok) {
    err(site.message);
    return EXIT.failed;
  }
  const timeoutMs = Number(opts.timeout ?? 3000);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    err(`--timeout: ${opts.timeout} is not a number of milliseconds`);
    return EXIT.usage;
  }
  const got = await fetchStatus(site.config, timeoutMs);
  if ('problem' in got) {
    err(`edge-gw status: ${got.problem}`);
    return EXIT.failed;
  }
  if (opts.json) out(JSON.stringify(got.report, null, 2));
  else for (const line of describeStatus(got.report)) out(line);
  return EXIT.ok;
}
