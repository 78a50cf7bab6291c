import { existsSync } from 'node:fs';
import { TRAINING_RANGE } from '../../models/crowd/count-cnn.js';
import type { ThermalSettings } from '../../models/crowd/thermal-generator.js';
import { verifyBundle } from '../../runtime/models/model-bundle.js';
import { GENERATOR_FLAGS, settingsFrom } from '../thermal/generate.js';
import { writeReport } from './report-file.js';
import { evaluateThermal } from './thermal-eval.js';
import { thermalVisibility } from './thermal-visibility.js';

export { GENERATOR_FLAGS };

/** Outside the training range by default: a taller mount on a hot evening. */
const HELD_OUT = { height: '7', ambient: '30' };

/** `eval:crowd --dataset thermal`: see crowd-eval.ts. */
export async function runThermal(
  args: Record<string, string | undefined>,
  fail: (message: string) => never,
): Promise<void> {
  let settings: ThermalSettings;
  try {
    settings = settingsFrom({ ...HELD_OUT, ...args, people: undefined });
  } catch (e) {
    fail((e as Error).message);
  }
  const maxPeople = Number(args.people ?? '20');
  const frames = Number(args.frames);
  const area = Number(args['zone-area']);
  const scheme = args.scheme;
  if (!(Number.isInteger(maxPeople) && maxPeople >= 0 && maxPeople <= 200))
    fail(
      `--people ${String(args.people)}: allowed a whole number from 0 to 200 (the most per frame)`,
    );
  if (!(Number.isInteger(frames) && frames >= 1))
    fail(`--frames ${String(args.frames)}: at least 1`);
  if (!(area > 0)) fail(`--zone-area ${String(args['zone-area'])}: a number of m² above 0`);
  if (scheme !== 'fruin-walkway' && scheme !== 'fruin-queue')
    fail(`--scheme must be fruin-walkway or fruin-queue (got "${String(scheme)}")`);
  const bundle = args.bundle ?? '';
  if (!existsSync(bundle)) fail(`no model bundle at ${bundle} (train one: npm run train:crowd)`);
  const { card } = verifyBundle(bundle);
  const r = await evaluateThermal(bundle, {
    settings,
    people: [0, maxPeople],
    frames,
    zoneAreaM2: area,
    scheme,
    seed: settings.seed,
  });
  // Empty frames on their own: an overcount there and an undercount of full frames would
  // otherwise cancel in the MAE.
  const empty = await evaluateThermal(bundle, {
    settings,
    people: [0, 0],
    frames: Math.max(20, Math.round(frames / 10)),
    zoneAreaM2: area,
    scheme,
    seed: settings.seed + 1,
  });
  const seen = thermalVisibility(settings, 200, settings.seed);
  const outside = [
    settings.heightM < TRAINING_RANGE.heightM[0] || settings.heightM > TRAINING_RANGE.heightM[1]
      ? `height ${String(settings.heightM)} m (trained ${TRAINING_RANGE.heightM.join('–')})`
      : '',
    settings.ambientC < TRAINING_RANGE.ambientC[0] || settings.ambientC > TRAINING_RANGE.ambientC[1]
      ? `ambient ${String(settings.ambientC)} °C (trained ${TRAINING_RANGE.ambientC.join('–')})`
      : '',
    settings.noiseC < TRAINING_RANGE.noiseC[0] || settings.noiseC > TRAINING_RANGE.noiseC[1]
      ? `noise ${String(settings.noiseC)} °C (trained ${TRAINING_RANGE.noiseC.join('–')})`
      : '',
  ].filter(Boolean);
  const round = (x: number, d = 3): number => Number(x.toFixed(d));
  const figures = {
    dataset: 'thermal',
    model: card.version,
    frames,
    people: `0-${String(maxPeople)}`,
    // People are drawn per frame (see `people`), not the generator's single setting.
    settings: { ...settings, people: undefined },
    outside_training_range: outside,
    zone_area_m2: area,
    scheme,
    mae: round(r.mae),
    los_accuracy: round(r.losAccuracy),
    ms_per_frame: round(r.msPerFrame),
    ms_per_frame_p95: round(r.msPerFrameP95),
    backend: r.backend,
    empty_frames: empty.frames,
    // With no one in view the error is the count itself (counts are never below zero).
    empty_frame_count: round(empty.mae, 2),
    person_peak_p5_c: round(seen.personPeakP5C, 2),
    person_peak_median_c: round(seen.personPeakMedianC, 2),
    noise_peak_median_c: round(seen.noisePeakMedianC, 2),
    people_below_noise: round(seen.belowNoise),
    mae_by_count: Object.fromEntries(r.byCount.map((b) => [b.count, round(b.mae, 2)])),
  };
  const flags = GENERATOR_FLAGS.filter((f) => args[f] !== undefined || f in HELD_OUT)
    .map((f) => `--${f} ${String(args[f] ?? HELD_OUT[f as keyof typeof HELD_OUT])}`)
    .join(' ');
  const command = `npm run eval:crowd -- --dataset thermal ${flags} --frames ${String(frames)} --zone-area ${String(area)}`;
  const body = `The crowd-counting CNN (\`models/crowd/bundle\`, ${card.version}) on ${String(frames)} generated frames with 0–${String(maxPeople)}
people each, through the gateway's model worker (${r.backend}).
Settings outside the training range: ${outside.length > 0 ? outside.join('; ') : 'none'}.

| figure | value | target |
|---|---|---|
| count MAE per frame | ${String(figures.mae)} | ≤ 0.5 |
| level of service exact (zone of ${String(area)} m², ${scheme}) | ${String(figures.los_accuracy)} | ≥ 0.95 |
| inference per frame, median / p95 | ${String(figures.ms_per_frame)} / ${String(figures.ms_per_frame_p95)} ms | ≤ 2 ms |

${figures.mae <= 0.5 && figures.los_accuracy >= 0.95 ? 'The count targets are met on these settings.' : '**The count targets are not met on these settings.**'}

On ${String(empty.frames)} empty frames, scored apart, the model counts ${String(figures.empty_frame_count)} people per frame on average.

**What one frame can show at these settings**, whatever the model (\`scripts/eval/thermal-visibility.ts\`):
a lone person's warmest pixel stands ${String(figures.person_peak_p5_c)} °C (5th percentile) to
${String(figures.person_peak_median_c)} °C (median) over the ground; the warmest pixel that noise alone puts in an empty
frame stands ${String(figures.noise_peak_median_c)} °C over it (median), and ${String(Math.round(figures.people_below_noise * 100))} % of lone people are
cooler than that.

MAE by true count: ${r.byCount.map((b) => `${String(b.count)}: ${b.mae.toFixed(2)}`).join(', ')}.
`;
  writeReport(args.out ?? '.', 'crowd-thermal', 'Thermal crowd counting', command, figures, body);
  console.log(
    `thermal: ${String(frames)} frames, MAE ${String(figures.mae)}, level of service exact ${String(figures.los_accuracy)}, ${String(figures.ms_per_frame)} ms per frame (${r.backend})`,
  );
  console.log(JSON.stringify(figures));
}
