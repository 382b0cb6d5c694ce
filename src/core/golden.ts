/**
 * The golden table: for every input code, the output code. It is the
 * single source of truth from which every circuit, memory file, plot and
 * network layer is derived.
 */
import { UsageError } from './errors.js';
import {
  codeToReal,
  describeFormat,
  quantise,
  codeRange,
  type FixedFormat,
} from './format.js';
import type { ActivationFunction } from './functions.js';
import { inputX, specName, type ActivationSpec } from './spec.js';

/** The exact fixed-point behaviour of a circuit for one spec. */
export interface GoldenTable {
  readonly spec: ActivationSpec;
  readonly fn: ActivationFunction;
  /** `<function>_<int_bits>_<float_bits>_<i>`. */
  readonly name: string;
  /** The output format; signed when f < 0 anywhere on the grid. */
  readonly format: FixedFormat;
  /** Input x of each code. */
  readonly x: Float64Array;
  /** Exact f(x) of each code. */
  readonly exact: Float64Array;
  /** Output code of each input code (negative codes stay negative). */
  readonly codes: Int32Array;
  /** Messages about the table the user should see (saturation). */
  readonly warnings: readonly string[];
}

/**
 * Build the golden table of `spec` for the exact function `fn`.
 *
 * @throws UsageError when f is not a finite real number at a grid point.
 */
export function buildGoldenTable(
  spec: ActivationSpec,
  fn: ActivationFunction,
): GoldenTable {
  const n = 2 ** spec.inputBits;
  const x = new Float64Array(n);
  const exact = new Float64Array(n);

  // Evaluate the exact function on the grid.
  for (let k = 0; k < n; k++) {
    x[k] = inputX(spec, k);
    const y = fn.value(x[k]);
    if (!Number.isFinite(y)) {
      const what = fn.name === 'self_define' ? `'${spec.expr}'` : fn.name;
      throw new UsageError(
        `${what} is not a finite real number at x = ${x[k]} (input code ${k}); ` +
          'choose a range where it is defined',
      );
    }
    exact[k] = y;
  }

  // A sign bit only when the function is negative somewhere on the grid.
  const format: FixedFormat = {
    signed: exact.some((y) => y < 0),
    intBits: spec.intBits,
    fracBits: spec.fracBits,
  };

  // Round every value into the format, saturating on overflow.
  const codes = new Int32Array(n);
  let saturated = 0;
  let first = -1;
  for (let k = 0; k < n; k++) {
    const q = quantise(exact[k], format, spec.rounding);
    codes[k] = q.code;
    if (q.saturated) {
      saturated++;
      if (first < 0) first = k;
    }
  }

  const name = specName(spec);
  const warnings: string[] = [];
  if (saturated > 0) {
    const { min, max } = codeRange(format);
    warnings.push(
      `${name}: ${saturated} of ${n} outputs overflow the format ` +
        `${describeFormat(format)} [${codeToReal(min, format)}, ` +
        `${codeToReal(max, format)}] and were saturated; first at ` +
        `x = ${x[first]} where f = ${exact[first]}; add int_bits to avoid it`,
    );
  }
  return { spec, fn, name, format, x, exact, codes, warnings };
}

/** The real output values of the table (code / 2^fracBits). */
export function tableValues(table: GoldenTable): Float64Array {
  return Float64Array.from(table.codes, (c) => codeToReal(c, table.format));
}
