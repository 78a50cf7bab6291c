import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A ULID (time-ordered, 26 Crockford base-32 characters): 48 bits of milliseconds then 80 random
 * bits. Used for `store_epoch`, so a consumer can also tell which of two epochs is newer.
 */
export function ulid(nowMs: number = Date.now()): string {
  let time = '';
  let t = nowMs;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET.charAt(t % 32) + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(10);
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let random = '';
  for (let i = 0; i < 16; i++) {
    random = ALPHABET.charAt(Number(bits & 31n)) + random;
    bits >>= 5n;
  }
  return time + random;
}
