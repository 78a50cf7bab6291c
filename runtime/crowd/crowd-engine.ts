import { join } from 'node:path';
import { writeAlarms } from '../anomaly/alarm-writer.js';
import { stampNow, type Clock } from '../clock/clock.js';
import type { CrowdZoneConfig } from '../config/crowd-schema.js';
import type { ImageFrame } from '../drivers/serial/frame-codec.js';
import type { Reading } from '../shared/reading.js';
import type { Component } from '../lifecycle/component.js';
import type { Log } from '../log/logger.js';
import { ModelHost } from '../models/model-host.js';
import type { BackendName } from '../models/tf-backend.js';
import { packageRoot } from '../shared/package-root.js';
import type { Store } from '../store/store.js';
import { CrowdZone, type ZoneObservation } from './crowd-zone.js';
import { LEVELS, type Los } from './level-of-service.js';

/** The shipped people-counting model. */
export const DEFAULT_CROWD_BUNDLE = join(packageRoot(), 'models', 'crowd', 'bundle');
/** Frames kept per thermal array, newest last: only ever in memory. */
export const RING = 4;

export interface ZoneStatus {
  id: string;
  thermal: string;
  state: 'running' | 'refused';
  reason?: string;
  count: number | null;
  density: number | null;
  levelOfService: Los | null;
  congested: boolean;
  framesSeen: number;
  framesCounted: number;
}

export interface CrowdEngineOptions {
  zones: readonly CrowdZoneConfig[];
  store: Store;
  clock: Clock;
  log: Log;
  /** Where the zones' numbers go: ingest, like any reading. */
  push: (r: Reading) => void;
  backends?: BackendName[];
  onAlarms?: () => void;
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
}

/**
 * Crowd zones seen by thermal arrays. Each frame the driver decodes lands in a short in-memory
 * ring for its array; at most once per `everyMs` the newest is counted by the people-counting
 * model in the model worker, and the count becomes the zone's density, level of service and
 * congestion. Only those numbers leave: as readings (`<zone>/peopleCount`, `density`,
 * `levelOfService` 1–6 for A–F, `congested`) into ingest, and congestion raised and cleared as
 * `congestion` events. A frame is never stored and never sent.
 */
export class CrowdEngine implements Component {
  readonly name = 'crowd';
  private readonly host = new ModelHost();
  private readonly zones: Running[];
  private readonly rings = new Map<string, ImageFrame[]>();
  private readonly counting = new Set<Promise<void>>();

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
    }));
  }

  async start(): Promise<void> {
    if (this.zones.length === 0) return;
    try {
      await this.host.start(this.o.backends);
    } catch (e) {
      for (const z of this.zones) z.refused = `the model worker did not start: ${text(e)}`;
    }
    for (const z of this.zones) {
      if (z.refused) continue;
      const bundle = z.config.bundle ?? DEFAULT_CROWD_BUNDLE;
      try {
        const card = await this.host.load(z.model, bundle);
        if (card.input.preprocessing !== 'thermal-contrast')
          z.refused = `${bundle} is a ${card.kind}, not a people-counting model for thermal frames`;
      } catch (e) {
        z.refused = text(e);
      }
    }
    const refused = this.zones.filter((z) => z.refused);
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

  status(): ZoneStatus[] {
    return this.zones.map((z) => ({
      id: z.config.id,
      thermal: z.config.thermal,
      state: z.refused ? 'refused' : 'running',
      ...(z.refused ? { reason: z.refused } : {}),
      count: z.last?.count ?? null,
      density: z.last?.density ?? null,
      levelOfService: z.last?.los ?? null,
      congested: z.zone.congested,
      framesSeen: z.seen,
      framesCounted: z.counted,
    }));
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
      const { scores } = await this.host.infer(z.model, image.pixels);
      const count = Math.max(0, Math.round(scores[0] ?? 0));
      const seen = z.zone.observe(count);
      z.last = seen;
      z.counted++;
      // Stamped when the frame arrived, not when the worker answered.
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
    } catch (e) {
      this.o.log.warn({ zone: z.config.id, err: text(e) }, 'crowd count failed');
    } finally {
      z.busy = false;
    }
  }

  private write(transitions: Parameters<typeof writeAlarms>[3]): void {
    const { store, clock, log } = this.o;
    if (writeAlarms(store, clock, log, transitions)) this.o.onAlarms?.();
  }
}

function text(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
