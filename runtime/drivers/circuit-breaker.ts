export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  /** Failed polls in a row that open the breaker. */
  failureThreshold: number;
  /** First wait before a probe; doubles after each failed probe, up to `maxCooldownMs`. */
  cooldownMs: number;
  maxCooldownMs: number;
}

export const DEFAULT_BREAKER: BreakerOptions = {
  failureThreshold: 3,
  cooldownMs: 5_000,
  maxCooldownMs: 300_000,
};

/**
 * One per slave on a bus. Closed: every poll goes. Open: the slave is skipped until the cooldown
 * ends, so a dead device costs the bus one timeout per cooldown instead of one per poll.
 * Half-open: one probe; success closes it, failure opens it again for twice as long.
 */
export class CircuitBreaker {
  private stateNow: BreakerState = 'closed';
  private failures = 0;
  private cooldown: number;
  private openUntil = 0;

  constructor(private readonly options: BreakerOptions = DEFAULT_BREAKER) {
    this.cooldown = options.cooldownMs;
  }

  get state(): BreakerState {
    return this.stateNow;
  }

  /** Whether a poll may go now (`nowMs` on a monotonic clock). Moves open → half-open when the
   * cooldown has passed. */
  allows(nowMs: number): boolean {
    if (this.stateNow === 'open' && nowMs >= this.openUntil) this.stateNow = 'half-open';
    return this.stateNow !== 'open';
  }

  /** When an open breaker lets the next probe through. */
  get reopensAt(): number {
    return this.stateNow === 'open' ? this.openUntil : 0;
  }

  success(): void {
    this.stateNow = 'closed';
    this.failures = 0;
    this.cooldown = this.options.cooldownMs;
  }

  /** Records a failed poll; returns true when this opened the breaker. */
  failure(nowMs: number): boolean {
    this.failures++;
    if (this.stateNow === 'half-open') {
      this.cooldown = Math.min(this.options.maxCooldownMs, this.cooldown * 2);
      this.open(nowMs);
      return true;
    }
    if (this.stateNow === 'closed' && this.failures >= this.options.failureThreshold) {
      this.open(nowMs);
      return true;
    }
    return false;
  }

  private open(nowMs: number): void {
    this.stateNow = 'open';
    this.openUntil = nowMs + this.cooldown;
  }
}
