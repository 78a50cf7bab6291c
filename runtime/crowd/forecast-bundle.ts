import { BundleError, readBundleFiles, saveFileBundle } from '../models/model-bundle.js';
import type { ModelCard } from '../models/model-card.js';
import {
  FORECAST_FEATURES,
  forecastParamsCheck,
  type ForecastParams,
} from './forecast-correction.js';

export const FORECAST_KIND = 'count-forecast';
const PARAMS = 'forecast.json';

/**
 * A crowding-forecast bundle: `card.json` and `forecast.json` (the learned correction's prior),
 * checked against the card's digests like every model bundle. It has no tfjs model: the
 * correction is a linear model solved in microseconds on the main thread (decision 0014).
 */
export function loadForecastBundle(dir: string): { card: ModelCard; params: ForecastParams } {
  const { card, contents, problems } = readBundleFiles(dir);
  if (card.kind !== FORECAST_KIND)
    problems.push(`kind is "${card.kind}"; a crowding forecast needs "${FORECAST_KIND}"`);
  const data = contents.get(PARAMS);
  if (!(PARAMS in card.files)) problems.push(`the card lists no ${PARAMS}`);
  if (problems.length > 0 || !data) throw new BundleError(dir, problems);
  let raw: unknown;
  try {
    raw = JSON.parse(data.toString('utf8'));
  } catch (err) {
    throw new BundleError(dir, [`${PARAMS} is not JSON: ${(err as Error).message}`]);
  }
  if (!forecastParamsCheck.Check(raw)) {
    const e = forecastParamsCheck.Errors(raw).First();
    throw new BundleError(dir, [`${PARAMS}${e?.path ?? ''}: ${e?.message ?? 'invalid'}`]);
  }
  const params = raw;
  if (params.features.join() !== FORECAST_FEATURES.join())
    throw new BundleError(dir, [
      `${PARAMS} was trained on features ${params.features.join(', ')}; this runtime computes ${FORECAST_FEATURES.join(', ')}`,
    ]);
  const n = FORECAST_FEATURES.length;
  for (const [h, s] of Object.entries(params.horizons))
    if (s.moment.length !== n || s.gram.length !== n || s.gram.some((r) => r.length !== n))
      throw new BundleError(dir, [
        `${PARAMS}/horizons/${h}: statistics are not ${String(n)} × ${String(n)}`,
      ]);
  return { card, params };
}

export function saveForecastBundle(
  dir: string,
  params: ForecastParams,
  card: Omit<ModelCard, 'files' | 'kind'>,
): ModelCard {
  return saveFileBundle(
    dir,
    { [PARAMS]: Buffer.from(`${JSON.stringify(params)}\n`) },
    { ...card, kind: FORECAST_KIND },
  );
}
