import { join } from 'node:path';
import { loadConfig } from '../config/load-config.js';
import { DeviceCatalogue } from '../devices/catalogue.js';
import { STORE_FILE } from '../gateway/gateway.js';
import { silentLog } from '../log/logger.js';
import { calibrateModel, CalibrateError } from '../models/calibrate.js';
import { chooseBackend } from '../models/tf-backend.js';
import { DocumentError } from '../shared/document.js';
import { SystemClock } from '../clock/system-clock.js';
import { Store } from '../store/store.js';
import { EXIT } from './exit-codes.js';
import { ProgressBar } from './progress-bar.js';

export interface CalibrateOptions {
  config: string;
  model: string;
  days: string;
  epochs: string;
  seed: string;
}

type Out = (line: string) => void;

/** `edge-gw calibrate`: train a model's detector on this gateway's own recent windows. */
export async function calibrateCommand(o: CalibrateOptions, out: Out, err: Out): Promise<number> {
  const days = Number(o.days);
  const epochs = Number(o.epochs);
  const seed = Number(o.seed);
  if (!(days > 0 && days <= 365)) {
    err(`--days ${o.days}: allowed a number of days from 1 to 365`);
    return EXIT.usage;
  }
  if (!(Number.isInteger(epochs) && epochs >= 1 && epochs <= 1000)) {
    err(`--epochs ${o.epochs}: allowed a whole number from 1 to 1000`);
    return EXIT.usage;
  }
  if (!(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32)) {
    err(`--seed ${o.seed}: allowed a whole number from 0 to 4294967295`);
    return EXIT.usage;
  }
  let config;
  try {
    config = loadConfig(o.config, { catalogue: DeviceCatalogue.load() });
  } catch (e) {
    if (e instanceof DocumentError) {
      err(e.message);
      return EXIT.failed;
    }
    throw e;
  }
  const clock = new SystemClock({ evidence: 'trust-os' });
  const store = new Store({
    file: join(config.gateway.dataDir, STORE_FILE),
    clock,
    log: silentLog(),
  });
  try {
    await store.start();
  } catch (e) {
    err(
      `cannot open the store: ${(e as Error).message} (calibrate reads it while the gateway is stopped)`,
    );
    return EXIT.failed;
  }
  try {
    const { tf, backend } = await chooseBackend();
    const bar = new ProgressBar('calibrating', epochs);
    const r = await calibrateModel({
      config,
      modelName: o.model,
      store,
      tf,
      backend,
      nowMs: clock.wallMs(),
      days,
      epochs,
      seed,
      command: `edge-gw calibrate -c ${o.config} --model ${o.model} --days ${o.days} --epochs ${o.epochs} --seed ${o.seed}`,
      onEpoch: (e, loss) => bar.update(e, `loss ${loss.toFixed(4)}`),
    });
    bar.done();
    out(
      `${o.model}: trained on ${r.windows} inputs (${r.card.training.rows} windows of ${r.card.input.features.join(', ')}) in ${r.seconds.toFixed(1)} s on ${backend}; threshold ${r.card.thresholds.score?.toPrecision(3)}; bundle written to ${r.dir}`,
    );
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CalibrateError) {
      err(`${o.model}: ${e.message}`);
      return EXIT.failed;
    }
    throw e;
  } finally {
    await store.stop();
  }
}
