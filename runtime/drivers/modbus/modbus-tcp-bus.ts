import { stampNow, type Clock, type TimerHandle } from '../../clock/clock.js';
import type { ModbusTcpBusConfig } from '../../config/schema.js';
import type { Component } from '../../lifecycle/component.js';
import type { Log } from '../../log/logger.js';
import { fullJitterDelay } from '../../shared/backoff.js';
import type { Reading } from '../../shared/reading.js';
import { newDeviceHealth, OFFLINE_AFTER_FAILURES, type DeviceHealth } from '../device-health.js';
import { ModbusError, ModbusTcpLink } from './modbus-tcp-link.js';
import type { PolledDevice } from './polled-device.js';
import { decodeRegisters } from './register-codec.js';

export interface ModbusTcpBusOptions {
  bus: ModbusTcpBusConfig;
  devices: readonly PolledDevice[];
  clock: Clock;
  log: Log;
  sink: (reading: Reading) => void;
}

export type LinkState = 'connecting' | 'connected' | 'backoff' | 'stopped';

const RECONNECT_BASE_MS = 500;
const RECONNECT_CAP_MS = 30_000;

/**
 * Polls the devices behind one Modbus TCP endpoint (a meter, or an RS-485 gateway with several
 * unit ids) over one connection, one transaction at a time, each device at its own interval in
 * order of due time. A lost connection is re-made with jittered backoff; a silent device is
 * counted and marked offline without holding up the others for longer than its timeout.
 */
export class ModbusTcpBus implements Component {
  readonly name: string;
  private readonly link: ModbusTcpLink;
  private readonly due = new Map<string, number>();
  private readonly health = new Map<string, DeviceHealth>();
  private timer?: TimerHandle;
  private cycle?: Promise<void>;
  private stopped = true;
  private attempt = 0;
  private state: LinkState = 'stopped';

  constructor(private readonly o: ModbusTcpBusOptions) {
    this.name = `bus:${o.bus.id}`;
    this.link = new ModbusTcpLink(o.bus.host, o.bus.port, o.bus.timeoutMs);
  }

  async start(): Promise<void> {
    this.stopped = false;
    const now = this.o.clock.wallMs();
    for (const d of this.o.devices) {
      this.due.set(d.id, now);
      this.health.set(d.id, newDeviceHealth());
    }
    this.state = 'connecting';
    this.scheduleAt(0);
    await Promise.resolve();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.state = 'stopped';
    this.timer?.cancel();
    this.timer = undefined;
    // Closing the link settles a read in flight, so the cycle finishes promptly.
    const closing = this.link.close();
    await this.cycle;
    await closing;
    await this.link.close();
  }

  linkState(): LinkState {
    return this.state;
  }

  deviceHealth(): Record<string, DeviceHealth> {
    return Object.fromEntries([...this.health].map(([id, h]) => [id, { ...h }]));
  }

  private scheduleAt(delayMs: number): void {
    if (this.stopped) return;
    this.timer = this.o.clock.setTimer(delayMs, () => {
      this.cycle = this.runCycle();
      return this.cycle;
    });
  }

  private async runCycle(): Promise<void> {
    if (this.stopped) return;
    if (!this.link.isOpen && !(await this.reconnect())) return;
    const clock = this.o.clock;
    const ordered = [...this.o.devices].sort(
      (a, b) => (this.due.get(a.id) ?? 0) - (this.due.get(b.id) ?? 0),
    );
    for (const device of ordered) {
      if (this.stopped) return;
      const now = clock.wallMs();
      const dueAt = this.due.get(device.id) ?? now;
      if (dueAt > now) continue;
      const linkLost = await this.pollDevice(device);
      // Keep the phase: the next poll is one interval after this one was due, unless the bus
      // fell behind, in which case skip ahead rather than burst.
      const next = dueAt + device.pollMs;
      this.due.set(device.id, next > clock.wallMs() ? next : clock.wallMs() + device.pollMs);
      if (linkLost) {
        await this.link.close();
        this.state = 'backoff';
        this.scheduleAt(this.nextBackoff());
        return;
      }
    }
    const nextDue = Math.min(...this.o.devices.map((d) => this.due.get(d.id) ?? Infinity));
    this.scheduleAt(Math.max(0, nextDue - clock.wallMs()));
  }

  private async reconnect(): Promise<boolean> {
    this.state = 'connecting';
    try {
      await this.link.connect();
    } catch (err) {
      if (this.stopped) return false;
      this.state = 'backoff';
      if (this.attempt === 0)
        this.o.log.warn(
          { host: this.o.bus.host, port: this.o.bus.port, err: (err as Error).message },
          'bus unreachable; retrying with backoff',
        );
      for (const d of this.o.devices) this.recordFailure(d.id, 'link');
      this.scheduleAt(this.nextBackoff());
      return false;
    }
    if (this.stopped) {
      await this.link.close();
      return false;
    }
    if (this.attempt > 0)
      this.o.log.info({ host: this.o.bus.host, port: this.o.bus.port }, 'bus connected again');
    this.attempt = 0;
    this.state = 'connected';
    return true;
  }

  private nextBackoff(): number {
    return fullJitterDelay(this.attempt++, RECONNECT_BASE_MS, RECONNECT_CAP_MS) + RECONNECT_BASE_MS;
  }

  /** Polls every planned read of one device; returns true when the link itself was lost. */
  private async pollDevice(device: PolledDevice): Promise<boolean> {
    const clock = this.o.clock;
    let failed = false;
    for (const read of device.reads) {
      const h = this.health.get(device.id);
      if (h) h.requests++;
      let bytes: Buffer;
      try {
        bytes = await this.link.read(read.register, device.unitId, read.address, read.count);
      } catch (err) {
        if (this.stopped) return false;
        const failure =
          err instanceof ModbusError
            ? err.failure
            : { kind: 'link' as const, message: String(err) };
        this.recordFailure(device.id, failure.kind);
        if (failure.kind === 'link') return true;
        failed = true;
        continue;
      }
      if (h) h.responses++;
      const stamp = stampNow(clock);
      for (const point of read.points) {
        const offset = (point.address - read.address) * 2;
        const value = decodeRegisters(bytes.subarray(offset), point.type, point.order, point.scale);
        const usable = Number.isFinite(value);
        this.o.sink({
          device: device.id,
          point: point.name,
          value: usable ? value : null,
          quality: usable ? 'good' : 'bad',
          ...stamp,
        });
      }
    }
    if (!failed) this.recordSuccess(device.id);
    return false;
  }

  private recordSuccess(id: string): void {
    const h = this.health.get(id);
    if (!h) return;
    if (h.state !== 'online')
      this.o.log.info({ device: id, after: h.consecutiveFailures }, 'device online');
    h.state = 'online';
    h.consecutiveFailures = 0;
    h.lastOkWallMs = this.o.clock.wallMs();
  }

  private recordFailure(id: string, kind: 'timeout' | 'exception' | 'link'): void {
    const h = this.health.get(id);
    if (!h) return;
    if (kind === 'timeout') h.timeouts++;
    else if (kind === 'exception') h.exceptions++;
    else h.linkErrors++;
    h.consecutiveFailures++;
    if (h.consecutiveFailures >= OFFLINE_AFTER_FAILURES && h.state !== 'offline') {
      h.state = 'offline';
      this.o.log.warn(
        { device: id, failures: h.consecutiveFailures, last: kind },
        'device offline',
      );
    }
  }
}
