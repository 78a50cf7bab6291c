import { stampNow, type Clock, type TimerHandle } from '../../clock/clock.js';
import type { Log } from '../../log/logger.js';
import { fullJitterDelay } from '../../shared/backoff.js';
import { waitUntil } from '../../shared/wait-until.js';
import type { Reading } from '../../shared/reading.js';
import { CircuitBreaker, DEFAULT_BREAKER, type BreakerOptions } from '../circuit-breaker.js';
import { newDeviceHealth, OFFLINE_AFTER_FAILURES, type DeviceHealth } from '../device-health.js';
import type { LinkState, SouthboundDriver } from '../southbound-driver.js';
import {
  describeFailure,
  ModbusError,
  type ModbusFailure,
  type ModbusLink,
} from './modbus-link.js';
import type { PolledDevice, PollGroup } from './polled-device.js';
import type { PlannedRead } from './read-plan.js';
import { decodePoint } from './register-codec.js';

export interface ModbusBusOptions {
  busId: string;
  link: ModbusLink;
  devices: readonly PolledDevice[];
  clock: Clock;
  log: Log;
  sink: (reading: Reading) => void;
  /** Extra attempts for a read that timed out or came back corrupted, on a healthy device. */
  retries?: number;
  breaker?: BreakerOptions;
}

/** One device's polls at one interval: the unit the scheduler orders by due time. */
interface Task {
  device: PolledDevice;
  group: PollGroup;
  dueMs: number;
}

/** What to do with a task now: poll it normally, or probe a slave whose breaker is half open
 * with one read whose timeout fits the free time before the next healthy poll. */
interface Plan {
  task: Task;
  probeTimeoutMs?: number;
}

interface PollOutcome {
  answered: number;
  /** Reads the device refused with an exception: it is alive, but something is wrong. */
  refused: number;
  failedReads: number;
  retried: boolean;
  linkLost: boolean;
}

const RECONNECT_BASE_MS = 500;
const RECONNECT_CAP_MS = 30_000;

const realDelay = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.ceil(ms)));

/**
 * The scheduler for one physical bus: an RS-485 line or a Modbus TCP endpoint. One transaction
 * at a time, with the silence the line needs between frames; reads ordered by due time; a
 * retry with backoff for a read that timed out or came back corrupted; a circuit breaker per
 * slave; reconnection with jittered backoff when the port or connection is lost.
 *
 * A dead slave must not make the others late. Two rules see to it: a device whose breaker is
 * open is skipped until its cooldown ends; and a device that is not known to be healthy (never
 * answered yet, degraded, or probing after its breaker opened) gets a transaction only where
 * its worst case, a full timeout per read, fits before the next healthy device is due.
 */
export class ModbusBusScheduler implements SouthboundDriver {
  readonly name: string;
  private readonly tasks: Task[];
  private readonly health = new Map<string, DeviceHealth>();
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly reportedExceptions = new Set<string>();
  private readonly retries: number;
  private timer?: TimerHandle;
  private cycle?: Promise<void>;
  /** True while a cycle runs: it plans its own next wake-up, so nothing else may start one. */
  private cycling = false;
  private stopped = true;
  private attempt = 0;
  private state: LinkState = 'stopped';

  constructor(private readonly o: ModbusBusOptions) {
    this.name = `bus:${o.busId}`;
    this.retries = o.retries ?? 1;
    this.tasks = o.devices.flatMap((device) =>
      device.groups.map((group) => ({ device, group, dueMs: 0 })),
    );
    for (const d of o.devices) {
      this.health.set(d.id, newDeviceHealth());
      this.breakers.set(d.id, new CircuitBreaker(o.breaker ?? DEFAULT_BREAKER));
    }
  }

  async start(): Promise<void> {
    this.stopped = false;
    const now = this.nowMs();
    for (const t of this.tasks) t.dueMs = now;
    this.state = 'connecting';
    this.wakeIn(0);
    await Promise.resolve();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.state = 'stopped';
    this.timer?.cancel();
    this.timer = undefined;
    // Closing the link settles a transaction in flight, so the cycle ends promptly.
    const closing = this.o.link.close();
    await this.cycle;
    await closing;
    // A connect that finished while the cycle was ending may have reopened it.
    await this.o.link.close();
  }

  linkState(): LinkState {
    return this.state;
  }

  deviceHealth(): Record<string, DeviceHealth> {
    return Object.fromEntries([...this.health].map(([id, h]) => [id, { ...h }]));
  }

  private nowMs(): number {
    return Number(this.o.clock.monoNs() / 1_000_000n);
  }

  private wakeIn(delayMs: number): void {
    if (this.stopped) return;
    this.timer = this.o.clock.setTimer(Math.max(0, delayMs), () => {
      this.cycling = true;
      this.cycle = this.runCycle().finally(() => {
        this.cycling = false;
      });
      return this.cycle;
    });
  }

  setPollInterval(deviceId: string, ms: number): boolean {
    const device = this.o.devices.find((d) => d.id === deviceId);
    if (!device) return false;
    const now = this.nowMs();
    for (const task of this.tasks) {
      if (task.device !== device || task.group.pollMs !== device.pollMs) continue;
      task.group.pollMs = ms;
      // A shorter interval takes effect at once, not after the old, longer wait.
      task.dueMs = Math.min(task.dueMs, now + ms);
    }
    device.pollMs = ms;
    // A sleeping connected bus replans; a running cycle or a reconnect backoff plans itself.
    if (!this.cycling && this.state === 'connected') {
      this.timer?.cancel();
      this.wakeIn(0);
    }
    return true;
  }

  private healthy(deviceId: string): boolean {
    return this.health.get(deviceId)?.state === 'online';
  }

  /** The worst case of one poll of a device that may not answer: every read times out. */
  private worstCaseMs(task: Task): number {
    const link = this.o.link;
    return task.group.reads.reduce(
      (ms, read) =>
        ms + link.transactionTimeoutMs(read.count) + link.silentIntervalMs + link.lateReplyGuardMs,
      0,
    );
  }

  private nextHealthyDue(except: PolledDevice): number {
    let next = Infinity;
    for (const t of this.tasks)
      if (t.device !== except && this.healthy(t.device.id)) next = Math.min(next, t.dueMs);
    return next;
  }

  private async runCycle(): Promise<void> {
    if (this.stopped) return;
    if (!this.o.link.isOpen && !(await this.reconnect())) return;
    let wakeAt = Infinity;
    for (;;) {
      if (this.stopped) return;
      const now = this.nowMs();
      const plan = this.pickTask(now);
      if (!plan) break;
      const { task } = plan;
      const breaker = this.breakers.get(task.device.id);
      const outcome = await this.poll(task, plan.probeTimeoutMs);
      this.record(task.device, outcome, breaker);
      // A bus that keeps up stays on each task's time grid (due + k × interval): tasks with the
      // same interval then run together, which keeps the free time in one piece, where a slow
      // transaction to a suspect slave fits. A bus that has fallen a whole interval behind is
      // overloaded: the task stays eligible, behind those that have waited longer, so the line
      // is never idle while work is overdue.
      const after = this.nowMs();
      const next = task.dueMs + task.group.pollMs;
      task.dueMs = next > after ? next : after;
      if (outcome.linkLost) {
        await this.o.link.close();
        this.state = 'backoff';
        this.wakeIn(this.nextBackoff());
        return;
      }
    }
    const now = this.nowMs();
    for (const t of this.tasks) {
      const breaker = this.breakers.get(t.device.id);
      const at = breaker?.state === 'open' ? Math.max(t.dueMs, breaker.reopensAt) : t.dueMs;
      // A task waiting for slack is looked at again right after the next healthy poll.
      wakeAt = Math.min(
        wakeAt,
        at > now ? at : Math.min(this.nextHealthyDue(t.device), now + t.group.pollMs),
      );
    }
    if (Number.isFinite(wakeAt)) this.wakeIn(wakeAt - now);
  }

  /**
   * The most overdue task that may run now, or undefined when nothing may. A healthy slave's
   * task runs when due. A slave not known to be healthy (never answered, or degraded) runs where
   * its worst case fits before the next healthy poll, or, so it is never starved, once it has
   * waited a whole interval. A slave whose breaker is half open is probed with one read, only
   * where a useful timeout fits: an offline slave never delays the others.
   */
  private pickTask(now: number): Plan | undefined {
    const link = this.o.link;
    const due = this.tasks.filter((t) => t.dueMs <= now).sort((a, b) => a.dueMs - b.dueMs);
    for (const task of due) {
      const breaker = this.breakers.get(task.device.id);
      if (breaker && !breaker.allows(now)) continue;
      const room = this.nextHealthyDue(task.device) - now;
      if (breaker?.state === 'half-open') {
        const first = task.group.reads[0];
        if (!first) continue;
        const timeout = Math.min(
          link.transactionTimeoutMs(first.count),
          room - link.silentIntervalMs - link.lateReplyGuardMs,
        );
        if (timeout >= link.minimumTimeoutMs(first.count)) return { task, probeTimeoutMs: timeout };
        continue;
      }
      if (this.healthy(task.device.id)) return { task };
      if (this.worstCaseMs(task) <= room) return { task };
      if (now - task.dueMs >= task.group.pollMs) return { task };
    }
    return undefined;
  }

  private async reconnect(): Promise<boolean> {
    this.state = 'connecting';
    try {
      await this.o.link.connect();
    } catch (err) {
      if (this.stopped) return false;
      this.state = 'backoff';
      if (this.attempt === 0)
        this.o.log.warn(
          { link: this.o.link.description, err: (err as Error).message },
          'bus unreachable; retrying with backoff',
        );
      for (const d of this.o.devices) this.unreachable(d);
      this.wakeIn(this.nextBackoff());
      return false;
    }
    if (this.stopped) {
      await this.o.link.close();
      return false;
    }
    if (this.attempt > 0) this.o.log.info({ link: this.o.link.description }, 'bus connected again');
    this.attempt = 0;
    this.state = 'connected';
    return true;
  }

  private nextBackoff(): number {
    return RECONNECT_BASE_MS + fullJitterDelay(this.attempt++, RECONNECT_BASE_MS, RECONNECT_CAP_MS);
  }

  private async poll(task: Task, probeTimeoutMs?: number): Promise<PollOutcome> {
    const outcome: PollOutcome = {
      answered: 0,
      refused: 0,
      failedReads: 0,
      retried: false,
      linkLost: false,
    };
    const retries = this.healthy(task.device.id) ? this.retries : 0;
    // A probe asks one question: is anybody there?
    const reads = probeTimeoutMs === undefined ? task.group.reads : task.group.reads.slice(0, 1);
    for (const read of reads) {
      const bytes = await this.transact(task.device, read, retries, outcome, probeTimeoutMs);
      if (outcome.linkLost || this.stopped) return outcome;
      if (!bytes) {
        outcome.failedReads++;
        continue;
      }
      outcome.answered++;
      const stamp = stampNow(this.o.clock);
      for (const point of read.points) {
        const { value } = decodePoint(bytes, read.address, point);
        this.o.sink({
          device: task.device.id,
          point: point.name,
          value,
          quality: value === null ? 'bad' : 'good',
          ...stamp,
        });
      }
    }
    return outcome;
  }

  /** One read with its retries; the bytes, or undefined when it failed. */
  private async transact(
    device: PolledDevice,
    read: PlannedRead,
    retries: number,
    outcome: PollOutcome,
    timeoutMs?: number,
  ): Promise<Buffer | undefined> {
    const link = this.o.link;
    const h = this.health.get(device.id);
    for (let attempt = 0; ; attempt++) {
      await waitUntil(link.lastActivity + link.silentIntervalMs);
      if (h) h.requests++;
      try {
        const bytes = await link.read(
          read.register,
          device.unitId,
          read.address,
          read.count,
          timeoutMs,
        );
        if (h) h.responses++;
        return bytes;
      } catch (err) {
        if (this.stopped) return undefined;
        const failure: ModbusFailure =
          err instanceof ModbusError ? err.failure : { kind: 'link', message: String(err) };
        this.countFailure(device.id, failure);
        if (failure.kind === 'link') {
          outcome.linkLost = true;
          return undefined;
        }
        if (failure.kind === 'exception') {
          // The device answered and said no: retrying will not change its mind.
          if (h) h.responses++;
          outcome.refused++;
          this.reportException(device, read, failure.code);
          return undefined;
        }
        await link.recover();
        if (!link.isOpen) {
          outcome.linkLost = true;
          return undefined;
        }
        if (attempt >= retries) return undefined;
        outcome.retried = true;
        if (h) h.retries++;
        // Back off a little more on each retry: a burst of noise often passes.
        await realDelay(link.silentIntervalMs * 2 ** attempt);
      }
    }
  }

  private reportException(device: PolledDevice, read: PlannedRead, code: number): void {
    const key = `${device.id}/${read.register}/${read.address}/${code}`;
    if (this.reportedExceptions.has(key)) return;
    this.reportedExceptions.add(key);
    this.o.log.warn(
      {
        device: device.id,
        unitId: device.unitId,
        register: read.register,
        address: read.address,
        count: read.count,
        exception: describeFailure({ kind: 'exception', code }),
      },
      'device refused a read; check its profile and unit id',
    );
  }

  /** The bus itself cannot be reached: every device on it counts a failed poll. */
  private unreachable(device: PolledDevice): void {
    const h = this.health.get(device.id);
    if (!h) return;
    h.linkErrors++;
    h.consecutiveFailures++;
    if (h.consecutiveFailures >= OFFLINE_AFTER_FAILURES && h.state !== 'offline') {
      h.state = 'offline';
      this.o.log.warn(
        { device: device.id, link: this.o.link.description },
        'device offline: its bus cannot be reached',
      );
    }
  }

  private countFailure(id: string, failure: ModbusFailure): void {
    const h = this.health.get(id);
    if (!h) return;
    if (failure.kind === 'timeout') h.timeouts++;
    else if (failure.kind === 'crc') h.crcErrors++;
    else if (failure.kind === 'framing') h.framingErrors++;
    else if (failure.kind === 'exception') h.exceptions++;
    else h.linkErrors++;
  }

  private record(
    device: PolledDevice,
    outcome: PollOutcome,
    breaker: CircuitBreaker | undefined,
  ): void {
    const h = this.health.get(device.id);
    if (!h || !breaker || outcome.linkLost) return;
    const before = h.state;
    if (outcome.answered === 0 && outcome.refused === 0 && outcome.failedReads > 0) {
      h.consecutiveFailures++;
      if (breaker.failure(this.nowMs())) {
        h.breakerOpens++;
        h.state = 'offline';
      } else if (h.state === 'online') {
        h.state = 'degraded';
      }
    } else {
      breaker.success();
      h.consecutiveFailures = 0;
      h.lastOkWallMs = this.o.clock.wallMs();
      h.state = outcome.failedReads > 0 || outcome.retried ? 'degraded' : 'online';
    }
    if (
      h.state !== before &&
      (h.state === 'offline' || before === 'offline' || before === 'unknown')
    )
      this.o.log[h.state === 'offline' ? 'warn' : 'info'](
        {
          device: device.id,
          unitId: device.unitId,
          from: before,
          to: h.state,
          failures: h.consecutiveFailures,
        },
        h.state === 'offline' ? 'device offline' : 'device online',
      );
  }
}
