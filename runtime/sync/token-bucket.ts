import type { Clock } from '../clock/clock.js';

export interface BucketRates {
  bytesPerS: number;
  msgsPerS: number;
}

/**
 * Two token buckets (bytes and messages) that must both allow a send. Each holds at most one
 * second of its rate, so a long idle spell does not turn into a burst; a message bigger than a
 * second of bytes may go once the bucket is full (it then goes into debt), so it is slowed, never
 * stuck.
 */
export class TokenBucket {
  private bytes: number;
  private msgs: number;
  private lastMs: number;

  constructor(
    private rates: BucketRates,
    private readonly clock: Clock,
  ) {
    this.bytes = rates.bytesPerS;
    this.msgs = rates.msgsPerS;
    this.lastMs = monoMs(clock);
  }

  get current(): BucketRates {
    return { ...this.rates };
  }

  setRates(rates: BucketRates): void {
    this.refill();
    this.rates = { ...rates };
    this.bytes = Math.min(this.bytes, rates.bytesPerS);
    this.msgs = Math.min(this.msgs, Math.max(1, rates.msgsPerS));
  }

  /** Takes tokens for one message of `size` bytes if both buckets allow it; else returns the
   * milliseconds to wait before trying again. */
  take(size: number): { ok: true } | { ok: false; waitMs: number } {
    this.refill();
    const { bytesPerS, msgsPerS } = this.rates;
    const bytesOk = this.bytes >= Math.min(size, bytesPerS);
    const msgsOk = this.msgs >= 1;
    if (bytesOk && msgsOk) {
      this.bytes -= size;
      this.msgs -= 1;
      return { ok: true };
    }
    const needBytes = bytesOk ? 0 : Math.min(size, bytesPerS) - this.bytes;
    const needMsgs = msgsOk ? 0 : 1 - this.msgs;
    const waitS = Math.max(needBytes / bytesPerS, needMsgs / msgsPerS);
    return { ok: false, waitMs: Math.max(1, Math.ceil(waitS * 1000)) };
  }

  private refill(): void {
    const now = monoMs(this.clock);
    const dt = (now - this.lastMs) / 1000;
    this.lastMs = now;
    if (dt <= 0) return;
    this.bytes = Math.min(this.rates.bytesPerS, this.bytes + dt * this.rates.bytesPerS);
    this.msgs = Math.min(Math.max(1, this.rates.msgsPerS), this.msgs + dt * this.rates.msgsPerS);
  }
}

function monoMs(clock: Clock): number {
  return Number(clock.monoNs() / 1_000_000n);
}
