import { seededRandom } from '../../runtime/shared/seeded-random.js';

/**
 * Faults a simulator can put on the wire, as a field engineer meets them on a noisy RS-485 line
 * or a flaky TCP gateway:
 * - `silence`: no answer at all;
 * - `late`: an answer after the master has given up (`lateMs` after it was due);
 * - `bad-crc`: an answer whose CRC or checksum is wrong;
 * - `exception`: a Modbus exception (`exceptionCode`, default 4, slave device failure);
 * - `garbage`: noise bytes before a good answer;
 * - `truncated`: an answer cut short.
 */
export type FaultKind = 'silence' | 'late' | 'bad-crc' | 'exception' | 'garbage' | 'truncated';

export const FAULT_KINDS: readonly FaultKind[] = [
  'silence',
  'late',
  'bad-crc',
  'exception',
  'garbage',
  'truncated',
];

export interface FaultRule {
  kind: FaultKind;
  /** Applies to this many answers, then stops; unlimited when absent. */
  count?: number;
  /** Chance per answer, 0..1; every answer when absent. */
  probability?: number;
  /** Only for this unit id (Modbus); every unit when absent. */
  unitId?: number;
  exceptionCode?: number;
  lateMs?: number;
}

/** An answer as a fault leaves it: truncated, behind noise, or with its checksum broken
 * (`breakChecksum` knows where the device keeps it). Silence and lateness are timing, not
 * bytes, and are left to the caller. */
export function distort(
  frame: Buffer,
  fault: FaultRule | undefined,
  breakChecksum: (frame: Buffer) => Buffer,
): Buffer {
  switch (fault?.kind) {
    case 'bad-crc':
      return breakChecksum(frame);
    case 'truncated':
      return frame.subarray(0, Math.max(1, Math.floor(frame.length / 2)));
    case 'garbage':
      return Buffer.concat([Buffer.from([0x00, 0xfe, 0x13, 0x37]), frame]);
    default:
      return frame;
  }
}

/** Decides, answer by answer, which fault (if any) to apply. Rules are tried in order. */
export class FaultInjector {
  private rules: FaultRule[] = [];
  private readonly random: () => number;
  readonly applied: Record<FaultKind, number> = {
    silence: 0,
    late: 0,
    'bad-crc': 0,
    exception: 0,
    garbage: 0,
    truncated: 0,
  };

  constructor(seed = 1) {
    this.random = seededRandom(seed);
  }

  add(rule: FaultRule): void {
    this.rules.push({ ...rule });
  }

  clear(): void {
    this.rules = [];
  }

  /** The fault for the next answer (to `unitId`), consuming one use of a counted rule. */
  next(unitId?: number): FaultRule | undefined {
    for (const rule of this.rules) {
      if (rule.unitId !== undefined && rule.unitId !== unitId) continue;
      if (rule.count !== undefined && rule.count <= 0) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      if (rule.count !== undefined) rule.count--;
      this.applied[rule.kind]++;
      return rule;
    }
    return undefined;
  }
}

/** Parses `kind[:probability][@unit]` as used on the command line (`bad-crc:0.1`, `silence@12`). */
export function parseFaultSpec(spec: string): FaultRule {
  const m = /^([a-z-]+)(?::([0-9.]+))?(?:@(\d+))?$/.exec(spec);
  const kind = m?.[1] as FaultKind | undefined;
  if (!m || !kind || !FAULT_KINDS.includes(kind))
    throw new Error(
      `fault "${spec}" is not of the form kind[:probability][@unit]; kinds: ${FAULT_KINDS.join(', ')}`,
    );
  const rule: FaultRule = { kind };
  if (m[2] !== undefined) {
    const p = Number(m[2]);
    if (!(p >= 0 && p <= 1))
      throw new Error(`fault "${spec}": probability ${m[2]} is not between 0 and 1`);
    rule.probability = p;
  }
  if (m[3] !== undefined) rule.unitId = Number(m[3]);
  return rule;
}

/** Breaks a checksum kept in the last byte (a Modbus CRC's high byte, most UART sums). */
export function flipLastByte(frame: Buffer): Buffer {
  const out = Buffer.from(frame);
  out[out.length - 1] = (out[out.length - 1] ?? 0) ^ 0x5a;
  return out;
}
