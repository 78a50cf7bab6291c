import type { Clock } from '../../runtime/clock/clock.js';
import type { ModbusProfile } from '../../runtime/devices/profile-schema.js';
import { ProfileRegisterDevice } from '../../scripts/simulators/register-device.js';

/** Registers 0x0000..0x000F are answered. */
const RANGES = { holding: [[0, 16]] } as const;
/** How long the crowd takes to swell and ebb, s (as the thermal simulator's scene). */
const TIDE_S = 600;
/** People passing through the view per second, besides those who stay. */
const PASSING_PER_S = 0.5;

/**
 * People in a counter's view: from zero to `people` and back every ten minutes, with people
 * passing through all the while. The totals in and out never run backwards, and in − out is
 * always the number in view.
 */
export class CounterScene {
  constructor(private readonly people: number) {}

  inView(wallMs: number): number {
    const tide = (1 - Math.cos((2 * Math.PI * (wallMs / 1000)) / TIDE_S)) / 2;
    return Math.round(this.people * tide);
  }

  totals(wallMs: number): { countIn: number; countOut: number } {
    const s = wallMs / 1000;
    const passed = Math.floor(s * PASSING_PER_S);
    const tides = Math.floor(s / TIDE_S);
    const inView = this.inView(wallMs);
    // While the tide rises everyone in view came in during this tide; once it ebbs, all of
    // its people had come in and those no longer in view went out.
    const cameThisTide = (s / TIDE_S) % 1 < 0.5 ? inView : this.people;
    const countIn = (passed + tides * this.people + cameThisTide) % 2 ** 32;
    return { countIn, countOut: (countIn - inView + 2 ** 32) % 2 ** 32 };
  }
}

/** A people counter over the simulated pavement, as a Modbus slave. */
export function peopleCounterDevice(
  profile: ModbusProfile,
  clock: Clock,
  options: { unitId?: number; seed?: number; people?: number } = {},
): ProfileRegisterDevice {
  const scene = new CounterScene(options.people ?? 12);
  const unitId = options.unitId ?? 1;
  return new ProfileRegisterDevice(
    profile,
    unitId,
    clock,
    (wallMs) => ({ peopleInView: scene.inView(wallMs), ...scene.totals(wallMs) }),
    RANGES,
    {},
  );
}
