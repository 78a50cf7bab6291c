import { DeviceCatalogue } from '../devices/catalogue.js';
import { configSummary } from './config-summary.js';
import { loadRunnableSite } from './load-site.js';
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
  const site = loadRunnableSite(options.config, catalogue);
  if (!site.ok) {
    err(site.message);
    return EXIT.failed;
  }
  const { config } = site;
  if (options.json) {
    out(JSON.stringify(config, null, 2));
    return EXIT.ok;
  }
  out(`${options.config}: valid site config (version ${config.version})`);
  for (const line of configSummary(config, catalogue)) out(`  ${line}`);
  return EXIT.ok;
}
