import { Hysteresis } from '../anomaly/alarm.js';
import { atLeast, levelOfService, type Los, type LosScheme } from './level-of-service.js';

export interface CrowdZoneOptions {
  /** The walkable area the count covers, m². */
  areaM2: number;
  scheme: LosScheme;
  /** The level from which the zone counts as congested (SDM's `congested`). */
  congestedAt: Los;
  /** Observations in a row at or above `congestedAt` to raise congestion, and below to clear. */
  raiseAfter: number;
  clearAfter: number;
}

export const ZONE_DEFAULTS: Omit<CrowdZoneOptions, 'areaM2'> = {
  scheme: 'fruin-walkway',
  congestedAt: 'E',
  raiseAfter: 3,
  clearAfter: 5,
};

export interface ZoneObservation {
  count: number;
  density: number;
  los: Los;
  congested: boolean;
  /** Set when this observation raised or cleared congestion. */
  transition?: 'raised' | 'cleared';
}

/**
 * A crowd summary shaped like the FIWARE `CrowdFlowObserved` entity, with the density and
 * level-of-service extension of ../shared/research/datamodels.md §4.4 (non-SDM attributes:
 * `peopleDensity`, `measuredArea`, `peopleCountInstant`, `peopleCountMax`, `levelOfService`,
 * `losScheme`, `densityMax`, `densityAvg`). Counts are of people in the area, not line
 * crossings. Only these numbers leave the box.
 */
export interface CrowdFlowSummary {
  type: 'CrowdFlowObserved';
  id: string;
  dateObservedFrom: string;
  dateObservedTo: string;
  peopleCountInstant: number;
  peopleCountMax: number;
  peopleCountAvg: number;
  peopleDensity: number;
  densityAvg: number;
  densityMax: number;
  measuredArea: number;
  levelOfService: Los;
  losScheme: LosScheme;
  congested: boolean;
  observations: number;
}

/**
 * One crowd zone: each count (from a thermal array's model or a people counter) becomes a
 * density over the zone's area and a Fruin level of service; congestion is raised and cleared
 * with hysteresis, so one crowded frame neither raises nor clears it. `summary` closes a window.
 */
export class CrowdZone {
  private readonly congestion: Hysteresis;
  private window: { n: number; sum: number; max: number; last: number; congested: boolean } = {
    n: 0,
    sum: 0,
    max: 0,
    last: 0,
    congested: false,
  };

  constructor(
    readonly id: string,
    private readonly o: CrowdZoneOptions,
  ) {
    if (!(o.areaM2 > 0)) throw new Error(`crowd zone ${id}: area must be above 0 m²`);
    this.congestion = new Hysteresis(o.raiseAfter, o.clearAfter);
  }

  get congested(): boolean {
    return this.congestion.isActive;
  }

  observe(count: number): ZoneObservation {
    const c = Math.max(0, count);
    const density = c / this.o.areaM2;
    const los = levelOfService(density, this.o.scheme);
    const transition = this.congestion.update(atLeast(los, this.o.congestedAt));
    const w = this.window;
    w.n++;
    w.sum += c;
    w.max = Math.max(w.max, c);
    w.last = c;
    w.congested ||= this.congestion.isActive;
    return {
      count: c,
      density,
      los,
      congested: this.congestion.isActive,
      ...(transition ? { transition } : {}),
    };
  }

  /** The window's summary (undefined when it saw no count), and a fresh window. The level of
   * service is that of the window's highest density: what the worst moment was like. */
  summary(fromMs: number, toMs: number): CrowdFlowSummary | undefined {
    const w = this.window;
    this.window = { n: 0, sum: 0, max: 0, last: 0, congested: this.congestion.isActive };
    if (w.n === 0) return undefined;
    const a = this.o.areaM2;
    const round = (x: number): number => Number(x.toFixed(3));
    return {
      type: 'CrowdFlowObserved',
      id: this.id,
      dateObservedFrom: new Date(fromMs).toISOString(),
      dateObservedTo: new Date(toMs).toISOString(),
      peopleCountInstant: round(w.last),
      peopleCountMax: round(w.max),
      peopleCountAvg: round(w.sum / w.n),
      peopleDensity: round(w.last / a),
      densityAvg: round(w.sum / w.n / a),
      densityMax: round(w.max / a),
      measuredArea: a,
      levelOfService: levelOfService(w.max / a, this.o.scheme),
      losScheme: this.o.scheme,
      congested: w.congested,
      observations: w.n,
    };
  }
}
