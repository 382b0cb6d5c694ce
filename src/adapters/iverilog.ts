/**
 * Exhaustive proof of emitted circuits with Icarus Verilog.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AfError, ToolMissingError, VerificationError } from '../core/errors.js';
import type { Circuit } from '../core/build.js';
import { parseSimulation, type SimulationReport } from '../core/testbench.js';

const run = promisify(execFile);

/** The result of proving one circuit. */
export interface Proof {
  readonly moduleName: string;
  readonly report: SimulationReport;
  readonly seconds: number;
}

/**
 * Compile and simulate one module with its test bench in a scratch
 * directory, and return what the test bench reported.
 */
export async function simulate(
  moduleName: string,
  sources: { verilog: string; testbench: string },
): Promise<SimulationReport> {
  const dir = await mkdtemp(join(tmpdir(), 'af-proof-'));
  try {
    const dut = join(dir, `${moduleName}.v`);
    const tb = join(dir, `${moduleName}_tb.v`);
    const vvp = join(dir, 'sim.vvp');
    await writeFile(dut, sources.verilog);
    await writeFile(tb, sources.testbench);
    try {
      await run(
        'iverilog',
        ['-g2005', '-Wall', '-s', `${moduleName}_tb`, '-o', vvp, dut, tb],
        { maxBuffer: 64 << 20 },
      );
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: string };
      if (e.code === 'ENOENT') throw new ToolMissingError('iverilog', 'iverilog');
      throw new VerificationError(
        `Icarus Verilog rejected ${moduleName}.v: ${firstLine(e.stderr ?? e.message)}`,
      );
    }
    const { stdout } = await run('vvp', ['-n', vvp], { maxBuffer: 64 << 20 });
    const report = parseSimulation(stdout);
    if (!report) {
      throw new AfError(`the simulation of ${moduleName} ended without a report`, 1);
    }
    return report;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Prove every circuit over all its input codes; two at a time.
 *
 * @throws VerificationError naming the first failing code of the first
 *   circuit that fails.
 */
export async function proveCircuits(circuits: readonly Circuit[]): Promise<Proof[]> {
  const proofs: Proof[] = [];
  const queue = [...circuits];
  const worker = async (): Promise<void> => {
    for (let c = queue.shift(); c; c = queue.shift()) {
      const start = performance.now();
      const report = await simulate(c.moduleName, c);
      const seconds = (performance.now() - start) / 1000;
      if (report.first || report.mismatches > 0 || report.checked !== c.expected.length) {
        const f = report.first;
        throw new VerificationError(
          `${c.moduleName} (${c.method}) does not match its model` +
            (f
              ? `: first at input code ${f.code}, got ${f.got}, expected ${f.expected}`
              : '') +
            ` (${report.mismatches} of ${report.checked} codes differ)`,
        );
      }
      proofs.push({ moduleName: c.moduleName, report, seconds });
    }
  };
  await Promise.all([worker(), worker()]);
  return proofs.sort((a, b) => a.moduleName.localeCompare(b.moduleName));
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? text
  );
}
