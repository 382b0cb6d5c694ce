/**
 * The lookup-table method: the golden table as a `case` ROM.
 */
import { comment, headerLines } from '../header.js';
import { toBits, toHex, width } from '../format.js';
import type { GoldenTable } from '../golden.js';

/** Emit the golden table as a combinational `case` ROM module. */
export function romVerilog(table: GoldenTable, moduleName: string): string {
  const i = table.spec.inputBits;
  const w = width(table.format);
  const lines: string[] = [
    comment('//', headerLines(table, [
      'method = rom: the whole table as a case statement (a ROM of ' +
        `${table.codes.length} words of ${w} bits)`,
    ])).trimEnd(),
    `module ${moduleName} (`,
    `  input  wire [${i - 1}:0] x,`,
    `  output wire [${w - 1}:0] y`,
    ');',
    '',
    `  reg [${w - 1}:0] word;`,
    '  assign y = word;',
    '',
    '  always @* begin',
    '    case (x)',
  ];
  for (let k = 0; k < table.codes.length; k++) {
    const bits = toBits(table.codes[k], w);
    lines.push(`      ${i}'d${k}: word = ${w}'h${toHex(bits, w)};`);
  }
  lines.push(`      default: word = {${w}{1'bx}};`, '    endcase', '  end', 'endmodule', '');
  return lines.join('\n');
}
