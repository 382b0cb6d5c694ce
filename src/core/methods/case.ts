/**
 * A `case` statement over the bits `[msb:lsb]` of `x`, one arm per value:
 * what the ROM and the piecewise-linear coefficient tables are made of.
 */

/**
 * Lines of a `case` on `x[msb:lsb]` with an arm `arm(k)` (a statement)
 * for every value k, and `fallback` for the default. Above 8 selector bits
 * the case is split on the top half of them: the same table, but a
 * simulator scans two short lists instead of one long one. Indented for
 * the body of an `always @*` block.
 */
export function caseLines(
  msb: number,
  lsb: number,
  arm: (k: number) => string,
  fallback: string,
): string[] {
  const bits = msb - lsb + 1;
  const split = bits > 8 ? Math.ceil(bits / 2) : 0;
  const lines: string[] = [];
  if (split === 0) {
    lines.push(`    case (x[${msb}:${lsb}])`);
    for (let k = 0; k < 2 ** bits; k++) lines.push(`      ${bits}'d${k}: ${arm(k)}`);
  } else {
    const hi = bits - split;
    lines.push(`    case (x[${msb}:${lsb + split}])`);
    for (let top = 0; top < 2 ** hi; top++) {
      lines.push(`      ${hi}'d${top}:`, `        case (x[${lsb + split - 1}:${lsb}])`);
      for (let low = 0; low < 2 ** split; low++) {
        lines.push(`          ${split}'d${low}: ${arm(top * 2 ** split + low)}`);
      }
      lines.push(`          default: ${fallback}`, '        endcase');
    }
  }
  lines.push(`      default: ${fallback}`, '    endcase');
  return lines;
}
