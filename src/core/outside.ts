/**
 * The one rule for inputs outside the tabulated range `[rang_l, rang_r)`,
 * shared by the network layer (and, later, a full-range circuit):
 *
 * - a range that starts at 0, for an odd function (tanh), is mirrored to
 *   negative inputs: f(-x) = -f(x); a range that ends at 0 is mirrored to
 *   positive inputs the same way, and x = 0 itself, which neither side
 *   holds, gets f(0) rounded into the table's format;
 * - for sigmoid the same, with its point symmetry f(-x) = 1 - f(x);
 * - a range that ends at 0 for SELU or ELU uses the exact linear branch
 *   `slope * x` for inputs from 0 up, as the original did;
 * - everything else saturates to the end of the table.
 *
 * Inside the range, an input x gets the code of the grid point at or below
 * it: the largest k with `table.x[k] <= x`. The grid points are the
 * table's own float64 values, so a code's own x always gets that code,
 * whatever rounding `rang_l + k * step` involved.
 */
import { codeToReal, quantise } from './format.js';
import type { GoldenTable } from './golden.js';

/** How the far side of the axis is covered. */
export type Extension =
  | { kind: 'saturate' }
  /**
   * Mirror through the origin: odd (-f) or sigmoid (1 - f). `zero` is the
   * value at x = 0 when the range ends at 0 (side `positive`).
   */
  | {
      kind: 'mirror';
      symmetry: 'odd' | 'sigmoid';
      side: 'negative' | 'positive';
      zero?: number;
    }
  /** SELU/ELU: `slope * x` for x >= 0. */
  | { kind: 'linear'; slope: number };

/** The extension rule of a table, decided from its function and range. */
export function extensionOf(table: GoldenTable): Extension {
  const { rangeL, rangeR, rounding } = table.spec;
  const { symmetry, positiveSlope } = table.fn;
  if (rangeR === 0 && positiveSlope !== undefined) {
    return { kind: 'linear', slope: positiveSlope };
  }
  if (symmetry !== 'none' && rangeL === 0) {
    return { kind: 'mirror', symmetry, side: 'negative' };
  }
  if (symmetry !== 'none' && rangeR === 0) {
    const zero = codeToReal(
      quantise(table.fn.value(0), table.format, rounding).code,
      table.format,
    );
    return { kind: 'mirror', symmetry, side: 'positive', zero };
  }
  return { kind: 'saturate' };
}

/**
 * The input code of x, clamped to the table: the largest code whose grid
 * point is at or below x, 0 below the range and the last code above it.
 */
export function inputCode(table: GoldenTable, x: number): number {
  const { rangeL, rangeR } = table.spec;
  const n = table.x.length;

  // The formula is within one code of the answer; the grid decides.
  let k = Math.floor(((x - rangeL) / (rangeR - rangeL)) * n);
  k = Math.min(n - 1, Math.max(0, k));
  while (k + 1 < n && x >= table.x[k + 1]) k++;
  while (k > 0 && x < table.x[k]) k--;
  return k;
}

/**
 * The value the quantised activation gives for any real x: the table
 * inside the range, the extension rule outside. This is the reference the
 * network layer is tested against.
 */
export function extendedValue(table: GoldenTable, x: number): number {
  const look = (v: number): number =>
    codeToReal(table.codes[inputCode(table, v)], table.format);
  const rule = extensionOf(table);
  if (rule.kind === 'linear' && x >= 0) return rule.slope * x;
  if (rule.kind === 'mirror') {
    if (rule.side === 'positive' && x === 0) return rule.zero as number;
    const far = rule.side === 'negative' ? x < 0 : x > 0;
    if (far) return rule.symmetry === 'odd' ? -look(-x) : 1 - look(-x);
  }
  return look(x);
}
