/**
 * The `af` command line, end to end: the built CLI is spawned in fresh
 * temporary folders, and the argument handling in src/cli is checked as
 * tables. Expected values come from the requirements (the original
 * main.py's spellings, DESIGN.md's file layout and port widths, the limits
 * stated in --help), never from running the code under test.
 *
 * `npm test` builds dist/ first; this file spawns dist/cli/main.js.
 */
import { spawn } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { parseArgs, separatePositionals } from '../src/cli/args.js';
import { translateLegacy } from '../src/cli/legacy.js';
import { UsageError } from '../src/core/errors.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const PACKAGE_VERSION: string = JSON.parse(
  readFileSync(join(ROOT, 'package.json'), 'utf8'),
).version;

/** Every temporary folder this file made, removed at the end. */
const folders: string[] = [];

afterAll(() => {
  for (const f of folders) rmSync(f, { recursive: true, force: true });
});

/** A fresh, empty temporary folder. */
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'af-cli-'));
  folders.push(dir);
  return dir;
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run the built CLI with `args` in `cwd`. */
function af(args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Relative paths of every file under `dir` (none if it does not exist). */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p).split('\\').join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/** Every file under `dir` with its bytes. */
function snapshot(dir: string): Map<string, Buffer> {
  return new Map(filesUnder(dir).map((f) => [f, readFileSync(join(dir, f))]));
}

/** The lines of a stream's text (none for empty text). */
function lines(text: string): string[] {
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}

/** Does `line` name the option `name` (not a longer one)? */
function namesOption(line: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\w-])${escaped}(?![\\w-])`).test(line);
}

// The files DESIGN.md promises for tanh, int_bits 1, float_bits 6, i_bits 4.
const TANH = ['tanh', '0', '2', '1', '6', '4'];
const V = 'verilog_file/tanh_1_6_4.v';
const TB = 'verilog_file/tanh_1_6_4_tb.v';
const Y = 'coe_file/tanh_1_6_4/y.coe';
const AF_PNG = 'verilog_file/tanh_1_6_4_af.png';
const SIM_PNG = 'verilog_file/tanh_1_6_4_simulate.png';

// The help text, for the limits it states.
const HELP = (() => {
  const inv = parseArgs(['--help']);
  if (inv.kind !== 'text') throw new Error('--help did not give text');
  return inv.text;
})();

/** A limit `<label> <min> to <max>` as stated in --help. */
function statedLimit(label: RegExp): { min: number; max: number } {
  const m = new RegExp(`${label.source} (\\d+) to (\\d+)`).exec(HELP);
  if (!m) throw new Error(`--help states no limit for ${label.source}`);
  return { min: Number(m[1]), max: Number(m[2]) };
}

const LIMIT = {
  inputBits: statedLimit(/\bi_bits/),
  intBits: statedLimit(/(?<!\+ )\bint_bits/),
  fracBits: statedLimit(/(?<!\+ )\bfloat_bits/),
  magnitudeBits: statedLimit(/int_bits \+ float_bits/),
};

describe('separatePositionals', () => {
  const rows: Array<[string, string[], string[]]> = [
    ['plain positionals', TANH, ['--', ...TANH]],
    [
      'negative numbers stay positional',
      ['selu', '-3.875', '0', '1', '6', '4'],
      ['--', 'selu', '-3.875', '0', '1', '6', '4'],
    ],
    [
      'negative forms: -.5, -1e3, -0, -inf, -NaN',
      ['f', '-.5', '-1e3', '-0', '-inf', '-NaN'],
      ['--', 'f', '-.5', '-1e3', '-0', '-inf', '-NaN'],
    ],
    [
      'options move ahead, keeping their values',
      ['selu', '-3.875', '0', '--method', 'rom', '1', '6', '4', '-q'],
      ['--method', 'rom', '-q', '--', 'selu', '-3.875', '0', '1', '6', '4'],
    ],
    [
      'a value that looks like an option or a number stays with its option',
      ['--out-dir', '-odd', '--expr', '-x', '--pwl-segments', '-2', 'a'],
      ['--out-dir', '-odd', '--expr', '-x', '--pwl-segments', '-2', '--', 'a'],
    ],
    [
      '--opt=value is one word',
      ['--method=all', 'tanh', '--rounding=trunc'],
      ['--method=all', '--rounding=trunc', '--', 'tanh'],
    ],
    [
      'flags do not take the next word',
      ['--simulate', '-1', '--force', '2'],
      ['--simulate', '--force', '--', '-1', '2'],
    ],
    [
      'everything after -- is positional',
      ['-v', 'tanh', '--', '-x', '--force'],
      ['-v', '--', 'tanh', '-x', '--force'],
    ],
    ['a lone dash is positional', ['-', '--quiet'], ['--quiet', '--', '-']],
    ['nothing', [], ['--']],
  ];
  it.each(rows)('%s', (_, argv, expected) => {
    expect(separatePositionals(argv)).toEqual(expected);
  });
});

describe('translateLegacy', () => {
  // [argv, modern argv, [original token, modern option] of each note]
  const rows: Array<[string[], string[], Array<[string, string]>]> = [
    [['-Simulate=True'], ['--simulate'], [['-Simulate=True', '--simulate']]],
    [['-simulate=YES'], ['--simulate'], [['-simulate=YES', '--simulate']]],
    [['-plot_AF=1'], ['--plot-af'], [['-plot_AF=1', '--plot-af']]],
    [['-plot_af=0'], ['--no-plot-af'], [['-plot_af=0', '--no-plot-af']]],
    [
      ['-generate_verilog', 'False'],
      ['--no-generate-verilog'],
      [['-generate_verilog', '--no-generate-verilog']],
    ],
    [
      ['-GENERATE_VERILOG=no'],
      ['--no-generate-verilog'],
      [['-GENERATE_VERILOG=no', '--no-generate-verilog']],
    ],
    [
      ['-generate_verilog=TRUE'],
      ['--generate-verilog'],
      [['-generate_verilog=TRUE', '--generate-verilog']],
    ],
    [
      ['-Generate_Coe_File', '0'],
      ['--no-generate-coe-file'],
      [['-Generate_Coe_File', '--no-generate-coe-file']],
    ],
    [
      ['-generate_coe_file', 'yes'],
      ['--generate-coe-file'],
      [['-generate_coe_file', '--generate-coe-file']],
    ],
    [
      ['--generate_verilog=false'],
      ['--no-generate-verilog'],
      [['--generate_verilog=false', '--no-generate-verilog']],
    ],
    // A bare original name means yes; the next word is kept when it is
    // not a boolean.
    [['-simulate'], ['--simulate'], [['-simulate', '--simulate']]],
    [
      ['-simulate', 'tanh', '0'],
      ['--simulate', 'tanh', '0'],
      [['-simulate', '--simulate']],
    ],
    // Among positionals and modern options, only the legacy words change.
    [
      [...TANH, '-plot_AF=True', '--method', 'all', '-Simulate', 'False'],
      [...TANH, '--plot-af', '--method', 'all', '--no-simulate'],
      [
        ['-plot_AF=True', '--plot-af'],
        ['-Simulate', '--no-simulate'],
      ],
    ],
    [
      ['selu', '-3.875', '0', '1', '6', '4', '-q', '-v', '-V', '-h'],
      ['selu', '-3.875', '0', '1', '6', '4', '-q', '-v', '-V', '-h'],
      [],
    ],
    [
      ['--simulate', '--no-plot-af', '--generate-coe-file', '--force'],
      ['--simulate', '--no-plot-af', '--generate-coe-file', '--force'],
      [],
    ],
    [['--', '-simulate=maybe'], ['--', '-simulate=maybe'], []],
  ];
  it.each(rows)('%j', (argv, modern, notes) => {
    const t = translateLegacy(argv);
    expect(t.argv).toEqual(modern);
    expect(t.notes).toHaveLength(notes.length);
    notes.forEach(([original, option], i) => {
      expect(t.notes[i]).toContain(original);
      expect(namesOption(t.notes[i], option)).toBe(true);
    });
  });

  const errors: Array<[string[], RegExp]> = [
    [['-simulate=maybe'], /-simulate\b.*'?maybe'?/],
    [['-plot_AF=2'], /-plot_AF\b.*'?2'?/],
    [['-Generate_Verilog=on'], /-Generate_Verilog\b.*'?on'?/],
    [['-generate_coe_file='], /-generate_coe_file\b.*''/],
  ];
  it.each(errors)('%j is refused', (argv, message) => {
    expect(() => translateLegacy(argv)).toThrow(UsageError);
    expect(() => translateLegacy(argv)).toThrow(message);
    // The message says what is allowed.
    expect(() => translateLegacy(argv)).toThrow(/True.*False/);
  });
});

describe('parseArgs', () => {
  const spec = {
    fn: 'tanh',
    rangeL: 0,
    rangeR: 2,
    intBits: 1,
    fracBits: 6,
    inputBits: 4,
    rounding: 'nearest',
  };

  it('gives the original defaults: sop Verilog and memory files, no plots', () => {
    expect(parseArgs(TANH)).toEqual({
      kind: 'generate',
      verbosity: 'normal',
      notes: [],
      options: {
        spec,
        methods: ['sop'],
        generateVerilog: true,
        generateCoe: true,
        simulate: false,
        plotAf: false,
        outDir: '.',
        force: false,
      },
    });
  });

  // [argv, what must hold of the options, the verbosity, the note count]
  const rows: Array<[string[], Record<string, unknown>, string, number]> = [
    [
      ['selu', '-3.875', '0', '1', '6', '4'],
      { spec: { ...spec, fn: 'selu', rangeL: -3.875, rangeR: 0 } },
      'normal',
      0,
    ],
    [
      ['elu', '-2.5', '-.5', '2', '3', '5', '--rounding', 'trunc'],
      {
        spec: {
          ...spec,
          fn: 'elu',
          rangeL: -2.5,
          rangeR: -0.5,
          intBits: 2,
          fracBits: 3,
          inputBits: 5,
          rounding: 'trunc',
        },
      },
      'normal',
      0,
    ],
    [
      ['self_define', '-1', '1', '0', '8', '3', '--expr', 'x / (1 + abs(x))'],
      {
        spec: {
          ...spec,
          fn: 'self_define',
          expr: 'x / (1 + abs(x))',
          rangeL: -1,
          rangeR: 1,
          intBits: 0,
          fracBits: 8,
          inputBits: 3,
        },
      },
      'normal',
      0,
    ],
    [[...TANH, '--method', 'rom'], { methods: ['rom'] }, 'normal', 0],
    [[...TANH, '--method', 'pwl,rom'], { methods: ['pwl', 'rom'] }, 'normal', 0],
    [[...TANH, '--method=sop,pwl'], { methods: ['sop', 'pwl'] }, 'normal', 0],
    [[...TANH, '--pwl-segments', '8'], { pwlSegments: 8 }, 'normal', 0],
    [[...TANH, '--no-generate-verilog'], { generateVerilog: false }, 'normal', 0],
    [[...TANH, '--no-generate-coe-file'], { generateCoe: false }, 'normal', 0],
    [[...TANH, '--simulate', '--plot-af'], { simulate: true, plotAf: true }, 'normal', 0],
    [
      ['--out-dir', 'somewhere', '--force', ...TANH],
      { outDir: 'somewhere', force: true },
      'normal',
      0,
    ],
    [[...TANH, '-q'], {}, 'quiet', 0],
    [[...TANH, '--quiet'], {}, 'quiet', 0],
    [[...TANH, '--verbose'], {}, 'verbose', 0],
    [[...TANH, '-generate_verilog', 'False'], { generateVerilog: false }, 'normal', 1],
    [[...TANH, '-GENERATE_VERILOG=no'], { generateVerilog: false }, 'normal', 1],
    [[...TANH, '-generate_coe_file=0'], { generateCoe: false }, 'normal', 1],
    [[...TANH, '-plot_AF=1'], { plotAf: true }, 'normal', 1],
    [[...TANH, '-Simulate=True'], { simulate: true }, 'normal', 1],
    [
      [...TANH, '-Simulate=True', '-plot_AF=yes'],
      { simulate: true, plotAf: true },
      'normal',
      2,
    ],
  ];
  it.each(rows)('%j', (argv, options, verbosity, notes) => {
    const inv = parseArgs(argv);
    expect(inv.kind).toBe('generate');
    if (inv.kind !== 'generate') return;
    expect(inv.options).toMatchObject(options);
    expect(inv.verbosity).toBe(verbosity);
    expect(inv.notes).toHaveLength(notes);
  });

  it('--method all means every method', () => {
    const inv = parseArgs([...TANH, '--method', 'all']);
    if (inv.kind !== 'generate') throw new Error('not a generate run');
    expect([...inv.options.methods].sort()).toEqual(['pwl', 'rom', 'sop']);
  });

  it('--version and -V give the package version', () => {
    expect(parseArgs(['--version'])).toEqual({
      kind: 'text',
      text: `${PACKAGE_VERSION}\n`,
    });
    expect(parseArgs(['-V'])).toEqual({ kind: 'text', text: `${PACKAGE_VERSION}\n` });
  });

  it('--help and -h state limits, examples and exit codes', () => {
    expect(parseArgs(['-h'])).toEqual(parseArgs(['--help']));
    expect(HELP).toMatch(/^Usage: af /);
    expect(HELP).toMatch(/Examples:/);
    expect(HELP).toMatch(/af selu -3\.875 0 /);
    expect(HELP).toMatch(/-Simulate=True/);
    expect(HELP).toMatch(/\b2\b[^\n]*bad input/);
  });

  // [what, argv, a pattern the one-line message must match]
  const bad: Array<[string, string[], RegExp]> = [
    ['unknown function', ['relu', '0', '2', '1', '6', '4'], /relu/],
    ['reversed range', ['tanh', '1.5', '-0.25', '1', '6', '4'], /1\.5.*-0\.25/],
    ['empty range', ['tanh', '0.75', '0.75', '1', '6', '4'], /0\.75.*0\.75/],
    ['rang_r not a number', ['tanh', '0', 'two', '1', '6', '4'], /rang_r.*two/],
    ['int_bits negative', ['tanh', '0', '2', '-1', '6', '4'], /int_bits.*-1/],
    ['float_bits fractional', ['tanh', '0', '2', '1', '6.5', '4'], /float_bits.*6\.5/],
    ['unknown rounding', [...TANH, '--rounding', 'up'], /rounding.*up/],
    ['unknown method', [...TANH, '--method', 'sop,lut'], /method.*lut/],
    [
      'pwl-segments not a number',
      [...TANH, '--pwl-segments', 'four'],
      /pwl-segments.*four/,
    ],
    [
      'self_define without --expr',
      ['self_define', '0', '2', '1', '6', '4'],
      /self_define.*--expr/,
    ],
    ['--expr with a built-in function', [...TANH, '--expr', 'x'], /--expr/],
    ['unknown option', [...TANH, '--bogus'], /--bogus/],
    ['too few positionals', ['tanh', '0', '2', '1', '6'], /i_bits/],
    ['legacy value not a boolean', [...TANH, '-simulate=maybe'], /-simulate.*maybe/],
  ];
  it.each(bad)('refuses %s', (_, argv, message) => {
    let caught: unknown;
    try {
      parseArgs(argv);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as UsageError).exitCode).toBe(2);
    expect((caught as UsageError).message).toMatch(message);
    expect((caught as UsageError).message).not.toContain('\n');
  });

  /** Spec argv with the given widths. */
  const widths = (intBits: number, fracBits: number, inputBits: number): string[] => [
    'tanh',
    '0',
    '2',
    String(intBits),
    String(fracBits),
    String(inputBits),
  ];
  /** int_bits and float_bits adding up to `sum`, each within its limit. */
  const split = (sum: number): [number, number] => {
    const intBits = Math.min(LIMIT.intBits.max, sum);
    return [intBits, sum - intBits];
  };

  it('accepts every width limit that --help states', () => {
    const { inputBits, intBits, fracBits, magnitudeBits } = LIMIT;
    const ok = [
      widths(1, 6, inputBits.min),
      widths(1, 6, inputBits.max),
      widths(intBits.min, 4, 4),
      widths(intBits.max, 0, 4),
      widths(0, fracBits.min + 1, 4),
      widths(0, fracBits.max, 4),
      widths(...split(magnitudeBits.min), 4),
      widths(...split(magnitudeBits.max), 4),
    ];
    for (const argv of ok) expect(parseArgs(argv).kind, argv.join(' ')).toBe('generate');
  });

  it('refuses one past every width limit that --help states, naming it', () => {
    const { inputBits, intBits, fracBits, magnitudeBits } = LIMIT;
    const over: Array<[string[], RegExp]> = [
      [widths(1, 6, inputBits.max + 1), new RegExp(`i_bits.*\\b${inputBits.max + 1}\\b`)],
      [widths(intBits.max + 1, 0, 4), new RegExp(`int_bits.*\\b${intBits.max + 1}\\b`)],
      [
        widths(0, fracBits.max + 1, 4),
        new RegExp(`float_bits.*\\b${fracBits.max + 1}\\b`),
      ],
      [widths(0, 0, 4), /int_bits \+ float_bits.*\b0\b/],
    ];
    if (inputBits.min > 0) {
      const under = inputBits.min - 1;
      over.push([widths(1, 6, under), new RegExp(`i_bits.*\\b${under}\\b`)]);
    }
    const beyond = magnitudeBits.max + 1;
    if (beyond <= intBits.max + fracBits.max) {
      over.push([
        widths(...split(beyond), 4),
        new RegExp(`int_bits \\+ float_bits.*\\b${beyond}\\b`),
      ]);
    }
    for (const [argv, message] of over) {
      expect(() => parseArgs(argv), argv.join(' ')).toThrow(UsageError);
      expect(() => parseArgs(argv), argv.join(' ')).toThrow(message);
    }
  });
});

describe.concurrent('bad input: one line on stderr, exit 2, no files', () => {
  /** self_define on [rangeL, rangeR) with 2 input bits, output 1.6. */
  const own = (expr: string, rangeL = '0', rangeR = '2'): string[] => [
    'self_define',
    rangeL,
    rangeR,
    '1',
    '6',
    '2',
    '--expr',
    expr,
  ];
  // [what, argv, a pattern naming the bad value]
  const rows: Array<[string, string[], RegExp]> = [
    ['reversed range', ['tanh', '1.5', '-0.25', '1', '6', '4'], /1\.5.*-0\.25/],
    ['empty range', ['tanh', '0.75', '0.75', '1', '6', '4'], /0\.75.*0\.75/],
    ['rang_l not a number', ['tanh', 'abc', '2', '1', '6', '4'], /rang_l.*abc/],
    ['rang_r not a number', ['tanh', '0', '2x', '1', '6', '4'], /rang_r.*2x/],
    ['rang_l empty', ['tanh', '', '2', '1', '6', '4'], /rang_l.*''/],
    ['rang_l hexadecimal', ['tanh', '0x10', '20', '1', '6', '4'], /rang_l.*0x10/],
    ['rang_r NaN', ['tanh', '0', 'NaN', '1', '6', '4'], /rang_r.*NaN/],
    ['rang_r Infinity', ['tanh', '0', 'Infinity', '1', '6', '4'], /rang_r.*Infinity/],
    ['rang_l -inf', ['tanh', '-inf', '2', '1', '6', '4'], /rang_l.*-inf/],
    [
      'rang_r overflowing to infinity',
      ['tanh', '0', '1e999', '1', '6', '4'],
      /rang_r.*1e999/,
    ],
    ['rang_r too far out', ['tanh', '0', '2e7', '1', '6', '4'], /rang_r.*2e7/],
    ['int_bits negative', ['tanh', '0', '2', '-1', '6', '4'], /int_bits.*-1/],
    ['int_bits fractional', ['tanh', '0', '2', '1.5', '6', '4'], /int_bits.*1\.5/],
    ['float_bits negative', ['tanh', '0', '2', '1', '-6', '4'], /float_bits.*-6/],
    ['float_bits fractional', ['tanh', '0', '2', '1', '6.5', '4'], /float_bits.*6\.5/],
    ['i_bits negative', ['tanh', '0', '2', '1', '6', '-3'], /i_bits.*-3/],
    ['i_bits fractional', ['tanh', '0', '2', '1', '6', '2.5'], /i_bits.*2\.5/],
    ['i_bits not a number', ['tanh', '0', '2', '1', '6', 'four'], /i_bits.*four/],
    ['i_bits beyond the limit', ['tanh', '0', '2', '1', '6', '40'], /i_bits.*40/],
    ['int_bits beyond the limit', ['tanh', '0', '2', '40', '6', '4'], /int_bits.*40/],
    ['float_bits beyond the limit', ['tanh', '0', '2', '1', '99', '4'], /float_bits.*99/],
    [
      'no output bits',
      ['tanh', '0', '2', '0', '0', '4'],
      /int_bits \+ float_bits.*\b0\b/,
    ],
    ['unknown function', ['relu', '0', '2', '1', '6', '4'], /tanh.*relu|relu.*tanh/],
    ['self_define without --expr', ['self_define', '0', '2', '1', '6', '4'], /--expr/],
    [
      '--expr with a built-in function',
      [...TANH, '--expr', 'x*x'],
      /--expr.*tanh|tanh.*--expr/,
    ],
    ['expression syntax error', own('x +* 2'), /x \+\* 2/],
    ['expression unbalanced', own('(x + 1'), /\(x \+ 1/],
    ['expression unknown function', own('x + foo(x)'), /'foo'/],
    ['expression unknown variable', own('x * y'), /'y'/],
    ['expression assignment', own('x = 3'), /x = 3/],
    // Grid 0, 0.5, 1, 1.5: 1/(x - 0.5) is infinite at the second point.
    ['expression infinite on the grid', own('1 / (x - 0.5)'), /x = 0\.5\b/],
    // Grid -1, -0.5, 0, 0.5: log is NaN at the first point.
    ['expression NaN on the grid', own('log(x)', '-1', '1'), /x = -1\b/],
    // Grid 0, 250, 500, 750: exp(x) overflows from x = 750 (e^709.8).
    ['expression overflowing on the grid', own('exp(x)', '0', '1000'), /x = 750\b/],
    ['expression math.js cannot evaluate', own('x + "a"'), /x \+ "a"/],
    ['unknown rounding', [...TANH, '--rounding', 'up'], /rounding.*'?up'?/],
    ['unknown method', [...TANH, '--method', 'lut'], /method.*lut/],
    ['unknown method in a list', [...TANH, '--method', 'sop,lut'], /method.*lut/],
    [
      'pwl-segments not a power of two',
      [...TANH, '--pwl-segments', '3'],
      /pwl-segments.*\b3\b/,
    ],
    ['unknown option', [...TANH, '--bogus'], /--bogus/],
    ['too few positionals', ['tanh', '0', '2', '1', '6'], /i_bits/],
    [
      'too many positionals',
      [...TANH, '5'],
      /^af: expected 6 arguments \(function rang_l .* i_bits\), got 7: '5' too many$/m,
    ],
    ['legacy value not a boolean', [...TANH, '-simulate=maybe'], /-simulate.*maybe/],
    [
      'legacy value not a boolean, as a separate word',
      [...TANH, '-simulate', 'maybe'],
      /^af: -simulate takes True, False, 1, 0, yes or no, not 'maybe'$/m,
    ],
    [
      'a misspelt option',
      [...TANH, '--simulat'],
      /^af: unknown option '--simulat' \(did you mean --simulate\?\); af --help lists/m,
    ],
    ['an expression over two lines', own('x +\n+'), /'x \+\\n\+'/],
    [
      'a network number with no network option',
      [...TANH, '--epochs', 'abc'],
      /epochs.*abc/,
    ],
    ['network data that is not there', [...TANH, '--cifar-retrain'], /CIFAR-10/],
  ];
  it.for(rows)('%s', async ([, argv, message], { expect }) => {
    const dir = freshDir();
    const r = await af([...argv, '--out-dir', 'out'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr.endsWith('\n')).toBe(true);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    expect(filesUnder(dir)).toEqual([]);
  });
});

describe.concurrent('the original spellings', () => {
  // [argv after the positionals, files that must appear, files that must
  // not, [original option, modern option] of each stderr note]
  const rows: Array<[string[], string[], string[], Array<[string, string]>]> = [
    [
      ['-generate_verilog', 'False'],
      [Y],
      [V, TB],
      [['-generate_verilog', '--no-generate-verilog']],
    ],
    [
      ['-GENERATE_VERILOG=no'],
      [Y],
      [V, TB],
      [['-GENERATE_VERILOG', '--no-generate-verilog']],
    ],
    [
      ['-generate_verilog=1'],
      [V, TB, Y],
      [],
      [['-generate_verilog', '--generate-verilog']],
    ],
    [
      ['-generate_coe_file=False'],
      [V, TB],
      [Y],
      [['-generate_coe_file', '--no-generate-coe-file']],
    ],
    [['-plot_AF=1'], [V, Y, AF_PNG], [SIM_PNG], [['-plot_AF', '--plot-af']]],
    [['-Simulate=True'], [V, Y, SIM_PNG], [AF_PNG], [['-Simulate', '--simulate']]],
    [['-simulate', 'yes'], [V, SIM_PNG], [AF_PNG], [['-simulate', '--simulate']]],
    [['-simulate=0'], [V, Y], [SIM_PNG, AF_PNG], [['-simulate', '--no-simulate']]],
    [
      ['-generate_verilog=False', '-Generate_Coe_File', 'NO'],
      [],
      [V, TB, Y],
      [
        ['-generate_verilog', '--no-generate-verilog'],
        ['-Generate_Coe_File', '--no-generate-coe-file'],
      ],
    ],
  ];
  it.for(rows)('%j', async ([extra, present, absent, notes], { expect }) => {
    const dir = freshDir();
    const r = await af([...TANH, ...extra, '--out-dir', 'out'], dir);
    expect(r.code, r.stderr).toBe(0);
    const files = filesUnder(join(dir, 'out'));
    for (const f of present) expect(files).toContain(f);
    for (const f of absent) expect(files).not.toContain(f);
    if (present.length === 0) expect(files).toEqual([]);
    const stderr = lines(r.stderr);
    expect(stderr).toHaveLength(notes.length);
    notes.forEach(([original, modern], i) => {
      expect(stderr[i]).toContain(original);
      expect(namesOption(stderr[i], modern), stderr[i]).toBe(true);
    });
  });

  const refused: Array<[string[], RegExp]> = [
    [['-simulate=maybe'], /-simulate\b.*maybe/],
    [['-plot_AF=2'], /-plot_AF\b.*\b2\b/],
    [['-generate_verilog=Falsch'], /-generate_verilog\b.*Falsch/],
  ];
  it.for(refused)('%j is an error', async ([extra, message], { expect }) => {
    const dir = freshDir();
    const r = await af([...TANH, ...extra, '--out-dir', 'out'], dir);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(filesUnder(dir)).toEqual([]);
  });
});

describe.concurrent('options choose the files', () => {
  // [argv after the positionals, files that must appear, files that must
  // not, folders that must hold nothing]
  const rows: Array<[string[], string[], string[], string[]]> = [
    [[], [V, TB, Y], [AF_PNG, SIM_PNG], []],
    [['--no-generate-verilog'], [Y], [], ['verilog_file/']],
    [['--no-generate-coe-file'], [V, TB], [], ['coe_file/']],
    [
      ['--no-generate-verilog', '--no-generate-coe-file'],
      [],
      [],
      ['verilog_file/', 'coe_file/'],
    ],
    [['--plot-af'], [V, AF_PNG], [SIM_PNG], []],
    [['--simulate'], [V, SIM_PNG], [AF_PNG], []],
    [
      ['--method', 'rom,pwl'],
      ['verilog_file/tanh_1_6_4_rom.v', 'verilog_file/tanh_1_6_4_pwl.v', Y],
      [V, 'verilog_file/tanh_1_6_4_sop.v'],
      [],
    ],
    [
      ['--method', 'all'],
      [
        'verilog_file/tanh_1_6_4_sop.v',
        'verilog_file/tanh_1_6_4_rom.v',
        'verilog_file/tanh_1_6_4_pwl.v',
      ],
      [V],
      [],
    ],
  ];
  it.for(rows)('%j', async ([extra, present, absent, empty], { expect }) => {
    const dir = freshDir();
    const r = await af([...TANH, ...extra, '--out-dir', 'out'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const files = filesUnder(join(dir, 'out'));
    for (const f of present) expect(files).toContain(f);
    for (const f of absent) expect(files).not.toContain(f);
    for (const folder of empty) {
      expect(files.filter((f) => f.startsWith(folder))).toEqual([]);
    }
  });
});

describe.concurrent('the command line', () => {
  it('takes negative numbers as positionals', async ({ expect }) => {
    const [a, b] = await Promise.all([
      af(['selu', '-3.875', '0', '1', '6', '4', '--out-dir', 'out'], freshDir()),
      af(
        ['--method', 'rom', 'elu', '-2.5', '-.5', '1', '6', '3', '--out-dir', 'out'],
        freshDir(),
      ),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
  });

  it('writes a signed port for a function negative on its range', async ({ expect }) => {
    const dir = freshDir();
    const r = await af(['selu', '-3.875', '0', '1', '6', '4', '-q'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(filesUnder(dir)).toContain('verilog_file/selu_1_6_4.v');
    expect(filesUnder(dir)).toContain('coe_file/selu_1_6_4/y.coe');
    // Sign bit + 1 integer bit + 6 fraction bits, 4 input bits.
    const v = readFileSync(join(dir, 'verilog_file/selu_1_6_4.v'), 'utf8');
    expect(v).toMatch(/input\s+wire\s+\[3:0\]\s+x\b/);
    expect(v).toMatch(/output\s+(wire|reg)\s+(signed\s+)?\[7:0\]\s+y\b/);
  });

  it('--version and -V print the package.json version', async ({ expect }) => {
    const dir = freshDir();
    const runs = await Promise.all([af(['--version'], dir), af(['-V'], dir)]);
    for (const r of runs) {
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${PACKAGE_VERSION}\n`);
    }
    expect(filesUnder(dir)).toEqual([]);
  });

  it('--help states the limits, and each of its examples runs', async ({ expect }) => {
    const dir = freshDir();
    const r = await af(['--help'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(HELP);
    expect(r.stdout).toMatch(/Limits:/);
    for (const label of ['i_bits', 'int_bits', 'float_bits', 'int_bits \\+ float_bits']) {
      expect(r.stdout).toMatch(new RegExp(`${label} \\d+ to \\d+`));
    }

    // The examples: lines '  af ...', the command ends at a run of spaces.
    const examples = r.stdout
      .split('\n')
      .filter((l) => /^ {2}af /.test(l))
      .map((l) => l.trim().split(/ {2,}/)[0]);
    expect(examples.length).toBeGreaterThanOrEqual(3);
    const runs = await Promise.all(
      examples.map((line) => {
        const words = [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)]
          .map((m) => m[1] ?? m[2] ?? m[3])
          .slice(1);
        // Network examples run on a small subset, to keep the test short.
        const quick = /retrain|datasets/.test(line)
          ? ['--train-size', '300', '--test-size', '100', '--epochs', '1']
          : [];
        return af([...words, ...quick, '-q'], freshDir());
      }),
    );
    runs.forEach((run, i) => expect(run.code, `${examples[i]}: ${run.stderr}`).toBe(0));
  });

  it('names an output folder it cannot write, and leaves nothing behind', async ({
    expect,
  }) => {
    const dir = freshDir();
    writeFileSync(join(dir, 'plain-file'), 'x');
    const onFile = await af([...TANH, '--out-dir', 'plain-file'], dir);
    expect(onFile.code).toBe(2);
    expect(lines(onFile.stderr)).toEqual([
      `af: cannot read plain-file/${V}: a part of the path is a file, not a folder (ENOTDIR)`,
    ]);

    // coe_file is a file: the Verilog, written first, must not stay.
    mkdirSync(join(dir, 'out'));
    writeFileSync(join(dir, 'out', 'coe_file'), 'x');
    const midway = await af([...TANH, '--out-dir', 'out'], dir);
    expect(midway.code).toBe(2);
    expect(lines(midway.stderr)).toHaveLength(1);
    expect(midway.stderr).toMatch(/^af: cannot .*out\/coe_file.*\(ENOTDIR\)$/m);
    expect(filesUnder(join(dir, 'out'))).toEqual(['coe_file']);
  });

  it('prints nothing on stdout with --quiet or -q', async ({ expect }) => {
    const dirs = [freshDir(), freshDir()];
    const runs = await Promise.all([
      af([...TANH, '--quiet', '--simulate'], dirs[0]),
      af([...TANH, '-q', '-Simulate=True'], dirs[1]),
    ]);
    runs.forEach((r, i) => {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('');
      expect(filesUnder(dirs[i])).toContain(V);
    });
  });

  it('gives identical bytes for the same arguments', async ({ expect }) => {
    const jobs = [
      [...TANH, '--method', 'all', '--simulate', '--plot-af'],
      ['selu', '-3.875', '0', '1', '6', '4', '--method', 'all', '--rounding', 'trunc'],
      ['self_define', '-1', '1', '1', '4', '3', '--expr', 'x^3 - x/2', '--method', 'all'],
    ];
    const dirs = jobs.map(() => [freshDir(), freshDir()]);
    const runs = await Promise.all(
      jobs.flatMap((argv, j) => dirs[j].map((d) => af([...argv, '-q'], d))),
    );
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    for (const [first, second] of dirs) {
      const a = snapshot(first);
      const b = snapshot(second);
      expect(a.size).toBeGreaterThan(0);
      expect([...b.keys()]).toEqual([...a.keys()]);
      for (const [path, bytes] of a) {
        expect(bytes.equals(b.get(path)!), path).toBe(true);
      }
    }
  });

  it('never silently replaces a file with other contents', async ({ expect }) => {
    const dir = freshDir();
    const out = join(dir, 'out');
    const args = [...TANH, '--out-dir', 'out'];

    // First run, then the same again: fine, and nothing changes.
    expect((await af(args, dir)).code).toBe(0);
    const original = snapshot(out);
    expect([...original.keys()]).toContain(V);
    const again = await af(args, dir);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toBe('');
    expect(snapshot(out)).toEqual(original);

    // Edit one file and delete another: the rerun is refused and writes
    // nothing at all.
    appendFileSync(join(out, V), '// edited by hand\n');
    unlinkSync(join(out, Y));
    const edited = snapshot(out);
    const refused = await af(args, dir);
    expect(refused.code).toBe(2);
    expect(lines(refused.stderr)).toHaveLength(1);
    expect(refused.stderr).toContain('tanh_1_6_4.v');
    expect(refused.stderr).toMatch(/--force/);
    expect(refused.stdout).toBe('');
    expect(snapshot(out)).toEqual(edited);

    // With --force the outputs are written again.
    const forced = await af([...args, '--force'], dir);
    expect(forced.code, forced.stderr).toBe(0);
    expect(snapshot(out)).toEqual(original);
  });
});
