import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { arch, freemem, hostname, release, totalmem, uptime } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { SiteConfig } from '../config/schema.js';
import { identityFiles } from '../provision/provision.js';
import { STORE_FILE } from '../gateway/gateway.js';
import { packageVersion } from '../shared/package-root.js';
import type { StatusReport } from '../status/status-report.js';
import type { TarEntry } from './tar-writer.js';

/** Keys whose values are secrets wherever they appear; `…File` keys hold paths, not secrets. */
const SECRET_KEY = /(password|secret|token|apikey|api_key|credential)(?!file)/i;

/** A config file's text with every secret value replaced, and URLs' user:password removed. */
export function redactConfigText(text: string): { text: string; redacted: number } {
  let redacted = 0;
  const lines = text.split('\n').map((line) => {
    let l = line.replace(/(\w+:\/\/)([^/@\s'"]+)@/g, (_m, scheme: string) => {
      redacted++;
      return `${scheme}REDACTED@`;
    });
    // `key: value` in YAML (block or flow style) and `"key": value` in JSON.
    l = l.replace(
      /(["']?)([A-Za-z_][\w-]*)\1(\s*:\s*)("[^"]*"|'[^']*'|[^,}\s#]+)/g,
      (m, q: string, key: string, sep: string) => {
        if (!SECRET_KEY.test(key)) return m;
        redacted++;
        return `${q}${key}${q}${sep}"REDACTED"`;
      },
    );
    return l;
  });
  return { text: lines.join('\n'), redacted };
}

/** Row counts and sizes of the store, read-only (the gateway may be writing it). */
export function storeStatistics(file: string): Record<string, unknown> {
  if (!existsSync(file)) return { file, exists: false };
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const tables = db
      .prepare<[], { name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
      )
      .all()
      .map((t) => t.name);
    const rows: Record<string, number> = {};
    for (const t of tables)
      rows[t] =
        db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM "${t.replace(/"/g, '""')}"`).get()
          ?.n ?? 0;
    const pragma = (name: string): unknown => db?.pragma(name, { simple: true });
    const meta = tables.includes('meta')
      ? Object.fromEntries(
          db
            .prepare<[], { key: string; value: string }>('SELECT key, value FROM meta')
            .all()
            .map((r) => [r.key, r.value]),
        )
      : {};
    return {
      file,
      bytes: statSync(file).size,
      walBytes: existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0,
      pageSize: pragma('page_size'),
      pageCount: pragma('page_count'),
      freelistCount: pragma('freelist_count'),
      journalMode: pragma('journal_mode'),
      rows,
      meta,
    };
  } catch (e) {
    return { file, error: (e as Error).message };
  } finally {
    db?.close();
  }
}

/** The last `lines` of the gateway's log: its log file, else its journal. */
export function recentLogs(logFile: string, lines: number): { name: string; text: string } {
  if (existsSync(logFile)) {
    const all = readFileSync(logFile, 'utf8').split('\n');
    return { name: 'logs/edge-gw.log', text: all.slice(-lines - 1).join('\n') };
  }
  try {
    const text = execFileSync(
      'journalctl',
      ['-u', 'edge-gw', '-n', String(lines), '--no-pager', '-o', 'cat'],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 10_000,
      },
    );
    return { name: 'logs/journal.log', text };
  } catch {
    return {
      name: 'logs/none.txt',
      text: `no log file at ${logFile} and no journal for edge-gw on this machine\n`,
    };
  }
}

function identitySummary(config: SiteConfig): Record<string, unknown> {
  const f = identityFiles(config.gateway.dataDir);
  const out: Record<string, unknown> = {};
  if (existsSync(f.manifest))
    out.manifest = JSON.parse(readFileSync(f.manifest, 'utf8')) as unknown;
  for (const [name, file] of [['certificate', config.upstream.tls?.cert ?? f.cert]] as const)
    if (file && existsSync(file))
      try {
        const c = new X509Certificate(readFileSync(file));
        out[name] = {
          subject: c.subject,
          issuer: c.issuer,
          validFrom: c.validFrom,
          validTo: c.validTo,
          fingerprint256: c.fingerprint256,
        };
      } catch (e) {
        out[name] = { file, error: (e as Error).message };
      }
  return out;
}

export interface DiagnosticsInput {
  configFile: string;
  config: SiteConfig;
  logFile: string;
  logLines: number;
  /** The running gateway's status (device counters), or why there is none. */
  status: StatusReport | { problem: string };
  /** `edge-gw doctor`'s local checks, as printed. */
  checks: string[];
  now: Date;
}

/**
 * The files of a diagnostics bundle for support: the config (secrets redacted), recent logs,
 * store statistics, the device counters of the running gateway, the doctor's local checks and
 * the system. Never the data directory's secrets: no key, no password, no flow credentials.
 */
export function diagnosticsEntries(input: DiagnosticsInput): {
  entries: TarEntry[];
  redacted: number;
} {
  const t = input.now.getTime();
  const { text: configText, redacted } = redactConfigText(readFileSync(input.configFile, 'utf8'));
  const resolved = redactConfigText(JSON.stringify(input.config, null, 2));
  const logs = recentLogs(input.logFile, input.logLines);
  const json = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;
  const entries: TarEntry[] = [
    { name: 'config/site.yaml', content: configText, mtimeMs: t },
    { name: 'config/resolved.json', content: resolved.text, mtimeMs: t },
    { name: logs.name, content: logs.text, mtimeMs: t },
    {
      name: 'store/statistics.json',
      content: json(storeStatistics(join(input.config.gateway.dataDir, STORE_FILE))),
      mtimeMs: t,
    },
    { name: 'status/status.json', content: json(input.status), mtimeMs: t },
    { name: 'doctor.txt', content: `${input.checks.join('\n')}\n`, mtimeMs: t },
    { name: 'identity.json', content: json(identitySummary(input.config)), mtimeMs: t },
    {
      name: 'system.json',
      content: json({
        edgeGw: packageVersion(),
        node: process.version,
        hostname: hostname(),
        kernel: release(),
        arch: arch(),
        uptimeS: Math.round(uptime()),
        memory: { totalBytes: totalmem(), freeBytes: freemem() },
        osRelease: existsSync('/etc/os-release') ? readFileSync('/etc/os-release', 'utf8') : null,
        createdAt: input.now.toISOString(),
      }),
      mtimeMs: t,
    },
  ];
  entries.unshift({
    name: 'README.txt',
    content: `edge-gw diagnostics for gateway ${input.config.gateway.id}, made ${input.now.toISOString()}.
Secrets are not included: ${redacted + resolved.redacted} secret values were redacted from the config, and
no key, password or flow credential from the data directory is in this archive.
${entries.map((e) => `  ${e.name}`).join('\n')}
`,
    mtimeMs: t,
  });
  return { entries, redacted: redacted + resolved.redacted };
}
