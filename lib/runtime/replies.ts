/**
 * The worker's "reply" responsibility: answers to the host, encoded (handles, transfer lists) and coalesced per
 * message handled or per tick through the outbox the host side uses too (protocol/outbox.ts).
 */
import type { Transferable } from '../protocol/transfer.ts';
import { Status, type Response } from '../protocol/messages.ts';
import { encodeError } from '../protocol/error-codec.ts';
import { checkPorts, encodeValue, type EncodeState } from '../protocol/value-codec.ts';
import { Outbox } from '../protocol/outbox.ts';
import { clock } from './clock.ts';
import type { RuntimeEndpoint } from './worker-runtime.ts';

export const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as PromiseLike<unknown>).then === 'function';

export class Replies {
  private readonly outbox: Outbox<Response>;

  constructor(private readonly endpoint: RuntimeEndpoint) {
    this.outbox = new Outbox<Response>({
      post: (batch, transfer) => endpoint.post(batch, transfer),
      // One result could not be cloned: the others leave, and its caller hears why.
      uncloneable: (response, error) => endpoint.post([[response[0], Status.Err, encodeError(uncloneable(response, error))]]),
    });
  }

  /** Queues `response`; it leaves with the others of this message or tick. */
  send(response: Response, transfer?: Transferable[]): void {
    this.outbox.push(response, transfer);
  }

  fail(id: number, error: unknown): void {
    this.outbox.push([id, Status.Err, encodeError(error)]);
  }

  /** Handles one received message with `fn`: the answers it produces leave together when it returns. */
  asMessage(fn: () => void): void {
    this.outbox.hold(fn);
  }

  flush(): void {
    this.outbox.flush();
  }

  /** Posts a message of the worker's own now, after what was queued (so the host sees events in order). */
  postNow(message: Response): void {
    this.outbox.flush();
    this.endpoint.post([message]);
  }

  /** Answers call `id` with `result` (awaited if a promise); `startedAt`: with the pool option `metrics`. */
  reply(id: number, result: unknown, startedAt?: number): void {
    if (isThenable(result)) {
      Promise.resolve(result).then((value) => this.reply(id, value, startedAt), (error) => this.fail(id, error));
      return;
    }
    if (startedAt === undefined && (result === null || typeof result !== 'object')) {
      this.send([id, Status.Ok, result, false]);
      return;
    }
    const runMs = startedAt !== undefined ? clock() - startedAt : 0;
    const state: EncodeState = { found: false };
    try {
      const encoded = result !== null && typeof result === 'object' ? encodeValue(result, state) : result;
      const transfer = resultTransfer(state);
      if (startedAt !== undefined) this.send([id, Status.Ok, encoded, state.found, startedAt, runMs], transfer);
      else this.send([id, Status.Ok, encoded, state.found], transfer);
    } catch (error) {
      // A bad transfer() list in the result, or a port not listed: the call fails with the reason.
      this.fail(id, error);
    }
  }
}

/** The transfer list a result's encoding collected (ports must be in it), merged into `into` when given. */
export function resultTransfer(state: EncodeState, into?: Transferable[]): Transferable[] | undefined {
  checkPorts(state);
  if (!state.transfer) return into;
  if (!into) return state.transfer;
  into.push(...state.transfer);
  return into;
}

function uncloneable(response: Response, cause: unknown): Error {
  const what = response[1] === Status.Chunk ? 'a result of this map chunk' : 'the result';
  return new TypeError(`${what} could not be sent back to the pool: ${(cause as Error)?.message ?? cause}`, { cause });
}
