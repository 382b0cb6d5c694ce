/**
 * The three networks whose activation functions the project swaps for the
 * circuit's: LeNet-5 (MNIST), VGG-16 with batch normalisation (CIFAR-10)
 * and AlexNet (ImageNet), built as tf.layers Sequential models.
 *
 * Every builder takes an activation factory and calls it once for each
 * activation, with a unique layer name, so the caller can plug in the
 * quantised activation layer; the default is the exact function the
 * original network used. An activation follows every convolution (after
 * its batch normalisation, where there is one) and every hidden dense
 * layer; the last dense layer ends in softmax.
 */
import * as tf from '@tensorflow/tfjs';
import { firstConvolution, LocalResponseNormalization } from './layers.js';

/** Makes the activation layer called `name` (a unique layer name). */
export type ActivationFactory = (name: string) => tf.layers.Layer;

/** The networks {@link buildModel} knows. */
export type ModelName = 'lenet5' | 'vgg16bn' | 'alexnet';

/** The names in {@link ModelName}, for option parsing and help text. */
export const MODEL_NAMES: readonly ModelName[] = ['lenet5', 'vgg16bn', 'alexnet'];

/** Input shape of one image: height, width, channels. */
export type ImageShape = [number, number, number];

/** Options every builder accepts. */
export interface ModelOptions {
  /** Height, width and channels of one input image. */
  inputShape?: ImageShape;
  /** Number of classes of the softmax output. */
  classes?: number;
  /**
   * Scales every layer's channel and unit count (at least 1 each), so that
   * tests can build narrow but structurally complete networks. Default 1.
   */
  width?: number;
  /**
   * Seeds the weight initialisation (every kernel glorot-normal from its
   * own seed), so that the same options build the same weights. Dropout
   * stays unseeded: a seeded tf dropout layer draws the same mask on
   * every step. Default: unseeded.
   */
  seed?: number;
}

/** Options of {@link lenet5}. */
export interface LeNetOptions extends ModelOptions {
  /**
   * Subsampling after each convolution: `avg` (the default) as in LeCun et
   * al. 1998, or `max` as in most later versions.
   */
  pool?: 'avg' | 'max';
}

/** Options of {@link alexnet}. */
export interface AlexNetOptions extends ModelOptions {
  /**
   * Batch normalisation after every convolution in place of the original's
   * local response normalisation after the first two. Default false.
   */
  batchNorm?: boolean;
}

/** Options of {@link buildModel}: the union of the builders' options. */
export type BuildOptions = LeNetOptions & AlexNetOptions;

/**
 * An activation factory for an exact tf.layers activation, such as `tanh`
 * or `relu`.
 *
 * ```ts
 * const model = lenet5(exactActivation('sigmoid'));
 * ```
 */
export function exactActivation(
  activation: 'tanh' | 'relu' | 'sigmoid' | 'elu' | 'selu' | 'softsign',
): ActivationFactory {
  return (name) => tf.layers.activation({ activation, name });
}

/** Validates the shared options and fills in the defaults. */
function resolve(
  model: ModelName,
  options: ModelOptions,
  defaults: { inputShape: ImageShape; classes: number },
): {
  inputShape: ImageShape;
  classes: number;
  scale: (n: number) => number;
  init: () => { kernelInitializer?: ReturnType<typeof tf.initializers.glorotNormal> };
} {
  const inputShape = options.inputShape ?? defaults.inputShape;
  const classes = options.classes ?? defaults.classes;
  const width = options.width ?? 1;
  const okShape =
    inputShape.length === 3 && inputShape.every((n) => Number.isInteger(n) && n > 0);
  if (!okShape) {
    throw new Error(
      `${model} inputShape must be 3 positive integers, ` +
        `not [${inputShape.join(', ')}]`,
    );
  }
  if (!Number.isInteger(classes) || classes < 2) {
    throw new Error(`${model} classes must be an integer of at least 2, not ${classes}`);
  }
  if (!(width > 0 && width <= 16)) {
    throw new Error(`${model} width must be in (0, 16], not ${width}`);
  }
  const scale = (n: number): number => Math.max(1, Math.round(n * width));

  // One seed per kernel, in the order the builder asks for them, from 1
  // (tf takes a seed of 0 for no seed).
  let kernels = 0;
  const { seed } = options;
  const init = () =>
    seed === undefined
      ? {}
      : {
          kernelInitializer: tf.initializers.glorotNormal({
            seed: seed * 1000 + ++kernels,
          }),
        };
  return { inputShape, classes, scale, init };
}

/** Throws unless a square-ish input is at least `min` pixels each way. */
function checkSize(model: ModelName, shape: ImageShape, min: number): void {
  if (shape[0] < min || shape[1] < min) {
    throw new Error(
      `${model} needs inputs of at least ${min}x${min} pixels, ` +
        `not ${shape[0]}x${shape[1]}`,
    );
  }
}

/** Adds the hidden dense layers and the softmax output. */
function addClassifier(
  model: tf.Sequential,
  init: ReturnType<typeof resolve>['init'],
  act: ActivationFactory,
  hidden: number[],
  classes: number,
  dropout: number,
): void {
  model.add(tf.layers.flatten({ name: 'flatten' }));
  hidden.forEach((units, i) => {
    if (dropout > 0) {
      model.add(tf.layers.dropout({ rate: dropout, name: `drop${i + 1}` }));
    }
    model.add(tf.layers.dense({ ...init(), units, name: `fc${i + 1}` }));
    model.add(act(`fc${i + 1}_act`));
  });
  model.add(
    tf.layers.dense({
      ...init(),
      units: classes,
      activation: 'softmax',
      name: `fc${hidden.length + 1}`,
    }),
  );
}

/**
 * LeNet-5 (LeCun et al. 1998) for 28x28 MNIST digits: the first
 * convolution pads 'same' so that its 28x28 output matches the classic
 * network's on 32x32 inputs. Layers: conv 6@5x5, pool 2x2, conv 16@5x5
 * valid, pool 2x2, dense 120, dense 84, dense `classes` softmax, with an
 * activation after both convolutions and both hidden dense layers. The
 * default activation is tanh.
 *
 * ```ts
 * const model = lenet5(exactActivation('tanh'));
 * ```
 */
export function lenet5(
  act: ActivationFactory = exactActivation('tanh'),
  options: LeNetOptions = {},
): tf.Sequential {
  const { inputShape, classes, scale, init } = resolve('lenet5', options, {
    inputShape: [28, 28, 1],
    classes: 10,
  });
  checkSize('lenet5', inputShape, 12);
  const pool = options.pool ?? 'avg';
  if (pool !== 'avg' && pool !== 'max') {
    throw new Error(`lenet5 pool must be avg or max, not ${String(pool)}`);
  }
  const subsample = pool === 'avg' ? tf.layers.averagePooling2d : tf.layers.maxPooling2d;
  const model = tf.sequential({ name: 'lenet5' });

  // Two convolution and subsampling stages.
  model.add(
    firstConvolution(
      tf.layers.conv2d({
        ...init(),
        inputShape,
        filters: scale(6),
        kernelSize: 5,
        padding: 'same',
        name: 'conv1',
      }),
    ),
  );
  model.add(act('conv1_act'));
  model.add(subsample({ poolSize: 2, name: 'pool1' }));
  model.add(
    tf.layers.conv2d({ ...init(), filters: scale(16), kernelSize: 5, name: 'conv2' }),
  );
  model.add(act('conv2_act'));
  model.add(subsample({ poolSize: 2, name: 'pool2' }));

  addClassifier(model, init, act, [scale(120), scale(84)], classes, 0);
  return model;
}

/**
 * VGG-16 with batch normalisation (Simonyan and Zisserman 2015,
 * configuration D), CIFAR style: 13 convolutions of 3x3 'same' in five
 * blocks of 64, 128, 256, 512 and 512 channels, each convolution followed
 * by batch normalisation and the activation, each block by 2x2 max
 * pooling; then dropout, dense 512, activation, dropout, dense 512,
 * activation, dense `classes` softmax. Convolutions have no bias, as batch
 * normalisation supplies one. The default activation is relu.
 */
export function vgg16bn(
  act: ActivationFactory = exactActivation('relu'),
  options: ModelOptions = {},
): tf.Sequential {
  const { inputShape, classes, scale, init } = resolve('vgg16bn', options, {
    inputShape: [32, 32, 3],
    classes: 10,
  });
  checkSize('vgg16bn', inputShape, 32);
  const blocks = [
    [64, 64],
    [128, 128],
    [256, 256, 256],
    [512, 512, 512],
    [512, 512, 512],
  ];
  const model = tf.sequential({ name: 'vgg16bn' });

  // Five blocks of convolutions, each ending in max pooling.
  let n = 0;
  blocks.forEach((block, b) => {
    for (const filters of block) {
      n += 1;
      const conv = tf.layers.conv2d({
        ...init(),
        ...(n === 1 ? { inputShape } : {}),
        filters: scale(filters),
        kernelSize: 3,
        padding: 'same',
        useBias: false,
        name: `conv${n}`,
      });
      model.add(n === 1 ? firstConvolution(conv) : conv);
      model.add(tf.layers.batchNormalization({ name: `conv${n}_bn` }));
      model.add(act(`conv${n}_act`));
    }
    model.add(tf.layers.maxPooling2d({ poolSize: 2, name: `pool${b + 1}` }));
  });

  addClassifier(model, init, act, [scale(512), scale(512)], classes, 0.5);
  return model;
}

/**
 * AlexNet (Krizhevsky, Sutskever and Hinton 2012) as one tower: conv
 * 96@11x11 stride 4 (after 2 pixels of zero padding, so that 224x224
 * inputs give 55x55), conv 256@5x5, conv 384, 384 and 256 @3x3, with 3x3
 * stride-2 max pooling after the first, second and fifth; then dropout,
 * dense 4096, activation, dropout, dense 4096, activation, dense `classes`
 * softmax. Without `batchNorm`, local response normalisation follows the
 * activation of the first two convolutions, as in the paper; with it,
 * batch normalisation comes between every convolution and its activation.
 * The default activation is relu.
 */
export function alexnet(
  act: ActivationFactory = exactActivation('relu'),
  options: AlexNetOptions = {},
): tf.Sequential {
  const { inputShape, classes, scale, init } = resolve('alexnet', options, {
    inputShape: [224, 224, 3],
    classes: 1000,
  });
  checkSize('alexnet', inputShape, 63);
  const batchNorm = options.batchNorm ?? false;
  const convs = [
    { filters: 96, kernelSize: 11, strides: 4, pool: true, lrn: true },
    { filters: 256, kernelSize: 5, strides: 1, pool: true, lrn: true },
    { filters: 384, kernelSize: 3, strides: 1, pool: false, lrn: false },
    { filters: 384, kernelSize: 3, strides: 1, pool: false, lrn: false },
    { filters: 256, kernelSize: 3, strides: 1, pool: true, lrn: false },
  ];
  const model = tf.sequential({ name: batchNorm ? 'alexnet_bn' : 'alexnet' });

  // Five convolutions; the first on the zero-padded image.
  model.add(tf.layers.zeroPadding2d({ inputShape, padding: 2, name: 'pad1' }));
  let pools = 0;
  convs.forEach((conv, i) => {
    const name = `conv${i + 1}`;
    const layer = tf.layers.conv2d({
      ...init(),
      filters: scale(conv.filters),
      kernelSize: conv.kernelSize,
      strides: conv.strides,
      padding: i === 0 ? 'valid' : 'same',
      useBias: !batchNorm,
      name,
    });
    model.add(i === 0 ? firstConvolution(layer) : layer);
    if (batchNorm) {
      model.add(tf.layers.batchNormalization({ name: `${name}_bn` }));
    }
    model.add(act(`${name}_act`));
    if (conv.lrn && !batchNorm) {
      model.add(new LocalResponseNormalization({ name: `${name}_lrn` }));
    }
    if (conv.pool) {
      pools += 1;
      model.add(
        tf.layers.maxPooling2d({
          poolSize: 3,
          strides: 2,
          name: `pool${pools}`,
        }),
      );
    }
  });

  addClassifier(model, init, act, [scale(4096), scale(4096)], classes, 0.5);
  return model;
}

/**
 * Builds the network called `name` with the activation factory `act`
 * (default: the original network's exact activation) and the options of
 * that network's builder.
 *
 * ```ts
 * const model = buildModel('vgg16bn', undefined, { width: 0.25 });
 * ```
 */
export function buildModel(
  name: ModelName,
  act?: ActivationFactory,
  options: BuildOptions = {},
): tf.Sequential {
  switch (name) {
    case 'lenet5':
      return lenet5(act, options);
    case 'vgg16bn':
      return vgg16bn(act, options);
    case 'alexnet':
      return alexnet(act, options);
    default:
      throw new Error(
        `model must be one of ${MODEL_NAMES.join(', ')}, not ${String(name)}`,
      );
  }
}
