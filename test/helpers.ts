/** Shared helpers for the tests: build specs and tables tersely. */
import { resolveFunction } from '../src/core/functions.js';
import { buildGoldenTable, type GoldenTable } from '../src/core/golden.js';
import { parseSpecWords } from '../src/core/spec.js';

/** The golden table of `fn l r intBits fracBits i`, as `af` would build it. */
export async function goldenOf(
  args: string,
  rounding = 'nearest',
  expr?: string,
): Promise<GoldenTable> {
  const spec = parseSpecWords(args.split(/\s+/), rounding, expr);
  return buildGoldenTable(spec, await resolveFunction(spec.fn, expr));
}
