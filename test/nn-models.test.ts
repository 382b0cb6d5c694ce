/**
 * The network builders: layer structure against the published
 * architectures, parameter counts worked out by hand, option errors, and
 * one training step of narrow VGG-16 and AlexNet on wasm against cpu.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/nn/backend.js';
import {
  alexnet,
  buildModel,
  exactActivation,
  lenet5,
  vgg16bn,
} from '../src/nn/models.js';
import type { ActivationFactory, BuildOptions, ModelName } from '../src/nn/models.js';

/** An exact tanh factory that remembers the layers and names it made. */
function recording(): {
  act: ActivationFactory;
  made: tf.layers.Layer[];
  names: string[];
} {
  const made: tf.layers.Layer[] = [];
  const names: string[] = [];
  const act: ActivationFactory = (name) => {
    const layer = tf.layers.activation({ activation: 'tanh', name });
    made.push(layer);
    names.push(name);
    return layer;
  };
  return { act, made, names };
}

/** Class names of a model's layers, in order. */
function classes(model: tf.LayersModel): string[] {
  return model.layers.map((l) => l.getClassName());
}

/**
 * Checks that every convolution and every dense layer but the last is
 * followed (after its batch normalisation, if any) by a layer from the
 * factory, and that the factory made no other layers.
 */
function expectActivationAfterEach(model: tf.LayersModel, made: tf.layers.Layer[]): void {
  const layers = model.layers;
  const lastDense = layers.map((l) => l.getClassName()).lastIndexOf('Dense');
  let expected = 0;
  layers.forEach((layer, i) => {
    const kind = layer.getClassName();
    if (kind !== 'Conv2D' && !(kind === 'Dense' && i !== lastDense)) return;
    let next = i + 1;
    if (layers[next].getClassName() === 'BatchNormalization') next += 1;
    expect(made).toContain(layers[next]);
    expected += 1;
  });
  expect(made).toHaveLength(expected);
}

/** Deterministic values in [-1, 1), as in nn-backend.test.ts. */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

beforeAll(async () => {
  // Through selectBackend, so that cpu does not print its banner later.
  await selectBackend('cpu');
  await selectBackend('wasm');
});

describe('lenet5', () => {
  it('has the classic layers, 61,706 parameters and 28x28 after conv1', () => {
    const { act, made, names } = recording();
    const model = lenet5(act);
    expect(classes(model)).toEqual([
      'Conv2D',
      'Activation',
      'AveragePooling2D',
      'Conv2D',
      'Activation',
      'AveragePooling2D',
      'Flatten',
      'Dense',
      'Activation',
      'Dense',
      'Activation',
      'Dense',
    ]);
    expectActivationAfterEach(model, made);
    expect(names).toEqual(['conv1_act', 'conv2_act', 'fc1_act', 'fc2_act']);
    expect(model.getLayer('conv1').outputShape).toEqual([null, 28, 28, 6]);
    expect(model.getLayer('conv2').outputShape).toEqual([null, 10, 10, 16]);
    expect(model.outputShape).toEqual([null, 10]);

    // 6*(25+1) + 16*(6*25+1) + (400*120+120) + (120*84+84) + (84*10+10).
    expect(model.countParams()).toBe(156 + 2416 + 48120 + 10164 + 850);
    const last = model.layers[model.layers.length - 1];
    expect(last.getConfig().activation).toBe('softmax');
    model.dispose();
  });

  it('defaults to tanh and can pool by maximum', () => {
    const model = lenet5(undefined, { pool: 'max', classes: 5 });
    expect(model.getLayer('conv1_act').getConfig().activation).toBe('tanh');
    expect(classes(model).filter((c) => c === 'MaxPooling2D')).toHaveLength(2);
    expect(model.outputShape).toEqual([null, 5]);
    model.dispose();
  });
});

describe('the first convolution', () => {
  it.each([
    ['lenet5', {}, [2, 28, 28, 1]],
    ['alexnet', { width: 0.0625, inputShape: [67, 67, 3], classes: 10 }, [2, 71, 71, 3]],
  ] as const)(
    'of %s trains with the gradients of its fused path',
    (name, options, shape) => {
      const model = buildModel(name, undefined, { ...options, seed: 3 } as BuildOptions);
      const conv1 = model.layers.find((l) => l.name === 'conv1')!;
      const x = tf.randomNormal([...shape], 0, 1, 'float32', 5);
      const r = tf.randomNormal(conv1.apply(x).shape as number[], 0, 1, 'float32', 6);
      const loss = (training: boolean) => () =>
        tf.sum(tf.mul(conv1.apply(x, { training }) as tf.Tensor, r)) as tf.Scalar;
      const weights = conv1.trainableWeights.map((w) => w.read() as tf.Variable);
      const split = tf.variableGrads(loss(true), weights).grads;
      const fused = tf.variableGrads(loss(false), weights).grads;
      for (const w of weights) {
        const a = split[w.name].dataSync();
        const b = fused[w.name].dataSync();
        const scale = Math.max(...Array.from(b, Math.abs));
        expect(scale).toBeGreaterThan(0);
        a.forEach((v, k) => expect(Math.abs(v - b[k]) / scale).toBeLessThan(1e-5));
      }
    },
  );
});

describe('vgg16bn', () => {
  it('has 13 convolutions with batch norm, 5 pools, 3 dense layers', () => {
    const { act, made } = recording();
    const model = vgg16bn(act);
    const kinds = classes(model);
    expect(kinds.filter((c) => c === 'Conv2D')).toHaveLength(13);
    expect(kinds.filter((c) => c === 'BatchNormalization')).toHaveLength(13);
    expect(kinds.filter((c) => c === 'MaxPooling2D')).toHaveLength(5);
    expect(kinds.filter((c) => c === 'Dense')).toHaveLength(3);
    expect(kinds.filter((c) => c === 'Dropout')).toHaveLength(2);
    expectActivationAfterEach(model, made);
    model.layers.forEach((layer, i) => {
      if (layer.getClassName() === 'Conv2D') {
        expect(model.layers[i + 1].getClassName()).toBe('BatchNormalization');
      }
    });
    const filters = model.layers
      .filter((l) => l.getClassName() === 'Conv2D')
      .map((l) => l.getConfig().filters);
    expect(filters).toEqual([
      64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512,
    ]);

    // Convolutions 3*3*(3*64 + 64*64 + 64*128 + 128*128 + 128*256
    // + 2*256*256 + 256*512 + 5*512*512) = 14,710,464 (no bias); batch norm
    // 4 per channel over 4,224 channels = 16,896; dense 2*(512*512+512)
    // + 512*10+10 = 530,442.
    expect(model.countParams()).toBe(14710464 + 16896 + 530442);
    expect(model.outputShape).toEqual([null, 10]);
    model.dispose();
  });

  it('scales every width', () => {
    const model = vgg16bn(undefined, { width: 0.25 });
    expect(model.getLayer('conv1').getConfig().filters).toBe(16);
    expect(model.getLayer('conv13').getConfig().filters).toBe(128);
    expect(model.getLayer('fc1').getConfig().units).toBe(128);
    expect(model.getLayer('conv1_act').getConfig().activation).toBe('relu');
    model.dispose();
  });
});

describe('alexnet', () => {
  it("has the paper's layers and 55x55 outputs after conv1", () => {
    const { act, made } = recording();
    const model = alexnet(act);
    const kinds = classes(model);
    expect(kinds.filter((c) => c === 'Conv2D')).toHaveLength(5);
    expect(kinds.filter((c) => c === 'Dense')).toHaveLength(3);
    expect(kinds.filter((c) => c === 'MaxPooling2D')).toHaveLength(3);
    expect(kinds.filter((c) => c === 'BatchNormalization')).toHaveLength(0);
    expectActivationAfterEach(model, made);
    expect(model.getLayer('conv1').outputShape).toEqual([null, 55, 55, 96]);
    expect(model.getLayer('pool3').outputShape).toEqual([null, 6, 6, 256]);

    // Local response normalisation follows the first two activations.
    const lrn = model.layers.flatMap((l, i) =>
      l.getClassName() === 'AfLocalResponseNormalization'
        ? [model.layers[i - 1].name]
        : [],
    );
    expect(lrn).toEqual(['conv1_act', 'conv2_act']);

    // (11*11*3*96+96) + (5*5*96*256+256) + (3*3*256*384+384)
    // + (3*3*384*384+384) + (3*3*384*256+256) + (6*6*256*4096+4096)
    // + (4096*4096+4096) + (4096*1000+1000).
    expect(model.countParams()).toBe(
      34944 + 614656 + 885120 + 1327488 + 884992 + 37752832 + 16781312 + 4097000,
    );
    model.dispose();
  });

  it('with batchNorm normalises every convolution and has no LRN', () => {
    const { act, made } = recording();
    const model = alexnet(act, {
      batchNorm: true,
      inputShape: [64, 64, 3],
      classes: 6,
      width: 0.05,
    });
    const kinds = classes(model);
    expect(kinds.filter((c) => c === 'BatchNormalization')).toHaveLength(5);
    expect(kinds).not.toContain('AfLocalResponseNormalization');
    expectActivationAfterEach(model, made);
    model.layers.forEach((layer, i) => {
      if (layer.getClassName() === 'Conv2D') {
        expect(model.layers[i + 1].getClassName()).toBe('BatchNormalization');
      }
    });
    expect(model.outputShape).toEqual([null, 6]);
    model.dispose();
  });

  it('survives saving and loading, LRN layers included', async () => {
    const model = alexnet(undefined, {
      inputShape: [63, 63, 3],
      classes: 4,
      width: 0.05,
    });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        const info = { dateSaved: new Date(), modelTopologyType: 'JSON' };
        return { modelArtifactsInfo: info as tf.io.ModelArtifactsInfo };
      }),
    );
    const loaded = await tf.loadLayersModel(
      tf.io.fromMemory(saved as tf.io.ModelArtifacts),
    );
    const x = tf.tensor4d(values(2 * 63 * 63 * 3, 3), [2, 63, 63, 3]);
    const a = (model.predict(x) as tf.Tensor).dataSync();
    const b = (loaded.predict(x) as tf.Tensor).dataSync();
    expect(Array.from(b)).toEqual(Array.from(a));
    x.dispose();
    model.dispose();
    loaded.dispose();
  });
});

describe('buildModel', () => {
  it('dispatches on the name', () => {
    const names: ModelName[] = ['lenet5', 'vgg16bn', 'alexnet'];
    const opts: BuildOptions = {
      inputShape: [64, 64, 3],
      classes: 3,
      width: 0.05,
    };
    for (const name of names) {
      const model = buildModel(name, exactActivation('sigmoid'), opts);
      expect(model.name.startsWith(name)).toBe(true);
      expect(model.outputShape).toEqual([null, 3]);
      model.dispose();
    }
  });

  const rejected: [ModelName, BuildOptions, string][] = [
    [
      'resnet' as ModelName,
      {},
      'model must be one of lenet5, vgg16bn, alexnet, not resnet',
    ],
    ['lenet5', { width: 0 }, 'lenet5 width must be in (0, 16], not 0'],
    [
      'vgg16bn',
      { classes: 1 },
      'vgg16bn classes must be an integer of at least 2, not 1',
    ],
    [
      'lenet5',
      { inputShape: [28, 0, 1] },
      'lenet5 inputShape must be 3 positive integers, not [28, 0, 1]',
    ],
    [
      'alexnet',
      { inputShape: [32, 32, 3] },
      'alexnet needs inputs of at least 63x63 pixels, not 32x32',
    ],
    [
      'vgg16bn',
      { inputShape: [16, 16, 3] },
      'vgg16bn needs inputs of at least 32x32 pixels, not 16x16',
    ],
    [
      'lenet5',
      { pool: 'min' } as unknown as BuildOptions,
      'lenet5 pool must be avg or max, not min',
    ],
  ];

  it.each(rejected)('rejects %s with %j', (name, opts, message) => {
    expect(() => buildModel(name, undefined, opts)).toThrow(message);
  });
});

describe('one training step on wasm equals the step on cpu', () => {
  /** One SGD step from fixed weights with dropout off (its masks differ). */
  async function step(
    backend: 'cpu' | 'wasm',
    name: ModelName,
    opts: BuildOptions,
    start: Float32Array[],
  ): Promise<{ loss: number; weights: Float32Array[] }> {
    await tf.setBackend(backend);
    const model = buildModel(name, undefined, opts);
    model.setWeights(model.getWeights().map((w, k) => tf.tensor(start[k], w.shape)));
    for (const layer of model.layers) {
      if (layer.getClassName() === 'Dropout') Object.assign(layer, { rate: 0 });
    }
    const shape = model.inputs[0].shape.slice(1) as number[];
    const size = shape.reduce((a, b) => a * b, 1);
    const x = tf.tensor(values(4 * size, 5), [4, ...shape]);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 10);
    const optimizer = tf.train.sgd(0.1);
    const cost = optimizer.minimize(() => {
      const p = model.apply(x, { training: true }) as tf.Tensor;
      return tf.losses.softmaxCrossEntropy(y, p);
    }, true) as tf.Scalar;
    const result = {
      loss: cost.dataSync()[0],
      weights: model.getWeights().map((w) => w.dataSync() as Float32Array),
    };
    tf.dispose([x, y, cost]);
    optimizer.dispose();
    model.dispose();
    return result;
  }

  const narrow: [ModelName, BuildOptions][] = [
    ['vgg16bn', { width: 1 / 16 }],
    ['alexnet', { width: 1 / 16, inputShape: [67, 67, 3], classes: 10 }],
    ['alexnet', { width: 1 / 16, inputShape: [67, 67, 3], classes: 10, batchNorm: true }],
  ];

  it.each(narrow)('%s %j', async (name, opts) => {
    await tf.setBackend('cpu');
    const init = buildModel(name, undefined, opts);
    const start = init.getWeights().map((w) => w.dataSync().slice() as Float32Array);
    init.dispose();
    const cpu = await step('cpu', name, opts, start);
    const wasm = await step('wasm', name, opts, start);
    expect(Number.isFinite(wasm.loss)).toBe(true);
    expect(Math.abs(wasm.loss - cpu.loss)).toBeLessThan(1e-4);
    cpu.weights.forEach((after, k) => {
      let worst = 0;
      let moved = 0;
      for (let i = 0; i < after.length; i++) {
        const dc = after[i] - start[k][i];
        const dw = wasm.weights[k][i] - start[k][i];
        worst = Math.max(worst, Math.abs(dc - dw) / (1 + Math.abs(dc)));
        moved = Math.max(moved, Math.abs(dc));
      }
      expect(worst).toBeLessThan(1e-4);
      expect(moved).toBeGreaterThan(0);
    });
    await tf.setBackend('wasm');
  });
});
