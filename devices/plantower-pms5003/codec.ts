import type { FrameCodec } from '../../runtime/drivers/serial/frame-codec.js';
import { byteSum, createFrameScanner } from '../../runtime/drivers/serial/frame-scanner.js';

/** A host command: `42 4D CMD DATAH DATAL` and the 16-bit sum of those five bytes. */
export function pmsCommand(cmd: number, data: number): Buffer {
  const head = Buffer.from([0x42, 0x4d, cmd, (data >> 8) & 0xff, data & 0xff]);
  const sum = byteSum(head, 16);
  return Buffer.concat([head, Buffer.from([sum >> 8, sum & 0xff])]);
}

const FIELDS = [
  'pm1Std',
  'pm25Std',
  'pm10Std',
  'pm1',
  'pm25',
  'pm10',
  'particles03',
  'particles05',
  'particles10',
  'particles25',
  'particles50',
  'particles100',
] as const;

/**
 * Plantower PMS5003 over UART 9600 8N1: 32-byte frames `42 4D`, a big-endian length (28), 13
 * big-endian words and a 16-bit sum of the first 30 bytes. Put in passive mode at start and read
 * on request. `pm1`/`pm25`/`pm10` are the "atmospheric environment" values, the ones for
 * ambient air quality; the `Std` ones are CF=1. Replies to mode commands are short frames with
 * no fields.
 */
export const pms5003Codec: FrameCodec = {
  id: 'plantower-pms5003',
  fields: FIELDS,
  maxFrameBytes: 40,
  defaultBaudRate: 9600,
  commands: {
    passive: pmsCommand(0xe1, 0),
    active: pmsCommand(0xe1, 1),
    read: pmsCommand(0xe2, 0),
    sleep: pmsCommand(0xe4, 0),
    wake: pmsCommand(0xe4, 1),
  },
  setup: [pmsCommand(0xe1, 0)],
  pollRequest: pmsCommand(0xe2, 0),
  createParser: () =>
    createFrameScanner({
      header: Buffer.from([0x42, 0x4d]),
      maxLength: 40,
      frameLength: (buf) => {
        if (buf.length < 4) return undefined;
        const length = buf.readUInt16BE(2);
        return [4, 20, 28, 36].includes(length) ? 4 + length : 'invalid';
      },
      checksumOk: (frame) =>
        byteSum(frame.subarray(0, -2), 16) === frame.readUInt16BE(frame.length - 2),
      decode: (frame) => {
        if (frame.length !== 32) return { fields: {} };
        const fields: Record<string, number> = {};
        FIELDS.forEach((name, i) => (fields[name] = frame.readUInt16BE(4 + 2 * i)));
        return { fields };
      },
    }),
};
