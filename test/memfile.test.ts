import { describe, expect, it } from 'vitest';
import { coeText, hexText, mifText } from '../src/core/memfile.js';

// Codes 5, -1, -110 in 8-bit two's complement: 05, ff, 92 (by hand).
const mem = { codes: [5, -1, -110], bits: 8, header: ['made by a test'] };

describe('memory files', () => {
  it('writes Xilinx COE', () => {
    expect(coeText(mem)).toBe(
      [
        '; made by a test',
        '; depth = 3 words, width = 8 bits',
        'memory_initialization_radix=16;',
        'memory_initialization_vector=',
        '05,',
        'ff,',
        '92;',
        '',
      ].join('\n'),
    );
  });

  it('writes Intel MIF', () => {
    expect(mifText(mem)).toBe(
      [
        '-- made by a test',
        'WIDTH=8;',
        'DEPTH=3;',
        'ADDRESS_RADIX=UNS;',
        'DATA_RADIX=HEX;',
        'CONTENT BEGIN',
        '    0 : 05;',
        '    1 : ff;',
        '    2 : 92;',
        'END;',
        '',
      ].join('\n'),
    );
  });

  it('writes $readmemh hex, with BigInt codes too', () => {
    expect(hexText({ ...mem, codes: [5n, -1n, -110n], bits: 9 })).toBe(
      [
        '// made by a test',
        '// depth = 3 words, width = 9 bits',
        '005',
        '1ff',
        '192',
        '',
      ].join('\n'),
    );
  });
});
