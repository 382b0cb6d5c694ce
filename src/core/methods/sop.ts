/**
 * The paper's method: every output bit as a minimised two-level sum of
 * products of the input bits.
 *
 * This module is pure: it writes the truth table as a PLA for Espresso,
 * reads Espresso's cover back, evaluates a cover in software, and emits the
 * cover as Verilog. Running Espresso is the adapter's job.
 */
import { moduleOpening } from '../header.js';
import { toBits, width } from '../format.js';
import type { GoldenTable } from '../golden.js';
import { UsageError, VerificationError } from '../errors.js';

/**
 * Largest input width the sop method accepts. Espresso's time grows
 * steeply with the number of product terms: 12 input bits take about a
 * second (4 with 16 fraction bits); 14 input bits with 12 fraction bits
 * took almost five minutes on this project's 2-core machine.
 */
export const SOP_MAX_INPUT_BITS = 12;

/**
 * Refuse tables too large to minimise in reasonable time.
 *
 * @throws UsageError naming the limit and the methods that have none.
 */
export function checkSopSize(inputBits: number): void {
  if (inputBits > SOP_MAX_INPUT_BITS) {
    throw new UsageError(
      `the sop method supports i_bits up to ${SOP_MAX_INPUT_BITS}, not ${inputBits} ` +
        '(Espresso would take minutes); use --method rom or --method pwl',
    );
  }
}

/**
 * One product term: `inputs` has a character per input bit, most
 * significant first ('1' the bit, '0' its complement, '-' absent);
 * `outputs` has a character per output bit, most significant first ('1'
 * when the term feeds that output).
 */
export interface ProductTerm {
  readonly inputs: string;
  readonly outputs: string;
}

/** A multiple-output sum-of-products cover. */
export interface Cover {
  readonly inputBits: number;
  readonly outputBits: number;
  readonly terms: readonly ProductTerm[];
}

/**
 * The golden table as a PLA (type f): one row per input code whose output
 * has at least one 1 bit; codes not listed output all zeros.
 */
export function tableToPla(table: GoldenTable): string[] {
  const i = table.spec.inputBits;
  const w = width(table.format);
  const rows: string[] = [`.i ${i}`, `.o ${w}`, '.type f'];
  for (let k = 0; k < table.codes.length; k++) {
    const bits = toBits(table.codes[k], w);
    if (bits === 0) continue;
    rows.push(`${k.toString(2).padStart(i, '0')} ${bits.toString(2).padStart(w, '0')}`);
  }
  rows.push('.e');
  return rows;
}

/**
 * Read the product terms Espresso printed (`"01-1 0110"` rows).
 *
 * @throws VerificationError when a row does not have the expected shape.
 */
export function parseCover(
  rows: readonly string[],
  inputBits: number,
  outputBits: number,
): Cover {
  const terms: ProductTerm[] = [];
  const shape = new RegExp(`^([01-]{${inputBits}})\\s+([01~-]{${outputBits}})$`);
  for (const row of rows) {
    const line = row.trim();
    if (line === '' || line.startsWith('.')) continue;
    const m = shape.exec(line);
    if (!m) {
      throw new VerificationError(`Espresso returned an unexpected row '${line}'`);
    }
    terms.push({ inputs: m[1], outputs: m[2].replace(/[~-]/g, '0') });
  }
  terms.sort((a, b) => (a.inputs < b.inputs ? -1 : a.inputs > b.inputs ? 1 : 0));
  return { inputBits, outputBits, terms };
}

/** Whether input code `k` satisfies a term's input cube. */
function termMatches(inputs: string, k: number): boolean {
  const n = inputs.length;
  for (let j = 0; j < n; j++) {
    const c = inputs.charCodeAt(j);
    if (c === 45) continue; // '-'
    const bit = (k >>> (n - 1 - j)) & 1;
    if (bit !== c - 48) return false;
  }
  return true;
}

/** The output bit pattern a cover gives for input code `k`. */
export function evaluateCover(cover: Cover, k: number): number {
  let out = 0;
  for (const t of cover.terms) {
    if (!termMatches(t.inputs, k)) continue;
    for (let j = 0; j < cover.outputBits; j++) {
      if (t.outputs.charCodeAt(j) === 49) {
        out |= 2 ** (cover.outputBits - 1 - j);
      }
    }
  }
  return out >>> 0;
}

/**
 * Check a cover against the table for every input code.
 *
 * @throws VerificationError naming the first code where they differ.
 */
export function checkCover(cover: Cover, table: GoldenTable): void {
  const w = width(table.format);
  for (let k = 0; k < table.codes.length; k++) {
    const want = toBits(table.codes[k], w);
    const got = evaluateCover(cover, k);
    if (got !== want) {
      throw new VerificationError(
        `the minimised cover of ${table.name} is wrong at input code ${k}: ` +
          `gives ${got.toString(2)}, the table says ${want.toString(2)}`,
      );
    }
  }
}

/** Count of literals (the usual two-level cost measure). */
export function literalCount(cover: Cover): number {
  return cover.terms.reduce((sum, t) => sum + t.inputs.replace(/-/g, '').length, 0);
}

/** The Verilog product expression of one term, e.g. `x[3] & ~x[1]`. */
function productExpr(inputs: string): string {
  const n = inputs.length;
  const literals: string[] = [];
  for (let j = 0; j < n; j++) {
    const c = inputs[j];
    if (c === '-') continue;
    literals.push(`${c === '0' ? '~' : ''}x[${n - 1 - j}]`);
  }
  return literals.length === 0 ? "1'b1" : literals.join(' & ');
}

/**
 * Emit a cover as a Verilog module: one wire per shared product term, one
 * `assign` per output bit.
 */
export function sopVerilog(table: GoldenTable, cover: Cover, moduleName: string): string {
  const w = width(table.format);
  const pad = String(Math.max(0, cover.terms.length - 1)).length;
  const term = (t: number): string => `p${String(t).padStart(pad, '0')}`;
  const lines: string[] = [];

  lines.push(
    ...moduleOpening(table, moduleName, [
      'method = sop: each output bit a minimised sum of products (Espresso,',
      '  all outputs minimised together so product terms are shared)',
      `cover = ${cover.terms.length} product terms, ${literalCount(cover)} literals`,
    ]),
  );

  // The shared product terms.
  if (cover.terms.length > 0) {
    lines.push('', '  // Product terms, each shared by the outputs it feeds.');
  }
  cover.terms.forEach((t, n) => {
    lines.push(`  wire ${term(n)} = ${productExpr(t.inputs)};`);
  });

  // Each output bit is the OR of its terms.
  lines.push('', '  // Output bits (bit 0 is the least significant).');
  for (let bit = w - 1; bit >= 0; bit--) {
    const col = w - 1 - bit;
    const used = cover.terms
      .map((t, n) => (t.outputs[col] === '1' ? term(n) : ''))
      .filter((s) => s !== '');
    lines.push(`  assign y[${bit}] = ${used.length ? used.join(' | ') : "1'b0"};`);
  }
  lines.push('endmodule', '');
  return lines.join('\n');
}
