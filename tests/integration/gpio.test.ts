import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DeviceCatalogue } from '../../runtime/devices/catalogue.js';
import { GpioDriver, type GpioDevice } from '../../runtime/drivers/gpio/gpio-driver.js';
import { onoffGpio } from '../../runtime/drivers/gpio/onoff-gpio.js';
import { SimulatedGpio } from '../../runtime/drivers/gpio/simulated-gpio.js';
import { silentLog } from '../../runtime/log/logger.js';
import type { Reading } from '../../runtime/shared/reading.js';
import { manualClock } from '../harness/gateway-fixtures.js';

const catalogue = DeviceCatalogue.load();

function gpioRig(extra: Partial<GpioDevice> = {}) {
  const clock = manualClock();
  const gpio = new SimulatedGpio();
  const readings: Reading[] = [];
  const devices: GpioDevice[] = [
    {
      id: 'lamp',
      profile: catalogue.require('generic-gpio-relay', 'gpio'),
      pin: 17,
      activeLow: false,
      pollMs: 1000,
      litresPerPulse: 1,
    },
    {
      id: 'door',
      profile: catalogue.require('generic-gpio-door-switch', 'gpio'),
      pin: 27,
      activeLow: true,
      pollMs: 1000,
      litresPerPulse: 1,
    },
    {
      id: 'meter',
      profile: catalogue.require('generic-gpio-pulse-meter', 'gpio'),
      pin: 22,
      activeLow: false,
      pollMs: 60_000,
      litresPerPulse: 2.5,
      ...extra,
    },
  ];
  const driver = new GpioDriver({
    busId: 'gpio',
    backend: () => Promise.resolve(gpio),
    devices,
    clock,
    log: silentLog(),
    sink: (r) => readings.push(r),
  });
  return { clock, gpio, driver, readings };
}

const last = (readings: Reading[], device: string, point: string): number | null | undefined =>
  readings.filter((r) => r.device === device && r.point === point).at(-1)?.value;

describe('GPIO lines', () => {
  it('reports a line at a new poll interval once it is changed, and knows its own devices', async () => {
    const { clock, driver, readings } = gpioRig();
    await driver.start();
    const doorReports = (): number =>
      readings.filter((r) => r.device === 'door' && r.point === 'closed').length;
    await clock.advance(3000);
    expect(doorReports()).toBe(3);
    expect(driver.setPollInterval('door', 250)).toBe(true);
    await clock.advance(1000);
    expect(doorReports()).toBe(7);
    expect(driver.setPollInterval('not-here', 250)).toBe(false);
    await driver.stop();
  });

  it('switches a relay output and reports its state', async () => {
    const { clock, gpio, driver, readings } = gpioRig();
    await driver.start();
    await clock.advance(1000);
    expect(last(readings, 'lamp', 'state')).toBe(0);
    driver.setOutput('lamp', true);
    expect(gpio.outputLevel(17)).toBe(1);
    expect(last(readings, 'lamp', 'state')).toBe(1);
    expect(() => driver.setOutput('door', true)).toThrow('door is not a relay output on bus:gpio');
    await driver.stop();
  });

  it('reports a door switch at once when it changes, honouring active-low wiring', async () => {
    const { clock, gpio, driver, readings } = gpioRig();
    await driver.start();
    gpio.setInput(27, 1);
    // No clock step: the change is reported as it happens, not at the next poll.
    expect(last(readings, 'door', 'closed')).toBe(1);
    gpio.setInput(27, 0);
    expect(last(readings, 'door', 'closed')).toBe(0);
    await clock.advance(1000);
    expect(last(readings, 'door', 'closed')).toBe(0);
    await driver.stop();
  });

  it('counts pulses into litres and litres per minute per reading, so a window sums to its volume', async () => {
    const { clock, gpio, driver, readings } = gpioRig();
    await driver.start();
    gpio.pulse(22, 24);
    await clock.advance(60_000);
    expect(last(readings, 'meter', 'pulses')).toBe(24);
    expect(last(readings, 'meter', 'volume')).toBe(60);
    expect(last(readings, 'meter', 'flowRate')).toBe(60);
    await clock.advance(60_000);
    expect(last(readings, 'meter', 'volume')).toBe(0);
    await driver.stop();
  });

  it('releases every line on stop, and refuses a pin already in use', async () => {
    const { gpio, driver } = gpioRig();
    await driver.start();
    expect(gpio.isOpen(17) && gpio.isOpen(27) && gpio.isOpen(22)).toBe(true);
    await driver.stop();
    expect(gpio.isOpen(17) || gpio.isOpen(27) || gpio.isOpen(22)).toBe(false);
    gpio.open({ pin: 22, direction: 'in', edge: 'rising', activeLow: false, debounceMs: 0 });
    const again = gpioRig();
    const clash = new GpioDriver({
      busId: 'gpio',
      backend: () => Promise.resolve(gpio),
      devices: [],
      clock: again.clock,
      log: silentLog(),
      sink: () => undefined,
    });
    await clash.start();
    expect(() =>
      gpio.open({ pin: 22, direction: 'in', edge: 'rising', activeLow: false, debounceMs: 0 }),
    ).toThrow('GPIO 22 is already in use');
  });

  it('offers the kernel lines through onoff exactly where this machine has them', async () => {
    const real = await onoffGpio();
    expect(real === undefined).toBe(!existsSync('/sys/class/gpio'));
  });
});
