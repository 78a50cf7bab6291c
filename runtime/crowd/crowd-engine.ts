import { join } from 'node:path';
import { Hysteresis, type AlarmTransition } from '../anomaly/alarm.js';
import { writeAlarms } from '../anomaly/alarm-writer.js';
import { stampNow, type Clock } from '../clock/clock.js';
import type { CrowdZoneConfig } from '../config/crowd-schema.js';
import type { ImageFrame } from '../drivers/serial/frame-codec.js';
import type { Reading } from '../shared/reading.js';
import type { Component } from '../lifecycle/component.js';
import type { Log } from '../log/logger.js';
import { ModelHost } from '../models/model-host.js';
import { personContrastC } from '../models/thermal-excess.js';
import type { BackendName } from '../models/tf-backend.js';
import { packageRoot } from '../shared/package-root.js';
import type { Store } from '../store/store.js';
import type { ClosedWindow } from '../windows/window-aggregator.js';
import { CountForecaster, FORECASTER_DEFAULTS } from './count-forecaster.js';
import { CrowdForecast } from './crowd-forecast.js';
import { loadForecastBundle } from './forecast-bundle.js';
import type { ForecastParams } from './forecast-correction.js';
import { CrowdZone, type ZoneObservation } from './crowd-zone.js';
import { LEVELS, type Los } from './level-of-service.js';

/** The shipped people-counting model. */
export const DEFAULT_CROWD_BUNDLE = join(packageRoot(), 'models', 'crowd', 'bundle');
/** The shipped crowding forecast (the learned correction's prior). */
export const DEFAULT_FORECAST_BUNDLE = join(packageRoot(), 'models', 'crowd-forecast', 'bundle');
/** Frames kept per thermal array, newest last: only ever in memory. */
export const RING = 4;
/**
 * Below this person contrast (skin less the ground, °C) a thermal count is not to be trusted:
 * at a 4 m mount the shipped model's error grows from 0.9 (contrast 10–16 °C) and 1.2 (7 °C)
 * to 3.1 (4 °C) and 9.2 (2 °C) people per frame (decision 0021).
 */
export const LOW_CONTRAST_C = 5;
const HOUR = 3_600_000;
/** Hourly counts read back from the store at start: the forecaster's weeks, and one more. */
const FORECAST_HISTORY_MS = (FORECASTER_DEFAULTS.weeks + 1) * 7 * 24 * HOUR;

/** Local wall-clock time as if it were UTC: the forecaster's calendar is the site's. */
function localNaive(ms: number): number {
  return ms - new Date(ms).getTimezoneOffset() * 60_000;
}

export interface ZoneStatus {
  id: string;
  /** The zone's source: a thermal array's device id, or a people counter's device/point. */
  thermal?: string;
  counter?: string;
  state: 'running' | 'refused';
  reason?: string;
  count: number | null;
  density: number | null;
  levelOfService: Los | null;
  congested: boolean;
  /** A thermal zone's last person contrast, °C (skin less the ground), null before a frame. */
  personContrastC: number | null;
  /** The ground is too warm for people to stand out: counts are not to be trusted. */
  lowContrast: boolean;
  framesSeen: number;
  framesCounted: number;
  /** The forecast count for the next hour and for the same hour tomorrow (hourly windows). */
  forecast: { nextHour: number; in24h: number } | null;
  /** What forecasts: the forecast bundle's name and version, or the seasonal rule alone when
   * the bundle was refused (null without hourly windows). */
  forecastBy: string | null;
}

export interface CrowdEngineOptions {
  zones: readonly CrowdZoneConfig[];
  store: Store;
  clock: Clock;
  log: Log;
  /** Where the zones' numbers go: ingest, like any reading. */
  push: (r: Reading) => void;
  backends?: BackendName[];
  /** Called with the transitions written (committed), for the sender and any listener. */
  onAlarms?: (written: readonly AlarmTransition[]) => void;
  /** Forecast each zone's hourly count (the site has PT1H windows). */
  forecast?: boolean;
  /** The forecast bundle (default: the shipped one). */
  forecastBundle?: string;
}

interface Running {
  config: CrowdZoneConfig;
  zone: CrowdZone;
  model: string;
  refused?: string;
  last?: ZoneObservation;
  lastCountMs: number;
  busy: boolean;
  seen: number;
  counted: number;
  forecaster: CountForecaster | CrowdForecast;
  forecast: ZoneStatus['forecast'];
  contrastC: number | null;
  lowContrast: Hysteresis;
}

/**
 * Crowd zones, seen by thermal arrays or counted by people counters. Each frame the driver decodes lands in a short in-memory
 * ring for its array; at most once per `everyMs` the newest is counted by the people-counting
 * model in the model worker. A counter's count (any device point in C62, such as a Modbus
 * counter's `peopleInView`) is taken as it is read. Either count becomes the zone's density,
 * level of service and congestion. Only those numbers leave: as readings (`<zone>/peopleCount`, `density`,
 * `levelOfService` 1–6 for A–F, `congested`) into ingest, and congestion raised and cleared as
 * `congestion` events. A frame is never stored and never sent.
 */
export class CrowdEngine implements Component {
  readonly name = 'crowd';
  private readonly host = new ModelHost();
  private readonly zones: Running[];
  private readonly rings = new Map<string, ImageFrame[]>();
  private readonly counting = new Set<Promise<void>>();
  private forecastBy: string | null = null;
  /** Zones counted by a counter, by its `device/point`. */
  private readonly byCounter = new Map<string, Running[]>();

  constructor(private readonly o: CrowdEngineOptions) {
    this.zones = o.zones.map((config) => ({
      config,
      zone: new CrowdZone(config.id, {
        areaM2: config.areaM2,
        scheme: config.scheme,
        congestedAt: config.congestedAt,
        raiseAfter: 3,
        clearAfter: 5,
      }),
      model: `crowd:${config.id}`,
      lastCountMs: -Infinity,
      busy: false,
      seen: 0,
      counted: 0,
      forecaster: new CountForecaster(FORECASTER_DEFAULTS),
      forecast: null,
      contrastC: null,
      lowContrast: new Hysteresis(3, 5),
    }));
    for (const z of this.zones)
      if (z.config.counter !== undefined)
        this.byCounter.set(z.config.counter, [...(this.byCounter.get(z.config.counter) ?? []), z]);
  }

  async start(): Promise<void> {
    if (this.zones.length === 0) return;
    if (this.o.forecast) {
      this.loadForecast();
      this.warmForecasts();
    }
    // Counters report counts: only thermal zones need the model worker.
    const thermal = this.zones.filter((z) => z.config.thermal !== undefined);
    if (thermal.length === 0) return;
    try {
      await this.host.start(this.o.backends);
    } catch (e) {
      for (const z of thermal) z.refused = `the model worker did not start: ${text(e)}`;
    }
    for (const z of thermal) {
      if (z.refused) continue;
      const bundle = z.config.bundle ?? DEFAULT_CROWD_BUNDLE;
      try {
        const card = await this.host.load(z.model, bundle);
        if (card.input.preprocessing === undefined)
          z.refused = `${bundle} is a ${card.kind}, not a people-counting model for thermal frames`;
      } catch (e) {
        z.refused = text(e);
      }
    }
    const refused = thermal.filter((z) => z.refused);
    for (const z of refused)
      this.o.log.error({ zone: z.config.id, reason: z.refused }, 'crowd zone cannot count');
    const now = this.o.clock.wallMs();
    this.write(
      refused.map((z) => ({
        name: 'model_refused',
        subject: z.config.id,
        state: 'raised' as const,
        severity: 'alarm' as const,
        atMs: now,
        evidence: { bundle: z.config.bundle ?? DEFAULT_CROWD_BUNDLE, reason: z.refused ?? '' },
      })),
    );
  }

  /** Counts already under way finish (their numbers reach ingest, which stops after us). */
  async stop(): Promise<void> {
    await Promise.all([...this.counting]);
    this.rings.clear();
    await this.host.stop();
  }

  /** A decoded frame from a thermal array (the driver's image callback). */
  onImage(deviceId: string, image: ImageFrame, wallMs: number): void {
    const mine = this.zones.filter((z) => z.config.thermal === deviceId && !z.refused);
    if (mine.length === 0) return;
    const ring = this.rings.get(deviceId) ?? [];
    ring.push(image);
    if (ring.length > RING) ring.shift();
    this.rings.set(deviceId, ring);
    for (const z of mine) {
      z.seen++;
      if (z.busy || wallMs - z.lastCountMs < z.config.everyMs) continue;
      z.busy = true;
      z.lastCountMs = wallMs;
      const p = this.count(z, image, wallMs);
      this.counting.add(p);
      void p.finally(() => this.counting.delete(p));
    }
  }

  /**
   * A reading from a device (every reading the drivers produce): a people counter's count
   * becomes the count of the zones it feeds, through the same path as a thermal count.
   */
  onReading(r: Reading): void {
    // Every reading of the site passes here: most sites have no counter zone at all.
    if (this.byCounter.size === 0 || r.value === null || r.quality !== 'good') return;
    for (const z of this.byCounter.get(`${r.device}/${r.point}`) ?? []) {
      z.seen++;
      this.publish(z, Math.max(0, Math.round(r.value)), r.wallMs);
    }
  }

  status(): ZoneStatus[] {
    return this.zones.map((z) => ({
      id: z.config.id,
      ...(z.config.thermal !== undefined ? { thermal: z.config.thermal } : {}),
      ...(z.config.counter !== undefined ? { counter: z.config.counter } : {}),
      state: z.refused ? 'refused' : 'running',
      ...(z.refused ? { reason: z.refused } : {}),
      count: z.last?.count ?? null,
      density: z.last?.density ?? null,
      levelOfService: z.last?.los ?? null,
      congested: z.zone.congested,
      personContrastC: z.contrastC,
      lowContrast: z.lowContrast.isActive,
      framesSeen: z.seen,
      framesCounted: z.counted,
      forecast: z.forecast,
      forecastBy: this.forecastBy,
    }));
  }

  /**
   * Each closed hourly window of a zone's `peopleCount` is an hour of history for its
   * forecaster, which then forecasts the next hour and the same hour tomorrow, as readings
   * (`forecastNextHour`, `forecastIn24h`) and in the status. An hour whose thermal counts were
   * taken at low contrast (its mean `personContrastC` under `LOW_CONTRAST_C`) is not learnt
   * from: on ground as warm as skin the model counts phantoms, and a forecaster that learnt
   * them would expect them every hot evening. The forecast still moves on to the next hour.
   */
  onWindows(closed: readonly ClosedWindow[]): void {
    if (!this.o.forecast) return;
    for (const w of closed) {
      if (w.lengthMs !== HOUR) continue;
      for (const z of this.zones) {
        const of = (point: string): ClosedWindow['streams'][number] | undefined =>
          w.streams.find((x) => x.device === z.config.id && x.point === point);
        const s = of('peopleCount');
        if (!s || s.stats.n === 0) continue;
        const hour = localNaive(w.t0);
        if (trusted(of('personContrastC')?.stats))
          z.forecaster.observe(hour, s.stats.sum / s.stats.n);
        else
          this.o.log.info(
            { zone: z.config.id, hour: new Date(w.t0).toISOString() },
            'hour not learnt by the crowding forecast: its counts were taken at low contrast',
          );
        const origin = hour + HOUR;
        const round = (x: number): number => Number(x.toFixed(2));
        z.forecast = {
          nextHour: round(z.forecaster.forecast(origin, origin)),
          in24h: round(z.forecaster.forecast(origin, origin + 23 * HOUR)),
        };
        const at = stampNow(this.o.clock);
        this.o.push({
          ...at,
          device: z.config.id,
          point: 'forecastNextHour',
          value: z.forecast.nextHour,
          quality: 'good',
        });
        this.o.push({
          ...at,
          device: z.config.id,
          point: 'forecastIn24h',
          value: z.forecast.in24h,
          quality: 'good',
        });
      }
    }
  }

  /**
   * Each zone forecasts with the bundle's learned correction, which then learns the zone's own
   * hours. A bundle that fails its digests or its schema is refused with a `model_refused`
   * alarm, and the zones forecast with the seasonal rule alone: a forecast is still made.
   */
  private loadForecast(): void {
    const dir = this.o.forecastBundle ?? DEFAULT_FORECAST_BUNDLE;
    let params: ForecastParams;
    try {
      const { card, params: p } = loadForecastBundle(dir);
      params = p;
      this.forecastBy = `${card.name} ${card.version}`;
    } catch (e) {
      this.forecastBy = 'seasonal rule (forecast bundle refused)';
      this.o.log.error({ bundle: dir, reason: text(e) }, 'crowding forecast bundle refused');
      this.write([
        {
          name: 'model_refused',
          subject: 'crowd-forecast',
          state: 'raised',
          severity: 'alarm',
          atMs: this.o.clock.wallMs(),
          evidence: { bundle: dir, reason: text(e) },
        },
      ]);
      return;
    }
    for (const z of this.zones) z.forecaster = new CrowdForecast(params, FORECASTER_DEFAULTS);
  }

  /** Fills each zone's forecaster with the hourly counts the store already holds (leaving out
   * the hours `onWindows` left out). */
  private warmForecasts(): void {
    const { store, clock } = this.o;
    const now = clock.wallMs();
    const hours = store.summaries.range(HOUR, now - FORECAST_HISTORY_MS, now);
    for (const z of this.zones) {
      const stream = store.readings.streamId(z.config.id, 'peopleCount');
      // Only thermal zones record contrast (and a lookup would add the stream to the store).
      const contrast =
        z.config.thermal === undefined
          ? undefined
          : store.readings.streamId(z.config.id, 'personContrastC');
      const untrusted = new Set(
        hours.filter((s) => s.stream === contrast && !trusted(s.stats)).map((s) => s.t0),
      );
      for (const s of hours)
        if (s.stream === stream && s.stats.n > 0 && !untrusted.has(s.t0))
          z.forecaster.observe(localNaive(s.t0), s.stats.sum / s.stats.n);
    }
  }

  /** Resolves when the counts under way have reached ingest (tests). */
  async idle(): Promise<void> {
    await Promise.all([...this.counting]);
  }

  /** Frames held in memory right now, per array (for the status page and the tests). */
  framesHeld(deviceId: string): number {
    return this.rings.get(deviceId)?.length ?? 0;
  }

  private async count(z: Running, image: ImageFrame, wallMs: number): Promise<void> {
    try {
      const contrast = personContrastC(image.pixels);
      const { scores } = await this.host.infer(z.model, image.pixels);
      // Stamped when the frame arrived, not when the worker answered.
      this.publish(z, Math.max(0, Math.round(scores[0] ?? 0)), wallMs);
      // With the count, how far it can be trusted: in every window beside it, for the
      // forecaster here and for the platform.
      this.o.push({
        ...stampNow(this.o.clock),
        wallMs,
        device: z.config.id,
        point: 'personContrastC',
        value: Number(contrast.toFixed(2)),
        quality: 'good',
      });
      this.checkContrast(z, contrast, wallMs);
    } catch (e) {
      this.o.log.warn({ zone: z.config.id, err: text(e) }, 'crowd count failed');
    } finally {
      z.busy = false;
    }
  }

  /** A zone's count, from either source: its readings, and congestion as it changes. */
  private publish(z: Running, count: number, wallMs: number): void {
    const seen = z.zone.observe(count);
    z.last = seen;
    z.counted++;
    const at = { ...stampNow(this.o.clock), wallMs };
    const reading = (point: string, value: number): Reading => ({
      ...at,
      device: z.config.id,
      point,
      value,
      quality: 'good',
    });
    this.o.push(reading('peopleCount', count));
    this.o.push(reading('density', Number(seen.density.toFixed(4))));
    this.o.push(reading('levelOfService', LEVELS.indexOf(seen.los) + 1));
    this.o.push(reading('congested', seen.congested ? 1 : 0));
    if (seen.transition)
      this.write([
        {
          name: 'congestion',
          subject: z.config.id,
          state: seen.transition,
          severity: 'warning',
          atMs: wallMs,
          evidence: {
            peopleCount: count,
            density: Number(seen.density.toFixed(3)),
            levelOfService: seen.los,
            congestedAt: z.config.congestedAt,
          },
        },
      ]);
  }

  /**
   * On ground nearly as warm as skin (a hot evening, sunlit paving) people barely stand out and
   * the count is mostly guesswork. The count is still published, but the zone says so: a
   * `low_contrast` warning, raised and cleared with hysteresis, and `lowContrast` in its status.
   */
  private checkContrast(z: Running, contrastC: number, wallMs: number): void {
    z.contrastC = Number(contrastC.toFixed(2));
    const transition = z.lowContrast.update(contrastC < LOW_CONTRAST_C);
    if (transition)
      this.write([
        {
          name: 'low_contrast',
          subject: z.config.id,
          state: transition,
          severity: 'warning',
          atMs: wallMs,
          evidence: { personContrastC: z.contrastC, belowC: LOW_CONTRAST_C },
        },
      ]);
  }

  private write(transitions: Parameters<typeof writeAlarms>[3]): void {
    const { store, clock, log } = this.o;
    if (writeAlarms(store, clock, log, transitions)) this.o.onAlarms?.(transitions);
  }
}

/** Whether an hour's counts can teach the forecaster, given its `personContrastC` statistics
 * (none: a counter's zone, or a thermal hour before contrast was recorded). */
function trusted(contrast: { n: number; sum: number } | undefined): boolean {
  return !contrast || contrast.n === 0 || contrast.sum / contrast.n >= LOW_CONTRAST_C;
}

function text(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
