import { describe, expect, it } from 'vitest';
import {
  codeRange,
  fromBits,
  quantise,
  roundTo,
  toBits,
  toHex,
  width,
  type FixedFormat,
} from '../src/core/format.js';

const u16: FixedFormat = { signed: false, intBits: 1, fracBits: 6 };
const s16: FixedFormat = { signed: true, intBits: 1, fracBits: 6 };

describe('roundTo', () => {
  // (expected, input, mode): halves go away from zero under nearest.
  it.each([
    [3, 2.5, 'nearest'],
    [-3, -2.5, 'nearest'],
    [2, 2.4999, 'nearest'],
    [-2, -2.4999, 'nearest'],
    [0, 0.49, 'nearest'],
    [1, 0.5, 'nearest'],
    [2, 2.9, 'trunc'],
    [-2, -2.9, 'trunc'],
    [0, -0.5, 'trunc'],
    [7, 7, 'trunc'],
  ] as const)('%d from %d (%s)', (want, v, mode) => {
    expect(roundTo(v, mode)).toBe(want);
  });
});

describe('formats', () => {
  it('has the documented widths and ranges', () => {
    expect(width(u16)).toBe(7);
    expect(width(s16)).toBe(8);
    expect(codeRange(u16)).toEqual({ min: 0, max: 127 });
    expect(codeRange(s16)).toEqual({ min: -128, max: 127 });
  });

  // (expected code, saturated, y, format, rounding), worked out by hand.
  it.each([
    [7, false, 0.124353, u16, 'trunc'], // tanh(0.125) * 64 = 7.958
    [8, false, 0.124353, u16, 'nearest'],
    [127, true, 2.5, u16, 'nearest'], // 2.5 does not fit u1.6: saturate
    [0, true, -0.5, u16, 'nearest'],
    [-110, false, -1.7216, s16, 'nearest'], // -110.18 rounds to -110
    [-128, true, -2.5, s16, 'trunc'],
    [-32, false, -0.5, s16, 'trunc'],
    [1, false, 1 / 128, u16, 'nearest'], // a half ulp rounds away from zero
    [-1, false, -1 / 128, s16, 'nearest'],
    [0, false, -1 / 128, s16, 'trunc'],
  ] as const)('code %d (saturated %s) for %d', (code, sat, y, f, mode) => {
    expect(quantise(y, f, mode)).toEqual({ code, saturated: sat });
  });

  it("writes negative codes in two's complement and reads them back", () => {
    expect(toBits(-1, 8)).toBe(0xff);
    expect(toBits(-110, 8)).toBe(0x92);
    expect(fromBits(0x92, 8, true)).toBe(-110);
    expect(fromBits(0x92, 8, false)).toBe(0x92);
    expect(toHex(0x5, 7)).toBe('05');
    expect(toHex(0x1ff, 9)).toBe('1ff');
  });
});
