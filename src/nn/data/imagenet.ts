/**
 * ImageNet-style image folders, streamed from disk: only the batches being
 * decoded or waiting for the consumer are ever in memory.
 */

import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';

import sharp, { type OutputInfo } from 'sharp';

import { DataError, checkInteger, reason } from './errors.js';
import type { DataSources, ExampleSource } from './split.js';
import type { Normalisation } from './types.js';

/**
 * Per-channel (R, G, B) mean and standard deviation of the ImageNet
 * training set, the usual constants (e.g. torchvision's).
 */
export const IMAGENET_NORMALISATION: Normalisation = {
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
};

/** The side of the square images made when no size is given. */
export const DEFAULT_IMAGE_SIZE = 224;

/** The largest image side accepted. */
export const MAX_IMAGE_SIZE = 4096;

/** Images decoded at the same time when no concurrency is given. */
export const DEFAULT_DECODE_CONCURRENCY = 4;

/**
 * File name endings (any case) read as images; other files are ignored.
 * ImageNet is JPEG; the others cost nothing to accept.
 */
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp'];

/** How image folders are decoded. */
export interface ImageFolderOptions {
  /** Side of the square images produced; default 224. */
  imageSize?: number;
  /** Images decoded at the same time within a batch; default 4. */
  concurrency?: number;
}

/** Reads examples by decoding image files with `sharp`. */
export class ImageFolderSource implements ExampleSource {
  /** The label of each file. */
  readonly labels: Int32Array;

  /**
   * Files at `paths` with labels `labels`, decoded to `imageSize` square
   * RGB images, `concurrency` at a time.
   */
  constructor(
    readonly paths: string[],
    labels: ArrayLike<number>,
    private readonly imageSize: number,
    private readonly concurrency: number,
  ) {
    this.labels = Int32Array.from(labels);
  }

  /** Decodes the files in `indices` into `out`, one after another. */
  async read(indices: Int32Array, out: Uint8Array): Promise<void> {
    const bytes = this.imageSize * this.imageSize * 3;
    let next = 0;
    const worker = async () => {
      while (next < indices.length) {
        const k = next++;
        const image = await decodeImage(this.paths[indices[k]], this.imageSize);
        out.set(image, k * bytes);
      }
    };
    const workers = Math.min(this.concurrency, indices.length);
    await Promise.all(Array.from({ length: workers }, worker));
  }
}

/**
 * Decodes an image file to `size` x `size` RGB bytes in HWC order: the
 * shorter side is scaled to `size` and the centre square is cut out
 * (sharp's `fit: 'cover'`); grey and CMYK images become sRGB, alpha is
 * dropped.
 */
export async function decodeImage(path: string, size: number): Promise<Uint8Array> {
  let result: { data: Buffer; info: OutputInfo };
  try {
    result = await sharp(path, { failOn: 'error' })
      .resize(size, size, { fit: 'cover', position: 'centre' })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new DataError(`cannot decode image ${path}: ${reason(error)}`);
  }
  const { data, info } = result;
  if (info.width !== size || info.height !== size || info.channels !== 3) {
    throw new DataError(
      `cannot decode image ${path}: got ${info.width}x${info.height}x` +
        `${info.channels}, expected ${size}x${size}x3`,
    );
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

/**
 * An ImageNet-style data set in `dir`: `train/` and `val/` each hold one
 * folder per class, named alike (e.g. WordNet ids `n01440764`), of image
 * files. Classes are the `train/` folder names in sorted (code point)
 * order, so a class has the same label in both splits; `val/` may lack
 * classes but may not add any. Files are listed now, in sorted order, and
 * decoded only when their batch is read.
 */
export async function loadImageFolder(
  dir: string,
  options: ImageFolderOptions = {},
): Promise<DataSources> {
  const size = checkInteger(
    'image size',
    options.imageSize ?? DEFAULT_IMAGE_SIZE,
    1,
    MAX_IMAGE_SIZE,
  );
  const concurrency = checkInteger(
    'decode concurrency',
    options.concurrency ?? DEFAULT_DECODE_CONCURRENCY,
    1,
  );
  const trainDir = join(dir, 'train');
  const valDir = join(dir, 'val');
  if (!(await isDirectory(trainDir)) || !(await isDirectory(valDir))) {
    throw new DataError(
      `ImageNet data not found in ${dir}: expected train/ and val/ ` +
        'folders, each with one folder of JPEG files per class',
    );
  }

  const classNames = await classFolders(trainDir);
  if (classNames.length === 0) {
    throw new DataError(`ImageNet folder ${trainDir} has no class folders`);
  }
  const train = await listImages(trainDir, classNames);
  const test = await listImages(valDir, classNames);
  return {
    classNames,
    imageShape: [size, size, 3],
    normalisation: IMAGENET_NORMALISATION,
    train: new ImageFolderSource(train.paths, train.labels, size, concurrency),
    test: new ImageFolderSource(test.paths, test.labels, size, concurrency),
  };
}

/** Lists the image files of a split folder and labels them by class. */
async function listImages(
  splitDir: string,
  classNames: string[],
): Promise<{ paths: string[]; labels: number[] }> {
  const loose = (await visibleEntries(splitDir)).filter(isImageName);
  if (loose.length > 0) {
    throw new DataError(
      `ImageNet folder ${splitDir} holds images such as ${loose[0]} ` +
        'directly; sort them into one folder per class, as in train/',
    );
  }
  const folders = await classFolders(splitDir);
  const unknown = folders.find((name) => !classNames.includes(name));
  if (unknown !== undefined) {
    throw new DataError(
      `ImageNet folder ${splitDir} has class folder ${unknown}, ` + 'which train/ lacks',
    );
  }

  const paths: string[] = [];
  const labels: number[] = [];
  for (const name of folders) {
    const label = classNames.indexOf(name);
    const files = (await visibleEntries(join(splitDir, name))).filter(isImageName);
    for (const file of files) {
      paths.push(join(splitDir, name, file));
      labels.push(label);
    }
  }
  if (paths.length === 0) {
    throw new DataError(
      `ImageNet folder ${splitDir} holds no images (` + `${IMAGE_EXTENSIONS.join(', ')})`,
    );
  }
  return { paths, labels };
}

/** The sorted names of the folders (or links to folders) in `dir`. */
async function classFolders(dir: string): Promise<string[]> {
  const names = await visibleEntries(dir);
  const isFolder = await Promise.all(names.map((name) => isDirectory(join(dir, name))));
  return names.filter((_, i) => isFolder[i]);
}

/** The sorted names in `dir`, leaving out hidden ones. */
async function visibleEntries(dir: string): Promise<string[]> {
  try {
    const names = await readdir(dir);
    return names.filter((name) => !name.startsWith('.')).sort(byCodePoint);
  } catch (error) {
    throw new DataError(`cannot list ${dir}: ${reason(error)}`);
  }
}

/** Whether a file name ends like an image this loader reads. */
function isImageName(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(extname(name).toLowerCase());
}

/** Whether `path` is a folder or a link to one. */
async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Orders strings by code point, independent of locale. */
function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
