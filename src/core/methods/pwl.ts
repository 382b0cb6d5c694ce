/**
 * Piecewise-linear approximation: the top `s` bits of the input code pick a
 * segment, and within it `y = k * t + b`, where `t` is the code's low
 * `i - s` bits. One multiply and one add, with `k` and `b` from two small
 * tables (`k.coe`, `b.coe`).
 *
 * Formats (chosen so the coefficient rounding costs at most about a
 * quarter of an output ulp each):
 * - `k` is signed with `F + T + 2` fraction bits, in output units per
 *   input-code step (`F` = float_bits, `T` = i - s, the offset's width);
 * - `b` is signed with `F + 2` fraction bits, in output units: the value at
 *   the segment's first code;
 * - the datapath forms `acc = k*t + b*2^T` exactly (`F + T + 2` fraction
 *   bits), rounds to `F` fraction bits by adding half an ulp and shifting
 *   right arithmetically (round half up), then saturates.
 *
 * The model below is that datapath, bit for bit; the Verilog is checked
 * against it for every input code.
 */
import { caseLines } from './case.js';
import { moduleOpening } from '../header.js';
import { UsageError } from '../errors.js';
import { codeRange, codeToReal, roundTo, toBits, toHex, width } from '../format.js';
import type { GoldenTable } from '../golden.js';

/** A fitted piecewise-linear model and its bit-exact output. */
export interface PwlModel {
  /** Segment-select bits `s` (there are `2^s` segments). */
  readonly segBits: number;
  /** Offset bits `T = i - s`. */
  readonly offsetBits: number;
  /** Fraction bits of `k` (`F + T + 2`). */
  readonly kFracBits: number;
  /** Fraction bits of `b` (`F + 2`). */
  readonly bFracBits: number;
  /** Two's complement widths of the coefficient tables. */
  readonly kWidth: number;
  readonly bWidth: number;
  /** Integer coefficient codes per segment. */
  readonly k: readonly bigint[];
  readonly b: readonly bigint[];
  /** Output code for every input code, as the datapath computes it. */
  readonly codes: Int32Array;
}

/** Default segment count: `2^ceil(i/2)`, balancing table and slope size. */
export function defaultSegments(inputBits: number): number {
  return 2 ** Math.ceil(inputBits / 2);
}

/**
 * Check a segment count: a power of two from 1 to `2^i`.
 *
 * @throws UsageError otherwise.
 */
export function checkSegments(segments: number, inputBits: number): number {
  const max = 2 ** inputBits;
  if (
    !Number.isInteger(segments) ||
    segments < 1 ||
    segments > max ||
    (segments & (segments - 1)) !== 0
  ) {
    throw new UsageError(
      `pwl-segments must be a power of two from 1 to ${max} (2^i_bits), ` +
        `not ${segments}`,
    );
  }
  return Math.log2(segments);
}

/** Width of the smallest two's complement field holding every value. */
function signedWidth(values: readonly bigint[]): number {
  let w = 2;
  for (const v of values) {
    while (v < -(1n << BigInt(w - 1)) || v > (1n << BigInt(w - 1)) - 1n) w++;
  }
  return w;
}

/**
 * Fit `2^s` segments to the exact function (clamped to the output format,
 * since the circuit cannot go beyond it) and compute the datapath's output.
 */
export function fitPwl(table: GoldenTable, segments: number): PwlModel {
  const i = table.spec.inputBits;
  const segBits = checkSegments(segments, i);
  const offsetBits = i - segBits;
  const n = 2 ** offsetBits;
  const F = table.format.fracBits;
  const kFracBits = F + offsetBits + 2;
  const bFracBits = F + 2;
  const { min, max } = codeRange(table.format);
  const lo = codeToReal(min, table.format);
  const hi = codeToReal(max, table.format);
  const target = (c: number): number => Math.min(hi, Math.max(lo, table.exact[c]));

  const k: bigint[] = [];
  const b: bigint[] = [];
  for (let seg = 0; seg < segments; seg++) {
    const base = seg * n;

    // Least-squares slope over the segment's codes.
    let slope = 0;
    if (n > 1) {
      const tMean = (n - 1) / 2;
      let yMean = 0;
      for (let t = 0; t < n; t++) yMean += target(base + t);
      yMean /= n;
      let num = 0;
      let den = 0;
      for (let t = 0; t < n; t++) {
        num += (t - tMean) * (target(base + t) - yMean);
        den += (t - tMean) ** 2;
      }
      slope = num / den;
    }
    const kCode = roundTo(slope * 2 ** kFracBits, 'nearest');
    const kReal = kCode / 2 ** kFracBits;

    // Centre the residual of the quantised slope: minimax intercept.
    let rMin = Infinity;
    let rMax = -Infinity;
    for (let t = 0; t < n; t++) {
      const r = target(base + t) - kReal * t;
      rMin = Math.min(rMin, r);
      rMax = Math.max(rMax, r);
    }
    k.push(BigInt(kCode));
    b.push(BigInt(roundTo(((rMin + rMax) / 2) * 2 ** bFracBits, 'nearest')));
  }

  const codes = new Int32Array(2 ** i);
  for (let c = 0; c < codes.length; c++) {
    codes[c] = pwlDatapath(k, b, c, offsetBits, min, max);
  }
  return {
    segBits,
    offsetBits,
    kFracBits,
    bFracBits,
    kWidth: signedWidth(k),
    bWidth: signedWidth(b),
    k,
    b,
    codes,
  };
}

/** The datapath for one input code: multiply, add, round, saturate. */
function pwlDatapath(
  k: readonly bigint[],
  b: readonly bigint[],
  code: number,
  offsetBits: number,
  min: number,
  max: number,
): number {
  const seg = Math.floor(code / 2 ** offsetBits);
  const t = BigInt(code % 2 ** offsetBits);
  const T = BigInt(offsetBits);
  const acc = k[seg] * t + (b[seg] << T);
  // Round half up: add half an output ulp, then floor (>> floors BigInts).
  const shift = T + 2n;
  const r = Number((acc + (1n << (shift - 1n))) >> shift);
  return Math.min(max, Math.max(min, r));
}

/** A signed Verilog literal of `w` bits, e.g. `-8'sd3`. */
function signedLiteral(v: bigint, w: number): string {
  return v < 0n ? `-${w}'sd${-v}` : `${w}'sd${v}`;
}

/** Emit the piecewise-linear datapath as a Verilog module. */
export function pwlVerilog(
  table: GoldenTable,
  model: PwlModel,
  moduleName: string,
): string {
  const i = table.spec.inputBits;
  const w = width(table.format);
  const { segBits: s, offsetBits: T, kWidth: KW, bWidth: BW } = model;
  const { min, max } = codeRange(table.format);
  // Wide enough for k*t, b*2^T, their sum, the rounding add and the
  // saturation bounds, with a bit to spare.
  const AW = Math.max(KW + T + 1, BW + T, w + T + 2) + 2;
  const SH = T + 2;
  const lines: string[] = [...moduleOpening(table, moduleName, pwlHeader(model))];

  // Coefficient tables, indexed by the segment (the top s bits).
  if (s === 0) {
    lines.push(
      '',
      `  wire signed [${KW - 1}:0] k = ${signedLiteral(model.k[0], KW)};`,
      `  wire signed [${BW - 1}:0] b = ${signedLiteral(model.b[0], BW)};`,
    );
  } else {
    const arm = (seg: number) =>
      `begin k = ${signedLiteral(model.k[seg], KW)}; ` +
      `b = ${signedLiteral(model.b[seg], BW)}; end`;
    lines.push(
      '',
      `  reg signed [${KW - 1}:0] k;`,
      `  reg signed [${BW - 1}:0] b;`,
      '',
      '  // Segment = the top bits of x; k and b from the coefficient tables.',
      '  always @*',
      ...caseLines(i - 1, T, arm, `begin k = {${KW}{1'bx}}; b = {${BW}{1'bx}}; end`),
    );
  }

  // acc = k*t + b*2^T, exact, in signed arithmetic throughout.
  const product = T === 0 ? '' : `k * $signed({1'b0, x[${T - 1}:0]}) + `;
  lines.push(
    '',
    `  // acc = k*t + b*2^${T}, exact; then round half up to float_bits and saturate.`,
    `  wire signed [${AW - 1}:0] acc = ${product}(b <<< ${T});`,
    `  wire signed [${AW - 1}:0] r = (acc + ${AW}'sd${2 ** (SH - 1)}) >>> ${SH};`,
    `  assign y = (r > ${signedLiteral(BigInt(max), AW)}) ? ${w}'h${toHex(toBits(max, w), w)} :`,
    `             (r < ${signedLiteral(BigInt(min), AW)}) ? ${w}'h${toHex(toBits(min, w), w)} :`,
    `             r[${w - 1}:0];`,
    'endmodule',
    '',
  );
  return lines.join('\n');
}

/** Header lines that document the model's formats. */
export function pwlHeader(model: PwlModel): string[] {
  return [
    `method = pwl: ${2 ** model.segBits} segments (segment = top ${model.segBits} ` +
      `bits of x, offset t = low ${model.offsetBits} bits), y = k*t + b`,
    `k: signed ${model.kWidth} bits, ${model.kFracBits} fraction bits, ` +
      'output units per input code step',
    `b: signed ${model.bWidth} bits, ${model.bFracBits} fraction bits, ` +
      "output units, the value at the segment's first code",
    `datapath: acc = k*t + b*2^${model.offsetBits}; y = saturate((acc + ` +
      `2^${model.offsetBits + 1}) >> ${model.offsetBits + 2}) (round half up)`,
  ];
}
