import type { FrameCodec } from '../../runtime/drivers/serial/frame-codec.js';
import { byteSum, createFrameScanner } from '../../runtime/drivers/serial/frame-scanner.js';

/** Below this the sensor is reporting its own blind zone, not a distance (as ESPHome does). */
export const A02_MIN_VALID_MM = 30;

/**
 * DFRobot A02YYUW (SEN0311) over UART 9600 8N1: it streams 4-byte frames `FF H L SUM` every
 * 100–300 ms, distance H×256+L in mm, SUM = (FF+H+L) & FF. Nothing to send; the driver takes
 * the latest frame at each poll.
 */
export const a02yyuwCodec: FrameCodec = {
  id: 'dfrobot-a02yyuw',
  fields: ['distance'],
  maxFrameBytes: 4,
  defaultBaudRate: 9600,
  commands: {},
  setup: [],
  createParser: () =>
    createFrameScanner({
      header: Buffer.from([0xff]),
      maxLength: 4,
      frameLength: () => 4,
      checksumOk: (frame) => byteSum(frame.subarray(0, 3), 8) === frame[3],
      decode: (frame) => {
        const mm = frame.readUInt16BE(1);
        return { fields: { distance: mm > A02_MIN_VALID_MM ? mm : NaN } };
      },
    }),
};
