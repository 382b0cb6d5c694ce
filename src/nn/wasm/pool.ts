/** Gradients of average and max pooling on the wasm backend. */
import * as tf from '@tensorflow/tfjs';
import { free, poolInfo, run } from './compose.js';
import type { Attrs, Info, Inputs, KernelArgs } from './compose.js';

/**
 * The gradient of average pooling for windows that tile the input (window
 * equal to stride, no padding), as in LeNet-5: every input position takes
 * dy / (window area) from its one window, which a single broadcasting
 * product spreads out. Other pooling keeps the backend's own kernel.
 */
export function avgPoolGrad(args: KernelArgs): Info {
  const backend = args.backend as tf.KernelBackend;
  const { dy, input } = args.inputs as { dy: Info; input: Info };
  const attrs = args.attrs ?? {};
  const info = poolInfo(input.shape, attrs);
  const kh = info.filterHeight;
  const kw = info.filterWidth;
  const p = info.padInfo;
  const tiles = kh === info.strideHeight && kw === info.strideWidth;
  if (!tiles || p.top + p.bottom + p.left + p.right !== 0) {
    return run('AvgPoolGrad', backend, args.inputs, attrs, true);
  }
  const [batch, height, width, channels] = input.shape;
  const rows = info.outHeight * kh;
  const cols = info.outWidth * kw;

  // dy[b, i, 1, j, 1, c] * (1 / area)[1, 1, kh, 1, kw, 1], then flattened.
  const spread = run(
    'Reshape',
    backend,
    { x: dy },
    { shape: [batch, info.outHeight, 1, info.outWidth, 1, channels] },
  );
  const share = run(
    'Fill',
    backend,
    {},
    { shape: [1, 1, kh, 1, kw, 1], value: 1 / (kh * kw), dtype: 'float32' },
  );
  const product = run('Multiply', backend, { a: spread, b: share });
  const temps = [spread, share, product];
  let dx = run(
    'Reshape',
    backend,
    { x: product },
    { shape: [batch, rows, cols, channels] },
  );

  // Rows and columns that 'valid' pooling left out get no gradient.
  if (rows !== height || cols !== width) {
    const paddings = [
      [0, 0],
      [0, height - rows],
      [0, width - cols],
      [0, 0],
    ];
    temps.push(dx);
    dx = run('PadV2', backend, { x: dx }, { paddings, constantValue: 0 });
  }
  free(backend, ...temps);
  return dx;
}

/** The cpu backend, where max pooling with overlapping windows runs. */
function cpuBackend(): tf.KernelBackend {
  const cpu = tf.findBackend('cpu') as tf.KernelBackend | null;
  if (cpu === null) {
    throw new Error('the cpu backend is not registered');
  }

  // Its first tensor would print a banner recommending tfjs-node.
  (cpu as unknown as { firstUse?: boolean }).firstUse = false;
  return cpu;
}

/**
 * Runs the cpu backend's kernel `name` on wasm tensors: copies the inputs
 * out of the wasm heap, computes in JavaScript, copies the result back.
 */
function onCpu(
  name: string,
  backend: tf.KernelBackend,
  inputs: Record<string, Info>,
  attrs: Attrs,
): Info {
  const cpu = cpuBackend();
  const kernel = tf.getKernel(name, 'cpu');
  if (kernel === undefined) {
    throw new Error(`cpu kernel ${name} is not registered`);
  }
  const moved: Inputs = {};
  const copies: tf.DataId[] = [];
  for (const [key, info] of Object.entries(inputs)) {
    const values = backend.readSync(info.dataId) as tf.backend_util.TypedArray;
    const dataId = cpu.write(values, info.shape, info.dtype);
    moved[key] = { dataId, shape: info.shape, dtype: info.dtype };
    copies.push(dataId);
  }
  const result = kernel.kernelFunc({
    inputs: moved,
    backend: cpu,
    attrs,
  }) as Info;
  const values = cpu.readSync(result.dataId) as tf.backend_util.TypedArray;
  const dataId = backend.write(values, result.shape, result.dtype);
  for (const copy of [...copies, result.dataId]) {
    cpu.disposeData(copy);
  }
  return { dataId, shape: result.shape, dtype: result.dtype };
}

/**
 * Cuts or extends (with `fill`) the rows and columns of an NHWC tensor:
 * `rows` = [first, end) relative to the tensor, where first may be
 * negative and end may pass the last row; the same for `cols`.
 */
function reframe(
  backend: tf.KernelBackend,
  x: Info,
  rows: [number, number],
  cols: [number, number],
  fill: number,
): Info {
  const [batch, height, width, channels] = x.shape;
  const temps: Info[] = [];
  let out = x;
  const cut = {
    begin: [0, Math.max(rows[0], 0), Math.max(cols[0], 0), 0],
    end: [batch, Math.min(rows[1], height), Math.min(cols[1], width), channels],
  };
  const shrinks = cut.end[1] < height || cut.end[2] < width;
  if (cut.begin.some((v) => v > 0) || shrinks) {
    const size = cut.end.map((e, i) => e - cut.begin[i]);
    out = run('Slice', backend, { x }, { begin: cut.begin, size });
    temps.push(out);
  }
  const paddings = [
    [0, 0],
    [Math.max(-rows[0], 0), Math.max(rows[1] - height, 0)],
    [Math.max(-cols[0], 0), Math.max(cols[1] - width, 0)],
    [0, 0],
  ];
  if (paddings.some(([before, after]) => before + after > 0)) {
    out = run('PadV2', backend, { x: out }, { paddings, constantValue: fill });
    temps.push(out);
  }
  if (out === x) {
    // A reshape to the same shape shares the data and counts a reference,
    // so the caller frees the result as it would a copy.
    return run('Reshape', backend, { x }, { shape: x.shape });
  }
  free(backend, ...temps.slice(0, -1));
  return out;
}

/**
 * Swaps the last two axes of `x` viewed as [outer, a, b]; returns the
 * result with shape `shape` (the same data viewed as the caller needs).
 */
function swapInner(
  backend: tf.KernelBackend,
  x: Info,
  view: [number, number, number],
  shape: number[],
): Info {
  const viewed = run('Reshape', backend, { x }, { shape: view });
  const swapped = run('Transpose', backend, { x: viewed }, { perm: [0, 2, 1] });
  const out = run('Reshape', backend, { x: swapped }, { shape });
  free(backend, viewed, swapped);
  return out;
}

/**
 * The gradient of max pooling. The wasm backend's own `MaxPoolGrad` (4.22)
 * starts each window's search for the maximum at 0, so windows whose values
 * are all negative (common after tanh) send their gradient to the wrong
 * place, and it is never used. (Its `MaxPoolWithArgmax` has the same flaw.)
 *
 * Windows that tile the input (window equal to stride: LeNet-5 and VGG)
 * are computed with wasm kernels: two transposes bring each window's
 * values together, `ArgMax` finds the first maximum in row-major order (as
 * the cpu backend does, which matters for quantised activations, whose
 * windows often tie), a one-hot product places dy there, and two more
 * transposes restore the layout. Padding is filled with -Infinity.
 *
 * Overlapping windows (AlexNet's 3x3 stride 2) cannot be brought together
 * without copying each value into every window that holds it and adding
 * the gradients back through one strided scatter per window position; they
 * run the cpu backend's kernel on copies of the tensors instead, which is
 * correct but about as slow as the cpu backend.
 */
export function maxPoolGrad(args: KernelArgs): Info {
  const backend = args.backend as tf.KernelBackend;
  const { dy, input, output } = args.inputs as {
    dy: Info;
    input: Info;
    output: Info;
  };
  const attrs = args.attrs ?? {};
  const info = poolInfo(input.shape, attrs);
  const kh = info.filterHeight;
  const kw = info.filterWidth;
  if (kh !== info.strideHeight || kw !== info.strideWidth) {
    return onCpu('MaxPoolGrad', backend, { dy, input, output }, attrs);
  }
  const [batch, height, width, channels] = input.shape;
  const oh = info.outHeight;
  const ow = info.outWidth;
  const window = kh * kw;
  const count = batch * oh * ow * channels;
  const { top, left } = info.padInfo;
  const rows: [number, number] = [-top, oh * kh - top];
  const cols: [number, number] = [-left, ow * kw - left];

  // The windows' values side by side: [b*oh*ow*c, kh*kw] in row-major
  // window order, from [b*oh, kh, ow, kw, c] in two inner-axis swaps.
  const covered = reframe(backend, input, rows, cols, -Infinity);
  const once = swapInner(
    backend,
    covered,
    [batch * oh, kh, ow * kw * channels],
    [batch * oh * ow, kw, channels * kh],
  );
  const windows = swapInner(
    backend,
    once,
    [batch * oh * ow, kw, channels * kh],
    [count, window],
  );
  free(backend, covered, once);

  // dy at each window's first maximum, zeros elsewhere.
  // (OneHot is asked for int32: with float32 the wasm kernel still writes
  // integers, which read as denormals.)
  const first = run('ArgMax', backend, { x: windows }, { axis: 1 });
  const ints = run(
    'OneHot',
    backend,
    { indices: first },
    { depth: window, onValue: 1, offValue: 0, dtype: 'int32' },
  );
  const onehot = run('Cast', backend, { x: ints }, { dtype: 'float32' });
  const column = run('Reshape', backend, { x: dy }, { shape: [count, 1] });
  const placed = run('Multiply', backend, { a: onehot, b: column });
  free(backend, windows, first, ints, onehot, column);

  // The same two swaps undone, then the frame of the input restored.
  const back = swapInner(
    backend,
    placed,
    [batch * oh * ow, channels * kh, kw],
    [batch * oh, ow * kw * channels, kh],
  );
  const laid = swapInner(
    backend,
    back,
    [batch * oh, ow * kw * channels, kh],
    [batch, oh * kh, ow * kw, channels],
  );
  free(backend, placed, back);
  const dx = reframe(backend, laid, [top, top + height], [left, left + width], 0);
  free(backend, laid);
  return dx;
}
