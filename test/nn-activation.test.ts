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

  it('has an exact stand-in for self_define', async () => {
    const t = await goldenOf('self_define -4 4 0 8 8', 'nearest', 'x / (1 + abs(x))');
    const layer = (await exactFactory(t))('exact');
    const got = apply(layer, [-1, 0.5, 3]);
    expect(got[0]).toBeCloseTo(-0.5, 3);
    expect(got[1]).toBeCloseTo(1 / 3, 3);
    expect(got[2]).toBeCloseTo(0.75, 3);
  });
});

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
