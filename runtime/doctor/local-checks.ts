import { createPrivateKey, X509Certificate } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync, statfsSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import type { SiteConfig } from '../config/schema.js';
import { DEFAULT_CROWD_BUNDLE, DEFAULT_FORECAST_BUNDLE } from '../crowd/crowd-engine.js';
import { BundleError, readBundleFiles } from '../models/model-bundle.js';
import { editorSecretsFile } from '../node-red/editor-secrets.js';
import { identityFiles } from '../provision/provision.js';
import { STORE_FILE } from '../gateway/gateway.js';
import { serialPorts } from '../shared/serial-ports.js';
import { fail, ok, skip, warn, type CheckResult } from './doctor-check.js';
import { account, groupName, mayReadWrite, type Account } from './user-access.js';

const mode = (file: string): number => statSync(file).mode & 0o777;

/** The identity `edge-gw provision` writes, the editor login, and their permissions. */
export function identityChecks(config: SiteConfig, file: string): CheckResult[] {
  const out: CheckResult[] = [];
  const f = identityFiles(config.gateway.dataDir);
  if (!existsSync(f.key))
    out.push(
      warn(
        'identity',
        `no key at ${f.key}`,
        `edge-gw provision --config ${file} (gives the gateway its key and certificate request)`,
      ),
    );
  else if ((mode(f.key) & 0o077) !== 0)
    out.push(
      fail(
        'identity',
        `${f.key} is readable by others (mode ${mode(f.key).toString(8)})`,
        `chmod 600 ${f.key}`,
      ),
    );
  else
    out.push(
      ok(
        'identity',
        existsSync(f.cert)
          ? `key and certificate in ${f.dir}`
          : `key and signing request in ${f.dir} (no certificate yet)`,
      ),
    );
  const secrets = editorSecretsFile(config.gateway.dataDir);
  if (!existsSync(secrets))
    out.push(
      config.nodeRed.enabled || config.statusPage.enabled
        ? warn(
            'login',
            `no editor login at ${secrets} (made at the first start)`,
            `edge-gw provision --config ${file}, to see it once`,
          )
        : skip('login', 'Node-RED and the status page are off'),
    );
  else if ((mode(secrets) & 0o077) !== 0)
    out.push(
      fail(
        'login',
        `${secrets} is readable by others (mode ${mode(secrets).toString(8)})`,
        `chmod 600 ${secrets}`,
      ),
    );
  else out.push(ok('login', `${secrets} (mode 600)`));
  return out;
}

/** The client certificate the broker will see: it matches the key and is in date. */
export function certificateChecks(config: SiteConfig, file: string, now: Date): CheckResult[] {
  const tls = config.upstream.tls;
  if (!tls?.cert) return [];
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(readFileSync(tls.cert));
  } catch (e) {
    return [
      fail(
        'certificate',
        `${tls.cert} is not a PEM certificate (${(e as Error).message})`,
        "save the certificate the platform's CA signed there",
      ),
    ];
  }
  if (tls.key) {
    try {
      if (!cert.checkPrivateKey(createPrivateKey(readFileSync(tls.key))))
        return [
          fail(
            'certificate',
            `${tls.cert} is not for the key ${tls.key}`,
            "use the certificate signed from this gateway's identity/gateway.csr",
          ),
        ];
    } catch (e) {
      return [
        fail(
          'certificate',
          `cannot read the key ${tls.key}: ${(e as Error).message}`,
          `edge-gw provision --config ${file}`,
        ),
      ];
    }
  }
  const to = new Date(cert.validTo);
  const from = new Date(cert.validFrom);
  const days = Math.floor((to.getTime() - now.getTime()) / 86_400_000);
  if (now < from)
    return [
      fail(
        'certificate',
        `not valid before ${from.toISOString()}`,
        'check the clock (see the clock line)',
      ),
    ];
  if (days < 0)
    return [
      fail('certificate', `expired on ${to.toISOString()}`, 'have the platform sign a new one'),
    ];
  if (days < 30)
    return [
      warn(
        'certificate',
        `${cert.subject}, expires in ${days === 1 ? '1 day' : `${days} days`}`,
        'have the platform sign a new one soon',
      ),
    ];
  return [ok('certificate', `${cert.subject}, valid ${days} more days`)];
}

/** Each serial line exists and the gateway's service user (`edge-gw` where it exists, else
 * whoever runs the doctor) may open it. */
export function serialChecks(
  config: SiteConfig,
  devDir = '/dev',
  service: Account | undefined = account('edge-gw'),
): CheckResult[] {
  const out: CheckResult[] = [];
  for (const bus of config.buses) {
    if (bus.type !== 'serial' && bus.type !== 'modbus-rtu') continue;
    const name = `serial ${bus.id}`;
    if (!existsSync(bus.path)) {
      const now = serialPorts(devDir);
      out.push(
        fail(
          name,
          `${bus.path} does not exist`,
          `plug in the adapter, or set buses[].path to its port (${now.length ? `ports now: ${now.join(', ')}` : 'no serial port is present'})`,
        ),
      );
      continue;
    }
    // The service runs as its own user: what matters is whether that user may open the port,
    // not whether the engineer running the doctor with sudo may.
    const who = service ?? {
      name: userInfo().username,
      uid: process.getuid?.() ?? 0,
      gids: process.getgroups?.() ?? [],
    };
    const access = mayReadWrite(bus.path, who);
    out.push(
      access.ok
        ? ok(name, `${bus.path} can be opened for reading and writing by ${who.name}`)
        : fail(
            name,
            `${bus.path}: ${who.name} may not open it (group ${groupName(access.gid)})`,
            `add ${who.name} to that group: usermod -aG ${groupName(access.gid)} ${who.name} (scripts/install.sh adds dialout)`,
          ),
    );
  }
  return out;
}

/** Room for the store: the budget must fit in what the disk has free plus what it already uses. */
export function diskCheck(config: SiteConfig): CheckResult {
  const dir = config.gateway.dataDir;
  const at = existsSync(dir) ? dir : dirname(dir);
  try {
    accessSync(at, constants.W_OK);
  } catch {
    return fail(
      'disk',
      `${at} is not writable`,
      `chown edge-gw ${at} (or run the gateway as its owner)`,
    );
  }
  const s = statfsSync(at);
  const free = s.bavail * s.bsize;
  const store = join(dir, STORE_FILE);
  const used = existsSync(store) ? statSync(store).size : 0;
  const budget = config.store.budgetMB * 1024 * 1024;
  const mb = (n: number): string => `${Math.round(n / 1024 / 1024)} MB`;
  if (free + used < budget)
    return warn(
      'disk',
      `${mb(free)} free on ${at}, the store budget is ${mb(budget)}`,
      `lower store.budgetMB to about ${Math.floor(((free + used) * 0.8) / 1024 / 1024)}, or free space`,
    );
  return ok('disk', `${mb(free)} free on ${at}; store ${mb(used)} of its ${mb(budget)} budget`);
}

/** Whether the gateway will trust the wall clock, as it will decide at start. */
export function clockCheck(
  config: SiteConfig,
  now: Date,
  flag = '/run/systemd/timesync/synchronized',
): CheckResult {
  if (now.getUTCFullYear() < 2025)
    return fail(
      'clock',
      `the clock says ${now.toISOString()}`,
      'set the time (timedatectl set-time) or get NTP working; readings are held until then',
    );
  if (config.clock.sync === 'trust-os')
    return ok('clock', `${now.toISOString()}, trusted as the OS says (clock.sync: trust-os)`);
  if (existsSync(flag))
    return ok('clock', `${now.toISOString()}, synchronised by systemd-timesyncd`);
  return warn(
    'clock',
    `${now.toISOString()}, not synchronised by systemd-timesyncd yet`,
    'check NTP (timedatectl timesync-status); readings are kept and re-stamped once it syncs',
  );
}

/** Every model bundle the site uses matches the digests in its card. */
export function bundleChecks(config: SiteConfig): CheckResult[] {
  const bundles = new Map<string, string>();
  for (const m of config.models) if (m.enabled) bundles.set(m.bundle, `model ${m.name}`);
  for (const z of config.crowd.zones)
    if (z.thermal) bundles.set(z.bundle ?? DEFAULT_CROWD_BUNDLE, `crowd ${z.id}`);
  if (config.crowd.zones.length > 0 && config.windows.lengths.includes('PT1H'))
    bundles.set(config.crowd.forecastBundle ?? DEFAULT_FORECAST_BUNDLE, 'forecast');
  const out: CheckResult[] = [];
  for (const [dir, name] of bundles) {
    try {
      const { card, problems } = readBundleFiles(dir);
      out.push(
        problems.length === 0
          ? ok(
              name,
              `${card.name} ${card.version}: ${Object.keys(card.files).length === 1 ? 'its file matches its digest' : `${Object.keys(card.files).length} files match their digests`}`,
            )
          : fail(
              name,
              `${dir}: ${problems.join('; ')}`,
              'reinstall the bundle (it is refused at start, with an alarm)',
            ),
      );
    } catch (e) {
      out.push(
        fail(
          name,
          e instanceof BundleError ? e.message : `${dir}: ${(e as Error).message}`,
          'reinstall the bundle, or fix its path in the config',
        ),
      );
    }
  }
  return out;
}

/** Every check that reads only this machine, in the order the doctor prints them. */
export function localChecks(config: SiteConfig, file: string, now: Date): CheckResult[] {
  return [
    ...identityChecks(config, file),
    ...certificateChecks(config, file, now),
    ...serialChecks(config),
    diskCheck(config),
    clockCheck(config, now),
    ...bundleChecks(config),
  ];
}
