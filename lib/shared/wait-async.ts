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
