import { DeviceCatalogue } from '../devices/catalogue.js';
import { CONFIG_KIND, loadConfig } from '../config/load-config.js';
import { DocumentError, formatIssue, readDocument } from '../shared/document.js';
import { unsupportedByThisBuild } from '../gateway/build-support.js';
import { configSummary } from './config-summary.js';
import { EXIT } from './exit-codes.js';

export interface CheckOptions {
  config: string;
  json?: boolean;
}

/** `edge-gw check --config FILE`: validates without touching the network or any device. */
export function checkCommand(
  options: CheckOptions,
  out: (line: string) => void,
  err: (line: string) => void,
): number {
  const catalogue = DeviceCatalogue.load();
  let config;
  try {
    config = loadConfig(options.config, { catalogue });
  } catch (e) {
    if (e instanceof DocumentError) {
      err(e.message);
      return EXIT.failed;
    }
    throw e;
  }
  const unsupported = unsupportedByThisBuild(config);
  if (unsupported.length > 0) {
    // Valid against the schema, but `run` would refuse it: say so here, where it is cheap.
    const doc = readDocument(options.config, CONFIG_KIND);
    err(`${options.config} is a valid site config, but this build cannot run all of it:`);
    for (const issue of unsupported)
      err(`  ${formatIssue(options.config, { ...issue, ...doc.locate(issue.path) })}`);
    return EXIT.failed;
  }
  if (options.json) {
    out(JSON.stringify(config, null, 2));
    return EXIT.ok;
  }
  out(`${options.config}: valid site config (version ${config.version})`);
  for (const line of configSummary(config, catalogue)) out(`  ${line}`);
  return EXIT.ok;
}
