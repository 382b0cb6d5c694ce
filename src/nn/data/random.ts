/**
 * Seeded pseudo-random numbers, so that every shuffle and every subset is
 * the same on every machine and every run.
 */

import { checkInteger } from './errors.js';

/** The largest seed: seeds are unsigned 32-bit integers. */
export const MAX_SEED = 0xffffffff;

/**
 * Returns a generator of numbers in [0, 1) driven by the 32-bit seed
 * (Mulberry32: small, fast, and good enough for shuffling data).
 */
export function seededRandom(seed: number): () => number {
  let state = checkInteger('seed', seed, 0, MAX_SEED);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Returns the numbers `0 … n-1` in an order fixed by `seed` (Fisher-Yates
 * shuffle driven by {@link seededRandom}).
 */
export function permutation(n: number, seed: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const random = seededRandom(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}
