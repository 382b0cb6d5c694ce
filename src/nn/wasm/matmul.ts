/** Matrix products with transposed operands on the wasm backend. */
import type * as tf from '@tensorflow/tfjs';
import { free, run } from './compose.js';
import type { Info, KernelArgs } from './compose.js';

/**
 * Matrix products with a transposed operand, as the gradients of dense
 * layers ask for: transposing explicitly and taking the backend's fast
 * untransposed path is several times quicker than its transposed path.
 */
export function batchMatMul(args: KernelArgs): Info {
  const backend = args.backend as tf.KernelBackend;
  const { a, b } = args.inputs as { a: Info; b: Info };
  const attrs = args.attrs ?? {};
  if (!attrs.transposeA && !attrs.transposeB) {
    return run('BatchMatMul', backend, args.inputs, attrs, true);
  }
  const swapLast = (x: Info): Info => {
    const perm = x.shape.map((_, i) => i);
    const n = perm.length;
    [perm[n - 2], perm[n - 1]] = [perm[n - 1], perm[n - 2]];
    return run('Transpose', backend, { x }, { perm });
  };
  const temps: Info[] = [];
  const left = attrs.transposeA ? swapLast(a) : a;
  const right = attrs.transposeB ? swapLast(b) : b;
  if (left !== a) temps.push(left);
  if (right !== b) temps.push(right);
  const product = run(
    'BatchMatMul',
    backend,
    { a: left, b: right },
    { ...attrs, transposeA: false, transposeB: false },
    true,
  );
  free(backend, ...temps);
  return product;
}
