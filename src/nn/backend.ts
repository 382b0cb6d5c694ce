/**
 * Chooses the TensorFlow.js backend that trains the networks.
 *
 * In order of speed: `@tensorflow/tfjs-node` (native TensorFlow, optional:
 * its install downloads a library, so it is imported only if present), the
 * `wasm` backend (XNNPACK compiled to WebAssembly, shipped inside its npm
 * package, with the training kernels of `./wasm/kernels.ts`), and the plain
 * JavaScript `cpu` backend, which is correct everywhere and about 200 times
 * slower than wasm at training LeNet-5.
 *
 * Facts about wasm in Node 20 behind these choices, measured with tfjs 4.22
 * on a 2-core machine:
 * - The binary loads from the package's `dist/` folder with no
 *   `setWasmPaths`: Emscripten's loader reads it with `fs`, relative to the
 *   bundle. `setWasmPaths` is only needed once a bundler moves the code.
 * - SIMD works (Node 20's V8 validates the package's SIMD probe), so the
 *   SIMD build loads.
 * - Threads do not pay. The package reports no thread support in Node
 *   (tfjs issue 3830); forcing it needs three patches (the flag, a file for
 *   the pthread worker that Emscripten offers as a `blob:` URL, which
 *   `worker_threads` cannot load, and `os.cpus()` doubled because the pool
 *   is capped at half the logical cores). With two threads LeNet-5 trained
 *   no faster than with one (XNNPACK's share of a step is small and split
 *   into many small calls), and the idle workers kept the process from
 *   exiting. So the single-threaded SIMD build is used.
 */
import * as tf from '@tensorflow/tfjs';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from './wasm/kernels.js';

import { BACKEND_REQUESTS, type BackendRequest } from './names.js';

export { BACKEND_REQUESTS, type BackendRequest } from './names.js';

/** The backend in use and what the caller may want to tell the user. */
export interface BackendChoice {
  /** TensorFlow.js name of the active backend: tensorflow, wasm or cpu. */
  name: string;
  /** One line per fact about the choice, for the caller to log. */
  notes: string[];
}

/**
 * A backend that was asked for and cannot run. `exitCode` is 2 for a bad
 * request (an unknown name) and 1 for a backend that is missing or failed
 * to start.
 */
export class BackendError extends Error {
  /** Process exit status the command line should use. */
  readonly exitCode: number;

  /** Makes the error; `exitCode` as described on the class. */
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'BackendError';
    this.exitCode = exitCode;
  }
}

/** The optional native package; a variable so TypeScript needs no types. */
const NODE_PACKAGE = '@tensorflow/tfjs-node';

/** The first line of an error's message, for one-line notes. */
function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0];
}

/** Loads and activates tfjs-node; returns why not on failure. */
async function startNode(): Promise<string | undefined> {
  try {
    await import(NODE_PACKAGE);
  } catch (error) {
    return `${NODE_PACKAGE} is not installed (${firstLine(error)})`;
  }
  if (!(await tf.setBackend('tensorflow'))) {
    return `${NODE_PACKAGE} loaded but its tensorflow backend did not start`;
  }
  return undefined;
}

/** Activates wasm with the training kernels; returns why not on failure. */
async function startWasm(notes: string[]): Promise<string | undefined> {
  const registered = registerWasmTrainingKernels();
  let started: boolean;
  try {
    started = await tf.setBackend('wasm');
  } catch (error) {
    return `wasm backend failed to start (${firstLine(error)})`;
  }
  if (!started) {
    return 'wasm backend failed to start';
  }
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = tfwasm.getThreadsCount();
  notes.push(
    `wasm: ${simd ? 'SIMD' : 'no SIMD'}, ${threads} ` +
      `thread${threads === 1 ? '' : 's'}`,
  );
  if (registered.length > 0) {
    notes.push(`wasm: registered kernels ${registered.join(', ')}`);
  }
  return undefined;
}

/** Activates the plain JavaScript backend. */
async function startCpu(): Promise<void> {
  await tf.setBackend('cpu');

  // The cpu backend prints a banner recommending tfjs-node on its first
  // tensor; the notes carry that advice instead, as library code does not
  // print.
  const backend = tf.backend() as unknown as { firstUse?: boolean };
  backend.firstUse = false;
}

/**
 * Makes `requested` the active TensorFlow.js backend, or with `auto` the
 * fastest one that starts: tfjs-node if installed, else wasm with this
 * project's training kernels, else cpu. Returns the backend's name and
 * notes on the choice, which the caller logs. Throws {@link BackendError}
 * when a backend asked for by name cannot start, or the name is unknown.
 *
 * ```ts
 * const { name, notes } = await selectBackend('auto');
 * ```
 */
export async function selectBackend(
  requested: BackendRequest = 'auto',
): Promise<BackendChoice> {
  if (!BACKEND_REQUESTS.includes(requested)) {
    throw new BackendError(
      `backend must be one of ${BACKEND_REQUESTS.join(', ')}, ` +
        `not ${String(requested)}`,
      2,
    );
  }
  const notes: string[] = [];

  // Each backend in turn, as far as the request allows.
  if (requested === 'auto' || requested === 'node') {
    const failure = await startNode();
    if (failure === undefined) {
      notes.push(`node: native TensorFlow through ${NODE_PACKAGE}`);
      return { name: tf.getBackend(), notes };
    }
    if (requested === 'node') {
      throw new BackendError(
        `backend node is not available: ${failure}; ` +
          `install ${NODE_PACKAGE} or choose wasm`,
      );
    }
    notes.push(failure);
  }
  if (requested === 'auto' || requested === 'wasm') {
    const failure = await startWasm(notes);
    if (failure === undefined) {
      return { name: tf.getBackend(), notes };
    }
    if (requested === 'wasm') {
      throw new BackendError(`backend wasm is not available: ${failure}`);
    }
    notes.push(failure);
  }
  await startCpu();
  notes.push(
    'cpu: plain JavaScript backend, about 200 times slower than wasm at ' +
      `training; prefer wasm, or install ${NODE_PACKAGE}`,
  );
  return { name: tf.getBackend(), notes };
}
