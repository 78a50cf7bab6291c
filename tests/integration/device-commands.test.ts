/**
 * Platform commands reaching the devices: a signed `cmd/lamp-level` switches the lamp relay, a
 * `cmd/poll-interval` changes how often a Modbus meter is read. Real Mosquitto, a real Modbus
 * TCP simulator, GPIO simulated behind the same interface.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../runtime/clock/system-clock.js';
import { DeviceCatalogue } from '../../runtime/devices/catalogue.js';
import { SimulatedGpio } from '../../runtime/drivers/gpio/simulated-gpio.js';
import { Gateway } from '../../runtime/gateway/gateway.js';
import { silentLog } from '../../runtime/log/logger.js';
import { signCommand } from '../../runtime/sync/commands/command-auth.js';
import { startMeterAndBroker, type MeterAndBroker } from '../harness/meter-and-broker.js';
import { testSite } from '../harness/site-config.js';
import { tempDir } from '../harness/temp-dir.js';
import { waitFor } from '../harness/wait-for.js';

const KEY = 'device-command-test-key-0123456789abcdef';
const LAMP_PIN = 17;
const VALVE_PIN = 18;
const catalogue = DeviceCatalogue.load();

let site: MeterAndBroker;
let gateway: Gateway;
let gpio: SimulatedGpio;
let platform: MqttClient;
const answers = new Map<string, Record<string, unknown>>();

beforeAll(async () => {
  site = await startMeterAndBroker(catalogue);
  const dir = tempDir();
  writeFileSync(join(dir, 'cmd.key'), `${KEY}\n`, { mode: 0o600 });
  const { config } = testSite({
    dir,
    simulatorPort: site.meter.port,
    upstreamUrl: site.broker.url,
    pollMs: 1000,
    extraBuses: '  - { id: io, type: gpio, simulate: true }',
    extraDevices: [
      `  - { id: street-lamp, profile: generic-gpio-relay, bus: io, pin: ${LAMP_PIN}, controls: lamp }`,
      `  - { id: valve, profile: generic-gpio-relay, bus: io, pin: ${VALVE_PIN}, controls: valve }`,
    ].join('\n'),
    upstreamExtra: ', commands: { hmacKeyFile: ./cmd.key }',
  });
  gpio = new SimulatedGpio();
  gateway = new Gateway({
    config,
    catalogue,
    clock: new SystemClock({ evidence: 'trust-os' }),
    log: silentLog(),
    gpio,
  });
  await gateway.start();
  await waitFor(() => gateway.sender.stats().state === 'connected', 'the gateway to connect');
  platform = await mqtt.connectAsync(site.broker.url, { protocolVersion: 5 });
  platform.on('message', (_topic, payload, packet) => {
    const corr = packet.properties?.correlationData?.toString();
    if (corr) answers.set(corr, JSON.parse(payload.toString()) as Record<string, unknown>);
  });
  await platform.subscribeAsync('platform/replies', { qos: 1 });
});

afterAll(async () => {
  await platform.endAsync();
  await gateway.stop();
  await site.stop();
});

/** Publishes a signed command and waits for its answer. */
async function command(
  name: string,
  args: Record<string, unknown>,
  id: string = randomUUID(),
): Promise<Record<string, unknown>> {
  const topic = `egw/v1/lp-test/cmd/${name}`;
  const payload = Buffer.from(JSON.stringify({ id, issued: Date.now(), args }));
  const corr = randomUUID();
  await platform.publishAsync(topic, payload, {
    qos: 1,
    properties: {
      responseTopic: 'platform/replies',
      correlationData: Buffer.from(corr),
      userProperties: { sig: signCommand(topic, payload, { hmacKey: Buffer.from(KEY) }) },
    },
  });
  await waitFor(() => answers.has(corr), `the answer to ${name}`);
  return answers.get(corr) ?? {};
}

describe('the retained birth', () => {
  it('carries devices with metrics, units and FIWARE attributes, windows, models and the config digest', async () => {
    const sub = await mqtt.connectAsync(site.broker.url, { protocolVersion: 5 });
    const birth = new Promise<{ retain: boolean; body: Record<string, unknown> }>((resolve) =>
      sub.on('message', (_t, payload, packet) =>
        resolve({
          retain: packet.retain,
          body: JSON.parse(payload.toString()) as Record<string, unknown>,
        }),
      ),
    );
    await sub.subscribeAsync('egw/v1/lp-test/birth', { qos: 1 });
    const { retain, body: b } = await birth;
    await sub.endAsync();
    expect(retain).toBe(true);
    expect(b).toMatchObject({ v: 1, gw: 'lp-test', windows: ['PT1M'], models: [] });
    expect(b.configDigest).toMatch(/^[0-9a-f]{64}$/);
    const devices = b.devices as { id: string; profile: string; metrics: unknown[] }[];
    expect(devices.map((d) => d.id)).toEqual(['lamp1', 'street-lamp', 'valve']);
    expect(devices[0]?.metrics).toContainEqual({
      name: 'activePower',
      unit: 'WTT',
      attribute: 'Streetlight.powerConsumption',
    });
    expect(devices[1]?.metrics).toEqual([
      { name: 'state', unit: 'C62', attribute: 'Streetlight.powerState' },
    ]);
  });
});

describe('device commands from the platform', () => {
  it('switches the lamp relay on a lamp level, and says a relay has two levels', async () => {
    expect(gpio.outputLevel(LAMP_PIN)).toBe(0);
    const answer = await command('lamp-level', { device: 'street-lamp', level: 60 });
    expect(answer).toMatchObject({
      ok: true,
      result: { device: 'street-lamp', requested: 60, applied: 100 },
    });
    expect(gpio.outputLevel(LAMP_PIN)).toBe(1);
    expect(await command('lamp-level', { device: 'street-lamp', level: 0 })).toMatchObject({
      ok: true,
      result: { applied: 0 },
    });
    expect(gpio.outputLevel(LAMP_PIN)).toBe(0);
  });

  it('executes a command once: a second delivery gets the first answer and changes nothing', async () => {
    const id = randomUUID();
    expect(await command('lamp-level', { device: 'street-lamp', level: 100 }, id)).toMatchObject({
      ok: true,
    });
    expect(gpio.outputLevel(LAMP_PIN)).toBe(1);
    await command('lamp-level', { device: 'street-lamp', level: 0 });
    expect(gpio.outputLevel(LAMP_PIN)).toBe(0);
    const again = await command('lamp-level', { device: 'street-lamp', level: 100 }, id);
    expect(again).toMatchObject({ ok: true, duplicate: true });
    expect(gpio.outputLevel(LAMP_PIN)).toBe(0);
  });

  it('refuses a lamp level for a valve relay or an unknown device, changing nothing', async () => {
    const valve = await command('lamp-level', { device: 'valve', level: 100 });
    expect(valve).toMatchObject({ ok: false });
    expect(String(valve.reason)).toMatch(/not a lamp/);
    expect(gpio.outputLevel(VALVE_PIN)).toBe(0);
    const unknown = await command('lamp-level', { device: 'lamp9', level: 100 });
    expect(String(unknown.reason)).toMatch(/no device "lamp9"/);
  });

  it('changes how often a Modbus meter is read', async () => {
    await waitFor(() => gateway.status().devices.lamp1?.state === 'online', 'the meter online');
    expect(await command('poll-interval', { device: 'lamp1', ms: 100 })).toMatchObject({
      ok: true,
      result: { device: 'lamp1', ms: 100 },
    });
    // At the configured 1000 ms, ten more polls would take nine seconds; at 100 ms, about one.
    const before = gateway.status().devices.lamp1?.responses ?? 0;
    await waitFor(
      () => (gateway.status().devices.lamp1?.responses ?? 0) >= before + 10,
      'ten more polls within 4 s',
      4_000,
    );
    const unknown = await command('poll-interval', { device: 'nope', ms: 500 });
    expect(String(unknown.reason)).toMatch(/no device "nope"/);
  });
});
