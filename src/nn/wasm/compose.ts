/**
 * What the composed wasm training kernels share: kernel-level types, a way
 * to call another wasm kernel by name on tensor infos, and freeing of
 * intermediate results. Composing kernel functions directly involves no
 * tensor bookkeeping and no gradient tape.
 */
import * as tf from '@tensorflow/tfjs';

export type Info = tf.TensorInfo;
export type Attrs = tf.NamedAttrMap;
export type Inputs = tf.NamedTensorInfoMap;
export type KernelFunc = tf.KernelConfig['kernelFunc'];
export type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
export type Rounding = 'floor' | 'round' | 'ceil' | undefined;
type Shape4D = [number, number, number, number];

/** What tf passes a kernel function. */
export interface KernelArgs {
  inputs: Inputs;
  backend: unknown;
  attrs?: Attrs;
}

/** The geometry of a convolution, from a kernel's input and filter shapes and attrs. */
export function convInfo(
  xShape: number[],
  filterShape: number[],
  attrs: Attrs,
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as Shape4D,
    filterShape as Shape4D,
    attrs.strides as number | [number, number],
    1,
    attrs.pad as Pad,
    attrs.dimRoundingMode as Rounding,
  );
}

/** The geometry of a pooling, from a kernel's input shape and attrs. */
export function poolInfo(inputShape: number[], attrs: Attrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computePool2DInfo(
    inputShape as Shape4D,
    attrs.filterSize as number | [number, number],
    attrs.strides as number | [number, number],
    1,
    attrs.pad as Pad,
    attrs.dimRoundingMode as Rounding,
  );
}

/** The wasm backend's own kernels that `registerWasmTrainingKernels` replaced. */
export const native = new Map<string, KernelFunc>();

/**
 * Runs a wasm kernel by name on kernel-level tensor infos; `original` asks
 * for the backend's own implementation of a kernel that was replaced.
 */
export function run(
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
export function free(backend: tf.KernelBackend, ...infos: Info[]): void {
  for (const info of infos) {
    backend.disposeData(info.dataId);
  }
}

/** Rejects NCHW data, which no wasm convolution kernel accepts. */
export function checkChannelsLast(kernel: string, dataFormat: unknown): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(`${kernel} on wasm needs dataFormat NHWC, not ${String(dataFormat)}`);
  }
}
