/**
 * The original `main.py` spellings: single-dash names, any letter case,
 * `=value` or a separate value, values True/False/1/0/yes/no. They are
 * mapped onto the modern options, each with a note giving the modern
 * spelling.
 */
import { UsageError } from '../core/errors.js';

/** Original option name (lower case) to modern boolean option name. */
export const LEGACY_BOOLEANS: Readonly<Record<string, string>> = {
  plot_af: 'plot-af',
  generate_verilog: 'generate-verilog',
  generate_coe_file: 'generate-coe-file',
  simulate: 'simulate',
  test_on_datasets: 'test-on-datasets',
  mnist_retrain: 'mnist-retrain',
  cifar_retrain: 'cifar-retrain',
  imgnet_retrain: 'imgnet-retrain',
};

const TRUE = new Set(['true', '1', 'yes']);
const FALSE = new Set(['false', '0', 'no']);

/** Parse a legacy boolean word, or undefined if it is not one. */
function parseBoolean(word: string): boolean | undefined {
  const w = word.toLowerCase();
  return TRUE.has(w) ? true : FALSE.has(w) ? false : undefined;
}

/** The argument list with legacy spellings replaced, plus notes. */
export interface Translated {
  readonly argv: string[];
  readonly notes: string[];
  /**
   * For each bare flag (no `=value`) the word after it, when that word is
   * not an option: the command line reads it as the flag's value if it
   * turns out to be one positional too many.
   */
  readonly followers: Map<string, string>;
}

/**
 * Replace every legacy option in `argv` by its modern spelling.
 *
 * @example translateLegacy(['-Simulate=True']).argv → ['--simulate']
 * @throws UsageError for a legacy option with a value that is not a
 *   boolean.
 */
export function translateLegacy(argv: readonly string[]): Translated {
  const out: string[] = [];
  const notes: string[] = [];
  const followers = new Map<string, string>();
  for (let a = 0; a < argv.length; a++) {
    const token = argv[a];
    if (token === '--') {
      out.push(...argv.slice(a));
      break;
    }
    const m = /^-{1,2}([A-Za-z_]+)(?:=(.*))?$/.exec(token);
    const key = m?.[1].toLowerCase();
    const legacyShape = m !== null && (!token.startsWith('--') || key!.includes('_'));
    if (!m || !legacyShape || key === undefined || !(key in LEGACY_BOOLEANS)) {
      out.push(token);
      continue;
    }

    // The value: after '=', or the next word when it is a boolean word,
    // or true for a bare flag.
    let value: boolean;
    if (m[2] !== undefined) {
      const v = parseBoolean(m[2]);
      if (v === undefined) {
        throw new UsageError(
          `${token.split('=')[0]} takes True, False, 1, 0, yes or no, not '${m[2]}'`,
        );
      }
      value = v;
    } else if (a + 1 < argv.length && parseBoolean(argv[a + 1]) !== undefined) {
      value = parseBoolean(argv[++a])!;
    } else {
      value = true;
      const next = argv[a + 1];
      if (next !== undefined && !/^-[A-Za-z]/.test(next)) followers.set(token, next);
    }

    const modern = `--${value ? '' : 'no-'}${LEGACY_BOOLEANS[key]}`;
    out.push(modern);
    notes.push(`'${token}' is the original main.py spelling; use ${modern}`);
  }
  return { argv: out, notes, followers };
}
