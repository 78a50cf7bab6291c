import { formatIsoDuration } from '../shared/iso-duration.js';
import type { ClosedWindow } from '../windows/window-aggregator.js';
import { levelOfService, type Los, type LosScheme } from './level-of-service.js';

/**
 * One window of a crowd zone as it travels upstream (`data/crowd`), shaped like the FIWARE
 * `CrowdFlowObserved` entity with the density and level-of-service extension of
 * ../shared/research/datamodels.md §4.4 (non-SDM attributes: `peopleDensity`, `measuredArea`,
 * `peopleCountInstant`, `peopleCountMax`, `peopleCountAvg`, `levelOfService`, `losScheme`,
 * `densityMax`, `densityAvg`). Counts are of people in the area, not line crossings. Its key is
 * (gw, id, w, t0), and a higher `rev` wins, as for summaries.
 */
export interface CrowdFlowRecord {
  type: 'CrowdFlowObserved';
  /** The zone. */
  id: string;
  w: string;
  t0: number;
  rev: number;
  dateObservedFrom: string;
  dateObservedTo: string;
  /** The last count of the window. */
  peopleCountInstant: number;
  peopleCountMax: number;
  peopleCountAvg: number;
  /** Persons/m² at the last count. */
  peopleDensity: number;
  densityAvg: number;
  densityMax: number;
  /** The zone's area, m². */
  measuredArea: number;
  /** The level of the window's highest density: what its worst moment was like. */
  levelOfService: Los;
  losScheme: LosScheme;
  /** Congestion was on at some moment of the window. */
  congested: boolean;
  observations: number;
}

export interface FlowZone {
  id: string;
  areaM2: number;
  scheme: LosScheme;
}

/**
 * The CrowdFlowObserved records of a closed (or revised) window: one per zone whose
 * `peopleCount` the window holds. They are made from the window's own statistics of the zone's
 * readings, so a revised window gives a revised record, and nothing depends on memory.
 */
export function crowdFlowRecords(zones: readonly FlowZone[], w: ClosedWindow): CrowdFlowRecord[] {
  const round = (x: number): number => Number(x.toFixed(3));
  return zones.flatMap((z) => {
    const count = w.streams.find((s) => s.device === z.id && s.point === 'peopleCount');
    if (!count || count.stats.n === 0) return [];
    const c = count.stats;
    const congested = w.streams.find((s) => s.device === z.id && s.point === 'congested');
    const a = z.areaM2;
    return [
      {
        type: 'CrowdFlowObserved',
        id: z.id,
        w: formatIsoDuration(w.lengthMs),
        t0: w.t0,
        rev: count.rev,
        dateObservedFrom: new Date(w.t0).toISOString(),
        dateObservedTo: new Date(w.t0 + w.lengthMs).toISOString(),
        peopleCountInstant: round(c.last),
        peopleCountMax: round(c.max),
        peopleCountAvg: round(c.sum / c.n),
        peopleDensity: round(c.last / a),
        densityAvg: round(c.sum / c.n / a),
        densityMax: round(c.max / a),
        measuredArea: a,
        levelOfService: levelOfService(c.max / a, z.scheme),
        losScheme: z.scheme,
        congested: (congested?.stats.n ?? 0) > 0 && (congested?.stats.max ?? 0) >= 1,
        observations: c.n,
      },
    ];
  });
}
