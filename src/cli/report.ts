/**
 * What the command line prints after a generate run.
 */
import { describeFormat, width } from '../core/format.js';
import type { GenerateReport, GenerateOptions } from '../commands/generate.js';
import type { Verbosity } from './args.js';

const fmt = (v: number): string => (v === 0 ? '0' : v.toPrecision(4));

/** `1 segment`, `4 segments`. */
const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** The stdout text for a finished run. */
export function reportText(
  report: GenerateReport,
  options: GenerateOptions,
  verbosity: Verbosity,
): string {
  if (verbosity === 'quiet') return '';
  const { table, build, proofs, written } = report;
  const s = table.spec;
  const out: string[] = [];

  out.push(
    `${table.name}: ${s.fn} on [${s.rangeL}, ${s.rangeR}), ${2 ** s.inputBits} input codes, ` +
      `output ${describeFormat(table.format)} (${width(table.format)} bits), ` +
      `${s.rounding} rounding`,
  );

  // One line per circuit: what it is and its proof.
  for (const c of build.circuits) {
    const proof = proofs.find((p) => p.moduleName === c.moduleName);
    const detail =
      c.method === 'sop' && build.cover
        ? `, ${count(build.cover.terms.length, 'product term')}`
        : c.method === 'pwl'
          ? `, ${count(2 ** build.pwl.segBits, 'segment')}`
          : '';
    out.push(
      `  ${c.method.padEnd(4)} verilog_file/${c.moduleName}.v  proven on ` +
        `${proof?.report.checked}/${c.expected.length} codes by Icarus Verilog${detail}`,
    );
  }

  // Errors against the exact function.
  if (options.simulate) out.push('', ...errorTable(report));

  // Files.
  const all = [...written.written, ...written.unchanged];
  const dir = options.outDir === '.' ? 'the current directory' : options.outDir;
  out.push(
    '',
    `${written.written.length} files written, ${written.unchanged.length} ` +
      `already up to date, under ${dir}`,
  );
  if (verbosity === 'verbose') {
    out.push(...all.sort().map((p) => `  ${p}`));
    const t = report.timings;
    out.push(
      `timings: table ${ms(t.table)}, circuits ${ms(t.build)}, proof ${ms(t.proof)}, ` +
        `plots ${ms(t.plots)}, files ${ms(t.files)}`,
    );
  } else {
    const pngs = all.filter((p) => p.endsWith('.png')).sort();
    out.push(...pngs.map((p) => `  ${p}`));
  }
  return out.join('\n') + '\n';
}

/** Every method's error against the exact function, emitted or not. */
function errorTable({ build }: GenerateReport): string[] {
  const emitted = new Set(build.circuits.map((c) => c.method));
  const others = build.errors.map((e) => e.method).filter((m) => !emitted.has(m));
  return [
    '  method  exact  max abs     mean abs    rms         max ulps',
    ...build.errors.map((e) => {
      const f = e.figures;
      return (
        `  ${e.method.padEnd(6)}  ${(e.exact ? 'yes' : 'no').padEnd(5)}  ` +
        `${fmt(f.maxAbs).padEnd(10)}  ${fmt(f.meanAbs).padEnd(10)}  ` +
        `${fmt(f.rms).padEnd(10)}  ${fmt(f.maxUlps)}`
      );
    }),
    '  (sop and rom equal the golden table; pwl is its own bit-exact datapath)',
    ...(others.length > 0 && emitted.size > 0
      ? [`  (${others.join(' and ')}: figures of the model only; no circuit emitted)`]
      : []),
  ];
}

function ms(seconds: number): string {
  return `${(seconds * 1000).toFixed(1)} ms`;
}
