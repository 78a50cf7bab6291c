import type { SerialPort } from 'serialport';
import { closeSerialPort, openSerialPort } from '../../runtime/drivers/serial/serial-port.js';
import { hasValidCrc } from '../../runtime/drivers/modbus/crc16.js';
import {
  silentIntervalMs,
  wireMs,
  type LineSettings,
} from '../../runtime/drivers/serial/line-timing.js';
import { waitUntil } from '../../runtime/shared/wait-until.js';
import { distort, FaultInjector, flipLastByte } from './faults.js';
import { rtuFrame, rtuRequestLength, slaveAnswer } from './modbus-frames.js';
import type { RegisterDevice } from './register-device.js';

export interface ModbusRtuSimulatorOptions {
  /** The device end of a serial line (a pty from PtyPair, or a real port). */
  path: string;
  line: LineSettings;
  devices: readonly RegisterDevice[];
  faults?: FaultInjector;
  /** Hold each answer for the time the request and the answer take on a real wire at this
   * baud rate (a pseudo-terminal moves bytes instantly). On by default. */
  wireTime?: boolean;
}

export interface RtuSimulatorStats {
  requests: number;
  answers: number;
  /** Requests with a bad CRC, ignored as a real slave ignores them. */
  badCrcRequests: number;
  /** Requests that began before the line had been silent for 3.5 characters after an answer. */
  gapViolations: number;
}

/**
 * An RS-485 line with Modbus RTU slaves on it, at the device end of a serial port. It frames
 * requests, ignores those with a bad CRC or for a unit id it does not host, enforces the
 * 3.5-character silence between frames, imposes wire time for the configured baud rate, and
 * injects faults: silence, late answers, bad CRC, exceptions, noise before the answer, and
 * truncated answers.
 */
export class ModbusRtuSimulator {
  private port?: SerialPort;
  private readonly devices: Map<number, RegisterDevice>;
  private readonly timers = new Set<NodeJS.Timeout>();
  private buf = Buffer.alloc(0);
  /** When the last answer finished on the simulated wire (performance.now()). */
  private lineFreeAt = 0;
  readonly faults: FaultInjector;
  readonly stats: RtuSimulatorStats = {
    requests: 0,
    answers: 0,
    badCrcRequests: 0,
    gapViolations: 0,
  };

  constructor(private readonly o: ModbusRtuSimulatorOptions) {
    this.devices = new Map(o.devices.map((d) => [d.unitId, d]));
    this.faults = o.faults ?? new FaultInjector();
  }

  async start(): Promise<void> {
    const port = await openSerialPort(this.o.path, this.o.line);
    port.on('data', (chunk: Buffer) => this.onData(chunk));
    port.on('error', () => undefined);
    this.port = port;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const port = this.port;
    this.port = undefined;
    await closeSerialPort(port);
  }

  private later(ms: number, fn: () => void | Promise<void>): void {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        void fn();
      },
      Math.max(0, ms),
    );
    this.timers.add(timer);
  }

  private onData(chunk: Buffer): void {
    const now = performance.now();
    if (this.buf.length === 0 && now < this.lineFreeAt + silentIntervalMs(this.o.line)) {
      // The master started talking before the line had been quiet for 3.5 characters: on a
      // real line its first bytes would run into our answer. Nobody answers a garbled frame.
      this.stats.gapViolations++;
      return;
    }
    this.buf = Buffer.concat([this.buf, chunk]);
    for (;;) {
      const length = rtuRequestLength(this.buf);
      if (length === undefined) {
        // An unknown function code: without a length there is no frame to find; drop it.
        if (this.buf.length >= 2) this.buf = Buffer.alloc(0);
        return;
      }
      if (this.buf.length < length) return;
      const frame = this.buf.subarray(0, length);
      this.buf = this.buf.subarray(length);
      this.handle(frame, now);
    }
  }

  private handle(request: Buffer, arrivedAt: number): void {
    this.stats.requests++;
    if (!hasValidCrc(request)) {
      this.stats.badCrcRequests++;
      return;
    }
    const unitId = request[0] ?? 0;
    const answer = slaveAnswer(this.devices, unitId, request.subarray(1, -2), this.faults);
    if (!answer) return;
    const { pdu, fault } = answer;
    const out = distort(rtuFrame(unitId, pdu), fault, flipLastByte);
    const line = this.o.line;
    const wire = this.o.wireTime !== false;
    // The request occupied the wire until it had all arrived; the answer starts after 3.5
    // characters of silence and is complete when its last byte has been sent.
    const readyAt =
      arrivedAt +
      (wire ? wireMs(line, request.length) + silentIntervalMs(line) + wireMs(line, out.length) : 0);
    const lateMs = fault?.kind === 'late' ? (fault.lateMs ?? 2000) : 0;
    const sendAt = readyAt + lateMs;
    // A timer for most of the wait (cancelled by stop), then to the exact instant: an answer
    // that left early would make the line look faster than its baud rate.
    this.later(sendAt - performance.now() - 1, async () => {
      await waitUntil(sendAt);
      if (!this.port?.isOpen) return;
      this.lineFreeAt = performance.now();
      this.stats.answers++;
      this.port.write(out);
    });
  }
}
