import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../../runtime/sync/token-bucket.js';
import { manualClock } from '../../harness/gateway-fixtures.js';

/** Messages of `size` bytes the bucket lets through in `ms` of manual time, trying every 10 ms. */
async function passed(
  bucket: TokenBucket,
  clock: ReturnType<typeof manualClock>,
  ms: number,
  size: number,
): Promise<number> {
  let n = 0;
  for (let t = 0; t < ms; t += 10) {
    while (bucket.take(size).ok) n++;
    await clock.advance(10);
  }
  return n;
}

describe('TokenBucket', () => {
  it('holds messages to their rate after a one-second burst', async () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ bytesPerS: 1_000_000, msgsPerS: 50 }, clock);
    // The first second: the full bucket (50) plus what refills in it (about 50).
    expect(await passed(bucket, clock, 1_000, 100)).toBeGreaterThanOrEqual(99);
    // Then 50 per second, not a message more.
    const next = await passed(bucket, clock, 10_000, 100);
    expect(next).toBeGreaterThanOrEqual(499);
    expect(next).toBeLessThanOrEqual(501);
  });

  it('holds bytes to their rate, and never gets stuck on a message bigger than a second of bytes', async () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ bytesPerS: 1_000, msgsPerS: 1_000 }, clock);
    const small = await passed(bucket, clock, 10_000, 100);
    expect(small).toBeGreaterThanOrEqual(105);
    expect(small).toBeLessThanOrEqual(111);
    // 4 kB messages through a 1 kB/s bucket: one goes when the bucket is full, then it is in
    // debt for three seconds; over 20 s about five go.
    const big = await passed(bucket, clock, 20_000, 4_000);
    expect(big).toBeGreaterThanOrEqual(4);
    expect(big).toBeLessThanOrEqual(6);
  });

  it('says how long to wait, and does not turn a long idle spell into a burst', async () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ bytesPerS: 1_000_000, msgsPerS: 10 }, clock);
    for (let i = 0; i < 10; i++) expect(bucket.take(10).ok).toBe(true);
    const refused = bucket.take(10);
    expect(refused).toEqual({ ok: false, waitMs: 100 });
    await clock.advance(3_600_000);
    let burst = 0;
    while (bucket.take(10).ok) burst++;
    expect(burst).toBe(10);
  });

  it('takes a new rate at once, without letting tokens saved at the old rate through', async () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ bytesPerS: 1_000_000, msgsPerS: 1_000 }, clock);
    bucket.setRates({ bytesPerS: 1_000_000, msgsPerS: 5 });
    expect(bucket.current).toEqual({ bytesPerS: 1_000_000, msgsPerS: 5 });
    let burst = 0;
    while (bucket.take(10).ok) burst++;
    expect(burst).toBe(5);
    expect(await passed(bucket, clock, 4_000, 10)).toBeLessThanOrEqual(21);
  });
});
