import { byteSum } from '../../runtime/drivers/serial/frame-scanner.js';
import type { FramedDeviceModel } from '../../scripts/simulators/framed-serial-simulator.js';
import { flipLastByte } from '../../scripts/simulators/faults.js';
import { ParkingBayModel } from '../shared-models/parking-bay-model.js';

/** An A02YYUW over a parking bay: streams a 4-byte frame every 100 ms whatever the host says. */
export function a02yyuwModel(
  options: { seed?: number; bay?: ParkingBayModel } = {},
): FramedDeviceModel {
  const bay = options.bay ?? new ParkingBayModel({ seed: options.seed ?? 6 });
  return {
    dataFrame: (wallMs) => {
      const mm = Math.round(bay.distanceMm(wallMs));
      const head = Buffer.from([0xff, mm >> 8, mm & 0xff]);
      return Buffer.concat([head, Buffer.from([byteSum(head, 8)])]);
    },
    streamEveryMs: () => 100,
    onHostBytes: () => [],
    corrupt: flipLastByte,
  };
}
