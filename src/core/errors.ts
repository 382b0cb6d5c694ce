/**
 * Errors that carry the exit code the command line should use.
 *
 * Library code throws these and never exits; only the entry point turns
 * them into a message and an exit status.
 */

/** Any failure the user can act on; `exitCode` is what `af` exits with. */
export class AfError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode: number) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Bad input on the command line or in a spec: exit code 2. */
export class UsageError extends AfError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** An external program that is not installed: exit code 3. */
export class ToolMissingError extends AfError {
  constructor(tool: string, debianPackage: string) {
    super(
      `${tool} was not found on PATH; install it with ` +
        `'apt-get install ${debianPackage}'`,
      3,
    );
  }
}

/** An emitted circuit disagreed with its model: exit code 1. */
export class VerificationError extends AfError {
  constructor(message: string) {
    super(message, 1);
  }
}
