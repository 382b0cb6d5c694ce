/**
 * `af <function> <rang_l> <rang_r> <int_bits> <float_bits> <i_bits>`: build
 * the golden table, emit the circuits and memory files, prove every circuit
 * with Icarus Verilog, and (on request) report errors and draw plots.
 */
import { buildAll, type Artifact, type Build, type Method } from '../core/build.js';
import { codeToReal, describeFormat, width } from '../core/format.js';
import { resolveFunction } from '../core/functions.js';
import { buildGoldenTable, type GoldenTable } from '../core/golden.js';
import { checkSegments, defaultSegments } from '../core/methods/pwl.js';
import { checkSopSize } from '../core/methods/sop.js';
import type { ActivationSpec } from '../core/spec.js';
import { minimiseWithEspresso } from '../adapters/espresso.js';
import { writeArtifacts, type WriteResult } from '../adapters/files.js';
import { proveCircuits, type Proof } from '../adapters/iverilog.js';
import { renderPlot } from '../adapters/plot.js';

/** Options of one generate run, already checked by the command line. */
export interface GenerateOptions {
  readonly spec: ActivationSpec;
  readonly methods: readonly Method[];
  readonly generateVerilog: boolean;
  readonly generateCoe: boolean;
  readonly simulate: boolean;
  readonly plotAf: boolean;
  /** Segment count of the piecewise-linear model; default 2^ceil(i/2). */
  readonly pwlSegments?: number;
  readonly outDir: string;
  readonly force: boolean;
}

/** Seconds spent in each step. */
export interface Timings {
  table: number;
  build: number;
  proof: number;
  plots: number;
  files: number;
}

/** What a generate run did, for the command line to report. */
export interface GenerateReport {
  readonly table: GoldenTable;
  readonly build: Build;
  readonly proofs: readonly Proof[];
  readonly written: WriteResult;
  readonly warnings: readonly string[];
  readonly timings: Timings;
}

const now = (): number => performance.now() / 1000;

/** Run the whole job; nothing is written unless every circuit is proven. */
export async function generate(options: GenerateOptions): Promise<GenerateReport> {
  const { spec } = options;
  if (options.generateVerilog && options.methods.includes('sop')) {
    checkSopSize(spec.inputBits);
  }
  const timings: Timings = { table: 0, build: 0, proof: 0, plots: 0, files: 0 };
  let t = now();

  // The golden table.
  const fn = await resolveFunction(spec.fn, spec.expr);
  const table = buildGoldenTable(spec, fn);
  const segments = options.pwlSegments ?? defaultSegments(spec.inputBits);
  checkSegments(segments, spec.inputBits);
  timings.table = now() - t;
  t = now();

  // Circuits, test benches and memory files, in memory.
  const build = buildAll(table, {
    methods: options.methods,
    verilog: options.generateVerilog,
    memoryFiles: options.generateCoe,
    pwlSegments: segments,
    minimise: minimiseWithEspresso,
  });
  timings.build = now() - t;
  t = now();

  // Exhaustive proof of every circuit before anything is written.
  const proofs = await proveCircuits(build.circuits);
  timings.proof = now() - t;
  t = now();

  // Plots.
  const files: Artifact[] = [...build.files];
  if (options.simulate) {
    files.push({
      path: `verilog_file/${table.name}_simulate.png`,
      data: await simulationPlot(build),
    });
  }
  if (options.plotAf) {
    files.push({
      path: `verilog_file/${table.name}_af.png`,
      data: await functionPlot(table),
    });
  }
  timings.plots = now() - t;
  t = now();

  const written = await writeArtifacts(options.outDir, files, { force: options.force });
  timings.files = now() - t;
  return { table, build, proofs, written, warnings: table.warnings, timings };
}

/** Points of the exact function, sampled finely over the range. */
function exactCurve(table: GoldenTable, points = 1024): { x: number[]; y: number[] } {
  const { rangeL, rangeR } = table.spec;
  const x = Array.from(
    { length: points + 1 },
    (_, k) => rangeL + ((rangeR - rangeL) * k) / points,
  );
  return { x, y: x.map((v) => table.fn.value(v)) };
}

/** A circuit's output as steps: code k holds from x_k up to x_{k+1}. */
function steps(
  table: GoldenTable,
  codes: ArrayLike<number>,
): { x: number[]; y: number[] } {
  const x = [...table.x, table.spec.rangeR];
  const y = Array.from(codes, (c) => codeToReal(c, table.format));
  return { x, y: [...y, y[y.length - 1]] };
}

/** The parameters a plot shows, for its PNG text chunk. */
function describe(table: GoldenTable, extra = ''): string {
  const s = table.spec;
  const fn = s.expr === undefined ? s.fn : `${s.fn} (${s.expr})`;
  return (
    `${table.name}: ${fn} on [${s.rangeL}, ${s.rangeR}), ${2 ** s.inputBits} codes, ` +
    `output ${describeFormat(table.format)} (${width(table.format)} bits), ` +
    `rounding ${s.rounding}${extra}`
  );
}

/** Exact function, table circuit, pwl model, and their errors in ulps. */
async function simulationPlot(build: Build): Promise<Buffer> {
  const { table, pwl } = build;
  const ulp = 2 ** table.format.fracBits;
  const err = (codes: ArrayLike<number>): number[] =>
    Array.from(table.exact, (e, k) => (codeToReal(codes[k], table.format) - e) * ulp);
  return renderPlot({
    title: `${table.name}: circuit output and error (${table.spec.rounding} rounding)`,
    xLabel: 'x',
    yLabel: 'y',
    rightLabel: 'error (output ulps)',
    description: describe(table, `, pwl ${2 ** pwl.segBits} segments`),
    series: [
      { label: `exact ${table.fn.formula}`, ...exactCurve(table), colour: '#222222' },
      {
        label: 'table (sop, rom)',
        ...steps(table, table.codes),
        stepped: true,
        colour: '#1f77b4',
      },
      {
        label: `pwl (${2 ** pwl.segBits} segments)`,
        ...steps(table, pwl.codes),
        stepped: true,
        colour: '#2ca02c',
      },
      {
        label: 'table error',
        x: Array.from(table.x),
        y: err(table.codes),
        right: true,
        colour: '#d62728',
      },
      {
        label: 'pwl error',
        x: Array.from(table.x),
        y: err(pwl.codes),
        right: true,
        colour: '#ff7f0e',
      },
    ],
  });
}

/** The implemented function over its range, with the exact one. */
async function functionPlot(table: GoldenTable): Promise<Buffer> {
  return renderPlot({
    title:
      `${table.name}: implemented ${table.spec.fn} ` +
      `on [${table.spec.rangeL}, ${table.spec.rangeR})`,
    xLabel: 'x',
    yLabel: 'y',
    description: describe(table),
    series: [
      { label: `exact ${table.fn.formula}`, ...exactCurve(table), colour: '#222222' },
      {
        label: `circuit (${describeFormat(table.format)})`,
        ...steps(table, table.codes),
        stepped: true,
        colour: '#1f77b4',
      },
    ],
  });
}
