/**
 * The committed network results (NN_models/, made by
 * scripts/experiment-mnist.sh) regenerated from the committed networks:
 * every row's exact and circuit accuracies by evaluating them again, and
 * one row whole, retraining included, through the command line, down to
 * the bytes of the retrained network.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../src/adapters/model-files.js';
import type { ResultRow } from '../src/commands/results.js';
import { quantisedFactory } from '../src/nn/activation.js';
import { selectBackend } from '../src/nn/backend.js';
import { loadDataset, type Dataset, type DatasetName } from '../src/nn/data/index.js';
import { lenet5 } from '../src/nn/models.js';
import { evaluate } from '../src/nn/train.js';
import { goldenOf } from './helpers.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli', 'main.js');
/**
 * The experiment's rows (30 epochs on MNIST, 10 on Fashion-MNIST); runs of
 * the README's examples in the repository append rows of their own.
 */
const rows = (
  JSON.parse(readFileSync(join(root, 'NN_models', 'results.json'), 'utf8')) as ResultRow[]
).filter((r) => r.epochs === (r.dataset === 'mnist' ? 30 : 10) && r.retrainEpochs === 2);

/** The af arguments of a row: `tanh_1_6_4` on `[0, 2)` is `tanh 0 2 1 6 4`. */
function specOf(row: ResultRow): string {
  const [fn, intBits, fracBits, inputBits] = row.circuit.split('_');
  const [l, r] = row.range.slice(1, -1).split(', ');
  return `${fn} ${l} ${r} ${intBits} ${fracBits} ${inputBits}`;
}

beforeAll(async () => {
  await selectBackend('auto');
});

describe('the committed network results', () => {
  const data = new Map<DatasetName, Promise<Dataset>>();
  const dataset = (name: DatasetName) => {
    if (!data.has(name)) data.set(name, loadDataset(name, {}));
    return data.get(name)!;
  };

  it('cover both data sets, both functions and six circuits each', () => {
    const keys = rows.map((r) => `${r.dataset} ${r.circuit} ${r.range}`);
    expect(new Set(keys).size).toBe(12);
    expect(rows.every((r) => r.model === 'lenet5' && r.retrained)).toBe(true);
  });

  it.each(rows.map((r) => [`${r.dataset} ${r.circuit} on ${r.range}`, r] as const))(
    'are what the committed exact network gives for %s',
    async (_, row) => {
      const test = (await dataset(row.dataset)).test;
      expect(test.size).toBe(row.testImages);
      const { model } = await loadModel(join(root, row.exactModel));
      expect((await evaluate(model, test, 500)).top1).toBe(row.exact.top1);
      const table = await goldenOf(specOf(row), row.rounding);
      const circuit = lenet5(quantisedFactory(table));
      circuit.setWeights(model.getWeights());
      expect((await evaluate(circuit, test, 500)).top1).toBe(row.circuitAccuracy.top1);
      model.dispose();
      circuit.dispose();
    },
    60_000,
  );

  it('retrain to the same accuracies through the command line', async () => {
    const row = rows.find((r) => r.dataset === 'mnist' && r.circuit === 'tanh_1_6_4')!;
    const out = mkdtempSync(join(tmpdir(), 'af-results-'));
    cpSync(join(root, row.exactModel), join(out, row.exactModel), { recursive: true });
    await promisify(execFile)(process.execPath, [
      cli,
      ...specOf(row).split(' '),
      '--mnist-retrain',
      ...['--epochs', String(row.epochs), '--retrain-epochs', String(row.retrainEpochs)],
      ...['--out-dir', out, '--no-generate-verilog', '--no-generate-coe-file', '-q'],
    ]);
    const [again] = JSON.parse(
      readFileSync(join(out, 'NN_models', 'results.json'), 'utf8'),
    ) as ResultRow[];
    expect(again.exactModel).toBe(row.exactModel);
    // The exact network was loaded, not trained again: its folder holds
    // only the committed files, beside the two new retrained ones.
    expect(readdirSync(join(out, row.exactModel)).sort()).toEqual([
      'curves.png',
      'model.json',
      `retrained_exact_${row.retrainEpochs}e_b64_s1`,
      `retrained_tanh_1_6_4_0to2_nearest_${row.retrainEpochs}e_b64_s1`,
      'weights.bin',
    ]);
    for (const key of [
      'exact',
      'circuitAccuracy',
      'exactRetrained',
      'retrained',
    ] as const)
      expect(again[key]).toEqual(row[key]);

    // The retrained network itself, byte for byte.
    const retrained = join(
      row.exactModel,
      `retrained_tanh_1_6_4_0to2_nearest_${row.retrainEpochs}e_b64_s1`,
    );
    for (const file of ['weights.bin', 'model.json', 'curves.png']) {
      const made = readFileSync(join(out, retrained, file));
      expect(made.equals(readFileSync(join(root, retrained, file)))).toBe(true);
    }
  }, 300_000);
});
