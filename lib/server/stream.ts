/**
 * `server.stream`: a sliding window of at most `capacity` items over any (async) iterable. Inputs are pulled only
 * when the window has room, so a consumer that stops early leaves the rest of the input unread.
 */

/**
 * Options of `server.stream`.
 *
 * @example
 * for await (const r of server.stream(xs, { ordered: false, returnInputs: true, returnErrors: true })) console.log(r.input, r.value ?? r.error);
 */
export interface StreamOptions {
  /** Results in input order (default true); false: as they finish. */
  ordered?: boolean;
  /** Yield `{ input, value }` / `{ input, error }` instead of bare results. */
  returnInputs?: boolean;
  /** Yield an item's error instead of throwing it (which ends the stream). */
  returnErrors?: boolean;
}

/**
 * What `stream` yields for the given options.
 *
 * @example
 * type Item = StreamItem<string, number, { returnInputs: true }>; // { input: string; value: number }
 */
export type StreamItem<I, O, S extends StreamOptions> = S extends { returnInputs: true }
  ? S extends { returnErrors: true }
    ? { input: I; value: O; error?: undefined } | { input: I; value?: undefined; error: unknown }
    : { input: I; value: O }
  : S extends { returnErrors: true }
    ? O | Error
    : O;

interface Entry<I> {
  input: I;
  settled: boolean;
  ok: boolean;
  value: unknown;
  promise: Promise<Entry<I>>;
}

export async function* streamThrough<I>(
  inputs: Iterable<I> | AsyncIterable<I>,
  options: StreamOptions,
  window: number,
  /** The reason to pull no more inputs (the server stopped), if any. */
  stopped: () => Error | undefined,
  submit: (input: I) => Promise<unknown>,
): AsyncGenerator<unknown, void, undefined> {
  const { ordered = true, returnInputs = false, returnErrors = false } = options;
  const source: Iterator<I> | AsyncIterator<I> =
    Symbol.asyncIterator in Object(inputs) ? (inputs as AsyncIterable<I>)[Symbol.asyncIterator]() : (inputs as Iterable<I>)[Symbol.iterator]();
  const active: Entry<I>[] = [];
  let exhausted = false;
  try {
    for (;;) {
      while (!exhausted && active.length < window) {
        if (stopped()) break;
        const next = await source.next();
        if (next.done) {
          exhausted = true;
          break;
        }
        const entry = { input: next.value, settled: false, ok: false, value: undefined } as Entry<I>;
        entry.promise = submit(next.value).then(
          (value) => Object.assign(entry, { settled: true, ok: true, value }),
          (error) => Object.assign(entry, { settled: true, ok: false, value: error }),
        );
        active.push(entry);
      }
      if (active.length === 0) {
        const reason = exhausted ? undefined : stopped();
        if (reason) throw reason;
        return;
      }
      const entry = ordered ? await active[0]!.promise : await Promise.race(active.map((e) => e.promise));
      active.splice(active.indexOf(entry), 1);
      if (!entry.ok && !returnErrors) throw entry.value;
      if (returnInputs) yield entry.ok ? { input: entry.input, value: entry.value } : { input: entry.input, error: entry.value };
      else yield entry.value;
    }
  } finally {
    // Early exit or an error: stop the source; items already in flight finish on their own (their slots free then).
    if (!exhausted) await source.return?.();
  }
}
