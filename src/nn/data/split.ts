/**
 * One implementation of {@link Split} for every data set: it orders,
 * batches, normalises and prefetches, and leaves reading the bytes of an
 * example to an {@link ExampleSource}.
 */

import * as tf from '@tensorflow/tfjs';

import { DataError, checkInteger } from './errors.js';
import { MAX_SEED, permutation, seededRandom } from './random.js';
import { prefetched } from './stream.js';
import type { Batch, BatchOptions, Normalisation, Split } from './types.js';

/** Where the pixels and labels of a split's examples come from. */
export interface ExampleSource {
  /** The label of every example the source holds, in source order. */
  readonly labels: Int32Array;
  /**
   * Writes the `h * w * c` HWC bytes of each example in `indices`, one after
   * another, into `out`.
   */
  read(indices: Int32Array, out: Uint8Array): Promise<void>;
}

/** What a split needs to know besides its source. */
export interface SplitSpec {
  /** Height, width and channels of every image. */
  imageShape: [number, number, number];
  /** Number of classes, the width of the one-hot labels. */
  classes: number;
  /** Applied to the pixels after scaling them to [0, 1]. */
  normalisation: Normalisation;
  /** Batches read ahead of the consumer (see {@link prefetched}). */
  prefetch: number;
}

/**
 * What a loader finds: the sources of both splits and what describes them.
 * `loadDataset` wraps each source in an {@link ExampleSplit}.
 */
export interface DataSources {
  /** Class names, indexed by label. */
  classNames: string[];
  /** Height, width and channels of every image. */
  imageShape: [number, number, number];
  /** The data set's usual per-channel statistics on the [0, 1] scale. */
  normalisation: Normalisation;
  /** The training examples. */
  train: ExampleSource;
  /** The test examples. */
  test: ExampleSource;
}

/** Holds pixels in memory: `pixels` is every example's HWC bytes in turn. */
export class MemorySource implements ExampleSource {
  /** The label of every example, in the order of `pixels`. */
  readonly labels: Int32Array;
  private readonly exampleBytes: number;

  /**
   * Wraps `pixels` (not copied) and `labels`; `exampleBytes` is `h * w * c`.
   * `what` names the data in the error raised when the sizes disagree.
   */
  constructor(
    private readonly pixels: Uint8Array,
    labels: ArrayLike<number>,
    exampleBytes: number,
    what: string,
  ) {
    if (pixels.length !== labels.length * exampleBytes) {
      throw new DataError(
        `${what}: ${labels.length} labels need ` +
          `${labels.length * exampleBytes} pixel bytes, found ${pixels.length}`,
      );
    }
    this.labels = Int32Array.from(labels);
    this.exampleBytes = exampleBytes;
  }

  /** Copies the bytes of the examples in `indices` into `out`. */
  async read(indices: Int32Array, out: Uint8Array): Promise<void> {
    const n = this.exampleBytes;
    for (let k = 0; k < indices.length; k++) {
      const start = indices[k] * n;
      out.set(this.pixels.subarray(start, start + n), k * n);
    }
  }
}

/** A {@link Split} over some or all of the examples of a source. */
export class ExampleSplit implements Split {
  /** Number of examples. */
  readonly size: number;
  /** The label of each example, in unshuffled order. */
  readonly labels: Int32Array;
  private readonly indices: Int32Array;
  private readonly lookup: Float32Array;

  /**
   * A split over the source's examples at `indices` (all of them, in
   * source order, by default).
   */
  constructor(
    private readonly source: ExampleSource,
    private readonly spec: SplitSpec,
    indices?: Int32Array,
  ) {
    const all = source.labels.length;
    this.indices = indices ?? Int32Array.from({ length: all }, (_, i) => i);
    this.size = this.indices.length;
    this.labels = this.indices.map((i) => source.labels[i]);
    this.lookup = normalisationTable(spec.imageShape[2], spec.normalisation);
    checkInteger('prefetch', spec.prefetch, 0);
  }

  /**
   * The first `count` examples of this split after shuffling it with
   * `seed`, kept in their unshuffled relative order. `what` names the
   * option in the error raised when `count` is out of range.
   */
  subset(count: number, seed: number, what = 'subset'): ExampleSplit {
    checkInteger(what, count, 1, this.size);
    const chosen = permutation(this.size, seed).subarray(0, count).sort();
    const indices = chosen.map((k) => this.indices[k]);
    return new ExampleSplit(this.source, this.spec, indices);
  }

  /** See {@link Split.batches}. */
  batches(batchSize: number, options: BatchOptions = {}): AsyncIterable<Batch> {
    checkInteger('batch size', batchSize, 1);
    const seed = checkInteger('seed', options.seed ?? 0, 0, MAX_SEED);
    const order = options.shuffle
      ? permutation(this.size, seed).map((k) => this.indices[k])
      : this.indices;
    const count = options.dropRemainder
      ? Math.floor(this.size / batchSize)
      : Math.ceil(this.size / batchSize);
    const [h, w, c] = this.spec.imageShape;
    const exampleBytes = h * w * c;
    const shift = checkInteger('shift', options.shift ?? 0, 0, Math.min(h, w) - 1);

    const load = async (b: number) => {
      const indices = order.subarray(b * batchSize, (b + 1) * batchSize);
      const bytes = new Uint8Array(indices.length * exampleBytes);
      await this.source.read(indices, bytes);
      if (shift > 0) {
        // A generator per batch, so the shifts do not depend on the order
        // in which prefetching reads batches.
        const random = seededRandom((Math.imul(seed, 0x9e3779b1) + b + 1) >>> 0);
        shiftImages(bytes, this.spec.imageShape, shift, random);
      }
      return { indices, bytes };
    };

    const prefetch = this.spec.prefetch;
    const toBatch = (raw: { indices: Int32Array; bytes: Uint8Array }) =>
      this.toBatch(raw.indices, raw.bytes);
    return {
      async *[Symbol.asyncIterator]() {
        for await (const raw of prefetched(count, load, prefetch)) {
          yield toBatch(raw);
        }
      },
    };
  }

  /** Turns raw bytes into normalised image and one-hot label tensors. */
  private toBatch(indices: Int32Array, bytes: Uint8Array): Batch {
    const [h, w, c] = this.spec.imageShape;
    const n = indices.length;
    const classes = this.spec.classes;

    const pixels = new Float32Array(bytes.length);
    for (let j = 0; j < bytes.length; j++) {
      pixels[j] = this.lookup[(j % c) * 256 + bytes[j]];
    }

    const labels = indices.map((i) => this.source.labels[i]);
    const oneHot = new Float32Array(n * classes);
    for (let k = 0; k < n; k++) oneHot[k * classes + labels[k]] = 1;

    return {
      xs: tf.tensor4d(pixels, [n, h, w, c], 'float32'),
      ys: tf.tensor2d(oneHot, [n, classes], 'float32'),
      labels,
    };
  }
}

/**
 * Moves each HWC image in `bytes` by whole pixels, each way up to `max`,
 * drawn from `random`, filling what comes in with 0.
 */
function shiftImages(
  bytes: Uint8Array,
  [h, w, c]: [number, number, number],
  max: number,
  random: () => number,
): void {
  const size = h * w * c;
  const copy = new Uint8Array(size);
  for (let start = 0; start < bytes.length; start += size) {
    const dy = Math.floor(random() * (2 * max + 1)) - max;
    const dx = Math.floor(random() * (2 * max + 1)) - max;
    copy.set(bytes.subarray(start, start + size));
    bytes.fill(0, start, start + size);
    for (let y = Math.max(0, dy); y < Math.min(h, h + dy); y++) {
      const from = ((y - dy) * w + Math.max(0, -dx)) * c;
      const to = start + (y * w + Math.max(0, dx)) * c;
      bytes.set(copy.subarray(from, from + (w - Math.abs(dx)) * c), to);
    }
  }
}

/**
 * The normalised value of every byte in every channel:
 * entry `k * 256 + b` is `(b / 255 - mean[k]) / std[k]`.
 */
function normalisationTable(
  channels: number,
  { mean, std }: Normalisation,
): Float32Array {
  if (mean.length !== channels || std.length !== channels) {
    throw new DataError(
      `normalisation needs ${channels} means and standard deviations, ` +
        `not ${mean.length} and ${std.length}`,
    );
  }
  const table = new Float32Array(channels * 256);
  for (let k = 0; k < channels; k++) {
    if (!(std[k] > 0)) {
      throw new DataError(
        `normalisation std must be positive, not ${std[k]} (channel ${k})`,
      );
    }
    for (let b = 0; b < 256; b++) {
      table[k * 256 + b] = (b / 255 - mean[k]) / std[k];
    }
  }
  return table;
}
