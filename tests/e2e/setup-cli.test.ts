/**
 * The first two commands on a fresh box, as processes: `edge-gw init` writes the site config,
 * `edge-gw provision` gives the gateway its identity.
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../runtime/config/load-config.js';
import { identityFiles } from '../../runtime/provision/provision.js';
import { run, tsxArgs } from '../harness/processes.js';
import { tempDir } from '../harness/temp-dir.js';

const edgeGw = (args: string[], input?: string) =>
  run(process.execPath, tsxArgs('runtime/cli/main.ts', args), 30_000, input);

const mode = (file: string): string => (statSync(file).mode & 0o777).toString(8);

describe('edge-gw init', () => {
  it('writes a valid site config from flags alone (unattended)', async () => {
    const dir = tempDir();
    const out = join(dir, 'site.yaml');
    const result = await edgeGw([
      'init',
      '--site',
      'water-meter',
      '--id',
      'wm-0007',
      '--rs485',
      '/dev/ttyUSB0',
      '--upstream',
      'mqtts://mqtt.city.example:8883',
      '--data-dir',
      join(dir, 'data'),
      '--out',
      out,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`wrote a water-meter site config to ${out}`);
    const config = loadConfig(out);
    expect(config.gateway.id).toBe('wm-0007');
    expect(config.devices.map((d) => d.id)).toEqual(['main', 'pressure', 'valve', 'lid']);
    expect(config.upstream.url).toBe('mqtts://mqtt.city.example:8883');
    expect(config.statusPage.enabled).toBe(true);
    // Replacing it needs --force, and keeps the old one.
    const again = await edgeGw(['init', '--site', 'water-meter', '--out', out, '--id', 'wm-8']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`${out} exists; pass --force`);
  });

  it('asks for what it cannot know, asks again after a bad answer, and writes the lamp pole', async () => {
    const dir = tempDir();
    const out = join(dir, 'site.yaml');
    const answers = [
      'LP 7', // not an id: asked again
      'lp-0007',
      '/dev/ttyUSB1',
      '/dev/ttyAMA0',
      'mqtt://broker.city.example', // plain MQTT off loopback: asked again
      'mqtts://broker.city.example:8883',
    ].join('\n');
    const result = await edgeGw(
      ['init', '--site', 'lamp-pole', '--out', out, '--data-dir', join(dir, 'data')],
      `${answers}\n`,
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('Gateway id (as the platform will know it, e.g. lp-0042): ');
    expect(result.stderr).toContain('"LP 7" is not a gateway id');
    expect(result.stderr).toContain(
      'plain MQTT to broker.city.example would send data unencrypted',
    );
    const config = loadConfig(out);
    expect(config.gateway.id).toBe('lp-0007');
    expect(config.buses.map((b) => ('path' in b ? b.path : b.type))).toEqual([
      '/dev/ttyUSB1',
      '/dev/ttyAMA0',
      'gpio',
    ]);
    expect(config.crowd.zones[0]).toMatchObject({ id: 'pavement', thermal: 'cam1' });
    // The example flow fits the site it was written for: no device missing.
    const flow = await edgeGw(['flow', 'install', 'lamp-pole', '--config', out]);
    expect(flow.code).toBe(0);
    expect(flow.stdout + flow.stderr).not.toContain('not in the site');
  });

  it('fails at once, naming the flag, when stdin ends before an answer', async () => {
    const out = join(tempDir(), 'site.yaml');
    const result = await edgeGw(
      ['init', '--site', 'parking-lot', '--out', out, '--id', 'pl-1'],
      '',
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'no answer for --rs485: give it as a flag for an unattended run',
    );
    expect(existsSync(out)).toBe(false);
  });

  it('refuses an unknown kind of site and a bad flag value', async () => {
    const unknown = await edgeGw(['init', '--site', 'bus-stop']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('choose lamp-pole, parking-lot, water-meter');
    const badUrl = await edgeGw([
      'init',
      '--site',
      'parking-lot',
      '--out',
      join(tempDir(), 's.yaml'),
      '--upstream',
      'http://broker',
    ]);
    expect(badUrl.code).toBe(1);
    expect(badUrl.stderr).toContain('--upstream: http:// is not MQTT');
  });
});

/** A site with only what provision reads; its upstream names a certificate that does not exist
 * yet, as a site does before it is provisioned. */
function siteToProvision(): { file: string; dataDir: string } {
  const dir = tempDir();
  const file = join(dir, 'site.yaml');
  writeFileSync(
    file,
    `version: 1
gateway: { id: lp-0042, dataDir: ./data }
buses: [{ id: tcp0, type: modbus-tcp, host: 127.0.0.1 }]
devices: [{ id: lamp1, bus: tcp0, profile: eastron-sdm120 }]
upstream: { url: 'mqtts://broker.example:8883', tls: { cert: ./data/identity/gateway.crt, key: ./data/identity/gateway.key } }
`,
  );
  return { file, dataDir: join(dir, 'data') };
}

describe('edge-gw provision', () => {
  it('makes a key (0600), a signing request openssl verifies, and an editor login (0600)', async () => {
    const { file, dataDir } = siteToProvision();
    const result = await edgeGw(['provision', '--config', file, '--org', 'City of Example']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const f = identityFiles(dataDir);
    expect(mode(f.dir)).toBe('700');
    expect(mode(f.key)).toBe('600');
    expect(mode(join(dataDir, 'secrets', 'node-red.json'))).toBe('600');
    const verified = execFileSync(
      'openssl',
      ['req', '-in', f.csr, '-verify', '-noout', '-subject'],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    expect(verified).toMatch(/subject=O ?= ?City of Example, CN ?= ?lp-0042/);
    const password = JSON.parse(
      readFileSync(join(dataDir, 'secrets', 'node-red.json'), 'utf8'),
    ) as {
      password: string;
    };
    expect(result.stdout).toContain(`editor and status page login: admin / ${password.password}`);
    expect(result.stdout).toContain(`have the platform sign ${f.csr}`);
  });

  it('makes a self-signed certificate for the same key, and refuses to replace it without --force', async () => {
    const { file, dataDir } = siteToProvision();
    expect(
      (await edgeGw(['provision', '--config', file, '--self-signed', '--days', '30'])).code,
    ).toBe(0);
    const f = identityFiles(dataDir);
    const cert = new X509Certificate(readFileSync(f.cert));
    const key = createPrivateKey(readFileSync(f.key));
    expect(cert.subject).toBe('CN=lp-0042');
    expect(cert.checkPrivateKey(key)).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(new Date(cert.validTo).getTime() - new Date(cert.validFrom).getTime()).toBe(
      30 * 86_400_000,
    );
    // Now the whole config passes: the files its upstream names exist.
    expect(loadConfig(file).upstream.tls?.cert).toBe(f.cert);

    const keyBefore = readFileSync(f.key, 'utf8');
    const secretsBefore = JSON.parse(
      readFileSync(join(dataDir, 'secrets', 'node-red.json'), 'utf8'),
    ) as {
      password: string;
      credentialSecret: string;
    };
    const refused = await edgeGw(['provision', '--config', file, '--self-signed']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('this gateway already has an identity');
    expect(readFileSync(f.key, 'utf8')).toBe(keyBefore);

    const forced = await edgeGw(['provision', '--config', file, '--self-signed', '--force']);
    expect(forced.code).toBe(0);
    expect(readFileSync(f.key, 'utf8')).not.toBe(keyBefore);
    const previous = readdirSync(f.dir).filter((d) => d.startsWith('previous-'));
    expect(previous).toHaveLength(1);
    expect(readFileSync(join(f.dir, previous[0] ?? '', 'gateway.key'), 'utf8')).toBe(keyBefore);
    const secretsAfter = JSON.parse(
      readFileSync(join(dataDir, 'secrets', 'node-red.json'), 'utf8'),
    ) as {
      password: string;
      credentialSecret: string;
    };
    expect(secretsAfter.password).not.toBe(secretsBefore.password);
    // The flows' credentials stay readable.
    expect(secretsAfter.credentialSecret).toBe(secretsBefore.credentialSecret);
  });

  it("keeps the platform's command key, and refuses a file that is not an Ed25519 public key", async () => {
    const { file, dataDir } = siteToProvision();
    const dir = join(dataDir, '..');
    const notAKey = join(dir, 'not-a-key.pem');
    writeFileSync(notAKey, 'hello\n');
    const bad = await edgeGw(['provision', '--config', file, '--command-key', notAKey]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`--command-key: ${notAKey} is not a PEM public key`);
    expect(existsSync(identityFiles(dataDir).key)).toBe(false);

    const rsa = join(dir, 'rsa.pem');
    writeFileSync(
      rsa,
      generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
        type: 'spki',
        format: 'pem',
      }),
    );
    const wrongKind = await edgeGw(['provision', '--config', file, '--command-key', rsa]);
    expect(wrongKind.stderr).toContain('is a rsa key; commands are signed with Ed25519');

    const ed = join(dir, 'platform-cmd.pem');
    const pub = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' });
    writeFileSync(ed, pub);
    expect((await edgeGw(['provision', '--config', file, '--command-key', ed])).code).toBe(0);
    expect(readFileSync(identityFiles(dataDir).commandKey, 'utf8')).toBe(pub);
  });

  it('points at the line of a broken gateway section', async () => {
    const file = join(tempDir(), 'site.yaml');
    writeFileSync(file, 'version: 1\ngateway: { id: "LP 1", dataDir: ./data }\n');
    const result = await edgeGw(['provision', '--config', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/site\.yaml:2:\d+ gateway\.id:/);
  });
});

describe('edge-gw export-diagnostics', () => {
  it('says what is wrong with a broken config, and writes nothing', async () => {
    const dir = tempDir();
    const file = join(dir, 'site.yaml');
    writeFileSync(file, 'version: 1\ngateway: { id: lp1 }\n');
    const out = join(dir, 'd.tar.gz');
    const result = await edgeGw(['export-diagnostics', '--config', file, '--out', out]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/site\.yaml:2:\d+ gateway\.dataDir: missing/);
    expect(result.stderr).toContain('fix the config first');
    expect(existsSync(out)).toBe(false);
  });
});
