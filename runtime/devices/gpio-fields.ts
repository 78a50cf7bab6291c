import type { GpioRole } from './profile-schema.js';

/** The fields each GPIO role produces, for profile points to map. */
export const GPIO_FIELDS: Readonly<Record<GpioRole, readonly string[]>> = {
  /** The output's state, 1 = energised. */
  'relay-out': ['state'],
  /** 1 = contact closed (a door switch: closed door). */
  'switch-in': ['closed'],
  /** Pulses, litres and litres per minute since the previous reading: sums over a window
   * give the volume in the window. */
  'pulse-in': ['pulses', 'volume', 'flowRate'],
};
