import { SerialPort } from 'serialport';
import type { LineSettings } from './line-timing.js';

/** A serial port with the line's settings, not yet open (8 data bits, always). */
export function serialPort(path: string, line: LineSettings): SerialPort {
  return new SerialPort({
    path,
    baudRate: line.baudRate,
    parity: line.parity,
    stopBits: line.stopBits,
    dataBits: 8,
    autoOpen: false,
  });
}

/** Opens the port; the error names the path. */
export async function openSerialPort(path: string, line: LineSettings): Promise<SerialPort> {
  const port = serialPort(path, line);
  await new Promise<void>((resolve, reject) =>
    port.open((err) =>
      err ? reject(new Error(`cannot open ${path}: ${err.message}`)) : resolve(),
    ),
  );
  return port;
}

/** Closes the port if it is open, and waits for it. */
export async function closeSerialPort(port: SerialPort | undefined): Promise<void> {
  if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
}
