import type { SerialPort } from 'serialport';
import { closeSerialPort, openSerialPort } from '../../runtime/drivers/serial/serial-port.js';
import { wireMs, type LineSettings } from '../../runtime/drivers/serial/line-timing.js';
import { distort, FaultInjector } from './faults.js';

/** A UART device's behaviour, independent of the port: what it sends, and how it answers. */
export interface FramedDeviceModel {
  /** The device's current data frame. */
  dataFrame(wallMs: number): Buffer;
  /** Streams a data frame this often while in its streaming mode; undefined when it only
   * answers requests. Read on every tick, so a command can switch modes. */
  streamEveryMs(): number | undefined;
  /** Reacts to bytes from the host (commands); returns frames to send back. */
  onHostBytes(bytes: Buffer, wallMs: number): Buffer[];
  /** The frame with its checksum broken (for the bad-crc fault). */
  corrupt(frame: Buffer): Buffer;
}

export interface FramedSerialSimulatorOptions {
  path: string;
  line: LineSettings;
  model: FramedDeviceModel;
  faults?: FaultInjector;
  /** Wall time for the model (a ManualClock's in tests); Date.now by default. */
  wallMs?: () => number;
  /** Hold each frame for its wire time at the baud rate. On by default. */
  wireTime?: boolean;
}

/**
 * A UART sensor at the device end of a serial line: it streams or answers frames as its model
 * says, with the wire time of each frame at the configured baud rate, and injects faults:
 * silence, late frames, bad checksums, noise before a frame, truncated frames.
 */
export class FramedSerialSimulator {
  private port?: SerialPort;
  private streamTimer?: NodeJS.Timeout;
  private readonly timers = new Set<NodeJS.Timeout>();
  readonly faults: FaultInjector;
  /** Frames the device meant to send (a fault may have swallowed some). */
  framesOffered = 0;
  framesSent = 0;
  hostBytes = 0;

  constructor(private readonly o: FramedSerialSimulatorOptions) {
    this.faults = o.faults ?? new FaultInjector();
  }

  private now(): number {
    return this.o.wallMs ? this.o.wallMs() : Date.now();
  }

  async start(): Promise<void> {
    const port = await openSerialPort(this.o.path, this.o.line);
    port.on('error', () => undefined);
    port.on('data', (chunk: Buffer) => {
      this.hostBytes += chunk.length;
      for (const frame of this.o.model.onHostBytes(chunk, this.now())) this.send(frame);
    });
    this.port = port;
    this.scheduleStream();
  }

  async stop(): Promise<void> {
    clearTimeout(this.streamTimer);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const port = this.port;
    this.port = undefined;
    await closeSerialPort(port);
  }

  private scheduleStream(): void {
    const every = this.o.model.streamEveryMs();
    this.streamTimer = setTimeout(() => {
      if (!this.port) return;
      if (this.o.model.streamEveryMs() !== undefined) this.send(this.o.model.dataFrame(this.now()));
      this.scheduleStream();
    }, every ?? 100);
  }

  private send(frame: Buffer): void {
    this.framesOffered++;
    const fault = this.faults.next();
    if (fault?.kind === 'silence') return;
    const out = distort(frame, fault, (f) => this.o.model.corrupt(f));
    const delay =
      (this.o.wireTime === false ? 0 : wireMs(this.o.line, out.length)) +
      (fault?.kind === 'late' ? (fault.lateMs ?? 2000) : 0);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.port?.isOpen) return;
      this.framesSent++;
      this.port.write(out);
    }, delay);
    this.timers.add(timer);
  }
}
