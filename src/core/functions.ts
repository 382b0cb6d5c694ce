/**
 * The activation functions `af` knows, as exact real functions.
 *
 * Each function carries its value, its derivative (used as the
 * straight-through gradient when a network is retrained) and the facts
 * about its shape that the out-of-range rule needs.
 */
import { UsageError } from './errors.js';

/** SELU's scale, from Klambauer et al. 2017 (as in PyTorch). */
export const SELU_SCALE = 1.0507009873554804934193349852946;
/** SELU's alpha, from Klambauer et al. 2017 (as in PyTorch). */
export const SELU_ALPHA = 1.6732632423543772848170429916717;

/** Names accepted as the first positional argument. */
export const FUNCTION_NAMES = [
  'tanh',
  'selu',
  'sigmoid',
  'elu',
  'gelu',
  'silu',
  'softplus',
  'self_define',
] as const;

/** One of {@link FUNCTION_NAMES}. */
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/**
 * Shape facts used to extend a table beyond its range:
 * `odd` means f(-x) = -f(x); `sigmoid` means f(-x) = 1 - f(x);
 * `none` means neither.
 */
export type Symmetry = 'odd' | 'sigmoid' | 'none';

/** An exact activation function. */
export interface ActivationFunction {
  /** The name used on the command line and in file names. */
  readonly name: FunctionName;
  /** The formula, for file headers and help text. */
  readonly formula: string;
  /** The exact value. */
  value(x: number): number;
  /** The exact derivative (straight-through gradient). */
  derivative(x: number): number;
  /** Symmetry that lets a half-range table serve the whole axis. */
  readonly symmetry: Symmetry;
  /**
   * For SELU and ELU: the slope of the linear branch for x > 0, so a
   * table of the negative branch can serve positive inputs exactly.
   */
  readonly positiveSlope?: number;
}

const sigmoid = (x: number): number =>
  x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));

/** log(1 + e^x) without overflow for large x or loss for small x. */
const softplus = (x: number): number =>
  x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));

const BUILT_IN: Record<
  Exclude<FunctionName, 'self_define' | 'gelu'>,
  ActivationFunction
> = {
  tanh: {
    name: 'tanh',
    formula: 'tanh(x)',
    value: Math.tanh,
    derivative: (x) => 1 - Math.tanh(x) ** 2,
    symmetry: 'odd',
  },
  selu: {
    name: 'selu',
    formula: `${SELU_SCALE} * (x > 0 ? x : ${SELU_ALPHA} * (exp(x) - 1))`,
    value: (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x)),
    derivative: (x) => SELU_SCALE * (x > 0 ? 1 : SELU_ALPHA * Math.exp(x)),
    symmetry: 'none',
    positiveSlope: SELU_SCALE,
  },
  sigmoid: {
    name: 'sigmoid',
    formula: '1 / (1 + exp(-x))',
    value: sigmoid,
    derivative: (x) => sigmoid(x) * (1 - sigmoid(x)),
    symmetry: 'sigmoid',
  },
  elu: {
    name: 'elu',
    formula: 'x > 0 ? x : exp(x) - 1',
    value: (x) => (x > 0 ? x : Math.expm1(x)),
    derivative: (x) => (x > 0 ? 1 : Math.exp(x)),
    symmetry: 'none',
    positiveSlope: 1,
  },
  silu: {
    name: 'silu',
    formula: 'x / (1 + exp(-x))',
    value: (x) => x * sigmoid(x),
    derivative: (x) => sigmoid(x) * (1 + x * (1 - sigmoid(x))),
    symmetry: 'none',
  },
  softplus: {
    name: 'softplus',
    formula: 'log(1 + exp(x))',
    value: softplus,
    derivative: sigmoid,
    symmetry: 'none',
  },
};

/** GELU in its exact erf form; erf comes from math.js (Cody's method). */
async function gelu(): Promise<ActivationFunction> {
  const { erf } = await import('mathjs/number');
  const phi = (x: number): number => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
  const cdf = (x: number): number => 0.5 * (1 + erf(x / Math.SQRT2));
  return {
    name: 'gelu',
    formula: '0.5 * x * (1 + erf(x / sqrt(2)))',
    value: (x) => x * cdf(x),
    derivative: (x) => cdf(x) + x * phi(x),
    symmetry: 'none',
  };
}

/**
 * Resolve a function name (and, for `self_define`, its expression) to an
 * exact function.
 *
 * @throws UsageError for an unknown name or a bad expression.
 */
export async function resolveFunction(
  name: string,
  expr?: string,
): Promise<ActivationFunction> {
  if (name === 'self_define') {
    if (expr === undefined || expr.trim() === '') {
      throw new UsageError(
        "self_define needs an expression in x, e.g. --expr 'x / (1 + abs(x))'",
      );
    }
    const { compileExpression } = await import('./expression.js');
    return compileExpression(expr);
  }
  if (expr !== undefined) {
    throw new UsageError(`--expr goes with self_define, not with ${name}`);
  }
  if (name === 'gelu') return gelu();
  if (Object.hasOwn(BUILT_IN, name)) {
    return BUILT_IN[name as keyof typeof BUILT_IN];
  }
  throw new UsageError(
    `function must be one of ${FUNCTION_NAMES.join(', ')}, not '${name}'`,
  );
}
