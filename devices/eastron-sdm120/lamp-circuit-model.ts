import { seededRandom } from '../../runtime/shared/seeded-random.js';

/**
 * The electrical state of one street-lamp circuit over time: an LED luminaire that is on from
 * dusk to dawn (fixed UTC hours, a simplification) and draws a few watts of driver standby by
 * day. Deterministic for a given seed, so tests can predict it.
 */
export interface LampCircuitState {
  voltage: number;
  current: number;
  activePower: number;
  apparentPower: number;
  powerFactor: number;
  frequency: number;
  importEnergy: number;
  exportEnergy: number;
}

export interface LampCircuitOptions {
  /** Luminaire power when fully on, W. */
  ratedPowerW?: number;
  /** UTC hours the lamp is on: from `onHour` to `offHour` across midnight. */
  onHour?: number;
  offHour?: number;
  /** Lamp level override, 0..1; the dusk-to-dawn schedule when undefined. */
  level?: number;
  seed?: number;
  /** Energy register at start, kWh (a meter in the field is rarely new). */
  startEnergyKwh?: number;
}

export class LampCircuitModel {
  private readonly random: () => number;
  private readonly rated: number;
  private readonly onHour: number;
  private readonly offHour: number;
  private lastMs?: number;
  private energyKwh: number;
  private voltage = 230;
  level: number | undefined;

  constructor(options: LampCircuitOptions = {}) {
    this.random = seededRandom(options.seed ?? 1);
    this.rated = options.ratedPowerW ?? 62;
    this.onHour = options.onHour ?? 17;
    this.offHour = options.offHour ?? 7;
    this.level = options.level;
    this.energyKwh = options.startEnergyKwh ?? 1234.5;
  }

  private scheduledLevel(wallMs: number): number {
    const hour = new Date(wallMs).getUTCHours();
    const on =
      this.onHour > this.offHour
        ? hour >= this.onHour || hour < this.offHour
        : hour >= this.onHour && hour < this.offHour;
    return on ? 1 : 0;
  }

  /** The state at `wallMs`; energy integrates power since the previous call. */
  at(wallMs: number): LampCircuitState {
    const noise = (): number => this.random() - 0.5;
    // Mains voltage wanders slowly within the EN 50160 band around 230 V.
    this.voltage = Math.min(240, Math.max(220, this.voltage + noise() * 0.6));
    const level = this.level ?? this.scheduledLevel(wallMs);
    const on = level > 0;
    const activePower = on ? this.rated * level * (1 + noise() * 0.02) : 0.8 + noise() * 0.1;
    const powerFactor = on ? 0.95 + noise() * 0.01 : 0.42 + noise() * 0.02;
    const apparentPower = activePower / powerFactor;
    const current = apparentPower / this.voltage;
    if (this.lastMs !== undefined && wallMs > this.lastMs)
      this.energyKwh += (activePower * (wallMs - this.lastMs)) / 3_600_000 / 1000;
    this.lastMs = wallMs;
    return {
      voltage: this.voltage,
      current,
      activePower,
      apparentPower,
      powerFactor,
      frequency: 50 + noise() * 0.04,
      importEnergy: this.energyKwh,
      exportEnergy: 0,
    };
  }
}
