import type { FrameCodec } from '../../runtime/drivers/serial/frame-codec.js';
import { createFrameScanner } from '../../runtime/drivers/serial/frame-scanner.js';

export const GY_WIDTH = 32;
export const GY_HEIGHT = 24;
export const GY_FRAME_BYTES = 1544;
const DATA_AMOUNT = 0x0602; // 768 pixels + Ta, in bytes

/** A 4-byte command `A5 CMD DATA SUM8`. */
export function gyCommand(cmd: number, data: number): Buffer {
  return Buffer.from([0xa5, cmd, data, (0xa5 + cmd + data) & 0xff]);
}

/** 16-bit sum of the frame's first 771 little-endian words, as the module's manual defines. */
export function gyChecksum(frame: Buffer): number {
  let sum = 0;
  for (let i = 0; i < 771 * 2; i += 2) sum += frame.readUInt16LE(i);
  return sum & 0xffff;
}

/**
 * GY-MCU90640 (MLX90640 behind an STM32) over UART, 115200 8N1 by default: 1544-byte frames
 * `5A 5A 02 06`, 768 little-endian int16 pixels in °C × 100 row by row, the sensor's own
 * temperature, and a 16-bit word sum. (Some public sketches read the pixels big-endian; the
 * manual says little-endian.) The image goes to in-memory consumers only; the fields are
 * what leaves the driver as readings.
 */
export const gyMcu90640Codec: FrameCodec = {
  id: 'gy-mcu90640',
  fields: ['sensorTemperature', 'maxTemperature', 'meanTemperature', 'minTemperature'],
  maxFrameBytes: GY_FRAME_BYTES,
  defaultBaudRate: 115200,
  commands: {
    query: gyCommand(0x35, 0x01),
    autoOutput: gyCommand(0x35, 0x02),
    rate4Hz: gyCommand(0x25, 0x03),
    baud460800: gyCommand(0x15, 0x03),
    save: gyCommand(0x65, 0x01),
  },
  setup: [],
  pollRequest: gyCommand(0x35, 0x01),
  createParser: () =>
    createFrameScanner({
      header: Buffer.from([0x5a, 0x5a]),
      maxLength: GY_FRAME_BYTES,
      frameLength: (buf) => {
        if (buf.length < 4) return undefined;
        return buf.readUInt16LE(2) === DATA_AMOUNT ? GY_FRAME_BYTES : 'invalid';
      },
      checksumOk: (frame) => gyChecksum(frame) === frame.readUInt16LE(GY_FRAME_BYTES - 2),
      decode: (frame) => {
        const pixels = new Float32Array(GY_WIDTH * GY_HEIGHT);
        let min = Infinity;
        let max = -Infinity;
        let sum = 0;
        for (let i = 0; i < pixels.length; i++) {
          const t = frame.readInt16LE(4 + 2 * i) / 100;
          pixels[i] = t;
          if (t < min) min = t;
          if (t > max) max = t;
          sum += t;
        }
        return {
          fields: {
            sensorTemperature: frame.readInt16LE(4 + 2 * pixels.length) / 100,
            maxTemperature: max,
            minTemperature: min,
            meanTemperature: sum / pixels.length,
          },
          image: { width: GY_WIDTH, height: GY_HEIGHT, pixels },
        };
      },
    }),
};
