import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../runtime/config/load-config.js';
import type { SiteConfig } from '../../runtime/config/schema.js';

export interface TestSite {
  dir: string;
  simulatorPort: number;
  upstreamUrl: string;
  window?: string;
  pollMs?: number;
  protocol?: '5' | '3.1.1';
  extraDevices?: string;
  /** More bus entries, each a YAML list line. */
  extraBuses?: string;
  /** Appended inside the upstream mapping, e.g. `, commands: { hmacKeyFile: ./cmd.key }`. */
  upstreamExtra?: string;
}

/** Writes a site config file for a test and loads it through the real loader. */
export function testSite(site: TestSite): { file: string; config: SiteConfig } {
  const file = join(site.dir, 'site.yaml');
  writeFileSync(
    file,
    `version: 1
gateway: { id: lp-test, dataDir: ./data }
clock: { sync: trust-os }
buses:
  - { id: tcp0, type: modbus-tcp, host: 127.0.0.1, port: ${site.simulatorPort}, timeoutMs: 300 }
${site.extraBuses ?? ''}
devices:
  - { id: lamp1, profile: eastron-sdm120, bus: tcp0, pollMs: ${site.pollMs ?? 1000} }
${site.extraDevices ?? ''}
windows: { lengths: [${site.window ?? 'PT1M'}] }
upstream: { url: '${site.upstreamUrl}', protocol: '${site.protocol ?? '5'}', keepaliveS: 10${site.upstreamExtra ?? ''} }
store: { commitIntervalMs: 1000 }
`,
  );
  return { file, config: loadConfig(file) };
}
