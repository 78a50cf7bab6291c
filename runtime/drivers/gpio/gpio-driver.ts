import { stampNow, type Clock, type TimerHandle } from '../../clock/clock.js';
import type { GpioProfile } from '../../devices/profile-schema.js';
import type { Log } from '../../log/logger.js';
import type { Reading } from '../../shared/reading.js';
import { newDeviceHealth, type DeviceHealth } from '../device-health.js';
import type { LinkState, SouthboundDriver } from '../southbound-driver.js';
import type { GpioBackend, GpioLine } from './gpio-line.js';

export interface GpioDevice {
  id: string;
  profile: GpioProfile;
  pin: number;
  activeLow: boolean;
  pollMs: number;
  litresPerPulse: number;
}

export interface GpioDriverOptions {
  busId: string;
  /** Resolved at start: loading onoff's native addon waits until a gpio bus is used. */
  backend: () => Promise<GpioBackend>;
  devices: readonly GpioDevice[];
  clock: Clock;
  log: Log;
  sink: (reading: Reading) => void;
}

interface OpenDevice {
  device: GpioDevice;
  line: GpioLine;
  timer?: TimerHandle;
  /** Pulses counted since the last reading, and when that reading was taken (mono ms). */
  pulses: number;
  sinceMs: number;
}

/**
 * The box's own GPIO lines: a relay output (lamp or valve), switch inputs (the cabinet door),
 * and pulse inputs from water meters' reed contacts. Outputs and switches are read at each
 * poll, and a switch also reports at once when it changes (a door opening should not wait for
 * the next poll). Pulses are counted on rising edges and reported per poll as pulses, litres
 * and litres per minute since the previous reading, so a window's sum is the volume in it.
 */
export class GpioDriver implements SouthboundDriver {
  readonly name: string;
  private readonly open = new Map<string, OpenDevice>();
  private readonly health = new Map<string, DeviceHealth>();
  private state: LinkState = 'stopped';

  constructor(private readonly o: GpioDriverOptions) {
    this.name = `bus:${o.busId}`;
    for (const d of o.devices) this.health.set(d.id, newDeviceHealth());
  }

  async start(): Promise<void> {
    const backend = await this.o.backend();
    try {
      for (const device of this.o.devices) this.openDevice(backend, device);
    } catch (err) {
      // A pin that cannot be opened fails the start; release the ones already taken.
      await this.stop();
      throw err;
    }
    this.state = 'connected';
    if (backend.kind === 'simulated')
      this.o.log.info({ devices: this.o.devices.length }, 'GPIO lines are simulated');
  }

  private openDevice(backend: GpioBackend, device: GpioDevice): void {
    const role = device.profile.role;
    const line = backend.open({
      pin: device.pin,
      direction: role === 'relay-out' ? 'out' : 'in',
      edge: role === 'pulse-in' ? 'rising' : role === 'switch-in' ? 'both' : 'none',
      activeLow: device.activeLow,
      debounceMs: device.profile.defaults.debounceMs,
    });
    const entry: OpenDevice = { device, line, pulses: 0, sinceMs: this.nowMs() };
    if (role === 'pulse-in') line.watch(() => void entry.pulses++);
    if (role === 'switch-in') line.watch((level) => this.emit(device, { closed: level }));
    this.open.set(device.id, entry);
    this.schedule(entry);
  }

  async stop(): Promise<void> {
    for (const entry of this.open.values()) {
      entry.timer?.cancel();
      entry.line.release();
    }
    this.open.clear();
    this.state = 'stopped';
    await Promise.resolve();
  }

  linkState(): LinkState {
    return this.state;
  }

  deviceHealth(): Record<string, DeviceHealth> {
    return Object.fromEntries([...this.health].map(([id, h]) => [id, { ...h }]));
  }

  setPollInterval(deviceId: string, ms: number): boolean {
    const entry = this.open.get(deviceId);
    if (!entry) return false;
    entry.device = { ...entry.device, pollMs: ms };
    entry.timer?.cancel();
    this.schedule(entry);
    return true;
  }

  /** Whether `deviceId` is a relay output on this bus. */
  hasRelay(deviceId: string): boolean {
    return this.open.get(deviceId)?.device.profile.role === 'relay-out';
  }

  /** Switches a relay output (a lamp on or off, a valve closed); reports the new state. */
  setOutput(deviceId: string, on: boolean): void {
    const entry = this.open.get(deviceId);
    if (!entry || entry.device.profile.role !== 'relay-out')
      throw new Error(`${deviceId} is not a relay output on ${this.name}`);
    entry.line.write(on ? 1 : 0);
    this.emit(entry.device, { state: entry.line.read() });
  }

  private nowMs(): number {
    return Number(this.o.clock.monoNs() / 1_000_000n);
  }

  private schedule(entry: OpenDevice): void {
    entry.timer = this.o.clock.setTimer(entry.device.pollMs, () => {
      this.poll(entry);
      this.schedule(entry);
    });
  }

  private poll(entry: OpenDevice): void {
    const { device, line } = entry;
    const role = device.profile.role;
    if (role === 'relay-out') this.emit(device, { state: line.read() });
    else if (role === 'switch-in') this.emit(device, { closed: line.read() });
    else {
      const now = this.nowMs();
      const minutes = (now - entry.sinceMs) / 60_000;
      const litres = entry.pulses * device.litresPerPulse;
      this.emit(device, {
        pulses: entry.pulses,
        volume: litres,
        flowRate: minutes > 0 ? litres / minutes : 0,
      });
      entry.pulses = 0;
      entry.sinceMs = now;
    }
  }

  private emit(device: GpioDevice, fields: Record<string, number>): void {
    const h = this.health.get(device.id);
    if (h) {
      h.requests++;
      h.responses++;
      h.state = 'online';
      h.lastOkWallMs = this.o.clock.wallMs();
    }
    const stamp = stampNow(this.o.clock);
    for (const point of device.profile.points) {
      const raw = fields[point.field];
      if (raw === undefined) continue;
      this.o.sink({
        device: device.id,
        point: point.name,
        value: raw * point.scale,
        quality: 'good',
        ...stamp,
      });
    }
  }
}
