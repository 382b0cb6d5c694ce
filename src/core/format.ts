/**
 * Fixed-point number formats and the rounding that maps real numbers onto
 * them.
 *
 * A format is `{ signed, intBits, fracBits }`. Its codes are integers: a
 * code `c` stands for the real number `c / 2^fracBits`. A signed format
 * adds one sign bit and uses two's complement, so its width is
 * `1 + intBits + fracBits`.
 */

/** How a real number is brought onto the grid of a format. */
export type Rounding = 'nearest' | 'trunc';

/** The rounding modes, in the order `--help` lists them. */
export const ROUNDINGS: readonly Rounding[] = ['nearest', 'trunc'];

/** A two's complement (signed) or unsigned fixed-point format. */
export interface FixedFormat {
  readonly signed: boolean;
  readonly intBits: number;
  readonly fracBits: number;
}

/** The result of putting one real number into a format. */
export interface Quantised {
  /** The integer code, negative for negative values (not a bit pattern). */
  readonly code: number;
  /** True when the value lay outside the format and was clamped. */
  readonly saturated: boolean;
}

/** Number of bits on a port that carries this format. */
export function width(format: FixedFormat): number {
  return (format.signed ? 1 : 0) + format.intBits + format.fracBits;
}

/** Smallest and largest code of the format, as integers. */
export function codeRange(format: FixedFormat): { min: number; max: number } {
  const magnitude = 2 ** (format.intBits + format.fracBits);
  return format.signed
    ? { min: -magnitude, max: magnitude - 1 }
    : { min: 0, max: magnitude - 1 };
}

/**
 * Round a real number to an integer.
 *
 * `nearest` rounds halves away from zero; `trunc` rounds toward zero.
 *
 * @example roundTo(2.5, 'nearest') === 3; roundTo(-2.5, 'nearest') === -3
 */
export function roundTo(v: number, rounding: Rounding): number {
  const magnitude =
    rounding === 'nearest' ? Math.floor(Math.abs(v) + 0.5) : Math.trunc(Math.abs(v));
  return v < 0 && magnitude !== 0 ? -magnitude : magnitude;
}

/**
 * Put the real number `y` into `format`, saturating on overflow.
 *
 * Scaling by `2^fracBits` is exact in binary floating point, so the only
 * rounding is the one asked for.
 *
 * @example quantise(0.1244, {signed:false,intBits:1,fracBits:6}, 'trunc')
 *   gives { code: 7, saturated: false } (7/64 = 0.109375)
 */
export function quantise(y: number, format: FixedFormat, rounding: Rounding): Quantised {
  const scaled = y * 2 ** format.fracBits;
  const code = roundTo(scaled, rounding);
  const { min, max } = codeRange(format);
  if (code > max) return { code: max, saturated: true };
  if (code < min) return { code: min, saturated: true };
  return { code, saturated: false };
}

/** The real number a code stands for. */
export function codeToReal(code: number, format: FixedFormat): number {
  return code / 2 ** format.fracBits;
}

/**
 * The bit pattern of a code on a port of `bits` bits (two's complement for
 * negative codes), as a non-negative integer.
 */
export function toBits(code: number, bits: number): number {
  return code < 0 ? code + 2 ** bits : code;
}

/** The code whose bit pattern on a `bits`-bit port is `pattern`. */
export function fromBits(pattern: number, bits: number, signed: boolean): number {
  return signed && pattern >= 2 ** (bits - 1) ? pattern - 2 ** bits : pattern;
}

/** A bit pattern as fixed-width lower-case hexadecimal. */
export function toHex(pattern: number, bits: number): string {
  return pattern.toString(16).padStart(Math.max(1, Math.ceil(bits / 4)), '0');
}

/** Human-readable name of a format, e.g. `s1.6` or `u1.6`. */
export function describeFormat(format: FixedFormat): string {
  return `${format.signed ? 's' : 'u'}${format.intBits}.${format.fracBits}`;
}
