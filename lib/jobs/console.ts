/**
 * The default console listener: a live progress view of a job pool in the terminal, drawn with `log-update`
 * (sindresorhus's frame redrawer: it rewrites the previous frame in place and handles wide characters and
 * terminal widths). It is an optional peer dependency loaded on first use; without it, or when the stream is not
 * a terminal, the listener prints plain lines instead (one per pool status change and a summary).
 */
import type { JobEvent, JobListener, JobStatus } from './job.ts';

/**
 * Where and how the console listener draws.
 *
 * @example
 * jobs.addListener(await consoleListener({ stream: process.stdout, redrawMs: 250, title: 'placement' }));
 */
export interface ConsoleListenerOptions {
  /** Default: process.stderr. A TTY gets a live frame; anything else gets plain lines. */
  stream?: { write(chunk: string): unknown; isTTY?: boolean; columns?: number };
  /** Least time between two redraws of the live frame. Default 100 ms. */
  redrawMs?: number;
  /** Bar width in characters. Default 24. */
  barWidth?: number;
  /** Title of the frame. Default 'jobs'. */
  title?: string;
}

type Counts = Record<JobStatus, number>;

/**
 * Creates a listener that shows live progress: a bar, counts per status, and the running jobs with their times.
 *
 * @example
 * jobs.addListener(await consoleListener());
 * await jobs.execute();
 */
export async function consoleListener(options: ConsoleListenerOptions = {}): Promise<JobListener & { onEvent(event: JobEvent): void; close(): void }> {
  const stream = options.stream ?? process.stderr;
  const redrawMs = options.redrawMs ?? 100;
  const width = options.barWidth ?? 24;
  const title = options.title ?? 'jobs';
  let draw: ((text: string) => void) & { done?: () => void } = (text) => void stream.write(`${text}\n`);
  let live = false;
  if (stream.isTTY) {
    try {
      // A computed specifier: browser bundlers must not follow this terminal-only, optional dependency.
      const logUpdate = 'log-update';
      const { createLogUpdate } = (await import(/* @vite-ignore */ /* webpackIgnore: true */ logUpdate)) as typeof import('log-update');
      const update = createLogUpdate(stream as NodeJS.WriteStream, { showCursor: true });
      draw = Object.assign((text: string) => update(text), { done: () => update.done() });
      live = true;
    } catch {
      // log-update is not installed: plain lines are still useful.
    }
  }
  const counts: Counts = { pending: 0, queued: 0, running: 0, success: 0, failed: 0, cancelled: 0 };
  const running = new Map<number, { name: string; since: number }>();
  let total = 0;
  let startedAt = performance.now();
  let lastDraw = 0;

  const frame = (): string => {
    const ended = counts.success + counts.failed + counts.cancelled;
    const share = total === 0 ? 0 : ended / total;
    const filled = Math.round(share * width);
    const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
    const line = `${title} ${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${Math.floor(share * 100)}% ${ended}/${total}` +
      ` · running ${counts.running} · queued ${counts.queued} · pending ${counts.pending} · failed ${counts.failed} · cancelled ${counts.cancelled} · ${seconds} s`;
    if (!live) return line;
    const now = performance.now();
    const shown = [...running.values()].slice(0, 5).map((r) => `  ${r.name} ${((now - r.since) / 1000).toFixed(1)} s`);
    const more = running.size > 5 ? [`  … and ${running.size - 5} more`] : [];
    return [line, ...shown, ...more].join('\n');
  };

  const redraw = (force: boolean) => {
    const now = performance.now();
    if (!live || (!force && now - lastDraw < redrawMs)) return;
    lastDraw = now;
    draw(frame());
  };

  return {
    onEvent(event: JobEvent): void {
      switch (event.type) {
        case 'pool-status':
          if (event.status === 'executing') startedAt = performance.now();
          if (live) {
            redraw(true);
            if (event.status !== 'executing') draw.done?.();
          } else if (event.status === 'executing') draw(`${title}: executing ${total - counts.success - counts.failed - counts.cancelled} jobs`);
          else if (event.previous === 'executing') draw(frame());
          return;
        case 'job-added':
          total++;
          counts.pending++;
          break;
        case 'job-status':
          counts[event.previous]--;
          counts[event.status]++;
          if (event.status === 'running') running.set(event.job.id, { name: `${event.job.name}#${event.job.id}`, since: performance.now() });
          else running.delete(event.job.id);
          break;
        default:
          break;
      }
      redraw(false);
    },
    close(): void {
      if (live) draw.done?.();
    },
  };
}
