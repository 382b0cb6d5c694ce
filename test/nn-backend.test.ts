/**
 * The backend choice, and the wasm training kernels checked against the
 * plain JavaScript `cpu` backend, which implements each kernel directly
 * (and, for the filter gradient, is the only reference there is).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BackendError, selectBackend } from '../src/nn/backend.js';
import type { BackendRequest } from '../src/nn/backend.js';
import { lenet5 } from '../src/nn/models.js';
import {
  registerWasmTrainingKernels,
  WASM_TRAINING_KERNELS,
} from '../src/nn/wasm/kernels.js';

/** Deterministic values in [-1, 1) (a 32-bit LCG), so failures repeat. */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** A kernel's inputs as shapes, each filled from its own seed. */
type Shapes = Record<string, number[]>;

/** Runs `kernel` on `backend` with seeded inputs; returns its output. */
async function runOn(
  backend: 'cpu' | 'wasm',
  kernel: string,
  shapes: Shapes,
  attrs: tf.NamedAttrMap,
): Promise<{ shape: number[]; data: Float32Array }> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const inputs: tf.NamedTensorMap = {};
    Object.entries(shapes).forEach(([name, shape], k) => {
      const size = shape.reduce((a, b) => a * b, 1);
      inputs[name] = tf.tensor(values(size, 17 + 31 * k), shape);
    });
    const out = tf.engine().runKernel(kernel, inputs, attrs) as tf.Tensor;
    return { shape: out.shape, data: out.dataSync() as Float32Array };
  });
}

/** Largest |a - b| / (1 + |b|): absolute near 0, relative for big values. */
function maxError(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < b.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  }
  return worst;
}

/** Checks that wasm computes what cpu computes, to 1e-4. */
async function expectSameOnWasm(
  kernel: string,
  shapes: Shapes,
  attrs: tf.NamedAttrMap,
): Promise<void> {
  const cpu = await runOn('cpu', kernel, shapes, attrs);
  const wasm = await runOn('wasm', kernel, shapes, attrs);
  expect(wasm.shape).toEqual(cpu.shape);
  expect(maxError(wasm.data, cpu.data)).toBeLessThan(1e-4);

  // A kernel that returned zeros would match an all-zero reference only.
  expect(cpu.data.some((v) => Math.abs(v) > 1e-3)).toBe(true);
}

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('selectBackend', () => {
  it('starts wasm with SIMD and names the kernels it registered', async () => {
    const choice = await selectBackend('wasm');
    expect(choice.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(choice.notes).toContain('wasm: SIMD, 1 thread');
  });

  it('starts cpu without printing its tfjs-node banner', async () => {
    const warnings: unknown[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => warnings.push(args);
    try {
      const choice = await selectBackend('cpu');
      tf.tensor([1, 2]).dispose();
      expect(choice.name).toBe('cpu');
      expect(choice.notes[0]).toMatch(/^cpu: plain JavaScript backend/);
    } finally {
      console.warn = warn;
    }
    expect(warnings).toEqual([]);
    await selectBackend('wasm');
  });

  it('takes tfjs-node if installed, else falls back to wasm', async () => {
    const nodePackage = '@tensorflow/tfjs-node';
    const hasNode = await import(nodePackage).then(
      () => true,
      () => false,
    );
    const choice = await selectBackend('auto');
    if (hasNode) {
      expect(choice.name).toBe('tensorflow');
    } else {
      expect(choice.name).toBe('wasm');
      expect(choice.notes[0]).toMatch(/^@tensorflow\/tfjs-node is not installed \(/);
      const error = await selectBackend('node').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackendError);
      expect((error as BackendError).exitCode).toBe(1);
      const message = (error as Error).message;
      expect(message).toMatch(
        /^backend node is not available: @tensorflow\/tfjs-node is not/,
      );
      expect(message).toMatch(/; install @tensorflow\/tfjs-node or choose wasm$/);
    }
    await selectBackend('wasm');
  });

  it('rejects an unknown backend with exit code 2', async () => {
    const error = await selectBackend('gpu' as BackendRequest).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).exitCode).toBe(2);
    expect((error as Error).message).toBe(
      'backend must be one of auto, node, wasm, cpu, not gpu',
    );
  });
});

describe('wasm training kernels', () => {
  it('registers each kernel once, keeping the replaced ones', () => {
    expect(registerWasmTrainingKernels()).toEqual([]);
    for (const name of WASM_TRAINING_KERNELS) {
      expect(tf.getKernel(name, 'wasm')).toBeDefined();
    }
  });

  // [input NHWC, filter HWIO, strides, pad]: LeNet-5's two convolutions,
  // VGG's 3x3 'same', AlexNet's 11x11 stride 4 on a padded 67x67 image, and
  // strided cases where 'valid' leaves rows unused or 'same' pads unevenly.
  const convolutions: [number[], number[], number, 'same' | 'valid'][] = [
    [[3, 28, 28, 1], [5, 5, 1, 6], 1, 'same'],
    [[3, 14, 14, 6], [5, 5, 6, 16], 1, 'valid'],
    [[2, 8, 8, 5], [3, 3, 5, 7], 1, 'same'],
    [[2, 71, 71, 3], [11, 11, 3, 4], 4, 'valid'],
    [[2, 15, 15, 4], [5, 5, 4, 3], 2, 'valid'],
    [[2, 9, 10, 3], [3, 3, 3, 2], 2, 'same'],
    [[2, 7, 7, 3], [4, 4, 3, 2], 1, 'same'],
  ];

  it.each(convolutions)(
    'Conv2DBackpropFilter of x %j, filter %j, stride %i, %s',
    async (x, filter, strides, pad) => {
      const dyShape = tf.backend_util.computeConv2DInfo(
        x as [number, number, number, number],
        filter as [number, number, number, number],
        strides,
        1,
        pad,
      ).outShape;
      await expectSameOnWasm(
        'Conv2DBackpropFilter',
        { x, dy: dyShape },
        { strides, pad, dataFormat: 'NHWC', filterShape: filter },
      );
    },
  );

  it.each(convolutions)(
    'Conv2DBackpropInput of x %j, filter %j, stride %i, %s',
    async (x, filter, strides, pad) => {
      const dyShape = tf.backend_util.computeConv2DInfo(
        x as [number, number, number, number],
        filter as [number, number, number, number],
        strides,
        1,
        pad,
      ).outShape;
      await expectSameOnWasm(
        'Conv2DBackpropInput',
        { dy: dyShape, filter },
        { strides, pad, dataFormat: 'NHWC', inputShape: x },
      );
    },
  );

  // [input, window, stride, pad]: tiling windows on even and odd sizes
  // (rows left out by 'valid'), then overlapping and padded ones, which
  // keep the backend's own kernel.
  const pools: [number[], number, number, 'same' | 'valid'][] = [
    [[3, 28, 28, 6], 2, 2, 'valid'],
    [[2, 7, 9, 3], 2, 2, 'valid'],
    [[2, 9, 9, 3], 3, 3, 'valid'],
    [[2, 9, 9, 3], 3, 2, 'valid'],
    [[2, 7, 7, 3], 2, 2, 'same'],
  ];

  it.each(pools)(
    'AvgPoolGrad of x %j, window %i, stride %i, %s',
    async (x, filterSize, strides, pad) => {
      const dyShape = tf.backend_util.computePool2DInfo(
        x as [number, number, number, number],
        filterSize,
        strides,
        1,
        pad,
      ).outShape;
      await expectSameOnWasm(
        'AvgPoolGrad',
        { dy: dyShape, input: x },
        { filterSize, strides, pad },
      );
    },
  );

  /** MaxPoolGrad on `backend`; `ties` rounds x to -1, 0 or 1. */
  async function maxPoolGradOn(
    backend: 'cpu' | 'wasm',
    x: number[],
    filterSize: number,
    strides: number,
    pad: 'same' | 'valid',
    ties: boolean,
  ): Promise<Float32Array> {
    await tf.setBackend(backend);
    return tf.tidy(() => {
      const size = x.reduce((a, b) => a * b, 1);
      let input = tf.tensor(values(size, 23), x);
      if (ties) input = tf.round(input);
      const output = tf.maxPool(input as tf.Tensor4D, filterSize, strides, pad);
      const dy = tf.tensor(values(output.size, 29), output.shape);
      const attrs = { filterSize, strides, pad };
      const dx = tf
        .engine()
        .runKernel('MaxPoolGrad', { dy, input, output }, attrs) as tf.Tensor;
      return dx.dataSync() as Float32Array;
    });
  }

  it.each(
    pools.flatMap((pool) => [
      [...pool, false],
      [...pool, true],
    ]),
  )(
    'MaxPoolGrad of x %j, window %i, stride %i, %s, ties %s',
    async (x, filterSize, strides, pad, ties) => {
      const args = [x, filterSize, strides, pad, ties] as const;
      const cpu = await maxPoolGradOn('cpu', ...args);
      const wasm = await maxPoolGradOn('wasm', ...args);
      expect(maxError(wasm, cpu)).toBeLessThan(1e-6);
      expect(cpu.some((v) => v !== 0)).toBe(true);
    },
  );

  it("MaxPoolGrad gives each window's dy to its first maximum", async () => {
    // x (one 2x4 image) holds two 2x2 windows: [3 1 / 0 3] has its maximum
    // twice, and the first in row-major order takes dy; [2 5 / 5 1] too.
    await tf.setBackend('wasm');
    const input = tf.tensor4d([3, 1, 2, 5, 0, 3, 5, 1], [1, 2, 4, 1]);
    const output = tf.maxPool(input, 2, 2, 'valid');
    const dy = tf.tensor4d([10, 20], [1, 1, 2, 1]);
    const dx = tf
      .engine()
      .runKernel(
        'MaxPoolGrad',
        { dy, input, output },
        { filterSize: 2, strides: 2, pad: 'valid' },
      ) as tf.Tensor;
    expect(Array.from(dx.dataSync())).toEqual([10, 0, 0, 20, 0, 0, 0, 0]);
    tf.dispose([input, output, dy, dx]);
  });

  // [a, b, transposeA, transposeB]: dense-layer gradients and batches.
  const products: [number[], number[], boolean, boolean][] = [
    [[1, 8, 40], [1, 40, 12], false, false],
    [[1, 8, 12], [1, 40, 12], false, true],
    [[1, 8, 40], [1, 8, 12], true, false],
    [[1, 40, 8], [1, 12, 40], true, true],
    [[3, 5, 6], [3, 7, 6], false, true],
    [[3, 6, 5], [1, 6, 7], true, false],
  ];

  it.each(products)(
    'BatchMatMul of %j and %j, transposeA %s, transposeB %s',
    async (a, b, transposeA, transposeB) => {
      await expectSameOnWasm('BatchMatMul', { a, b }, { transposeA, transposeB });
    },
  );

  it('rejects NCHW data with the format it got', async () => {
    await tf.setBackend('wasm');
    const run = (): unknown =>
      tf.engine().runKernel(
        'Conv2DBackpropFilter',
        { x: tf.ones([1, 1, 4, 4]), dy: tf.ones([1, 1, 4, 4]) },
        {
          strides: 1,
          pad: 'same',
          dataFormat: 'NCHW',
          filterShape: [1, 1, 1, 1],
        },
      );
    expect(run).toThrow('Conv2DBackpropFilter on wasm needs dataFormat NHWC, not NCHW');
  });
});

describe('a LeNet-5 training step', () => {
  /** One SGD step from fixed weights; returns the loss and new weights. */
  async function step(
    backend: 'cpu' | 'wasm',
    pool: 'avg' | 'max',
    start: Float32Array[],
  ): Promise<{ loss: number; weights: Float32Array[] }> {
    await tf.setBackend(backend);
    const model = lenet5(undefined, { pool });
    model.setWeights(model.getWeights().map((w, k) => tf.tensor(start[k], w.shape)));
    const x = tf.tensor4d(values(8 * 28 * 28, 5), [8, 28, 28, 1]);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), 10);
    const optimizer = tf.train.sgd(0.5);
    const cost = optimizer.minimize(
      () => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor),
      true,
    ) as tf.Scalar;
    const result = {
      loss: cost.dataSync()[0],
      weights: model.getWeights().map((w) => w.dataSync() as Float32Array),
    };
    tf.dispose([x, y, cost]);
    optimizer.dispose();
    model.dispose();
    return result;
  }

  it.each(['avg', 'max'] as const)(
    'with %s pooling updates the weights on wasm as on cpu',
    async (pool) => {
      await tf.setBackend('cpu');
      const init = lenet5(undefined, { pool });
      const start = init.getWeights().map((w) => w.dataSync().slice() as Float32Array);
      init.dispose();
      const cpu = await step('cpu', pool, start);
      const wasm = await step('wasm', pool, start);
      expect(Math.abs(wasm.loss - cpu.loss)).toBeLessThan(1e-4);
      cpu.weights.forEach((after, k) => {
        const delta = (w: Float32Array): Float32Array => w.map((v, i) => v - start[k][i]);
        const error = maxError(delta(wasm.weights[k]), delta(after));
        expect(error).toBeLessThan(1e-4);

        // Every weight tensor moved, so no gradient was silently zero.
        expect(delta(after).some((v) => Math.abs(v) > 1e-6)).toBe(true);
      });
      await tf.setBackend('wasm');
    },
  );
});
