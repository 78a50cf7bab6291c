import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { SiteConfig } from '../config/schema.js';
import { DeviceCatalogue } from '../devices/catalogue.js';
import { packageRoot } from '../shared/package-root.js';
import { EXIT } from './exit-codes.js';
import { loadRunnableSite } from './load-site.js';

export interface FlowInstallOptions {
  config: string;
  force?: boolean;
}

/** The example flows shipped in flows/, by name (the file name without .json). */
export function exampleFlows(): string[] {
  return readdirSync(join(packageRoot(), 'flows'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** The site's flow file: `nodeRed.flowFile`, or flows.json in the data directory. */
export function siteFlowFile(config: SiteConfig): string {
  return config.nodeRed.flowFile ?? join(config.gateway.dataDir, 'flows.json');
}

interface FlowNode {
  type?: string;
  device?: string;
}

/**
 * `edge-gw flow install <example> --config FILE [--force]`: writes an example flow as the
 * site's flow file (whole or not at all). Flows already there are kept unless `--force`, which
 * keeps them as `<file>.backup`. Devices the flow's nodes name that the site lacks are listed,
 * for the integrator to rename in the editor.
 */
export function flowInstallCommand(
  example: string,
  options: FlowInstallOptions,
  out: (line: string) => void,
  err: (line: string) => void,
): number {
  const examples = exampleFlows();
  if (!examples.includes(example)) {
    err(`no example flow "${example}"; the examples are: ${examples.join(', ')}`);
    return EXIT.usage;
  }
  const site = loadRunnableSite(options.config, DeviceCatalogue.load());
  if (!site.ok) {
    err(site.message);
    return EXIT.failed;
  }
  const { config } = site;
  const source = join(packageRoot(), 'flows', `${example}.json`);
  const nodes = JSON.parse(readFileSync(source, 'utf8')) as FlowNode[];
  const target = siteFlowFile(config);
  if (existsSync(target)) {
    const current = readFileSync(target, 'utf8').trim();
    if (current !== '' && current !== '[]' && !options.force) {
      err(
        `${target} already holds this site's flows; --force replaces them (they are kept as ${target}.backup)`,
      );
      return EXIT.failed;
    }
    if (current !== '' && current !== '[]') copyFileSync(target, `${target}.backup`);
  }
  mkdirSync(dirname(target), { recursive: true });
  const tmp = `${target}.tmp`;
  writeFileSync(tmp, readFileSync(source));
  renameSync(tmp, target);
  out(`installed the ${example} flow into ${target}`);
  const known = new Set([
    ...config.devices.map((d) => d.id),
    ...config.crowd.zones.map((z) => z.id),
  ]);
  const missing = [
    ...new Set(
      nodes
        .filter((n) => n.type?.startsWith('edge-') && n.device && !n.device.includes('*'))
        .map((n) => n.device ?? '')
        .filter((d) => !known.has(d)),
    ),
  ];
  if (missing.length > 0)
    out(
      `  the flow names ${missing.join(', ')}, which this site does not have: rename them in the editor (or in the file)`,
    );
  if (!config.nodeRed.enabled)
    out('  Node-RED is off in this site: set nodeRed.enabled: true, then restart the gateway');
  else out('  restart the gateway (or deploy from the editor) to run it');
  return EXIT.ok;
}
