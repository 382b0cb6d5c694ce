/**
 * The activation spec: which function, on which input range, with which
 * input and output widths, rounded how. Every value is checked here, once,
 * with a message that names the bad value and what is allowed.
 */
import { UsageError } from './errors.js';
import { FUNCTION_NAMES, type FunctionName } from './functions.js';
import { ROUNDINGS, type Rounding } from './format.js';

/** The widths `af` supports, shown in `--help` and enforced here. */
export const LIMITS = {
  inputBits: { min: 1, max: 16 },
  intBits: { min: 0, max: 16 },
  fracBits: { min: 0, max: 24 },
  /** int_bits + float_bits: the output's magnitude bits. */
  magnitudeBits: { min: 1, max: 31 },
  /** Largest |rang_l| or |rang_r|. */
  rangeMagnitude: 1e6,
} as const;

/** A checked activation spec. */
export interface ActivationSpec {
  readonly fn: FunctionName;
  /** The `self_define` expression in x; absent for built-in functions. */
  readonly expr?: string;
  /** Left end of the input range, included. */
  readonly rangeL: number;
  /** Right end of the input range, excluded. */
  readonly rangeR: number;
  readonly intBits: number;
  readonly fracBits: number;
  readonly inputBits: number;
  readonly rounding: Rounding;
}

/** The spec as the command line delivers it: strings, unchecked. */
export interface RawSpec {
  fn: string;
  rangeL: string;
  rangeR: string;
  intBits: string;
  fracBits: string;
  inputBits: string;
  rounding?: string;
  expr?: string;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Parse a decimal number; NaN, infinities, hex and blanks are refused. */
function parseReal(label: string, text: string): number {
  const v = Number(text);
  if (!DECIMAL.test(text.trim()) || !Number.isFinite(v)) {
    throw new UsageError(`${label} must be a finite decimal number, not '${text}'`);
  }
  if (Math.abs(v) > LIMITS.rangeMagnitude) {
    throw new UsageError(
      `${label} must lie within ±${LIMITS.rangeMagnitude}, not ${text}`,
    );
  }
  return v;
}

/** Parse a whole number of bits within `[min, max]`. */
function parseBits(
  label: string,
  text: string,
  { min, max }: { min: number; max: number },
): number {
  if (!/^\s*\d+\s*$/.test(text)) {
    throw new UsageError(
      `${label} must be an integer from ${min} to ${max}, not '${text}'`,
    );
  }
  const v = Number(text);
  if (v < min || v > max) {
    throw new UsageError(`${label} must be an integer from ${min} to ${max}, not ${v}`);
  }
  return v;
}

/**
 * Check a raw spec and return it typed.
 *
 * @throws UsageError with one line naming the first bad value.
 */
export function parseSpec(raw: RawSpec): ActivationSpec {
  if (!(FUNCTION_NAMES as readonly string[]).includes(raw.fn)) {
    throw new UsageError(
      `function must be one of ${FUNCTION_NAMES.join(', ')}, not '${raw.fn}'`,
    );
  }
  const fn = raw.fn as FunctionName;

  const rangeL = parseReal('rang_l', raw.rangeL);
  const rangeR = parseReal('rang_r', raw.rangeR);
  if (!(rangeL < rangeR)) {
    throw new UsageError(
      `the range [rang_l, rang_r) must not be empty or reversed: ` +
        `rang_l (${raw.rangeL}) must be less than rang_r (${raw.rangeR})`,
    );
  }

  const intBits = parseBits('int_bits', raw.intBits, LIMITS.intBits);
  const fracBits = parseBits('float_bits', raw.fracBits, LIMITS.fracBits);
  const inputBits = parseBits('i_bits', raw.inputBits, LIMITS.inputBits);
  const magnitude = intBits + fracBits;
  const { min, max } = LIMITS.magnitudeBits;
  if (magnitude < min || magnitude > max) {
    throw new UsageError(
      `int_bits + float_bits must be from ${min} to ${max}, not ${magnitude}`,
    );
  }

  const rounding = raw.rounding ?? 'nearest';
  if (!(ROUNDINGS as readonly string[]).includes(rounding)) {
    throw new UsageError(
      `rounding must be one of ${ROUNDINGS.join(', ')}, not '${rounding}'`,
    );
  }

  if (fn === 'self_define' && (raw.expr === undefined || raw.expr.trim() === '')) {
    throw new UsageError(
      "self_define needs an expression in x, e.g. --expr 'x / (1 + abs(x))'",
    );
  }
  if (fn !== 'self_define' && raw.expr !== undefined) {
    throw new UsageError(`--expr goes with self_define, not with ${fn}`);
  }

  const spec: ActivationSpec = {
    fn,
    ...(raw.expr !== undefined ? { expr: raw.expr } : {}),
    rangeL,
    rangeR,
    intBits,
    fracBits,
    inputBits,
    rounding: rounding as Rounding,
  };
  checkGridResolves(spec);
  return spec;
}

/** Refuse ranges so narrow that neighbouring grid points coincide. */
function checkGridResolves(spec: ActivationSpec): void {
  const n = 2 ** spec.inputBits;
  const last = inputX(spec, n - 1);
  const beforeLast = inputX(spec, n - 2);
  if (!(inputX(spec, 1) > spec.rangeL) || (n > 2 && !(last > beforeLast))) {
    throw new UsageError(
      `the range [${spec.rangeL}, ${spec.rangeR}) is too narrow for ` +
        `${spec.inputBits} input bits: neighbouring grid points coincide`,
    );
  }
}

/**
 * The real input that code `k` stands for:
 * `x = rang_l + k * (rang_r - rang_l) / 2^i`.
 */
export function inputX(spec: ActivationSpec, k: number): number {
  return spec.rangeL + (k * (spec.rangeR - spec.rangeL)) / 2 ** spec.inputBits;
}

/**
 * {@link parseSpec} of the six positional words of the command line,
 * `function rang_l rang_r int_bits float_bits i_bits`, in that order.
 *
 * @example parseSpecWords(['tanh', '0', '2', '1', '6', '4'], 'trunc')
 */
export function parseSpecWords(
  words: readonly string[],
  rounding = 'nearest',
  expr?: string,
): ActivationSpec {
  const [fn, rangeL, rangeR, intBits, fracBits, inputBits] = words;
  return parseSpec({
    fn,
    rangeL,
    rangeR,
    intBits,
    fracBits,
    inputBits,
    rounding,
    ...(expr !== undefined ? { expr } : {}),
  });
}

/** The module and file name, `<function>_<int_bits>_<float_bits>_<i>`. */
export function specName(spec: ActivationSpec): string {
  return `${spec.fn}_${spec.intBits}_${spec.fracBits}_${spec.inputBits}`;
}

/** Every parameter, as `key = value` lines for file headers. */
export function describeSpec(spec: ActivationSpec): string[] {
  return [
    `function = ${spec.fn}${spec.expr !== undefined ? ` (${spec.expr})` : ''}`,
    `range = [${spec.rangeL}, ${spec.rangeR})`,
    `int_bits = ${spec.intBits}`,
    `float_bits = ${spec.fracBits}`,
    `i_bits = ${spec.inputBits}`,
    `rounding = ${spec.rounding}`,
    `input code k stands for x = ${spec.rangeL} + k * ` +
      `(${spec.rangeR} - ${spec.rangeL}) / 2^${spec.inputBits}`,
  ];
}
