/**
 * Activation layers for TensorFlow.js: the exact function, and the
 * quantised one that equals the circuit bit for bit.
 *
 * The quantised layer turns each input into the circuit's input code,
 * `floor((x - rang_l) / step)` (computed in float32), gathers the golden
 * table's value, and applies the out-of-range rule of `core/outside.ts`.
 * Its gradient is a straight-through estimate: the exact function's
 * derivative at x, so retraining reaches every layer's weights.
 */
import * as tf from '@tensorflow/tfjs';
import { codeToReal } from '../core/format.js';
import {
  SELU_ALPHA,
  SELU_SCALE,
  resolveFunction,
  type ActivationFunction,
  type FunctionName,
} from '../core/functions.js';
import type { GoldenTable } from '../core/golden.js';
import { extensionOf, type Extension } from '../core/outside.js';
import type { ActivationFactory } from './models.js';

/** Resolution of the table that stands in for a `self_define` function. */
const SELF_DEFINE_BITS = 16;

type Op = (x: tf.Tensor) => tf.Tensor;

const sigmoid: Op = (x) => tf.sigmoid(x);

/** Value and derivative of each built-in function, as tensor ops. */
const TENSOR_OPS: Record<
  Exclude<FunctionName, 'self_define'>,
  { value: Op; derivative: Op }
> = {
  tanh: { value: tf.tanh, derivative: (x) => tf.sub(1, tf.square(tf.tanh(x))) },
  selu: {
    value: (x) =>
      tf.mul(SELU_SCALE, tf.where(tf.greater(x, 0), x, tf.mul(SELU_ALPHA, tf.expm1(x)))),
    derivative: (x) =>
      tf.mul(
        SELU_SCALE,
        tf.where(tf.greater(x, 0), tf.onesLike(x), tf.mul(SELU_ALPHA, tf.exp(x))),
      ),
  },
  sigmoid: {
    value: sigmoid,
    derivative: (x) => tf.mul(sigmoid(x), tf.sub(1, sigmoid(x))),
  },
  elu: {
    value: (x) => tf.where(tf.greater(x, 0), x, tf.expm1(x)),
    derivative: (x) => tf.where(tf.greater(x, 0), tf.onesLike(x), tf.exp(x)),
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

/** What a quantised layer needs; plain JSON, so it serialises with the model. */
export interface QuantisedConfig {
  /** Function name (for the straight-through derivative). */
  fn: FunctionName;
  rangeL: number;
  rangeR: number;
  inputBits: number;
  /** The table's real output values, one per input code. */
  values: number[];
  extension: Extension;
  /** For functions without tensor ops: f' at each code's midpoint. */
  derivatives?: number[];
  /** A label for summaries, e.g. `tanh_1_6_4 (nearest)`. */
  circuit: string;
}

/** The layer's settings for a golden table. */
export function quantisedConfig(table: GoldenTable): QuantisedConfig {
  const { rangeL, rangeR, inputBits, rounding } = table.spec;
  const step = (rangeR - rangeL) / 2 ** inputBits;
  return {
    fn: table.spec.fn,
    rangeL,
    rangeR,
    inputBits,
    values: Array.from(table.codes, (c) => codeToReal(c, table.format)),
    extension: extensionOf(table),
    ...(table.spec.fn === 'self_define'
      ? { derivatives: Array.from(table.x, (x) => table.fn.derivative(x + step / 2)) }
      : {}),
    circuit: `${table.name} (${rounding})`,
  };
}

/** The table look-up with the out-of-range rule, as tensor ops. */
function lookUp(config: QuantisedConfig, values: tf.Tensor1D, x: tf.Tensor): tf.Tensor {
  const n = 2 ** config.inputBits;
  const scale = n / (config.rangeR - config.rangeL);
  const look = (v: tf.Tensor): tf.Tensor => {
    const code = tf.clipByValue(
      tf.floor(tf.mul(tf.sub(v, config.rangeL), scale)),
      0,
      n - 1,
    );
    return tf.gather(values, tf.cast(code, 'int32'));
  };
  const ext = config.extension;
  if (ext.kind === 'linear') {
    return tf.where(tf.greaterEqual(x, 0), tf.mul(x, ext.slope), look(x));
  }
  if (ext.kind === 'mirror') {
    const far = ext.side === 'negative' ? tf.less(x, 0) : tf.greaterEqual(x, 0);
    const mirrored = look(tf.neg(x));
    const folded = ext.symmetry === 'odd' ? tf.neg(mirrored) : tf.sub(1, mirrored);
    return tf.where(far, folded, look(x));
  }
  return look(x);
}

/**
 * The circuit's activation as a layer: equal to the golden table on every
 * input code, with a straight-through gradient.
 */
export class QuantisedActivation extends tf.layers.Layer {
  /** Name under which tf.serialization knows the class. */
  static className = 'AfQuantisedActivation';
  private readonly config: QuantisedConfig;
  private values?: tf.Tensor1D;
  private derivativeTable?: tf.Tensor1D;

  constructor(args: QuantisedConfig & { name?: string }) {
    super(args.name !== undefined ? { name: args.name } : {});
    const { name: _name, ...config } = args;
    this.config = config;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    this.values ??= tf.keep(tf.tensor1d(this.config.values, 'float32'));
    if (this.config.derivatives) {
      this.derivativeTable ??= tf.keep(tf.tensor1d(this.config.derivatives, 'float32'));
    }
    const values = this.values;
    const config = this.config;
    const derivative = this.derivative.bind(this);
    const op = tf.customGrad((input, save) => {
      const v = input as tf.Tensor;
      (save as tf.GradSaveFunc)([v]);
      return {
        value: lookUp(config, values, v),
        gradFunc: (dy, saved) => tf.mul(dy, derivative(saved[0])),
      };
    });
    return op(x);
  }

  /** The straight-through gradient: the exact function's derivative. */
  private derivative(x: tf.Tensor): tf.Tensor {
    if (this.config.fn !== 'self_define') return TENSOR_OPS[this.config.fn].derivative(x);
    const n = 2 ** this.config.inputBits;
    const scale = n / (this.config.rangeR - this.config.rangeL);
    const code = tf.clipByValue(
      tf.floor(tf.mul(tf.sub(x, this.config.rangeL), scale)),
      0,
      n - 1,
    );
    return tf.gather(this.derivativeTable!, tf.cast(code, 'int32'));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      ...(this.config as unknown as tf.serialization.ConfigDict),
    };
  }

  override dispose(): tf.serialization.ConfigDict & {
    refCountAfterDispose: number;
    numDisposedVariables: number;
  } {
    this.values?.dispose();
    this.derivativeTable?.dispose();
    return super.dispose() as never;
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
      (save as tf.GradSaveFunc)([v]);
      return {
        value: ops.value(v),
        gradFunc: (dy, saved) => tf.mul(dy, ops.derivative(saved[0])),
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
  const xs = Array.from({ length: n }, (_, k) => rangeL + (k + 0.5) * step);
  const config: QuantisedConfig = {
    fn,
    rangeL,
    rangeR,
    inputBits: SELF_DEFINE_BITS,
    values: xs.map((x) => f.value(x)),
    derivatives: xs.map((x) => f.derivative(x)),
    extension: { kind: 'saturate' },
    circuit: `self_define exact (${expr})`,
  };
  return (name) => new QuantisedActivation({ ...config, name });
}
