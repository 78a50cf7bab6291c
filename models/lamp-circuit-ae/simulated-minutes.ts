import { LampCircuitModel } from '../../devices/eastron-sdm120/lamp-circuit-model.js';

/** The features the lamp-circuit detector reads, in the order of its input rows. */
export const LAMP_FEATURES = ['lamp1/voltage', 'lamp1/activePower', 'lamp1/powerFactor'] as const;

export const MINUTE = 60_000;

/** A fault that replaces part of the circuit's state for a while (minutes from the start). */
export interface InjectedFault {
  name: string;
  fromMinute: number;
  minutes: number;
  apply: (row: [number, number, number]) => [number, number, number];
}

/**
 * One-minute window means of the SDM120 simulator's lamp circuit (the meter the demo and the
 * tests poll), read once a second as the gateway reads it: what a lamp pole's store holds.
 * Deterministic for a seed.
 */
export function simulatedMinutes(
  startMs: number,
  days: number,
  seed: number,
  faults: readonly InjectedFault[] = [],
): number[][] {
  const circuit = new LampCircuitModel({ seed });
  const rows: number[][] = [];
  for (let m = 0; m < days * 1440; m++) {
    const sum: [number, number, number] = [0, 0, 0];
    for (let s = 0; s < 60; s++) {
      const st = circuit.at(startMs + m * MINUTE + s * 1000);
      sum[0] += st.voltage;
      sum[1] += st.activePower;
      sum[2] += st.powerFactor;
    }
    let row: [number, number, number] = [sum[0] / 60, sum[1] / 60, sum[2] / 60];
    for (const f of faults)
      if (m >= f.fromMinute && m < f.fromMinute + f.minutes) row = f.apply(row);
    rows.push(row);
  }
  return rows;
}
