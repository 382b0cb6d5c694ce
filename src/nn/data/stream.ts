/**
 * Bounded read-ahead for streamed batches.
 */

import { checkInteger } from './errors.js';

/**
 * Yields `load(0) … load(count - 1)` in order, starting each load early so
 * that while the consumer holds item `i`, at most `ahead` later items are
 * being loaded or wait ready. After the consumer has received `k` items, no
 * more than `k + ahead` loads have started. A load that fails rethrows when
 * its turn comes; loads started ahead of an early `break` are abandoned.
 */
export async function* prefetched<T>(
  count: number,
  load: (index: number) => Promise<T>,
  ahead: number,
): AsyncGenerator<T> {
  checkInteger('prefetch', ahead, 0);
  const pending: Promise<T>[] = [];
  let started = 0;
  for (let i = 0; i < count; i++) {
    while (started < Math.min(count, i + 1 + ahead)) {
      const index = started++;
      const promise = (async () => load(index))();
      // Abandoned loads must not surface as unhandled rejections.
      promise.catch(() => undefined);
      pending.push(promise);
    }
    const next = pending.shift() as Promise<T>;
    yield await next;
  }
}
