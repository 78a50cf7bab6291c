import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AlarmTransition } from '../../../runtime/anomaly/alarm.js';
import { inject, outcome, type InjectedEvent } from '../../../scripts/eval/daiad-eval.js';
import { commandedFrom, injectLamp, toWindows } from '../../../scripts/eval/lamp-eval.js';
import { readZipEntry } from '../../../scripts/eval/zip-entry.js';
import { tempDir } from '../../harness/temp-dir.js';

const HOUR = 3_600_000;
const readings = Array.from({ length: 10 }, (_, i) => ({
  atMs: (i + 1) * HOUR + 7_000,
  litres: 10,
}));

describe('water event injection', () => {
  const at = (kind: InjectedEvent['kind'], lph = 0): InjectedEvent => ({
    kind,
    startMs: 3 * HOUR + 7_000,
    hours: 2,
    lph,
  });

  it('changes the readings after the start, however late the meter reports', () => {
    expect(inject(readings, at('leak', 5)).map((r) => r.litres)).toEqual([
      10, 10, 10, 15, 15, 10, 10, 10, 10, 10,
    ]);
    expect(
      inject(readings, at('reverse', 7))
        .map((r) => r.litres)
        .slice(3, 5),
    ).toEqual([-7, -7]);
    expect(
      inject(readings, at('stuck'))
        .map((r) => r.litres)
        .slice(2, 6),
    ).toEqual([10, 0, 0, 10]);
    expect(inject(readings, at('gap'))).toHaveLength(8);
  });

  it('counts an event found only when the expected alarm comes between its start and deadline', () => {
    const e = at('burst', 400);
    const alarm = (name: string, atMs: number): AlarmTransition => ({
      name,
      subject: 'm',
      state: 'raised',
      severity: 'alarm',
      atMs,
      evidence: {},
    });
    expect(outcome(e, [alarm('burst', e.startMs + HOUR)])).toEqual({
      kind: 'burst',
      detected: true,
      delayH: 1,
    });
    expect(outcome(e, [alarm('burst', e.startMs + 2 * HOUR)]).detected).toBe(false);
    expect(outcome(e, [alarm('leak', e.startMs + HOUR)]).detected).toBe(false);
    expect(outcome(e, [alarm('burst', e.startMs)]).detected).toBe(false);
  });
});

describe('lamp profile windows', () => {
  it('averages minutes into windows, skipping missing ones, and reads the switching off the profile', () => {
    const powerW = [0, 0, 5000, 5000, 5000, null, 5000, 0, 0, 0];
    const commanded = commandedFrom(powerW);
    expect(commanded).toEqual([false, false, true, true, true, true, true, false, false, false]);
    const w = toWindows({ powerW, voltageV: powerW.map(() => 230) }, commanded, 5);
    expect(w.map((x) => [x.powerW, x.commandedOn])).toEqual([
      [3000, true],
      [5000 / 4, false],
    ]);
    const out = injectLamp(
      { powerW, voltageV: powerW.map(() => 230) },
      { kind: 'voltage', startMin: 2, minutes: 2, factor: 260 },
      5000,
    );
    expect(out.voltageV.slice(1, 5)).toEqual([230, 260, 260, 230]);
  });
});

describe('readZipEntry', () => {
  it('says what is wrong with a file that is not a zip', () => {
    const f = join(tempDir(), 'not.zip');
    writeFileSync(f, 'hello');
    expect(() => readZipEntry(f, 'x.csv')).toThrow('not a zip archive');
  });

  const daiad = join(import.meta.dirname, '../../../../shared/data/daiad/swm_trialA_clean.zip');
  it.runIf(existsSync(daiad))(
    'reads the DAIAD CSV out of its zip (skipped without ../shared/data)',
    () => {
      const csv = readZipEntry(daiad, 'swm_trialA_clean.csv').toString('utf8');
      expect(csv.slice(0, 36)).toBe('user.key;datetime;meter.reading;diff');
      expect(csv.length).toBe(44_541_121);
      expect(() => readZipEntry(daiad, 'nope.csv')).toThrow('no entry nope.csv');
    },
  );
});
