/**
 * The host's side of collectives: one session per collective call. Participants' operations arrive as worker
 * messages (topic 'coll'); the session gathers the contributions of operation #k from every rank and answers each.
 *
 * The host sees every participant's end — its call returning ('coll.done'), throwing ('coll.abort') or its worker
 * going away (the pool's lost listeners) — so when one fails, every rank waiting in an operation, and every rank
 * arriving at one later, is answered at once with CollectiveAbortedError naming the failed rank and its error.
 */
import { decodeError, type EncodedError } from '../protocol/error-codec.ts';
import type { PoolExtension, UpMessage } from '../pool/extension.ts';
import { Op, type Request } from '../protocol/messages.ts';
import { ArgumentError } from '../protocol/errors.ts';
import { COLLECTIVE_TAG } from './comm.ts';
import { WorkerExitedError } from '../protocol/errors.ts';
import type { CollectiveKind } from './comm.ts';
import { CollectiveAbortedError } from './errors.ts';

interface PendingOp {
  kind: CollectiveKind;
  root: number;
  values: unknown[];
  /** Some value is in wire form with handles (a shared array): receivers must revive them. */
  found: boolean;
  arrived: number;
  waiters: Array<UpMessage['reply'] | undefined>;
}

let sessionIds = 0;

/** A pool's open sessions, by id: its own state (extension.ts), made when the first group over it is opened. */
type Sessions = Map<number, Session>;
const SESSIONS = Symbol('collective sessions');

/**
 * The collective sessions of `pool`, answering its workers' collective messages and watching the requests sent to
 * them: installed on a pool the first time a group is opened over it, so only pools that use collectives answer.
 */
function sessionsOf(pool: PoolExtension): Sessions {
  return pool.local(SESSIONS, () => {
    const sessions: Sessions = new Map();
    pool.handleUp('coll', (message) => {
      const [sid, rank, seq, kind, root, value, found] = message.payload as [number, number, number, CollectiveKind, number, unknown, boolean];
      sessionFor(sessions, sid, message)?.arrive(rank, seq, kind, root, value, found, message.reply);
    });
    pool.handleUp('coll.done', (message) => {
      const [sid, rank, count] = message.payload as [number, number, number];
      sessions.get(sid)?.done(rank, count);
    });
    pool.handleUp('coll.abort', (message) => {
      const [sid, rank, error] = message.payload as [number, number, EncodedError];
      sessions.get(sid)?.failed(rank, decodeError(error));
    });
    pool.handleUp('coll.progress', (message) => {
      const [sid, rank, done] = message.payload as [number, number, number];
      sessions.get(sid)?.onProgress?.(rank, done);
    });
    pool.watchRequests((workerIndex, request) => watchRequest(sessions, workerIndex, request));
    return sessions;
  });
}

export class Session {
  readonly sid = ++sessionIds;
  private readonly ops = new Map<number, PendingOp>();
  private readonly ended = new Set<number>();
  /** Ranks a call carrying this group was sent to: a rank gets exactly one. */
  private readonly sent = new Set<number>();
  /** How many operations each rank did before its call returned. */
  private readonly doneAt = new Map<number, number>();
  aborted: CollectiveAbortedError | undefined;
  /** Hears 'coll.progress' messages of this session's participants. */
  onProgress: ((rank: number, done: number) => void) | undefined;
  private readonly lost = (slotIndex: number, reason: Error) => {
    const rank = this.participants.indexOf(slotIndex);
    if (rank < 0 || this.ended.has(rank)) return;
    this.abort(rank, reason);
    this.end(rank);
  };

  private readonly sessions: Sessions;
  private readonly unlisten: () => void;

  constructor(
    pool: PoolExtension,
    readonly participants: readonly number[],
  ) {
    this.sessions = sessionsOf(pool);
    this.sessions.set(this.sid, this);
    this.unlisten = pool.onWorkerLost(this.lost);
  }

  get size(): number {
    return this.participants.length;
  }

  /** Rank `rank` failed: release everyone waiting now and fail every later operation. */
  abort(rank: number, cause: unknown): void {
    if (this.aborted) return;
    const workerIndex = this.participants[rank] ?? -1;
    const what = cause instanceof WorkerExitedError ? 'lost its worker' : 'failed';
    const detail = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    this.aborted = new CollectiveAbortedError(rank, workerIndex, `collective call aborted: rank ${rank} (worker ${workerIndex}) ${what}: ${detail}`, { cause });
    for (const op of this.ops.values()) for (const reply of op.waiters) reply?.(false, this.aborted);
    this.ops.clear();
  }

  private end(rank: number): void {
    this.ended.add(rank);
    if (this.ended.size === this.size) this.close();
  }

  /** Forget the session (all ranks ended, or nobody will use it). */
  close(): void {
    this.sessions.delete(this.sid);
    this.unlisten();
  }

  arrive(rank: number, seq: number, kind: CollectiveKind, root: number, value: unknown, found: boolean, reply: UpMessage['reply']): void {
    if (this.aborted) return reply(false, this.aborted);
    let op = this.ops.get(seq);
    if (!op) {
      op = { kind, root, values: new Array(this.size), arrived: 0, waiters: new Array(this.size), found: false };
      this.ops.set(seq, op);
      // A rank whose call already returned after fewer operations will never join this one.
      for (const [done, count] of this.doneAt) {
        if (count <= seq) return this.leftEarly(done, count, seq, kind, reply, op);
      }
    }
    if (op.kind !== kind || op.root !== root) {
      op.waiters[rank] = reply;
      const first = op.waiters.findIndex((w, r) => w !== undefined && r !== rank);
      this.abort(rank, new Error(`collective operation #${seq} mismatch: rank ${rank} called ${kind}(root ${root}) while rank ${first} called ${op.kind}(root ${op.root})`));
      return;
    }
    op.values[rank] = value;
    op.found ||= found;
    op.waiters[rank] = reply;
    if (++op.arrived < this.size) return;
    this.ops.delete(seq);
    op.waiters.forEach((answer, r) => answer!(true, resultFor(op!, r), { hasHandles: op!.found }));
  }

  private leftEarly(rank: number, count: number, seq: number, kind: CollectiveKind, reply: UpMessage['reply'], op: PendingOp): void {
    op.waiters.push(reply);
    this.abort(rank, new Error(`rank ${rank} returned from its call after ${count} collective operation(s) while the others wait in operation #${seq} (${kind})`));
  }

  /** Rank `rank`'s call returned after `count` operations. */
  done(rank: number, count: number): void {
    this.doneAt.set(rank, count);
    for (const [seq, op] of this.ops) {
      if (seq >= count && op.waiters[rank] === undefined) {
        this.abort(rank, new Error(`rank ${rank} returned from its call after ${count} collective operation(s) while the others wait in operation #${seq} (${op.kind})`));
        break;
      }
    }
    this.end(rank);
  }

  failed(rank: number, error: unknown): void {
    this.abort(rank, error);
    this.end(rank);
  }

  /** A call carrying this group is about to go to rank `rank`'s worker; throws on misuse (see watchRequest). */
  dispatching(rank: number, workerIndex: number): void {
    if (this.sent.has(rank)) {
      this.close();
      throw new ArgumentError(
        `collective(): two tasks of one call share rank ${rank} (worker ${workerIndex}); they would wait for each other forever. ` +
          'A group needs exactly one task per participant: pass it to a broadcast, or to a map with { synchronize: true } (or a dedicated pool) and no more tasks than participants',
      );
    }
    this.sent.add(rank);
  }

  /**
   * Rank `rank`'s call ended (its answer arrived, or it failed to reach the worker). The worker reports the end of
   * a call that revived this group before it answers, so a rank not ended by now never started: its worker was
   * gone, the method missing, or an argument could not be revived. Release the others with that cause.
   */
  callEnded(rank: number, error: Error | undefined): void {
    if (this.ended.has(rank)) return;
    this.failed(rank, error ?? new Error(`rank ${rank}'s call ended without joining the collective group`));
  }
}

function resultFor(op: PendingOp, rank: number): unknown {
  switch (op.kind) {
    case 'barrier':
      return undefined;
    case 'bcast':
      return op.values[op.root];
    case 'gather':
      return rank === op.root ? op.values : undefined;
    case 'allgather':
      return op.values;
    case 'exchange':
      return op.values.filter((_, r) => r !== rank);
  }
}

function sessionFor(sessions: Sessions, sid: number, message: UpMessage): Session | undefined {
  const session = sessions.get(sid);
  if (!session) message.reply(false, new ArgumentError(`collective session ${sid} is over (a group serves exactly one call; create one per call)`));
  return session;
}

/** The collective sessions a request's arguments carry (top-level arguments, one level into arrays and objects). */
function sessionsIn(sessions: Sessions, request: Request): Session[] {
  let values: unknown[];
  if (request[0] === Op.Call && request[4]) values = request[3] as unknown[];
  else if (request[0] === Op.Chunk && request[7]) values = [...(request[3] as unknown[]).flatMap((column) => (Array.isArray(column) ? column : [])), ...(request[4] as unknown[])];
  else return [];
  const found: Session[] = [];
  const look = (value: unknown, depth: number): void => {
    if (value === null || typeof value !== 'object') return;
    const tagged = value as { __objectproxypool_handle__?: unknown; sid?: number };
    if (tagged.__objectproxypool_handle__ === COLLECTIVE_TAG) {
      const session = sessions.get(tagged.sid!);
      if (session && !found.includes(session)) found.push(session);
      return;
    }
    if (depth === 0 || ArrayBuffer.isView(value)) return;
    for (const item of Array.isArray(value) ? value : Object.values(value)) look(item, depth - 1);
  };
  for (const value of values) look(value, 2);
  return found;
}

/**
 * Every request carrying a collective group is watched: a chunk (an unsynchronized map) or a second task for the
 * same rank is refused at once, and the end of each participant's call is heard so that a call that never started
 * its method releases the others instead of leaving them waiting forever.
 */
function watchRequest(sessions: Sessions, workerIndex: number, request: Request): ((error: Error | undefined) => void) | undefined {
  if (sessions.size === 0) return undefined;
  const carried = sessionsIn(sessions, request);
  if (carried.length === 0) return undefined;
  if (request[0] === Op.Chunk) {
    for (const session of carried) session.close();
    throw new ArgumentError(
      'collective(): a collective group cannot be passed to an unsynchronized map: its tasks go to whichever worker is free, so two of them can share a rank ' +
        'and wait for each other forever. Use pool.with({ synchronize: true }) (one round of one task per worker), a dedicated pool, or a broadcast',
    );
  }
  const ranks: Array<[Session, number]> = [];
  for (const session of carried) {
    const rank = session.participants.indexOf(workerIndex);
    if (rank < 0) continue; // the worker refuses it itself ("not a participant")
    session.dispatching(rank, workerIndex);
    ranks.push([session, rank]);
  }
  if (ranks.length === 0) return undefined;
  return (error) => {
    for (const [session, rank] of ranks) session.callEnded(rank, error);
  };
}
