/**
 * The lookup-table method: the golden table as a `case` ROM.
 */
import { moduleOpening } from '../header.js';
import { toBits, toHex, width } from '../format.js';
import type { GoldenTable } from '../golden.js';

/** Emit the golden table as a combinational `case` ROM module. */
export function romVerilog(table: GoldenTable, moduleName: string): string {
  const i = table.spec.inputBits;
  const w = width(table.format);
  const lines: string[] = [
    ...moduleOpening(table, moduleName, [
      'method = rom: the whole table as a case statement (a ROM of ' +
        `${table.codes.length} words of ${w} bits)`,
    ]),
    '',
    `  reg [${w - 1}:0] word;`,
    '  assign y = word;',
    '',
  ];

  // Above 8 input bits the case is split on the top half of x: the same
  // ROM, but a simulator scans two short lists instead of one long one.
  const split = i > 8 ? Math.ceil(i / 2) : 0;
  const word = (k: number): string => `${w}'h${toHex(toBits(table.codes[k], w), w)}`;
  lines.push('  always @* begin');
  if (split === 0) {
    lines.push('    case (x)');
    for (let k = 0; k < table.codes.length; k++) {
      lines.push(`      ${i}'d${k}: word = ${word(k)};`);
    }
  } else {
    const hi = i - split;
    lines.push(`    case (x[${i - 1}:${split}])`);
    for (let top = 0; top < 2 ** hi; top++) {
      lines.push(`      ${hi}'d${top}:`, `        case (x[${split - 1}:0])`);
      for (let low = 0; low < 2 ** split; low++) {
        lines.push(`          ${split}'d${low}: word = ${word(top * 2 ** split + low)};`);
      }
      lines.push(`          default: word = {${w}{1'bx}};`, '        endcase');
    }
  }
  lines.push(
    `      default: word = {${w}{1'bx}};`,
    '    endcase',
    '  end',
    'endmodule',
    '',
  );
  return lines.join('\n');
}
