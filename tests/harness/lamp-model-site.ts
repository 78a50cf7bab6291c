import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ManualClock } from '../../runtime/clock/manual-clock.js';
import { seededRandom } from '../../runtime/shared/seeded-random.js';
import { manualClock, reading, storeAndIngest } from './gateway-fixtures.js';
import { tempDir } from './temp-dir.js';

/** A lamp's voltage and power (and, on a site that reads it, current) in one minute: normally
 * they move together. */
export type LampMinute = (minute: number) => { voltage: number; power: number; current?: number };

export const normalLamp: LampMinute = (m) => ({
  voltage: 230 + Math.sin(m / 9),
  power: 60 + 5 * Math.sin(m / 9),
});

/**
 * The normal lamp with its current read too: three readings that move together, each with its
 * own small noise (a tenth of its swing, the same every run), as real sensors have. Without
 * noise the three are one signal, and a model may rebuild all three from any one of them.
 */
export const normalLampWithCurrent: LampMinute = (m) => {
  const { voltage, power } = normalLamp(m);
  const noise = (channel: number): number => seededRandom(m * 3 + channel + 1)() * 2 - 1;
  const current = power / voltage;
  return {
    voltage: voltage + 0.1 * noise(0),
    power: power + 0.5 * noise(1),
    current: current + 0.002 * noise(2),
  };
};

/** Feeds `minutes` of readings every 10 s through `ingest`, then lets the last window close. */
export async function feedLamp(
  clock: ManualClock,
  ingest: ReturnType<typeof storeAndIngest>['ingest'],
  from: number,
  minutes: number,
  lamp: LampMinute = normalLamp,
): Promise<void> {
  for (let m = from; m < from + minutes; m++)
    for (let k = 0; k < 6; k++) {
      const { voltage, power, current } = lamp(m);
      ingest.push(reading(clock, 'voltage', voltage));
      ingest.push(reading(clock, 'activePower', power));
      if (current !== undefined) ingest.push(reading(clock, 'current', current));
      await clock.advance(10_000);
    }
  await clock.advance(3_000);
}

/**
 * A lamp-pole site whose store already holds `minutes` of normal 1-minute windows of the lamp's
 * voltage and power, and a config with a learned detector over them (`lamp-ae`, disabled until
 * a bundle exists, 5 windows per input) and one without features. A `lamp` that gives current
 * too (`normalLampWithCurrent`) stores it, and the detector reads all three.
 */
export async function lampModelSite(
  minutes: number,
  lamp: LampMinute = normalLamp,
): Promise<{ file: string; dir: string; clock: ManualClock }> {
  const dir = tempDir();
  const data = join(dir, 'data');
  mkdirSync(data);
  const clock = manualClock();
  const { store, ingest } = storeAndIngest(data, clock);
  await store.start();
  await ingest.start();
  await feedLamp(clock, ingest, 0, minutes, lamp);
  const features = ['lamp1/voltage', 'lamp1/activePower'];
  if (lamp(0).current !== undefined) features.push('lamp1/current');
  await ingest.stop();
  await store.stop();
  const file = join(dir, 'site.yaml');
  writeFileSync(
    file,
    `version: 1
gateway: { id: lp-cal, dataDir: ./data }
clock: { sync: trust-os }
buses: [{ id: tcp0, type: modbus-tcp, host: 127.0.0.1 }]
devices: [{ id: lamp1, profile: eastron-sdm120, bus: tcp0 }]
windows: { lengths: [PT1M] }
upstream: { url: 'mqtt://127.0.0.1' }
models:
  - name: lamp-ae
    bundle: ./bundles/lamp-ae
    enabled: false
    features: [${features.join(', ')}]
    window: PT1M
    steps: 5
  - { name: no-features, bundle: ./bundles/x, enabled: false }
`,
  );
  return { file, dir, clock };
}
