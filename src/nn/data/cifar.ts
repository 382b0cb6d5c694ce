/**
 * CIFAR-10, binary version (https://www.cs.toronto.edu/~kriz/cifar.html):
 * 32x32 colour images of 10 classes, held in memory.
 */

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { DataError, reason } from './errors.js';
import { type DataSources, MemorySource } from './split.js';
import type { Normalisation } from './types.js';

/** CIFAR-10's class names, indexed by label (as in `batches.meta.txt`). */
export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];

/** Per-channel (R, G, B) mean and standard deviation of the training set. */
export const CIFAR10_NORMALISATION: Normalisation = {
  mean: [0.4914, 0.4822, 0.4465],
  std: [0.247, 0.2435, 0.2616],
};

/** The training files, 10,000 records each in the real data set. */
export const CIFAR10_TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);

/** The test file, 10,000 records in the real data set. */
export const CIFAR10_TEST_FILE = 'test_batch.bin';

/** The subfolder the official archive unpacks to. */
export const CIFAR10_SUBFOLDER = 'cifar-10-batches-bin';

const SIDE = 32;
const PLANE = SIDE * SIDE;
const RECORD = 1 + 3 * PLANE;

/** Images and labels of one or more CIFAR-10 files. */
export interface CifarRecords {
  /** One byte per record, 0 to 9. */
  labels: Uint8Array;
  /** 32x32x3 HWC bytes (R, G, B innermost) per record, one after another. */
  pixels: Uint8Array;
}

/**
 * Parses the contents of a CIFAR-10 binary file: records of one label
 * byte then 3,072 pixel bytes (the 1,024 red values of the 32x32 image in
 * row-major order, then the green, then the blue). The pixels are
 * returned in HWC order. `source` names the file in error messages.
 */
export function parseCifarBatch(bytes: Uint8Array, source: string): CifarRecords {
  if (bytes.length === 0 || bytes.length % RECORD !== 0) {
    throw new DataError(
      `bad CIFAR-10 file ${source}: ${bytes.length} bytes is not a ` +
        `positive multiple of ${RECORD} (1 label byte and ${3 * PLANE} ` +
        'pixel bytes per record, the binary version)',
    );
  }
  const count = bytes.length / RECORD;
  const labels = new Uint8Array(count);
  const pixels = new Uint8Array(count * 3 * PLANE);

  for (let r = 0; r < count; r++) {
    const record = r * RECORD;
    labels[r] = bytes[record];
    if (labels[r] >= CIFAR10_CLASSES.length) {
      throw new DataError(
        `bad CIFAR-10 file ${source}: record ${r} has label ${labels[r]}, ` +
          `expected 0 to ${CIFAR10_CLASSES.length - 1}`,
      );
    }
    // Planar CHW in the file, interleaved HWC in memory.
    const out = r * 3 * PLANE;
    for (let c = 0; c < 3; c++) {
      const plane = record + 1 + c * PLANE;
      for (let p = 0; p < PLANE; p++) {
        pixels[out + 3 * p + c] = bytes[plane + p];
      }
    }
  }
  return { labels, pixels };
}

/**
 * CIFAR-10 from `dir` or its `cifar-10-batches-bin` subfolder: the five
 * `data_batch_<i>.bin` files are the training split (in that order), and
 * `test_batch.bin` the test split.
 */
export function loadCifar10(dir: string): DataSources {
  const folder = [dir, join(dir, CIFAR10_SUBFOLDER)].find((d) =>
    existsSync(join(d, CIFAR10_TRAIN_FILES[0])),
  );
  const names = [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE];
  const missing = names.filter((n) => !folder || !existsSync(join(folder, n)));
  if (!folder || missing.length > 0) {
    throw new DataError(
      `CIFAR-10 data not found in ${folder ?? dir}: expected ` +
        `${names.join(', ')} (the binary version, here or in ` +
        `${CIFAR10_SUBFOLDER}/); missing ${missing.join(', ')}`,
    );
  }

  const train = CIFAR10_TRAIN_FILES.map((n) => readCifarFile(join(folder, n)));
  const test = readCifarFile(join(folder, CIFAR10_TEST_FILE));
  return {
    classNames: CIFAR10_CLASSES,
    imageShape: [SIDE, SIDE, 3],
    normalisation: CIFAR10_NORMALISATION,
    train: toSource(concat(train), `CIFAR-10 training files in ${folder}`),
    test: toSource(test, join(folder, CIFAR10_TEST_FILE)),
  };
}

/** Reads and parses one CIFAR-10 binary file. */
function readCifarFile(path: string): CifarRecords {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new DataError(`cannot read ${path}: ${reason(error)}`);
  }
  return parseCifarBatch(bytes, path);
}

/** Joins the records of several files, in order. */
function concat(parts: CifarRecords[]): CifarRecords {
  const joinBytes = (arrays: Uint8Array[]) => {
    const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
    let at = 0;
    for (const a of arrays) {
      out.set(a, at);
      at += a.length;
    }
    return out;
  };
  return {
    labels: joinBytes(parts.map((p) => p.labels)),
    pixels: joinBytes(parts.map((p) => p.pixels)),
  };
}

/** Holds parsed records in memory. */
function toSource(records: CifarRecords, what: string): MemorySource {
  return new MemorySource(records.pixels, records.labels, 3 * PLANE, what);
}
