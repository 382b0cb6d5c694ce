/**
 * The command line: normalises the arguments (original spellings,
 * negative numbers), parses them with the commander program of
 * `./program.ts`, and turns them into the typed options of a command. It
 * never exits; the entry point does.
 */
import { CommanderError } from 'commander';
import { UsageError } from '../core/errors.js';
import { METHODS, type Method } from '../core/build.js';
import { parseSpecWords } from '../core/spec.js';
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
import { EXAMPLES, program, separatePositionals } from './program.js';

export { program, separatePositionals } from './program.js';

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
