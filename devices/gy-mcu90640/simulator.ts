import type { FramedDeviceModel } from '../../scripts/simulators/framed-serial-simulator.js';
import { GY_FRAME_BYTES, gyChecksum } from './codec.js';
import { ThermalScene } from './thermal-scene.js';

const RATE_HZ = [0.5, 1, 2, 4, 8];

/** Encodes a frame as the module does: `5A 5A 02 06`, pixels and Ta as int16 LE (°C × 100),
 * then the 16-bit word sum. */
export function encodeGyFrame(pixels: Float32Array, sensorC: number): Buffer {
  const out = Buffer.alloc(GY_FRAME_BYTES);
  out.writeUInt16LE(0x5a5a, 0);
  out.writeUInt16LE(0x0602, 2);
  pixels.forEach((t, i) => out.writeInt16LE(Math.round(t * 100), 4 + 2 * i));
  out.writeInt16LE(Math.round(sensorC * 100), 4 + 2 * pixels.length);
  out.writeUInt16LE(gyChecksum(out), GY_FRAME_BYTES - 2);
  return out;
}

/** A GY-MCU90640: streams at its rate in auto mode (power-on), sends one frame per query in
 * query mode. */
export function gyMcu90640Model(
  options: { seed?: number; people?: number } = {},
): FramedDeviceModel & { scene: ThermalScene } {
  const scene = new ThermalScene(options);
  let auto = true;
  let rateHz = 1;
  let pending = Buffer.alloc(0);
  const dataFrame = (wallMs: number): Buffer => encodeGyFrame(scene.frame(wallMs), 30.5);
  return {
    scene,
    dataFrame,
    streamEveryMs: () => (auto ? 1000 / rateHz : undefined),
    corrupt: (f) => {
      const out = Buffer.from(f);
      out[GY_FRAME_BYTES - 1] = (out[GY_FRAME_BYTES - 1] ?? 0) ^ 0xff;
      return out;
    },
    onHostBytes: (bytes, wallMs) => {
      pending = Buffer.concat([pending, bytes]);
      const replies: Buffer[] = [];
      for (;;) {
        const at = pending.indexOf(0xa5);
        if (at < 0 || pending.length - at < 4) break;
        const cmd = pending.subarray(at, at + 4);
        pending = pending.subarray(at + 4);
        const [, code = 0, data = 0, sum = 0] = cmd;
        if (((0xa5 + code + data) & 0xff) !== sum) continue;
        if (code === 0x35) {
          auto = data === 0x02;
          if (data === 0x01) replies.push(dataFrame(wallMs));
        } else if (code === 0x25) rateHz = RATE_HZ[data] ?? rateHz;
      }
      return replies;
    },
  };
}
