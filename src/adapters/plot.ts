/**
 * PNG plots with Chart.js, rendered in Node by chartjs-node-canvas.
 * Loaded only when a plot is asked for, since the libraries are large.
 */
import type { ChartConfiguration } from 'chart.js';
import { VERSION } from '../version.js';

/** One line on a plot. */
export interface Series {
  readonly label: string;
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  /** Draw as steps (a circuit's output is constant between codes). */
  readonly stepped?: boolean;
  /** Plot against the right-hand axis. */
  readonly right?: boolean;
  readonly colour: string;
}

/** A whole plot. */
export interface PlotSpec {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly rightLabel?: string;
  readonly series: readonly Series[];
  /** Text stored in the PNG's tEXt chunk (parameters, for provenance). */
  readonly description: string;
}

/** Render a plot to PNG bytes, 960 by 600 pixels on white. */
export async function renderPlot(plot: PlotSpec): Promise<Buffer> {
  const { ChartJSNodeCanvas } = await import('chartjs-node-canvas');
  const canvas = new ChartJSNodeCanvas({
    width: 960,
    height: 600,
    backgroundColour: 'white',
    // One named font (Debian's fonts-dejavu-core, which the set-up script
    // installs), not Chart.js's Helvetica-first list: whatever else a
    // machine has installed, the same plot gives the same bytes.
    chartCallback: (chart) => {
      chart.defaults.font.family = 'DejaVu Sans';
    },
  });
  const config: ChartConfiguration<'line', { x: number; y: number }[]> = {
    type: 'line',
    data: {
      datasets: plot.series.map((s) => ({
        label: s.label,
        data: Array.from({ length: s.x.length }, (_, k) => ({ x: s.x[k], y: s.y[k] })),
        stepped: s.stepped ? 'after' : false,
        borderColor: s.colour,
        backgroundColor: s.colour,
        borderWidth: s.right ? 1.5 : 2,
        pointRadius: s.right ? 2.5 : 0,
        yAxisID: s.right ? 'right' : 'y',
      })),
    },
    options: {
      animation: false,
      responsive: false,
      parsing: false,
      plugins: {
        title: { display: true, text: plot.title, font: { size: 16 } },
        legend: { position: 'bottom' },
      },
      scales: {
        x: { type: 'linear', title: { display: true, text: plot.xLabel } },
        y: {
          type: 'linear',
          position: 'left',
          title: { display: true, text: plot.yLabel },
        },
        ...(plot.rightLabel
          ? {
              right: {
                type: 'linear' as const,
                position: 'right' as const,
                title: { display: true, text: plot.rightLabel },
                grid: { drawOnChartArea: false },
              },
            }
          : {}),
      },
    },
  };
  const png = await canvas.renderToBuffer(config as ChartConfiguration, 'image/png');
  return withText(png, 'Software', `af ${VERSION}`, 'Description', plot.description);
}

/** CRC-32 (ISO 3309, as PNG uses it). */
function crc32(bytes: Buffer): number {
  let c = ~0;
  for (const byte of bytes) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/** Insert tEXt chunks (keyword, text, ...) right after the PNG's IHDR. */
function withText(png: Buffer, ...pairs: string[]): Buffer {
  const chunks: Buffer[] = [];
  for (let p = 0; p + 1 < pairs.length; p += 2) {
    const body = Buffer.concat([
      Buffer.from('tEXt', 'latin1'),
      Buffer.from(pairs[p], 'latin1'),
      Buffer.from([0]),
      Buffer.from(pairs[p + 1], 'latin1'),
    ]);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(body.length - 4);
    const tail = Buffer.alloc(4);
    tail.writeUInt32BE(crc32(body));
    chunks.push(head, body, tail);
  }
  // Signature (8 bytes) + IHDR (4 length + 4 type + 13 data + 4 CRC).
  const ihdrEnd = 8 + 25;
  return Buffer.concat([png.subarray(0, ihdrEnd), ...chunks, png.subarray(ihdrEnd)]);
}
