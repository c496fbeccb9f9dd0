/**
 * The host's side of the worker's own messages (Status.Up). Each topic belongs to one layer — collectives,
 * partition progress, service functions, instance handles — which registers its handler here; the pool core
 * only routes. A request (`wantsReply`) is answered exactly once with Op.Reply; a topic nobody registered is
 * answered with an error naming it, so a worker never waits for an answer that cannot come.
 */
import { Op, Status, type Response } from '../protocol/messages.ts';
import { encodeError } from '../protocol/error-codec.ts';
import { encodeValue } from '../protocol/value-codec.ts';
import type { WorkerSlot } from './worker-slot.ts';

/** What a topic handler is given for one message. */
export interface UpMessage {
  /** The pool the worker belongs to. */
  readonly pool: UpPool;
  readonly slot: WorkerSlot;
  readonly payload: unknown;
  /** Answers the worker (once); a no-op for notifications. */
  /** `wire`: the value is already in wire form (as a worker sent it, handles in place): passed on as is. */
  reply(ok: true, value?: unknown, wire?: { hasHandles: boolean }): void;
  reply(ok: false, error: unknown): void;
}

/** The little the uplink needs from a pool core (kept narrow to avoid importing it). */
export interface UpPool {
  readonly id: number;
  readonly slots: readonly WorkerSlot[];
  addMethods(names: readonly string[]): void;
}

export type UpHandler = (message: UpMessage) => void;

const topics = new Map<string, UpHandler>();

/** Routes the worker messages of `topic` to `handler` (one handler per topic; the last registration wins). */
export function registerUpTopic(topic: string, handler: UpHandler): void {
  topics.set(topic, handler);
}

export function routeUp(pool: UpPool, slot: WorkerSlot, message: Extract<Response, [number, Status.Up, ...unknown[]]>): void {
  const [upId, , topic, payload, wantsReply] = message;
  let answered = !wantsReply;
  const reply = (ok: boolean, value?: unknown, wire?: { hasHandles: boolean }) => {
    if (answered) return;
    answered = true;
    if (ok && wire) {
      slot.notify([Op.Reply, upId, true, value, wire.hasHandles]);
    } else if (ok) {
      const state = { found: false };
      const encoded = encodeValue(value, state);
      slot.notify([Op.Reply, upId, true, encoded, state.found]);
    } else {
      slot.notify([Op.Reply, upId, false, encodeError(value), false]);
    }
  };
  const handler = topics.get(topic);
  if (!handler) {
    reply(false, new Error(`the host has no handler for worker messages of topic "${topic}" (is the layer that sends them loaded in the host?)`));
    return;
  }
  try {
    handler({ pool, slot, payload, reply: reply as UpMessage['reply'] });
  } catch (error) {
    reply(false, error);
  }
}

// Service functions exposed inside a worker: from now on the proxy accepts their names.
registerUpTopic('expose', ({ pool, payload }) => pool.addMethods(payload as string[]));
// A worker created a pool of its own: close() must let it close that pool (the Close handshake) before ending it.
registerUpTopic('pool.nested', ({ slot }) => {
  slot.disposable = true;
});
