/**
 * The worker's "uplink" responsibility: its own requests to the host (Status.Up), answered by Op.Reply. Ids are
 * negative: they never meet the host's request ids, so the host's answer path pays nothing for them.
 */
import { Status } from '../protocol/messages.ts';
import { decodeError, type EncodedError } from '../protocol/error-codec.ts';
import { decodeValue } from '../protocol/value-codec.ts';
import type { Uplink } from './uplink.ts';
import type { Replies } from './replies.ts';

export class WorkerUplink implements Uplink {
  private counter = 0;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>();

  constructor(private readonly replies: Replies) {}

  request(topic: string, payload: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.pending.set(this.up(topic, payload, true), { resolve, reject });
    });
  }

  notify(topic: string, payload: unknown): void {
    this.up(topic, payload, false);
  }

  /** The host's Op.Reply to request `id`. */
  answer(id: number, ok: boolean, value: unknown, hasHandles: boolean): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    if (ok) pending.resolve(hasHandles ? decodeValue(value) : value);
    else pending.reject(decodeError(value as EncodedError));
  }

  private up(topic: string, payload: unknown, wantsReply: boolean): number {
    const id = --this.counter;
    // What was queued before leaves first, so the host sees events in the order they happened; then this
    // message leaves at once, even from inside a long synchronous loop (progress).
    this.replies.postNow([id, Status.Up, topic, payload, wantsReply]);
    return id;
  }
}
