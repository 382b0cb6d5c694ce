/**
 * Berkeley Espresso, compiled from its own sources by the npm package
 * `espresso-logic-minimizer` and called in-process.
 */
import { createRequire } from 'node:module';
import { AfError } from '../core/errors.js';
import type { Minimiser } from '../core/build.js';

interface EspressoModule {
  minimize(rows: string[]): string[] | null;
}

let loaded: EspressoModule | undefined;

/** Load the native module once. */
function espresso(): EspressoModule {
  if (!loaded) {
    try {
      loaded = createRequire(import.meta.url)(
        'espresso-logic-minimizer',
      ) as EspressoModule;
    } catch (err) {
      throw new AfError(
        'the Espresso minimiser (npm package espresso-logic-minimizer) did not ' +
          `load: ${(err as Error).message}; run 'npm ci' to build it`,
        3,
      );
    }
  }
  return loaded;
}

/**
 * Minimise a PLA (type f) with all outputs together, so product terms are
 * shared between outputs. A PLA with no rows (every output always 0)
 * needs no terms and is not sent to Espresso.
 */
export const minimiseWithEspresso: Minimiser = (pla) => {
  if (!pla.some((row) => /^[01]/.test(row))) return [];
  const cover = espresso().minimize(pla);
  if (!cover) {
    throw new AfError('Espresso could not minimise the table (it returned nothing)', 1);
  }
  return cover;
};
