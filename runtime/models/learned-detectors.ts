import type { Clock } from '../clock/clock.js';
import type { SiteConfig } from '../config/schema.js';
import { Hysteresis, type AlarmTransition } from '../anomaly/alarm.js';
import { writeAlarms } from '../anomaly/alarm-writer.js';
import type { Component } from '../lifecycle/component.js';
import type { Log } from '../log/logger.js';
import { parseIsoDuration } from '../shared/iso-duration.js';
import type { Store } from '../store/store.js';
import type { CommandResult } from '../sync/commands/command-specs.js';
import type { ClosedWindow } from '../windows/window-aggregator.js';
import type { ModelCard } from './model-card.js';
import { ModelHost, type SlotStats } from './model-host.js';
import type { BackendName } from './tf-backend.js';

type ModelConfig = SiteConfig['models'][number];

/**
 * Inputs in a row above the card's threshold before `learned_anomaly` is raised: as many as an
 * input has windows, so a deviation must outlast one input. A transient (a lamp switching at
 * dusk, one odd window) passes through at most that many inputs and raises nothing; the named
 * detectors (spike, lamp failure) are the ones for fast events. Decision 0012.
 */
export function raiseAfter(steps: number): number {
  return steps;
}
/** Inputs in a row below the threshold before it clears: one normal window does not end one. */
export const CLEAR_AFTER = 4;

export interface ModelStatus {
  name: string;
  state: 'running' | 'refused';
  bundle: string;
  /** Why the bundle was refused (digest, card, or a mismatch with the site). */
  reason?: string;
  version?: string;
  features?: string[];
  threshold?: number;
  lastScore?: number | null;
  anomaly?: boolean;
  stats?: SlotStats;
  /** A candidate version scored on the same inputs, never acted on, until it is promoted. */
  shadow?: { version: string; lastScore: number | null; threshold: number; stats?: SlotStats };
}

export interface LearnedDetectorsStatus {
  backend: BackendName | null;
  models: ModelStatus[];
}

interface Runner {
  config: ModelConfig;
  card: ModelCard;
  lengthMs: number;
  features: string[];
  threshold: number;
  /** The latest complete rows (one per window), oldest first; never across a gap. */
  rows: number[][];
  lastT0: number;
  lastScore: number | null;
  hysteresis: Hysteresis;
  shadow?: { card: ModelCard; threshold: number; lastScore: number | null };
  /** The card of the version a rollback returns to. */
  previous?: ModelCard;
}

export interface LearnedDetectorsOptions {
  models: readonly ModelConfig[];
  windowLengths: readonly string[];
  store: Store;
  clock: Clock;
  log: Log;
  backends?: BackendName[];
  /** Called after events were written (the sender wakes: alarms go first). */
  /** Called with the transitions written (committed), for the sender and any listener. */
  onAlarms?: (written: readonly AlarmTransition[]) => void;
}

class Refused extends Error {}

/**
 * The site's learned detectors, running in the gateway: each enabled model's bundle is loaded
 * into the model worker (verified against its card; a bundle that fails is refused with a
 * `model_refused` alarm and the gateway goes on without it). Every closed window of the
 * model's length adds one row of its features' means; each full input of `card.input.window`
 * consecutive rows is scored off the event loop, and a score above the card's threshold for
 * `raiseAfter` inputs in a row raises `learned_anomaly`. Its evidence names the feature the
 * model could least rebuild from the others (`worstFitFeature`: where the learnt pattern broke)
 * and the one furthest from its training mean.
 */
export class LearnedDetectors implements Component {
  readonly name = 'models';
  readonly host = new ModelHost();
  private readonly runners: Runner[] = [];
  private readonly refused: ModelStatus[] = [];
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly o: LearnedDetectorsOptions) {}

  async start(): Promise<void> {
    const enabled = this.o.models.filter((m) => m.enabled);
    if (enabled.length === 0) return;
    const { log } = this.o;
    try {
      const backend = await this.host.start(this.o.backends);
      log.info({ backend }, 'model worker started');
    } catch (e) {
      for (const m of enabled) this.refuse(m, `the model worker did not start: ${errorText(e)}`);
      return this.flushRefusals();
    }
    for (const m of enabled) {
      try {
        const card = await this.host.load(m.name, m.bundle);
        this.runners.push(this.runnerFor(m, card));
        log.info(
          { model: m.name, version: card.version, features: card.input.features },
          'model loaded',
        );
      } catch (e) {
        this.refuse(m, errorText(e));
      }
    }
    this.warmFromStore();
    this.flushRefusals();
  }

  async stop(): Promise<void> {
    await this.queue;
    await this.host.stop();
  }

  /** Adds the windows ingest has just committed; full inputs are scored in order. */
  onWindows(closed: readonly ClosedWindow[]): void {
    for (const w of [...closed].sort((a, b) => a.t0 - b.t0)) {
      const means = new Map(
        w.streams.map((s) => [
          `${s.device}/${s.point}`,
          s.stats.n > 0 ? s.stats.sum / s.stats.n : null,
        ]),
      );
      for (const r of this.runners)
        if (r.lengthMs === w.lengthMs) {
          const input = this.addRow(r, w.t0, means);
          if (input) this.enqueue(r, input, w.t0 + w.lengthMs);
        }
    }
  }

  /** Resolves once every input queued so far has been scored and judged (tests, shutdown). */
  idle(): Promise<void> {
    return this.queue;
  }

  /**
   * Scores an input a flow gives (Node-RED's model node): `input` holds `window` rows of the
   * model's features' raw values, row by row, as the detector itself builds them. The active
   * version scores it in the worker, queued behind the windows being scored.
   */
  infer(
    name: string,
    input: readonly number[],
  ): Promise<{ score: number; threshold: number; version: string }> {
    const r = this.runners.find((x) => x.config.name === name);
    if (!r)
      return Promise.reject(
        new Error(
          `no running model "${name}" on this gateway (running: ${this.runners.map((x) => x.config.name).join(', ') || 'none'})`,
        ),
      );
    const want = r.card.input.window * r.features.length;
    if (input.length !== want || input.some((v) => typeof v !== 'number' || !Number.isFinite(v)))
      return Promise.reject(
        new Error(
          `model "${name}" reads ${String(r.card.input.window)} rows of ${r.features.join(', ')}: ${String(want)} finite numbers, row by row (got ${String(input.length)})`,
        ),
      );
    const run = async (): Promise<{ score: number; threshold: number; version: string }> => {
      const { scores } = await this.host.infer(name, Float32Array.from(input));
      return { score: scores[0] ?? NaN, threshold: r.threshold, version: r.card.version };
    };
    const result = this.queue.then(run);
    this.queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  status(): LearnedDetectorsStatus {
    return {
      backend: this.host.backend ?? null,
      models: [
        ...this.runners.map((r): ModelStatus => ({
          name: r.config.name,
          state: 'running',
          bundle: r.config.bundle,
          version: r.card.version,
          features: r.features,
          threshold: r.threshold,
          lastScore: r.lastScore,
          anomaly: r.hysteresis.isActive,
          ...statsOf(this.host.stats(r.config.name)),
          ...(r.shadow
            ? {
                shadow: {
                  version: r.shadow.card.version,
                  lastScore: r.shadow.lastScore,
                  threshold: r.shadow.threshold,
                  ...statsOf(this.host.stats(r.config.name, 'shadow')),
                },
              }
            : {}),
        })),
        ...this.refused,
      ],
    };
  }

  /**
   * The `model` command: a second version side by side. `shadow` loads a bundle that must read
   * the same features at the same window length and input size as the running one; `promote`
   * makes it the active version (the one it replaces is kept); `rollback` returns to that one.
   * Queued behind the inputs being scored, so a swap never lands between a score and its
   * judgement.
   */
  model(
    name: string,
    action: 'shadow' | 'promote' | 'rollback',
    bundle: string | undefined,
  ): Promise<CommandResult> {
    const run = async (): Promise<CommandResult> => {
      const r = this.runners.find((x) => x.config.name === name);
      if (!r) return { ok: false, reason: `no running model "${name}" on this gateway` };
      try {
        if (action === 'shadow') {
          if (!bundle) return { ok: false, reason: 'shadow needs the bundle to load' };
          const card = await this.host.load(name, bundle, 'shadow');
          const same =
            card.input.features.join(',') === r.card.input.features.join(',') &&
            card.input.window === r.card.input.window &&
            (card.input.stepMs ?? r.lengthMs) === r.lengthMs;
          const threshold = card.thresholds.score;
          if (!same || threshold === undefined) {
            // The load replaced any earlier shadow: there is none now.
            await this.host.dropShadow(name);
            r.shadow = undefined;
            return {
              ok: false,
              reason: `${bundle} reads ${card.input.window} × ${card.input.features.join(', ')} every ${String(card.input.stepMs)} ms${threshold === undefined ? ' and has no thresholds.score' : ''}; ${name} reads ${r.card.input.window} × ${r.card.input.features.join(', ')} every ${String(r.lengthMs)} ms`,
            };
          }
          r.shadow = { card, threshold, lastScore: null };
          this.o.log.info({ model: name, version: card.version }, 'shadow version loaded');
          return { ok: true, result: { name, active: r.card.version, shadow: card.version } };
        }
        if (action === 'promote') {
          const shadow = r.shadow;
          if (!shadow) return { ok: false, reason: `${name} has no shadow version to promote` };
          await this.host.promote(name);
          r.previous = r.card;
          this.swap(r, shadow.card, shadow.threshold);
          r.shadow = undefined;
          this.o.log.info({ model: name, version: r.card.version }, 'shadow version promoted');
          return {
            ok: true,
            result: { name, active: r.card.version, previous: r.previous.version },
          };
        }
        const previous = r.previous;
        if (!previous) return { ok: false, reason: `${name}: nothing to roll back to` };
        await this.host.rollback(name);
        const demoted = r.card.version;
        this.swap(r, previous, previous.thresholds.score ?? r.threshold);
        r.previous = undefined;
        this.o.log.info({ model: name, version: r.card.version, demoted }, 'model rolled back');
        return { ok: true, result: { name, active: r.card.version, demoted } };
      } catch (e) {
        return { ok: false, reason: errorText(e) };
      }
    };
    const done = this.queue.then(run);
    this.queue = done.then(
      () => undefined,
      () => undefined,
    );
    return done;
  }

  /** A new active version: its card and threshold. The alarm state carries over (both read
   * inputs of the same size), so an alarm raised under the old version still clears. */
  private swap(r: Runner, card: ModelCard, threshold: number): void {
    r.card = card;
    r.threshold = threshold;
    r.lastScore = null;
  }

  private runnerFor(m: ModelConfig, card: ModelCard): Runner {
    const { input } = card;
    if (card.kind !== 'window-autoencoder')
      throw new Refused(
        `${m.bundle} is a ${card.kind}, not a learned detector${card.kind === 'count-cnn' ? ' (people-counting models belong to crowd.zones)' : ''}`,
      );
    const threshold = card.thresholds.score;
    if (threshold === undefined)
      throw new Refused(`${m.bundle}: card.json has no thresholds.score`);
    if (m.features && m.features.join(',') !== input.features.join(','))
      throw new Refused(
        `the bundle reads ${input.features.join(', ')} but models.${m.name}.features says ${m.features.join(', ')}: run edge-gw calibrate --model ${m.name}, or correct the config`,
      );
    const lengthMs = m.window ? parseIsoDuration(m.window) : input.stepMs;
    if (input.stepMs !== undefined && lengthMs !== input.stepMs)
      throw new Refused(
        `the bundle reads ${String(input.stepMs)} ms windows but models.${m.name}.window is ${m.window ?? ''}`,
      );
    if (
      lengthMs === undefined ||
      !this.o.windowLengths.some((l) => parseIsoDuration(l) === lengthMs)
    )
      throw new Refused(
        `the bundle reads ${lengthMs === undefined ? 'an unstated window length' : `${String(lengthMs)} ms windows`}, which are not among windows.lengths (${this.o.windowLengths.join(', ')})`,
      );
    return {
      config: m,
      card,
      lengthMs,
      features: input.features,
      threshold,
      rows: [],
      lastT0: -Infinity,
      lastScore: null,
      hysteresis: new Hysteresis(raiseAfter(input.window), CLEAR_AFTER),
    };
  }

  /** Fills each model's rows from the windows already stored, so the first input after a
   * restart does not wait `window` windows. Nothing is judged from history. */
  private warmFromStore(): void {
    const { store, clock } = this.o;
    const now = clock.wallMs();
    for (const r of this.runners) {
      const ids = new Map(
        r.features.map((f) => {
          const [device = '', point = ''] = f.split('/');
          return [store.readings.streamId(device, point), f];
        }),
      );
      const byT0 = new Map<number, Map<string, number | null>>();
      const span = r.card.input.window * r.lengthMs;
      for (const s of store.summaries.range(r.lengthMs, now - span - r.lengthMs, now)) {
        const f = ids.get(s.stream);
        if (!f) continue;
        let m = byT0.get(s.t0);
        if (!m) byT0.set(s.t0, (m = new Map<string, number | null>()));
        m.set(f, s.stats.n > 0 ? s.stats.sum / s.stats.n : null);
      }
      for (const t0 of [...byT0.keys()].sort((a, b) => a - b))
        this.addRow(r, t0, byT0.get(t0) ?? new Map());
    }
  }

  /** Adds one window's row; returns a full input (raw values, oldest row first) when there is one. */
  private addRow(
    r: Runner,
    t0: number,
    means: ReadonlyMap<string, number | null>,
  ): Float32Array | undefined {
    if (t0 <= r.lastT0) return undefined;
    const row = r.features.map((f) => means.get(f) ?? null);
    if (t0 !== r.lastT0 + r.lengthMs) r.rows.length = 0;
    r.lastT0 = t0;
    if (row.some((v) => v === null)) {
      r.rows.length = 0;
      return undefined;
    }
    r.rows.push(row.map((v) => v ?? 0));
    const steps = r.card.input.window;
    if (r.rows.length > steps) r.rows.shift();
    return r.rows.length === steps ? Float32Array.from(r.rows.flat()) : undefined;
  }

  private enqueue(r: Runner, input: Float32Array, endMs: number): void {
    const newest = input.slice(input.length - r.features.length);
    this.queue = this.queue
      .then(async () => {
        const { scores, shadow, featureErrors } = await this.host.infer(r.config.name, input);
        if (r.shadow && shadow) r.shadow.lastScore = shadow[0] ?? null;
        const score = scores[0] ?? 0;
        r.lastScore = score;
        const state = r.hysteresis.update(score > r.threshold);
        if (!state) return;
        // Also the feature furthest from its training mean, in training spreads: a reading far
        // off. A reading stuck at its usual value is never far off; only the fit can point at
        // it, where the model rebuilds that reading from the others.
        const { mean, std } = r.card.normalisation;
        const z = Array.from(newest, (v, j) => Math.abs((v - (mean[j] ?? 0)) / (std[j] ?? 1)));
        const worst = z.indexOf(Math.max(...z));
        const misfit = worstFit(featureErrors, r.features.length);
        this.write([
          {
            name: 'learned_anomaly',
            subject: r.config.name,
            state,
            severity: 'warning',
            atMs: endMs,
            evidence: {
              model: r.config.name,
              version: r.card.version,
              score: round(score),
              threshold: round(r.threshold),
              furthestFeature: r.features[worst] ?? null,
              furthestValue: round(newest[worst] ?? 0),
              trainedMean: round(mean[worst] ?? 0),
              sigmas: round(z[worst] ?? 0),
              worstFitFeature: misfit ? (r.features[misfit.feature] ?? null) : null,
              worstFitShare: misfit ? round(misfit.share) : null,
            },
          },
        ]);
      })
      .catch((e: unknown) =>
        this.o.log.error({ model: r.config.name, err: errorText(e) }, 'model inference failed'),
      );
  }

  private refuse(m: ModelConfig, reason: string): void {
    this.refused.push({ name: m.name, state: 'refused', bundle: m.bundle, reason });
    this.o.log.error({ model: m.name, bundle: m.bundle, reason }, 'model bundle refused');
  }

  private flushRefusals(): void {
    const now = this.o.clock.wallMs();
    this.write(
      this.refused.map((m) => ({
        name: 'model_refused',
        subject: m.name,
        state: 'raised',
        severity: 'alarm',
        atMs: now,
        evidence: { bundle: m.bundle, reason: m.reason ?? '' },
      })),
    );
  }

  private write(transitions: AlarmTransition[]): void {
    const { store, clock, log } = this.o;
    if (writeAlarms(store, clock, log, transitions)) this.o.onAlarms?.(transitions);
  }
}

function statsOf(s: SlotStats | undefined): { stats?: SlotStats } {
  return s ? { stats: s } : {};
}

const round = (x: number): number => Number(x.toPrecision(4));

/**
 * The feature with the largest part of one input's reconstruction error, and that part's share:
 * the reading that broke the pattern the model learnt. `errors` are the input's errors by
 * feature; undefined when the model gives none (or no error at all).
 */
export function worstFit(
  errors: ArrayLike<number> | undefined,
  features: number,
): { feature: number; share: number } | undefined {
  if (!errors || errors.length < features || features === 0) return undefined;
  let feature = 0;
  let total = 0;
  for (let j = 0; j < features; j++) {
    const e = errors[j] ?? 0;
    total += e;
    if (e > (errors[feature] ?? 0)) feature = j;
  }
  return total > 0 ? { feature, share: (errors[feature] ?? 0) / total } : undefined;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
