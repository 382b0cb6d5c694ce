/**
 * The network flow: train with the exact function (once, saved under
 * `NN_models/`), test with the circuit's function swapped in, retrain with
 * it, test again, and append every result to the results table.
 */
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AfError, UsageError } from '../core/errors.js';
import type { GoldenTable } from '../core/golden.js';
import { writeArtifacts } from '../adapters/files.js';
import { hasModel, loadModel, saveModel } from '../adapters/model-files.js';
import { renderPlot } from '../adapters/plot.js';
import { exactFactory, quantisedFactory } from '../nn/activation.js';
import { BackendError, selectBackend, type BackendRequest } from '../nn/backend.js';
import { DataError, loadDataset, type DatasetName } from '../nn/data/index.js';
import type { Dataset } from '../nn/data/types.js';
import { buildModel, type ActivationFactory, type ModelName } from '../nn/models.js';
import {
  copyWeights,
  evaluate,
  train,
  type Accuracy,
  type EpochRecord,
  type Progress,
  type TrainOptions,
} from '../nn/train.js';

/** Options of the network flow, already checked by the command line. */
export interface NetworkOptions {
  readonly datasets: readonly DatasetName[];
  /** Retrain with the circuit's function on these data sets. */
  readonly retrain: readonly DatasetName[];
  readonly dataDir?: string;
  readonly epochs: number;
  readonly retrainEpochs: number;
  readonly batchSize: number;
  readonly seed: number;
  readonly backend: BackendRequest;
  readonly trainSize?: number;
  readonly testSize?: number;
  /** ImageNet image side. */
  readonly imageSize?: number;
  /** Scale of every layer's width (1 = the published networks). */
  readonly width: number;
  readonly outDir: string;
  readonly onProgress?: (p: Progress) => void;
  readonly onNote?: (line: string) => void;
  /** Detail for `--verbose`. */
  readonly onDetail?: (line: string) => void;
}

/** One row of the results table. */
export interface ResultRow {
  model: ModelName;
  dataset: DatasetName;
  function: string;
  circuit: string;
  rounding: string;
  exact: Accuracy;
  circuitAccuracy: Accuracy;
  retrained?: Accuracy;
  /** The exact network fine-tuned like the retrained one: the control. */
  exactRetrained?: Accuracy;
  trainImages: number;
  testImages: number;
  epochs: number;
  retrainEpochs: number;
  backend: string;
  seconds: number;
}

/** Which network each data set is tested with. */
export function modelFor(dataset: DatasetName): ModelName {
  return dataset === 'cifar10'
    ? 'vgg16bn'
    : dataset === 'imagenet'
      ? 'alexnet'
      : 'lenet5';
}

/** The folder name of a function: its name, or self_define with a hash. */
function functionKey(table: GoldenTable): string {
  const { fn, expr } = table.spec;
  if (fn !== 'self_define') return fn;
  return `self_define_${createHash('sha256')
    .update(expr ?? '')
    .digest('hex')
    .slice(0, 8)}`;
}

/** Run the flow on every data set asked for; returns the new rows. */
export async function runNetworks(
  table: GoldenTable,
  options: NetworkOptions,
): Promise<ResultRow[]> {
  // Find every data set first, so a missing one stops the run at once.
  const data = new Map<DatasetName, Dataset>();
  for (const name of options.datasets) data.set(name, await load(name, options));

  let backend: Awaited<ReturnType<typeof selectBackend>>;
  try {
    backend = await selectBackend(options.backend);
  } catch (err) {
    if (err instanceof BackendError) throw new AfError(err.message, err.exitCode);
    throw err;
  }
  options.onNote?.(`TensorFlow.js backend: ${backend.name}`);
  for (const n of backend.notes) options.onDetail?.(n);

  const rows: ResultRow[] = [];
  for (const [name, dataset] of data) {
    rows.push(await runOne(table, name, dataset, backend.name, options));
  }
  await appendResults(options.outDir, rows);
  return rows;
}

async function runOne(
  table: GoldenTable,
  name: DatasetName,
  data: Dataset,
  backend: string,
  options: NetworkOptions,
): Promise<ResultRow> {
  const start = performance.now();
  const modelName = modelFor(name);
  const widthTag = options.width === 1 ? '' : `_w${options.width}`;
  const dir = join(
    options.outDir,
    'NN_models',
    `${modelName}${widthTag}_${name}_${functionKey(table)}`,
  );
  const build = (factory: Parameters<typeof buildModel>[1]): tf.LayersModel =>
    buildModel(modelName, factory, {
      inputShape: data.imageShape,
      classes: data.classes,
      width: options.width,
      batchNorm: table.spec.fn === 'selu' || table.spec.fn === 'elu',
    });

  // 1. The exact-function network: load it, or train and save it.
  const exactDir = join(dir, 'exact');
  let exactModel: tf.LayersModel;
  let exactHistory: EpochRecord[];
  if (await hasModel(exactDir)) {
    const loaded = await loadModel(exactDir);
    exactModel = loaded.model;
    exactHistory = (loaded.extra.history as EpochRecord[] | undefined) ?? [];
    options.onNote?.(
      `using the trained exact ${table.spec.fn} ${modelName} in ${exactDir}`,
    );
  } else {
    exactModel = build(await exactFactory(table));
    exactHistory = await train(exactModel, data.train, {
      epochs: options.epochs,
      batchSize: options.batchSize,
      learningRate: 1e-3,
      seed: options.seed,
      phase: `train ${modelName} (exact ${table.spec.fn})`,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    await saveModel(exactModel, exactDir, {
      history: exactHistory,
      trainImages: data.train.size,
    });
    const png = await curvesPlot(
      `${modelName} on ${name}: exact ${table.spec.fn}`,
      exactHistory,
      [],
    );
    await writeArtifacts(exactDir, [{ path: 'curves.png', data: png }], { force: true });
  }

  // 2. Test with the exact function and with the circuit's.
  const test = (m: tf.LayersModel, phase: string): Promise<Accuracy> =>
    evaluate(m, data.test, options.batchSize, options.onProgress, phase);
  const exact = await test(exactModel, 'test exact');
  const circuitModel = build(quantisedFactory(table));
  copyWeights(exactModel, circuitModel);
  const circuitAccuracy = await test(circuitModel, `test ${table.name}`);

  // 3. Retrain with the circuit's function and test again. The exact
  // network is fine-tuned the same way (same epochs, rate and data order)
  // as a control, so the table separates what the circuit costs from what
  // the extra training gives.
  let retrained: Accuracy | undefined;
  let exactRetrained: Accuracy | undefined;
  if (options.retrain.includes(name)) {
    const schedule = {
      epochs: options.retrainEpochs,
      batchSize: options.batchSize,
      learningRate: 3e-4,
      seed: options.seed + 1,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    };
    exactRetrained = await exactControl(exactModel, dir, data, schedule, build, table);
    const history = await train(circuitModel, data.train, {
      ...schedule,
      phase: `retrain with ${table.name}`,
    });
    retrained = await test(circuitModel, `test retrained ${table.name}`);
    const tag = `${table.name}_${table.spec.rounding}`;
    await saveModel(circuitModel, join(dir, tag), { history });
    const png = await curvesPlot(
      `${modelName} on ${name}: ${table.name}`,
      exactHistory,
      history,
    );
    await writeArtifacts(dir, [{ path: `${tag}_curves.png`, data: png }], {
      force: true,
    });
  }
  exactModel.dispose();
  circuitModel.dispose();

  return {
    model: modelName,
    dataset: name,
    function:
      table.spec.fn === 'self_define' ? `self_define(${table.spec.expr})` : table.spec.fn,
    circuit: table.name,
    rounding: table.spec.rounding,
    exact,
    circuitAccuracy,
    ...(retrained ? { retrained } : {}),
    ...(exactRetrained ? { exactRetrained } : {}),
    trainImages: data.train.size,
    testImages: data.test.size,
    epochs: options.epochs,
    retrainEpochs: retrained ? options.retrainEpochs : 0,
    backend,
    seconds: Math.round((performance.now() - start) / 100) / 10,
  };
}

/**
 * The control for retraining: the exact network fine-tuned with the same
 * schedule, cached per schedule beside the exact network; its accuracy.
 */
async function exactControl(
  exactModel: tf.LayersModel,
  dir: string,
  data: Dataset,
  schedule: Omit<TrainOptions, 'phase'>,
  build: (factory: ActivationFactory) => tf.LayersModel,
  table: GoldenTable,
): Promise<Accuracy> {
  const controlDir = join(
    dir,
    `exact_retrained_${schedule.epochs}e_seed${schedule.seed}_batch${schedule.batchSize}`,
  );
  let control: tf.LayersModel;
  if (await hasModel(controlDir)) {
    control = (await loadModel(controlDir)).model;
  } else {
    control = build(await exactFactory(table));
    copyWeights(exactModel, control);
    const history = await train(control, data.train, {
      ...schedule,
      phase: `retrain exact ${table.spec.fn} (control)`,
    });
    await saveModel(control, controlDir, { history });
  }
  const accuracy = await evaluate(
    control,
    data.test,
    schedule.batchSize,
    schedule.onProgress,
    'test exact retrained',
  );
  control.dispose();
  return accuracy;
}

/** Load a data set, with its subsets; data problems are usage errors. */
async function load(name: DatasetName, options: NetworkOptions): Promise<Dataset> {
  try {
    return await loadDataset(name, {
      ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
      ...(options.imageSize !== undefined && name === 'imagenet'
        ? { imageSize: options.imageSize }
        : {}),
      subset: {
        ...(options.trainSize !== undefined ? { train: options.trainSize } : {}),
        ...(options.testSize !== undefined ? { test: options.testSize } : {}),
      },
      seed: options.seed,
    });
  } catch (err) {
    if (err instanceof DataError) throw new UsageError(err.message);
    throw err;
  }
}

/** Loss and accuracy per epoch, for exact training and retraining. */
function curvesPlot(
  title: string,
  exact: EpochRecord[],
  retrain: EpochRecord[],
): Promise<Buffer> {
  const offset = exact.length;
  const ep = (h: EpochRecord[], o: number) => h.map((r) => r.epoch + o);
  return renderPlot({
    title: `${title}: training curves`,
    xLabel: 'epoch',
    yLabel: 'training accuracy (%)',
    rightLabel: 'training loss',
    description: title,
    series: [
      {
        label: 'accuracy, exact function',
        x: ep(exact, 0),
        y: exact.map((r) => 100 * r.accuracy),
        colour: '#1f77b4',
      },
      {
        label: 'accuracy, retraining with the circuit',
        x: ep(retrain, offset),
        y: retrain.map((r) => 100 * r.accuracy),
        colour: '#2ca02c',
      },
      {
        label: 'loss, exact function',
        x: ep(exact, 0),
        y: exact.map((r) => r.loss),
        right: true,
        colour: '#9ecae1',
      },
      {
        label: 'loss, retraining',
        x: ep(retrain, offset),
        y: retrain.map((r) => r.loss),
        right: true,
        colour: '#a1d99b',
      },
    ],
  });
}

const pct = (v: number): string => `${v.toFixed(2)}%`;
const delta = (v: number, base: number): string =>
  `${v - base >= 0 ? '+' : ''}${(v - base).toFixed(2)}`;

/** The results as a Markdown table. */
export function resultsMarkdown(rows: readonly ResultRow[]): string {
  const lines = [
    "# Network accuracy with the circuit's activation",
    '',
    'Written by `af` (appended on every network run). Top-1 accuracy on the',
    'test split; top-5 in brackets for ImageNet. The circuit column is the',
    "exact network's weights with the circuit's function swapped in (Δ against",
    '"exact"); "exact, retrained" fine-tunes the exact network with the same',
    "schedule as the circuit's retraining, as a control, and the retrained",
    "circuit's Δ is against that control.",
    '',
    '| model | data set | function | circuit | exact | circuit (Δ) | exact, retrained ' +
      '| circuit, retrained (Δ) ' +
      '| train / test images | epochs (+retrain) | backend | seconds |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const top5 = (a: Accuracy): string =>
      r.dataset === 'imagenet' ? ` [${pct(a.top5)}]` : '';
    lines.push(
      `| ${[
        r.model,
        r.dataset,
        r.function,
        `${r.circuit} (${r.rounding})`,
        pct(r.exact.top1) + top5(r.exact),
        `${pct(r.circuitAccuracy.top1)} ` +
          `(${delta(r.circuitAccuracy.top1, r.exact.top1)})${top5(r.circuitAccuracy)}`,
        r.exactRetrained ? pct(r.exactRetrained.top1) + top5(r.exactRetrained) : '',
        r.retrained
          ? `${pct(r.retrained.top1)} ` +
            `(${delta(r.retrained.top1, (r.exactRetrained ?? r.exact).top1)})` +
            top5(r.retrained)
          : '',
        `${r.trainImages} / ${r.testImages}`,
        `${r.epochs} (+${r.retrainEpochs})`,
        r.backend,
        String(r.seconds),
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n') + '\n';
}

/** Append rows to `NN_models/results.json` and rewrite `results.md`. */
async function appendResults(outDir: string, rows: readonly ResultRow[]): Promise<void> {
  const dir = join(outDir, 'NN_models');
  await mkdir(dir, { recursive: true });
  let all: ResultRow[] = [];
  try {
    all = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as ResultRow[];
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  all.push(...rows);
  await writeArtifacts(
    dir,
    [
      { path: 'results.json', data: JSON.stringify(all, null, 2) + '\n' },
      { path: 'results.md', data: resultsMarkdown(all) },
    ],
    { force: true },
  );
}
