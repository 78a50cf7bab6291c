import { byteSum } from '../../runtime/drivers/serial/frame-scanner.js';
import type { FramedDeviceModel } from '../../scripts/simulators/framed-serial-simulator.js';
import { seededRandom } from '../../runtime/shared/seeded-random.js';

/** An SDS011 (id A160): reports every second in active mode (its power-on mode), answers a
 * query in query mode, acknowledges set commands with a C5 frame. */
export function sds011Model(
  options: { seed?: number } = {},
): FramedDeviceModel & { mode(): string } {
  const random = seededRandom(options.seed ?? 4);
  let queryMode = false;
  let working = true;
  let pending = Buffer.alloc(0);
  const frame = (cmd: number, payload: number[]): Buffer => {
    const data = Buffer.from([...payload, 0xa1, 0x60]);
    return Buffer.concat([Buffer.from([0xaa, cmd]), data, Buffer.from([byteSum(data, 8), 0xab])]);
  };
  const dataFrame = (wallMs: number): Buffer => {
    const pm25 = Math.round((10 + 3 * Math.sin(wallMs / 3_600_000) + random()) * 10);
    const pm10 = Math.round(pm25 * 1.6);
    return frame(0xc0, [pm25 & 0xff, pm25 >> 8, pm10 & 0xff, pm10 >> 8]);
  };
  return {
    mode: () => (!working ? 'sleeping' : queryMode ? 'query' : 'active'),
    dataFrame,
    streamEveryMs: () => (!queryMode && working ? 1000 : undefined),
    corrupt: (f) => {
      const out = Buffer.from(f);
      out[8] = (out[8] ?? 0) ^ 0xff;
      return out;
    },
    onHostBytes: (bytes, wallMs) => {
      pending = Buffer.concat([pending, bytes]);
      const replies: Buffer[] = [];
      for (;;) {
        const at = pending.indexOf(Buffer.from([0xaa, 0xb4]));
        if (at < 0 || pending.length - at < 19) break;
        const cmd = pending.subarray(at, at + 19);
        pending = pending.subarray(at + 19);
        if (cmd[18] !== 0xab || byteSum(cmd.subarray(2, 17), 8) !== cmd[17]) continue;
        const [, , code = 0, set = 0, value = 0] = cmd;
        if (code === 0x02) {
          if (set === 1) queryMode = value === 1;
          replies.push(frame(0xc5, [0x02, set, queryMode ? 1 : 0, 0]));
        } else if (code === 0x06) {
          if (set === 1) working = value === 1;
          replies.push(frame(0xc5, [0x06, set, working ? 1 : 0, 0]));
        } else if (code === 0x04 && working) replies.push(dataFrame(wallMs));
      }
      return replies;
    },
  };
}
