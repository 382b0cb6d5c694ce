import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildAll, METHODS } from '../src/core/build.js';
import { minimiseWithEspresso } from '../src/adapters/espresso.js';
import { proveCircuits, simulate } from '../src/adapters/iverilog.js';
import { defaultSegments } from '../src/core/methods/pwl.js';
import { goldenOf } from './helpers.js';

async function circuitsOf(args: string, rounding = 'nearest', expr?: string) {
  const table = await goldenOf(args, rounding, expr);
  return buildAll(table, {
    methods: table.spec.inputBits <= 12 ? [...METHODS] : ['rom', 'pwl'],
    verilog: true,
    memoryFiles: false,
    pwlSegments: defaultSegments(table.spec.inputBits),
    minimise: minimiseWithEspresso,
  });
}

describe('Icarus Verilog proves every method', () => {
  // A sample of every function, from 1 to 12 input bits, both roundings.
  const configs: [string, string, string?][] = [
    ['tanh 0 2 1 6 1', 'nearest'],
    ['tanh 0 2 1 6 4', 'trunc'],
    ['tanh -4 4 1 8 12', 'nearest'],
    ['selu -3.875 0 1 6 4', 'nearest'],
    ['selu -3.875 0 1 4 6', 'trunc'],
    ['sigmoid -8 8 0 8 9', 'nearest'],
    ['elu -4 0 1 8 7', 'trunc'],
    ['gelu -4 4 3 6 8', 'nearest'],
    ['silu -6 6 3 6 8', 'nearest'],
    ['softplus -6 6 3 5 5', 'trunc'],
    ['self_define -4 4 0 8 8', 'nearest', 'x / (1 + abs(x))'],
    ['self_define 0 2 1 2 3', 'nearest', 'x^2'], // saturates
  ];
  it.each(configs)('%s (%s)', async (args, rounding, expr) => {
    const build = await circuitsOf(args, rounding, expr);
    const proofs = await proveCircuits(build.circuits);
    expect(proofs).toHaveLength(3);
    const n = 2 ** build.table.spec.inputBits;
    for (const p of proofs) expect(p.report).toEqual({ checked: n, mismatches: 0 });
  });

  it.each([1, 2, 512])('proves pwl with %i segments (8 input bits)', async (segments) => {
    const table = await goldenOf('tanh -4 4 1 8 9');
    const build = buildAll(table, {
      methods: ['pwl'],
      verilog: true,
      memoryFiles: false,
      pwlSegments: segments,
      minimise: minimiseWithEspresso,
    });
    const proofs = await proveCircuits(build.circuits);
    expect(proofs.map((p) => p.report)).toEqual([{ checked: 512, mismatches: 0 }]);
  });

  it('proves rom and pwl at 16 input bits', async () => {
    const build = await circuitsOf('sigmoid -8 8 0 12 16');
    const proofs = await proveCircuits(build.circuits);
    expect(proofs.map((p) => p.report.checked)).toEqual([65536, 65536]);
  });
});

describe('the proof has teeth', () => {
  it('names the first failing code of a broken circuit', async () => {
    const build = await circuitsOf('tanh 0 2 1 6 4', 'trunc');
    const rom = build.circuits.find((c) => c.method === 'rom')!;
    // Code 5 holds 35 = 7'h23; make it 7'h24.
    const broken = {
      ...rom,
      verilog: rom.verilog.replace("4'd5: word = 7'h23;", "4'd5: word = 7'h24;"),
    };
    expect(broken.verilog).not.toBe(rom.verilog);
    await expect(proveCircuits([broken])).rejects.toThrow(
      new RegExp(
        String.raw`tanh_1_6_4_rom \(rom\) does not match its model: ` +
          String.raw`first at input code 5, got 24, expected 23 \(1 of 16 codes differ\)`,
      ),
    );
  });

  it('reports a module that does not compile', async () => {
    await expect(
      simulate('m', { verilog: 'module m(input x); syntax error', testbench: '' }),
    ).rejects.toThrow(/Icarus Verilog rejected m\.v/);
  });

  it('drives the ports as documented: bit 0 least significant', async () => {
    // An independent test bench prints y for every x; compare with the
    // original main.py's tanh_1_6_4 codes (from the issue).
    const build = await circuitsOf('tanh 0 2 1 6 4', 'trunc');
    const sop = build.circuits.find((c) => c.method === 'sop')!;
    const dir = mkdtempSync(join(tmpdir(), 'af-port-'));
    writeFileSync(join(dir, 'dut.v'), sop.verilog);
    writeFileSync(
      join(dir, 'tb.v'),
      `module tb; reg [3:0] x; wire [6:0] y; integer k;
      ${sop.moduleName} dut(.x(x), .y(y));
      initial begin for (k = 0; k < 16; k = k + 1) begin x = k; #1; $display("%0d", y); end end
    endmodule`,
    );
    execFileSync('iverilog', [
      '-o',
      join(dir, 'a.vvp'),
      join(dir, 'dut.v'),
      join(dir, 'tb.v'),
    ]);
    const out = execFileSync('vvp', ['-n', join(dir, 'a.vvp')])
      .toString()
      .trim()
      .split('\n');
    expect(out.map(Number)).toEqual([
      0, 7, 15, 22, 29, 35, 40, 45, 48, 51, 54, 56, 57, 59, 60, 61,
    ]);
  });
});
