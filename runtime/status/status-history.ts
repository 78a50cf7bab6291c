import type { AlarmTransition } from '../anomaly/alarm.js';
import type { Clock, TimerHandle } from '../clock/clock.js';
import type { Component } from '../lifecycle/component.js';
import type { Reading } from '../shared/reading.js';

/** The status page charts the last hour. */
export const HISTORY_MINUTES = 60;
/** The backlog is sampled twice a minute: an outage that starts shows within 30 s. */
export const BACKLOG_SAMPLE_MS = 30_000;
const BACKLOG_SAMPLES = (HISTORY_MINUTES * 60_000) / BACKLOG_SAMPLE_MS;
/** Recent alarm transitions kept for the page, newest last. */
const RECENT_ALARMS = 20;

/** One point of one device over the last hour: its latest value and a mean per minute. */
export interface StreamHistory {
  device: string;
  point: string;
  unit: string;
  last: number | null;
  lastMs: number | null;
  /** Minutes with at least one good value, oldest first: `[minuteStartMs, mean]`. */
  minutes: [number, number][];
}

export interface BacklogSample {
  t: number;
  pending: number;
  /** Age of the oldest unsent row, ms (0 when nothing waits). */
  oldestAgeMs: number;
}

export interface HistorySnapshot {
  streams: StreamHistory[];
  backlog: BacklogSample[];
  alarms: { active: AlarmTransition[]; recent: AlarmTransition[] };
}

interface Stream {
  device: string;
  point: string;
  unit: string;
  last: number | null;
  lastMs: number | null;
  /** Ring of per-minute sums, indexed by minute number modulo the ring's length. */
  minute: Float64Array;
  sum: Float64Array;
  count: Uint32Array;
}

export interface StatusHistoryOptions {
  clock: Clock;
  unitOf: (device: string, point: string) => string;
  outbox: () => { pending: number; oldestMs: number | null };
  /** Alarm transitions stored before this start, oldest first, so an alarm raised yesterday
   * and never cleared still shows after a restart. */
  pastAlarms: () => AlarmTransition[];
  /** The store's readings since a wall time, so the charts are full again after a restart. */
  pastReadings: (sinceMs: number) => Iterable<ChartedReading>;
}

/** What the charts need of a reading. */
export type ChartedReading = Pick<Reading, 'device' | 'point' | 'value' | 'quality' | 'wallMs'>;

/**
 * What the status page shows over time, kept in memory only (a fixed size whatever the uptime):
 * the last hour of every point at one value per minute, the outbox backlog every 30 s, and the
 * alarms raised and not cleared. Fed by the gateway's reading and alarm fanouts.
 */
export class StatusHistory implements Component {
  readonly name = 'status-history';
  private readonly streams = new Map<string, Stream>();
  private readonly backlog: BacklogSample[] = [];
  private readonly active = new Map<string, AlarmTransition>();
  private readonly recent: AlarmTransition[] = [];
  private timer: TimerHandle | undefined;
  private running = false;

  constructor(private readonly o: StatusHistoryOptions) {}

  start(): Promise<void> {
    for (const t of this.o.pastAlarms()) this.onAlarm(t);
    const since = this.o.clock.wallMs() - HISTORY_MINUTES * 60_000;
    for (const r of this.o.pastReadings(since)) this.onReading(r);
    this.running = true;
    this.sample();
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.running = false;
    this.timer?.cancel();
    this.timer = undefined;
    return Promise.resolve();
  }

  onReading(r: Readonly<ChartedReading>): void {
    const key = `${r.device}/${r.point}`;
    let s = this.streams.get(key);
    if (!s) {
      s = {
        device: r.device,
        point: r.point,
        unit: this.o.unitOf(r.device, r.point),
        last: null,
        lastMs: null,
        minute: new Float64Array(HISTORY_MINUTES).fill(-1),
        sum: new Float64Array(HISTORY_MINUTES),
        count: new Uint32Array(HISTORY_MINUTES),
      };
      this.streams.set(key, s);
    }
    if (r.quality !== 'good' || r.value === null) return;
    s.last = r.value;
    s.lastMs = r.wallMs;
    const minute = Math.floor(r.wallMs / 60_000);
    const i = minute % HISTORY_MINUTES;
    if (s.minute[i] !== minute) {
      s.minute[i] = minute;
      s.sum[i] = 0;
      s.count[i] = 0;
    }
    s.sum[i] = (s.sum[i] ?? 0) + r.value;
    s.count[i] = (s.count[i] ?? 0) + 1;
  }

  onAlarm(t: Readonly<AlarmTransition>): void {
    const key = `${t.name}\u0000${t.subject}`;
    if (t.state === 'raised') this.active.set(key, { ...t });
    else this.active.delete(key);
    this.recent.push({ ...t });
    if (this.recent.length > RECENT_ALARMS) this.recent.shift();
  }

  snapshot(): HistorySnapshot {
    const nowMinute = Math.floor(this.o.clock.wallMs() / 60_000);
    const streams: StreamHistory[] = [];
    for (const s of this.streams.values()) {
      const minutes: [number, number][] = [];
      for (let m = nowMinute - HISTORY_MINUTES + 1; m <= nowMinute; m++) {
        const i = m % HISTORY_MINUTES;
        const n = s.count[i] ?? 0;
        if (s.minute[i] === m && n > 0) minutes.push([m * 60_000, (s.sum[i] ?? 0) / n]);
      }
      streams.push({
        device: s.device,
        point: s.point,
        unit: s.unit,
        last: s.last,
        lastMs: s.lastMs,
        minutes,
      });
    }
    return {
      streams,
      backlog: [...this.backlog],
      alarms: { active: [...this.active.values()], recent: [...this.recent] },
    };
  }

  private sample(): void {
    if (!this.running) return;
    const now = this.o.clock.wallMs();
    const { pending, oldestMs } = this.o.outbox();
    this.backlog.push({
      t: now,
      pending,
      oldestAgeMs: oldestMs === null ? 0 : Math.max(0, now - oldestMs),
    });
    if (this.backlog.length > BACKLOG_SAMPLES) this.backlog.shift();
    this.timer = this.o.clock.setTimer(BACKLOG_SAMPLE_MS, () => this.sample());
  }
}
