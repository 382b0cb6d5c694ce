/**
 * The one error type of the data loaders, and the small checks they share.
 */

/**
 * A problem with a data set or with the options used to load it: a missing
 * file, a file in the wrong format, an option out of range. The message is
 * one line that names the bad value or path and says what was expected.
 */
export class DataError extends Error {
  /** Always `'DataError'`, so the class survives a trip through `name`. */
  override readonly name = 'DataError';
}

/**
 * Checks that `value` is an integer from `min` to `max` (both included; an
 * infinite `max` means no upper bound) and returns it; `what` names the
 * value in the error message.
 */
export function checkInteger(
  what: string,
  value: number,
  min: number,
  max = Infinity,
): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const allowed = max === Infinity ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new DataError(`${what} must be an integer ${allowed}, not ${value}`);
  }
  return value;
}

/** The message of a caught error, for wrapping it in a {@link DataError}. */
export function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
