import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli', 'main.js');

/** The README's example commands, whose outputs are committed. */
const EXAMPLES = [
  ['tanh', '0', '2', '1', '6', '4', '--simulate', '--plot-af'],
  ['selu', '-3.875', '0', '1', '6', '4', '--method', 'all', '--simulate'],
];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((p) => statSync(join(dir, p)).isFile())
    .map((p) => relative(dir, join(dir, p)))
    .sort();
}

/** The tEXt chunks of a PNG, read chunk by chunk. */
function pngText(png: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    if (type === 'tEXt') {
      const body = png.subarray(at + 8, at + 8 + length);
      const zero = body.indexOf(0);
      out[body.toString('latin1', 0, zero)] = body.toString('latin1', zero + 1);
    }
    at += 12 + length;
  }
  return out;
}

describe("the README's example outputs", () => {
  const out = mkdtempSync(join(tmpdir(), 'af-examples-'));
  for (const args of EXAMPLES)
    execFileSync(process.execPath, [cli, ...args, '--out-dir', out, '-q']);
  const made = [
    ...filesUnder(join(out, 'verilog_file')).map((p) => `verilog_file/${p}`),
    ...filesUnder(join(out, 'coe_file')).map((p) => `coe_file/${p}`),
  ];

  it('are the files committed in verilog_file/ and coe_file/', () => {
    const committed = made.filter((p) =>
      statSync(join(root, p), { throwIfNoEntry: false }),
    );
    expect(committed).toEqual(made);
    expect(made).toContain('verilog_file/tanh_1_6_4.v');
    expect(made).toContain('coe_file/selu_1_6_4/k.coe');
  });

  it.each(made)('regenerates %s byte for byte', (p) => {
    expect(readFileSync(join(out, p)).equals(readFileSync(join(root, p)))).toBe(true);
  });

  // Plots name their font (DejaVu Sans, from fonts-dejavu-core), so they
  // too are the same bytes; their text chunks say what they show.
  it.each(made.filter((p) => p.endsWith('.png')))('labels plot %s', (p) => {
    const png = readFileSync(join(out, p));
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([960, 600]);
    expect(pngText(png).Description).toMatch(/^(tanh|selu)_1_6_4: /);
  });
});
