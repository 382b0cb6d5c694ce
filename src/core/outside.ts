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
import { tableValues, type GoldenTable } from './golden.js';

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
 * A table as the look-up needs it, in plain numbers: what a network layer
 * keeps (and serialises) of a golden table.
 */
export interface LookUp {
  readonly rangeL: number;
  readonly rangeR: number;
  /** The x of each input code, as the golden table computed it. */
  readonly grid: ArrayLike<number>;
  /** The output value of each input code. */
  readonly values: ArrayLike<number>;
  readonly extension: Extension;
}

/** The look-up of a golden table: its grid, real values and extension. */
export function lookUpOf(table: GoldenTable): LookUp {
  return {
    rangeL: table.spec.rangeL,
    rangeR: table.spec.rangeR,
    grid: table.x,
    values: tableValues(table),
    extension: extensionOf(table),
  };
}

/**
 * The input code of x on a grid, clamped to it: the largest code whose
 * grid point is at or below x, 0 below the range and the last code above
 * it. NaN stays NaN. `scale` is `grid.length / (rang_r - rang_l)`.
 */
function gridCode(grid: Float64Array, rangeL: number, scale: number, x: number): number {
  const last = grid.length - 1;

  // The formula is within a code or so of the answer; the grid decides.
  let k = Math.floor((x - rangeL) * scale);
  if (k < 0) k = 0;
  else if (k > last) k = last;
  while (k < last && x >= grid[k + 1]) k++;
  while (k > 0 && x < grid[k]) k--;
  return k;
}

/** The input code of x in a golden table (see {@link LookUp}'s rule). */
export function inputCode(table: GoldenTable, x: number): number {
  const { rangeL, rangeR } = table.spec;
  return gridCode(table.x, rangeL, table.x.length / (rangeR - rangeL), x);
}

/**
 * The function the quantised activation computes for any real x: the
 * table inside the range, the extension rule outside. Made once per table
 * (it is called for every element of a network's tensors).
 */
export function compileLookUp(t: LookUp): (x: number) => number {
  const grid = Float64Array.from(t.grid);
  const values = Float64Array.from(t.values);
  const { rangeL } = t;
  const scale = grid.length / (t.rangeR - t.rangeL);
  const look = (x: number): number =>
    x === x ? values[gridCode(grid, rangeL, scale, x)] : Number.NaN;
  const rule = t.extension;
  switch (rule.kind) {
    case 'saturate':
      return look;
    case 'linear': {
      const slope = rule.slope;
      return (x) => (x >= 0 ? slope * x : look(x));
    }
    case 'mirror': {
      const fold =
        rule.symmetry === 'odd' ? (x: number) => -look(-x) : (x: number) => 1 - look(-x);
      if (rule.side === 'negative') return (x) => (x < 0 ? fold(x) : look(x));
      const zero = rule.zero as number;
      return (x) => (x > 0 ? fold(x) : x === 0 ? zero : look(x));
    }
  }
}

const compiled = new WeakMap<GoldenTable, (x: number) => number>();

/** {@link compileLookUp} of a golden table, applied to x. */
export function extendedValue(table: GoldenTable, x: number): number {
  let f = compiled.get(table);
  if (f === undefined) {
    f = compileLookUp(lookUpOf(table));
    compiled.set(table, f);
  }
  return f(x);
}
