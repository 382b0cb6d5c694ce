#!/usr/bin/env node
/**
 * The `af` entry point: the only place that prints errors and exits.
 */
import { AfError } from '../core/errors.js';
import type { GoldenTable } from '../core/golden.js';
import { generate } from '../commands/generate.js';
import type { NetworkOptions } from '../commands/network.js';
import { parseArgs, type Verbosity } from './args.js';
import { reportText } from './report.js';

/**
 * Finds the data and starts the backend of a network run, so that missing
 * data stops the run before any file is written; returns the run itself.
 */
async function startNetworks(
  options: Omit<NetworkOptions, 'onProgress' | 'onNote' | 'onDetail'>,
  verbosity: Verbosity,
): Promise<(table: GoldenTable) => Promise<void>> {
  const flow = await import('../commands/network.js');
  const { progressReporter } = await import('./progress.js');
  const progress = progressReporter(verbosity);
  const network: NetworkOptions = {
    ...options,
    onProgress: progress.update,
    onNote: (line) => {
      if (verbosity !== 'quiet') process.stderr.write(`note: ${line}\n`);
    },
    onDetail: (line) => {
      if (verbosity === 'verbose') process.stderr.write(`note: ${line}\n`);
    },
  };
  const prepared = await flow.prepareNetworks(network);
  return async (table) => {
    try {
      const rows = await flow.runNetworks(table, prepared, network);
      progress.stop();
      if (verbosity === 'quiet') return;
      const lines = flow
        .resultsMarkdown(rows)
        .split('\n')
        .filter((l) => l.startsWith('|'));
      process.stdout.write(
        `\n${lines.join('\n')}\n(appended to NN_models/results.md and results.json)\n`,
      );
    } finally {
      progress.stop();
    }
  };
}

async function main(argv: string[]): Promise<number> {
  const invocation = parseArgs(argv);
  if (invocation.kind === 'text') {
    process.stdout.write(invocation.text);
    return 0;
  }
  const { options, verbosity, notes } = invocation;
  if (verbosity !== 'quiet') {
    for (const n of notes) process.stderr.write(`note: ${n}\n`);
  }
  const networks =
    invocation.network && (await startNetworks(invocation.network, verbosity));

  const report = await generate(options);
  for (const w of report.warnings) process.stderr.write(`warning: ${w}\n`);
  process.stdout.write(reportText(report, options, verbosity));

  if (networks) await networks(report.table);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof AfError) {
      // One line, even when the message quotes user text with newlines.
      process.stderr.write(`af: ${err.message.replace(/\r?\n/g, '\\n')}\n`);
      process.exitCode = err.exitCode;
    } else {
      process.stderr.write(
        `af: internal error\n${(err as Error)?.stack ?? String(err)}\n`,
      );
      process.exitCode = 70;
    }
  },
);
