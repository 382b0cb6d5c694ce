import { describe, expect, it } from 'vitest';
import { checkSegments, defaultSegments, fitPwl } from '../src/core/methods/pwl.js';
import { codeRange } from '../src/core/format.js';
import { errorFigures } from '../src/core/metrics.js';
import { goldenOf } from './helpers.js';

describe('pwl method', () => {
  it('is exact on a straight line that the formats hold', async () => {
    // y = x/4 + 1/8 on [0, 4), 6 fraction bits: every value is a code.
    const t = await goldenOf('self_define 0 4 1 6 6', 'nearest', 'x/4 + 1/8');
    for (const segs of [1, 4, 64]) {
      const m = fitPwl(t, segs);
      expect(Array.from(m.codes)).toEqual(Array.from(t.codes));
    }
  });

  it('computes the datapath the header documents', async () => {
    // Recompute y = sat(floor((k*t + b*2^T + 2^(T+1)) / 2^(T+2))) by hand
    // with ordinary numbers from the fitted coefficients.
    const t = await goldenOf('selu -3.875 0 1 6 6');
    const m = fitPwl(t, 8);
    const T = m.offsetBits;
    const { min, max } = codeRange(t.format);
    expect(m.kFracBits).toBe(6 + T + 2);
    expect(m.bFracBits).toBe(6 + 2);
    for (let c = 0; c < 64; c++) {
      const seg = c >> T;
      const off = c & ((1 << T) - 1);
      const acc = Number(m.k[seg]) * off + Number(m.b[seg]) * 2 ** T;
      const y = Math.floor((acc + 2 ** (T + 1)) / 2 ** (T + 2));
      expect(m.codes[c]).toBe(Math.min(max, Math.max(min, y)));
    }
  });

  it('is near faithful on smooth functions with enough segments', async () => {
    // Within one segment the error of the line is |f''| h^2 / 8; with 64
    // segments over [-4, 4) that is far below an ulp of 2^-8, so what is
    // left is the final rounding (1/2 ulp) plus coefficient rounding.
    for (const f of ['tanh -4 4 1 8 12', 'sigmoid -8 8 0 8 12', 'gelu -4 4 3 8 12']) {
      const t = await goldenOf(f);
      const e = errorFigures(fitPwl(t, 64).codes, t.exact, t.format);
      expect(e.maxUlps).toBeLessThan(1);
    }
  });

  it('sizes the coefficient tables to their values', async () => {
    const t = await goldenOf('tanh 0 2 1 6 4');
    const m = fitPwl(t, 4);
    for (const [codes, w] of [
      [m.k, m.kWidth],
      [m.b, m.bWidth],
    ] as const) {
      const lim = 2n ** BigInt(w - 1);
      expect(codes.every((v) => v >= -lim && v < lim)).toBe(true);
      expect(codes.some((v) => v >= lim / 2n || v < -lim / 2n)).toBe(true);
    }
  });

  it('takes a power-of-two segment count', () => {
    expect(defaultSegments(4)).toBe(4);
    expect(defaultSegments(7)).toBe(16);
    expect(checkSegments(8, 4)).toBe(3);
    expect(() => checkSegments(6, 4)).toThrow(
      'pwl-segments must be a power of two from 1 to 16 (2^i_bits), not 6',
    );
    expect(() => checkSegments(32, 4)).toThrow(/not 32/);
  });
});
