import * as tf from '@tensorflow/tfjs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { codeToReal } from '../src/core/format.js';
import { extendedValue, extensionOf } from '../src/core/outside.js';
import { loadModel, saveModel } from '../src/adapters/model-files.js';
import {
  QuantisedActivation,
  exactFactory,
  quantisedConfig,
  quantisedFactory,
} from '../src/nn/activation.js';
import { selectBackend } from '../src/nn/backend.js';
import { goldenOf } from './helpers.js';

beforeAll(async () => {
  await selectBackend('auto');
});

/** Run one quantised layer on a 1-D list of inputs. */
function apply(layer: tf.layers.Layer, xs: number[]): Float32Array {
  return tf.tidy(
    () => (layer.apply(tf.tensor1d(xs)) as tf.Tensor).dataSync() as Float32Array,
  );
}

const CONFIGS: [string, string?][] = [
  ['tanh 0 2 1 6 4'],
  ['tanh -4 4 1 8 12'],
  ['selu -3.875 0 1 6 4'],
  ['selu -3.875 0 1 4 6'],
  ['sigmoid 0 8 0 8 8'],
  ['elu -4 0 1 8 7'],
  ['gelu -4 4 3 6 8'],
  ['tanh -2 0 1 7 6'],
  ['self_define -4 4 0 8 8', 'x / (1 + abs(x))'],
];

/** Ranges whose grid points are not all float32 numbers, and big codes. */
const FINE_RANGES: [string, string?][] = [
  ['tanh -0.1 0.3 1 8 10'],
  ['gelu -2.7 3.1 3 8 12'],
  ['tanh -4 4 1 8 12'],
  ['selu -3.875 0 1 6 9'],
  // Grid points closer together than float32's spacing there, so several
  // share a float32.
  ['self_define 10000.1 10001.1 12 0 12', '(x - 10000.1) * 4096'],
];

/** The smallest float32 at or above v (by bit pattern). */
function float32Ceil(v: number): number {
  const f = new Float32Array([v]);
  if (f[0] >= v) return f[0];
  const bits = new Uint32Array(f.buffer);
  bits[0] = f[0] > 0 ? bits[0] + 1 : f[0] < 0 ? bits[0] - 1 : 1;
  return f[0];
}

/** The float32 just below a float32 v other than 0. */
function float32Before(v: number): number {
  const f = new Float32Array([v]);
  const bits = new Uint32Array(f.buffer);
  bits[0] = v > 0 ? bits[0] - 1 : bits[0] + 1;
  return f[0];
}

describe('the quantised activation layer', () => {
  it.each(CONFIGS)('equals the golden table on every code of %s', async (args, expr) => {
    const t = await goldenOf(args, 'nearest', expr);
    const layer = new QuantisedActivation(quantisedConfig(t));
    const step = (t.spec.rangeR - t.spec.rangeL) / t.codes.length;
    // The middle of each code's interval of x.
    const got = apply(
      layer,
      Array.from(t.x, (x) => x + step / 2),
    );
    const want = Float32Array.from(t.codes, (c) => codeToReal(c, t.format));
    expect(got).toEqual(want);
  });

  it.each(FINE_RANGES)(
    'puts every float32 at and just below each grid point of %s on its code',
    async (args, expr) => {
      const t = await goldenOf(args, 'nearest', expr);
      const n = t.codes.length;
      // The code of x by its definition, found by brute force: the number
      // of grid points after the first that are at or below x.
      const codeOf = (x: number) =>
        t.x.reduce((c, g, k) => (k > 0 && g <= x ? c + 1 : c), 0);
      const xs: number[] = [];
      for (let k = 1; k < n; k++) {
        const at = float32Ceil(t.x[k]);
        xs.push(at, float32Before(at));
      }
      const want = xs.map((x) => codeToReal(t.codes[codeOf(x)], t.format));
      const got = apply(new QuantisedActivation(quantisedConfig(t)), xs);
      expect(Array.from(got)).toEqual(Array.from(Float32Array.from(want)));
    },
  );

  it('gives f(0) at x = 0 when the range ends at 0 (by hand)', async () => {
    const tanh = await goldenOf('tanh -2 0 1 7 6');
    const sig = await goldenOf('sigmoid -8 0 0 8 8');
    expect(extendedValue(tanh, 0)).toBe(0);
    expect(extendedValue(sig, 0)).toBe(0.5);
    const layerOf = (t: typeof tanh) => new QuantisedActivation(quantisedConfig(t));
    // Either side of 0, the last code (x = -2/64) and its mirror image.
    const last = tanh.codes[63] / 128;
    expect(Array.from(apply(layerOf(tanh), [-1e-6, 0, 1e-6]))).toEqual([last, 0, -last]);
    expect(Array.from(apply(layerOf(sig), [0]))).toEqual([0.5]);
  });

  it.each(CONFIGS)('follows the out-of-range rule for %s', async (args, expr) => {
    const t = await goldenOf(args, 'nearest', expr);
    const layer = new QuantisedActivation(quantisedConfig(t));
    const { rangeL, rangeR } = t.spec;
    const span = rangeR - rangeL;
    // Points well inside code intervals, over three times the range each
    // side of it (away from interval edges, where float32 may differ).
    const n = t.codes.length;
    const xs: number[] = [];
    for (let j = -3 * n; j < 4 * n; j += Math.max(1, n >> 5))
      xs.push(rangeL + ((j + 0.37) * span) / n);
    xs.push(-rangeL - span * 0.37, -rangeR + span * 0.21);
    const got = apply(layer, xs);
    xs.forEach((x, k) => expect(got[k]).toBeCloseTo(extendedValue(t, x), 5));
  });

  it("mirrors tanh on [0, 2) and uses SELU's linear branch, by hand", async () => {
    const tanh = await goldenOf('tanh 0 2 1 6 4', 'trunc');
    expect(extensionOf(tanh)).toEqual({
      kind: 'mirror',
      symmetry: 'odd',
      side: 'negative',
    });
    // tanh_1_6_4 (trunc) at code 1 is 7/64; mirrored to x = -0.2: -7/64.
    expect(
      apply(new QuantisedActivation(quantisedConfig(tanh)), [-0.2, 0.2, 5, -5]),
    ).toEqual(Float32Array.from([-7 / 64, 7 / 64, 61 / 64, -61 / 64]));
    const selu = await goldenOf('selu -3.875 0 1 6 4');
    expect(extensionOf(selu)).toEqual({ kind: 'linear', slope: 1.0507009873554805 });
    const out = apply(new QuantisedActivation(quantisedConfig(selu)), [2, -10]);
    expect(out[0]).toBeCloseTo(2.101401974710961, 6);
    expect(out[1]).toBe(-110 / 64); // saturates to the first code
    const sig = await goldenOf('sigmoid 0 8 0 8 8');
    // f(-x) = 1 - f(x): 1 - code(at 1.03125)/256.
    const c = sig.codes[Math.floor(1.03125 * 32)];
    expect(
      apply(new QuantisedActivation(quantisedConfig(sig)), [-1.03125])[0],
    ).toBeCloseTo(1 - c / 256, 6);
  });

  it.each(Object.keys(BY_HAND))(
    'has the exact %s and its derivative in both layers, from the definition',
    async (fn) => {
      const [f, d] = BY_HAND[fn];
      const t = await goldenOf(`${fn} -4 4 3 8 8`);
      const xs = [-3.7, -1.2, -0.3, -1e-3, 0.02, 0.5, 1.9, 3.3];
      const exact = (await exactFactory(t))('exact');
      const quantised = quantisedFactory(t)('quantised');
      const gradOf = (layer: tf.layers.Layer) =>
        tf
          .grad((x: tf.Tensor) => tf.sum(layer.apply(x) as tf.Tensor))(tf.tensor1d(xs))
          .dataSync();
      const value = apply(exact, xs);
      const [g, gq] = [gradOf(exact), gradOf(quantised)];
      xs.forEach((x, k) => {
        expect(value[k]).toBeCloseTo(f(x), 5);
        expect(g[k]).toBeCloseTo(d(x), 4);
        expect(gq[k]).toBeCloseTo(d(x), 4);
      });
    },
  );

  it('passes the exact derivative back (straight-through)', async () => {
    for (const [args, d] of [
      ['tanh 0 2 1 6 4', (x: number) => 1 - Math.tanh(x) ** 2],
      [
        'selu -3.875 0 1 6 4',
        (x: number) =>
          1.0507009873554805 * (x > 0 ? 1 : 1.6732632423543772 * Math.exp(x)),
      ],
      [
        'gelu -4 4 3 6 8',
        (x: number) => {
          const h = 1e-5;
          const g = (v: number) => v * 0.5 * (1 + erfApprox(v / Math.SQRT2));
          return (g(x + h) - g(x - h)) / (2 * h);
        },
      ],
    ] as const) {
      const t = await goldenOf(args);
      const layer = quantisedFactory(t)('act');
      const xs = [-2.3, -0.7, 0.1, 0.9, 3.1];
      const grad = tf.grad((x: tf.Tensor) => tf.sum(layer.apply(x) as tf.Tensor))(
        tf.tensor1d(xs),
      );
      const g = grad.dataSync();
      xs.forEach((x, k) => expect(g[k]).toBeCloseTo(d(x), 3));
    }
  });

  it('serialises with the model and loads back the same', async () => {
    const t = await goldenOf('selu -3.875 0 1 6 4');
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ units: 4, inputShape: [3] }),
        quantisedFactory(t)('act'),
      ],
    });
    const dir = join(mkdtempSync(join(tmpdir(), 'af-model-')), 'm');
    await saveModel(model, dir, { note: 'x' });
    const { model: back, extra } = await loadModel(dir);
    expect(extra).toEqual({ note: 'x' });
    const input = tf.tensor2d([
      [0.1, -2, 3],
      [1, 1, -1],
    ]);
    expect((back.predict(input) as tf.Tensor).arraySync()).toEqual(
      (model.predict(input) as tf.Tensor).arraySync(),
    );
    expect(back.layers[1].getClassName()).toBe('AfQuantisedActivation');
  });

  it.each([
    ['tanh 0 2 1 6 4', undefined],
    ['self_define -4 4 0 8 8', 'x / (1 + abs(x))'],
  ] as const)('loads %s back with its config and its gradient', async (args, expr) => {
    const t = await goldenOf(args, 'nearest', expr);
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ units: 4, inputShape: [3] }),
        quantisedFactory(t)('act'),
        (await exactFactory(t))('exact'),
      ],
    });
    const dir = join(mkdtempSync(join(tmpdir(), 'af-model-')), 'm');
    await saveModel(model, dir, {});
    const { model: back } = await loadModel(dir);
    for (const k of [1, 2]) {
      expect(back.layers[k].getConfig()).toEqual(model.layers[k].getConfig());
    }
    const input = tf.tensor2d([
      [0.1, -2, 3],
      [1, 1, -1],
    ]);
    const gradOf = (m: tf.LayersModel) =>
      tf
        .grad((x: tf.Tensor) => tf.sum(m.apply(x) as tf.Tensor))(input)
        .arraySync();
    expect(gradOf(back)).toEqual(gradOf(model));
  });

  it('has an exact stand-in for self_define', async () => {
    const t = await goldenOf('self_define -4 4 0 8 8', 'nearest', 'x / (1 + abs(x))');
    const layer = (await exactFactory(t))('exact');
    const got = apply(layer, [-1, 0.5, 3]);
    expect(got[0]).toBeCloseTo(-0.5, 3);
    expect(got[1]).toBeCloseTo(1 / 3, 3);
    expect(got[2]).toBeCloseTo(0.75, 3);
  });
});

const S = 1.0507009873554804934193349852946;
const A = 1.6732632423543772848170429916717;
const sig = (x: number) => 1 / (1 + Math.exp(-x));
const phi = (x: number) => 0.5 * (1 + erfApprox(x / Math.SQRT2));

/** Each built-in function and its derivative, written out by hand. */
const BY_HAND: Record<string, [(x: number) => number, (x: number) => number]> = {
  tanh: [Math.tanh, (x) => 1 - Math.tanh(x) ** 2],
  selu: [
    (x) => S * (x > 0 ? x : A * (Math.exp(x) - 1)),
    (x) => S * (x > 0 ? 1 : A * Math.exp(x)),
  ],
  sigmoid: [sig, (x) => sig(x) * (1 - sig(x))],
  elu: [(x) => (x > 0 ? x : Math.exp(x) - 1), (x) => (x > 0 ? 1 : Math.exp(x))],
  gelu: [
    (x) => x * phi(x),
    (x) => phi(x) + (x * Math.exp((-x * x) / 2)) / Math.sqrt(2 * Math.PI),
  ],
  silu: [(x) => x * sig(x), (x) => sig(x) * (1 + x * (1 - sig(x)))],
  softplus: [(x) => Math.log(1 + Math.exp(x)), sig],
};

/** erf by its Maclaurin series (enough terms for |v| < 3). */
function erfApprox(v: number): number {
  let sum = 0;
  let term = v;
  for (let n = 0; n < 80; n++) {
    sum += term / (2 * n + 1);
    term *= (-v * v) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
