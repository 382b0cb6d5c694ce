/**
 * Training and evaluation loops over a data split, reporting progress
 * through a callback (the command line draws the bars).
 */
import * as tf from '@tensorflow/tfjs';
import type { Split } from './data/types.js';

/** One step of progress. */
export interface Progress {
  readonly phase: string;
  readonly epoch: number;
  readonly epochs: number;
  /** Examples done in this pass, and the pass's size. */
  readonly done: number;
  readonly total: number;
  readonly loss?: number;
}

/** Loss and accuracy after one epoch. */
export interface EpochRecord {
  readonly epoch: number;
  readonly loss: number;
  readonly accuracy: number;
}

/** Settings of a training run. */
export interface TrainOptions {
  readonly epochs: number;
  readonly batchSize: number;
  /** Adam's rate in the first epoch (see {@link train}). */
  readonly learningRate: number;
  readonly seed: number;
  /** Random image shifts of up to this many pixels (see `BatchOptions`). */
  readonly shift?: number;
  readonly phase: string;
  readonly onProgress?: (p: Progress) => void;
}

/** Adam's rate in epoch `epoch` of `epochs`: cosine decay from `start`. */
export function cosineRate(start: number, epoch: number, epochs: number): number {
  return start * 0.5 * (1 + Math.cos((Math.PI * (epoch - 1)) / epochs));
}

/**
 * Train `model` with Adam and cross-entropy for whole epochs; each epoch
 * visits the split in a fresh seeded order, with its images shifted at
 * random when asked, and a learning rate that decays along a half cosine
 * (Loshchilov and Hutter 2017, without restarts) from `learningRate`.
 */
export async function train(
  model: tf.LayersModel,
  split: Split,
  options: TrainOptions,
): Promise<EpochRecord[]> {
  const optimizer = tf.train.adam(options.learningRate);
  model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const history: EpochRecord[] = [];
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    // The rate is a plain field that every step reads.
    (optimizer as unknown as { learningRate: number }).learningRate = cosineRate(
      options.learningRate,
      epoch,
      options.epochs,
    );
    let done = 0;
    let lossSum = 0;
    let accSum = 0;
    const batches = split.batches(options.batchSize, {
      shuffle: true,
      seed: (options.seed * 1000 + epoch) >>> 0,
      shift: options.shift ?? 0,
    });
    for await (const batch of batches) {
      const n = batch.labels.length;
      const [loss, acc] = (await model.trainOnBatch(batch.xs, batch.ys)) as number[];
      tf.dispose([batch.xs, batch.ys]);
      done += n;
      lossSum += loss * n;
      accSum += acc * n;
      options.onProgress?.({
        phase: options.phase,
        epoch,
        epochs: options.epochs,
        done,
        total: split.size,
        loss,
      });
    }
    history.push({ epoch, loss: lossSum / done, accuracy: accSum / done });
  }
  return history;
}

/** Top-1 and top-5 accuracy, in percent. */
export interface Accuracy {
  readonly top1: number;
  readonly top5: number;
}

/**
 * Accuracy of `model` on a split, in inference mode (batch norm uses its
 * moving statistics).
 */
export async function evaluate(
  model: tf.LayersModel,
  split: Split,
  batchSize: number,
  onProgress?: (p: Progress) => void,
  phase = 'test',
): Promise<Accuracy> {
  let done = 0;
  let top1 = 0;
  let top5 = 0;
  for await (const batch of split.batches(batchSize)) {
    const probs = tf.tidy(() => model.predict(batch.xs, { batchSize }) as tf.Tensor2D);
    const k = Math.min(5, probs.shape[1]);
    const { indices } = tf.topk(probs, k);
    const best = (await indices.array()) as number[][];
    tf.dispose([probs, indices, batch.xs, batch.ys]);
    best.forEach((row, r) => {
      const label = batch.labels[r];
      if (row[0] === label) top1++;
      if (row.includes(label)) top5++;
    });
    done += batch.labels.length;
    onProgress?.({ phase, epoch: 1, epochs: 1, done, total: split.size });
  }
  return { top1: (100 * top1) / done, top5: (100 * top5) / done };
}

/**
 * Copy the weights of `from` into `to`, two models of the same
 * architecture that differ only in their activation layers.
 */
export function copyWeights(from: tf.LayersModel, to: tf.LayersModel): void {
  to.setWeights(from.getWeights());
}
