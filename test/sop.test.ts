import { describe, expect, it } from 'vitest';
import { minimiseWithEspresso } from '../src/adapters/espresso.js';
import {
  checkCover,
  evaluateCover,
  parseCover,
  sopVerilog,
  tableToPla,
  checkSopSize,
} from '../src/core/methods/sop.js';
import { toBits, width } from '../src/core/format.js';
import { goldenOf } from './helpers.js';

describe('sop method', () => {
  it('writes the table as a PLA, omitting all-zero rows', async () => {
    const t = await goldenOf('tanh 0 2 1 6 4', 'trunc');
    const pla = tableToPla(t);
    expect(pla.slice(0, 3)).toEqual(['.i 4', '.o 7', '.type f']);
    // Code 0 outputs 0 and is left out; code 1 outputs 7 = 0000111.
    expect(pla[3]).toBe('0001 0000111');
    expect(pla.at(-2)).toBe('1111 0111101'); // 61
    expect(pla).toHaveLength(3 + 15 + 1);
  });

  it('evaluates a hand-made cover', () => {
    // y1 = x1 & ~x0, y0 = x0 (inputs and outputs most significant first).
    const cover = parseCover(['10 10', '-1 01'], 2, 2);
    expect([0, 1, 2, 3].map((k) => evaluateCover(cover, k))).toEqual([0, 1, 2, 1]);
  });

  it('shares product terms between outputs', async () => {
    const t = await goldenOf('tanh 0 2 1 6 4', 'trunc');
    const cover = parseCover(minimiseWithEspresso(tableToPla(t)), 4, 7);
    expect(cover.terms.some((term) => term.outputs.replace(/0/g, '').length > 1)).toBe(
      true,
    );
    checkCover(cover, t);
  });

  it('minimises exactly for every function and both roundings', async () => {
    const configs = [
      'tanh -2 2 0 8 8',
      'selu -3.875 0 1 6 6',
      'sigmoid -8 8 0 10 8',
      'elu -4 0 1 8 7',
      'gelu -4 4 3 5 8',
      'silu -6 6 3 6 8',
      'softplus -6 6 3 6 8',
    ];
    for (const c of configs) {
      for (const r of ['nearest', 'trunc']) {
        const t = await goldenOf(c, r);
        const w = width(t.format);
        const cover = parseCover(
          minimiseWithEspresso(tableToPla(t)),
          t.spec.inputBits,
          w,
        );
        for (let k = 0; k < t.codes.length; k++) {
          expect(evaluateCover(cover, k)).toBe(toBits(t.codes[k], w));
        }
      }
    }
  });

  it('needs no terms for a function that is always 0', async () => {
    const t = await goldenOf('self_define 0 1 0 4 3', 'nearest', '0 * x');
    const cover = parseCover(minimiseWithEspresso(tableToPla(t)), 3, 4);
    expect(cover.terms).toHaveLength(0);
    expect(sopVerilog(t, cover, 'z')).toContain("assign y[0] = 1'b0;");
  });

  it('catches a wrong cover, naming the code', async () => {
    const t = await goldenOf('tanh 0 2 1 6 4', 'trunc');
    const cover = parseCover(minimiseWithEspresso(tableToPla(t)), 4, 7);
    const broken = { ...cover, terms: cover.terms.slice(1) };
    expect(() => checkCover(broken, t)).toThrow(/wrong at input code \d+/);
  });

  it('states its size limit', () => {
    expect(() => checkSopSize(12)).not.toThrow();
    expect(() => checkSopSize(13)).toThrow(
      'the sop method supports i_bits up to 12, not 13 (Espresso would take minutes); ' +
        'use --method rom or --method pwl',
    );
  });
});
