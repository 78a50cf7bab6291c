import { appendFileSync } from 'node:fs';
import { SystemClock } from '../../runtime/clock/system-clock.js';
import { loadConfig } from '../../runtime/config/load-config.js';
import type { SiteConfig } from '../../runtime/config/schema.js';
import type { DeviceCatalogue } from '../../runtime/devices/catalogue.js';
import { Gateway } from '../../runtime/gateway/gateway.js';
import { silentLog } from '../../runtime/log/logger.js';
import { ensureEditorSecrets } from '../../runtime/node-red/editor-secrets.js';
import type { MeterAndBroker } from './meter-and-broker.js';
import { testSite } from './site-config.js';
import { tempDir } from './temp-dir.js';

export interface StatusSite {
  gateway: Gateway;
  url: string;
  /** The Basic authorization header of the gateway's generated login. */
  authorization: string;
  dir: string;
  config: SiteConfig;
}

/**
 * A real-clock gateway on an SDM120 simulator with its status page on a free port and one
 * alarm that raises within seconds: the meter's voltage (about 230 V) is above `max`.
 */
export async function startStatusSite(
  catalogue: DeviceCatalogue,
  site: MeterAndBroker,
  statusPage = '{ enabled: true, port: 0 }',
): Promise<StatusSite> {
  const dir = tempDir();
  const { file } = testSite({
    dir,
    simulatorPort: site.meter.port,
    upstreamUrl: site.broker.url,
    window: 'PT1S',
    pollMs: 200,
  });
  appendFileSync(
    file,
    `alarms:
  - { type: sensor, id: mains, stream: lamp1/voltage, window: PT1S, max: 200 }
statusPage: ${statusPage}
`,
  );
  const config = loadConfig(file);
  const gateway = new Gateway({
    config,
    catalogue,
    clock: new SystemClock({ evidence: 'trust-os' }),
    log: silentLog(),
  });
  await gateway.start();
  const { username, password } = ensureEditorSecrets(config.gateway.dataDir).secrets;
  return {
    gateway,
    url: gateway.statusServer?.url ?? '',
    authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
    dir,
    config,
  };
}
