/**
 * Everything one run produces, as text in memory: the circuits of the
 * chosen methods with their test benches and expected words, the memory
 * files and the error figures. Nothing here touches the file system; the
 * caller proves the circuits and writes the files.
 */
import { headerLines } from './header.js';
import { width } from './format.js';
import type { GoldenTable } from './golden.js';
import { coeText, hexText, mifText, type Memory } from './memfile.js';
import { errorFigures, type ErrorFigures } from './metrics.js';
import {
  checkCover,
  parseCover,
  sopVerilog,
  tableToPla,
  type Cover,
} from './methods/sop.js';
import { romVerilog } from './methods/rom.js';
import { fitPwl, pwlHeader, pwlVerilog, type PwlModel } from './methods/pwl.js';
import { testbenchVerilog } from './testbench.js';

/** The circuit methods `--method` accepts (besides `all`). */
export const METHODS = ['sop', 'rom', 'pwl'] as const;

/** One of {@link METHODS}. */
export type Method = (typeof METHODS)[number];

/** A two-level minimiser: PLA rows in, cover rows out (Espresso). */
export type Minimiser = (pla: string[]) => string[];

/** One generated file, relative to the output directory. */
export interface Artifact {
  readonly path: string;
  readonly data: string | Buffer;
}

/** One emitted circuit and the words it must produce. */
export interface Circuit {
  readonly method: Method;
  readonly moduleName: string;
  readonly verilog: string;
  readonly testbench: string;
  /** Output code for every input code: what the proof checks. */
  readonly expected: Int32Array;
  readonly inputBits: number;
  readonly outputBits: number;
}

/** Error of one method against the exact function. */
export interface MethodError {
  readonly method: Method;
  readonly exact: boolean;
  readonly figures: ErrorFigures;
}

/** All of a run's products. */
export interface Build {
  readonly table: GoldenTable;
  readonly pwl: PwlModel;
  readonly cover?: Cover;
  readonly circuits: readonly Circuit[];
  readonly files: readonly Artifact[];
  readonly errors: readonly MethodError[];
}

/** What to build. */
export interface BuildOptions {
  readonly methods: readonly Method[];
  readonly verilog: boolean;
  readonly memoryFiles: boolean;
  readonly pwlSegments: number;
  readonly minimise: Minimiser;
}

/**
 * Build circuits, memory files and error figures for a golden table.
 *
 * With one method the module is `<name>`; with several, `<name>_<method>`.
 */
export function buildAll(table: GoldenTable, options: BuildOptions): Build {
  const w = width(table.format);
  const i = table.spec.inputBits;
  const pwl = fitPwl(table, options.pwlSegments);
  const files: Artifact[] = [];
  const circuits: Circuit[] = [];
  let cover: Cover | undefined;

  // Circuits, each with its test bench.
  if (options.verilog) {
    for (const method of options.methods) {
      const moduleName =
        options.methods.length === 1 ? table.name : `${table.name}_${method}`;
      let verilog: string;
      let expected = table.codes;
      if (method === 'sop') {
        cover = parseCover(options.minimise(tableToPla(table)), i, w);
        checkCover(cover, table);
        verilog = sopVerilog(table, cover, moduleName);
      } else if (method === 'rom') {
        verilog = romVerilog(table, moduleName);
      } else {
        verilog = pwlVerilog(table, pwl, moduleName);
        expected = pwl.codes;
      }
      const testbench = testbenchVerilog(
        moduleName,
        i,
        w,
        expected,
        headerLines(table, [`method = ${method}`]),
      );
      circuits.push({
        method,
        moduleName,
        verilog,
        testbench,
        expected,
        inputBits: i,
        outputBits: w,
      });
      files.push(
        { path: `verilog_file/${moduleName}.v`, data: verilog },
        { path: `verilog_file/${moduleName}_tb.v`, data: testbench },
      );
    }
  }

  // Memory files: the whole table, and the piecewise-linear coefficients.
  if (options.memoryFiles) {
    const dir = `coe_file/${table.name}`;
    const memories: [string, Memory][] = [
      [
        'y',
        {
          codes: table.codes,
          bits: w,
          header: headerLines(table, [
            `y: the golden table, ${table.codes.length} words, address = input code`,
          ]),
        },
      ],
      [
        'k',
        {
          codes: pwl.k,
          bits: pwl.kWidth,
          header: headerLines(table, [
            ...pwlHeader(pwl),
            'this file: k, address = segment',
          ]),
        },
      ],
      [
        'b',
        {
          codes: pwl.b,
          bits: pwl.bWidth,
          header: headerLines(table, [
            ...pwlHeader(pwl),
            'this file: b, address = segment',
          ]),
        },
      ],
    ];
    for (const [stem, mem] of memories) {
      files.push(
        { path: `${dir}/${stem}.coe`, data: coeText(mem) },
        { path: `${dir}/${stem}.mif`, data: mifText(mem) },
        { path: `${dir}/${stem}.hex`, data: hexText(mem) },
      );
    }
  }

  // Error figures: the exact methods share the table's; pwl has its own.
  const tableError = errorFigures(table.codes, table.exact, table.format);
  const errors: MethodError[] = [
    { method: 'sop', exact: true, figures: tableError },
    { method: 'rom', exact: true, figures: tableError },
    {
      method: 'pwl',
      exact: false,
      figures: errorFigures(pwl.codes, table.exact, table.format),
    },
  ];
  return { table, pwl, ...(cover ? { cover } : {}), circuits, files, errors };
}
