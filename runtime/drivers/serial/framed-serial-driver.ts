import type { SerialPort } from 'serialport';
import { stampNow, type Clock, type TimerHandle } from '../../clock/clock.js';
import type { FieldPointSpec } from '../../devices/profile-schema.js';
import type { Log } from '../../log/logger.js';
import { fullJitterDelay } from '../../shared/backoff.js';
import type { Reading } from '../../shared/reading.js';
import { newDeviceHealth, OFFLINE_AFTER_FAILURES, type DeviceHealth } from '../device-health.js';
import type { LinkState, SouthboundDriver } from '../southbound-driver.js';
import type { DecodedFrame, FrameCodec, FrameParser, ImageFrame } from './frame-codec.js';
import { wireMs, type LineSettings } from './line-timing.js';
import { closeSerialPort, openSerialPort } from './serial-port.js';

export interface FramedSerialDriverOptions {
  busId: string;
  path: string;
  line: LineSettings;
  /** How long a device may take to start answering a request, on top of the frame's wire time. */
  timeoutMs: number;
  device: { id: string; pollMs: number; points: readonly FieldPointSpec[] };
  codec: FrameCodec;
  clock: Clock;
  log: Log;
  sink: (reading: Reading) => void;
  /** Images (thermal frames) go here, in memory only, never to the store. */
  images?: (deviceId: string, image: ImageFrame, wallMs: number) => void;
}

const RECONNECT_BASE_MS = 500;
const RECONNECT_CAP_MS = 30_000;

/**
 * One UART device on its own serial port (PMS5003, SDS011, A02YYUW, GY-MCU90640). At each poll
 * it sends the codec's request and waits for the answer, or, for a device that streams, takes
 * the newest frame since the last poll. The codec's parser resynchronises after noise and
 * drops frames whose checksum fails; a port that goes away (a USB adapter pulled) is reopened
 * with jittered backoff.
 */
export class FramedSerialDriver implements SouthboundDriver {
  readonly name: string;
  private port?: SerialPort;
  private parser: FrameParser;
  private readonly health: DeviceHealth = newDeviceHealth();
  private timer?: TimerHandle;
  private cycle?: Promise<void>;
  private cycling = false;
  private pollMs: number;
  private stopped = true;
  private state: LinkState = 'stopped';
  private attempt = 0;
  /** The newest frame with fields, and whether a poll has used it. */
  private latest?: { frame: DecodedFrame; used: boolean };
  private waiter?: (frame: DecodedFrame) => void;
  private seen = { checksumErrors: 0, noiseBytes: 0 };

  constructor(private readonly o: FramedSerialDriverOptions) {
    this.name = `bus:${o.busId}`;
    this.parser = o.codec.createParser();
    this.pollMs = o.device.pollMs;
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.state = 'connecting';
    this.wakeIn(0);
    await Promise.resolve();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.state = 'stopped';
    this.timer?.cancel();
    this.waiter = undefined;
    const closing = this.closePort();
    await this.cycle;
    await closing;
    await this.closePort();
  }

  linkState(): LinkState {
    return this.state;
  }

  deviceHealth(): Record<string, DeviceHealth> {
    return { [this.o.device.id]: { ...this.health } };
  }

  private wakeIn(ms: number): void {
    if (this.stopped) return;
    this.timer = this.o.clock.setTimer(Math.max(0, ms), () => {
      this.cycling = true;
      this.cycle = this.runCycle().finally(() => {
        this.cycling = false;
      });
      return this.cycle;
    });
  }

  setPollInterval(deviceId: string, ms: number): boolean {
    if (deviceId !== this.o.device.id) return false;
    this.pollMs = ms;
    // The next poll comes one new interval from now; a running poll or a reopen backoff
    // picks the new interval up when it schedules the next one.
    if (!this.cycling && this.state === 'connected') {
      this.timer?.cancel();
      this.wakeIn(ms);
    }
    return true;
  }

  private async runCycle(): Promise<void> {
    if (this.stopped) return;
    if (!this.port?.isOpen && !(await this.open())) return;
    await this.poll();
    this.wakeIn(this.pollMs);
  }

  private async open(): Promise<boolean> {
    this.state = 'connecting';
    const { path, line } = this.o;
    let port: SerialPort;
    try {
      port = await openSerialPort(path, line);
    } catch (err) {
      if (this.stopped) return false;
      this.health.linkErrors++;
      this.failed();
      if (this.attempt === 0)
        this.o.log.warn(
          { path, err: (err as Error).message },
          'serial port unavailable; retrying with backoff',
        );
      this.state = 'backoff';
      this.wakeIn(
        RECONNECT_BASE_MS + fullJitterDelay(this.attempt++, RECONNECT_BASE_MS, RECONNECT_CAP_MS),
      );
      return false;
    }
    if (this.stopped) {
      await closeSerialPort(port);
      return false;
    }
    this.parser = this.o.codec.createParser();
    this.seen = { checksumErrors: 0, noiseBytes: 0 };
    port.on('data', (chunk: Buffer) => this.onData(chunk));
    port.on('error', () => undefined);
    port.on('close', () => {
      if (this.port !== port || this.stopped) return;
      // The next cycle reopens it; a poll waiting for an answer gives up now.
      this.port = undefined;
      this.health.linkErrors++;
      this.o.log.warn({ path }, 'serial port closed; reopening');
      this.state = 'backoff';
      this.waiter = undefined;
    });
    this.port = port;
    for (const bytes of this.o.codec.setup) port.write(bytes);
    if (this.attempt > 0) this.o.log.info({ path }, 'serial port open again');
    this.attempt = 0;
    this.state = 'connected';
    return true;
  }

  private async closePort(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    await closeSerialPort(port);
  }

  private onData(chunk: Buffer): void {
    const wallMs = this.o.clock.wallMs();
    for (const frame of this.parser.push(chunk)) {
      if (frame.image) this.o.images?.(this.o.device.id, frame.image, wallMs);
      if (Object.keys(frame.fields).length === 0) continue; // an acknowledgement
      this.latest = { frame, used: false };
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter?.(frame);
    }
    const { checksumErrors, noiseBytes } = this.parser.stats;
    this.health.crcErrors += checksumErrors - this.seen.checksumErrors;
    if (noiseBytes > this.seen.noiseBytes) this.health.framingErrors++;
    this.seen = { checksumErrors, noiseBytes };
  }

  private async poll(): Promise<void> {
    const request = this.o.codec.pollRequest;
    const port = this.port;
    if (!port) return;
    this.health.requests++;
    let frame: DecodedFrame | undefined;
    if (!request && this.latest && !this.latest.used) {
      frame = this.latest.frame;
    } else {
      // Ask and wait for the answer; or, for a sensor that streams, wait for its next frame.
      const budget =
        this.o.timeoutMs + wireMs(this.o.line, (request?.length ?? 0) + this.o.codec.maxFrameBytes);
      const next = new Promise<DecodedFrame | undefined>((resolve) => {
        // One close listener per wait, removed when the wait ends: a port read once a second
        // for months must not collect them.
        const onClose = (): void => done(undefined);
        const done = (f: DecodedFrame | undefined): void => {
          clearTimeout(timer);
          port.off('close', onClose);
          resolve(f);
        };
        const timer = setTimeout(() => {
          this.waiter = undefined;
          done(undefined);
        }, Math.ceil(budget));
        this.waiter = done;
        port.once('close', onClose);
      });
      if (request) port.write(request);
      frame = await next;
    }
    if (this.stopped) return;
    if (!frame) {
      this.health.timeouts++;
      this.failed();
      return;
    }
    if (this.latest?.frame === frame) this.latest.used = true;
    this.health.responses++;
    const stamp = stampNow(this.o.clock);
    for (const point of this.o.device.points) {
      const raw = frame.fields[point.field];
      const value = raw === undefined || !Number.isFinite(raw) ? null : raw * point.scale;
      this.o.sink({
        device: this.o.device.id,
        point: point.name,
        value,
        quality: value === null ? 'bad' : 'good',
        ...stamp,
      });
    }
    const before = this.health.state;
    this.health.consecutiveFailures = 0;
    this.health.lastOkWallMs = this.o.clock.wallMs();
    this.health.state = 'online';
    if (before !== 'online')
      this.o.log.info({ device: this.o.device.id, from: before }, 'device online');
  }

  private failed(): void {
    const h = this.health;
    h.consecutiveFailures++;
    if (h.consecutiveFailures >= OFFLINE_AFTER_FAILURES && h.state !== 'offline') {
      h.state = 'offline';
      this.o.log.warn(
        { device: this.o.device.id, failures: h.consecutiveFailures },
        'device offline',
      );
    } else if (h.state === 'online') {
      h.state = 'degraded';
    }
  }
}
