/**
 * Memory-initialisation files: Xilinx COE, Intel MIF and `$readmemh` hex.
 * All three hold the same words, two's complement where signed, one per
 * address from 0 upward, with a header of comment lines.
 */
import { toBits, toHex } from './format.js';

/** A memory to write: its words as integer codes and its word width. */
export interface Memory {
  /** Codes per address (negative codes are written in two's complement). */
  readonly codes: ArrayLike<number | bigint>;
  /** Bits per word. */
  readonly bits: number;
  /** Comment lines describing the contents. */
  readonly header: readonly string[];
}

/** Bit patterns of a memory's words as hex strings. */
function words(mem: Memory): string[] {
  const out: string[] = [];
  for (let a = 0; a < mem.codes.length; a++) {
    const code = mem.codes[a];
    if (typeof code === 'bigint') {
      const pattern = code < 0n ? code + (1n << BigInt(mem.bits)) : code;
      out.push(pattern.toString(16).padStart(Math.ceil(mem.bits / 4), '0'));
    } else {
      out.push(toHex(toBits(code, mem.bits), mem.bits));
    }
  }
  return out;
}

/** Xilinx COE: `;` comments, radix 16, comma-separated, `;` at the end. */
export function coeText(mem: Memory): string {
  const w = words(mem);
  const lines = [
    ...mem.header.map((l) => `; ${l}`.trimEnd()),
    `; depth = ${w.length} words, width = ${mem.bits} bits`,
    'memory_initialization_radix=16;',
    'memory_initialization_vector=',
    ...w.map((v, a) => `${v}${a === w.length - 1 ? ';' : ','}`),
  ];
  return lines.join('\n') + '\n';
}

/** Intel MIF: `--` comments, WIDTH/DEPTH, `address : word;` rows. */
export function mifText(mem: Memory): string {
  const w = words(mem);
  const lines = [
    ...mem.header.map((l) => `-- ${l}`.trimEnd()),
    `WIDTH=${mem.bits};`,
    `DEPTH=${w.length};`,
    'ADDRESS_RADIX=UNS;',
    'DATA_RADIX=HEX;',
    'CONTENT BEGIN',
    ...w.map((v, a) => `    ${a} : ${v};`),
    'END;',
  ];
  return lines.join('\n') + '\n';
}

/** `$readmemh` hex: `//` comments, one word per line from address 0. */
export function hexText(mem: Memory): string {
  const lines = [
    ...mem.header.map((l) => `// ${l}`.trimEnd()),
    `// depth = ${mem.codes.length} words, width = ${mem.bits} bits`,
    ...words(mem),
  ];
  return lines.join('\n') + '\n';
}
