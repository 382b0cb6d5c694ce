/**
 * The lookup-table method: the golden table as a `case` ROM.
 */
import { moduleOpening } from '../header.js';
import { caseLines } from './case.js';
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

  const word = (k: number): string => `${w}'h${toHex(toBits(table.codes[k], w), w)}`;
  lines.push(
    '  always @*',
    ...caseLines(i - 1, 0, (k) => `word = ${word(k)};`, `word = {${w}{1'bx}};`),
    'endmodule',
    '',
  );
  return lines.join('\n');
}
