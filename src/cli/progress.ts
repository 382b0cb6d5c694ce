/**
 * Progress bars for the network flow: drawn on stderr only when it is a
 * terminal, with the time left; a line per finished phase otherwise when
 * verbose.
 */
import cliProgress from 'cli-progress';
import type { Progress } from '../nn/train.js';
import type { Verbosity } from './args.js';

/** Receives progress events; `stop` ends the current bar. */
export interface ProgressReporter {
  update: (p: Progress) => void;
  stop: () => void;
}

/** A reporter that suits the terminal and the verbosity. */
export function progressReporter(verbosity: Verbosity): ProgressReporter {
  let bar: cliProgress.SingleBar | undefined;
  let current = '';
  const tty = process.stderr.isTTY === true && verbosity !== 'quiet';
  const stop = (): void => {
    bar?.stop();
    bar = undefined;
  };
  const update = (p: Progress): void => {
    const key = `${p.phase} ${p.epoch}`;
    if (key !== current) {
      stop();
      current = key;
      if (tty) {
        bar = new cliProgress.SingleBar(
          {
            format:
              '{phase} [{bar}] {percentage}% | {value}/{total} images | ' +
              'ETA {eta_formatted} | loss {loss}',
            stream: process.stderr,
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(p.total, 0, { phase: label(p), loss: '-' });
      } else if (verbosity === 'verbose') {
        process.stderr.write(`${label(p)}: ${p.total} images\n`);
      }
    }
    bar?.update(p.done, { loss: p.loss !== undefined ? p.loss.toFixed(4) : '-' });
  };
  return { update, stop };
}

function label(p: Progress): string {
  return p.epochs > 1 ? `${p.phase}, epoch ${p.epoch}/${p.epochs}` : p.phase;
}
