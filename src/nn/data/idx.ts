/**
 * The IDX format of MNIST and Fashion-MNIST
 * (http://yann.lecun.com/exdb/mnist/): a big-endian header (two zero
 * bytes, a type byte, the number of dimensions, then each dimension as a
 * 32-bit integer) followed by the data. Only unsigned bytes (type 0x08)
 * occur in these data sets.
 */

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

import { DataError, reason } from './errors.js';

/** Magic number of an IDX file of unsigned-byte images `[n, rows, cols]`. */
export const IDX_IMAGES_MAGIC = 0x00000803;

/** Magic number of an IDX file of unsigned-byte labels `[n]`. */
export const IDX_LABELS_MAGIC = 0x00000801;

/** The contents of an IDX file. */
export interface IdxArray {
  /** The size of each dimension, outermost first. */
  dims: number[];
  /** The values, last dimension fastest. */
  data: Uint8Array;
}

/** Images read from an IDX file. */
export interface IdxImages {
  /** Number of images. */
  count: number;
  /** Height of each image. */
  rows: number;
  /** Width of each image. */
  cols: number;
  /** `count * rows * cols` bytes, row-major, one image after another. */
  pixels: Uint8Array;
}

/**
 * Parses an IDX file of unsigned bytes whose magic number must be
 * `expectedMagic` (which also fixes the number of dimensions). `source`
 * names the file in error messages.
 */
export function parseIdx(
  bytes: Uint8Array,
  expectedMagic: number,
  source: string,
): IdxArray {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);

  // Magic number.
  if (bytes.length < 4) {
    throw new DataError(
      `bad IDX file ${source}: ${bytes.length} bytes is too short ` +
        'for the 4-byte magic number',
    );
  }
  const magic = view.getUint32(0);
  if (magic !== expectedMagic) {
    throw new DataError(
      `bad IDX file ${source}: magic number ${hex(magic)}, ` +
        `expected ${hex(expectedMagic)}`,
    );
  }

  // Dimensions.
  const rank = magic & 0xff;
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new DataError(
      `bad IDX file ${source}: truncated header, ${bytes.length} bytes ` +
        `where ${rank} dimensions need ${headerBytes}`,
    );
  }
  const dims: number[] = [];
  for (let d = 0; d < rank; d++) dims.push(view.getUint32(4 + 4 * d));

  // Data.
  const expected = dims.reduce((a, b) => a * b, 1);
  const found = bytes.length - headerBytes;
  if (found !== expected) {
    const what = found < expected ? 'truncated' : 'too long';
    throw new DataError(
      `bad IDX file ${source}: ${what}, dimensions ${dims.join('x')} need ` +
        `${expected} data bytes, found ${found}`,
    );
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/**
 * Reads an IDX file, gunzipping it first when it starts with the gzip magic
 * bytes (whatever its name), and parses it as {@link parseIdx} does.
 */
export function readIdxFile(path: string, expectedMagic: number): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new DataError(`cannot read ${path}: ${reason(error)}`);
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (error) {
      throw new DataError(`cannot gunzip ${path}: ${reason(error)}`);
    }
  }
  return parseIdx(bytes, expectedMagic, path);
}

/** Reads an IDX file of images `[count, rows, cols]`. */
export function readIdxImages(path: string): IdxImages {
  const { dims, data } = readIdxFile(path, IDX_IMAGES_MAGIC);
  return { count: dims[0], rows: dims[1], cols: dims[2], pixels: data };
}

/** Reads an IDX file of labels `[count]`. */
export function readIdxLabels(path: string): Uint8Array {
  return readIdxFile(path, IDX_LABELS_MAGIC).data;
}

/**
 * The path of `base` or `base.gz` in `dir`, whichever exists (the plain
 * file first), or undefined when neither does.
 */
export function findIdxFile(dir: string, base: string): string | undefined {
  return [base, `${base}.gz`]
    .map((name) => join(dir, name))
    .find((path) => existsSync(path));
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
