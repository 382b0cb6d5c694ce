#!/usr/bin/env node
/**
 * The `af` entry point: the only place that prints errors and exits.
 */
import { AfError } from '../core/errors.js';
import { generate } from '../commands/generate.js';
import { progressReporter } from './progress.js';
import { parseArgs } from './args.js';
import { reportText } from './report.js';

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
  const report = await generate(options);
  for (const w of report.warnings) process.stderr.write(`warning: ${w}\n`);
  process.stdout.write(reportText(report, options, verbosity));

  // The network flow, when asked for.
  if (invocation.network) {
    const { runNetworks, resultsMarkdown } = await import('../commands/network.js');
    const progress = progressReporter(verbosity);
    try {
      const rows = await runNetworks(report.table, {
        ...invocation.network,
        onProgress: progress.update,
        onNote: (line) => {
          if (verbosity !== 'quiet') process.stderr.write(`note: ${line}\n`);
        },
        onDetail: (line) => {
          if (verbosity === 'verbose') process.stderr.write(`note: ${line}\n`);
        },
      });
      progress.stop();
      if (verbosity !== 'quiet') {
        const table = resultsMarkdown(rows)
          .split('\n')
          .filter((l) => l.startsWith('|'));
        process.stdout.write(
          `\n${table.join('\n')}\n(appended to NN_models/results.md and results.json)\n`,
        );
      }
    } finally {
      progress.stop();
    }
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof AfError) {
      process.stderr.write(`af: ${err.message}\n`);
      process.exitCode = err.exitCode;
    } else {
      process.stderr.write(
        `af: internal error\n${(err as Error)?.stack ?? String(err)}\n`,
      );
      process.exitCode = 70;
    }
  },
);
