import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export type Tf = typeof tf;
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendChoice {
  tf: Tf;
  backend: BackendName;
  /** Why a faster backend was not taken, for the log and the status page. */
  skipped: { backend: BackendName; reason: string }[];
}

const require = createRequire(import.meta.url);

/**
 * TensorFlow.js on the best backend this machine has: tfjs-node (libtensorflow) when it is
 * installed (an optional dependency: its install downloads libtensorflow and fails offline),
 * else WebAssembly (its .wasm files ship in the npm package; the right default on the box:
 * fastest at batch 1 and the least memory), else plain JavaScript. `only` restricts the order
 * (tests, benchmarks). The choice is process-wide, as tfjs's is.
 */
export async function chooseBackend(
  only: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'],
): Promise<BackendChoice> {
  const skipped: BackendChoice['skipped'] = [];
  for (const backend of only) {
    try {
      if (backend === 'tensorflow') {
        // A dynamic import of a package that may be absent: a string the bundler cannot see.
        const name = '@tensorflow/tfjs-node';
        await import(name);
      }
      if (backend === 'wasm') {
        const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
        setWasmPaths(`${join(dirname(pkg), 'dist')}/`);
      }
      if (await tf.setBackend(backend)) {
        await tf.ready();
        return { tf, backend, skipped };
      }
      skipped.push({ backend, reason: 'tfjs could not initialise it' });
    } catch (err) {
      skipped.push({ backend, reason: (err as Error).message.split('\n')[0] ?? 'failed' });
    }
  }
  throw new Error(
    `no TensorFlow.js backend works here: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`,
  );
}
