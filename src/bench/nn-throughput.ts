/**
 * LeNet-5 training throughput and peak memory on each TensorFlow.js backend.
 *
 *   npm run bench:nn -- [--batches=300] [--cpu-batches=10]
 *                       [--activation=tanh|relu|sigmoid] [--optimizer=adam|sgd]
 *                       [--backends=node,wasm,cpu]
 *
 * Each backend runs in a child process of its own, so that the peak
 * resident set size it reports is that backend's alone. A run trains on
 * random 28x28 images in batches of 64 (a pool of 16 batches made before
 * timing), first untimed warm-up batches, then the timed ones, reading the
 * loss back only once at the end so that no step waits on a data sync.
 * The cpu backend gets fewer batches: it manages about 15 images a second.
 * Images per CPU-second (all threads' time) next to images per second show
 * how much of the wall time other processes took on a shared machine.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { BackendError, selectBackend } from '../nn/backend.js';
import type { BackendRequest } from '../nn/backend.js';
import { exactActivation, lenet5 } from '../nn/models.js';

/** Images per training batch. */
const BATCH = 64;

/** Distinct random batches cycled through while timing. */
const POOL = 16;

/** What one child process measures. */
interface Measurement {
  backend: string;
  notes: string[];
  batches: number;
  imagesPerSecond: number;
  imagesPerCpuSecond: number;
  peakRssMiB: number;
  peakTensorMiB: number;
  loss: number;
}

/** A bad command line; the entry point exits with 2. */
class UsageError extends Error {}

/** Command-line settings. */
interface Settings {
  batches: number;
  cpuBatches: number;
  activation: 'tanh' | 'relu' | 'sigmoid';
  optimizer: 'adam' | 'sgd';
  backends: BackendRequest[];
  only?: BackendRequest;
}

/** Parses `--name=value` flags; throws on anything it does not know. */
function parseSettings(argv: string[]): Settings {
  const settings: Settings = {
    batches: 300,
    cpuBatches: 10,
    activation: 'tanh',
    optimizer: 'adam',
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
    } else if (flag === '--activation') {
      if (text !== 'tanh' && text !== 'relu' && text !== 'sigmoid') {
        throw new UsageError(`--activation must be tanh, relu or sigmoid, not ${text}`);
      }
      settings.activation = text;
    } else if (flag === '--optimizer') {
      if (text !== 'adam' && text !== 'sgd') {
        throw new UsageError(`--optimizer must be adam or sgd, not ${text}`);
      }
      settings.optimizer = text;
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

/** Trains LeNet-5 on the active backend and measures it. */
async function measure(settings: Settings): Promise<Measurement> {
  const only = settings.only as BackendRequest;
  const { name, notes } = await selectBackend(only);
  const batches = only === 'cpu' ? settings.cpuBatches : settings.batches;
  const warmup = Math.max(2, Math.round(batches / 10));
  const model = lenet5(exactActivation(settings.activation));
  const optimizer =
    settings.optimizer === 'adam' ? tf.train.adam(1e-3) : tf.train.sgd(0.05);

  // Random images and labels, made before any timing.
  const images: tf.Tensor4D[] = [];
  const labels: tf.Tensor2D[] = [];
  for (let i = 0; i < POOL; i++) {
    images.push(tf.randomNormal([BATCH, 28, 28, 1]));
    const classes = tf.randomUniform([BATCH], 0, 10, 'int32') as tf.Tensor1D;
    labels.push(tf.oneHot(classes, 10) as tf.Tensor2D);
    classes.dispose();
  }
  const step = (i: number): tf.Scalar =>
    optimizer.minimize(
      () =>
        tf.losses.softmaxCrossEntropy(
          labels[i % POOL],
          model.apply(images[i % POOL]) as tf.Tensor,
        ),
      true,
    ) as tf.Scalar;

  // Warm-up, then one profiled step for the peak tensor memory.
  for (let i = 0; i < warmup; i++) {
    step(i).dispose();
  }
  const profile = await tf.profile(() => step(0).dispose());

  // The timed batches; the loss is read once, after the clock stops.
  let loss = step(0);
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 1; i <= batches; i++) {
    loss.dispose();
    loss = step(i);
  }
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  const lossValue = (await loss.data())[0];
  return {
    backend: name,
    notes,
    batches,
    imagesPerSecond: (batches * BATCH) / seconds,
    imagesPerCpuSecond: (batches * BATCH) / cpuSeconds,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    peakTensorMiB: profile.peakBytes / 2 ** 20,
    loss: lossValue,
  };
}

/** Runs one backend in a child process; returns its result or its error. */
function runChild(backend: BackendRequest, argv: string[]): Measurement | string {
  const script = fileURLToPath(import.meta.url);
  const child = spawnSync(
    process.execPath,
    [script, ...argv.filter((a) => !a.startsWith('--only')), `--only=${backend}`],
    { encoding: 'utf8' },
  );
  const lines = child.stdout.trim().split('\n');
  try {
    return JSON.parse(lines[lines.length - 1]) as Measurement | string;
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
    `LeNet-5 training, batch ${BATCH}, ${settings.activation}, ` +
      `${settings.optimizer}; ${settings.batches} timed batches ` +
      `(cpu: ${settings.cpuBatches}) after a warm-up; ` +
      `${os.cpus().length} CPUs, load average ${load}`,
  );
  console.log('backend     images/s  images/CPU-s  peak RSS MiB  peak tensors MiB  loss');
  for (const backend of settings.backends) {
    const result = runChild(backend, argv);
    if (typeof result === 'string') {
      console.log(`${backend.padEnd(10)}  ${result}`);
      continue;
    }
    console.log(
      `${result.backend.padEnd(10)}` +
        `${cell(result.imagesPerSecond, 10)}` +
        `${cell(result.imagesPerCpuSecond, 14)}` +
        `${cell(result.peakRssMiB, 14, 1)}` +
        `${cell(result.peakTensorMiB, 18, 1)}` +
        `  ${result.loss.toFixed(3)}`,
    );
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
