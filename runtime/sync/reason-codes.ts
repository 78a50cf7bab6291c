/**
 * What the sender does about an MQTT 5 PUBACK reason code of 0x80 or more (the broker refused
 * the message). Never a tight loop: a refusal that will not change by retrying parks the row in
 * the dead-letter table with an alarm; one that says "slow down" backs off.
 */
export type Refusal = 'dead-letter' | 'back-off';

/** 0x87 not authorised, 0x90 topic name invalid, 0x99 payload format invalid, 0x95 packet too
 * large (our rows are sized under the broker's limit; one that is not will never fit), 0x83
 * implementation specific, 0x80 unspecified: retrying sends the same bytes to the same answer. */
const DEAD_LETTER = new Set([0x80, 0x83, 0x87, 0x90, 0x95, 0x99]);

export function refusalFor(reasonCode: number): Refusal {
  // 0x97 quota exceeded, 0x96 message rate too high, and anything unknown: back off and retry.
  return DEAD_LETTER.has(reasonCode) ? 'dead-letter' : 'back-off';
}

export function reasonName(code: number): string {
  const names: Record<number, string> = {
    0x80: 'unspecified error',
    0x83: 'implementation specific error',
    0x87: 'not authorized',
    0x90: 'topic name invalid',
    0x95: 'packet too large',
    0x96: 'message rate too high',
    0x97: 'quota exceeded',
    0x99: 'payload format invalid',
  };
  return `0x${code.toString(16).padStart(2, '0')} ${names[code] ?? 'refused'}`;
}
