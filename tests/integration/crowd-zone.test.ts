/**
 * A crowd zone in the data path: thermal frames (from the generator, as the GY-MCU90640 driver
 * hands them over) are counted by the shipped model in the model worker; the zone's numbers go
 * through ingest into a real store; congestion is raised and cleared; and no frame ever reaches
 * the store or the outbox.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ThermalScene, WIDTH, HEIGHT } from '../../models/crowd/thermal-generator.js';
import type { ManualClock } from '../../runtime/clock/manual-clock.js';
import { CrowdZoneSchema, type CrowdZoneConfig } from '../../runtime/config/crowd-schema.js';
import { CrowdEngine, LOW_CONTRAST_C, RING } from '../../runtime/crowd/crowd-engine.js';
import { silentLog } from '../../runtime/log/logger.js';
import { fillDefaults } from '../../runtime/shared/fill-defaults.js';
import { packageRoot } from '../../runtime/shared/package-root.js';
import { manualClock, storeAndIngest } from '../harness/gateway-fixtures.js';
import { tempDir } from '../harness/temp-dir.js';

/** A small zone (5 m²): an empty street is A, a crowd of 20 is F whatever the model's error. */
const zone = (extra: Partial<CrowdZoneConfig> = {}): CrowdZoneConfig =>
  fillDefaults(CrowdZoneSchema, {
    id: 'plaza',
    thermal: 'cam1',
    areaM2: 5,
    ...extra,
  }) as CrowdZoneConfig;

async function site(dir: string, clock: ManualClock, z: CrowdZoneConfig) {
  const { store, ingest } = storeAndIngest(dir, clock);
  let woken = 0;
  const crowd = new CrowdEngine({
    zones: [z],
    store,
    clock,
    log: silentLog(),
    push: (r) => ingest.push(r),
    backends: ['wasm'],
    onAlarms: () => woken++,
  });
  await store.start();
  await ingest.start();
  await crowd.start();
  return { store, ingest, crowd, woken: () => woken };
}

/** One frame a second with `people` in view, counted before the next. */
async function frames(
  clock: ManualClock,
  s: Awaited<ReturnType<typeof site>>,
  people: number,
  n: number,
  seed: number,
  ambientC = 16,
): Promise<Float32Array[]> {
  const sent: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    const f = new ThermalScene({
      heightM: 4,
      ambientC,
      people,
      groups: 0,
      seed: seed + i,
    }).frame();
    s.crowd.onImage('cam1', { width: WIDTH, height: HEIGHT, pixels: f.pixels }, clock.wallMs());
    sent.push(f.pixels);
    await s.crowd.idle();
    await clock.advance(1000);
  }
  return sent;
}

describe('a crowd zone in the data path', () => {
  it('counts frames into density and level of service, raises congestion and clears it', async () => {
    const dir = tempDir();
    const clock = manualClock();
    const s = await site(dir, clock, zone());
    await frames(clock, s, 0, 3, 1);
    expect(s.crowd.status()[0]).toMatchObject({
      id: 'plaza',
      state: 'running',
      levelOfService: 'A',
      congested: false,
    });
    const crowded = await frames(clock, s, 20, 3, 10);
    const [raised] = s.store.events.ofKind('congestion');
    expect(raised).toMatchObject({
      severity: 'warning',
      data: {
        subject: 'plaza',
        state: 'raised',
        evidence: { levelOfService: 'F', congestedAt: 'E' },
      },
    });
    expect(s.woken()).toBe(1);
    expect(s.crowd.status()[0]?.congested).toBe(true);
    expect(s.crowd.framesHeld('cam1')).toBeLessThanOrEqual(RING);
    await frames(clock, s, 0, 5, 20);
    expect(s.store.events.ofKind('congestion').map((e) => e.data.state)).toEqual([
      'raised',
      'cleared',
    ]);
    expect(s.crowd.status()[0]).toMatchObject({ framesSeen: 11, framesCounted: 11 });
    await clock.advance(70_000);
    await s.crowd.stop();
    await s.ingest.stop();
    await s.store.stop();

    // Only the zone's numbers were stored, and no frame anywhere in the file.
    const db = new Database(join(dir, 'store.db'), { readonly: true });
    try {
      const points = db
        .prepare(
          'SELECT DISTINCT s.device, s.point FROM readings r JOIN streams s ON s.id = r.stream',
        )
        .all() as { device: string; point: string }[];
      expect(points.map((p) => `${p.device}/${p.point}`).sort()).toEqual([
        'plaza/congested',
        'plaza/density',
        'plaza/levelOfService',
        'plaza/peopleCount',
        'plaza/personContrastC',
      ]);
      const counts = db
        .prepare(
          "SELECT r.value FROM readings r JOIN streams s ON s.id = r.stream WHERE s.point = 'peopleCount' ORDER BY r.id",
        )
        .all() as { value: number }[];
      expect(counts).toHaveLength(11);
      expect(counts.slice(3, 6).every((c) => c.value >= 11)).toBe(true);
      // Each count's contrast beside it: one number per counted frame, not the frame.
      const contrasts = db
        .prepare(
          "SELECT r.value FROM readings r JOIN streams s ON s.id = r.stream WHERE s.point = 'personContrastC'",
        )
        .all() as { value: number }[];
      expect(contrasts).toHaveLength(11);
      expect(contrasts.every((c) => c.value > LOW_CONTRAST_C && c.value < 34)).toBe(true);
      const longest = db.prepare('SELECT max(length(body)) AS n FROM outbox').get() as {
        n: number;
      };
      expect(longest.n).toBeLessThan(2000);
    } finally {
      db.close();
    }
    const file = Buffer.concat([readFileSync(join(dir, 'store.db'))]);
    for (const pixels of crowded) {
      // 16 bytes of a frame as float32, and as text: neither is in the store.
      const raw = Buffer.from(pixels.buffer, pixels.byteOffset + 400, 16);
      expect(file.indexOf(raw)).toBe(-1);
      expect(file.indexOf(Buffer.from(String(pixels[100])))).toBe(-1);
    }
  });

  it('says when the ground is too warm for its count to be trusted, and when it is not', async () => {
    const clock = manualClock();
    const s = await site(tempDir(), clock, zone());
    await frames(clock, s, 5, 3, 1);
    expect(s.crowd.status()[0]).toMatchObject({ lowContrast: false });
    expect(s.crowd.status()[0]?.personContrastC).toBeGreaterThan(LOW_CONTRAST_C);
    // A 32 °C evening: people are barely warmer than the paving. Two frames are not enough.
    await frames(clock, s, 5, 2, 10, 32);
    expect(s.store.events.ofKind('low_contrast')).toHaveLength(0);
    await frames(clock, s, 5, 1, 12, 32);
    const [raised] = s.store.events.ofKind('low_contrast');
    expect(raised).toMatchObject({
      severity: 'warning',
      data: { subject: 'plaza', state: 'raised', evidence: { belowC: LOW_CONTRAST_C } },
    });
    const contrast = (raised?.data.evidence as { personContrastC: number }).personContrastC;
    expect(contrast).toBeLessThan(LOW_CONTRAST_C);
    expect(s.crowd.status()[0]).toMatchObject({ lowContrast: true, personContrastC: contrast });
    // The counts go on meanwhile: the zone flags them, it does not drop them.
    expect(s.crowd.status()[0]?.framesCounted).toBe(6);
    await frames(clock, s, 5, 4, 20);
    expect(s.crowd.status()[0]?.lowContrast).toBe(true);
    await frames(clock, s, 5, 1, 24);
    expect(s.store.events.ofKind('low_contrast').map((e) => e.data.state)).toEqual([
      'raised',
      'cleared',
    ]);
    expect(s.crowd.status()[0]?.lowContrast).toBe(false);
    await s.crowd.stop();
    await s.ingest.stop();
    await s.store.stop();
  });

  it('refuses a bundle that is not a people-counting model, with a model_refused alarm', async () => {
    const bundle = join(packageRoot(), 'models', 'lamp-circuit-ae', 'bundle');
    const s = await site(tempDir(), manualClock(), zone({ bundle }));
    try {
      expect(s.crowd.status()[0]).toMatchObject({
        state: 'refused',
        reason: `${bundle} is a window-autoencoder, not a people-counting model for thermal frames`,
      });
      expect(s.store.events.ofKind('model_refused')).toHaveLength(1);
      s.crowd.onImage('cam1', { width: WIDTH, height: HEIGHT, pixels: new Float32Array(768) }, 0);
      expect(s.crowd.framesHeld('cam1')).toBe(0);
    } finally {
      await s.crowd.stop();
      await s.ingest.stop();
      await s.store.stop();
    }
  });
});
