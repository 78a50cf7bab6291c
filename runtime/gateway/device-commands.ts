import type { SiteConfig } from '../config/schema.js';
import { GpioDriver } from '../drivers/gpio/gpio-driver.js';
import type { SouthboundDriver } from '../drivers/southbound-driver.js';
import type { Log } from '../log/logger.js';
import type { CommandResult } from '../sync/commands/command-specs.js';
import type { DeviceCommandActions } from '../sync/outbox-sender.js';

/**
 * The device half of platform commands, on the running drivers. A lamp level goes only to a
 * relay the config declares `controls: lamp`: the same relay profile also closes water valves,
 * and a mistyped device id must not shut a district's water off.
 */
/** What the platform's commands and the site's own flows (Node-RED) can do to devices. */
export interface LocalDeviceCommands extends DeviceCommandActions {
  setLampLevel(device: string, level: number): CommandResult;
  setRelay(device: string, on: boolean): CommandResult;
}

export function deviceCommands(
  config: SiteConfig,
  drivers: () => readonly SouthboundDriver[],
  log: Log,
): LocalDeviceCommands {
  return {
    setLampLevel(device: string, level: number): CommandResult {
      const configured = config.devices.find((d) => d.id === device);
      if (!configured) return { ok: false, reason: `no device "${device}" on this gateway` };
      if (configured.controls !== 'lamp')
        return {
          ok: false,
          reason: `device "${device}" is not a lamp (only a relay with "controls: lamp" takes a lamp level)`,
        };
      const gpio = drivers().find(
        (d): d is GpioDriver => d instanceof GpioDriver && d.hasRelay(device),
      );
      if (!gpio) return { ok: false, reason: `device "${device}" is not running` };
      // A relay has two levels: anything above 0 % is on. The answer says what was applied.
      const on = level > 0;
      gpio.setOutput(device, on);
      log.info({ device, requested: level, on }, 'lamp switched by command');
      return {
        ok: true,
        result: {
          device,
          requested: level,
          applied: on ? 100 : 0,
          ...(level > 0 && level < 100 ? { note: 'a relay is on or off: above 0 % is on' } : {}),
        },
      };
    },
    setRelay(device: string, on: boolean): CommandResult {
      const gpio = drivers().find(
        (d): d is GpioDriver => d instanceof GpioDriver && d.hasRelay(device),
      );
      if (!gpio)
        return config.devices.some((d) => d.id === device)
          ? { ok: false, reason: `device "${device}" is not a running relay` }
          : { ok: false, reason: `no device "${device}" on this gateway` };
      gpio.setOutput(device, on);
      log.info({ device, on }, 'relay switched');
      return { ok: true, result: { device, on } };
    },
    setPollInterval(device: string, ms: number): CommandResult {
      for (const driver of drivers())
        if (driver.setPollInterval(device, ms)) {
          log.info({ device, ms }, 'poll interval changed by command (until restart)');
          return { ok: true, result: { device, ms, until: 'restart' } };
        }
      return { ok: false, reason: `no device "${device}" on this gateway` };
    },
  };
}
