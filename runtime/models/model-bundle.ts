import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type * as tfTypes from '@tensorflow/tfjs';
import { ModelCardSchema, type ModelCard } from './model-card.js';
import type { Tf } from './tf-backend.js';

const cardCheck = TypeCompiler.Compile(ModelCardSchema);
const MODEL = 'model.json';
const WEIGHTS = 'weights.bin';
const CARD = 'card.json';

/** A bundle that must not run, with every reason. */
export class BundleError extends Error {
  constructor(
    readonly dir: string,
    readonly problems: string[],
  ) {
    super(`model bundle ${dir} refused: ${problems.join('; ')}`);
  }
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** Writes a file whole or not at all: a bundle half-written by a power cut must not load. */
function writeAtomic(file: string, data: string | Buffer): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

interface ModelJson {
  modelTopology: unknown;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightsManifest: { paths: string[]; weights: tfTypes.io.WeightsManifestEntry[] }[];
}

/**
 * Writes a bundle's files, then its card with their digests (the card last, so a bundle cut off
 * half-way has a card that does not match, and is refused).
 */
export function saveFileBundle(
  dir: string,
  files: Record<string, Buffer>,
  card: Omit<ModelCard, 'files'>,
): ModelCard {
  mkdirSync(dir, { recursive: true });
  const digests: Record<string, string> = {};
  for (const [name, data] of Object.entries(files)) {
    writeAtomic(join(dir, name), data);
    digests[name] = sha256(data);
  }
  const saved = { ...card, files: digests };
  writeAtomic(join(dir, CARD), `${JSON.stringify(saved, null, 2)}\n`);
  return saved;
}

/**
 * Saves a layers model as `model.json` + `weights.bin` (the layout tfjs-node writes, so bundles
 * move between backends) and `card.json` with the sha256 of both. Plain tfjs has no `file://`
 * saver; this is one.
 */
export async function saveBundle(
  dir: string,
  model: tfTypes.LayersModel,
  tf: Tf,
  card: Omit<ModelCard, 'files'>,
): Promise<ModelCard> {
  let saved: ModelCard | undefined;
  await model.save(
    tf.io.withSaveHandler((artifacts) => {
      const weights = Buffer.from(
        artifacts.weightData instanceof ArrayBuffer
          ? artifacts.weightData
          : tf.io.concatenateArrayBuffers(artifacts.weightData ?? []),
      );
      const json: ModelJson = {
        modelTopology: artifacts.modelTopology,
        format: 'layers-model',
        generatedBy: artifacts.generatedBy ?? 'TensorFlow.js',
        convertedBy: null,
        weightsManifest: [{ paths: [WEIGHTS], weights: artifacts.weightSpecs ?? [] }],
      };
      saved = saveFileBundle(
        dir,
        { [WEIGHTS]: weights, [MODEL]: Buffer.from(JSON.stringify(json)) },
        card,
      );
      return Promise.resolve({
        modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' },
      });
    }),
  );
  if (!saved) throw new Error(`saving ${dir}: the model produced no artifacts`);
  return saved;
}

/**
 * Reads a bundle's card and checks every file it lists against its digest. Returns the files'
 * contents with the problems found (a card that cannot be read at all throws BundleError).
 */
export function readBundleFiles(dir: string): {
  card: ModelCard;
  contents: Map<string, Buffer>;
  problems: string[];
} {
  const problems: string[] = [];
  const cardFile = join(dir, CARD);
  if (!existsSync(cardFile)) throw new BundleError(dir, [`no ${CARD}`]);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(cardFile, 'utf8'));
  } catch (err) {
    throw new BundleError(dir, [`${CARD} is not JSON: ${(err as Error).message}`]);
  }
  if (!cardCheck.Check(raw)) {
    const e = cardCheck.Errors(raw).First();
    throw new BundleError(dir, [`${CARD}${e?.path ?? ''}: ${e?.message ?? 'invalid'}`]);
  }
  const card = raw;
  const contents = new Map<string, Buffer>();
  for (const [name, want] of Object.entries(card.files)) {
    if (basename(name) !== name) {
      problems.push(`${name}: a bundle file must sit in the bundle folder`);
      continue;
    }
    const file = join(dir, name);
    if (!existsSync(file)) {
      problems.push(`${name} is missing`);
      continue;
    }
    const data = readFileSync(file);
    const got = sha256(data);
    if (got !== want) problems.push(`${name}: sha256 ${got} does not match the card's ${want}`);
    contents.set(name, data);
  }
  return { card, contents, problems };
}

/** Reads a layers-model bundle and checks every file against its digest; throws BundleError. */
export function verifyBundle(dir: string): { card: ModelCard; model: ModelJson; weights: Buffer } {
  const { card, contents, problems } = readBundleFiles(dir);
  if (!(MODEL in card.files)) problems.push(`the card lists no ${MODEL}`);
  let model: ModelJson | undefined;
  const modelData = contents.get(MODEL);
  if (modelData && problems.length === 0) {
    model = JSON.parse(modelData.toString('utf8')) as ModelJson;
    // Every weight file the model reads must be one the card vouches for.
    for (const group of model.weightsManifest)
      for (const p of group.paths)
        if (!contents.has(p)) problems.push(`${MODEL} reads ${p}, which the card does not list`);
  }
  if (problems.length > 0 || !model) throw new BundleError(dir, problems);
  const weights = Buffer.concat(
    model.weightsManifest.flatMap((g) => g.paths.map((p) => contents.get(p) ?? Buffer.alloc(0))),
  );
  return { card, model, weights };
}

/** Verifies, then loads a bundle into a layers model on the current backend. */
export async function loadBundle(
  dir: string,
  tf: Tf,
): Promise<{ card: ModelCard; model: tfTypes.LayersModel }> {
  const { card, model, weights } = verifyBundle(dir);
  const layers = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: model.modelTopology as tfTypes.io.ModelArtifacts['modelTopology'],
      weightSpecs: model.weightsManifest.flatMap((g) => g.weights),
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.length),
    }),
  );
  return { card, model: layers };
}
