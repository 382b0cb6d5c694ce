/** Gradients of 2-D convolutions, composed from XNNPACK's forward kernels. */
import * as tf from '@tensorflow/tfjs';
import { checkChannelsLast, convInfo, free, run } from './compose.js';
import type { Info, KernelArgs } from './compose.js';

/**
 * The filter gradient of a 2-D convolution. With the batch and channel axes
 * swapped, dW[kh,kw,ci,co] = sum over b,oh,ow of x[b,oh*s+kh-pt,..,ci] *
 * dy[b,oh,ow,co] is itself a stride-1 convolution of x^T (ci as batch, b as
 * channels) with dy^T as the filter, dilated by the forward stride.
 */
export function conv2DBackpropFilter(args: KernelArgs): Info {
  const backend = args.backend as tf.KernelBackend;
  const { x, dy } = args.inputs as { x: Info; dy: Info };
  const attrs = args.attrs ?? {};
  checkChannelsLast('Conv2DBackpropFilter', attrs.dataFormat);
  const filterShape = attrs.filterShape as [number, number, number, number];
  const info = convInfo(x.shape, filterShape, attrs);
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
export function conv2DBackpropInput(args: KernelArgs): Info {
  const backend = args.backend as tf.KernelBackend;
  const { dy, filter } = args.inputs as { dy: Info; filter: Info };
  const attrs = args.attrs ?? {};
  checkChannelsLast('Conv2DBackpropInput', attrs.dataFormat);
  const inputShape = attrs.inputShape as [number, number, number, number];
  const info = convInfo(inputShape, filter.shape, attrs);
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
