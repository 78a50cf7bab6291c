import { SerialPort } from 'serialport';
import { wireMs, type LineSettings } from '../../runtime/drivers/serial/line-timing.js';
import { FaultInjector } from './faults.js';

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
    const port = new SerialPort({
      path: this.o.path,
      baudRate: this.o.line.baudRate,
      parity: this.o.line.parity,
      stopBits: this.o.line.stopBits,
      autoOpen: false,
    });
    await new Promise<void>((resolve, reject) =>
      port.open((err) => (err ? reject(err) : resolve())),
    );
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
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
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
    let out = frame;
    if (fault?.kind === 'bad-crc') out = this.o.model.corrupt(frame);
    if (fault?.kind === 'truncated')
      out = frame.subarray(0, Math.max(1, Math.floor(frame.length / 2)));
    if (fault?.kind === 'garbage')
      out = Buffer.concat([Buffer.from([0x00, 0x13, 0x37, 0xa5]), frame]);
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

/** The default corruption: flip the last byte, where most of these devices keep a checksum. */
export function flipLastByte(frame: Buffer): Buffer {
  const out = Buffer.from(frame);
  out[out.length - 1] = (out[out.length - 1] ?? 0) ^ 0x5a;
  return out;
}
