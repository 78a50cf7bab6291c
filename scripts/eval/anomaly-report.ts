import type { DaiadResult, EventOutcome } from './daiad-eval.js';
import type { FrontierPoint } from './daiad-frontier.js';
import type { LampResult } from './lamp-eval.js';
import type { SkabSet } from './skab-data.js';
import { SKAB_DEFAULTS, type SkabResult } from './skab-eval.js';
import { CONV_AE_DEFAULTS, type ConvAeResult } from './skab-conv-ae.js';
import { PER_FILE_DEFAULTS, type PerFileResult } from './skab-per-file.js';
import { YARDSTICK_PUBLISHED } from './nab-yardsticks.js';

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? null;
}

const round = (x: number, d = 3): number => Number(x.toFixed(d));

export interface KindSummary {
  events: number;
  found: number;
  recall: number;
  median_delay: number | null;
}

export function summarise(
  outcomes: readonly { kind: string; detected: boolean; delay: number | null }[],
): Record<string, KindSummary> {
  const out: Record<string, KindSummary> = {};
  for (const o of outcomes) {
    const s = (out[o.kind] ??= { events: 0, found: 0, recall: 0, median_delay: null });
    s.events++;
    if (o.detected) s.found++;
  }
  for (const [kind, s] of Object.entries(out)) {
    s.recall = round(s.found / s.events);
    const m = median(
      outcomes.filter((o) => o.kind === kind && o.delay !== null).map((o) => o.delay ?? 0),
    );
    s.median_delay = m === null ? null : round(m, 1);
  }
  return out;
}

export function daiadFigures(r: DaiadResult): Record<string, unknown> {
  const kinds = summarise(
    r.outcomes.map((o: EventOutcome) => ({ kind: o.kind, detected: o.detected, delay: o.delayH })),
  );
  const perMonth = (n: number): number => round(n / Math.max(1e-9, r.meterMonths), 3);
  return {
    meters: r.meters,
    meters_skipped: r.skipped,
    meter_months: round(r.meterMonths, 1),
    leak_recall_48h: kinds.leak?.recall ?? 0,
    burst_recall_1h: kinds.burst?.recall ?? 0,
    false_alarms_per_meter_month: perMonth((r.cleanAlarms.leak ?? 0) + (r.cleanAlarms.burst ?? 0)),
    events: kinds,
    alarms_on_clean_per_meter_month: Object.fromEntries(
      Object.entries(r.cleanAlarms).map(([k, v]) => [k, perMonth(v)]),
    ),
    ms_per_window: round(r.ms / Math.max(1, r.readings), 5),
  };
}

export function lampFigures(r: LampResult): Record<string, unknown> {
  const kinds = summarise(
    r.outcomes.map((o) => ({ kind: o.kind, detected: o.detected, delay: o.delayWindows })),
  );
  return {
    windows: r.windows,
    days: round(r.days, 2),
    recall_within_2_windows: round(
      r.outcomes.filter((o) => o.detected).length / Math.max(1, r.outcomes.length),
    ),
    events: kinds,
    false_alarms_on_clean: Object.entries(r.cleanAlarms)
      .filter(([k]) => k !== 'circuit_offline')
      .reduce((n, [, v]) => n + v, 0),
    alarms_on_clean: r.cleanAlarms,
    ms_per_window: round(r.msPerWindow, 5),
  };
}

function table(events: Record<string, KindSummary>, delayUnit: string): string {
  return [
    `| event | injected | found | recall | median delay (${delayUnit}) |`,
    '|---|---|---|---|---|',
    ...Object.entries(events).map(
      ([k, s]) => `| ${k} | ${s.events} | ${s.found} | ${s.recall} | ${s.median_delay ?? '—'} |`,
    ),
  ].join('\n');
}

/** Each margin's burst recall and false alarms per meter-month, by half and over all meters. */
export function frontierFigures(points: readonly FrontierPoint[]): {
  margin: number;
  half: string;
  burst_recall_1h: number;
  false_alarms_per_meter_month: number;
}[] {
  const rows = [];
  for (const margin of [...new Set(points.map((p) => p.margin))]) {
    const mine = points.filter((p) => p.margin === margin);
    const sum = (k: 'meterMonths' | 'burstEvents' | 'burstFound' | 'falseAlarms'): number =>
      mine.reduce((n, p) => n + p[k], 0);
    for (const p of [
      ...mine,
      {
        margin,
        half: 'all',
        meterMonths: sum('meterMonths'),
        burstEvents: sum('burstEvents'),
        burstFound: sum('burstFound'),
        falseAlarms: sum('falseAlarms'),
      },
    ])
      rows.push({
        margin,
        half: p.half,
        burst_recall_1h: round(p.burstFound / Math.max(1, p.burstEvents)),
        false_alarms_per_meter_month: round(p.falseAlarms / Math.max(1e-9, p.meterMonths)),
      });
  }
  return rows;
}

function frontierTable(rows: ReturnType<typeof frontierFigures>, chosen: number): string {
  const cell = (margin: number, half: string): string => {
    const r = rows.find((x) => x.margin === margin && x.half === half);
    return r ? `${r.burst_recall_1h} / ${r.false_alarms_per_meter_month}` : '';
  };
  const lines = [...new Set(rows.map((r) => r.margin))].map(
    (m) =>
      `| ${m}${m === chosen ? ' (the default)' : ''} | ${cell(m, 'even')} | ${cell(m, 'odd')} | ${cell(m, 'all')} |`,
  );
  return [
    '| burst margin (× usual maximum) | even half: burst recall / false alarms | odd half (held out) | all meters |',
    '|---|---|---|---|',
    ...lines,
  ].join('\n');
}

export function daiadBody(
  all: Record<string, unknown>,
  heldOut: Record<string, unknown>,
  frontier: ReturnType<typeof frontierFigures>,
  chosenMargin: number,
  chart: string,
): string {
  const a = all as { events: Record<string, KindSummary> } & Record<string, number>;
  const h = heldOut as { events: Record<string, KindSummary> } & Record<string, number>;
  const met = frontier.filter(
    (r) => r.half === 'odd' && r.burst_recall_1h >= 0.9 && r.false_alarms_per_meter_month <= 0.1,
  );
  return `Seeded events injected into the real hourly series of the DAIAD trial A households, each on
its own copy of the meter's series. Each meter's first 8 weeks calibrate its detector (its
normal); the rest is the test period. False alarms are the leak and burst alarms raised on the
series without injections (real households: some may be real events).

| figure | all meters | held-out half (odd) | target |
|---|---|---|---|
| meters (meter-months) | ${a.meters} (${a.meter_months}) | ${h.meters} (${h.meter_months}) | |
| leak recall within 48 h | ${a.leak_recall_48h} | ${h.leak_recall_48h} | ≥ 0.9 |
| burst recall within 1 h | ${a.burst_recall_1h} | ${h.burst_recall_1h} | ≥ 0.9 |
| leak + burst false alarms per meter-month | ${a.false_alarms_per_meter_month} | ${h.false_alarms_per_meter_month} | ≤ 0.1 |

The burst rule's two constants (hours around the time of day, margin over the usual maximum)
and the leak span (30 readings without an idle hour; 24 raised 0.046 leak alarms per
meter-month on the even half, 30 raises 0.015) were chosen on the even-numbered meters only;
the odd half shows what they do on meters they were not chosen on. A burst alarm that stops
within two readings is learnt as the household's habit (a bath, a hose), and a reading above
5 m³/h is a \`meter_fault\`, not a burst: on the even half these took burst false alarms from
0.082 to 0.054 per meter-month at a burst recall of 0.93. Register glitches are read as such:
more than 5 m³ in an hour either way is a fault (not backflow), and after a register runs
backwards its next gains make up the loss before they count as use (one meter read −3,076 L,
then +3,112 L).

With one reading an hour, a burst must be called on its first reading (the deadline is 1 h),
where it looks like the household's busiest hours. The margin over the usual maximum trades
burst recall against false alarms; each margin, measured on the same events (burst events and
the clean series only):

${frontierTable(frontier, chosenMargin)}

![burst recall against false alarms, by margin](${chart})

${
  met.length === 0
    ? 'No margin meets both targets (burst recall ≥ 0.9, ≤ 0.1 false alarms per meter-month) on the held-out half.'
    : `On the held-out half, margins ${met.map((r) => r.margin).join(', ')} meet both targets.`
}

All events, all meters:

${table(a.events, 'h')}

Events: leak 5–30 L/h for 7 days; burst 250–800 L/h for 6–24 h; stuck meter (no use recorded)
72–120 h; reverse flow 5–50 L in one hour; missing readings 6–24 h.
`;
}

export function lampBody(f: Record<string, unknown>): string {
  const x = f as { events: Record<string, KindSummary> } & Record<string, number>;
  return `Failures injected into the real street-lighting cabinet profile (SLightliMon, 1-minute
active power and voltage, ${x.days} days tested after 2 days of calibration), each on its own
copy, judged in 5-minute windows. "Commanded on" is read off the clean profile (on a gateway it
is the relay's state). Found means the right alarm within two windows of the event's start.

${table(x.events, 'windows')}

False alarms on the clean profile (excluding the real supply interruption, reported as
\`circuit_offline\`): **${x.false_alarms_on_clean}**. Events: lamps out 10–50 % until switch-off;
whole circuit down to under 3 % for 30–240 min; lamps burning in daytime at 30–100 % for
30–240 min; supply sag to 185–204 V or swell to 256–270 V.
`;
}

export function skabFigures(
  r: SkabResult,
  pf: PerFileResult,
  ca: ConvAeResult,
  backend: string,
  set: SkabSet,
): Record<string, number | string> {
  const c = pf.covering;
  const st = pf.streaming;
  const cc = ca.covering;
  return {
    dataset: 'skab',
    experiments: set.experiments.length,
    train_only_parts: set.trainOnly.length,
    // The headline: SKAB's own recipe for its best detector, labelled as SKAB labels it.
    f1: round(c.binary.f1),
    far: round(c.binary.far),
    mar: round(c.binary.mar),
    nab_standard: round(c.changepoint.standard, 2),
    nab_low_fp: round(c.changepoint.low_fp, 2),
    nab_low_fn: round(c.changepoint.low_fn, 2),
    whole_file_f1: round(c.wholeFile.f1),
    whole_file_far: round(c.wholeFile.far),
    whole_file_mar: round(c.wholeFile.mar),
    to_end_f1: round(c.toEnd.f1),
    to_end_far: round(c.toEnd.far),
    to_end_mar: round(c.toEnd.mar),
    streaming_f1: round(st.binary.f1),
    streaming_far: round(st.binary.far),
    streaming_mar: round(st.binary.mar),
    streaming_nab_standard: round(st.changepoint.standard, 2),
    // The leaderboard's own network on the same files, scored the same way: a yardstick.
    conv_ae_f1: round(cc.binary.f1),
    conv_ae_far: round(cc.binary.far),
    conv_ae_mar: round(cc.binary.mar),
    conv_ae_nab_standard: round(cc.changepoint.standard, 2),
    conv_ae_whole_file_f1: round(cc.wholeFile.f1),
    conv_ae_whole_file_far: round(cc.wholeFile.far),
    conv_ae_whole_file_mar: round(cc.wholeFile.mar),
    conv_ae_streaming_f1: round(ca.streaming.binary.f1),
    conv_ae_streaming_far: round(ca.streaming.binary.far),
    conv_ae_streaming_mar: round(ca.streaming.binary.mar),
    conv_ae_s: round(ca.seconds, 1),
    all_ones_f1: round(r.allOnes.f1),
    global_f1: round(r.binary.f1),
    global_far: round(r.binary.far),
    global_mar: round(r.binary.mar),
    global_nab_standard: round(r.changepoint.standard, 2),
    ms_per_window: round(r.msPerWindow, 4),
    calibrate_week_s: round(r.weekCalibrationSeconds, 1),
    per_file_s: round(pf.seconds, 1),
    train_windows: r.trainWindows,
    train_s: round(r.trainSeconds, 1),
    threshold: round(r.threshold, 4),
    backend,
  };
}

export function skabBody(
  f: Record<string, number | string>,
  r: SkabResult,
  pf: PerFileResult,
  ca: ConvAeResult,
): string {
  const o = SKAB_DEFAULTS;
  const p = PER_FILE_DEFAULTS;
  const k = CONV_AE_DEFAULTS;
  return `SKAB's protocol: train on \`anomaly-free.csv\` and the first ${o.trainRows} rows of every
experiment (${String(f.train_only_parts)} training-only parts included), predict the rest of each of the
${String(f.experiments)} experiments without its labels; binary scores summed over files; the NAB-style
changepoint score with a 60 s window to the right of each changepoint.

Three detectors, and the leaderboard's network as a yardstick, each run once with seed ${String(p.seed)}. No setting was chosen on these labels:
the per-file settings are the notebook's (its residual, quantile, factor and labelling loop).
The version before them (squared residual, 0.99 quantile × 1.5, labels to the last row) scored
F1 0.802, FAR 0.359, MAR 0.132 on this split.

- **per file, covering** (the headline): SKAB's recipe for its best published detector (the
  Conv-AE notebook) with our dense autoencoder (${p.shape.hidden}-${p.shape.bottleneck}-${p.shape.hidden} over ${p.shape.window}-row windows): each experiment
  gets its own scaler and model, fitted on its first ${p.trainRows} rows, starting from a model
  pre-trained on the anomaly-free file (${p.pretrainEpochs} epochs; ${p.fileEpochs} per file); a window's residual is its
  mean ${p.residual} reconstruction error; threshold = the ${p.thresholdQuantile}
  quantile of the file's training residuals × ${round(p.thresholdFactor)}; a row is anomalous when every window
  covering it (but the one starting at it) is. That rule looks up to ${p.shape.window - 2} rows ahead: it
  labels a recording, it cannot run live. As in the notebook's loop, the last
  ${2 * p.shape.window - 2} rows of a file are never labelled.
- **per file, streaming**: the same models, a row anomalous when the window ending at it is:
  what a gateway could say at that moment.
- **global**: one model for all files (what \`edge-gw calibrate\` trains on a site), ${o.shape.window}-row
  windows (${o.shape.hidden}-${o.shape.bottleneck}-${o.shape.hidden}), ${o.epochs} epochs; each file centred on its own training rows, each
  channel scaled by its within-file spread; score averaged over ${o.smooth} windows; threshold = the
  ${o.thresholdQuantile} quantile × ${o.thresholdFactor}; an alarm after ${o.raiseAfter} rows above it, cleared after ${o.clearAfter} below.
- **the notebook's Conv-AE** (a yardstick, not ours): the leaderboard's own network
  (\`core/Conv_AE.py\` in waico/SKAB), trained from scratch on each file's first ${k.trainRows} rows as
  SKAB trains it (up to ${k.maxEpochs} epochs, stopped after ${k.patience} without a lower loss on the last
  ${k.validationFraction * 100} % of the windows; ${ca.epochs.join(', ')} epochs ran), thresholded and labelled exactly as the
  headline. Its last layer rebuilds **one** channel, which Keras's loss compares with all
  of them: it learns the channels' common course, and its residual is how far each strays
  from it. So the leaderboard's best is measured on these very files by the same scorer.

| figure | per file, covering | per file, streaming | global | the notebook's Conv-AE, covering | target / published best |
|---|---|---|---|---|---|
| F1 | ${String(f.f1)} | ${String(f.streaming_f1)} | ${String(f.global_f1)} | ${String(f.conv_ae_f1)} | ≥ 0.80 (Conv-AE 0.78) |
| false-alarm rate | ${String(f.far)} | ${String(f.streaming_far)} | ${String(f.global_far)} | ${String(f.conv_ae_far)} | ≤ 0.15 (Conv-AE 0.1355) |
| missed-alarm rate | ${String(f.mar)} | ${String(f.streaming_mar)} | ${String(f.global_mar)} | ${String(f.conv_ae_mar)} | (Conv-AE 0.2802) |
| NAB standard | ${String(f.nab_standard)} | ${String(f.streaming_nab_standard)} | ${String(f.global_nab_standard)} | ${String(f.conv_ae_nab_standard)} | (MSCRED 32.42) |

| figure | value | target |
|---|---|---|
| F1 of flagging every test row | ${String(f.all_ones_f1)} | (the floor any detector that alarms a lot is measured against) |
| NAB low FP / low FN (per file, covering) | ${String(f.nab_low_fp)} / ${String(f.nab_low_fn)} | (MSCRED 16.53 / 40.28) |
| per file, covering, scored over whole files (training rows included, as the notebook scores): F1 / FAR / MAR | ${String(f.whole_file_f1)} / ${String(f.whole_file_far)} / ${String(f.whole_file_mar)} | (Conv-AE 0.78 / 0.1355 / 0.2802) |
| the notebook's Conv-AE over whole files: F1 / FAR / MAR; streaming: F1 / FAR / MAR | ${String(f.conv_ae_whole_file_f1)} / ${String(f.conv_ae_whole_file_far)} / ${String(f.conv_ae_whole_file_mar)}; ${String(f.conv_ae_streaming_f1)} / ${String(f.conv_ae_streaming_far)} / ${String(f.conv_ae_streaming_mar)} | (Conv-AE 0.78 / 0.1355 / 0.2802) |
| per file, covering, labelled to the last row the rule reaches: F1 / FAR / MAR | ${String(f.to_end_f1)} / ${String(f.to_end_far)} / ${String(f.to_end_mar)} | |
| inference, one window of the global model, as the model worker runs it (${String(f.backend)}) | ${String(f.ms_per_window)} ms | ≤ 1 ms |
| calibration on one week of 1-minute rows (global model) | ${String(f.calibrate_week_s)} s | ≤ 60 s |
| the per-file evaluation, all files | ${String(f.per_file_s)} s | |
| the notebook's Conv-AE, all files | ${String(f.conv_ae_s)} s | |

Per file, F1 covering / streaming: ${pf.files.map((x) => `${x.name} ${x.f1Covering} / ${x.f1Streaming}`).join(', ')}.
The notebook's Conv-AE, F1 covering / streaming: ${ca.files.map((x) => `${x.name} ${x.f1Covering} / ${x.f1Streaming}`).join(', ')}.
Global, F1: ${r.files.map((x) => `${x.name} ${x.f1}`).join(', ')}.

These are the numbers of the dev split in ../shared/data (8 complete experiments); the targets
are for the complete published set, which the evaluator reports the same way when pointed at it
(\`--data DIR\`). ${Number(f.f1) >= 0.8 && Number(f.far) <= 0.15 ? '**The targets are met on this split.**' : '**The targets are not met on this split** (F1 ≥ 0.80 *with* a false-alarm rate ≤ 0.15).'}

${yardstick(f)}

How the scoring is read matters here. The issue's protocol scores the rows after the training
rows. SKAB's Conv-AE notebook scores whole files, its 400 training rows included; those rows
are almost never labelled, so they add true negatives and lower the false-alarm rate. Both
are reported. Nearly all false alarms fall after each anomaly: the testbed's water and
thermocouple temperatures keep drifting, by several of the training rows' standard deviations,
and a model fitted on 400 rows (under 7 minutes) has not seen that. On this split a file's last
${2 * p.shape.window - 2} rows, which the notebook's rule never labels, are such rows, so the limit removes
many of them; the "to the last row" line shows the figures without it. On this split most test rows are anomalous, so an
F1 near the all-ones floor says little.
`;
}

/** How the headline stands against the leaderboard's network on the same files. */
function yardstick(f: Record<string, number | string>): string {
  const [f1, far, mar] = [Number(f.f1), Number(f.far), Number(f.mar)];
  const [cf1, cfar, cmar] = [Number(f.conv_ae_f1), Number(f.conv_ae_far), Number(f.conv_ae_mar)];
  const meets = cf1 >= 0.8 && cfar <= 0.15;
  // "either" only when the headline misses them too.
  const headlineMeets = f1 >= 0.8 && far <= 0.15;
  return `The leaderboard's own Conv-AE, on the same files and by the same scorer, reaches F1 ${String(cf1)}
with a false-alarm rate of ${String(cfar)} (missed ${String(cmar)}): it ${meets ? 'meets' : 'does not meet'} both targets here${meets || headlineMeets ? '' : ' either'}.
The headline ${mar <= cmar ? 'misses fewer' : 'misses more'} anomalous rows (${String(mar)} against ${String(cmar)}) and raises
${far <= cfar ? 'fewer' : 'more'} false alarms (${String(far)} against ${String(cfar)}), for an F1 ${f1 >= cf1 ? 'higher' : 'lower'} by ${String(Math.abs(round(f1 - cf1)))}.`;
}

export interface NabProfileFigures {
  nab_standard: number;
  nab_low_fp: number;
  nab_low_fn: number;
}

export interface NabYardstickFigures {
  windowed_gaussian: NabProfileFigures;
  relative_entropy: NabProfileFigures;
}

export interface NabWaterFigures extends NabYardstickFigures {
  files: number;
  windows: number;
  adaptive: NabProfileFigures;
}

const triple = (p: NabProfileFigures): string =>
  `${String(p.nab_standard)} / ${String(p.nab_low_fp)} / ${String(p.nab_low_fn)}`;

/** NAB's scoreboard detectors beside the headline, on the development set and the data. */
function yardstickSection(
  here: NabYardstickFigures,
  headline: NabProfileFigures,
  dev?: { adaptive: NabProfileFigures; yardsticks: NabYardstickFigures },
): string {
  const rows = (['windowed_gaussian', 'relative_entropy'] as const).map((k) => {
    const name = k === 'windowed_gaussian' ? 'windowed Gaussian' : 'relative entropy';
    const devCell = dev ? ` ${triple(dev.yardsticks[k])} |` : '';
    return `| ${name} | ${triple(YARDSTICK_PUBLISHED[k])} |${devCell} ${triple(here[k])} |`;
  });
  const devHead = dev ? ' development set |' : '';
  const devRule = dev ? '---|' : '';
  const devHeadline = dev ? ` ${triple(dev.adaptive)} |` : '';
  let reading = '';
  if (dev) {
    const wg = dev.yardsticks.windowed_gaussian.nab_standard;
    const re = dev.yardsticks.relative_entropy.nab_standard;
    const lower =
      wg < YARDSTICK_PUBLISHED.windowed_gaussian.nab_standard - 10 &&
      re < YARDSTICK_PUBLISHED.relative_entropy.nab_standard - 10;
    reading = lower
      ? `
Both score far lower on the development set (standard ${String(wg)} and ${String(re)}) than on
the complete corpus (39.6 and 54.6). Its anomalies are sized in each series' step-to-step noise
(3 to 8 times it), small beside the daily swings that a whole-file Gaussian or histogram measures them against. So
the development set is harder than NAB for detectors like these, and its figures are not on NAB's
scale: the headline's lead there (${String(dev.adaptive.nab_standard)}) says it ranks above both,
not what it would score on the complete corpus.
`
      : `
On the development set they score ${String(wg)} and ${String(re)} (standard), against 39.6 and
54.6 on the complete corpus; the headline scores ${String(dev.adaptive.nab_standard)}.
`;
  }
  return `**NAB's own detectors as yardsticks** (\`scripts/eval/nab-yardsticks.ts\`, decision 0026): two
of the scoreboard's detectors, rebuilt from their published descriptions and NAB's settings and
scored by the same scorer, so that a figure here can be read against theirs on the complete corpus.

| detector (standard / low FP / low FN) | complete NAB (scoreboard) |${devHead} this run's data |
|---|---|${devRule}---|
${rows.join('\n')}
| adaptive (the headline) | not measured |${devHeadline} ${triple(headline)} |
${reading}`;
}

/** The household-water pieces: where the yardsticks show the headline's weak side. */
function waterSection(w: { chosen_on: NabWaterFigures; held_out: NabWaterFigures }): string {
  const row = (name: string, pick: (x: NabWaterFigures) => NabProfileFigures): string =>
    `| ${name} | ${triple(pick(w.chosen_on))} | ${triple(pick(w.held_out))} |`;
  const a = w.held_out.adaptive.nab_standard;
  const re = w.held_out.relative_entropy.nab_standard;
  return `**Household water** (DAIAD trial A, hourly litres; decision 0027): one piece of 4,032 readings
per meter, with the same five injected anomalies, ${String(w.chosen_on.files)} files from 20 meters
and ${String(w.held_out.files)} from the next 20. Two things were chosen on the first 20 and the
development set: that a meter at rest may stay still for long (a value held mid-range is judged
by the runs away from rest; decision 0027), and the streaming histogram's spell length and prior
(decision 0028).

| detector (standard / low FP / low FN) | meters 1–20 (chosen on) | meters 21–40 (held out) |
|---|---|---|
${row('adaptive (the headline)', (x) => x.adaptive)}
${row('windowed Gaussian', (x) => x.windowed_gaussian)}
${row('relative entropy', (x) => x.relative_entropy)}
${
  re > a
    ? `
On these intermittent, spiky series the relative entropy yardstick (54.6 on the complete NAB)
scores above the headline (${String(re)} against ${String(a)} on the held-out meters). It knows
each file's range in advance, where the headline's streaming histogram knows only the range seen
so far; and the headline's judgement of single values raises more false alarms on these series
than the histograms do. NAB's tweet and request counts are series like these.
`
    : ''
}`;
}

export function nabBody(
  f: NabProfileFigures & {
    files: number;
    windows: number;
    seasonal_baseline: NabProfileFigures;
    yardsticks: NabYardstickFigures;
    injected_dev_set?: {
      files: number;
      windows: number;
      adaptive: NabProfileFigures;
      seasonal_baseline: NabProfileFigures;
      yardsticks: NabYardstickFigures;
    };
    injected_water_set?: { chosen_on: NabWaterFigures; held_out: NabWaterFigures };
  },
): string {
  const b = f.seasonal_baseline;
  const d = f.injected_dev_set;
  const devTable = d
    ? `The detector was chosen on a development set in NAB's shape, built from the real series in
../shared/data (\`scripts/eval/nab-injected.ts\`): Melbourne pedestrian counts (hourly, a daily
and weekly pattern), six channels of SKAB's anomaly-free run given 5-minute timestamps (process
readings with no daily pattern, like NAB's machine temperatures), and SLightliMon's lamp cabinet
(power switched at dusk, voltage). Each piece of 4,032 rows appears once clean and once with each
of five seeded anomalies (a spike, a level shift, a drift, a burst of noise, a stuck value), in
units of the series' own step-to-step noise, with NAB's window (10 % of the file) centred on it:
${String(d.files)} files, ${String(d.windows)} windows, scored by the same scorer.

| detector | development set: standard / low FP / low FN | NAB artificial: standard / low FP / low FN |
|---|---|---|
| adaptive (the headline) | ${String(d.adaptive.nab_standard)} / ${String(d.adaptive.nab_low_fp)} / ${String(d.adaptive.nab_low_fn)} | ${String(f.nab_standard)} / ${String(f.nab_low_fp)} / ${String(f.nab_low_fn)} |
| seasonal baseline (the earlier headline) | ${String(d.seasonal_baseline.nab_standard)} / ${String(d.seasonal_baseline.nab_low_fp)} / ${String(d.seasonal_baseline.nab_low_fn)} | ${String(b.nab_standard)} / ${String(b.nab_low_fp)} / ${String(b.nab_low_fn)} |

${
  d.seasonal_baseline.nab_standard < 5
    ? `On the real series the seasonal baseline's false alarms cost more than its finds at every
threshold, so NAB's sweep keeps almost nothing: real series have heavy tails, which is what
judging each deviation against the series' own earlier ones is for.`
    : ''
}${
        f.nab_standard < b.nab_standard
          ? ` On NAB's artificial series the baseline scores higher; decision 0024 says where.`
          : ''
      }
`
    : '';
  return `The NAB v1.1 score (probation, scaled sigmoid, one threshold per profile swept over all
${String(f.files)} series, normalised between the null detector and a perfect one), ${String(f.windows)} label windows.

**The headline detector** (\`adaptiveScores\` in \`scripts/eval/streaming-detector.ts\`) predicts
each value three ways: by the value before it, by the mean of the same time on up to 7 earlier
days, and by the value before it plus the step those days took at this time (a daily pattern on a
wandering level). It judges the value by whichever model has been predicting that series better.
With the step model it also measures the distance from a slow running level (a drift) and runs
of identical values (a stuck sensor). Each deviation is scored against the series' own earlier
deviations (0.5 at their 0.999 quantile; before 1,000 have been seen, at least 3 times their 0.9
quantile, as for an exponential tail), so one threshold fits series with light and heavy tails.
A persistent departure from the same time on earlier days (a shift or a drift that no single row
shows) is scored the same way against its own history, and so is how the last 52 values are
spread: their histogram's relative entropy from the nearest regime seen so far, over the range
seen so far (a held value, a noisier spell, a meter that no longer comes to rest; decision 0028).
A score no higher than one in the 200 rows before it is halved: the event has been reported.
Its constants were chosen on the development set below and the first 20 water meters, never on
NAB's labels (decisions 0023, 0024, 0027 and 0028). The same code
(\`runtime/anomaly/adaptive-scorer.ts\`) runs in the gateway as the \`unusual_value\` alarm.

**The seasonal baseline** (the earlier headline) scores each value by how far it is, in standard
deviations, from the mean of the values at the same time on the previous 7 days.

| profile | adaptive (headline) | seasonal baseline | Numenta HTM on the complete NAB (NAB scoreboard) |
|---|---|---|---|
| standard | ${String(f.nab_standard)} | ${String(b.nab_standard)} | 69.7–70.5 |
| reward low FP | ${String(f.nab_low_fp)} | ${String(b.nab_low_fp)} | 61.7–62.6 |
| reward low FN | ${String(f.nab_low_fn)} | ${String(b.nab_low_fn)} | 74.2–75.2 |

${devTable}
${yardstickSection(f.yardsticks, f, d)}
${f.injected_water_set ? waterSection(f.injected_water_set) : ''}
On ../shared/data the NAB figures are NAB's 11 artificial series only; the target (standard ≥ 70)
is for the complete corpus, which this evaluator scores the same way with \`--data DIR\`. Six
windows on synthetic waves say little about 47 real series. The development set is the better
guide to how detectors rank, but its figures are not on NAB's scale (the yardsticks above), so
reaching 70 on the complete corpus is not shown here.
`;
}
