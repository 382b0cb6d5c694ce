/**
 * `npm run bench`: time each step of the main job for a few real
 * configurations (table, minimisation, files, exhaustive proof), and the
 * whole command beyond Node's start-up.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAll, type Method } from '../core/build.js';
import { resolveFunction } from '../core/functions.js';
import { buildGoldenTable } from '../core/golden.js';
import { defaultSegments } from '../core/methods/pwl.js';
import { parseSpec } from '../core/spec.js';
import { minimiseWithEspresso } from '../adapters/espresso.js';
import { writeArtifacts } from '../adapters/files.js';
import { proveCircuits } from '../adapters/iverilog.js';

const CONFIGS = [
  'tanh 0 2 1 6 4',
  'selu -3.875 0 1 6 4',
  'tanh -4 4 1 8 8',
  'sigmoid -8 8 0 8 8',
  'gelu -4 4 3 8 10',
  'tanh -4 4 1 8 12',
];

const ms = (t0: number): number => performance.now() - t0;

/** Best of `runs` timings of `f`, in milliseconds. */
async function best(runs: number, f: () => Promise<unknown> | unknown): Promise<number> {
  let min = Infinity;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await f();
    min = Math.min(min, ms(t0));
  }
  return min;
}

async function stepTimes(args: string, methods: Method[]): Promise<string> {
  const [fn, rangeL, rangeR, intBits, fracBits, inputBits] = args.split(' ');
  const spec = parseSpec({ fn, rangeL, rangeR, intBits, fracBits, inputBits });
  const f = await resolveFunction(fn);
  const table = buildGoldenTable(spec, f);
  const options = (m: Method[]) => ({
    methods: m,
    verilog: true,
    memoryFiles: true,
    pwlSegments: defaultSegments(spec.inputBits),
    minimise: minimiseWithEspresso,
  });
  const build = buildAll(table, options(methods));
  const dir = mkdtempSync(join(tmpdir(), 'af-bench-'));

  const tTable = await best(5, () => buildGoldenTable(spec, f));
  const tSop = await best(3, () => buildAll(table, options(['sop'])));
  const tAll = await best(3, () => buildAll(table, options(methods)));
  const tFiles = await best(3, () => writeArtifacts(dir, build.files, { force: true }));
  const tProof = await best(1, () => proveCircuits(build.circuits));
  rmSync(dir, { recursive: true, force: true });
  const terms = build.cover?.terms.length ?? 0;
  return [
    args.padEnd(22),
    fmt(tTable),
    fmt(tSop),
    `${terms}`.padStart(6),
    fmt(tAll),
    fmt(tFiles),
    fmt(tProof),
  ].join('  ');
}

const fmt = (v: number): string => `${v.toFixed(1)} ms`.padStart(10);

async function main(): Promise<void> {
  const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'main.js');
  console.log('Per step, all three methods (sop, rom, pwl), best of several runs:');
  console.log(
    [
      'config'.padEnd(22),
      'table'.padStart(10),
      'minimise'.padStart(10),
      'terms'.padStart(6),
      'all text'.padStart(10),
      'files'.padStart(10),
      'proof'.padStart(10),
    ].join('  '),
  );
  for (const c of CONFIGS) console.log(await stepTimes(c, ['sop', 'rom', 'pwl']));

  // The whole default command, against bare Node start-up.
  console.log('\nWhole command (best of 5), minus `node -e 0`:');
  const node = await best(5, () => execFileSync(process.execPath, ['-e', '0']));
  for (const c of ['tanh 0 2 1 6 4', 'tanh -4 4 1 8 8', 'tanh -4 4 1 8 12']) {
    const dir = mkdtempSync(join(tmpdir(), 'af-bench-'));
    const t = await best(5, () =>
      execFileSync(process.execPath, [
        cli,
        ...c.split(' '),
        '--out-dir',
        dir,
        '--quiet',
        '--force',
      ]),
    );
    rmSync(dir, { recursive: true, force: true });
    console.log(
      `  af ${c.padEnd(20)} ${fmt(t)} total, ${fmt(t - node)} beyond ` +
        `Node's ${node.toFixed(0)} ms start-up`,
    );
  }
}

await main();
