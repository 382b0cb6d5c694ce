/**
 * Activation layers for TensorFlow.js: the exact function, and the
 * quantised one that equals the circuit bit for bit.
 *
 * The quantised layer turns each input into the circuit's input code (the
 * grid point at or below it), takes the golden table's value, and applies
 * the out-of-range rule: all by `compileLookUp` of `core/outside.ts`, the
 * same code that defines the rule.
 * Its gradient is a straight-through estimate: the exact function's
 * derivative at x, so retraining reaches every layer's weights.
 */
import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../core/errors.js';
import {
  FUNCTION_NAMES,
  SELU_ALPHA,
  SELU_SCALE,
  resolveFunction,
  type ActivationFunction,
  type FunctionName,
} from '../core/functions.js';
import type { GoldenTable } from '../core/golden.js';
import { compileLookUp, lookUpOf, type LookUp } from '../core/outside.js';
import type { ActivationFactory } from './models.js';

/** Resolution of the table that stands in for a `self_define` function. */
const SELF_DEFINE_BITS = 16;

type Op = (x: tf.Tensor) => tf.Tensor;

const sigmoid: Op = (x) => tf.sigmoid(x);

/**
 * tanh as 2 sigmoid(2x) - 1: the wasm backend's sigmoid is vectorised and
 * its tanh is not (about 3 ms against 10 ms for LeNet-5's first layer of
 * a batch of 64); the two differ by float32 rounding only.
 */
const tanh: Op = (x) => tf.sub(tf.mul(sigmoid(tf.mul(x, 2)), 2), 1);

/** ELU's derivative, 1 above 0 and e^x below: elu(x) + 1 capped at 1. */
const eluSlope: Op = (x) => tf.clipByValue(tf.add(tf.elu(x), 1), 0, 1);

/**
 * Value and derivative of each built-in function, as tensor ops, and where
 * it is cheaper the derivative from the function's value. Branches are
 * written without `where` on scalars, which broadcasts slowly on wasm.
 */
const TENSOR_OPS: Record<
  Exclude<FunctionName, 'self_define'>,
  { value: Op; derivative: Op; fromValue?: Op }
> = {
  tanh: {
    value: tanh,
    derivative: (x) => tf.sub(1, tf.square(tanh(x))),
    fromValue: (y) => tf.sub(1, tf.square(y)),
  },
  selu: {
    // tf.selu uses the same constants as SELU_SCALE and SELU_ALPHA.
    value: (x) => tf.selu(x),
    // scale * alpha * elu'(x) - scale * (alpha - 1) * step(x).
    derivative: (x) =>
      tf.sub(
        tf.mul(eluSlope(x), SELU_SCALE * SELU_ALPHA),
        tf.mul(tf.step(x), SELU_SCALE * (SELU_ALPHA - 1)),
      ),
  },
  sigmoid: {
    value: sigmoid,
    derivative: (x) => tf.mul(sigmoid(x), tf.sub(1, sigmoid(x))),
    fromValue: (y) => tf.mul(y, tf.sub(1, y)),
  },
  elu: {
    value: (x) => tf.elu(x),
    derivative: eluSlope,
    fromValue: (y) => tf.clipByValue(tf.add(y, 1), 0, 1),
  },
  gelu: {
    value: (x) => tf.mul(x, tf.mul(0.5, tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))))),
    derivative: (x) =>
      tf.add(
        tf.mul(0.5, tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))),
        tf.mul(x, tf.mul(1 / Math.sqrt(2 * Math.PI), tf.exp(tf.mul(-0.5, tf.square(x))))),
      ),
  },
  silu: {
    value: (x) => tf.mul(x, sigmoid(x)),
    derivative: (x) => tf.mul(sigmoid(x), tf.add(1, tf.mul(x, tf.sub(1, sigmoid(x))))),
  },
  softplus: { value: tf.softplus, derivative: sigmoid },
};

/**
 * What a quantised layer needs; plain JSON, so it serialises with the
 * model. It is the table's {@link LookUp}: grid, values and extension.
 */
export interface QuantisedConfig extends LookUp {
  /** Function name (for the straight-through derivative). */
  fn: FunctionName;
  inputBits: number;
  grid: number[];
  values: number[];
  /** For functions without tensor ops: f' at each code's midpoint. */
  derivatives?: number[];
}

/** The layer's settings for a golden table. */
export function quantisedConfig(table: GoldenTable): QuantisedConfig {
  const { rangeL, rangeR, inputBits } = table.spec;
  const step = (rangeR - rangeL) / 2 ** inputBits;
  const lookUp = lookUpOf(table);
  return {
    fn: table.spec.fn,
    rangeL,
    rangeR,
    inputBits,
    grid: Array.from(lookUp.grid),
    values: Array.from(lookUp.values),
    extension: lookUp.extension,
    ...(table.spec.fn === 'self_define'
      ? { derivatives: Array.from(table.x, (x) => table.fn.derivative(x + step / 2)) }
      : {}),
  };
}

/**
 * Applies `f` to every element of x, in JavaScript on the tensor's data:
 * on the wasm and cpu backends one pass over the numbers is many times
 * faster than the chain of tensor ops (gather is slow on wasm) that the
 * same look-up takes.
 */
function mapElements(x: tf.Tensor, f: (v: number) => number): tf.Tensor {
  const xs = x.dataSync() as Float32Array;
  const out = new Float32Array(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = f(xs[i]);
  return tf.tensor(out, x.shape, 'float32');
}

/** What a layer computes element by element, made once per layer. */
interface Compiled {
  value: (x: number) => number;
  /** For `self_define`: f' at the midpoint of x's code, saturating. */
  derivative?: (x: number) => number;
}

/** The element functions of a config. */
function compile(config: QuantisedConfig): Compiled {
  return {
    value: compileLookUp(config),
    ...(config.derivatives
      ? {
          derivative: compileLookUp({
            ...config,
            values: config.derivatives,
            extension: { kind: 'saturate' },
          }),
        }
      : {}),
  };
}

/**
 * The straight-through gradient: the exact function's derivative, or for
 * `self_define` the table of f' at each code's midpoint.
 */
function derivativeOf(
  config: QuantisedConfig,
  compiled: Compiled,
  x: tf.Tensor,
): tf.Tensor {
  if (config.fn !== 'self_define') return TENSOR_OPS[config.fn].derivative(x);
  return mapElements(x, compiled.derivative as (x: number) => number);
}

/**
 * tf.serialization camel-cases string values with underscores on loading
 * (`self_define` comes back as `selfDefine`); this undoes it.
 */
function functionName(name: string): FunctionName {
  const camel = (f: string): string =>
    f.replace(/_+(\w|$)/g, (_m, c: string) => c.toUpperCase());
  const found = FUNCTION_NAMES.find((f) => f === name || camel(f) === name);
  if (found === undefined) {
    throw new Error(`unknown activation function ${name} in a layer config`);
  }
  return found;
}

/**
 * The circuit's activation as a layer: equal to the golden table on every
 * input code, with a straight-through gradient.
 */
export class QuantisedActivation extends tf.layers.Layer {
  /** Name under which tf.serialization knows the class. */
  static className = 'AfQuantisedActivation';
  private readonly config: QuantisedConfig;
  private compiled?: Compiled;

  constructor(args: QuantisedConfig & { name?: string }) {
    super(args.name !== undefined ? { name: args.name } : {});
    // Loading passes `customObjects` too, which is no part of the config.
    const {
      name: _name,
      customObjects: _objects,
      ...config
    } = args as typeof args & {
      customObjects?: unknown;
    };
    this.config = { ...config, fn: functionName(config.fn) };
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const config = this.config;
    const compiled = (this.compiled ??= compile(config));
    const op = tf.customGrad((input, save) => {
      const v = input as tf.Tensor;
      (save as tf.GradSaveFunc)([v]);
      return {
        value: mapElements(v, compiled.value),
        gradFunc: (dy, saved) => tf.mul(dy, derivativeOf(config, compiled, saved[0])),
      };
    });
    return op(x);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      ...(this.config as unknown as tf.serialization.ConfigDict),
    };
  }
}
tf.serialization.registerClass(QuantisedActivation);

/** The exact function as a layer (serialisable by function name). */
export class ExactActivation extends tf.layers.Layer {
  /** Name under which tf.serialization knows the class. */
  static className = 'AfExactActivation';
  private readonly fn: Exclude<FunctionName, 'self_define'>;

  constructor(args: { fn: Exclude<FunctionName, 'self_define'>; name?: string }) {
    super(args.name !== undefined ? { name: args.name } : {});
    this.fn = args.fn;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const ops = TENSOR_OPS[this.fn];
    // The derivative is given explicitly: the branches of SELU, ELU and
    // GELU select with comparisons, which have no gradient in tf.
    const op = tf.customGrad((input, save) => {
      const v = input as tf.Tensor;
      const y = ops.value(v);
      (save as tf.GradSaveFunc)([ops.fromValue ? y : v]);
      const slope = ops.fromValue ?? ops.derivative;
      return {
        value: y,
        gradFunc: (dy, saved) => tf.mul(dy, slope(saved[0])),
      };
    });
    return op(x);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), fn: this.fn };
  }
}
tf.serialization.registerClass(ExactActivation);

/** A factory of quantised layers for a golden table. */
export function quantisedFactory(table: GoldenTable): ActivationFactory {
  const config = quantisedConfig(table);
  return (name) => new QuantisedActivation({ ...config, name });
}

/**
 * A factory of exact layers. `self_define` has no tensor ops, so its exact
 * function is stood in for by a 2^16-entry table of unrounded values over
 * the range, saturating outside it.
 */
export async function exactFactory(table: GoldenTable): Promise<ActivationFactory> {
  const { fn, expr, rangeL, rangeR } = table.spec;
  if (fn !== 'self_define') return (name) => new ExactActivation({ fn, name });
  const f: ActivationFunction = await resolveFunction(fn, expr);
  const n = 2 ** SELF_DEFINE_BITS;
  const step = (rangeR - rangeL) / n;
  const mid = Array.from({ length: n }, (_, k) => rangeL + (k + 0.5) * step);
  const values = mid.map((x) => f.value(x));
  const derivatives = mid.map((x) => f.derivative(x));
  const bad = mid.findIndex(
    (_, k) => !Number.isFinite(values[k]) || !Number.isFinite(derivatives[k]),
  );
  if (bad >= 0) {
    throw new UsageError(
      `'${expr}' or its derivative is not a finite real number at x = ` +
        `${mid[bad]}, which the exact network's stand-in table needs; ` +
        'choose a range where it is smooth',
    );
  }
  const config: QuantisedConfig = {
    fn,
    rangeL,
    rangeR,
    inputBits: SELF_DEFINE_BITS,
    values,
    grid: Array.from({ length: n }, (_, k) => rangeL + k * step),
    derivatives,
    extension: { kind: 'saturate' },
  };
  return (name) => new QuantisedActivation({ ...config, name });
}
