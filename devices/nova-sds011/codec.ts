import type { DecodedFrame, FrameCodec } from '../../runtime/drivers/serial/frame-codec.js';
import { byteSum, createFrameScanner } from '../../runtime/drivers/serial/frame-scanner.js';

/** A 19-byte host command: `AA B4`, 15 data bytes (device id FF FF: all), their 8-bit sum, `AB`. */
export function sdsCommand(command: number, set: number, value: number): Buffer {
  const data = Buffer.alloc(15);
  data[0] = command;
  data[1] = set;
  data[2] = value;
  data[13] = 0xff;
  data[14] = 0xff;
  return Buffer.concat([Buffer.from([0xaa, 0xb4]), data, Buffer.from([byteSum(data, 8), 0xab])]);
}

/**
 * Nova SDS011 over UART 9600 8N1: 10-byte frames `AA C0 PM25 PM10 ID CHK AB`, values
 * little-endian uint16 ÷ 10, CHK the 8-bit sum of bytes 2..7. Replies to commands come as
 * `AA C5 ...` frames with no fields. Set to query mode at start and read on request.
 */
export const sds011Codec: FrameCodec = {
  id: 'nova-sds011',
  fields: ['pm25', 'pm10'],
  maxFrameBytes: 10,
  defaultBaudRate: 9600,
  commands: {
    query: sdsCommand(0x04, 0, 0),
    queryMode: sdsCommand(0x02, 1, 1),
    activeMode: sdsCommand(0x02, 1, 0),
    sleep: sdsCommand(0x06, 1, 0),
    work: sdsCommand(0x06, 1, 1),
  },
  setup: [sdsCommand(0x02, 1, 1)],
  pollRequest: sdsCommand(0x04, 0, 0),
  createParser: () =>
    createFrameScanner({
      header: Buffer.from([0xaa]),
      maxLength: 10,
      frameLength: (buf) => {
        if (buf.length < 2) return undefined;
        return buf[1] === 0xc0 || buf[1] === 0xc5 ? 10 : 'invalid';
      },
      checksumOk: (frame) => frame[9] === 0xab && byteSum(frame.subarray(2, 8), 8) === frame[8],
      decode: (frame): DecodedFrame =>
        frame[1] === 0xc0
          ? { fields: { pm25: frame.readUInt16LE(2) / 10, pm10: frame.readUInt16LE(4) / 10 } }
          : { fields: {} },
    }),
};
