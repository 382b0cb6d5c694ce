/**
 * Layers the networks need that tf.layers lacks: AlexNet's local response
 * normalisation, and a first convolution that trains without the gradient
 * of its input.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Local response normalisation across channels, as AlexNet's first two
 * convolution blocks use it; tf.layers has no such layer.
 */
export class LocalResponseNormalization extends tf.layers.Layer {
  /** Name under which tf.serialization knows the class. */
  static className = 'AfLocalResponseNormalization';

  /** Normalises `inputs` over 5 neighbouring channels (radius 2). */
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;

    // k = 2, n = 5, alpha = 1e-4, beta = 0.75 (Krizhevsky et al. 2012, 3.3).
    return tf.localResponseNormalization(x as tf.Tensor4D, 2, 2, 1e-4, 0.75);
  }
}
tf.serialization.registerClass(LocalResponseNormalization);

/**
 * A network's first convolution, made to skip the gradient with respect to
 * its input while training: tf.layers convolves through fused conv2d,
 * whose gradient computes the input gradient whether or not anything needs
 * it, and for the images nothing does (a tenth of a LeNet-5 training step
 * on wasm, and AlexNet's is a strided convolution, which wasm computes
 * slowly). Training calls convolve and add the bias as separate ops, whose
 * gradients are taken only where needed; inference, and a model loaded
 * from its files, keep the layer's own fused path.
 */
export function firstConvolution(conv: tf.layers.Layer): tf.layers.Layer {
  const own = conv.call.bind(conv);
  const parts = conv as unknown as {
    kernel: tf.LayerVariable;
    bias: tf.LayerVariable | null;
    strides: [number, number];
    padding: 'same' | 'valid';
    dilationRate: [number, number];
  };
  conv.call = (inputs, kwargs) => {
    if (kwargs?.training !== true) return own(inputs, kwargs);
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const { kernel, bias, strides, padding, dilationRate } = parts;
      const y = tf.conv2d(
        x,
        kernel.read() as tf.Tensor4D,
        strides,
        padding,
        'NHWC',
        dilationRate,
      );
      return bias === null ? y : tf.add(y, bias.read());
    });
  };
  return conv;
}
