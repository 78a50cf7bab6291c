import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadConfig } from '../config/load-config.js';
import { DeviceCatalogue } from '../devices/catalogue.js';
import { diagnosticsEntries } from '../diagnostics/diagnostics.js';
import { tarGz } from '../diagnostics/tar-writer.js';
import { formatCheck } from '../doctor/doctor-check.js';
import { localChecks } from '../doctor/local-checks.js';
import { DocumentError } from '../shared/document.js';
import { EXIT } from './exit-codes.js';
import { fetchStatus } from './status-command.js';

export interface DiagnosticsOptions {
  config: string;
  out?: string;
  logFile: string;
  logLines: string;
}

/** `edge-gw export-diagnostics`: a tarball for support, with no secret in it. */
export async function diagnosticsCommand(
  opts: DiagnosticsOptions,
  out: (line: string) => void,
  err: (line: string) => void,
  now = new Date(),
): Promise<number> {
  const logLines = Number(opts.logLines);
  if (!Number.isInteger(logLines) || logLines < 0) {
    err(`--log-lines: ${opts.logLines} is not a whole number of lines`);
    return EXIT.usage;
  }
  let config;
  try {
    config = loadConfig(opts.config, { catalogue: DeviceCatalogue.load() });
  } catch (e) {
    if (!(e instanceof DocumentError)) throw e;
    // Support needs the diagnostics most when the config is broken: say so, and stop.
    err(`${e.message}\n(fix the config first; the diagnostics need a config that loads)`);
    return EXIT.failed;
  }
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const file = resolve(opts.out ?? `edge-gw-diagnostics-${config.gateway.id}-${stamp}.tar.gz`);
  out('collecting: config, logs, store statistics, gateway status, local checks ...');
  const status = config.statusPage.enabled
    ? await fetchStatus(config, 3000).then((r) => ('report' in r ? r.report : r))
    : {
        problem: 'the status page is off in this config, so the running counters are not included',
      };
  const checks = localChecks(config, opts.config, now).map((c) => formatCheck(c, 16));
  const { entries, redacted } = diagnosticsEntries({
    configFile: opts.config,
    config,
    logFile: opts.logFile,
    logLines,
    status,
    checks,
    now,
  });
  const archive = tarGz(entries);
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, archive, { mode: 0o600 });
  } catch (e) {
    err(`cannot write ${file}: ${(e as Error).message}`);
    return EXIT.failed;
  }
  out(
    `wrote ${file} (${Math.ceil(archive.length / 1024)} KiB, ${entries.length} files, ${redacted} secret values redacted)`,
  );
  if ('problem' in status) out(`  note: no live counters: ${status.problem}`);
  return EXIT.ok;
}
