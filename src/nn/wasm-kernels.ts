/**
 * Training kernels for the TensorFlow.js `wasm` backend (4.22).
 *
 * The backend has no `Conv2DBackpropFilter`, so no network with a
 * convolution trains on it; its `MaxPoolGrad` is wrong (see `maxPoolGrad`
 * below); and three more gradient kernels are slow: `Conv2DBackpropInput`
 * and `AvgPoolGrad` are plain loops outside XNNPACK, and `BatchMatMul` with
 * a transposed operand takes a path several times slower than without. This
 * module registers all five, built from the backend's own fast kernels
 * (XNNPACK convolutions, matrix products, transposes), composing kernel
 * functions directly, so no tensor bookkeeping or gradient tape is
 * involved. Cases a formulation does not cover go to the backend's own
 * kernel, or for max pooling with overlapping windows, to the cpu
 * backend's.
 *
 * Every other kernel that a training step of LeNet-5, VGG-16 or AlexNet
 * needs (forward ops, batch norm, LRN, softmax, optimizer arithmetic) is on
 * wasm and agrees with cpu; `test/nn-models.test.ts` trains each network one
 * step on both to keep that true.
 */
import * as tf from '@tensorflow/tfjs';

type Info = tf.TensorInfo;
type Attrs = tf.NamedAttrMap;
type Inputs = tf.NamedTensorInfoMap;
type KernelFunc = tf.KernelConfig['kernelFunc'];
type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

/** Kernels this module adds to, or replaces on, the wasm backend. */
export const WASM_TRAINING_KERNELS = [
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'AvgPoolGrad',
  'MaxPoolGrad',
  'BatchMatMul',
] as const;

/** Name of one kernel in {@link WASM_TRAINING_KERNELS}. */
export type WasmTrainingKernel = (typeof WASM_TRAINING_KERNELS)[number];

/** Marks the kernel configs this module registered, for idempotence. */
const OURS = Symbol('af-wasm-training-kernel');

/** The wasm backend's own kernels that this module replaces. */
const native = new Map<string, KernelFunc>();

/**
 * Runs a wasm kernel by name on kernel-level tensor infos; `original` asks
 * for the backend's own implementation of a kernel this module replaced.
 */
function run(
  name: string,
  backend: tf.KernelBackend,
  inputs: Inputs | Info[],
  attrs: Attrs = {},
  original = false,
): Info {
  const func = original ? native.get(name) : tf.getKernel(name, 'wasm')?.kernelFunc;
  if (func === undefined) {
    throw new Error(`wasm kernel ${name} is not registered`);
  }
  return func({ inputs: inputs as Inputs, backend, attrs }) as Info;
}

/** Frees intermediate results of a composed kernel. */
function free(backend: tf.KernelBackend, ...infos: Info[]): void {
  for (const info of infos) {
    backend.disposeData(info.dataId);
  }
}

/** Rejects NCHW data, which no wasm convolution kernel accepts. */
function checkChannelsLast(kernel: string, dataFormat: unknown): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(`${kernel} on wasm needs dataFormat NHWC, not ${String(dataFormat)}`);
  }
}

/**
 * The filter gradient of a 2-D convolution. With the batch and channel axes
 * swapped, dW[kh,kw,ci,co] = sum over b,oh,ow of x[b,oh*s+kh-pt,..,ci] *
 * dy[b,oh,ow,co] is itself a stride-1 convolution of x^T (ci as batch, b as
 * channels) with dy^T as the filter, dilated by the forward stride.
 */
function conv2DBackpropFilter(args: {
  inputs: Inputs;
  backend: unknown;
  attrs?: Attrs;
}): Info {
  const backend = args.backend as tf.KernelBackend;
  const { x, dy } = args.inputs as { x: Info; dy: Info };
  const attrs = args.attrs ?? {};
  checkChannelsLast('Conv2DBackpropFilter', attrs.dataFormat);
  const filterShape = attrs.filterShape as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    attrs.strides as number | [number, number],
    1,
    attrs.pad as Pad,
    attrs.dimRoundingMode as Rounding,
  );
  const [batch, height, width, channels] = x.shape;
  const sh = info.strideHeight;
  const sw = info.strideWidth;
  const top = info.padInfo.top;
  const left = info.padInfo.left;

  // Padding after the input so that the output is exactly the filter size;
  // negative when 'valid' leaves trailing rows or columns unused.
  const bottom = (info.outHeight - 1) * sh + info.filterHeight - top - height;
  const right = (info.outWidth - 1) * sw + info.filterWidth - left - width;
  const temps: Info[] = [];
  let input = x;
  if (bottom < 0 || right < 0) {
    const size = [
      batch,
      height + Math.min(bottom, 0),
      width + Math.min(right, 0),
      channels,
    ];
    input = run('Slice', backend, { x }, { begin: [0, 0, 0, 0], size });
    temps.push(input);
  }

  const xT = run('Transpose', backend, { x: input }, { perm: [3, 1, 2, 0] });
  const dyT = run('Transpose', backend, { x: dy }, { perm: [1, 2, 0, 3] });
  temps.push(xT, dyT);
  const pad = [
    [0, 0],
    [top, Math.max(bottom, 0)],
    [left, Math.max(right, 0)],
    [0, 0],
  ];
  const gradT = run(
    'Conv2D',
    backend,
    { x: xT, filter: dyT },
    { strides: [1, 1], pad, dilations: [sh, sw], dataFormat: 'NHWC' },
  );
  temps.push(gradT);

  const grad = run('Transpose', backend, { x: gradT }, { perm: [1, 2, 0, 3] });
  free(backend, ...temps);
  return grad;
}

/**
 * The input gradient of a convolution whose input has one channel (MNIST's
 * first layer): XNNPACK computes a one-channel convolution output slowly,
 * so convolve each dy channel with its own turned filter (depthwise) and
 * add the channels up. Takes ownership of `turned`.
 */
function singleChannelInput(
  backend: tf.KernelBackend,
  dy: Info,
  turned: Info,
  pad: number[][],
): Info {
  const [height, width, , channels] = turned.shape;
  const filter = run(
    'Reshape',
    backend,
    { x: turned },
    { shape: [height, width, channels, 1] },
  );
  const each = run(
    'DepthwiseConv2dNative',
    backend,
    { x: dy, filter },
    { strides: [1, 1], pad, dilations: [1, 1] },
  );
  const dx = run('Sum', backend, { x: each }, { axis: [3], keepDims: true });
  free(backend, turned, filter, each);
  return dx;
}

/**
 * The input gradient of a stride-1 2-D convolution: dy convolved with the
 * filter turned by 180 degrees and its channel axes swapped, padded by
 * (filter - 1 - forward padding). Strided convolutions would need dy spread
 * out with zeros, which costs stride^2 times the work, so they keep the
 * backend's own kernel.
 */
function conv2DBackpropInput(args: {
  inputs: Inputs;
  backend: unknown;
  attrs?: Attrs;
}): Info {
  const backend = args.backend as tf.KernelBackend;
  const { dy, filter } = args.inputs as { dy: Info; filter: Info };
  const attrs = args.attrs ?? {};
  checkChannelsLast('Conv2DBackpropInput', attrs.dataFormat);
  const inputShape = attrs.inputShape as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides as number | [number, number],
    1,
    attrs.pad as Pad,
    attrs.dimRoundingMode as Rounding,
  );
  const top = info.filterHeight - 1 - info.padInfo.top;
  const left = info.filterWidth - 1 - info.padInfo.left;
  const bottom = info.inHeight - info.outHeight + info.padInfo.top;
  const right = info.inWidth - info.outWidth + info.padInfo.left;
  const strided = info.strideHeight !== 1 || info.strideWidth !== 1;
  if (strided || Math.min(top, left, bottom, right) < 0) {
    return run('Conv2DBackpropInput', backend, args.inputs, attrs, true);
  }

  const turned = run('Reverse', backend, { x: filter }, { dims: [0, 1] });
  const pad = [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
  if (info.inChannels === 1) {
    return singleChannelInput(backend, dy, turned, pad);
  }
  const swapped = run('Transpose', backend, { x: turned }, { perm: [0, 1, 3, 2] });
  const dx = run(
    'Conv2D',
    backend,
    { x: dy, filter: swapped },
    { strides: [1, 1], pad, dilations: [1, 1], dataFormat: 'NHWC' },
  );
  free(backend, turned, swapped);
  return dx;
}

/**
 * The gradient of average pooling for windows that tile the input (window
 * equal to stride, no padding), as in LeNet-5: every input position takes
 * dy / (window area) from its one window, which a single broadcasting
 * product spreads out. Other pooling keeps the backend's own kernel.
 */
function avgPoolGrad(args: { inputs: Inputs; backend: unknown; attrs?: Attrs }): Info {
  const backend = args.backend as tf.KernelBackend;
  const { dy, input } = args.inputs as { dy: Info; input: Info };
  const attrs = args.attrs ?? {};
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize as number | [number, number],
    attrs.strides as number | [number, number],
    1,
    attrs.pad as Pad,
  );
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
function maxPoolGrad(args: { inputs: Inputs; backend: unknown; attrs?: Attrs }): Info {
  const backend = args.backend as tf.KernelBackend;
  const { dy, input, output } = args.inputs as {
    dy: Info;
    input: Info;
    output: Info;
  };
  const attrs = args.attrs ?? {};
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize as number | [number, number],
    attrs.strides as number | [number, number],
    1,
    attrs.pad as Pad,
    attrs.dimRoundingMode as Rounding,
  );
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

/**
 * Matrix products with a transposed operand, as the gradients of dense
 * layers ask for: transposing explicitly and taking the backend's fast
 * untransposed path is several times quicker than its transposed path.
 */
function batchMatMul(args: { inputs: Inputs; backend: unknown; attrs?: Attrs }): Info {
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

const IMPLEMENTATIONS: Record<WasmTrainingKernel, KernelFunc> = {
  Conv2DBackpropFilter: conv2DBackpropFilter,
  Conv2DBackpropInput: conv2DBackpropInput,
  AvgPoolGrad: avgPoolGrad,
  MaxPoolGrad: maxPoolGrad,
  BatchMatMul: batchMatMul,
};

/**
 * Registers the training kernels on the wasm backend (see the module doc),
 * keeping the backend's own kernels that they replace for the cases they
 * forward to. Needs `@tensorflow/tfjs-backend-wasm` imported first; calling
 * it again changes nothing. Returns the names of the kernels it registered
 * on this call.
 *
 * ```ts
 * import '@tensorflow/tfjs-backend-wasm';
 * registerWasmTrainingKernels();
 * await tf.setBackend('wasm');
 * ```
 */
export function registerWasmTrainingKernels(): WasmTrainingKernel[] {
  const registered: WasmTrainingKernel[] = [];
  for (const name of WASM_TRAINING_KERNELS) {
    const existing = tf.getKernel(name, 'wasm') as
      (tf.KernelConfig & { [OURS]?: true }) | undefined;
    if (existing?.[OURS]) {
      continue;
    }
    if (existing === undefined && name !== 'Conv2DBackpropFilter') {
      throw new Error(
        `wasm kernel ${name} is missing; ` + 'import @tensorflow/tfjs-backend-wasm first',
      );
    }
    if (existing !== undefined) {
      native.set(name, existing.kernelFunc);
      tf.unregisterKernel(name, 'wasm');
    }
    const config = {
      kernelName: name,
      backendName: 'wasm',
      kernelFunc: IMPLEMENTATIONS[name],
      setupFunc: existing?.setupFunc,
      [OURS]: true as const,
    };
    tf.registerKernel(config);
    registered.push(name);
  }
  return registered;
}
