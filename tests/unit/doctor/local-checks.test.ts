import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SiteConfig } from '../../../runtime/config/schema.js';
import { loadConfig } from '../../../runtime/config/load-config.js';
import {
  certificateChecks,
  clockCheck,
  diskCheck,
  identityChecks,
  serialChecks,
} from '../../../runtime/doctor/local-checks.js';
import { account } from '../../../runtime/doctor/user-access.js';
import { identityFiles, provision } from '../../../runtime/provision/provision.js';
import { tempDir } from '../../harness/temp-dir.js';

const NOW = new Date(Date.UTC(2026, 10, 21, 12));

/** A provisioned site (self-signed for `days` from `from`) whose upstream uses its identity. */
function provisioned(from: Date, days: number): { config: SiteConfig; file: string } {
  const dir = tempDir();
  const dataDir = join(dir, 'data');
  provision({ gatewayId: 'lp1', dataDir, selfSigned: true, days, force: false, now: from });
  const f = identityFiles(dataDir);
  const file = join(dir, 'site.yaml');
  writeFileSync(
    file,
    `version: 1
gateway: { id: lp1, dataDir: ./data }
buses: [{ id: tcp0, type: modbus-tcp, host: 127.0.0.1 }]
devices: [{ id: lamp1, bus: tcp0, profile: eastron-sdm120 }]
upstream: { url: 'mqtts://broker.example', tls: { cert: ${f.cert}, key: ${f.key} } }
`,
  );
  return { config: loadConfig(file), file };
}

describe("the doctor's local checks", () => {
  it('grades the client certificate by its dates and its key', () => {
    const { config, file } = provisioned(NOW, 365);
    expect(certificateChecks(config, file, NOW)[0]).toMatchObject({
      status: 'ok',
      detail: 'CN=lp1, valid 365 more days',
    });
    expect(
      certificateChecks(config, file, new Date(NOW.getTime() + 350 * 86_400_000))[0],
    ).toMatchObject({ status: 'warn' });
    expect(
      certificateChecks(config, file, new Date(NOW.getTime() + 366 * 86_400_000))[0],
    ).toMatchObject({
      status: 'fail',
      fix: 'have the platform sign a new one',
    });
    expect(certificateChecks(config, file, new Date(NOW.getTime() - 86_400_000))[0]).toMatchObject({
      status: 'fail',
      fix: 'check the clock (see the clock line)',
    });
    // Another gateway's key beside this certificate.
    const other = provisioned(NOW, 365);
    const mixed = {
      ...config,
      upstream: {
        ...config.upstream,
        tls: { cert: config.upstream.tls?.cert ?? '', key: other.config.upstream.tls?.key ?? '' },
      },
    };
    expect(certificateChecks(mixed, file, NOW)[0]).toMatchObject({ status: 'fail' });
    expect(certificateChecks(mixed, file, NOW)[0]?.detail).toContain('is not for the key');
  });

  it('fails a private key or a login that others can read', () => {
    const { config, file } = provisioned(NOW, 365);
    expect(identityChecks(config, file).map((c) => c.status)).toEqual(['ok', 'ok']);
    chmodSync(identityFiles(config.gateway.dataDir).key, 0o644);
    const [key] = identityChecks(config, file);
    expect(key).toMatchObject({
      status: 'fail',
      fix: `chmod 600 ${identityFiles(config.gateway.dataDir).key}`,
    });
    const withLogin = { ...config, statusPage: { ...config.statusPage, enabled: true } };
    const secrets = join(config.gateway.dataDir, 'secrets', 'node-red.json');
    chmodSync(secrets, 0o640);
    expect(identityChecks(withLogin, file)[1]).toMatchObject({
      status: 'fail',
      fix: `chmod 600 ${secrets}`,
    });
  });

  it('warns when the disk cannot hold the store budget, and judges the clock', () => {
    const { config } = provisioned(NOW, 365);
    mkdirSync(config.gateway.dataDir, { recursive: true });
    expect(diskCheck(config).status).toBe('ok');
    const huge = { ...config, store: { ...config.store, budgetMB: 1e12 } };
    expect(diskCheck(huge)).toMatchObject({ status: 'warn' });
    expect(clockCheck(config, new Date(Date.UTC(2000, 0, 1)))).toMatchObject({ status: 'fail' });
    const noFlag = join(tempDir(), 'synchronized');
    expect(clockCheck(config, NOW, noFlag)).toMatchObject({ status: 'warn' });
    writeFileSync(noFlag, '');
    expect(clockCheck(config, NOW, noFlag)).toMatchObject({ status: 'ok' });
  });
});

describe("the doctor's serial check, for the service's user", () => {
  it("passes a port the service user's group may open, and names the group otherwise", () => {
    const dir = tempDir();
    const dialout = Number(
      /^dialout:[^:]*:(\d+):/m.exec(readFileSync('/etc/group', 'utf8'))?.[1] ?? 20,
    );
    const port = join(dir, 'ttyUSB0');
    writeFileSync(port, '');
    chownSync(port, 0, dialout);
    chmodSync(port, 0o660);
    writeFileSync(join(dir, 'passwd'), 'edge-gw:x:990:990::/var/lib/edge-gw:/usr/sbin/nologin\n');
    const site = provisioned(NOW, 30).config;
    const config = {
      ...site,
      buses: [
        {
          id: 'rs485',
          type: 'modbus-rtu' as const,
          path: port,
          baudRate: 9600,
          parity: 'none' as const,
          stopBits: 1 as const,
          timeoutMs: 300,
          retries: 1,
        },
      ],
    };
    const member = join(dir, 'group-member');
    writeFileSync(member, `edge-gw:x:990:\ndialout:x:${dialout}:edge-gw\n`);
    const outsider = join(dir, 'group-outsider');
    writeFileSync(outsider, `edge-gw:x:990:\ndialout:x:${dialout}:\n`);
    const inGroup = account('edge-gw', join(dir, 'passwd'), member);
    const notInGroup = account('edge-gw', join(dir, 'passwd'), outsider);
    expect(inGroup?.gids).toEqual([990, dialout]);
    expect(serialChecks(config as SiteConfig, dir, inGroup)[0]).toMatchObject({ status: 'ok' });
    expect(serialChecks(config as SiteConfig, dir, notInGroup)[0]).toMatchObject({
      status: 'fail',
      detail: `${port}: edge-gw may not open it (group dialout)`,
      fix: 'add edge-gw to that group: usermod -aG dialout edge-gw (scripts/install.sh adds dialout)',
    });
  });
});
