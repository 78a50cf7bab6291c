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
 * One crowd zone: each count (from a thermal array's model or a people counter) becomes a
 * density over the zone's area and a Fruin level of service; congestion is raised and cleared
 * with hysteresis, so one crowded frame neither raises nor clears it. Its windows travel as
 * CrowdFlowObserved records (crowd-flow.ts), made from the windows of its readings.
 */
export class CrowdZone {
  private readonly congestion: Hysteresis;

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
    return {
      count: c,
      density,
      los,
      congested: this.congestion.isActive,
      ...(transition ? { transition } : {}),
    };
  }
}
