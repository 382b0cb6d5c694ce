import { describe, expect, it } from 'vitest';
import { resolveFunction, SELU_ALPHA, SELU_SCALE } from '../src/core/functions.js';
import { buildGoldenTable } from '../src/core/golden.js';
import { parseSpec } from '../src/core/spec.js';
import { inputCode } from '../src/core/outside.js';
import { goldenOf } from './helpers.js';

async function table(
  fn: string,
  l: string,
  r: string,
  ib: number,
  fb: number,
  i: number,
  rounding = 'nearest',
  expr?: string,
) {
  const spec = parseSpec({
    fn,
    rangeL: l,
    rangeR: r,
    intBits: String(ib),
    fracBits: String(fb),
    inputBits: String(i),
    rounding,
    ...(expr ? { expr } : {}),
  });
  return buildGoldenTable(spec, await resolveFunction(fn, expr));
}

describe('golden table', () => {
  it('reproduces the original tanh_1_6_4 table with truncation', async () => {
    // From the issue: the original main.py's codes, in 64ths.
    const t = await table('tanh', '0', '2', 1, 6, 4, 'trunc');
    expect(Array.from(t.codes)).toEqual([
      0, 7, 15, 22, 29, 35, 40, 45, 48, 51, 54, 56, 57, 59, 60, 61,
    ]);
    expect(t.format).toEqual({ signed: false, intBits: 1, fracBits: 6 });
    expect(t.name).toBe('tanh_1_6_4');
    expect(t.warnings).toEqual([]);
  });

  it('rounds tanh to nearest as tanh written with exponentials says', async () => {
    const t = await table('tanh', '0', '2', 1, 6, 4);
    for (let k = 0; k < 16; k++) {
      const x = k / 8;
      const y = (Math.exp(2 * x) - 1) / (Math.exp(2 * x) + 1);
      expect(t.codes[k]).toBe(Math.floor(y * 64 + 0.5));
    }
  });

  it('makes SELU on [-3.875, 0) signed, with negative codes', async () => {
    const t = await table('selu', '-3.875', '0', 1, 6, 4);
    expect(t.format.signed).toBe(true);
    // x = -3.875 + k * 0.2421875; selu(x) = scale * alpha * (e^x - 1).
    for (let k = 0; k < 16; k++) {
      const x = -3.875 + k * (3.875 / 16);
      const y = SELU_SCALE * SELU_ALPHA * (Math.exp(x) - 1);
      expect(t.codes[k]).toBe(-Math.floor(-y * 64 + 0.5));
    }
    expect(t.codes[0]).toBe(-110); // -1.7216 * 64 = -110.18, by hand
  });

  it('keeps the output unsigned when the function is never negative', async () => {
    expect((await table('sigmoid', '-4', '4', 0, 8, 6)).format.signed).toBe(false);
    expect((await table('silu', '-4', '4', 2, 6, 6)).format.signed).toBe(true);
  });

  it('saturates on overflow instead of wrapping, and says so', async () => {
    // x^2 on [0, 2) with one integer bit: from x = sqrt(2) on, x^2 >= 2.
    const t = await table('self_define', '0', '2', 1, 2, 3, 'nearest', 'x^2');
    // x = 0, .25, ..., 1.75; x^2*4 = 0, .25, 1, 2.25, 4, 6.25, 9, 12.25
    expect(Array.from(t.codes)).toEqual([0, 0, 1, 2, 4, 6, 7, 7]);
    expect(t.warnings).toHaveLength(1);
    expect(t.warnings[0]).toMatch(/2 of 8 outputs overflow .* x = 1\.5/);
  });

  it('rounds exact halves away from zero, and truncates toward zero', async () => {
    // (x/2) on [-2, 2) with 2 fraction bits: x = -2, -1.5, ..., 1.5, so
    // x/2 * 4 = 2x: exact integers; use x/8 for halves: 2x/8*... by hand:
    // x/8 * 4 = x/2 = -1, -0.75, -0.5, -0.25, 0, 0.25, 0.5, 0.75
    const n = await table('self_define', '-2', '2', 0, 2, 3, 'nearest', 'x/8');
    expect(Array.from(n.codes)).toEqual([-1, -1, -1, 0, 0, 0, 1, 1]);
    const t = await table('self_define', '-2', '2', 0, 2, 3, 'trunc', 'x/8');
    expect(Array.from(t.codes)).toEqual([-1, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('knows every built-in function at a point, from its definition', async () => {
    const x = -0.75;
    const sig = 1 / (1 + Math.exp(-x));
    const cases: [string, number][] = [
      ['sigmoid', sig],
      ['elu', Math.exp(x) - 1],
      ['silu', x * sig],
      ['softplus', Math.log(1 + Math.exp(x))],
      // GELU = x * Phi(x); Phi(0.75) = 0.77337264762313 (normal table).
      ['gelu', x * (1 - 0.77337264762313)],
      ['tanh', Math.tanh(x)],
    ];
    for (const [name, want] of cases) {
      const f = await resolveFunction(name);
      expect(f.value(x)).toBeCloseTo(want, 11);
      // The derivative agrees with a central difference.
      const h = 1e-6;
      expect(f.derivative(x)).toBeCloseTo((f.value(x + h) - f.value(x - h)) / (2 * h), 6);
    }
  });

  it('evaluates self_define with math.js, including conditionals', async () => {
    const f = await resolveFunction('self_define', 'x > 0 ? x : 0.1 * x');
    expect(f.value(2)).toBe(2);
    expect(f.value(-2)).toBeCloseTo(-0.2, 15);
  });

  it('names the x where a self_define value is not finite', async () => {
    await expect(
      table('self_define', '-1', '1', 1, 4, 3, 'nearest', 'log(x)'),
    ).rejects.toThrow(
      /'log\(x\)' is not a finite real number at x = -1 \(input code 0\)/,
    );
    await expect(
      table('self_define', '0', '1', 1, 4, 3, 'nearest', '1/x'),
    ).rejects.toThrow(/at x = 0 /);
  });

  it('refuses JavaScript and assignments in expressions', async () => {
    await expect(resolveFunction('self_define', 'process.exit(1)')).rejects.toThrow(
      /may not contain accessor|unknown name 'process'/,
    );
    await expect(resolveFunction('self_define', 'x = 3')).rejects.toThrow(
      /may not contain assignment/,
    );
    await expect(resolveFunction('self_define', 'y + 1')).rejects.toThrow(
      /unknown name 'y'/,
    );
    await expect(resolveFunction('self_define', 'x +')).rejects.toThrow(/is not valid: /);
  });
});

describe('the input code of a real x', () => {
  /** The float64 number just below v > 0 or v < 0, by bit pattern. */
  const before = (v: number): number => {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, v);
    const bits = view.getBigUint64(0);
    view.setBigUint64(0, v > 0 ? bits - 1n : bits + 1n);
    return view.getFloat64(0);
  };

  it.each(['tanh -0.1 0.3 1 8 10', 'gelu -2.7 3.1 3 8 12', 'tanh -4 4 1 8 12'])(
    'gives each grid point of %s its own code, and the number below it the one before',
    async (args) => {
      const t = await goldenOf(args);
      const n = t.codes.length;
      const got: number[] = [];
      const want: number[] = [];
      for (let k = 0; k < n; k++) {
        got.push(inputCode(t, t.x[k]));
        want.push(k);
        if (k > 0 && t.x[k] !== 0) {
          got.push(inputCode(t, before(t.x[k])));
          want.push(k - 1);
        }
      }
      expect(got).toEqual(want);
    },
  );

  it('clamps below and above the range', async () => {
    const t = await goldenOf('tanh -0.1 0.3 1 8 10');
    expect([inputCode(t, -5), inputCode(t, 0.3), inputCode(t, 1e9)]).toEqual([
      0, 1023, 1023,
    ]);
  });
});
