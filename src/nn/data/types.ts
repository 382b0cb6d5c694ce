/**
 * The shape every data set takes, whether it lives in memory (MNIST,
 * Fashion-MNIST, CIFAR-10) or is streamed from disk (ImageNet).
 */

import type * as tf from '@tensorflow/tfjs';

/**
 * A batch of examples. The caller owns the tensors and must dispose them
 * (or create them inside `tf.tidy`).
 */
export interface Batch {
  /**
   * Images, shape `[n, h, w, c]`, float32: each byte `b` of channel `k`
   * becomes `(b / 255 - mean[k]) / std[k]` with the data set's
   * {@link Normalisation}.
   */
  xs: tf.Tensor4D;
  /** One-hot labels, shape `[n, classes]`, float32. */
  ys: tf.Tensor2D;
  /** The same labels as class indices, for counting and confusion tables. */
  labels: Int32Array;
}

/** How {@link Split.batches} orders and cuts the examples. */
export interface BatchOptions {
  /** Visit the examples in a seeded random order; default false. */
  shuffle?: boolean;
  /**
   * Seed of that order, an unsigned 32-bit integer; default 0. Pass a
   * different seed each epoch (e.g. the epoch number) for a fresh order.
   */
  seed?: number;
  /** Leave out a last batch smaller than `batchSize`; default false. */
  dropRemainder?: boolean;
  /**
   * Move each image by a random whole number of pixels, up to this many
   * each way in each direction, filling with the background byte 0 (a
   * standard augmentation for digits); drawn from `seed`. Default 0.
   */
  shift?: number;
}

/** The training or the test part of a data set. */
export interface Split {
  /** Number of examples. */
  readonly size: number;
  /** The class index of every example, in unshuffled order. */
  readonly labels: Int32Array;
  /**
   * Yields the examples in batches of `batchSize` (the last one may be
   * smaller). Streaming splits decode a bounded number of batches ahead of
   * the consumer; stopping early (`break`) is allowed.
   */
  batches(batchSize: number, options?: BatchOptions): AsyncIterable<Batch>;
  /**
   * A split of the first `count` examples after shuffling this one with
   * `seed`, kept in their unshuffled relative order, for quick runs.
   */
  subset(count: number, seed: number): Split;
}

/**
 * Per-channel statistics subtracted from and divided into the pixels after
 * they are scaled to [0, 1]. Mean 0 and standard deviation 1 leave the
 * pixels in [0, 1].
 */
export interface Normalisation {
  /** One mean per channel, on the [0, 1] scale. */
  mean: number[];
  /** One standard deviation per channel, on the [0, 1] scale. */
  std: number[];
}

/** A labelled image data set with its training and test splits. */
export interface Dataset {
  /** `'mnist'`, `'fashion-mnist'`, `'cifar10'` or `'imagenet'`. */
  name: string;
  /** Number of classes; labels run from 0 to `classes - 1`. */
  classes: number;
  /** The name of each class, indexed by label. */
  classNames: string[];
  /** Height, width and channels of every image, as in `xs`. */
  imageShape: [number, number, number];
  /** What was done to the pixels after scaling them to [0, 1]. */
  normalisation: Normalisation;
  /** The examples to train on. */
  train: Split;
  /** The examples to measure accuracy on. */
  test: Split;
}
