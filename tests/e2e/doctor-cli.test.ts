/**
 * `edge-gw doctor` as a process against real parts: a Modbus TCP simulator, a Mosquitto that
 * wants a password, and sites broken in the ways a field engineer meets.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdm120Device } from '../../devices/eastron-sdm120/simulator.js';
import { SystemClock } from '../../runtime/clock/system-clock.js';
import { DEFAULT_CROWD_BUNDLE } from '../../runtime/crowd/crowd-engine.js';
import { DeviceCatalogue } from '../../runtime/devices/catalogue.js';
import { freePort } from '../../scripts/lib/free-port.js';
import { ModbusTcpSimulator } from '../../scripts/simulators/modbus-tcp-simulator.js';
import { Mosquitto } from '../harness/mosquitto.js';
import { run, tsxArgs } from '../harness/processes.js';
import { tempDir } from '../harness/temp-dir.js';
import { makeTestCerts, type CertSet } from '../harness/test-certs.js';

const doctor = (file: string, ...more: string[]) =>
  run(
    process.execPath,
    tsxArgs('runtime/cli/main.ts', ['doctor', '--config', file, '--timeout', '3000', ...more]),
  );

let broker: Mosquitto;
let meter: ModbusTcpSimulator;
let passwordFile = '';

beforeAll(async () => {
  const dir = tempDir();
  const brokerPasswords = join(dir, 'passwd');
  execFileSync('mosquitto_passwd', ['-b', '-c', brokerPasswords, 'lp1', 'right-password']);
  broker = await Mosquitto.start(['allow_anonymous false', `password_file ${brokerPasswords}`]);
  passwordFile = join(dir, 'mqtt-password');
  writeFileSync(passwordFile, 'right-password\n', { mode: 0o600 });
  meter = new ModbusTcpSimulator({
    port: 0,
    devices: [
      sdm120Device(
        DeviceCatalogue.load().require('eastron-sdm120', 'modbus'),
        new SystemClock({ evidence: 'trust-os' }),
      ),
    ],
  });
  await meter.start();
});
afterAll(async () => {
  await meter.stop();
  await broker.stop();
});

function site(
  extra: { upstream?: string; buses?: string; devices?: string; more?: string } = {},
): string {
  const dir = tempDir();
  const file = join(dir, 'site.yaml');
  writeFileSync(
    file,
    `version: 1
gateway: { id: lp1, dataDir: ./data }
clock: { sync: trust-os }
buses:
  - { id: tcp0, type: modbus-tcp, host: 127.0.0.1, port: ${meter.port}, timeoutMs: 300 }
${extra.buses ?? ''}
devices:
  - { id: lamp1, profile: eastron-sdm120, bus: tcp0 }
${extra.devices ?? ''}
upstream: ${extra.upstream ?? `{ url: '${broker.url}', username: lp1, passwordFile: ${passwordFile} }`}
${extra.more ?? ''}
`,
  );
  return file;
}

describe('edge-gw doctor', () => {
  it('passes a working site: the meter answers and the broker takes the login', async () => {
    const result = await doctor(site());
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^\[ ok \] config +.* is valid \(1 device on 1 bus\)$/m);
    expect(result.stdout).toMatch(
      /^\[ ok \] device lamp1 +eastron-sdm120 answered: voltage=2\d\d/m,
    );
    expect(result.stdout).toMatch(/^\[ ok \] upstream tcp /m);
    expect(result.stdout).toMatch(/^\[ ok \] upstream mqtt +MQTT 5 CONNECT accepted for lp1$/m);
    // Not provisioned yet: a warning with the command to run, not a failure.
    expect(result.stdout).toMatch(/^\[warn\] identity .* -> edge-gw provision --config /m);
    expect(result.stdout).toMatch(/^\d+ ok, 1 warning, 0 failures$/m);
    expect(result.code).toBe(0);
  });

  it('reads GPIO inputs but never drives an output (a relay would switch the lamp or valve)', async () => {
    const result = await doctor(
      site({
        buses: '  - { id: io, type: gpio, simulate: true }',
        devices: [
          '  - { id: valve, profile: generic-gpio-relay, bus: io, pin: 17 }',
          '  - { id: lid, profile: generic-gpio-door-switch, bus: io, pin: 27 }',
        ].join('\n'),
      }),
      '--no-upstream',
    );
    expect(result.stdout).toMatch(
      /^\[skip\] device valve +generic-gpio-relay is an output: not switched by the doctor$/m,
    );
    expect(result.stdout).toMatch(
      /^\[ ok \] device lid +generic-gpio-door-switch answered: closed=/m,
    );
    expect(result.code).toBe(0);
  });

  it('fails on a wrong password, saying what to check', async () => {
    const wrong = join(tempDir(), 'pw');
    writeFileSync(wrong, 'not-the-password\n');
    const result = await doctor(
      site({ upstream: `{ url: '${broker.url}', username: lp1, passwordFile: ${wrong} }` }),
    );
    expect(result.stdout).toMatch(
      /^\[FAIL\] upstream mqtt .*-> the broker refused the login: check upstream\.username/m,
    );
    expect(result.code).toBe(1);
  });

  it('fails on an unreachable broker, a missing serial port and a silent device', async () => {
    const closed = await freePort();
    const result = await doctor(
      site({
        upstream: `{ url: 'mqtt://127.0.0.1:${closed}' }`,
        buses: '  - { id: rs485, type: modbus-rtu, path: /dev/ttyEDGEGW-NOPE, baudRate: 9600 }',
        devices: '  - { id: bay-1, profile: dfrobot-urm14, bus: rs485 }',
      }),
    );
    expect(result.stdout).toMatch(
      /^\[FAIL\] serial rs485 +\/dev\/ttyEDGEGW-NOPE does not exist -> plug in the adapter/m,
    );
    expect(result.stdout).toMatch(/^\[FAIL\] device bay-1 /m);
    expect(result.stdout).toMatch(
      new RegExp(
        `^\\[FAIL\\] upstream tcp +127\\.0\\.0\\.1:${closed}: ECONNREFUSED -> nothing listens there`,
        'm',
      ),
    );
    // The meter that does answer is still reported as fine.
    expect(result.stdout).toMatch(/^\[ ok \] device lamp1 /m);
    expect(result.code).toBe(1);
  });

  it("fails on a model bundle whose files do not match its card's digests", async () => {
    const bundle = join(tempDir(), 'crowd-bundle');
    cpSync(DEFAULT_CROWD_BUNDLE, bundle, { recursive: true });
    const weights = join(bundle, 'weights.bin');
    const bytes = readFileSync(weights);
    bytes[10] = (bytes[10] ?? 0) ^ 0xff;
    writeFileSync(weights, bytes);
    const result = await doctor(
      site({
        buses: '  - { id: uart0, type: serial, path: /dev/ttyEDGEGW-NOPE, baudRate: 115200 }',
        devices: '  - { id: cam1, profile: gy-mcu90640, bus: uart0 }',
        more: `crowd: { zones: [{ id: pavement, thermal: cam1, areaM2: 10, bundle: ${bundle} }] }`,
      }),
      '--no-devices',
      '--no-upstream',
    );
    expect(result.stdout).toMatch(
      /^\[FAIL\] crowd pavement +.*weights\.bin: sha256 \w+ does not match/m,
    );
    expect(result.code).toBe(1);
  });

  it('points at the line of a broken config and stops there', async () => {
    const file = join(tempDir(), 'site.yaml');
    writeFileSync(
      file,
      readFileSync(site(), 'utf8').replace('profile: eastron-sdm120', 'profile: eastron-sdm12'),
    );
    const result = await doctor(file);
    expect(result.stdout).toMatch(
      /^\[FAIL\] config .*site\.yaml:\d+:\d+ devices\[0\]\.profile: unknown profile "eastron-sdm12"/ms,
    );
    expect(result.stdout).not.toContain('upstream');
    expect(result.code).toBe(1);
  });
});

describe('edge-gw doctor against a broker that wants TLS client certificates', () => {
  let certs: CertSet;
  let tlsBroker: Mosquitto;
  beforeAll(async () => {
    certs = makeTestCerts();
    tlsBroker = await Mosquitto.start([
      `cafile ${certs.ca}`,
      `certfile ${certs.serverCert}`,
      `keyfile ${certs.serverKey}`,
      'require_certificate true',
    ]);
  });
  afterAll(async () => {
    await tlsBroker.stop();
  });
  const tlsSite = (ca: string): string =>
    site({
      upstream: `{ url: 'mqtts://127.0.0.1:${tlsBroker.port}', tls: { ca: ${ca}, cert: ${certs.clientCert}, key: ${certs.clientKey} } }`,
    });

  it('passes TLS and the login, and checks the client certificate against its key', async () => {
    const result = await doctor(tlsSite(certs.ca), '--no-devices');
    // The test CA's certificates live two days: close enough to expiry to be warned about.
    expect(result.stdout).toMatch(
      /^\[warn\] certificate +CN=lp1, expires in (1 day|0 days) -> have the platform sign a new one soon$/m,
    );
    expect(result.stdout).toMatch(/^\[ ok \] upstream tls +TLSv1\.[23], broker certificate for /m);
    expect(result.stdout).toMatch(/^\[ ok \] upstream mqtt /m);
    expect(result.code).toBe(0);
  });

  it("fails at the TLS line when the broker's certificate is not from the configured CA", async () => {
    const result = await doctor(tlsSite(certs.otherCa), '--no-devices');
    expect(result.stdout).toMatch(
      /^\[FAIL\] upstream tls .* -> the broker's certificate is not signed by the CA in upstream\.tls\.ca$/m,
    );
    expect(result.stdout).not.toMatch(/upstream mqtt/);
    expect(result.code).toBe(1);
  });
});
