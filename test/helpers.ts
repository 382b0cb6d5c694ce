/** Shared helpers for the tests: build specs and tables tersely. */
import { resolveFunction } from '../src/core/functions.js';
import { buildGoldenTable, type GoldenTable } from '../src/core/golden.js';
import { parseSpec } from '../src/core/spec.js';

/** The golden table of `fn l r intBits fracBits i`, as `af` would build it. */
export async function goldenOf(
  args: string,
  rounding = 'nearest',
  expr?: string,
): Promise<GoldenTable> {
  const [fn, rangeL, rangeR, intBits, fracBits, inputBits] = args.split(/\s+/);
  const spec = parseSpec({
    fn,
    rangeL,
    rangeR,
    intBits,
    fracBits,
    inputBits,
    rounding,
    ...(expr !== undefined ? { expr } : {}),
  });
  return buildGoldenTable(spec, await resolveFunction(fn, expr));
}
