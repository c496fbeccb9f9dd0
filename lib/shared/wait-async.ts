/**
 * `Atomics.waitAsync`, typed: an ES2024 API absent from the ES2023 lib we compile against. Node 20 and current
 * browsers have it; engines without it get undefined, and callers poll instead.
 */
export type WaitAsyncResult =
  | { async: false; value: 'not-equal' | 'timed-out' }
  | { async: true; value: Promise<'ok' | 'timed-out'> };

export const waitAsync = (Atomics as unknown as {
  waitAsync?: (cell: Int32Array, index: number, value: number, timeoutMs?: number) => WaitAsyncResult;
}).waitAsync;

/**
 * Waits until `cell[index]` may have changed from `value`, at most `timeoutMs`. Atomics.waitAsync's own timeout
 * does not keep Node's event loop alive, and a keep-alive timer of the same length may fire first and leave the
 * loop empty while the wait is still pending ("Promise resolution is still pending but the event loop has already
 * resolved"): so our timer *is* the timeout, raced with the wait. Without a finite timeout nothing holds the loop.
 */
export async function waitChange(cell: Int32Array, index: number, value: number, timeoutMs: number): Promise<void> {
  const finite = Number.isFinite(timeoutMs);
  const r = waitAsync!(cell, index, value, finite ? timeoutMs : undefined);
  if (!r.async) return;
  if (!finite) {
    await r.value;
    return;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([r.value, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
}
