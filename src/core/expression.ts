/**
 * User expressions for `self_define`, parsed and evaluated by math.js.
 *
 * The expression is never handed to JavaScript's evaluator: math.js parses
 * it into a tree, the tree is checked to hold only arithmetic, function
 * calls and the variable `x`, and math.js evaluates it.
 */
import * as math from 'mathjs/number';
import { UsageError } from './errors.js';
import type { ActivationFunction } from './functions.js';

/** Node types an activation expression may contain. */
const ALLOWED_NODES = new Set([
  'ConstantNode',
  'SymbolNode',
  'OperatorNode',
  'ParenthesisNode',
  'FunctionNode',
  'ConditionalNode',
]);

/** Step of the central difference used when no symbolic derivative exists. */
const DIFF_STEP = 2 ** -20;

/**
 * Compile a `self_define` expression in `x`.
 *
 * @example compileExpression('x / (1 + abs(x))').value(1) === 0.5
 * @throws UsageError naming the syntax error, the disallowed construct or
 *   the unknown name; the returned `value` throws one naming x where
 *   math.js cannot evaluate the expression.
 */
export function compileExpression(expr: string): ActivationFunction {
  let tree: math.MathNode;
  try {
    tree = math.parse(expr);
  } catch (err) {
    throw new UsageError(
      `self_define expression '${expr}' is not valid: ${(err as Error).message}`,
    );
  }

  // Only arithmetic, calls and names; no assignments, blocks or indexing.
  tree.traverse((node) => {
    if (!ALLOWED_NODES.has(node.type)) {
      throw new UsageError(
        `self_define expression '${expr}' may not contain ` +
          `${node.type.replace(/Node$/, '').toLowerCase()} '${node.toString()}'` +
          '; use arithmetic, functions and x',
      );
    }
  });

  // Every name is x or a function or constant that math.js defines.
  const lib = math as unknown as Record<string, unknown>;
  for (const node of tree.filter((n) => n.type === 'SymbolNode')) {
    const name = (node as math.SymbolNode).name;
    if (name !== 'x' && !(name in lib)) {
      throw new UsageError(
        `self_define expression '${expr}' uses unknown name '${name}'; ` +
          'allowed are x and math.js functions and constants (exp, tanh, pi, ...)',
      );
    }
  }

  // math.js throws at evaluation for some well-formed trees ('x + "a"');
  // that is still the user's expression at fault, not an internal error.
  const code = tree.compile();
  const value = (x: number): number => {
    let y: unknown;
    try {
      y = code.evaluate({ x });
    } catch (err) {
      throw new UsageError(
        `self_define expression '${expr}' cannot be evaluated at x = ${x}: ` +
          (err as Error).message,
      );
    }
    return typeof y === 'number' ? y : Number.NaN;
  };
  return {
    name: 'self_define',
    formula: tree.toString(),
    value,
    derivative:
      symbolicDerivative(tree) ??
      ((x) => (value(x + DIFF_STEP) - value(x - DIFF_STEP)) / (2 * DIFF_STEP)),
    symmetry: 'none',
  };
}

/** The derivative via math.js, or undefined where it cannot differentiate. */
function symbolicDerivative(tree: math.MathNode): ((x: number) => number) | undefined {
  try {
    const code = math.derivative(tree, 'x').compile();
    return (x) => {
      const d: unknown = code.evaluate({ x });
      return typeof d === 'number' ? d : Number.NaN;
    };
  } catch {
    return undefined;
  }
}
