/**
 * The network flow: train with the exact function (once, saved under
 * `NN_models/`), test with the circuit's function swapped in, retrain with
 * it, test again, and append every result to the results table.
 *
 * Every trained network is kept, in a folder named after everything its
 * weights depend on, and reused when the same training is asked for
 * again: the exact network under `exact_<hash>/` (the hash of its
 * training settings, which `model.json` also records in words), and the
 * retrained ones inside it, named after the circuit, its range and
 * rounding, and the retraining schedule.
 */
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { join, relative, resolve } from 'node:path';
import { AfError, UsageError } from '../core/errors.js';
import type { GoldenTable } from '../core/golden.js';
import { writeArtifacts } from '../adapters/files.js';
import { hasModel, loadModel, saveModel } from '../adapters/model-files.js';
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
} from '../nn/train.js';
import { appendResults, curvesPlot, type ResultRow } from './results.js';

export { resultsMarkdown, type ResultRow } from './results.js';

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
  /** Random shifts while training, in pixels; default by data set. */
  readonly shift?: number;
  /** Scale of every layer's width (1 = the published networks). */
  readonly width: number;
  readonly outDir: string;
  readonly onProgress?: (p: Progress) => void;
  readonly onNote?: (line: string) => void;
  /** Detail for `--verbose`. */
  readonly onDetail?: (line: string) => void;
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
  return `self_define_${hashOf(expr ?? '').slice(0, 8)}`;
}

/** The data sets and backend of a network run, found before any work. */
export interface PreparedNetworks {
  readonly data: ReadonlyMap<DatasetName, Dataset>;
  readonly backend: string;
}

/**
 * Find every data set and start the backend, so that missing data stops
 * the run before anything is written.
 */
export async function prepareNetworks(
  options: NetworkOptions,
): Promise<PreparedNetworks> {
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
  return { data, backend: backend.name };
}

/** Run the flow on every prepared data set; returns the new rows. */
export async function runNetworks(
  table: GoldenTable,
  prepared: PreparedNetworks,
  options: NetworkOptions,
): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  for (const [name, dataset] of prepared.data) {
    rows.push(await runOne(table, name, dataset, prepared.backend, options));
  }
  await appendResults(options.outDir, rows);
  return rows;
}

/** Everything an exact network's weights depend on. */
interface ExactTraining {
  model: ModelName;
  width: number;
  dataset: DatasetName;
  /** The data folder, or `default` for the built-in source. */
  source: string;
  /** The function; for self_define also its range (its stand-in's). */
  function: string;
  imageShape: number[];
  trainImages: number;
  epochs: number;
  batchSize: number;
  /** Adam's first rate, decayed along a half cosine. */
  learningRate: number;
  schedule: 'cosine';
  /** Random image shifts, in pixels. */
  shift: number;
  seed: number;
}

/** Random shifts by default: two pixels for the 28x28 data sets. */
function defaultShift(dataset: DatasetName): number {
  return dataset === 'mnist' || dataset === 'fashion-mnist' ? 2 : 0;
}

/** A short hash of a JSON value, for folder names. */
function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 10);
}

/** A range as a folder-name part: `[-3.875, 0)` becomes `-3.875to0`. */
function rangeTag(table: GoldenTable): string {
  return `${table.spec.rangeL}to${table.spec.rangeR}`;
}

/** A trained network: loaded from `dir` if it is there, else trained and saved. */
async function trained(
  dir: string,
  make: () => tf.LayersModel,
  fit: (model: tf.LayersModel) => Promise<EpochRecord[]>,
  extra: Record<string, unknown>,
): Promise<{ model: tf.LayersModel; history: EpochRecord[]; loaded: boolean }> {
  if (await hasModel(dir)) {
    const { model, extra: saved } = await loadModel(dir);
    return { model, history: (saved.history as EpochRecord[]) ?? [], loaded: true };
  }
  const model = make();
  const history = await fit(model);
  await saveModel(model, dir, { ...extra, history });
  return { model, history, loaded: false };
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
  const { fn } = table.spec;
  const build = (factory: ActivationFactory): tf.LayersModel =>
    buildModel(modelName, factory, {
      inputShape: data.imageShape,
      classes: data.classes,
      width: options.width,
      batchNorm: fn === 'selu' || fn === 'elu',
      seed: options.seed,
    });
  const progress = options.onProgress ? { onProgress: options.onProgress } : {};

  // 1. The exact-function network, in the folder of its training settings.
  const training: ExactTraining = {
    model: modelName,
    width: options.width,
    dataset: name,
    source: options.dataDir === undefined ? 'default' : resolve(options.dataDir),
    function: fn === 'self_define' ? `${fn} ${table.spec.expr} on ${rangeOf(table)}` : fn,
    imageShape: data.imageShape,
    trainImages: data.train.size,
    epochs: options.epochs,
    batchSize: options.batchSize,
    learningRate: 1e-3,
    schedule: 'cosine',
    shift: options.shift ?? defaultShift(name),
    seed: options.seed,
  };
  const widthTag = options.width === 1 ? '' : `_w${options.width}`;
  const dir = join(
    options.outDir,
    'NN_models',
    `${modelName}${widthTag}_${name}_${functionKey(table)}`,
  );
  const exactDir = join(dir, `exact_${hashOf(training)}`);
  const exactFn = await exactFactory(table);
  const exact = await trained(
    exactDir,
    () => build(exactFn),
    (m) =>
      train(m, data.train, {
        ...training,
        phase: `train ${modelName} (exact ${fn})`,
        ...progress,
      }),
    { training },
  );
  if (exact.loaded) {
    options.onNote?.(`using the trained exact ${fn} ${modelName} in ${exactDir}`);
  } else {
    const png = await curvesPlot(
      `${modelName} on ${name}: exact ${fn}`,
      exact.history,
      [],
    );
    await writeArtifacts(exactDir, [{ path: 'curves.png', data: png }], { force: true });
  }

  // 2. Test with the exact function and with the circuit's.
  const test = (m: tf.LayersModel, phase: string): Promise<Accuracy> =>
    evaluate(m, data.test, options.batchSize, options.onProgress, phase);
  const exactAccuracy = await test(exact.model, 'test exact');
  const circuitModel = build(quantisedFactory(table));
  copyWeights(exact.model, circuitModel);
  const circuitAccuracy = await test(circuitModel, `test ${table.name}`);
  circuitModel.dispose();

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
      shift: training.shift,
    };
    const scheduleTag = `${schedule.epochs}e_b${schedule.batchSize}_s${schedule.seed}`;
    const fineTune = (factory: ActivationFactory, phase: string, sub: string) =>
      trained(
        join(exactDir, sub),
        () => {
          const m = build(factory);
          copyWeights(exact.model, m);
          return m;
        },
        (m) => train(m, data.train, { ...schedule, phase, ...progress }),
        { training, retraining: schedule },
      );
    const control = await fineTune(
      exactFn,
      `retrain exact ${fn} (control)`,
      `retrained_exact_${scheduleTag}`,
    );
    exactRetrained = await test(control.model, 'test exact retrained');
    control.model.dispose();

    const circuitTag = `${table.name}_${rangeTag(table)}_${table.spec.rounding}`;
    const circuitDir = `retrained_${circuitTag}_${scheduleTag}`;
    const circuit = await fineTune(
      quantisedFactory(table),
      `retrain with ${table.name}`,
      circuitDir,
    );
    retrained = await test(circuit.model, `test retrained ${table.name}`);
    circuit.model.dispose();
    if (!circuit.loaded) {
      const png = await curvesPlot(
        `${modelName} on ${name}: ${table.name} on ${rangeOf(table)}`,
        exact.history,
        circuit.history,
      );
      await writeArtifacts(
        join(exactDir, circuitDir),
        [{ path: 'curves.png', data: png }],
        {
          force: true,
        },
      );
    }
  }
  exact.model.dispose();

  return {
    model: modelName,
    dataset: name,
    function: fn === 'self_define' ? `self_define(${table.spec.expr})` : fn,
    circuit: table.name,
    range: rangeOf(table),
    rounding: table.spec.rounding,
    exact: exactAccuracy,
    circuitAccuracy,
    ...(retrained ? { retrained } : {}),
    ...(exactRetrained ? { exactRetrained } : {}),
    trainImages: training.trainImages,
    testImages: data.test.size,
    epochs: training.epochs,
    retrainEpochs: retrained ? options.retrainEpochs : 0,
    exactModel: relative(options.outDir, exactDir),
    backend,
    seconds: Math.round((performance.now() - start) / 100) / 10,
  };
}

/** The tabulated range as it reads in text: `[0, 2)`. */
function rangeOf(table: GoldenTable): string {
  return `[${table.spec.rangeL}, ${table.spec.rangeR})`;
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
