import * as tf from '@tensorflow/tfjs';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { quantisedFactory } from '../src/nn/activation.js';
import { selectBackend } from '../src/nn/backend.js';
import { loadDataset } from '../src/nn/data/index.js';
import { lenet5 } from '../src/nn/models.js';
import { evaluate, train } from '../src/nn/train.js';
import { loadModel } from '../src/adapters/model-files.js';
import { goldenOf } from './helpers.js';

const run = promisify(execFile);
const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli', 'main.js');

beforeAll(async () => {
  await selectBackend('auto');
});

describe('retraining with the circuit on real MNIST digits', () => {
  it('learns, and retraining moves the first convolution', async () => {
    const data = await loadDataset('mnist', { subset: { train: 2000, test: 500 } });
    const t = await goldenOf('tanh 0 2 1 4 4');
    const model = lenet5(quantisedFactory(t));
    const conv = model.layers.find((l) => l.getClassName() === 'Conv2D')!;
    const before = conv.getWeights()[0].dataSync().slice();
    await train(model, data.train, {
      epochs: 2,
      batchSize: 32,
      learningRate: 1e-3,
      seed: 1,
      shift: 2,
      phase: 'train',
    });
    // The last epoch ran at half the first rate: cos(pi / 2) = 0.
    const adam = model.optimizer as unknown as { learningRate: number };
    expect(adam.learningRate).toBeCloseTo(0.5e-3, 12);
    const after = conv.getWeights()[0].dataSync();
    let moved = 0;
    for (let k = 0; k < before.length; k++)
      moved = Math.max(moved, Math.abs(after[k] - before[k]));
    expect(moved).toBeGreaterThan(1e-3);
    // Ten classes: chance is 10%; 2,000 real digits for 2 epochs do far better.
    const acc = await evaluate(model, data.test, 100);
    expect(acc.top1).toBeGreaterThan(80);
    model.dispose();
  });
});

describe('the network flow through the command line', () => {
  it('trains, tests, retrains on MNIST and appends the results', async () => {
    const out = mkdtempSync(join(tmpdir(), 'af-flow-'));
    const common = [
      ...['--train-size', '1000', '--test-size', '300'],
      ...['--epochs', '2', '--retrain-epochs', '1'],
    ];
    const af = (spec: string, ...more: string[]) =>
      run(process.execPath, [
        cli,
        ...spec.split(' '),
        ...common,
        ...more,
        '--out-dir',
        out,
        '--no-generate-coe-file',
        '--force',
      ]);
    const first = await af('tanh 0 2 1 6 4', '-MNIST_retrain=True');
    expect(first.stderr).toMatch(/use --mnist-retrain/);
    expect(first.stdout).toMatch(
      /\| lenet5 \| mnist \| tanh \| tanh_1_6_4 on \[0, 2\) \(nearest\) \| \d+\.\d\d% \|/,
    );
    const rowsOf = () =>
      JSON.parse(readFileSync(join(out, 'NN_models', 'results.json'), 'utf8')) as {
        circuit: string;
        range: string;
        exactModel: string;
        exact: { top1: number };
        circuitAccuracy: { top1: number };
        retrained?: { top1: number };
        exactRetrained?: { top1: number };
      }[];
    const [row] = rowsOf();
    const exactDir = join(out, row.exactModel);
    expect(row.exactModel).toMatch(/^NN_models\/lenet5_mnist_tanh\/exact_[0-9a-f]{10}$/);
    const retrainedDir = join(exactDir, 'retrained_tanh_1_6_4_0to2_nearest_1e_b64_s1');
    expect(existsSync(join(retrainedDir, 'curves.png'))).toBe(true);
    const controlDir = join(exactDir, 'retrained_exact_1e_b64_s1');

    // The table reports what the saved networks do: evaluate them here.
    const data = await loadDataset('mnist', { subset: { train: 1000, test: 300 } });
    const t = await goldenOf('tanh 0 2 1 6 4');
    const accuracyOf = async (dir: string, circuit = false) => {
      const { model } = await loadModel(dir);
      let m: tf.LayersModel = model;
      if (circuit) {
        m = lenet5(quantisedFactory(t));
        m.setWeights(model.getWeights());
      }
      return (await evaluate(m, data.test, 64)).top1;
    };
    expect(await accuracyOf(exactDir)).toBe(row.exact.top1);
    expect(await accuracyOf(exactDir, true)).toBe(row.circuitAccuracy.top1);
    expect(await accuracyOf(retrainedDir)).toBe(row.retrained?.top1);
    expect(await accuracyOf(controlDir)).toBe(row.exactRetrained?.top1);
    // 1,000 real digits for two epochs: far better than chance (10%).
    expect(row.exact.top1).toBeGreaterThan(70);

    // Another circuit and range reuse the exact network and keep the first
    // retrained one; other training settings train a network of their own.
    const second = await af('tanh -4 4 1 6 4', '--mnist-retrain');
    expect(second.stderr).toMatch(/using the trained exact tanh lenet5/);
    const third = await af('tanh 0 2 1 6 4', '--test-on-datasets', '--seed', '3');
    expect(third.stderr).not.toMatch(/using the trained exact/);
    const rows = rowsOf();
    expect(rows.map((r) => `${r.circuit} ${r.range}`)).toEqual([
      'tanh_1_6_4 [0, 2)',
      'tanh_1_6_4 [-4, 4)',
      'tanh_1_6_4 [0, 2)',
    ]);
    expect(rows[1].exactModel).toBe(row.exactModel);
    expect(rows[1].exact).toEqual(row.exact);
    expect(
      existsSync(join(exactDir, 'retrained_tanh_1_6_4_-4to4_nearest_1e_b64_s1')),
    ).toBe(true);
    expect(await accuracyOf(retrainedDir)).toBe(row.retrained?.top1);
    expect(rows[2].exactModel).not.toBe(row.exactModel);
    expect(rows[2].retrained).toBeUndefined();
    const md = readFileSync(join(out, 'NN_models', 'results.md'), 'utf8');
    expect(md.split('\n').filter((l) => l.startsWith('| lenet5'))).toHaveLength(3);
  });

  it('trains the same network again from the same seed', async () => {
    const once = async () => {
      const out = mkdtempSync(join(tmpdir(), 'af-seed-'));
      await run(process.execPath, [
        cli,
        ...'tanh 0 2 1 6 4 --test-on-datasets --train-size 500 --test-size 200'.split(
          ' ',
        ),
        ...['--epochs', '1', '--out-dir', out, '-q'],
      ]);
      const [row] = JSON.parse(
        readFileSync(join(out, 'NN_models', 'results.json'), 'utf8'),
      ) as { exactModel: string }[];
      return readFileSync(join(out, row.exactModel, 'weights.bin'));
    };
    expect((await once()).equals(await once())).toBe(true);
  });

  it('runs VGG-16 on CIFAR-10 binary files end to end', async () => {
    // Five training batches and a test batch of 20 records each, in the
    // real format: a label byte, then 1024 R, 1024 G, 1024 B bytes.
    const data = mkdtempSync(join(tmpdir(), 'af-cifar-'));
    const batch = (seed: number): Buffer => {
      const b = Buffer.alloc(20 * 3073);
      for (let r = 0; r < 20; r++) {
        b[r * 3073] = r % 10;
        for (let p = 1; p < 3073; p++) b[r * 3073 + p] = (p * 7 + r * 13 + seed) & 255;
      }
      return b;
    };
    for (let k = 1; k <= 5; k++)
      writeFileSync(join(data, `data_batch_${k}.bin`), batch(k));
    writeFileSync(join(data, 'test_batch.bin'), batch(9));
    const out = mkdtempSync(join(tmpdir(), 'af-flow-'));
    const { stdout } = await run(process.execPath, [
      cli,
      'selu',
      '-3.875',
      '0',
      '1',
      '6',
      '4',
      '--cifar-retrain',
      '--data-dir',
      data,
      '--width',
      '0.0625',
      '--epochs',
      '1',
      '--batch-size',
      '25',
      '--out-dir',
      out,
      '-q',
    ]);
    expect(stdout).toBe('');
    const rows = JSON.parse(readFileSync(join(out, 'NN_models', 'results.json'), 'utf8'));
    expect(rows[0]).toMatchObject({
      model: 'vgg16bn',
      dataset: 'cifar10',
      trainImages: 100,
      testImages: 20,
    });
    expect(rows[0].retrained).toBeDefined();
  });

  it('runs AlexNet on a folder of JPEG files end to end, with top-5', async () => {
    const data = mkdtempSync(join(tmpdir(), 'af-imagenet-'));
    const colours = [
      [200, 30, 30],
      [30, 200, 30],
      [30, 30, 200],
      [200, 200, 30],
      [30, 200, 200],
      [200, 30, 200],
    ];
    for (const split of ['train', 'val']) {
      colours.forEach((c, k) => {
        mkdirSync(join(data, split, `n0${k}`), { recursive: true });
      });
    }
    await Promise.all(
      colours.flatMap((c, k) =>
        ['train', 'train', 'val'].map((split, j) =>
          sharp({
            create: {
              width: 80 + j,
              height: 72,
              channels: 3,
              background: { r: c[0], g: c[1], b: c[2] },
            },
          })
            .jpeg()
            .toFile(join(data, split, `n0${k}`, `img${j}.JPEG`)),
        ),
      ),
    );
    const out = mkdtempSync(join(tmpdir(), 'af-flow-'));
    await run(process.execPath, [
      cli,
      'tanh',
      '0',
      '2',
      '1',
      '6',
      '4',
      '--imgnet-retrain',
      '--data-dir',
      data,
      '--image-size',
      '64',
      '--width',
      '0.05',
      '--epochs',
      '1',
      '--batch-size',
      '4',
      '--out-dir',
      out,
      '-q',
    ]);
    const rows = JSON.parse(readFileSync(join(out, 'NN_models', 'results.json'), 'utf8'));
    expect(rows[0]).toMatchObject({
      model: 'alexnet',
      dataset: 'imagenet',
      trainImages: 12,
      testImages: 6,
    });
    // Six classes: top-5 counts five of them, so it is at least top-1.
    expect(rows[0].exact.top5).toBeGreaterThanOrEqual(rows[0].exact.top1);
    expect(readFileSync(join(out, 'NN_models', 'results.md'), 'utf8')).toMatch(
      /% \[\d+\.\d\d%\]/,
    );
  });

  it('says which data is missing, with exit code 2', async () => {
    const err = await run(process.execPath, [
      cli,
      'tanh',
      '0',
      '2',
      '1',
      '6',
      '4',
      '--cifar-retrain',
      '--data-dir',
      '/nonexistent',
      '--out-dir',
      mkdtempSync(join(tmpdir(), 'af-flow-')),
    ]).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(2);
    expect(err?.stderr).toMatch(/^af: CIFAR-10 data not found in \/nonexistent/);
  });
});

void tf;
