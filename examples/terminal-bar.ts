/**
 * A terminal progress bar for the examples: cli-progress (a dev dependency of this repository, not of the
 * library) driven through the library's `progressBar` adapter. Only when a person watches a terminal: piped or
 * CI output (`npm start` in CI, the example specs) stays free of control characters.
 */
import { progressBar, type Progress } from '../lib/index.ts';

export async function terminalBar(label: string): Promise<((progress: Progress) => void) | undefined> {
  if (!process.stdout.isTTY || !process.stderr.isTTY) return undefined;
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    { format: `   ${label} {bar} {value}/{total} tasks, per worker {byWorker}`, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  return progressBar(bar);
}
