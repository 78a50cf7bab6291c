import type { BusConfig, SiteConfig } from '../config/schema.js';
import { SystemClock } from '../clock/system-clock.js';
import type { DeviceCatalogue } from '../devices/catalogue.js';
import type { DeviceHealth } from '../drivers/device-health.js';
import { onoffGpio } from '../drivers/gpio/onoff-gpio.js';
import { SimulatedGpio } from '../drivers/gpio/simulated-gpio.js';
import { buildDrivers } from '../gateway/build-drivers.js';
import { silentLog } from '../log/logger.js';
import type { Reading } from '../shared/reading.js';
import { fail, ok, skip, warn, type CheckResult } from './doctor-check.js';

/** What to do about a device that did not answer, from how it failed. */
export function deviceFix(h: DeviceHealth | undefined, bus: BusConfig | undefined): string {
  if (!h || h.requests === 0)
    return bus?.type === 'modbus-tcp'
      ? `nothing accepts connections at ${bus.host}:${bus.port}: check the address and that the device or RS-485 gateway is powered`
      : 'the bus did not open: see its serial line above';
  if (h.crcErrors > 0 || h.framingErrors > 0)
    return 'answers arrive garbled: check the baud rate and parity against the device, termination and A/B wiring';
  if (h.exceptions > 0)
    return 'the device answers with Modbus exceptions: check its profile and unit id (edge-gw read <profile> --unit N)';
  if (h.linkErrors > 0) return 'the link failed: check the cable, adapter, or TCP address';
  return 'no answer: check power, A/B wiring, baud rate and unit id (edge-gw scan lists the ids that answer)';
}

function sample(readings: Reading[]): string {
  const good = readings.filter((r) => r.quality === 'good' && r.value !== null);
  const first = new Map<string, number>();
  for (const r of good) if (!first.has(r.point)) first.set(r.point, r.value ?? 0);
  return [...first]
    .slice(0, 3)
    .map(([p, v]) => `${p}=${Number(v.toPrecision(5))}`)
    .join(', ');
}

/**
 * Polls every configured device once through the gateway's own drivers (the same framing,
 * timeouts and retries as `run`), waiting until each has answered or failed a whole poll, at
 * most `timeoutMs`. Only for a gateway that is not running: its ports would be busy.
 */
export async function probeDevices(
  config: SiteConfig,
  catalogue: DeviceCatalogue,
  timeoutMs: number,
): Promise<CheckResult[]> {
  // Opening a relay's line as an output drives it (sysfs starts an output low): the doctor
  // must not switch a lamp or a valve. Outputs are left alone, and said so.
  const isOutput = (d: SiteConfig['devices'][number]): boolean => {
    const p = catalogue.get(d.profile);
    return p?.kind === 'gpio' && p.role === 'relay-out';
  };
  const outputs = config.devices.filter(isOutput);
  config = { ...config, devices: config.devices.filter((d) => !isOutput(d)) };
  const readings = new Map<string, Reading[]>();
  const simulatedGpio: string[] = [];
  const drivers = buildDrivers(config, {
    catalogue,
    clock: new SystemClock({ evidence: 'trust-os' }),
    log: silentLog(),
    sink: (r) => readings.set(r.device, [...(readings.get(r.device) ?? []), r]),
    gpio: async (simulate) => {
      const real = simulate ? undefined : await onoffGpio();
      if (!simulate && !real) simulatedGpio.push('gpio');
      return real ?? new SimulatedGpio();
    },
  });
  const health = (): Record<string, DeviceHealth> =>
    Object.assign({}, ...drivers.map((d) => d.deviceHealth())) as Record<string, DeviceHealth>;
  const started: typeof drivers = [];
  const startErrors = new Map<string, string>();
  for (const d of drivers)
    try {
      await d.start();
      started.push(d);
    } catch (e) {
      startErrors.set(d.name, (e as Error).message);
    }
  const done = (id: string): boolean => {
    const h = health()[id];
    return (
      (readings.get(id)?.some((r) => r.quality === 'good') ?? false) ||
      (h?.consecutiveFailures ?? 0) > 0
    );
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !config.devices.every((d) => done(d.id)))
    await new Promise((resolve) => setTimeout(resolve, 50));
  const final = health();
  for (const d of started.reverse()) await d.stop();

  const skipped = outputs.map((d) =>
    skip(`device ${d.id}`, `${d.profile} is an output: not switched by the doctor`),
  );
  return config.devices
    .map((d): CheckResult => {
      const name = `device ${d.id}`;
      const bus = config.buses.find((b) => b.id === d.bus);
      const busError = startErrors.get(`bus:${d.bus}`);
      if (busError)
        return fail(
          name,
          `bus ${d.bus} did not start: ${busError}`,
          'see the serial line for that bus',
        );
      const got = readings.get(d.id) ?? [];
      const h = final[d.id];
      const onSimulated =
        simulatedGpio.length > 0 && config.buses.find((b) => b.id === d.bus)?.type === 'gpio';
      if (got.some((r) => r.quality === 'good'))
        return onSimulated
          ? warn(
              name,
              `${d.profile}: read from simulated lines (this machine has no GPIO)`,
              'run the doctor on the gateway itself',
            )
          : ok(name, `${d.profile} answered: ${sample(got)}`);
      if (got.length > 0)
        return fail(name, `${d.profile} answered, but no value was usable`, deviceFix(h, bus));
      return fail(
        name,
        `${d.profile} did not answer (${h?.requests ?? 0} requests in ${timeoutMs} ms: ${h?.timeouts ?? 0} timeouts, ${h?.crcErrors ?? 0} CRC errors, ${h?.exceptions ?? 0} exceptions)`,
        deviceFix(h, bus),
      );
    })
    .concat(skipped);
}
