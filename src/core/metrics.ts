/**
 * How far a circuit's output is from the exact function.
 */
import { codeToReal, type FixedFormat } from './format.js';

/** Error of a table of output codes against the exact values. */
export interface ErrorFigures {
  /** Largest |circuit - exact| in real units. */
  readonly maxAbs: number;
  readonly meanAbs: number;
  readonly rms: number;
  /** `maxAbs` in output ulps (units of 2^-float_bits). */
  readonly maxUlps: number;
  /** Input code where the largest error occurs (the first, on ties). */
  readonly worstCode: number;
}

/** Compare output codes with exact values, code by code. */
export function errorFigures(
  codes: ArrayLike<number>,
  exact: ArrayLike<number>,
  format: FixedFormat,
): ErrorFigures {
  let maxAbs = 0;
  let sum = 0;
  let sumSq = 0;
  let worstCode = 0;
  for (let k = 0; k < codes.length; k++) {
    const e = Math.abs(codeToReal(codes[k], format) - exact[k]);
    if (e > maxAbs) {
      maxAbs = e;
      worstCode = k;
    }
    sum += e;
    sumSq += e * e;
  }
  const n = codes.length;
  return {
    maxAbs,
    meanAbs: sum / n,
    rms: Math.sqrt(sumSq / n),
    maxUlps: maxAbs * 2 ** format.fracBits,
    worstCode,
  };
}
