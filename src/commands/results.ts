/**
 * What the network flow writes about its runs: the results table
 * (`NN_models/results.md` and `results.json`) and the training curves.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeArtifacts } from '../adapters/files.js';
import { renderPlot } from '../adapters/plot.js';
import type { DatasetName } from '../nn/data/index.js';
import type { ModelName } from '../nn/models.js';
import type { Accuracy, EpochRecord } from '../nn/train.js';

/** One row of the results table. */
export interface ResultRow {
  model: ModelName;
  dataset: DatasetName;
  function: string;
  circuit: string;
  /** The tabulated input range, `[rang_l, rang_r)`. */
  range: string;
  rounding: string;
  exact: Accuracy;
  circuitAccuracy: Accuracy;
  retrained?: Accuracy;
  /** The exact network fine-tuned like the retrained one: the control. */
  exactRetrained?: Accuracy;
  trainImages: number;
  testImages: number;
  epochs: number;
  retrainEpochs: number;
  /** Folder of the exact network, relative to the output folder. */
  exactModel: string;
  backend: string;
  seconds: number;
}

const pct = (v: number): string => `${v.toFixed(2)}%`;
const delta = (v: number, base: number): string =>
  `${v - base >= 0 ? '+' : ''}${(v - base).toFixed(2)}`;

/** The results as a Markdown table. */
export function resultsMarkdown(rows: readonly ResultRow[]): string {
  const lines = [
    "# Network accuracy with the circuit's activation",
    '',
    'Written by `af` (appended on every network run). Top-1 accuracy on the',
    'test split; top-5 in brackets for ImageNet. The circuit column is the',
    "exact network's weights with the circuit's function swapped in (Δ against",
    '"exact"); "exact, retrained" fine-tunes the exact network with the same',
    "schedule as the circuit's retraining, as a control, and the retrained",
    "circuit's Δ is against that control.",
    '',
    '| model | data set | function | circuit | exact | circuit (Δ) | exact, retrained ' +
      '| circuit, retrained (Δ) ' +
      '| train / test images | epochs (+retrain) | backend | seconds |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const top5 = (a: Accuracy): string =>
      r.dataset === 'imagenet' ? ` [${pct(a.top5)}]` : '';
    lines.push(
      `| ${[
        r.model,
        r.dataset,
        r.function,
        `${r.circuit} on ${r.range} (${r.rounding})`,
        pct(r.exact.top1) + top5(r.exact),
        `${pct(r.circuitAccuracy.top1)} ` +
          `(${delta(r.circuitAccuracy.top1, r.exact.top1)})${top5(r.circuitAccuracy)}`,
        r.exactRetrained ? pct(r.exactRetrained.top1) + top5(r.exactRetrained) : '',
        r.retrained
          ? `${pct(r.retrained.top1)} ` +
            `(${delta(r.retrained.top1, (r.exactRetrained ?? r.exact).top1)})` +
            top5(r.retrained)
          : '',
        `${r.trainImages} / ${r.testImages}`,
        `${r.epochs} (+${r.retrainEpochs})`,
        r.backend,
        String(r.seconds),
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n') + '\n';
}

/** Append rows to `NN_models/results.json` and rewrite `results.md`. */
export async function appendResults(
  outDir: string,
  rows: readonly ResultRow[],
): Promise<void> {
  const dir = join(outDir, 'NN_models');
  await mkdir(dir, { recursive: true });
  let all: ResultRow[] = [];
  try {
    all = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as ResultRow[];
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  all.push(...rows);
  await writeArtifacts(
    dir,
    [
      { path: 'results.json', data: JSON.stringify(all, null, 2) + '\n' },
      { path: 'results.md', data: resultsMarkdown(all) },
    ],
    { force: true },
  );
}

/** Loss and accuracy per epoch, for exact training and retraining. */
export function curvesPlot(
  title: string,
  exact: EpochRecord[],
  retrain: EpochRecord[],
): Promise<Buffer> {
  const offset = exact.length;
  const ep = (h: EpochRecord[], o: number) => h.map((r) => r.epoch + o);
  return renderPlot({
    title: `${title}: training curves`,
    xLabel: 'epoch',
    yLabel: 'training accuracy (%)',
    rightLabel: 'training loss',
    description: title,
    series: [
      {
        label: 'accuracy, exact function',
        x: ep(exact, 0),
        y: exact.map((r) => 100 * r.accuracy),
        colour: '#1f77b4',
      },
      {
        label: 'accuracy, retraining with the circuit',
        x: ep(retrain, offset),
        y: retrain.map((r) => 100 * r.accuracy),
        colour: '#2ca02c',
      },
      {
        label: 'loss, exact function',
        x: ep(exact, 0),
        y: exact.map((r) => r.loss),
        right: true,
        colour: '#9ecae1',
      },
      {
        label: 'loss, retraining',
        x: ep(retrain, offset),
        y: retrain.map((r) => r.loss),
        right: true,
        colour: '#a1d99b',
      },
    ],
  });
}
