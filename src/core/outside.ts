/**
 * The one rule for inputs outside the tabulated range `[rang_l, rang_r)`,
 * shared by the network layer (and, later, a full-range circuit):
 *
 * - a range that starts at 0, for an odd function (tanh), is mirrored to
 *   negative inputs: f(-x) = -f(x); a range that ends at 0 is mirrored to
 *   positive inputs the same way;
 * - for sigmoid the same, with its point symmetry f(-x) = 1 - f(x);
 * - a range that ends at 0 for SELU or ELU uses the exact linear branch
 *   `slope * x` for inputs from 0 up, as the original did;
 * - everything else saturates to the end of the table.
 *
 * Inside the range, an input x gets the code `floor((x - rang_l) / step)`,
 * `step = (rang_r - rang_l) / 2^i`, the grid point at or below x.
 */
import { codeToReal } from './format.js';
import type { GoldenTable } from './golden.js';

/** How the far side of the axis is covered. */
export type Extension =
  | { kind: 'saturate' }
  /** Mirror through the origin: odd (-f) or sigmoid (1 - f). */
  | { kind: 'mirror'; symmetry: 'odd' | 'sigmoid'; side: 'negative' | 'positive' }
  /** SELU/ELU: `slope * x` for x >= 0. */
  | { kind: 'linear'; slope: number };

/** The extension rule of a table, decided from its function and range. */
export function extensionOf(table: GoldenTable): Extension {
  const { rangeL, rangeR } = table.spec;
  const { symmetry, positiveSlope } = table.fn;
  if (rangeR === 0 && positiveSlope !== undefined) {
    return { kind: 'linear', slope: positiveSlope };
  }
  if (symmetry !== 'none' && (rangeL === 0 || rangeR === 0)) {
    return { kind: 'mirror', symmetry, side: rangeL === 0 ? 'negative' : 'positive' };
  }
  return { kind: 'saturate' };
}

/** The input code of x, clamped to the table: the saturating rule. */
export function inputCode(table: GoldenTable, x: number): number {
  const { rangeL, rangeR, inputBits } = table.spec;
  const n = 2 ** inputBits;
  const k = Math.floor(((x - rangeL) / (rangeR - rangeL)) * n);
  return Math.min(n - 1, Math.max(0, k));
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
    const far = rule.side === 'negative' ? x < 0 : x >= 0;
    if (far) return rule.symmetry === 'odd' ? -look(-x) : 1 - look(-x);
  }
  return look(x);
}
