/**
 * One tick's messages in one postMessage, in both directions: the host's requests to a worker (pool/worker-slot.ts)
 * and a worker's answers to the host (runtime/worker-runtime.ts). Structured clone and the channel cost a fixed
 * amount per postMessage, so coalescing a burst of calls (or answers) into one batch is where most of the
 * protocol's speed comes from (docs/design.md, "Protocol"). Both sides once had their own copy of this; they
 * differed only in the two knobs below.
 *
 * A message that cannot be cloned must not sink its batch: the batch is then re-sent one message at a time, and
 * the guilty one is reported to `uncloneable` (which fails its call, or answers with the reason).
 */
import type { Transferable } from './transfer.ts';

export interface OutboxOptions<T> {
  /** Posts one message or a batch of them, with the transfer list. Throws if something cannot be cloned. */
  post(batch: T | T[], transfer: Transferable[] | undefined): void;
  /** `message` could not be cloned even alone (`error`): tell whoever waits for it. */
  uncloneable(message: T, error: unknown): void;
  /** The transfer list a message carries in a side table (the host's requests: protocol/transfer.ts), if any. */
  transferOf?(message: T): Transferable[] | undefined;
  /** The same for a whole batch, in one list (cheaper than one call per message when nothing is marked). */
  batchTransferOf?(batch: readonly T[]): Transferable[] | undefined;
  /**
   * The first message of a tick leaves at once (latency), the tick's later ones gather behind it and leave together
   * at the end of the tick (throughput). The host does this; a worker gathers from the first.
   */
  firstLeavesAtOnce?: boolean;
  /** A long burst leaves in slices of this many, so the receiver starts on the first while the rest are queued. */
  sliceAt?: number;
}

export class Outbox<T> {
  private queue: T[] = [];
  /** Transfer lists given with `push` for the queued messages, in one list. */
  private transfer: Transferable[] | undefined;
  private scheduled = false;
  /** While a received message is being handled (hold()), its answers wait for the end of the handler: no microtask. */
  private holding = 0;
  private readonly sliceAt: number;

  constructor(private readonly options: OutboxOptions<T>) {
    this.sliceAt = options.sliceAt ?? Infinity;
  }

  /** Messages waiting. */
  get size(): number {
    return this.queue.length;
  }

  /** Queue `message` (with `transfer`, what moves instead of being copied); it leaves by the end of the tick. */
  push(message: T, transfer?: Transferable[]): void {
    if (transfer) (this.transfer ??= []).push(...transfer);
    if (!this.scheduled && this.holding === 0) {
      this.scheduled = true;
      queueMicrotask(this.endOfTick);
      if (this.options.firstLeavesAtOnce && this.queue.length === 0) {
        this.postAlone(message);
        return;
      }
    }
    this.queue.push(message);
    if (this.queue.length >= this.sliceAt) this.flush();
  }

  private readonly endOfTick = (): void => {
    this.scheduled = false;
    this.flush();
  };

  /** Runs `fn` (the handling of one received message); what it queued leaves together when it returns. */
  hold(fn: () => void): void {
    this.holding++;
    try {
      fn();
    } finally {
      if (--this.holding === 0 && this.queue.length > 0) this.flush();
    }
  }

  /** Sends what is queued now. */
  flush(): void {
    if (this.queue.length === 0) return;
    const batch = this.queue;
    const given = this.transfer;
    this.queue = [];
    this.transfer = undefined;
    if (batch.length === 1) {
      this.postAlone(batch[0]!, given);
      return;
    }
    let transfer = given;
    const marked = this.options.batchTransferOf?.(batch);
    if (marked) transfer = transfer ? [...transfer, ...marked] : marked;
    try {
      this.options.post(batch, transfer);
    } catch {
      // Something in the batch cannot be cloned: send the others, and say which could not.
      for (const message of batch) this.postAlone(message, undefined, false);
    }
  }

  /** Posts one message now, by itself (its own transfer list from the side table, if any). */
  postAlone(message: T, transfer?: Transferable[], withOwnTransfer = true): void {
    const own = withOwnTransfer ? this.options.transferOf?.(message) : undefined;
    try {
      this.options.post(message, own ? [...(transfer ?? []), ...own] : transfer);
    } catch (error) {
      this.options.uncloneable(message, error);
    }
  }

  /** Forget what is queued (the receiver is gone). */
  clear(): void {
    this.queue = [];
    this.transfer = undefined;
  }
}
