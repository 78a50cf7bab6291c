import type { Clock } from '../clock/clock.js';
import type { BusConfig, DeviceConfig, SiteConfig } from '../config/schema.js';
import type { DeviceCatalogue } from '../devices/catalogue.js';
import { CODECS } from '../devices/codecs.js';
import type { FieldPointSpec } from '../devices/profile-schema.js';
import type { GpioBackend } from '../drivers/gpio/gpio-line.js';
import { GpioDriver } from '../drivers/gpio/gpio-driver.js';
import { ModbusBusScheduler } from '../drivers/modbus/modbus-bus-scheduler.js';
import type { ModbusLink } from '../drivers/modbus/modbus-link.js';
import { ModbusRtuLink } from '../drivers/modbus/modbus-rtu-link.js';
import { ModbusTcpLink } from '../drivers/modbus/modbus-tcp-link.js';
import { polledDevice } from '../drivers/modbus/polled-device.js';
import type { ImageFrame } from '../drivers/serial/frame-codec.js';
import { FramedSerialDriver } from '../drivers/serial/framed-serial-driver.js';
import type { SouthboundDriver } from '../drivers/southbound-driver.js';
import { namespaced, type Log } from '../log/logger.js';
import type { Reading } from '../shared/reading.js';

export interface DriverContext {
  catalogue: DeviceCatalogue;
  clock: Clock;
  log: Log;
  sink: (reading: Reading) => void;
  images?: (deviceId: string, image: ImageFrame, wallMs: number) => void;
  /** Where GPIO lines come from, for a bus that asks for simulated lines or not; resolved
   * when a gpio bus starts. */
  gpio: (simulate: boolean) => Promise<GpioBackend>;
}

function chosen<P extends { name: string }>(
  points: readonly P[],
  names: readonly string[] | undefined,
): P[] {
  return names ? points.filter((p) => names.includes(p.name)) : [...points];
}

function modbusLink(bus: Extract<BusConfig, { type: 'modbus-tcp' | 'modbus-rtu' }>): ModbusLink {
  return bus.type === 'modbus-tcp'
    ? new ModbusTcpLink(bus.host, bus.port, bus.timeoutMs)
    : new ModbusRtuLink(
        bus.path,
        { baudRate: bus.baudRate, parity: bus.parity, stopBits: bus.stopBits },
        bus.timeoutMs,
      );
}

/** One driver per bus that has devices, built from a config the loader has checked. */
export function buildDrivers(config: SiteConfig, ctx: DriverContext): SouthboundDriver[] {
  const drivers: SouthboundDriver[] = [];
  for (const bus of config.buses) {
    const devices: DeviceConfig[] = config.devices.filter((d) => d.bus === bus.id);
    if (devices.length === 0) continue;
    const log = namespaced(ctx.log, `bus:${bus.id}`);
    const common = { clock: ctx.clock, log, sink: ctx.sink };
    switch (bus.type) {
      case 'modbus-tcp':
      case 'modbus-rtu':
        drivers.push(
          new ModbusBusScheduler({
            ...common,
            busId: bus.id,
            link: modbusLink(bus),
            retries: bus.retries,
            devices: devices.map((d) =>
              polledDevice(d.id, ctx.catalogue.require(d.profile, 'modbus'), d),
            ),
          }),
        );
        break;
      case 'serial': {
        const d = devices[0] as DeviceConfig;
        const profile = ctx.catalogue.require(d.profile, 'framed');
        const codec = CODECS.get(profile.codec);
        if (!codec) throw new Error(`no codec ${profile.codec} for ${d.id}`);
        drivers.push(
          new FramedSerialDriver({
            ...common,
            busId: bus.id,
            path: bus.path,
            line: { baudRate: bus.baudRate, parity: bus.parity, stopBits: bus.stopBits },
            timeoutMs: bus.timeoutMs,
            codec,
            device: {
              id: d.id,
              pollMs: d.pollMs ?? profile.defaults.pollMs,
              points: chosen<FieldPointSpec>(profile.points, d.points),
            },
            ...(ctx.images ? { images: ctx.images } : {}),
          }),
        );
        break;
      }
      case 'gpio':
        drivers.push(
          new GpioDriver({
            ...common,
            busId: bus.id,
            backend: () => ctx.gpio(bus.simulate),
            devices: devices.map((d) => {
              const profile = ctx.catalogue.require(d.profile, 'gpio');
              return {
                id: d.id,
                profile: { ...profile, points: chosen<FieldPointSpec>(profile.points, d.points) },
                pin: d.pin ?? 0,
                activeLow: d.activeLow ?? profile.defaults.activeLow,
                pollMs: d.pollMs ?? profile.defaults.pollMs,
                litresPerPulse: d.litresPerPulse ?? profile.defaults.litresPerPulse ?? 1,
              };
            }),
          }),
        );
        break;
    }
  }
  return drivers;
}
