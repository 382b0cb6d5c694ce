/**
 * Training kernels for the TensorFlow.js `wasm` backend (4.22).
 *
 * The backend has no `Conv2DBackpropFilter`, so no network with a
 * convolution trains on it; its `MaxPoolGrad` is wrong (see `maxPoolGrad`
 * below); and three more gradient kernels are slow: `Conv2DBackpropInput`
 * and `AvgPoolGrad` are plain loops outside XNNPACK, and `BatchMatMul` with
 * a transposed operand takes a path several times slower than without. This
 * module registers all five, built from the backend's own fast kernels
 * (XNNPACK convolutions, matrix products, transposes), composing kernel
 * functions directly, so no tensor bookkeeping or gradient tape is
 * involved. Cases a formulation does not cover go to the backend's own
 * kernel, or for max pooling with overlapping windows, to the cpu
 * backend's.
 *
 * Every other kernel that a training step of LeNet-5, VGG-16 or AlexNet
 * needs (forward ops, batch norm, LRN, softmax, optimizer arithmetic) is on
 * wasm and agrees with cpu; `test/nn-models.test.ts` trains each network one
 * step on both to keep that true.
 */
import * as tf from '@tensorflow/tfjs';
import { native, type KernelFunc } from './compose.js';
import { conv2DBackpropFilter, conv2DBackpropInput } from './conv.js';
import { batchMatMul } from './matmul.js';
import { avgPoolGrad, maxPoolGrad } from './pool.js';

/** Kernels this module adds to, or replaces on, the wasm backend. */
export const WASM_TRAINING_KERNELS = [
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'AvgPoolGrad',
  'MaxPoolGrad',
  'BatchMatMul',
] as const;

/** Name of one kernel in {@link WASM_TRAINING_KERNELS}. */
export type WasmTrainingKernel = (typeof WASM_TRAINING_KERNELS)[number];

/** Marks the kernel configs this module registered, for idempotence. */
const OURS = Symbol('af-wasm-training-kernel');

const IMPLEMENTATIONS: Record<WasmTrainingKernel, KernelFunc> = {
  Conv2DBackpropFilter: conv2DBackpropFilter,
  Conv2DBackpropInput: conv2DBackpropInput,
  AvgPoolGrad: avgPoolGrad,
  MaxPoolGrad: maxPoolGrad,
  BatchMatMul: batchMatMul,
};

/**
 * Registers the training kernels on the wasm backend (see the module doc),
 * keeping the backend's own kernels that they replace for the cases they
 * forward to. Needs `@tensorflow/tfjs-backend-wasm` imported first; calling
 * it again changes nothing. Returns the names of the kernels it registered
 * on this call.
 *
 * ```ts
 * import '@tensorflow/tfjs-backend-wasm';
 * registerWasmTrainingKernels();
 * await tf.setBackend('wasm');
 * ```
 */
export function registerWasmTrainingKernels(): WasmTrainingKernel[] {
  const registered: WasmTrainingKernel[] = [];
  for (const name of WASM_TRAINING_KERNELS) {
    const existing = tf.getKernel(name, 'wasm') as
      (tf.KernelConfig & { [OURS]?: true }) | undefined;
    if (existing?.[OURS]) {
      continue;
    }
    if (existing === undefined && name !== 'Conv2DBackpropFilter') {
      throw new Error(
        `wasm kernel ${name} is missing; ` + 'import @tensorflow/tfjs-backend-wasm first',
      );
    }
    if (existing !== undefined) {
      native.set(name, existing.kernelFunc);
      tf.unregisterKernel(name, 'wasm');
    }
    const config = {
      kernelName: name,
      backendName: 'wasm',
      kernelFunc: IMPLEMENTATIONS[name],
      setupFunc: existing?.setupFunc,
      [OURS]: true as const,
    };
    tf.registerKernel(config);
    registered.push(name);
  }
  return registered;
}
