/**
 * LeNet-5 training throughput and peak memory on each TensorFlow.js backend,
 * with the layers and the training loop that `af` uses.
 *
 *   npm run bench:nn -- [--batches=200] [--cpu-batches=10]
 *                       [--function=tanh|selu] [--backends=node,wasm,cpu]
 *
 * For each backend two networks train: with the exact function and with
 * the circuit's (tanh_1_6_4 on [0, 2), or selu_1_4_5 on [-3.875, 0)), the
 * two phases of the network flow. Each backend runs in a child process of
 * its own, so that the peak resident set size it reports is that
 * backend's alone. A run trains on random 28x28 images in batches of 64 (a
 * pool of 16 batches made before timing) with `train`'s step, Adam and
 * `trainOnBatch`, which reads the loss back every step as the flow does:
 * first untimed warm-up batches, then the timed ones. Images per
 * CPU-second (all threads' time) next to images per second show how much
 * of the wall time other processes took on a shared machine.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { resolveFunction } from '../core/functions.js';
import { buildGoldenTable } from '../core/golden.js';
import { parseSpecWords } from '../core/spec.js';
import { exactFactory, quantisedFactory } from '../nn/activation.js';
import { BackendError, selectBackend } from '../nn/backend.js';
import type { BackendRequest } from '../nn/backend.js';
import { lenet5, type ActivationFactory } from '../nn/models.js';

/** Images per training batch. */
const BATCH = 64;

/** Distinct random batches cycled through while timing. */
const POOL = 16;

/** The circuit each function is benchmarked with: the original's examples. */
const CIRCUITS = {
  tanh: ['tanh', '0', '2', '1', '6', '4'],
  selu: ['selu', '-3.875', '0', '1', '4', '5'],
} as const;

/** What one child process measures for one network. */
interface Measurement {
  layer: string;
  imagesPerSecond: number;
  imagesPerCpuSecond: number;
  peakTensorMiB: number;
  loss: number;
}

/** What one child process reports. */
interface BackendMeasurement {
  backend: string;
  notes: string[];
  runs: Measurement[];
  peakRssMiB: number;
}

/** A bad command line; the entry point exits with 2. */
class UsageError extends Error {}

/** Command-line settings. */
interface Settings {
  batches: number;
  cpuBatches: number;
  fn: keyof typeof CIRCUITS;
  backends: BackendRequest[];
  only?: BackendRequest;
}

/** Parses `--name=value` flags; throws on anything it does not know. */
function parseSettings(argv: string[]): Settings {
  const settings: Settings = {
    batches: 200,
    cpuBatches: 10,
    fn: 'tanh',
    backends: ['node', 'wasm', 'cpu'],
  };
  const count = (flag: string, text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) {
      throw new UsageError(`${flag} must be a positive integer, not ${text}`);
    }
    return n;
  };
  const backend = (text: string): BackendRequest => {
    if (text !== 'node' && text !== 'wasm' && text !== 'cpu') {
      throw new UsageError(`--backends must be node, wasm or cpu, not ${text}`);
    }
    return text;
  };
  for (const arg of argv) {
    const [flag, text = ''] = arg.split('=', 2);
    if (flag === '--batches') {
      settings.batches = count(flag, text);
    } else if (flag === '--cpu-batches') {
      settings.cpuBatches = count(flag, text);
    } else if (flag === '--function') {
      if (text !== 'tanh' && text !== 'selu') {
        throw new UsageError(`--function must be tanh or selu, not ${text}`);
      }
      settings.fn = text;
    } else if (flag === '--backends') {
      settings.backends = text.split(',').map(backend);
    } else if (flag === '--only') {
      settings.only = backend(text);
    } else {
      throw new UsageError(`unknown option ${arg}`);
    }
  }
  return settings;
}

/** Trains LeNet-5 with one activation on the active backend and measures it. */
async function measureLayer(
  layer: string,
  factory: ActivationFactory,
  batches: number,
): Promise<Measurement> {
  const warmup = Math.max(2, Math.round(batches / 10));
  const model = lenet5(factory, { seed: 1 });
  model.compile({
    optimizer: tf.train.adam(1e-3),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });

  // Random images and labels, made before any timing.
  const images: tf.Tensor4D[] = [];
  const labels: tf.Tensor2D[] = [];
  for (let i = 0; i < POOL; i++) {
    images.push(tf.randomNormal([BATCH, 28, 28, 1]));
    const classes = tf.randomUniform([BATCH], 0, 10, 'int32') as tf.Tensor1D;
    labels.push(tf.oneHot(classes, 10) as tf.Tensor2D);
    classes.dispose();
  }
  const step = async (i: number): Promise<number> =>
    ((await model.trainOnBatch(images[i % POOL], labels[i % POOL])) as number[])[0];

  // Warm-up, then one profiled step for the peak tensor memory.
  for (let i = 0; i < warmup; i++) await step(i);
  const profile = await tf.profile(async () => {
    await step(0);
  });

  // The timed batches.
  let loss = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 1; i <= batches; i++) loss = await step(i);
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  tf.dispose([...images, ...labels]);
  model.dispose();
  return {
    layer,
    imagesPerSecond: (batches * BATCH) / seconds,
    imagesPerCpuSecond: (batches * BATCH) / ((used.user + used.system) / 1e6),
    peakTensorMiB: profile.peakBytes / 2 ** 20,
    loss,
  };
}

/** Measures both networks on one backend (in a child process). */
async function measure(settings: Settings): Promise<BackendMeasurement> {
  const only = settings.only as BackendRequest;
  const { name, notes } = await selectBackend(only);
  const batches = only === 'cpu' ? settings.cpuBatches : settings.batches;
  const spec = parseSpecWords(CIRCUITS[settings.fn]);
  const table = buildGoldenTable(spec, await resolveFunction(spec.fn));
  const runs = [
    await measureLayer(`exact ${spec.fn}`, await exactFactory(table), batches),
    await measureLayer(table.name, quantisedFactory(table), batches),
  ];
  return {
    backend: name,
    notes,
    runs,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
}

/** Runs one backend in a child process; returns its result or its error. */
function runChild(backend: BackendRequest, argv: string[]): BackendMeasurement | string {
  const script = fileURLToPath(import.meta.url);
  const child = spawnSync(
    process.execPath,
    [script, ...argv.filter((a) => !a.startsWith('--only')), `--only=${backend}`],
    { encoding: 'utf8' },
  );
  const lines = child.stdout.trim().split('\n');
  try {
    return JSON.parse(lines[lines.length - 1]) as BackendMeasurement | string;
  } catch {
    return `exited with ${child.status}: ${child.stderr.trim().split('\n')[0]}`;
  }
}

/** Formats a number to `digits` decimals, right-aligned in `width`. */
function cell(value: number, width: number, digits = 0): string {
  return value.toFixed(digits).padStart(width);
}

/** Entry point: measure each backend and print a table. */
async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const settings = parseSettings(argv);
  if (settings.only !== undefined) {
    try {
      process.stdout.write(`${JSON.stringify(await measure(settings))}\n`);
    } catch (error) {
      if (!(error instanceof BackendError)) throw error;
      process.stdout.write(`${JSON.stringify(error.message)}\n`);
    }
    return;
  }

  // The header says what ran and how busy the machine was.
  const load = os.loadavg()[0].toFixed(2);
  console.log(
    `LeNet-5 training, batch ${BATCH}, Adam, trainOnBatch as in af's flow; ` +
      `${settings.batches} timed batches (cpu: ${settings.cpuBatches}) after a ` +
      `warm-up; ${os.cpus().length} CPUs, load average ${load}`,
  );
  console.log(
    'backend     activation     images/s  images/CPU-s  peak tensors MiB  loss',
  );
  for (const backend of settings.backends) {
    const result = runChild(backend, argv);
    if (typeof result === 'string') {
      console.log(`${backend.padEnd(10)}  ${result}`);
      continue;
    }
    for (const run of result.runs) {
      console.log(
        `${result.backend.padEnd(12)}${run.layer.padEnd(13)}` +
          `${cell(run.imagesPerSecond, 10)}` +
          `${cell(run.imagesPerCpuSecond, 14)}` +
          `${cell(run.peakTensorMiB, 18, 1)}` +
          `  ${run.loss.toFixed(3)}`,
      );
    }
    console.log(`            peak RSS ${result.peakRssMiB.toFixed(1)} MiB`);
    for (const note of result.notes) {
      console.log(`            ${note}`);
    }
  }
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(error.message);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
