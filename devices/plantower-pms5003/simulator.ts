import { byteSum } from '../../runtime/drivers/serial/frame-scanner.js';
import type { FramedDeviceModel } from '../../scripts/simulators/framed-serial-simulator.js';
import { seededRandom } from '../../runtime/shared/seeded-random.js';

/** A PMS5003: streams a frame every 2.3 s in active mode (its power-on mode), answers `read` in
 * passive mode, acknowledges mode commands, stays silent while asleep. */
export function pms5003Model(options: { seed?: number } = {}): FramedDeviceModel & {
  mode(): string;
  values(wallMs: number): { pm1: number; pm25: number; pm10: number };
} {
  const random = seededRandom(options.seed ?? 3);
  let mode: 'active' | 'passive' = 'active';
  let asleep = false;
  let pending = Buffer.alloc(0);
  const values = (wallMs: number): { pm1: number; pm25: number; pm10: number } => {
    const pm25 = Math.round(9 + 4 * Math.sin(wallMs / 3_600_000) + random() * 2);
    return { pm1: Math.round(pm25 * 0.7), pm25, pm10: Math.round(pm25 * 1.4) };
  };
  const frame = (wallMs: number): Buffer => {
    const v = values(wallMs);
    const words = [28, v.pm1, v.pm25, v.pm10, v.pm1, v.pm25, v.pm10, 1200, 350, 60, 6, 1, 0, 0];
    const out = Buffer.alloc(32);
    out[0] = 0x42;
    out[1] = 0x4d;
    words.forEach((w, i) => out.writeUInt16BE(w, 2 + 2 * i));
    out.writeUInt16BE(byteSum(out.subarray(0, 30), 16), 30);
    return out;
  };
  const ack = (cmd: number, data: number): Buffer => {
    const out = Buffer.from([0x42, 0x4d, 0x00, 0x04, cmd, data, 0, 0]);
    out.writeUInt16BE(byteSum(out.subarray(0, 6), 16), 6);
    return out;
  };
  return {
    mode: () => (asleep ? 'asleep' : mode),
    values,
    dataFrame: frame,
    streamEveryMs: () => (mode === 'active' && !asleep ? 2300 : undefined),
    corrupt: (f) => {
      const out = Buffer.from(f);
      out[31] = (out[31] ?? 0) ^ 0xff;
      return out;
    },
    onHostBytes: (bytes, wallMs) => {
      pending = Buffer.concat([pending, bytes]);
      const replies: Buffer[] = [];
      for (;;) {
        const at = pending.indexOf(Buffer.from([0x42, 0x4d]));
        if (at < 0 || pending.length - at < 7) break;
        const cmd = pending.subarray(at, at + 7);
        pending = pending.subarray(at + 7);
        if (byteSum(cmd.subarray(0, 5), 16) !== cmd.readUInt16BE(5)) continue;
        const [, , code = 0, , data = 0] = cmd;
        if (code === 0xe4) {
          asleep = data === 0;
          continue;
        }
        if (asleep) continue;
        if (code === 0xe1) {
          mode = data === 0 ? 'passive' : 'active';
          replies.push(ack(code, data));
        } else if (code === 0xe2 && mode === 'passive') replies.push(frame(wallMs));
      }
      return replies;
    },
  };
}
