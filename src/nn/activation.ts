/**
 * Activation layers for TensorFlow.js: the exact function, and the
 * quantised one that equals the circuit bit for bit.
 *
 * The quantised layer turns each input into the circuit's input code (the
 * grid point at or below it, decided exactly for float32 inputs), gathers
 * the golden table's value, and applies the out-of-range rule of
 * `core/outside.ts`.
 * Its gradient is a straight-through estimate: the exact function's
 * derivative at x, so retraining reaches every layer's weights.
 */
import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../core/errors.js';
import { codeToReal } from '../core/format.js';
import {
  FUNCTION_NAMES,
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
  /**
   * For codes 1 to 2^i - 1, the smallest float32 at or above the code's
   * grid point: a float32 x is at or above the grid point exactly when it
   * is at or above this threshold.
   */
  thresholds: number[];
  extension: Extension;
  /** For functions without tensor ops: f' at each code's midpoint. */
  derivatives?: number[];
}

/** Most correction steps the float32 code estimate may need. */
const MAX_CORRECTIONS = 4;

/** The smallest float32 at or above `v`. */
function float32AtOrAbove(v: number): number {
  const f = new Float32Array([v]);
  if (f[0] >= v) return f[0];
  const bits = new Int32Array(f.buffer);
  if (f[0] > 0) bits[0] += 1;
  else if (f[0] < 0) bits[0] -= 1;
  else bits[0] = 1;
  return f[0];
}

/**
 * How many one-code corrections the float32 estimate
 * `floor((x - rang_l) * scale)` needs at most. Each of its three float32
 * roundings is off by at most 2^-24 relative, on values up to 2^i + 1
 * codes, and rounding rang_l to float32 moves the estimate by up to
 * |rang_l| * scale * 2^-24 codes.
 */
function corrections(rangeL: number, rangeR: number, inputBits: number): number {
  const n = 2 ** inputBits;
  const bound = 2 ** -24 * ((Math.abs(rangeL) * n) / (rangeR - rangeL) + 3 * (n + 1));
  return bound < 0.99 ? 1 : Math.ceil(bound) + 1;
}

/**
 * The layer's settings for a golden table.
 *
 * @throws UsageError when the range is so narrow for its magnitude that
 *   float32 inputs cannot be placed on the grid in a few steps.
 */
export function quantisedConfig(table: GoldenTable): QuantisedConfig {
  const { rangeL, rangeR, inputBits } = table.spec;
  const step = (rangeR - rangeL) / 2 ** inputBits;
  if (corrections(rangeL, rangeR, inputBits) > MAX_CORRECTIONS) {
    throw new UsageError(
      `the range [${rangeL}, ${rangeR}) with ${inputBits} input bits is too ` +
        'narrow for its magnitude for a float32 network layer; ' +
        'widen the range or use fewer input bits',
    );
  }
  return {
    fn: table.spec.fn,
    rangeL,
    rangeR,
    inputBits,
    values: Array.from(table.codes, (c) => codeToReal(c, table.format)),
    thresholds: Array.from(table.x.subarray(1), float32AtOrAbove),
    extension: extensionOf(table),
    ...(table.spec.fn === 'self_define'
      ? { derivatives: Array.from(table.x, (x) => table.fn.derivative(x + step / 2)) }
      : {}),
  };
}

/** The tensors a layer keeps: table values, thresholds, derivatives. */
interface LayerTensors {
  values: tf.Tensor1D;
  /** -Infinity, the config's thresholds, +Infinity: 2^i + 1 entries. */
  thresholds: tf.Tensor1D;
  derivatives?: tf.Tensor1D;
}

/** The layer's tensors, kept out of any surrounding `tf.tidy`. */
function keptTensors(config: QuantisedConfig): LayerTensors {
  const kept = (v: number[]) => tf.keep(tf.tensor1d(v, 'float32'));
  return {
    values: kept(config.values),
    thresholds: kept([-Infinity, ...config.thresholds, Infinity]),
    ...(config.derivatives ? { derivatives: kept(config.derivatives) } : {}),
  };
}

/**
 * The input code of each element of x, as in `core/outside.ts`: a float32
 * estimate, then corrections against the thresholds, which decide.
 */
function codeOf(config: QuantisedConfig, t: LayerTensors, x: tf.Tensor): tf.Tensor {
  const n = 2 ** config.inputBits;
  const scale = n / (config.rangeR - config.rangeL);
  const estimate = tf.clipByValue(
    tf.floor(tf.mul(tf.sub(x, config.rangeL), scale)),
    0,
    n - 1,
  );
  let code = tf.cast(estimate, 'int32');
  for (let i = corrections(config.rangeL, config.rangeR, config.inputBits); i > 0; i--) {
    const up = tf.greaterEqual(
      x,
      tf.gather(t.thresholds, tf.add(code, tf.scalar(1, 'int32'))),
    );
    const down = tf.less(x, tf.gather(t.thresholds, code));
    code = tf.sub(tf.add(code, tf.cast(up, 'int32')), tf.cast(down, 'int32'));
  }
  return code;
}

/** The table look-up with the out-of-range rule, as tensor ops. */
function lookUp(config: QuantisedConfig, t: LayerTensors, x: tf.Tensor): tf.Tensor {
  const look = (v: tf.Tensor): tf.Tensor => tf.gather(t.values, codeOf(config, t, v));
  const ext = config.extension;
  if (ext.kind === 'linear') {
    return tf.where(tf.greaterEqual(x, 0), tf.mul(x, ext.slope), look(x));
  }
  if (ext.kind === 'mirror') {
    const far = ext.side === 'negative' ? tf.less(x, 0) : tf.greater(x, 0);
    const mirrored = look(tf.neg(x));
    const folded = ext.symmetry === 'odd' ? tf.neg(mirrored) : tf.sub(1, mirrored);
    const inside = tf.where(far, folded, look(x));
    if (ext.side === 'negative') return inside;
    return tf.where(tf.equal(x, 0), tf.fill(x.shape, ext.zero as number), inside);
  }
  return look(x);
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
 * The straight-through gradient: the exact function's derivative, or for
 * `self_define` the table of f' at each code's midpoint.
 */
function derivativeOf(config: QuantisedConfig, t: LayerTensors, x: tf.Tensor): tf.Tensor {
  if (config.fn !== 'self_define') return TENSOR_OPS[config.fn].derivative(x);
  return tf.gather(t.derivatives as tf.Tensor1D, codeOf(config, t, x));
}

/**
 * The circuit's activation as a layer: equal to the golden table on every
 * input code, with a straight-through gradient.
 */
export class QuantisedActivation extends tf.layers.Layer {
  /** Name under which tf.serialization knows the class. */
  static className = 'AfQuantisedActivation';
  private readonly config: QuantisedConfig;
  private tensors?: LayerTensors;

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
    const t = (this.tensors ??= keptTensors(config));
    const op = tf.customGrad((input, save) => {
      const v = input as tf.Tensor;
      (save as tf.GradSaveFunc)([v]);
      return {
        value: lookUp(config, t, v),
        gradFunc: (dy, saved) => tf.mul(dy, derivativeOf(config, t, saved[0])),
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

  override dispose(): tf.serialization.ConfigDict & {
    refCountAfterDispose: number;
    numDisposedVariables: number;
  } {
    if (this.tensors) tf.dispose(Object.values(this.tensors) as tf.Tensor[]);
    this.tensors = undefined;
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
    thresholds: Array.from({ length: n - 1 }, (_, k) =>
      float32AtOrAbove(rangeL + (k + 1) * step),
    ),
    derivatives,
    extension: { kind: 'saturate' },
  };
  return (name) => new QuantisedActivation({ ...config, name });
}
