import type * as tfTypes from '@tensorflow/tfjs';
import type { Tf } from './tf-backend.js';

/**
 * The gradient of a 2-D convolution with respect to its filter, for backends that have none
 * (the wasm backend registers no `Conv2DBackpropFilter`, so no conv layer can train on it; the
 * cpu backend's is a naive loop). It is itself one forward convolution: with the batch and
 * channel axes of the input swapped, and the output gradient as the filter, dilated by the
 * stride (../shared/research/deps.md, "TensorFlow.js backends"):
 *
 *   dW[i, j, c, k] = Σ_b Σ_p Σ_q x[b, p·s + i − pt, q·s + j − pl, c] · dy[b, p, q, k]
 *
 * Registered for `wasm` and `cpu` only: tfjs-node has a real kernel, never replace it.
 */
export function registerConvFilterGradient(tf: Tf, backendName: 'wasm' | 'cpu'): void {
  const existing = tf.getKernel('Conv2DBackpropFilter', backendName);
  if (existing && backendName !== 'cpu') return;
  if (existing) tf.unregisterKernel('Conv2DBackpropFilter', backendName);
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const engine = tf.engine();
      const xInfo = inputs.x as tfTypes.TensorInfo;
      const dyInfo = inputs.dy as tfTypes.TensorInfo;
      const a = attrs as unknown as {
        strides: number | [number, number];
        pad: 'same' | 'valid' | number;
        dataFormat: 'NHWC' | 'NCHW';
        filterShape: [number, number, number, number];
      };
      if (a.dataFormat !== 'NHWC')
        throw new Error('Conv2DBackpropFilter: only NHWC is implemented here');
      const [fh, fw] = a.filterShape;
      const [sh, sw] = typeof a.strides === 'number' ? [a.strides, a.strides] : a.strides;
      // Tensors over the inputs' data, for the ops below. Each holds a reference of its own, or
      // disposing it would free data the engine still owns.
      const refs = backend as { incRef(dataId: unknown): void };
      refs.incRef(xInfo.dataId);
      refs.incRef(dyInfo.dataId);
      const result = tf.tidy(() => {
        const x = engine.makeTensorFromTensorInfo(xInfo) as tfTypes.Tensor4D;
        const dy = engine.makeTensorFromTensorInfo(dyInfo) as tfTypes.Tensor4D;
        const [, h, w] = x.shape;
        const [, oh, ow] = dy.shape;
        const [pt, pl] = padBefore(a.pad, h, w, oh, ow, fh, fw, sh, sw);
        // Pad so that every filter offset (0 … f − 1) has its window: the output then has at
        // least f rows and columns, and the first f are the gradient.
        const pb = Math.max(0, (oh - 1) * sh + fh - h - pt);
        const pr = Math.max(0, (ow - 1) * sw + fw - w - pl);
        const xs = tf.transpose(
          tf.pad(x, [
            [0, 0],
            [pt, pb],
            [pl, pr],
            [0, 0],
          ]),
          [3, 1, 2, 0],
        );
        const ks = tf.transpose(dy, [1, 2, 0, 3]);
        const out = tf.conv2d(xs, ks, 1, 'valid', 'NHWC', [sh, sw]);
        return tf.transpose(tf.slice(out, [0, 0, 0, 0], [-1, fh, fw, -1]), [1, 2, 0, 3]);
      });
      // The engine wraps the returned data as the kernel's output without taking a reference
      // of its own: take one for it before our tensor lets go of the data.
      refs.incRef(result.dataId);
      const info = { dataId: result.dataId, shape: result.shape, dtype: result.dtype };
      result.dispose();
      return info;
    },
  });
}

/** The padding before the first row and column, as the forward convolution used it. */
function padBefore(
  pad: 'same' | 'valid' | number,
  h: number,
  w: number,
  oh: number,
  ow: number,
  fh: number,
  fw: number,
  sh: number,
  sw: number,
): [number, number] {
  if (pad === 'valid') return [0, 0];
  if (typeof pad === 'number') return [pad, pad];
  const total = (size: number, out: number, f: number, s: number): number =>
    Math.max(0, (out - 1) * s + f - size);
  return [Math.floor(total(h, oh, fh, sh) / 2), Math.floor(total(w, ow, fw, sw) / 2)];
}
